"""TF's gradient kernels that give 0 where the incoming gradient is 0.

TF computes the gradients of `Sqrt`, `Rsqrt` and `Reciprocal` with dedicated kernels
(`SqrtGrad`, `RsqrtGrad`, `ReciprocalGrad`) from the op's output y and the incoming
gradient g, and each returns 0 where g is 0, whatever y is. So
`tf.where(x > 0, tf.sqrt(x), 0.)` has gradient 0 at x <= 0, and `tf.sqrt(x) * 0` has
gradient 0 at x == 0, where the plain product rule gives `0 * inf = NaN`.

`scaled(g, y, kind)` is the op's tangent map as a JAX primitive that is linear in g,
with a flag `seeded`: the tangent map itself is the plain formula (TF's forward mode,
which differentiates the gradient kernel, gives `0 * inf = NaN` at 0 too), and its
transpose, which reverse mode (`jax.vjp`) evaluates, is the same scaling with TF's
zero rule (and transposes back to the plain one). The formulas keep TF's operation
order, so float32 results match TF's bits:

    sqrt:       (0.5 * g) / y
    rsqrt:      -0.5 * (g * y) * (y * y)
    reciprocal: (-y * y) * g
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from jax.extend.core import Primitive
from jax.interpreters import ad, batching, mlir

__all__ = ["scaled"]

scaled_p = Primitive("tf_zero_seed_grad")


def _formula(g: Any, y: Any, kind: str, seeded: bool) -> Any:
    if kind == "sqrt":
        v = (jnp.asarray(0.5, g.dtype) * g) / y
    elif kind == "rsqrt":
        v = jnp.asarray(-0.5, g.dtype) * (g * y) * (y * y)
    else:  # reciprocal
        v = (-y * y) * g
    return jnp.where(g == 0, jnp.zeros_like(v), v) if seeded else v


def scaled(g: Any, y: Any, kind: str) -> Any:
    """The tangent map of sqrt/rsqrt/reciprocal at output `y`, linear in `g`; its
    transpose is TF's `{Sqrt,Rsqrt,Reciprocal}Grad(y, g)`."""
    g, y = jnp.broadcast_arrays(g, y)
    return scaled_p.bind(g, y, kind=kind, seeded=False)


def _abstract(g: Any, y: Any, *, kind: str, seeded: bool) -> Any:
    return g


def _jvp(primals: Any, tangents: Any, *, kind: str, seeded: bool) -> Any:
    g, y = primals
    dg, dy = tangents
    out = scaled_p.bind(g, y, kind=kind, seeded=seeded)
    dout = None
    if type(dg) is not ad.Zero:
        dout = scaled_p.bind(dg, y, kind=kind, seeded=seeded)
    if type(dy) is not ad.Zero:
        # d/dy of the formulas above (TF's second-order gradients are not zero-seeded).
        if kind == "sqrt":
            part = -out / y * dy
        elif kind == "rsqrt":
            part = jnp.asarray(3, y.dtype) * out / y * dy
        else:
            part = jnp.asarray(2, y.dtype) * out / y * dy
        dout = part if dout is None else dout + part
    if dout is None:
        dout = jnp.zeros_like(out)
    return out, dout


def _transpose(ct: Any, g: Any, y: Any, *, kind: str, seeded: bool) -> Any:
    assert ad.is_undefined_primal(g) and not ad.is_undefined_primal(y)
    if type(ct) is ad.Zero:
        return ad.Zero(g.aval), None
    return scaled_p.bind(ct, y, kind=kind, seeded=not seeded), None


def _batch(args: Any, dims: Any, *, kind: str, seeded: bool) -> Any:
    g, y = args
    dg, dy = dims
    size = next(a.shape[d] for a, d in zip(args, dims, strict=True) if d is not None)
    g = batching.bdim_at_front(g, dg, size)
    y = batching.bdim_at_front(y, dy, size)
    return scaled_p.bind(g, y, kind=kind, seeded=seeded), 0


scaled_p.def_impl(lambda g, y, *, kind, seeded: _formula(g, y, kind, seeded))
scaled_p.def_abstract_eval(_abstract)
ad.primitive_jvps[scaled_p] = _jvp
ad.primitive_transposes[scaled_p] = _transpose
batching.primitive_batchers[scaled_p] = _batch
mlir.register_lowering(scaled_p, mlir.lower_fun(_formula, multiple_results=False))

"""Raw math ops: element-wise arithmetic, comparisons, reductions, matmul.

Each function is TF's op type; where TF's gradient convention differs from JAX's, a
`jax.custom_jvp` pins TF's rule and the comment cites TF's gradient function.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from tfcompat._core import errors
from tfcompat._ops.registry import register


def _broadcast_error(op: str) -> Any:
    def error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
        shapes = [list(a[0]) for a in in_avals]
        if len(shapes) == 2:
            return errors.kernel_error(op, f"Incompatible shapes: {shapes[0]} vs. {shapes[1]}")
        return None

    return error


def _binary(name: str, fn: Any, differentiable: bool = True) -> None:
    register(name, differentiable=differentiable, error=_broadcast_error(name))(fn)


# -- binary arithmetic ---------------------------------------------------------------
_binary("AddV2", lambda x, y: x + y)
_binary("Sub", lambda x, y: x - y)
_binary("Mul", lambda x, y: x * y)
_binary("RealDiv", lambda x, y: x / y)
_binary("FloorDiv", jnp.floor_divide)
_binary("FloorMod", jnp.mod)
_binary("Pow", jnp.power)
_binary("SquaredDifference", lambda x, y: jnp.square(x - y))
_binary("Atan2", jnp.arctan2)


@jax.custom_jvp
def _maximum(x: Any, y: Any) -> Any:
    return jnp.maximum(x, y)


@_maximum.defjvp
def _maximum_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _MaximumGrad (math_grad.py): the whole gradient goes to x where x >= y.
    x, y = primals
    dx, dy = tangents
    out = jnp.maximum(x, y)
    return out, jnp.broadcast_to(jnp.where(x >= y, dx, dy), out.shape)


@jax.custom_jvp
def _minimum(x: Any, y: Any) -> Any:
    return jnp.minimum(x, y)


@_minimum.defjvp
def _minimum_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _MinimumGrad (math_grad.py): the whole gradient goes to x where x <= y.
    x, y = primals
    dx, dy = tangents
    out = jnp.minimum(x, y)
    return out, jnp.broadcast_to(jnp.where(x <= y, dx, dy), out.shape)


_binary("Maximum", _maximum)
_binary("Minimum", _minimum)

# -- comparisons and logic (not differentiable, as TF) --------------------------------
for _name, _fn in {
    "Equal": jnp.equal,
    "NotEqual": jnp.not_equal,
    "Less": jnp.less,
    "LessEqual": jnp.less_equal,
    "Greater": jnp.greater,
    "GreaterEqual": jnp.greater_equal,
    "LogicalAnd": jnp.logical_and,
    "LogicalOr": jnp.logical_or,
    "BitwiseAnd": jnp.bitwise_and,
    "BitwiseOr": jnp.bitwise_or,
    "BitwiseXor": jnp.bitwise_xor,
}.items():
    _binary(_name, _fn, differentiable=False)

register("LogicalNot", differentiable=False)(jnp.logical_not)
register("Invert", differentiable=False)(jnp.invert)


# -- unary -------------------------------------------------------------------------------
@jax.custom_jvp
def _abs(x: Any) -> Any:
    return jnp.abs(x)


@_abs.defjvp
def _abs_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _AbsGrad: grad * sign(x), which is 0 at x == 0 (JAX uses 1).
    (x,), (dx,) = primals, tangents
    return jnp.abs(x), jnp.sign(x) * dx


register("Abs")(_abs)
register("Neg")(jnp.negative)
register("Square")(jnp.square)
register("Sqrt")(jnp.sqrt)
register("Exp")(jnp.exp)
register("Log")(jnp.log)
register("Sin")(jnp.sin)
register("Cos")(jnp.cos)
register("Tanh")(jnp.tanh)
register("Sigmoid")(jax.nn.sigmoid)
register("Sign")(jnp.sign)
register("Conj")(jnp.conj)


@jax.custom_jvp
def _relu(x: Any) -> Any:
    return jnp.maximum(x, jnp.zeros((), x.dtype))


@_relu.defjvp
def _relu_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _ReluGrad: gradient where features > 0 (0 at 0).
    (x,), (dx,) = primals, tangents
    return _relu(x), jnp.where(x > 0, dx, jnp.zeros((), dx.dtype))


register("Relu")(_relu)


@register("Softmax")
def _softmax(logits: Any) -> Any:
    return jax.nn.softmax(logits, axis=-1)


# -- reductions -------------------------------------------------------------------------
def _reduction_error(op: str) -> Any:
    def error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
        rank = len(in_avals[0][0])
        for a in attrs.get("axis") or ():
            if not -rank <= a < rank:
                return errors.kernel_error(op, f"Invalid reduction dimension ({a} for input with {rank} dimension(s)")
        return None

    return error


def _reduction(name: str, fn: Any, differentiable: bool = True) -> None:
    def raw(x: Any, *, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
        return fn(x, axis=axis, keepdims=keepdims)

    raw.__name__ = name
    register(name, differentiable=differentiable, error=_reduction_error(name))(raw)


def _int_mean(x: Any, axis: Any, keepdims: bool) -> Any:
    # TF's Mean on integers divides with integer (truncating) division.
    if jnp.issubdtype(x.dtype, jnp.integer):
        n = x.size if axis is None else int(jnp.prod(jnp.array([x.shape[a] for a in axis])))
        s = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        return (s / max(n, 1)).astype(x.dtype) if n else s
    return jnp.mean(x, axis=axis, keepdims=keepdims)


_reduction("Sum", lambda x, axis, keepdims: jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype))
_reduction("Mean", _int_mean)
_reduction("Max", jnp.max)
_reduction("Min", jnp.min)
_reduction("Prod", lambda x, axis, keepdims: jnp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype))
_reduction("All", jnp.all, differentiable=False)
_reduction("Any", jnp.any, differentiable=False)


# -- matmul -----------------------------------------------------------------------------
def _matmul_error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
    (sa, _), (sb, _) = in_avals
    if len(sa) < 2:
        return errors.kernel_error("MatMul", "In[0] ndims must be >= 2")
    if len(sb) < 2:
        return errors.kernel_error("MatMul", "In[1] ndims must be >= 2")
    ka = sa[-2] if attrs.get("transpose_a") else sa[-1]
    kb = sb[-1] if attrs.get("transpose_b") else sb[-2]
    if ka != kb:
        return errors.kernel_error(
            "MatMul",
            f"Matrix size-incompatible: In[0]: [{', '.join(map(str, sa))}], In[1]: [{', '.join(map(str, sb))}]",
        )
    return None


@register("MatMul", error=_matmul_error)
def _matmul(a: Any, b: Any, *, transpose_a: bool = False, transpose_b: bool = False, adjoint_a: bool = False, adjoint_b: bool = False) -> Any:
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise ValueError("rank")
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        if adjoint_a:
            a = jnp.conj(a)
    if transpose_b or adjoint_b:
        b = jnp.swapaxes(b, -1, -2)
        if adjoint_b:
            b = jnp.conj(b)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError("inner")
    return jnp.matmul(a, b)


@register("Cast")
def _cast(x: Any, *, dtype: Any) -> Any:
    if jnp.iscomplexobj(x) and not jnp.issubdtype(dtype, jnp.complexfloating):
        x = jnp.real(x)
    return x.astype(dtype)

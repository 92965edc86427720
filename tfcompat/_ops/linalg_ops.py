"""Raw linear-algebra ops (TF's op types: MatrixInverse, Cholesky, Svd ...).

Gradients come from JAX's rules for the same decompositions, which agree with TF's
`linalg_grad.py` (the op records compare them, with gauge-invariant targets for
factorizations whose vectors are defined up to sign).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
from jax import lax

from tfcompat._ops.registry import register

_HI = lax.Precision.HIGHEST


def _adj(x: Any) -> Any:
    return jnp.conj(jnp.swapaxes(x, -1, -2))


@register("MatrixInverse")
def _inv(x: Any, *, adjoint: bool) -> Any:
    return jnp.linalg.inv(_adj(x) if adjoint else x)


def _trace_inv_dot(x: Any, dx: Any) -> Any:
    return jnp.trace(jnp.linalg.solve(x, dx), axis1=-2, axis2=-1)


@jax.custom_jvp
def _det(x: Any) -> Any:
    return jnp.linalg.det(x)


@_det.defjvp
def _det_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _MatrixDeterminantGrad: g * det * inv(a)^H, with det unconjugated for complex
    # a (under the engine's conjugation that is the tangent conj(det) tr(a^-1 da)).
    (x,), (dx,) = primals, tangents
    d = jnp.linalg.det(x)
    return d, jnp.conj(d) * _trace_inv_dot(x, dx)


register("MatrixDeterminant")(_det)


@jax.custom_jvp
def _slogdet(x: Any) -> Any:
    sign, logdet = jnp.linalg.slogdet(x)
    return sign, logdet.astype(x.dtype)


@_slogdet.defjvp
def _slogdet_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _LogMatrixDeterminantGrad: g * inv(a)^H for log|det| (complex-valued for
    # complex a, tr(a^-1 da) as a tangent); the sign output has no gradient.
    (x,), (dx,) = primals, tangents
    sign, logdet = _slogdet(x)
    t = _trace_inv_dot(x, dx)
    return (sign, logdet), (jnp.zeros_like(sign), t if jnp.iscomplexobj(x) else jnp.real(t))


register("LogMatrixDeterminant", num_outputs=2)(_slogdet)


def _from_lower(x: Any) -> Any:
    """The Hermitian matrix of `x`'s lower triangle, as TF's Eigen kernels read it; the
    tangent is `x`'s own, so gradients keep their symmetric form (TF's gradients)."""
    lower = jnp.tril(x)
    herm = lower + jnp.conj(jnp.swapaxes(jnp.tril(x, -1), -1, -2))
    return lax.stop_gradient(herm) + (x - lax.stop_gradient(x))


@register("Cholesky")
def _cholesky(x: Any) -> Any:
    return jnp.linalg.cholesky(_from_lower(x))


@register("MatrixSolve")
def _solve(matrix: Any, rhs: Any, *, adjoint: bool) -> Any:
    return jnp.linalg.solve(_adj(matrix) if adjoint else matrix, rhs)


@register("MatrixTriangularSolve")
def _triangular_solve(matrix: Any, rhs: Any, *, lower: bool, adjoint: bool) -> Any:
    return jsl.solve_triangular(matrix, rhs, lower=lower, trans="C" if adjoint else 0)


@register("Qr", num_outputs=2)
def _qr(x: Any, *, full_matrices: bool) -> Any:
    q, r = jnp.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


@register("Svd", num_outputs=None)
def _svd(x: Any, *, full_matrices: bool, compute_uv: bool) -> Any:
    if not compute_uv:
        return (jnp.linalg.svd(x, compute_uv=False),)
    u, s, vh = jnp.linalg.svd(x, full_matrices=full_matrices)
    return s, u, _adj(vh)


@register("SelfAdjointEigV2", num_outputs=2)
def _eigh(x: Any) -> Any:
    e, v = jnp.linalg.eigh(_from_lower(x))
    return e, v


@register("Cross")
def _cross(a: Any, b: Any) -> Any:
    return jnp.cross(a, b)


@register("MatrixDiagV3")
def _diag(diagonal: Any, padding: Any, *, k: int, num_rows: int, num_cols: int) -> Any:
    n = diagonal.shape[-1]
    rows = jnp.arange(num_rows)[:, None]
    cols = jnp.arange(num_cols)[None, :]
    on = cols - rows == k
    idx = jnp.clip(jnp.minimum(rows, cols), 0, n - 1)
    vals = jnp.take(diagonal, idx, axis=-1)
    return jnp.where(on, vals, padding.astype(diagonal.dtype))


@register("MatrixDiagPartV3")
def _diag_part(x: Any, padding: Any, *, k: int) -> Any:
    return jnp.diagonal(x, offset=k, axis1=-2, axis2=-1)


@register("MatrixSolveLs")
def _lstsq(matrix: Any, rhs: Any, *, l2_regularizer: float) -> Any:
    # TF's fast path: the regularized normal equations, on the smaller side.
    m, n = matrix.shape[-2:]
    a_h = _adj(matrix)
    if m >= n:
        gram = jnp.matmul(a_h, matrix, precision=_HI) + l2_regularizer * jnp.eye(
            n, dtype=matrix.dtype
        )
        return jnp.linalg.solve(gram, jnp.matmul(a_h, rhs, precision=_HI))
    gram = jnp.matmul(matrix, a_h, precision=_HI) + l2_regularizer * jnp.eye(m, dtype=matrix.dtype)
    return jnp.matmul(a_h, jnp.linalg.solve(gram, rhs), precision=_HI)

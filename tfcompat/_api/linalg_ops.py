"""Public linear-algebra functions (`tf.linalg.*`), with TF's signatures."""

from __future__ import annotations

import collections
from typing import Any

import jax
import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._api._args import (
    as_tensor,
    binary_args,
    check_type,
    concrete,
    execute,
    kernel_error,
    shape_str,
)
from tfcompat._core import errors
from tfcompat._core.convert import constant
from tfcompat._core.tensor import Tensor
from tfcompat._ops import checks

__all__ = [
    "adjoint",
    "band_part",
    "cholesky",
    "cross",
    "det",
    "diag",
    "diag_part",
    "eigh",
    "eigvalsh",
    "inv",
    "logdet",
    "lstsq",
    "matrix_transpose",
    "matvec",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "svd",
    "trace",
    "triangular_solve",
]


def _square(op: str, x: Any) -> Tensor:
    t = as_tensor(x)
    check_type(op, t)
    if len(t._shape) < 2:
        raise kernel_error(op, f"Input tensor 0 must have rank >= 2, got {len(t._shape)}", name="")
    if t._shape[-1] != t._shape[-2]:
        raise kernel_error(op, "Input matrix must be square.", name="")
    return t


def _check_invertible(op: str, m: Tensor, text: str) -> None:
    """TF's kernels raise for a zero pivot of LU with partial pivoting. Checked on a
    concrete matrix, and inside tf.function when the program returns; a matrix pending
    on a tape is not computed early to check it."""
    v = m._value
    if v is None or not m._shape[-1] or m._dtype.is_integer:
        return
    if isinstance(v, jax.core.Tracer):
        checks.invertible(op, v, text)
    elif checks.singular_now(v):
        raise kernel_error(op, text, name="")


def inv(input: Any, adjoint: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.inv` (a singular matrix raises, as TF)."""
    m = _square("MatrixInverse", input)
    _check_invertible("MatrixInverse", m, "Input is not invertible.")
    return execute("MatrixInverse", (m,), (("adjoint", bool(adjoint)),))


def det(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.det`."""
    return execute("MatrixDeterminant", (_square("MatrixDeterminant", input),))


LogMatrixDeterminant = collections.namedtuple(
    "LogMatrixDeterminant", ["sign", "log_abs_determinant"]
)


def slogdet(input: Any, name: Any = None) -> Any:
    """tfcompat implementation of `tf.linalg.slogdet`: `(sign, log_abs_determinant)`."""
    sign, logdet = execute("LogMatrixDeterminant", (_square("LogMatrixDeterminant", input),))
    return LogMatrixDeterminant(sign, logdet)


def logdet(matrix: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.logdet` (of a Hermitian positive definite matrix)."""
    chol = cholesky(matrix)
    return math_ops.multiply(
        2.0, math_ops.reduce_sum(math_ops.log(math_ops.real(diag_part(chol))), axis=[-1])
    )


def cholesky(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.cholesky`.

    Only the lower triangle is read, as TF. A matrix that is not positive definite
    gives NaNs; TF 2.21's CPU kernel does not raise either (its upper triangle then holds
    whatever the output buffer held).
    """
    return execute("Cholesky", (_square("Cholesky", input),))


def solve(matrix: Any, rhs: Any, adjoint: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.solve`."""
    m, r = binary_args("MatrixSolve", matrix, rhs)
    _square("MatrixSolve", m)
    if r._shape[-2] != m._shape[-1]:
        raise kernel_error("MatrixSolve", "Input matrix and rhs are incompatible.", name="")
    _check_invertible("MatrixSolve", m, "Input matrix is not invertible.")
    return execute("MatrixSolve", (m, r), (("adjoint", bool(adjoint)),))


def triangular_solve(
    matrix: Any, rhs: Any, lower: bool = True, adjoint: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.linalg.triangular_solve` (reads one triangle only)."""
    m, r = binary_args("MatrixTriangularSolve", matrix, rhs)
    _square("MatrixTriangularSolve", m)
    return execute(
        "MatrixTriangularSolve", (m, r), (("lower", bool(lower)), ("adjoint", bool(adjoint)))
    )


Qr = collections.namedtuple("Qr", ["q", "r"])


def qr(input: Any, full_matrices: bool = False, name: Any = None) -> Any:
    """tfcompat implementation of `tf.linalg.qr`: `Qr(q, r)`."""
    t = as_tensor(input)
    check_type("Qr", t)
    q, r = execute("Qr", (t,), (("full_matrices", bool(full_matrices)),))
    return Qr(q, r)


def svd(tensor: Any, full_matrices: bool = False, compute_uv: bool = True, name: Any = None) -> Any:
    """tfcompat implementation of `tf.linalg.svd`: `s`, or `(s, u, v)`, `a = u diag(s) v^H`."""
    t = as_tensor(tensor)
    check_type("Svd", t)
    outs = execute(
        "Svd", (t,), (("full_matrices", bool(full_matrices)), ("compute_uv", bool(compute_uv)))
    )
    if not compute_uv:
        return outs[0]
    s, u, v = outs
    return s, u, v


def eigh(tensor: Any, name: Any = None) -> tuple[Tensor, Tensor]:
    """tfcompat implementation of `tf.linalg.eigh`: eigenvalues (ascending) and eigenvectors."""
    t = _square("SelfAdjointEigV2", tensor)
    e, v = execute("SelfAdjointEigV2", (t,))
    return (math_ops.cast(e, t.dtype) if t.dtype.is_complex else e), v


def eigvalsh(tensor: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.eigvalsh`."""
    return eigh(tensor)[0]


def cross(a: Any, b: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.cross`."""
    ta, tb = binary_args("Cross", a, b)
    check_type("Cross", ta)
    if ta._shape != tb._shape:
        raise kernel_error(
            "Cross",
            f"Both inputs must be of same shape: {shape_str(ta._shape)} vs. {shape_str(tb._shape)}",
            name="",
        )
    if not ta._shape or ta._shape[-1] != 3:
        raise kernel_error(
            "Cross",
            "Cross-products are only defined for 3-element vectors.",
            name="",
            cls=errors.FailedPreconditionError,
        )
    return execute("Cross", (ta, tb))


def matrix_transpose(a: Any, name: str = "matrix_transpose", conjugate: bool = False) -> Tensor:
    """tfcompat implementation of `tf.linalg.matrix_transpose`."""
    t = as_tensor(a)
    rank = len(t._shape)
    if rank < 2:
        raise ValueError(
            f"Argument `a` should be a (batch) matrix with rank >= 2.  Received `a` = {t} with "
            f"shape: {t.shape}"
        )
    perm = [*range(rank - 2), rank - 1, rank - 2]
    return array_ops.transpose(t, perm, conjugate=conjugate)


def adjoint(matrix: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.adjoint`."""
    return matrix_transpose(matrix, conjugate=True)


def matvec(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    adjoint_a: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.linalg.matvec`."""
    tb = as_tensor(b)
    out = math_ops.matmul(
        a, array_ops.expand_dims(tb, -1), transpose_a=transpose_a, adjoint_a=adjoint_a
    )
    return array_ops.squeeze(out, -1)


def trace(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.trace`."""
    return math_ops.reduce_sum(diag_part(x), [-1])


def _k(k: Any) -> int:
    kv = np.asarray(concrete(as_tensor(k)) if isinstance(k, Tensor) else k)
    if kv.size != 1:
        raise NotImplementedError(
            "tfcompat: a band of diagonals (k = (low, high)) is not implemented"
        )
    return int(kv.reshape(-1)[0])


def diag(
    diagonal: Any,
    name: str = "diag",
    k: Any = 0,
    num_rows: Any = -1,
    num_cols: Any = -1,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """tfcompat implementation of `tf.linalg.diag` (one diagonal `k`).

    Differences from TensorFlow:
      A band of diagonals (`k=(low, high)`) is not implemented.
    """
    d = as_tensor(diagonal)
    kk = _k(k)
    n = d._shape[-1]
    rows, cols = int(num_rows), int(num_cols)
    if rows < 0 and cols < 0:
        rows = cols = n + abs(kk)
    elif rows < 0:
        rows = cols - kk if kk >= 0 else cols
        rows = max(rows, n + max(-kk, 0))
    elif cols < 0:
        cols = max(rows + kk, n + max(kk, 0))
    pad = (
        as_tensor(padding_value, d.dtype)
        if not isinstance(padding_value, Tensor)
        else padding_value
    )
    out = execute("MatrixDiagV3", (d, pad), (("k", kk), ("num_rows", rows), ("num_cols", cols)))
    return out


def diag_part(
    input: Any,
    name: str = "diag_part",
    k: Any = 0,
    padding_value: Any = 0,
    align: str = "RIGHT_LEFT",
) -> Tensor:
    """tfcompat implementation of `tf.linalg.diag_part` (one diagonal `k`)."""
    t = as_tensor(input)
    if len(t._shape) < 2:
        raise kernel_error(
            "MatrixDiagPartV3",
            f"input must be at least 2-dim, received shape: {shape_str(t._shape)}",
            name="",
        )
    pad = (
        as_tensor(padding_value, t.dtype)
        if not isinstance(padding_value, Tensor)
        else padding_value
    )
    return execute("MatrixDiagPartV3", (t, pad), (("k", _k(k)),))


def band_part(input: Any, num_lower: Any, num_upper: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.band_part` (-1 keeps a whole triangle)."""
    t = as_tensor(input)
    lo, hi = int(concrete(as_tensor(num_lower))), int(concrete(as_tensor(num_upper)))
    m, n = t._shape[-2:]
    if lo > m:
        raise kernel_error(
            "MatrixBandPart",
            f"num_lower must be negative or less or equal to number of rows ({m}) got: {lo}",
            name="",
        )
    if hi > n:
        raise kernel_error(
            "MatrixBandPart",
            f"num_upper must be negative or less or equal to number of columns ({n}) got: {hi}",
            name="",
        )
    return execute("MatrixBandPart", (t,), (("num_lower", lo), ("num_upper", hi)))


def norm(
    tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.norm` (TF's formulas: their gradients at 0 are NaN, as TF)."""
    keep = bool(keepdims)
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        axis = tuple(axis)
        if not isinstance(axis[0], int) or not isinstance(axis[1], int) or axis[0] == axis[1]:
            raise ValueError(
                f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
            )
        supported = ["euclidean", "fro", 1, 2, np.inf]
        if ord not in supported:
            raise ValueError(f"'ord' must be a supported matrix norm in {supported}, got {ord}")
    else:
        if not (isinstance(axis, int) or axis is None):
            raise ValueError(
                f"'axis' must be None, an integer, or a tuple of 2 unique integers, got {axis}"
            )
        if (not np.isreal(ord) or ord <= 0) and ord not in ["euclidean", 1, 2, np.inf]:
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
        if axis is not None:
            axis = (axis,)
    t = as_tensor(tensor)
    if ord in ("fro", "euclidean", 2, 2.0):
        if is_matrix and ord in (2, 2.0):
            rank = len(t._shape)
            pos = [a % rank for a in axis]
            perm_before = [a for a in range(rank) if a not in pos] + pos
            perm_after = [perm_before.index(i) for i in range(rank)]
            permed = array_ops.transpose(t, perm_before)
            s = svd(permed, compute_uv=False)
            m2 = array_ops.expand_dims(math_ops.reduce_max(math_ops.abs(s), -1, keepdims=True), -1)
            result = array_ops.transpose(m2, perm_after)
        else:
            result = math_ops.sqrt(
                math_ops.reduce_sum(math_ops.multiply(t, math_ops.conj(t)), axis, keepdims=True)
            )
    else:
        result = math_ops.abs(t)
        if ord == 1:
            result = math_ops.reduce_sum(result, None if axis is None else axis[0], keepdims=True)
            if is_matrix:
                result = math_ops.reduce_max(result, axis[-1], keepdims=True)
        elif ord == np.inf:
            if is_matrix:
                result = math_ops.reduce_sum(result, axis[1], keepdims=True)
            result = math_ops.reduce_max(result, None if axis is None else axis[0], keepdims=True)
        else:
            result = math_ops.pow(
                math_ops.reduce_sum(math_ops.pow(result, ord), axis, keepdims=True), 1.0 / ord
            )
    if not keep:
        result = array_ops.squeeze(result, axis)
    return result


def pinv(a: Any, rcond: Any = None, validate_args: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.pinv` (TF's SVD formula)."""
    t = as_tensor(a)
    npd = t.dtype.as_numpy_dtype
    if rcond is None:
        rcond = 10.0 * float(max(t._shape[-2], t._shape[-1])) * np.finfo(npd).eps
    rc = as_tensor(rcond, t.dtype) if not isinstance(rcond, Tensor) else rcond
    s, u, v = svd(t, full_matrices=False, compute_uv=True)
    cutoff = math_ops.multiply(rc, math_ops.reduce_max(s, -1))
    s = array_ops.where(s > array_ops.expand_dims(cutoff, -1), s, constant(np.array(np.inf, npd)))
    return math_ops.matmul(v / array_ops.expand_dims(s, -2), u, adjoint_b=True)


def lstsq(
    matrix: Any, rhs: Any, l2_regularizer: Any = 0.0, fast: bool = True, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.linalg.lstsq` (regularized normal equations, fast path).

    Differences from TensorFlow:
      `fast=False` (complete orthogonal decomposition) also uses the normal equations.
    """
    m, r = binary_args("MatrixSolveLs", matrix, rhs)
    if m._shape[-2] != r._shape[-2]:
        raise errors.InvalidArgumentError(
            None, None, f"Incompatible matrix and rhs shapes: {m.shape} vs {r.shape}"
        )
    lam = float(concrete(as_tensor(l2_regularizer)))
    return execute("MatrixSolveLs", (m, r), (("l2_regularizer", lam),))

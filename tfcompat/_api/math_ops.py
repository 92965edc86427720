"""Public math functions (`tf.math.*` and their `tf.*` aliases), with TF's signatures."""

from __future__ import annotations

from typing import Any

import numpy as np

from tfcompat._api._args import (
    FLOAT_COMPLEX,
    NUMERIC,
    REAL_NUMERIC,
    as_tensor,
    binary_args,
    canonical_axis,
    check_dtype,
    execute,
)
from tfcompat._core import dtypes, errors
from tfcompat._core.tensor import Tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "floordiv", "floormod", "mod", "pow", "negative",
    "abs", "square", "sqrt", "exp", "log", "sin", "cos", "tanh", "sigmoid", "sign", "maximum", "minimum",
    "squared_difference", "matmul", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod",
    "reduce_all", "reduce_any", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal",
    "logical_and", "logical_or", "logical_not", "logical_xor", "cast",
]


def _binary(op: str, x: Any, y: Any, allowed: tuple[str, ...] | None = None) -> Tensor:
    tx, ty = binary_args(op, x, y)
    if allowed is not None:
        check_dtype(op, tx, allowed, "x:T, y:T -> z:T")
    return execute(op, (tx, ty))


_ARITH = (*NUMERIC,)


def add(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.add`."""
    return _binary("AddV2", x, y, _ARITH)


def subtract(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.subtract`."""
    return _binary("Sub", x, y, _ARITH)


def multiply(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.multiply`."""
    return _binary("Mul", x, y, _ARITH)


_TRUEDIV_TARGET = {
    "int8": dtypes.float32, "uint8": dtypes.float32, "int16": dtypes.float32, "uint16": dtypes.float32,
    "int32": dtypes.float64, "uint32": dtypes.float64, "int64": dtypes.float64, "uint64": dtypes.float64,
}


def _truediv(x: Any, y: Any) -> Tensor:
    tx, ty = binary_args("RealDiv", x, y)
    target = _TRUEDIV_TARGET.get(tx.dtype.name)
    if target is not None:
        tx, ty = cast(tx, target), cast(ty, target)
    check_dtype("RealDiv", tx, NUMERIC, "x:T, y:T -> z:T")
    return execute("RealDiv", (tx, ty))


def truediv(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.truediv` (int32/int64 -> float64, as TF)."""
    return _truediv(x, y)


def divide(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.divide`."""
    return _truediv(x, y)


def floordiv(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.floordiv`."""
    return _binary("FloorDiv", x, y, REAL_NUMERIC)


def floormod(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.floormod`."""
    return _binary("FloorMod", x, y, REAL_NUMERIC)


mod = floormod


def pow(x: Any, y: Any, name: Any = None) -> Tensor:  # noqa: A001  (TF's name)
    """tfcompat implementation of `tf.math.pow`."""
    tx, ty = binary_args("Pow", x, y)
    if tx._dtype.is_integer and ty._value is not None and np.any(np.asarray(ty._value) < 0):
        raise errors.kernel_error("Pow", "Integers to negative integer powers are not allowed")
    return execute("Pow", (tx, ty))


def squared_difference(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.squared_difference`."""
    return _binary("SquaredDifference", x, y, NUMERIC)


def maximum(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.maximum`. At ties the gradient goes to `x`, as TF."""
    return _binary("Maximum", x, y, REAL_NUMERIC)


def minimum(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.minimum`. At ties the gradient goes to `x`, as TF."""
    return _binary("Minimum", x, y, REAL_NUMERIC)


# -- unary -------------------------------------------------------------------------------
def _unary(op: str, x: Any, allowed: tuple[str, ...]) -> Tensor:
    t = as_tensor(x)
    check_dtype(op, t, allowed)
    return execute(op, (t,))


def negative(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.negative`."""
    return _unary("Neg", x, NUMERIC)


def abs(x: Any, name: Any = None) -> Tensor:  # noqa: A001
    """tfcompat implementation of `tf.math.abs`. The gradient at 0 is 0, as TF."""
    return _unary("Abs", x, NUMERIC)


def sign(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sign`."""
    return _unary("Sign", x, NUMERIC)


def square(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.square`."""
    return _unary("Square", x, NUMERIC)


def sqrt(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sqrt`."""
    return _unary("Sqrt", x, FLOAT_COMPLEX)


def exp(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.exp`."""
    return _unary("Exp", x, FLOAT_COMPLEX)


def log(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.log`."""
    return _unary("Log", x, FLOAT_COMPLEX)


def sin(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sin`."""
    return _unary("Sin", x, FLOAT_COMPLEX)


def cos(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.cos`."""
    return _unary("Cos", x, FLOAT_COMPLEX)


def tanh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.tanh`."""
    return _unary("Tanh", x, FLOAT_COMPLEX)


def sigmoid(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sigmoid`."""
    return _unary("Sigmoid", x, FLOAT_COMPLEX)


# -- comparisons and logic -----------------------------------------------------------------
def _compare(op: str, x: Any, y: Any) -> Tensor:
    tx, ty = binary_args(op, x, y)
    return execute(op, (tx, ty))


def equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.equal`."""
    return _compare("Equal", x, y)


def not_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.not_equal`."""
    return _compare("NotEqual", x, y)


def less(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.less`."""
    return _compare("Less", x, y)


def less_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.less_equal`."""
    return _compare("LessEqual", x, y)


def greater(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.greater`."""
    return _compare("Greater", x, y)


def greater_equal(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.greater_equal`."""
    return _compare("GreaterEqual", x, y)


def _logical(op: str, x: Any, y: Any) -> Tensor:
    tx, ty = as_tensor(x, dtypes.bool_), as_tensor(y, dtypes.bool_)
    return execute(op, (tx, ty))


def logical_and(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.logical_and`."""
    return _logical("LogicalAnd", x, y)


def logical_or(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.logical_or`."""
    return _logical("LogicalOr", x, y)


def logical_xor(x: Any, y: Any, name: str = "LogicalXor") -> Tensor:
    """tfcompat implementation of `tf.math.logical_xor`."""
    return logical_and(logical_or(x, y), logical_not(logical_and(x, y)))


def logical_not(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.logical_not`."""
    return execute("LogicalNot", (as_tensor(x, dtypes.bool_),))


# -- matmul and reductions ------------------------------------------------------------------
def matmul(
    a: Any,
    b: Any,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
    a_is_sparse: bool = False,
    b_is_sparse: bool = False,
    output_type: Any = None,
    grad_a: bool = False,
    grad_b: bool = False,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.linalg.matmul`."""
    ta, tb = binary_args("MatMul", a, b)
    check_dtype("MatMul", ta, NUMERIC, "a:T, b:T -> product:T")
    attrs = (("transpose_a", bool(transpose_a)), ("transpose_b", bool(transpose_b)), ("adjoint_a", bool(adjoint_a)), ("adjoint_b", bool(adjoint_b)))
    return execute("MatMul", (ta, tb), attrs)


def _reduce(op: str, input_tensor: Any, axis: Any, keepdims: Any, allowed: tuple[str, ...] | None) -> Tensor:
    t = as_tensor(input_tensor)
    if allowed is not None:
        check_dtype(op, t, allowed, "input:T, reduction_indices:Tidx -> output:T")
    ax = canonical_axis(axis)
    if ax is not None:
        rank = len(t._shape)
        for a in ax:
            if not -rank <= a < max(rank, 1):
                raise errors.kernel_error(op, f"Invalid reduction dimension ({a} for input with {rank} dimension(s)")
        ax = tuple(sorted({a % rank for a in ax})) if rank else ()
    return execute(op, (t,), (("axis", ax), ("keepdims", bool(keepdims))))


def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_sum`."""
    return _reduce("Sum", input_tensor, axis, keepdims, NUMERIC)


def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_mean` (integer inputs divide as integers, as TF)."""
    return _reduce("Mean", input_tensor, axis, keepdims, NUMERIC)


def reduce_max(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_max` (ties share the gradient equally, as TF)."""
    return _reduce("Max", input_tensor, axis, keepdims, REAL_NUMERIC)


def reduce_min(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_min`."""
    return _reduce("Min", input_tensor, axis, keepdims, REAL_NUMERIC)


def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_prod`."""
    return _reduce("Prod", input_tensor, axis, keepdims, NUMERIC)


def reduce_all(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_all`."""
    return _reduce("All", as_tensor(input_tensor, dtypes.bool_), axis, keepdims, None)


def reduce_any(input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_any`."""
    return _reduce("Any", as_tensor(input_tensor, dtypes.bool_), axis, keepdims, None)


def cast(x: Any, dtype: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.cast`.

    Casting to an integer type truncates toward zero; complex to real keeps the real
    part. Gradients flow between floating types only, as TF.
    """
    target = dtypes.as_dtype(dtype)
    if isinstance(x, Tensor) or hasattr(x, "_tfcompat_read"):
        t = as_tensor(x)
    else:
        try:
            t = as_tensor(x)
        except (TypeError, ValueError):
            t = as_tensor(x, target)
    if t.dtype is dtypes.string and target is not dtypes.string:
        raise errors.kernel_error("Cast", f"Cast string to {target._tf_type_name} is not supported", errors.UnimplementedError)
    if t.dtype is target:
        return t
    return execute("Cast", (t,), (("dtype", target.as_numpy_dtype),))

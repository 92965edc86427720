"""Public math functions (`tf.math.*` and their `tf.*` aliases), with TF's signatures.

Each function converts its arguments with TF's rules (Python values adopt the tensor's
dtype; no implicit promotion), checks dtypes against TF's kernel lists (TF's error
text), and calls raw ops. Composite functions (`reduce_logsumexp`, `log_sigmoid` ...)
use the same raw ops as TF's Python implementation, so their gradients match TF's.
"""

from __future__ import annotations

import builtins
import collections
from typing import Any

import numpy as np

from tfcompat._api._args import (
    as_tensor,
    binary_args,
    canonical_axis,
    check_attr_dtype,
    check_type,
    concrete,
    execute,
    is_concrete,
    shape_str,
)
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.variable import Variable
from tfcompat._engine import jax_internals
from tfcompat._ops import checks
from tfcompat._ops._tf_opdefs import OPDEFS
from tfcompat._ops.registry import OPS
from tfcompat._tape import engine as _engine

__all__ = [
    "abs",
    "accumulate_n",
    "acos",
    "acosh",
    "add",
    "add_n",
    "angle",
    "argmax",
    "argmin",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "bincount",
    "cast",
    "ceil",
    "complex",
    "confusion_matrix",
    "conj",
    "cos",
    "cosh",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "cumulative_logsumexp",
    "digamma",
    "divide",
    "divide_no_nan",
    "equal",
    "erf",
    "erfc",
    "exp",
    "expm1",
    "floor",
    "floordiv",
    "floormod",
    "greater",
    "greater_equal",
    "imag",
    "in_top_k",
    "is_finite",
    "is_inf",
    "is_nan",
    "less",
    "less_equal",
    "lgamma",
    "log",
    "log1p",
    "log_sigmoid",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "matmul",
    "maximum",
    "minimum",
    "mod",
    "multiply",
    "multiply_no_nan",
    "negative",
    "not_equal",
    "polyval",
    "pow",
    "real",
    "reciprocal",
    "reduce_all",
    "reduce_any",
    "reduce_euclidean_norm",
    "reduce_logsumexp",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_std",
    "reduce_sum",
    "reduce_variance",
    "rint",
    "round",
    "rsqrt",
    "segment_max",
    "segment_mean",
    "segment_min",
    "segment_prod",
    "segment_sum",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "softplus",
    "sqrt",
    "square",
    "squared_difference",
    "subtract",
    "tan",
    "tanh",
    "top_k",
    "truediv",
    "unsorted_segment_max",
    "unsorted_segment_mean",
    "unsorted_segment_min",
    "unsorted_segment_prod",
    "unsorted_segment_sqrt_n",
    "unsorted_segment_sum",
    "xlogy",
]


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_tfcompat_read")


def _binary(op: str, x: Any, y: Any) -> Tensor:
    tx, ty = binary_args(op, x, y)
    check_type(op, tx)
    return execute(op, (tx, ty))


def _unary(op: str, x: Any) -> Tensor:
    t = x if type(x) is EagerTensor else as_tensor(x)
    check_type(op, t)
    return _engine.execute_op(OPS[op], (t,))


# -- arithmetic ----------------------------------------------------------------------------
def add(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.add`.

    As TF's `math_ops.add`, `y` converts with `x`'s dtype as a hint only: `tf.add(1, 2.5)`
    is an int32 and a float32 input (`InvalidArgumentError`), not a conversion error.
    """
    if not isinstance(y, Tensor) and not hasattr(y, "_tfcompat_read"):
        tx = x if isinstance(x, Tensor) else convert_to_tensor(x)
        if tx._dtype is not dtypes.string:
            return _binary("AddV2", tx, convert_to_tensor(y, dtype_hint=tx._dtype))
    return _binary("AddV2", x, y)


def subtract(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.subtract`."""
    return _binary("Sub", x, y)


def multiply(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.multiply`."""
    return _binary("Mul", x, y)


_TRUEDIV_TARGET = {
    "int8": dtypes.float32,
    "uint8": dtypes.float32,
    "int16": dtypes.float32,
    "uint16": dtypes.float32,
    "int32": dtypes.float64,
    "uint32": dtypes.float64,
    "int64": dtypes.float64,
    "uint64": dtypes.float64,
}
_TRUEDIV_OK = {
    "half",
    "float",
    "double",
    "bfloat16",
    "complex64",
    "complex128",
    *(d for d in _TRUEDIV_TARGET),
}


def _truediv(x: Any, y: Any) -> Tensor:
    # TF's _truediv_python3: y converts with x's dtype as a hint; different dtypes are a TypeError.
    tx = as_tensor(x)
    ty = y if isinstance(y, Tensor) else convert_to_tensor(y, dtype_hint=tx.dtype)
    ty = as_tensor(ty)
    if tx.dtype is not ty.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {tx.dtype!r} != {ty.dtype!r}.")
    name = (
        tx.dtype.name
        if tx.dtype._tf_type_name not in ("half", "float", "double")
        else tx.dtype._tf_type_name
    )
    if name not in _TRUEDIV_OK and tx.dtype.name not in _TRUEDIV_OK:
        valid = ", ".join(
            repr(dtypes.as_dtype(d))
            for d in (  # TF's _TRUEDIV_TABLE order
                "uint8", "int8", "uint16", "int16", "uint32", "int32", "uint64", "int64",
                "bfloat16", "float16", "float32", "float64", "complex64", "complex128",
            )
        )  # fmt: skip
        raise TypeError(f"Invalid dtype {tx.dtype!r} in __truediv__. Expected one of {{{valid}}}.")
    target = _TRUEDIV_TARGET.get(tx.dtype.name)
    if target is not None:
        tx, ty = cast(tx, target), cast(ty, target)
    return execute("RealDiv", (tx, ty))


def truediv(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.truediv` (int32/int64 -> float64, as TF)."""
    return _truediv(x, y)


def divide(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.divide`."""
    if not _is_tensor_like(x):
        x = convert_to_tensor(x, dtype=y.dtype if _is_tensor_like(y) else None)
    return _truediv(x, y)


def _check_int_divisor(op: str, x: Tensor, y: Tensor, node: str) -> None:
    if not x.dtype.is_integer:
        return
    if not is_concrete(y):  # inside tf.function: checked when the program returns
        checks.nonzero_divisor(node, y._array())
    elif np.any(concrete(y) == 0):
        raise errors.kernel_error(op, "Integer division by zero")


def floordiv(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.floordiv`. Its gradient is None, as TF."""
    tx, ty = binary_args("FloorDiv", x, y)
    check_type("FloorDiv", tx)
    _check_int_divisor("FloorDiv", tx, ty, "floordiv")
    return execute("FloorDiv", (tx, ty))


def floormod(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.floormod`."""
    tx, ty = binary_args("FloorMod", x, y)
    check_type("FloorMod", tx)
    _check_int_divisor("FloorMod", tx, ty, "mod")
    return execute("FloorMod", (tx, ty))


mod = floormod


def pow(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.pow`.

    The gradient w.r.t. `y` is 0 where `x <= 0`, as TF's `_PowGrad`.
    """
    tx, ty = binary_args("Pow", x, y)
    check_type("Pow", tx)
    if tx.dtype.is_integer and is_concrete(ty) and np.any(concrete(ty) < 0):
        raise errors.kernel_error("Pow", "Integers to negative integer powers are not allowed")
    return execute("Pow", (tx, ty))


def squared_difference(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.squared_difference`."""
    return _binary("SquaredDifference", x, y)


def maximum(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.maximum`. At ties the gradient goes to `x`, as TF."""
    return _binary("Maximum", x, y)


def minimum(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.minimum`. At ties the gradient goes to `x`, as TF."""
    return _binary("Minimum", x, y)


def atan2(y: Any, x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.atan2`."""
    return _binary("Atan2", y, x)


def divide_no_nan(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.divide_no_nan` (0 where `y == 0`, gradients too)."""
    tx = as_tensor(x)
    ty = convert_to_tensor(y, dtype_hint=tx.dtype) if not _is_tensor_like(y) else as_tensor(y)
    if tx.dtype is not ty.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {tx.dtype!r} != {ty.dtype!r}.")
    if tx.dtype.is_integer:
        target = _TRUEDIV_TARGET[tx.dtype.name]
        tx, ty = cast(tx, target), cast(ty, target)
    check_type("DivNoNan", tx)
    return execute("DivNoNan", (tx, ty))


def multiply_no_nan(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.multiply_no_nan` (0 where `y == 0`)."""
    tx = as_tensor(x)
    ty = convert_to_tensor(y, dtype_hint=tx.dtype) if not _is_tensor_like(y) else as_tensor(y)
    if tx.dtype is not ty.dtype:
        raise ValueError(
            f"y: Tensor conversion requested dtype {tx.dtype.name} for Tensor with dtype "
            f"{ty.dtype.name}: {ty!r}"
        )
    check_type("MulNoNan", tx)
    return execute("MulNoNan", (tx, ty))


def xlogy(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.xlogy` (0 where `x == 0`, gradients as TF)."""
    return _binary("Xlogy", x, y)


def add_n(inputs: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.add_n`."""
    msg = (
        "Inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype "
        "and shape."
    )
    if not inputs or not isinstance(inputs, collections.abc.Iterable):
        raise ValueError(msg)
    ts = [as_tensor(x) for x in inputs]
    if len(ts) == 1:
        return ts[0]
    for i, t in enumerate(ts[1:], 1):
        if t.dtype is not ts[0].dtype:
            raise errors.dtype_mismatch("AddN", i, ts[0].dtype, t.dtype)
    for i, t in enumerate(ts[1:], 1):
        if t._shape != ts[0]._shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{{{{function_node __wrapped__AddN_N_{len(ts)}_device_"
                "/job:localhost/replica:0/task:0/device:CPU:0}} "
                "Inputs to operation AddN of type AddN must have the same size and shape.  "
                "Input 0: "
                f"{list(ts[0]._shape)} != input {i}: {list(t._shape)} [Op:AddN] name: ",
            )
    check_type("AddN", ts[0])
    return execute("AddN", tuple(ts))


def accumulate_n(
    inputs: Any, shape: Any = None, tensor_dtype: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.accumulate_n` (the same as `add_n`)."""
    return add_n(inputs)


# -- unary -------------------------------------------------------------------------------
def negative(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.negative`."""
    return _unary("Neg", x)


def abs(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.abs`. The gradient at 0 is 0, as TF.

    Complex inputs give the (real) modulus, as TF's `ComplexAbs`.
    """
    t = as_tensor(x)
    if t.dtype.is_complex:
        return execute("ComplexAbs", (t,))
    check_type("Abs", t)
    return execute("Abs", (t,))


def sign(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sign` (`x / |x|` for complex `x`, 0 at 0, as TF)."""
    t = as_tensor(x)
    if t.dtype.is_complex:
        return execute("DivNoNan", (t, cast(execute("ComplexAbs", (t,)), t.dtype)))
    return _unary("Sign", t)


def square(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.square`."""
    return _unary("Square", x)


def sqrt(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sqrt`. The gradient at 0 is inf, as TF."""
    return _unary("Sqrt", x)


def rsqrt(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.rsqrt`."""
    return _unary("Rsqrt", x)


def reciprocal(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.reciprocal`.

    Integer inputs raise `NotFoundError`: TF registers no CPU or GPU kernel for them.
    """
    t = as_tensor(x)
    check_type("Reciprocal", t)
    if t.dtype.is_integer:
        raise errors.NotFoundError(
            None,
            None,
            f"Could not find device for node: {{{{node Reciprocal}}}} = "
            f"Reciprocal[T=DT_{t.dtype.name.upper()}]",
        )
    return execute("Reciprocal", (t,))


def exp(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.exp`."""
    return _unary("Exp", x)


def expm1(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.expm1`."""
    return _unary("Expm1", x)


def log(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.log`."""
    return _unary("Log", x)


def log1p(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.log1p`."""
    return _unary("Log1p", x)


def sin(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sin`."""
    return _unary("Sin", x)


def cos(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.cos`."""
    return _unary("Cos", x)


def tan(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.tan`."""
    return _unary("Tan", x)


def asin(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.asin`."""
    return _unary("Asin", x)


def acos(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.acos`."""
    return _unary("Acos", x)


def atan(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.atan`."""
    return _unary("Atan", x)


def sinh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sinh`."""
    return _unary("Sinh", x)


def cosh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.cosh`."""
    return _unary("Cosh", x)


def asinh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.asinh`."""
    return _unary("Asinh", x)


def acosh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.acosh`."""
    return _unary("Acosh", x)


def atanh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.atanh`."""
    return _unary("Atanh", x)


def tanh(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.tanh`."""
    return _unary("Tanh", x)


def sigmoid(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.sigmoid`."""
    return _unary("Sigmoid", x)


def log_sigmoid(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.log_sigmoid` (`-softplus(-x)`, as TF)."""
    t = as_tensor(x)
    return negative(softplus(negative(t)))


def softplus(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.softplus`."""
    return _unary("Softplus", features)


def erf(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.erf`."""
    return _unary("Erf", x)


def erfc(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.erfc`."""
    return _unary("Erfc", x)


def lgamma(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.lgamma`."""
    return _unary("Lgamma", x)


def digamma(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.digamma`."""
    return _unary("Digamma", x)


def floor(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.floor`. Its gradient is None, as TF."""
    return _unary("Floor", x)


def ceil(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.ceil`. Its gradient is None, as TF."""
    return _unary("Ceil", x)


def round(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.round` (half to even). Its gradient is None, as TF."""
    t = as_tensor(x)
    if t.dtype.is_integer:
        return t
    return _unary("Round", t)


def rint(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.rint`. Its gradient is None, as TF."""
    return _unary("Rint", x)


def is_nan(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.is_nan`."""
    return _unary("IsNan", x)


def is_inf(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.is_inf`."""
    return _unary("IsInf", x)


def is_finite(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.is_finite`."""
    return _unary("IsFinite", x)


# -- complex -------------------------------------------------------------------------------
def complex(real: Any, imag: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.dtypes.complex`."""
    tr, ti = as_tensor(real), as_tensor(imag)
    if tr.dtype is not ti.dtype or tr.dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(
            f"The `real` and `imag` components have incorrect types: {tr.dtype.name} "
            f"{ti.dtype.name}. They must be "
            "consistent, and one of [tf.float32, tf.float64]"
        )
    return execute("Complex", (tr, ti))


def real(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.real` (real inputs are returned unchanged)."""
    t = as_tensor(input)
    if t.dtype.is_complex:
        return execute("Real", (t,))
    return t


def imag(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.imag` (zeros for real inputs)."""
    t = as_tensor(input)
    if t.dtype.is_complex:
        return execute("Imag", (t,))
    return execute("ZerosLike", (t,))


def conj(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.conj` (real inputs are returned unchanged)."""
    t = as_tensor(x)
    if t.dtype.is_complex:
        return execute("Conj", (t,))
    if t.dtype.is_floating or t.dtype.is_integer:
        return t
    raise TypeError(f"Expected numeric or variant tensor, got dtype {t.dtype!r}")


def angle(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.angle` (pi where a real input is negative)."""
    t = as_tensor(input)
    if t.dtype.is_complex:
        return execute("Angle", (t,))
    from tfcompat._api.array_ops import where

    return where(less(t, 0), np.pi * execute("OnesLike", (t,)), execute("ZerosLike", (t,)))


# -- comparisons and logic -----------------------------------------------------------------
def _compare(op: str, x: Any, y: Any) -> Tensor:
    tx, ty = binary_args(op, x, y)
    check_type(op, tx)
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


def _bool_input(op: str, x: Any, index: int) -> Tensor:
    """A logical op's input: Python values convert to bool strictly (TypeError, as TF);
    a tensor of another dtype is TF's kernel error (InvalidArgumentError)."""
    if isinstance(x, Tensor) or hasattr(x, "_tfcompat_read"):
        t = as_tensor(x)
        if t.dtype is not dtypes.bool_:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"cannot compute {op} as input #{index}(zero-based) was expected to be a bool "
                f"tensor but is a {t.dtype._tf_type_name} tensor [Op:{op}] name: ",
            )
        return t
    return as_tensor(x, dtypes.bool_)


def _logical(op: str, x: Any, y: Any) -> Tensor:
    tx, ty = _bool_input(op, x, 0), _bool_input(op, y, 1)
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
    return execute("LogicalNot", (_bool_input("LogicalNot", x, 0),))


# -- matmul ----------------------------------------------------------------------------------
_MATMUL = OPS["MatMul"]
_MATMUL_PLAIN = (
    ("transpose_a", False),
    ("transpose_b", False),
    ("adjoint_a", False),
    ("adjoint_b", False),
)


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
    """tfcompat implementation of `tf.linalg.matmul` (batched, with broadcasting)."""
    if not (transpose_a or transpose_b or adjoint_a or adjoint_b):
        # Fast path: two float tensors (or variables) of one dtype, no flags.
        fa: Tensor | None = a if type(a) is EagerTensor else None
        if fa is None and isinstance(a, Variable):
            fa = a._tfcompat_read()
        if fa is not None and fa._dtype._kind == "f":
            fb: Tensor | None = None
            if type(b) is EagerTensor:
                fb = b
            elif isinstance(b, Variable) and b._handle.dtype is fa._dtype:
                fb = b._tfcompat_read()
            if fb is not None and fb._dtype is fa._dtype:
                return _engine.execute_op(_MATMUL, (fa, fb), _MATMUL_PLAIN)
        a = fa if fa is not None else a
    if transpose_a and adjoint_a:
        raise ValueError("Only one of transpose_a and adjoint_a can be True.")
    if transpose_b and adjoint_b:
        raise ValueError("Only one of transpose_b and adjoint_b can be True.")
    ta, tb = binary_args("MatMul", a, b)
    check_type("BatchMatMulV2" if len(ta._shape) > 2 or len(tb._shape) > 2 else "MatMul", ta)
    attrs = (
        ("transpose_a", bool(transpose_a)),
        ("transpose_b", bool(transpose_b)),
        ("adjoint_a", bool(adjoint_a)),
        ("adjoint_b", bool(adjoint_b)),
    )
    return execute("MatMul", (ta, tb), attrs)


# -- reductions ----------------------------------------------------------------------------
def _axis_dtype_error(op: str, axis: Any) -> None:
    """TF's errors for float and string axes: a Python float converts strictly to int32
    (`TypeError`); a list holding one, a string or a float tensor fails the op's `Tidx`."""
    if isinstance(axis, float):
        raise TypeError(f"Cannot convert {axis!r} to EagerTensor of dtype int32")
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    bad: Any = None
    if any(isinstance(a, str) for a in items):
        bad = dtypes.string
    elif any(isinstance(a, float) for a in items):
        bad = dtypes.float32
    elif isinstance(axis, Tensor) and not axis._dtype.is_integer:
        bad = axis._dtype
    if bad is not None and op in OPDEFS:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'Tidx' of {bad._tf_type_name} is not in the list of allowed "
            f"values: int32, int64\n\t; NodeDef: {{{{node {op}}}}}; {OPDEFS[op]} [Op:{op}]",
        )


def _reduce_axis(op: str, t: Tensor, axis: Any) -> tuple[int, ...] | None:
    if axis is None:
        return None
    _axis_dtype_error(op, axis)
    ax = canonical_axis(axis)
    if ax is None:
        return None
    rank = len(t._shape)
    for a in ax:
        if not -rank <= a < rank:  # TF: even axis 0 of a scalar is invalid
            if _graph():  # TF's shape inference while the function is built
                ax_shape = as_tensor(axis)._shape if _is_tensor_like(axis) else np.shape(axis)
                shapes = f"{shape_str(t._shape)}, {shape_str(ax_shape)}"
                raise ValueError(
                    f"Invalid reduction dimension {a} for input with {rank} dimensions. for "
                    f"'{{{{node {op}}}}}' with input shapes: {shapes}."
                )
            raise errors.kernel_error(
                op, f"Invalid reduction dimension ({a} for input with {rank} dimension(s)"
            )
    seen: set[int] = set()
    for a in ax:
        if a % rank in seen:
            raise errors.kernel_error(
                op,
                f"Invalid reduction arguments: Axes contains duplicate dimension: {a % rank}",
                name="" if _is_tensor_like(axis) else None,
            )
        seen.add(a % rank)
    return tuple(sorted(seen)) if rank else ()


def _reduce(op: str, input_tensor: Any, axis: Any, keepdims: Any, check: bool = True) -> Tensor:
    t = as_tensor(input_tensor)
    if check:
        check_type(op, t)
    ax = _reduce_axis(op, t, axis)
    return execute(op, (t,), (("axis", ax), ("keepdims", bool(keepdims))))


def reduce_sum(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_sum`."""
    return _reduce("Sum", input_tensor, axis, keepdims)


def reduce_mean(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_mean` (integers divide as integers, as TF)."""
    return _reduce("Mean", input_tensor, axis, keepdims)


def reduce_max(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_max` (ties share the gradient equally, as TF)."""
    return _reduce("Max", input_tensor, axis, keepdims)


def reduce_min(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_min` (ties share the gradient equally, as TF)."""
    return _reduce("Min", input_tensor, axis, keepdims)


def reduce_prod(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_prod`."""
    return _reduce("Prod", input_tensor, axis, keepdims)


def reduce_all(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_all`."""
    return _reduce("All", _bool_input("All", input_tensor, 0), axis, keepdims, check=False)


def reduce_any(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_any`."""
    return _reduce("Any", _bool_input("Any", input_tensor, 0), axis, keepdims, check=False)


def reduce_euclidean_norm(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_euclidean_norm`."""
    return _reduce("EuclideanNorm", input_tensor, axis, keepdims)


def reduce_logsumexp(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_logsumexp` (TF's max-shifted formula)."""
    from tfcompat._api.array_ops import reshape, stop_gradient, where

    t = as_tensor(input_tensor)
    raw_max = reduce_max(t, axis, keepdims=True)
    my_max = stop_gradient(where(is_finite(raw_max), raw_max, constant(0, raw_max.dtype)))
    result = log(reduce_sum(exp(subtract(t, my_max)), axis, keepdims))
    if not keepdims:
        my_max = reshape(my_max, result._shape)
    return add(result, my_max)


def reduce_variance(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_variance` (real output for complex input)."""
    t = as_tensor(input_tensor)
    means = reduce_mean(t, axis, keepdims=True)
    if means.dtype.is_integer:
        raise TypeError(
            f"Input must be either real or complex. Received integer type {means.dtype!r}."
        )
    diff = subtract(t, means)
    squared = real(multiply(conj(diff), diff)) if diff.dtype.is_complex else square(diff)
    return reduce_mean(squared, axis, keepdims)


def reduce_std(
    input_tensor: Any, axis: Any = None, keepdims: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.reduce_std`."""
    return sqrt(reduce_variance(input_tensor, axis, keepdims))


def count_nonzero(
    input: Any, axis: Any = None, keepdims: Any = None, dtype: Any = dtypes.int64, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.count_nonzero`."""
    t = as_tensor(input)
    pred = (
        t
        if t.dtype is dtypes.bool_
        else not_equal(t, constant(0, t.dtype) if t.dtype is not dtypes.string else b"")
    )
    return cast(reduce_sum(cast(pred, dtypes.int64), axis, bool(keepdims)), dtype)


def _graph() -> bool:
    """Whether a `tf.function` is being traced (TF's shape inference then raises
    ValueError where the eager kernel raises InvalidArgumentError)."""
    return not jax_internals.is_eval_trace(jax_internals.current_trace())


# -- arg reductions, top_k, scans -------------------------------------------------------------
def _arg(op: str, input: Any, axis: Any, output_type: Any) -> Tensor:
    t = as_tensor(input)
    check_type("ArgMax", t)
    ax = 0 if axis is None else int(as_tensor(axis).numpy()) if _is_tensor_like(axis) else int(axis)
    rank = len(t._shape)
    if not -rank <= ax < builtins.max(rank, 1):
        if _graph():  # TF's shape inference while the function is built
            raise ValueError(
                f"Dimension ({ax}) must be in the range [{-rank}, {rank}), where {rank} is the "
                f"number of dimensions in the input. for '{{{{node {op}}}}}' with input "
                f"shapes: {shape_str(t._shape)}, []."
            )
        raise errors.kernel_error(
            op, f"Expected dimension in the range [{-rank}, {rank}), but got {ax}"
        )
    out = dtypes.as_dtype(output_type)
    check_attr_dtype(op, out, "output_type")
    if rank and t._shape[ax % rank] == 0:  # TF's kernel (at run time in a function)
        raise errors.kernel_error(
            op, f"Reduction axis {ax % rank} is empty in shape {shape_str(t._shape)}"
        )
    return execute(
        op, (t,), (("axis", ax % builtins.max(rank, 1)), ("output_type", out.as_numpy_dtype))
    )


def argmax(
    input: Any, axis: Any = None, output_type: Any = dtypes.int64, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.argmax` (the first index among ties)."""
    return _arg("ArgMax", input, axis, output_type)


def argmin(
    input: Any, axis: Any = None, output_type: Any = dtypes.int64, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.argmin` (the first index among ties)."""
    return _arg("ArgMin", input, axis, output_type)


TopKV2 = collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(
    input: Any, k: Any = 1, sorted: bool = True, index_type: Any = dtypes.int32, name: Any = None
) -> Any:
    """tfcompat implementation of `tf.math.top_k`; returns `TopKV2(values, indices)`."""
    t = as_tensor(input)
    check_type("TopKV2", t)
    kk = int(as_tensor(k).numpy()) if _is_tensor_like(k) else int(k)
    if not t._shape:
        raise errors.kernel_error("TopKV2", "input must be at least 1-dimensional, got [] ")
    if kk < 0:
        raise errors.kernel_error("TopKV2", f"Need k >= 0, got {kk}")
    if t._shape[-1] < kk:
        raise errors.kernel_error(
            "TopKV2", f"input must have at least k columns. Had {t._shape[-1]}, needed {kk}"
        )
    values, indices = execute(
        "TopKV2",
        (t,),
        (
            ("k", kk),
            ("sorted", bool(sorted)),
            ("index_type", dtypes.as_dtype(index_type).as_numpy_dtype),
        ),
    )
    return TopKV2(values, indices)


def _scan(op: str, x: Any, axis: Any, exclusive: bool, reverse: bool) -> Tensor:
    t = as_tensor(x)
    check_type(op, t)
    axis_shape = np.shape(axis) if not _is_tensor_like(axis) else tuple(as_tensor(axis)._shape)
    if axis_shape:  # TF's kernel (at run time in a function)
        raise errors.kernel_error(
            op, f"ScanOp: axis must be a scalar, not {shape_str(axis_shape)}", name=None
        )
    ax = int(as_tensor(axis).numpy()) if _is_tensor_like(axis) else int(axis)
    rank = len(t._shape)
    if not -rank <= ax < rank:
        raise errors.kernel_error(
            op, f"ScanOp: Expected scan axis in the range [{-rank}, {rank}), but got {ax}"
        )
    return execute(
        op, (t,), (("axis", ax % rank), ("exclusive", bool(exclusive)), ("reverse", bool(reverse)))
    )


def cumsum(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.cumsum`."""
    return _scan("Cumsum", x, axis, exclusive, reverse)


def cumprod(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.cumprod`.

    The gradient is 0 where `x == 0`, as TF's `_CumprodGrad` (`div_no_nan`).
    """
    return _scan("Cumprod", x, axis, exclusive, reverse)


# -- segments, bincount, polyval, confusion matrix --------------------------------------------
def _segment_args(
    op: str, data: Any, segment_ids: Any, num_segments: Any
) -> tuple[Tensor, Tensor, int]:
    d = as_tensor(data)
    ids = as_tensor(segment_ids)
    check_type(op, d)
    check_type(op, ids, "Tindices")
    n = int(concrete(as_tensor(num_segments)))
    if d._shape[: len(ids._shape)] != ids._shape:
        raise errors.kernel_error(
            op,
            f"data.shape = [{','.join(map(str, d._shape))}] does not start with "
            "segment_ids.shape = "
            f"[{','.join(map(str, ids._shape))}]",
            name=None,
        )
    if not is_concrete(ids):  # inside tf.function: checked when the program returns
        checks.segment_ids_in_range(op, ids._array(), n)
        values = np.zeros(0, np.int64)
    else:
        values = concrete(ids).reshape(-1)
    bad = np.nonzero(values >= n)[0]
    if bad.size:
        i = int(bad[0])
        idx = np.unravel_index(i, ids._shape) if ids._shape else ()
        raise errors.kernel_error(
            op,
            f"segment_ids[{','.join(str(int(k)) for k in idx)}] = {values[i]} is out of range "
            f"[0, {n})",
            # TF's eager fallback names the op only when the ids came as a tensor
            name="" if isinstance(segment_ids, Tensor) else None,
        )
    return d, ids, n


def _unsorted_segment(op: str, data: Any, segment_ids: Any, num_segments: Any) -> Tensor:
    d, ids, n = _segment_args(op, data, segment_ids, num_segments)
    return execute(op, (d, ids), (("num_segments", n),))


def unsorted_segment_sum(
    data: Any, segment_ids: Any, num_segments: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.unsorted_segment_sum` (negative ids are dropped)."""
    return _unsorted_segment("UnsortedSegmentSum", data, segment_ids, num_segments)


def unsorted_segment_max(
    data: Any, segment_ids: Any, num_segments: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.unsorted_segment_max` (ties share the gradient)."""
    return _unsorted_segment("UnsortedSegmentMax", data, segment_ids, num_segments)


def unsorted_segment_min(
    data: Any, segment_ids: Any, num_segments: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.unsorted_segment_min`."""
    return _unsorted_segment("UnsortedSegmentMin", data, segment_ids, num_segments)


def unsorted_segment_prod(
    data: Any, segment_ids: Any, num_segments: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.unsorted_segment_prod`."""
    return _unsorted_segment("UnsortedSegmentProd", data, segment_ids, num_segments)


def unsorted_segment_mean(
    data: Any, segment_ids: Any, num_segments: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.unsorted_segment_mean` (sum / max(count, 1), as TF)."""
    from tfcompat._api.array_ops import ones, reshape

    d, ids, n = _segment_args("UnsortedSegmentSum", data, segment_ids, num_segments)
    count = execute("UnsortedSegmentSum", (ones(ids._shape, d.dtype), ids), (("num_segments", n),))
    count = reshape(count, (n,) + (1,) * (len(d._shape) - len(ids._shape)))
    summed = execute("UnsortedSegmentSum", (d, ids), (("num_segments", n),))
    return summed / maximum(count, 1)


def _sorted_segment(op: str, data: Any, segment_ids: Any) -> Tensor:
    d = as_tensor(data)
    ids = as_tensor(segment_ids)
    check_type(op, d)
    check_type(op, ids, "Tindices")
    if len(ids._shape) != 1:
        raise errors.kernel_error(op, "segment_ids should be a vector.")
    if not d._shape or d._shape[0] != ids._shape[0]:
        raise errors.kernel_error(
            op, "segment_ids should be the same size as dimension 0 of input."
        )
    values = concrete(ids)
    if values.size and (np.any(np.diff(values) < 0) or values[0] < 0):
        raise errors.kernel_error(op, "segment ids are not increasing", name=None)
    n = int(values[-1]) + 1 if values.size else 0
    return execute(op, (d, ids), (("num_segments", n),))


def segment_mean(data: Any, segment_ids: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.segment_mean` (0 for empty segments)."""
    return _sorted_segment("SegmentMean", data, segment_ids)


def segment_max(data: Any, segment_ids: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.segment_max` (0 for empty segments)."""
    return _sorted_segment("SegmentMax", data, segment_ids)


def segment_min(data: Any, segment_ids: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.segment_min` (0 for empty segments)."""
    return _sorted_segment("SegmentMin", data, segment_ids)


def segment_prod(data: Any, segment_ids: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.segment_prod` (1 for empty segments)."""
    return _sorted_segment("SegmentProd", data, segment_ids)


def unsorted_segment_sqrt_n(
    data: Any, segment_ids: Any, num_segments: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.unsorted_segment_sqrt_n` (sum / sqrt(max(count, 1)))."""
    from tfcompat._api.array_ops import ones, reshape

    d, ids, n = _segment_args("UnsortedSegmentSum", data, segment_ids, num_segments)
    count = execute("UnsortedSegmentSum", (ones(ids._shape, d.dtype), ids), (("num_segments", n),))
    count = reshape(count, (n,) + (1,) * (len(d._shape) - len(ids._shape)))
    summed = execute("UnsortedSegmentSum", (d, ids), (("num_segments", n),))
    return truediv(summed, sqrt(maximum(count, 1)))


def in_top_k(targets: Any, predictions: Any, k: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.in_top_k` (ties count as in the top k, as TF)."""
    p = convert_to_tensor(predictions, dtype=dtypes.float32)
    t = as_tensor(targets)
    kk = int(concrete(as_tensor(k)))
    return execute("InTopKV2", (p, t), (("k", kk),))


def cumulative_logsumexp(
    x: Any, axis: Any = 0, exclusive: bool = False, reverse: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.cumulative_logsumexp`."""
    return _scan("CumulativeLogsumexp", x, axis, exclusive, reverse)


def segment_sum(data: Any, segment_ids: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.segment_sum` (ids sorted, as TF checks on CPU)."""
    d = as_tensor(data)
    ids = as_tensor(segment_ids)
    check_type("SegmentSum", d)
    check_type("SegmentSum", ids, "Tindices")
    if len(ids._shape) != 1:
        raise errors.kernel_error("SegmentSum", "segment_ids should be a vector.")
    if not d._shape or d._shape[0] != ids._shape[0]:
        raise errors.kernel_error(
            "SegmentSum",
            "segment_ids should be the same size as dimension 0 of input.",
        )
    values = concrete(ids)
    if values.size and (np.any(np.diff(values) < 0) or values[0] < 0):
        raise errors.kernel_error("SegmentSum", "segment ids are not increasing", name=None)
    n = int(values[-1]) + 1 if values.size else 0
    return execute("SegmentSum", (d, ids), (("num_segments", n),))


def bincount(
    arr: Any,
    weights: Any = None,
    minlength: Any = None,
    maxlength: Any = None,
    dtype: Any = dtypes.int32,
    name: Any = None,
    axis: Any = None,
    binary_output: bool = False,
) -> Tensor:
    """tfcompat implementation of `tf.math.bincount` (1-D counts, `axis` 0 or None).

    Differences from TensorFlow:
      `axis=-1` (per-row counts) is not implemented.
    """
    a = as_tensor(arr)
    w = as_tensor(weights) if weights is not None else None
    if w is not None and binary_output:
        raise ValueError(
            "Arguments `binary_output` and `weights` are mutually exclusive. Please specify "
            "only one."
        )
    if not a.dtype.is_integer:
        a = cast(a, dtypes.int32)
    if axis not in (None, 0):
        if axis == -1:
            raise NotImplementedError("tfcompat: tf.math.bincount(axis=-1) is not implemented")
        raise ValueError(
            f"Unsupported value for argument axis={axis}. Only 0 and -1 are currently supported."
        )
    values = concrete(a)
    size = int(values.max()) + 1 if values.size else 0
    if minlength is not None:
        size = builtins.max(size, int(concrete(as_tensor(minlength))))
    if maxlength is not None:
        size = builtins.min(size, int(concrete(as_tensor(maxlength))))
    if values.size and values.min() < 0:
        raise errors.kernel_error("DenseBincount", "Input arr must be non-negative!")
    if w is None:
        w = constant(np.zeros((0,), dtypes.as_dtype(dtype).as_numpy_dtype))
    elif w._shape != a._shape:
        raise errors.kernel_error("DenseBincount", "Input arr and weights must have the same shape")
    return execute(
        "DenseBincount", (a, w), (("size", size), ("binary_output", bool(binary_output)))
    )


def polyval(coeffs: Any, x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.math.polyval` (Horner's scheme, as TF)."""
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type found {type(coeffs)}.")
    t = as_tensor(x)
    if not coeffs:
        return execute("ZerosLike", (t,))
    cs = [as_tensor(c) for c in coeffs]
    p = cs[0]
    for c in cs[1:]:
        p = add(c, multiply(p, t))
    return p


def confusion_matrix(
    labels: Any,
    predictions: Any,
    num_classes: Any = None,
    weights: Any = None,
    dtype: Any = dtypes.int32,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.math.confusion_matrix`."""
    from tfcompat._api.array_ops import ones_like, scatter_nd, squeeze, stack

    lab, pred = as_tensor(labels), as_tensor(predictions)
    if len(lab._shape) == len(pred._shape) + 1 and lab._shape[-1] == 1:
        lab = squeeze(lab, -1)
    elif len(pred._shape) == len(lab._shape) + 1 and pred._shape[-1] == 1:
        pred = squeeze(pred, -1)
    pred = cast(pred, dtypes.int64)
    lab = cast(lab, dtypes.int64)
    lv, pv = concrete(lab), concrete(pred)
    for what, v in (("labels", lv), ("predictions", pv)):
        if v.size and v.min() < 0:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"`{what}` contains negative values.  Condition x >= 0 did not hold element-wise:",
            )
    if num_classes is None:
        n = int(builtins.max(pv.max() if pv.size else -1, lv.max() if lv.size else -1)) + 1
    else:
        n = int(concrete(as_tensor(num_classes)))
        for what, v in (("labels", lv), ("predictions", pv)):
            if v.size and v.max() >= n:
                raise errors.InvalidArgumentError(
                    None, None, f"`{what}` out of bound  Condition x < y did not hold element-wise:"
                )
    d = dtypes.as_dtype(dtype)
    values = ones_like(pred, d) if weights is None else cast(as_tensor(weights), d)
    return scatter_nd(stack([lab, pred], axis=1), values, constant([n, n], dtypes.int64))


# -- cast --------------------------------------------------------------------------------------
def cast(x: Any, dtype: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.cast`.

    Casting to an integer type truncates toward zero; complex to real keeps the real
    part. Gradients flow between floating types only, as TF.
    """
    target = dtypes.as_dtype(dtype)
    if _is_tensor_like(x):
        t = as_tensor(x)
    else:
        try:
            t = as_tensor(x)
        except (TypeError, ValueError):
            t = as_tensor(x, target)
    if t.dtype is dtypes.string and target is not dtypes.string:
        raise errors.kernel_error(
            "Cast",
            f"Cast string to {target._tf_type_name} is not supported",
            errors.UnimplementedError,
        )
    if t.dtype is target:
        return t
    return execute("Cast", (t,), (("dtype", target.as_numpy_dtype),))

"""Argument canonicalization shared by the public op wrappers (TF's dtype rules)."""

from __future__ import annotations

from typing import Any

from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor, convert_with_hint
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import Tensor
from tfcompat._tape.engine import execute

__all__ = ["as_tensor", "binary_args", "check_dtype", "execute", "FLOAT_COMPLEX", "FLOATS", "REAL_NUMERIC", "NUMERIC"]

FLOATS = ("bfloat16", "half", "float", "double")
FLOAT_COMPLEX = (*FLOATS, "complex64", "complex128")
REAL_NUMERIC = ("bfloat16", "half", "float", "double", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
NUMERIC = (*REAL_NUMERIC, "complex64", "complex128")


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """Convert `x` (Tensor, Variable, Python/NumPy value) to a Tensor."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    return convert_to_tensor(x, dtype=dtype)


def binary_args(op: str, x: Any, y: Any) -> tuple[Tensor, Tensor]:
    """Convert the two inputs of a binary op as TF's eager dispatch does.

    Python values adopt the dtype of the first tensor argument when they can, else
    keep their inferred dtype; different dtypes then raise `InvalidArgumentError`
    (no implicit promotion).
    """
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        if x._dtype is not y._dtype:
            raise errors.dtype_mismatch(op, 1, x._dtype, y._dtype)
        return x, y
    hint: DType | None = None
    for v in (x, y):
        if isinstance(v, Tensor) or hasattr(v, "_tfcompat_read"):
            hint = v.dtype
            break
    tx = convert_with_hint(x, hint) if hint is not None else as_tensor(x)
    ty = convert_with_hint(y, tx.dtype)
    if tx.dtype is not ty.dtype:
        raise errors.dtype_mismatch(op, 1, tx.dtype, ty.dtype)
    return tx, ty


def check_dtype(op: str, x: Tensor, allowed: tuple[str, ...], signature: str = "x:T -> y:T") -> None:
    """Raise TF's attr error when `x.dtype` is not among the kernel's `allowed` types."""
    if x.dtype._tf_type_name not in allowed:
        raise errors.attr_type_error(op, x.dtype, allowed, signature)


def canonical_axis(axis: Any, rank: int | None = None) -> tuple[int, ...] | None:
    """Normalize an axis argument (int, list, tuple, Tensor, None) to a tuple of ints."""
    if axis is None:
        return None
    if isinstance(axis, Tensor) or hasattr(axis, "_tfcompat_read"):
        axis = as_tensor(axis).numpy().tolist()
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return (int(axis),)


def shape_arg(shape: Any) -> tuple[int, ...]:
    """Normalize a shape argument (list, tuple, TensorShape, int Tensor) to a tuple."""
    if isinstance(shape, Tensor) or hasattr(shape, "_tfcompat_read"):
        shape = as_tensor(shape).numpy().tolist()
    if isinstance(shape, int):
        return (shape,)
    if hasattr(shape, "as_list"):
        return tuple(shape.as_list())
    return tuple(int(d) if not isinstance(d, Tensor) else int(d) for d in shape)


def dtype_arg(dtype: Any) -> DType:
    return dtypes.as_dtype(dtype)

"""Argument canonicalization shared by the public op wrappers (TF's dtype rules)."""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import Tensor
from tfcompat._ops import kernels
from tfcompat._ops._tf_opdefs import OPDEFS
from tfcompat._tape.engine import execute

__all__ = [
    "FLOATS",
    "FLOAT_COMPLEX",
    "NUMERIC",
    "REAL_NUMERIC",
    "as_tensor",
    "binary_args",
    "check_dtype",
    "execute",
]

FLOATS = ("bfloat16", "half", "float", "double")
FLOAT_COMPLEX = (*FLOATS, "complex64", "complex128")
REAL_NUMERIC = (
    "bfloat16",
    "half",
    "float",
    "double",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
)
NUMERIC = (*REAL_NUMERIC, "complex64", "complex128")


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """Convert `x` (Tensor, Variable, Python/NumPy value) to a Tensor."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    return convert_to_tensor(x, dtype=dtype)


def binary_args(op: str, x: Any, y: Any) -> tuple[Tensor, Tensor]:
    """Convert the two inputs of TF kernel `op` as TF's eager fast path does.

    The kernel's dtype is the first Tensor (or Variable) input's; other Python and NumPy
    inputs convert *strictly* to it (`tf.subtract(int_tensor, 2.5)` is a `TypeError`),
    and with no tensor input the first value's own inferred dtype is used. Then, in TF's
    order: the dtype must be allowed for `op` (TF's attr error), and every other input
    must have it (`InvalidArgumentError`, no implicit promotion). `tf.add` and `x + y`
    convert with a dtype *hint* instead; see `tfcompat._api.operators`.
    """
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        if x._dtype is not y._dtype:
            check_type(op, x)
            raise errors.dtype_mismatch(op, 1, x._dtype, y._dtype)
        return x, y
    tx, ty = kernel_inputs(op, (x, y))
    return tx, ty


def kernel_inputs(op: str, values: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """`binary_args` for any number of inputs sharing TF's type attribute `T`."""
    dtype: DType | None = None
    for v in values:
        if isinstance(v, Tensor) or hasattr(v, "_tfcompat_read"):
            dtype = v.dtype
            break
    out: list[Tensor] = []
    for v in values:
        if isinstance(v, Tensor):
            t = v
        elif hasattr(v, "_tfcompat_read"):
            t = v._tfcompat_read()
        elif dtype is None:
            t = convert_to_tensor(v)
            dtype = t._dtype
        else:
            t = convert_to_tensor(v, dtype=dtype)
        out.append(t)
    first = out[0]
    for i, t in enumerate(out[1:], 1):
        if t._dtype is not first._dtype:
            check_type(op, first)
            raise errors.dtype_mismatch(op, i, first._dtype, t._dtype)
    return tuple(out)


def check_dtype(
    op: str, x: Tensor, allowed: tuple[str, ...], signature: str = "x:T -> y:T"
) -> None:
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
    return tuple(int(d) for d in shape)


def dtype_arg(dtype: Any) -> DType:
    return dtypes.as_dtype(dtype)


# -- TF's kernel dtype lists (generated from TF's op registry) ----------------------------
_ALLOWED: dict[tuple[str, str], tuple[str, ...] | None] = {}
_TYPE_NAMES = {
    "DT_FLOAT": "float",
    "DT_DOUBLE": "double",
    "DT_HALF": "half",
    "DT_BFLOAT16": "bfloat16",
}


def allowed_types(op: str, attr: str = "T") -> tuple[str, ...] | None:
    """TF's allowed dtypes (TF type names, TF's order) for `attr` of `op`, or None (any)."""
    key = (op, attr)
    if key not in _ALLOWED:
        summary = OPDEFS.get(op, "")
        marker = f"; attr={attr}:type"
        allowed = None
        i = summary.find(marker)
        if i >= 0:
            rest = summary[i + len(marker) :].split("; attr=")[0]
            j = rest.find("allowed=[")
            if j >= 0:
                names = rest[j + len("allowed=[") : rest.index("]", j)].split(", ")
                allowed = tuple(_TYPE_NAMES.get(n, n[3:].lower()) for n in names)
        _ALLOWED[key] = allowed
    return _ALLOWED[key]


# (op, attr, dtype) combinations already checked and allowed (bounded by ops x dtypes).
_ALLOWED_SEEN: set[tuple[str, str, Any]] = set()


def check_type(op: str, x: Tensor, attr: str = "T") -> None:
    """Raise TF's kernel error when `x.dtype` is not allowed for `attr` of TF op `op`."""
    check_attr_dtype(op, x._dtype, attr, tracing=isinstance(x._value, jax.core.Tracer))


def check_attr_dtype(op: str, dtype: DType, attr: str = "T", *, tracing: bool = False) -> None:
    """Raise TF's error when `dtype` is not allowed for `attr` of TF op `op` (its op
    definition), or TF has no CPU kernel for it."""
    key = (op, attr, dtype)
    if key in _ALLOWED_SEEN:
        return
    allowed = allowed_types(op, attr)
    if allowed is not None and dtype._tf_type_name not in allowed:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr '{attr}' of {dtype._tf_type_name} is not in the list of allowed "
            "values: "
            f"{', '.join(allowed)}\n\t; NodeDef: {{{{node {op}}}}}; {OPDEFS[op]} [Op:{op}] name: ",
        )
    if not kernels.available(op, dtype, attr):  # accepted, but no CPU kernel in TF
        kernels.check(op, dtype, attr, tracing=tracing)
    _ALLOWED_SEEN.add(key)


def is_concrete(t: Tensor) -> bool:
    """False when `t`'s value is a JAX tracer (while a tf.function is traced): checks that
    read values (`concrete`) must then be skipped."""
    return not isinstance(t._array(), jax.core.Tracer)


def concrete(t: Tensor) -> Any:
    """The value of `t` as a NumPy array (computing a pending tensor)."""
    return np.asarray(t._array())


def shape_str(shape: Any) -> str:
    """A shape as TF's kernels print it: `[2,3]`."""
    return "[" + ",".join(str(d) for d in shape) + "]"


def kernel_error(
    op: str, message: str, *, node: str | None = None, name: str | None = None, cls: Any = None
) -> errors.OpError:
    """TF's eager kernel error: `{{function_node __wrapped__<node>_device_...}} msg [Op:op]`.

    `node` is the kernel's function name when TF adds attributes to it (`ConcatV2_N_2`);
    `name` is appended as ` name: <name>` when TF's Python wrapper passes one.
    """
    text = (
        f"{{{{function_node __wrapped__{node or op}_device_"
        f"/job:localhost/replica:0/task:0/device:CPU:0}}}} {message} [Op:{op}]"
    )
    if name is not None:
        text += f" name: {name}"
    return (cls or errors.InvalidArgumentError)(None, None, text)

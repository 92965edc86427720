"""`tf.bitwise` and `tf.bitcast`: bit operations on integer tensors, reinterpreting casts."""

from __future__ import annotations

from typing import Any

from tfcompat._api._args import allowed_types, as_tensor, binary_args, check_type
from tfcompat._core import dtypes, errors
from tfcompat._core.tensor import Tensor
from tfcompat._ops._tf_opdefs import OPDEFS
from tfcompat._tape.engine import execute

__all__ = [
    "bitcast",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "invert",
    "left_shift",
    "right_shift",
]


def _binary(op: str, x: Any, y: Any) -> Tensor:
    tx, ty = binary_args(op, x, y)
    check_type(op, tx)
    return execute(op, (tx, ty))


def bitwise_and(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitwise.bitwise_and`."""
    return _binary("BitwiseAnd", x, y)


def bitwise_or(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitwise.bitwise_or`."""
    return _binary("BitwiseOr", x, y)


def bitwise_xor(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitwise.bitwise_xor`."""
    return _binary("BitwiseXor", x, y)


def left_shift(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitwise.left_shift` (shifts clamped to [0, bits-1])."""
    return _binary("LeftShift", x, y)


def right_shift(x: Any, y: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitwise.right_shift` (arithmetic for signed types)."""
    return _binary("RightShift", x, y)


def invert(x: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitwise.invert`."""
    t = as_tensor(x)
    check_type("Invert", t)
    return execute("Invert", (t,))


def bitcast(input: Any, type: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.bitcast`.

    The same bits read as `type`: to a narrower type a last dimension of the size ratio
    is added; to a wider type the last dimension must be the ratio, and is removed.
    """
    t = as_tensor(input)
    target = dtypes.as_dtype(type)
    check_type("Bitcast", t)
    _check_target(target)
    src = t._dtype.size
    dst = target.size
    if src < dst and (not t._shape or t._shape[-1] * src != dst):
        raise errors.kernel_error(
            "Bitcast", f"Cannot bitcast from {t._dtype._enum} to {target._enum}"
        )
    if t._dtype is target:
        return t
    return execute("Bitcast", (t,), (("type", target.as_numpy_dtype),))


def _check_target(target: dtypes.DType) -> None:
    allowed = allowed_types("Bitcast", "type")
    if allowed is not None and target._tf_type_name not in allowed:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'type' of {target._tf_type_name} is not in the list of allowed "
            f"values: {', '.join(allowed)}\n\t; NodeDef: {{{{node Bitcast}}}}; "
            f"{OPDEFS['Bitcast']} [Op:Bitcast] name: ",
        )

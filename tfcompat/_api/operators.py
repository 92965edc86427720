"""Python operators on Tensor and Variable, attached as TF attaches them.

`x + y` with a Tensor on the left converts `y` preferring `x`'s dtype (falling back to
its own, which then fails the no-promotion check); with the Tensor on the right
(`__radd__`) the Python value must convert exactly to the tensor's dtype, else
`TypeError`, as TF (TF_SEMANTICS.md 7.5).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tfcompat._api import math_ops
from tfcompat._api._args import as_tensor
from tfcompat._api.array_ops import getitem
from tfcompat._core import dtypes
from tfcompat._core.convert import convert_to_tensor, convert_with_hint
from tfcompat._core.tensor import Tensor
from tfcompat._core.variable import Variable
from tfcompat._ops.registry import OPS
from tfcompat._tape.engine import execute_op

__all__ = ["install"]

_NOT_SUPPORTED = object()


# Operators whose floating/complex case is exactly one raw op with no extra checks: for
# those, `x op y` on two tensors of the same float/complex dtype goes straight to the
# engine (the recording hot path). Everything else takes the public function.
_FLOAT_FAST = {"add": "AddV2", "sub": "Sub", "mul": "Mul", "truediv": "RealDiv", "pow": "Pow"}


def _left(fn: Callable[[Any, Any], Any], raw: str | None = None) -> Callable[[Any, Any], Any]:
    raw_op = OPS[raw] if raw is not None else None

    def op(self: Any, other: Any) -> Any:
        x = self if isinstance(self, Tensor) else self._tfcompat_read()
        y = convert_with_hint(other, x._dtype)
        if raw_op is not None and x._dtype is y._dtype and x._dtype._kind in "fc":
            return execute_op(raw_op, (x, y))
        return fn(x, y)

    return op


def _right(fn: Callable[[Any, Any], Any], raw: str | None = None) -> Callable[[Any, Any], Any]:
    raw_op = OPS[raw] if raw is not None else None

    def rop(self: Any, other: Any) -> Any:
        y = self if isinstance(self, Tensor) else self._tfcompat_read()
        x = convert_to_tensor(other, dtype=y._dtype)
        if raw_op is not None and y._dtype._kind in "fc":
            return execute_op(raw_op, (x, y))
        return fn(x, y)

    return rop


def _and(x: Any, y: Any) -> Any:
    if x.dtype is dtypes.bool_:
        return math_ops.logical_and(x, y)
    return math_ops._binary("BitwiseAnd", x, y)


def _or(x: Any, y: Any) -> Any:
    if x.dtype is dtypes.bool_:
        return math_ops.logical_or(x, y)
    return math_ops._binary("BitwiseOr", x, y)


def _xor(x: Any, y: Any) -> Any:
    if x.dtype is dtypes.bool_:
        return math_ops.logical_xor(x, y)
    return math_ops._binary("BitwiseXor", x, y)


def _invert(self: Any) -> Any:
    x = as_tensor(self)
    if x.dtype is dtypes.bool_:
        return math_ops.logical_not(x)
    from tfcompat._tape.engine import execute  # noqa: PLC0415

    return execute("Invert", (x,))


def _eq(self: Any, other: Any) -> Any:
    if other is None:
        if isinstance(self, Variable):
            convert_to_tensor(None)  # TF raises ValueError for `variable == None`
        return False
    return _equality("Equal", self, other)


def _ne(self: Any, other: Any) -> Any:
    if other is None:
        if isinstance(self, Variable):
            convert_to_tensor(None)
        return True
    return _equality("NotEqual", self, other)


def _equality(op: str, self: Any, other: Any) -> Any:
    # TF's __eq__ uses incompatible_shape_error=False: unbroadcastable shapes give False.
    x = as_tensor(self)
    y = convert_with_hint(other, x.dtype)
    import numpy as np  # noqa: PLC0415

    try:
        np.broadcast_shapes(x._shape, y._shape)
    except ValueError:
        from tfcompat._core.convert import constant  # noqa: PLC0415

        return constant(op == "NotEqual")
    return math_ops._compare(op, x, y)


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": math_ops.add,
    "sub": math_ops.subtract,
    "mul": math_ops.multiply,
    "truediv": math_ops.truediv,
    "floordiv": math_ops.floordiv,
    "mod": math_ops.floormod,
    "pow": math_ops.pow,
    "matmul": math_ops.matmul,
    "and": _and,
    "or": _or,
    "xor": _xor,
}


def install(cls: type) -> None:
    """Attach TF's operator overloads to `cls` (Tensor or Variable)."""
    for name, fn in _BINARY.items():
        raw = _FLOAT_FAST.get(name)
        setattr(cls, f"__{name}__", _left(fn, raw))
        setattr(cls, f"__r{name}__", _right(fn, raw))
    cls.__div__ = cls.__truediv__  # type: ignore[attr-defined]
    cls.__lt__ = _left(math_ops.less)  # type: ignore[assignment]
    cls.__le__ = _left(math_ops.less_equal)  # type: ignore[assignment]
    cls.__gt__ = _left(math_ops.greater)  # type: ignore[assignment]
    cls.__ge__ = _left(math_ops.greater_equal)  # type: ignore[assignment]
    cls.__eq__ = _eq  # type: ignore[assignment]
    cls.__ne__ = _ne  # type: ignore[assignment]
    cls.__neg__ = lambda self: math_ops.negative(self)  # type: ignore[attr-defined]
    cls.__abs__ = lambda self: math_ops.abs(self)  # type: ignore[attr-defined]
    cls.__invert__ = _invert  # type: ignore[attr-defined]
    cls.__getitem__ = lambda self, key: getitem(self, key)  # type: ignore[attr-defined]


install(Tensor)
install(Variable)

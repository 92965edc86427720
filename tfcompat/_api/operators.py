"""Python operators on Tensor and Variable, attached as TF attaches them.

A port of TF's `override_binary_operator.py` and `tensor_math_operator_overrides.py`
(the binary-operator rules, in docs/core.md):

* `x op y` (Tensor on the left) calls TF's function for `op` with `x` and the raw `y`.
  Most are kernels that convert `y` *strictly* to `x`'s dtype (`int32 - 2.5` is a
  `TypeError`); `+` and `/` convert with a dtype *hint* (`int32 + 2.5` falls back to
  float32 and fails the no-promotion check with `InvalidArgumentError`). When the call
  raises `TypeError`/`ValueError`, TF tries `y.__rop__(x)` and re-raises if that fails.
* `y op x` (Tensor on the right) converts `y` strictly to `x`'s dtype first.
* `*` with a bool tensor computes in int32 and casts back; `&`, `|`, `^`, `~` are logical
  for bool and bitwise otherwise; `==`/`!=` are elementwise with
  `incompatible_shape_error=False`; a Variable's operators act on its value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tfcompat._api import math_ops
from tfcompat._api._args import check_type, kernel_inputs
from tfcompat._api.array_ops import getitem
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant, convert_to_tensor, scalar_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.variable import Variable
from tfcompat._ops.registry import OPS
from tfcompat._tape.engine import execute, execute_op

__all__ = ["install"]


def _read(v: Any) -> Tensor:
    """A Tensor, or a Variable's value (a Variable's operators act on `value()`, as TF)."""
    return v if isinstance(v, Tensor) else v._tfcompat_read()


def _kernel(op: str, *values: Any) -> Tensor:
    """Call TF kernel `op` with TF's eager input conversion and dtype checks."""
    inputs = kernel_inputs(op, values)
    check_type(op, inputs[0])
    return execute(op, inputs)  # type: ignore[no-any-return,unused-ignore]


# -- the functions TF attaches (math_ops._add_dispatch, and_, ...) --------------------------
def _add(x: Tensor, y: Any) -> Tensor:
    # TF's _add_dispatch: a non-tensor `y` converts with x's dtype as a hint only.
    if not isinstance(y, Tensor):
        y = convert_to_tensor(y, dtype_hint=x._dtype)
    if x._dtype is dtypes.string:
        return _string_add(x, y)
    return math_ops.add(x, y)


def _string_add(x: Tensor, y: Tensor) -> Tensor:
    """TF's `Add` kernel on strings: elementwise concatenation (host-side, not recorded)."""
    if y._dtype is not dtypes.string:
        raise errors.dtype_mismatch("Add", 1, x._dtype, y._dtype)
    try:
        out = np.asarray(x.numpy(), dtype=object) + np.asarray(y.numpy(), dtype=object)
    except ValueError:
        raise errors.kernel_error(
            "Add", f"Incompatible shapes: {list(x._shape)} vs. {list(y._shape)}"
        ) from None
    return constant(out)


def _mul(x: Tensor, y: Any) -> Tensor:
    # TF multiplies bool tensors as int32 and casts the product back to bool.
    if x._dtype is dtypes.bool_ or (isinstance(y, Tensor) and y._dtype is dtypes.bool_):
        product = math_ops.multiply(math_ops.cast(x, dtypes.int32), math_ops.cast(y, dtypes.int32))
        return math_ops.cast(product, dtypes.bool_)
    return math_ops.multiply(x, y)


def _truediv(x: Tensor, y: Any) -> Tensor:
    return math_ops.truediv(x, y)


def _logical_or_bitwise(logical: str, bitwise: str) -> Callable[[Tensor, Any], Tensor]:
    def fn(x: Tensor, y: Any) -> Tensor:
        return _kernel(logical if x._dtype is dtypes.bool_ else bitwise, x, y)

    return fn


def _xor(x: Tensor, y: Any) -> Tensor:
    if x._dtype is dtypes.bool_:
        # TF's logical_xor: (x | y) & ~(x & y), each a kernel with strict conversion.
        either = _kernel("LogicalOr", x, y)
        return _kernel("LogicalAnd", either, execute("LogicalNot", (_kernel("LogicalAnd", x, y),)))
    return _kernel("BitwiseXor", x, y)


def _matmul(x: Tensor, y: Any) -> Tensor:
    return math_ops.matmul(x, y)


# name -> (function(x, y) of TF, raw op of its float/complex case for the fast path)
_BINARY: dict[str, tuple[Callable[[Tensor, Any], Tensor], str | None]] = {
    "add": (_add, "AddV2"),
    "sub": (math_ops.subtract, "Sub"),
    "mul": (_mul, "Mul"),
    "truediv": (_truediv, "RealDiv"),
    "floordiv": (math_ops.floordiv, None),
    "mod": (math_ops.floormod, None),
    "pow": (math_ops.pow, "Pow"),
    "matmul": (_matmul, None),
    "and": (_logical_or_bitwise("LogicalAnd", "BitwiseAnd"), None),
    "or": (_logical_or_bitwise("LogicalOr", "BitwiseOr"), None),
    "xor": (_xor, None),
}
_COMPARISONS = {"lt": "Less", "le": "LessEqual", "gt": "Greater", "ge": "GreaterEqual"}
_NAME_SUFFIX = " name: "


def _slow_path_error(e: errors.OpError) -> errors.OpError:
    """`e` as TF's slow op path words it: without the trailing " name: "."""
    if not e.message.endswith(_NAME_SUFFIX):
        return e
    cls: Any = type(e)  # an OpError subclass: (node_def, op, message)
    return cls(e.node_def, e.op, e.message[: -len(_NAME_SUFFIX)])


# (Python float or int, DType) -> the Tensor of that number, for the operators' fast
# path. The Tensor is shared: it only ever becomes an input of raw ops, never reaches
# user code (so nothing can watch it), and the engine's programs take each distinct
# constant array once anyway. Zeros (-0.0 == 0.0) and NaN are not cached.
_SCALAR_TENSORS: dict[tuple[Any, Any], Tensor] = {}


def _scalar(value: float | int, dtype: dtypes.DType) -> Tensor:
    """The Tensor of Python number `value` as `dtype` (`y * 0.5`: one dict lookup)."""
    t = _SCALAR_TENSORS.get((value, dtype))
    if t is None:
        t = scalar_to_tensor(value, dtype)
        if value and value == value and len(_SCALAR_TENSORS) < 4096:
            _SCALAR_TENSORS[(value, dtype)] = t
    return t


def _forward(
    name: str, fn: Callable[[Tensor, Any], Tensor], raw: str | None
) -> Callable[[Any, Any], Any]:
    raw_op = OPS[raw] if raw is not None else None
    rname = f"__r{name}__"
    # Whether a Python list `other` reaches TF's kernel unconverted (not for +, / and @,
    # whose functions convert it to a tensor first, nor for * of bools, cast first).
    slow_for_lists = name not in ("add", "truediv", "matmul")

    def op(self: Any, other: Any) -> Any:
        x = self if type(self) is EagerTensor else _read(self)
        if raw_op is not None and x._dtype._kind in "fc":
            # Fast path (the recording hot path): a float/complex tensor with a tensor of
            # the same dtype or a Python number, where TF's function is this one raw op.
            if type(other) is float or type(other) is int:
                c = _SCALAR_TENSORS.get((other, x._dtype))
                return execute_op(raw_op, (x, c if c is not None else _scalar(other, x._dtype)))
            if isinstance(other, Tensor):
                if other._dtype is x._dtype:
                    return execute_op(raw_op, (x, other))
            elif isinstance(other, Variable) and other._handle.dtype is x._dtype:
                return execute_op(raw_op, (x, other._tfcompat_read()))
        # TF's binary_op_wrapper, including its quirks: the reflected operator of `other`
        # is tried when TF's function raises TypeError/ValueError.
        try:
            return fn(x, other)
        except errors.OpError as e:
            # A Python list operand sends TF through its slow op path, whose kernel errors
            # lack the fast path's trailing " name: " (unless TF converted it first).
            list_kernel = slow_for_lists and not (name == "mul" and x._dtype is dtypes.bool_)
            if list_kernel and type(other) in (list, tuple):
                raise _slow_path_error(e) from None
            raise
        except (TypeError, ValueError) as e:
            if hasattr(type(other), rname):
                try:
                    out = getattr(other, rname)(x)
                    if out is NotImplemented:
                        raise
                    return out
                except (TypeError, ValueError):
                    raise e from None
            raise

    op.__name__ = f"__{name}__"
    return op


def _reverse(
    name: str, fn: Callable[[Tensor, Any], Tensor], raw: str | None
) -> Callable[[Any, Any], Any]:
    raw_op = OPS[raw] if raw is not None else None

    def rop(self: Any, other: Any) -> Any:
        y = self if type(self) is EagerTensor else _read(self)
        # strict: `1.5 + int32` is a TypeError
        if type(other) is float or type(other) is int:
            x = _scalar(other, y._dtype)
        else:
            x = convert_to_tensor(other, dtype=y._dtype)
        if raw_op is not None and y._dtype._kind in "fc":
            return execute_op(raw_op, (x, y))
        return fn(x, y)

    rop.__name__ = f"__r{name}__"
    return rop


def _comparison(op: str) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        try:
            return _kernel(op, _read(self), other)
        except errors.OpError as e:  # a Python list takes TF's slow path (see _forward)
            if type(other) in (list, tuple):
                raise _slow_path_error(e) from None
            raise

    return compare


def _equality(op: str) -> Callable[[Any, Any], Any]:
    is_ne = op == "NotEqual"

    def eq(self: Any, other: Any) -> Any:
        if other is None and not isinstance(self, Variable):
            return is_ne  # `t == None` is False, as TF (a Variable converts None and raises)
        x, y = kernel_inputs(op, (_read(self), other))
        # TF uses incompatible_shape_error=False: unbroadcastable shapes give a scalar.
        try:
            np.broadcast_shapes(x._shape, y._shape)
        except ValueError:
            return constant(is_ne)
        if x._dtype is dtypes.string:
            return constant(np.asarray(x.numpy() != y.numpy() if is_ne else x.numpy() == y.numpy()))
        return execute(op, (x, y))

    return eq


def _neg(self: Any) -> Any:
    return _kernel("Neg", _read(self))


def _abs(self: Any) -> Any:
    return math_ops.abs(_read(self))


def _invert(self: Any) -> Any:
    x = _read(self)
    return _kernel("LogicalNot" if x._dtype is dtypes.bool_ else "Invert", x)


def _getitem(self: Any, key: Any) -> Any:
    # TF treats a list index like a tuple of indices.
    # A Variable is passed as is: its slices have `assign` (`v[0].assign(1.)`).
    return getitem(self, tuple(key) if type(key) is list else key)


def install(cls: type) -> None:
    """Attach TF's operator overloads to `cls` (Tensor or Variable)."""
    for name, (fn, raw) in _BINARY.items():
        setattr(cls, f"__{name}__", _forward(name, fn, raw))
        setattr(cls, f"__r{name}__", _reverse(name, fn, raw))
    for name, op in _COMPARISONS.items():
        setattr(cls, f"__{name}__", _comparison(op))
    setattr(cls, "__eq__", _equality("Equal"))  # noqa: B010  (dunder set on a class)
    setattr(cls, "__ne__", _equality("NotEqual"))  # noqa: B010
    for name, unary in (
        ("__neg__", _neg),
        ("__abs__", _abs),
        ("__invert__", _invert),
        ("__getitem__", _getitem),
    ):
        setattr(cls, name, unary)


install(Tensor)
install(Variable)

"""Ragged inputs to dense `tf.*` functions, dispatched as TF's `dispatch_for_api` does.

`install()` replaces the public functions named below, in the `tf`, `tf.math` and `tf.nn`
namespaces, by wrappers (same signature, `functools.wraps`) that hand RaggedTensor inputs
to their ragged implementation and call the dense function otherwise: one `isinstance`
check per call. tfcompat's own modules keep calling the dense functions directly.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tfcompat._composite import ragged_ops
from tfcompat._composite.ragged import RaggedTensor
from tfcompat._composite.ragged_ops import map_flat_values

__all__ = ["install"]

# Elementwise functions of one tensor (the first argument; others pass through).
UNARY = (
    "abs",
    "negative",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "sigmoid",
    "tanh",
    "sin",
    "cos",
    "floor",
    "ceil",
    "round",
    "sign",
    "logical_not",
    "cast",
    "relu",
    "softplus",
    "ones_like",
    "zeros_like",
    "identity",
    "is_nan",
    "is_finite",
    "reciprocal",
)

# Elementwise functions of two tensors.
BINARY = (
    "add",
    "subtract",
    "multiply",
    "divide",
    "truediv",
    "maximum",
    "minimum",
    "pow",
    "equal",
    "not_equal",
    "less",
    "less_equal",
    "greater",
    "greater_equal",
    "logical_and",
    "logical_or",
    "floordiv",
    "squared_difference",
)

REDUCTIONS = {
    "reduce_sum": "sum",
    "reduce_prod": "prod",
    "reduce_max": "max",
    "reduce_min": "min",
    "reduce_mean": "mean",
    "reduce_any": "any",
    "reduce_all": "all",
}


def _unary(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        x = args[0] if args else next(iter(kwargs.values()), None)
        if isinstance(x, RaggedTensor):
            if args:
                return map_flat_values(fn, *args, **kwargs)
            return map_flat_values(fn, **kwargs)
        return fn(*args, **kwargs)

    return wrapper


def _binary(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(x: Any, y: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(x, RaggedTensor):
            return x._binary(y, fn)
        if isinstance(y, RaggedTensor):
            return y._binary(x, fn, reverse=True)
        return fn(x, y, *args, **kwargs)

    return wrapper


def _reduction(fn: Callable[..., Any], kind: str) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        x = args[0] if args else kwargs.get("input_tensor")
        if isinstance(x, RaggedTensor):
            bound = inspect.signature(fn).bind(*args, **kwargs).arguments
            axis, keepdims = bound.get("axis"), bound.get("keepdims", False)
            return ragged_ops.ragged_reduce(kind, x, axis, keepdims)
        return fn(*args, **kwargs)

    return wrapper


def _reduction_of(kind: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    return _reduction(fn, kind)


def _concat(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(values: Any, axis: Any, name: Any = "concat") -> Any:
        if isinstance(values, (list, tuple)) and any(isinstance(v, RaggedTensor) for v in values):
            return ragged_ops.ragged_concat(list(values), int(axis))
        return fn(values, axis, name)

    return wrapper


def _stack(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(values: Any, axis: int = 0, name: Any = "stack") -> Any:
        if isinstance(values, (list, tuple)) and any(isinstance(v, RaggedTensor) for v in values):
            return ragged_ops.ragged_stack(list(values), int(axis))
        return fn(values, axis, name)

    return wrapper


def _gather(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(params: Any, indices: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(params, RaggedTensor):
            return ragged_ops.ragged_gather(params, indices)
        return fn(params, indices, *args, **kwargs)

    return wrapper


def install(*namespaces: ModuleType) -> None:
    """Wrap the dispatching functions wherever they appear in `namespaces`."""
    wrapped: dict[int, Any] = {}

    def wrap(name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        for ns in namespaces:
            fn = getattr(ns, name, None)
            if fn is None or not callable(fn):
                continue
            if id(fn) not in wrapped:
                wrapped[id(fn)] = make(fn)
            setattr(ns, name, wrapped[id(fn)])

    for name in UNARY:
        wrap(name, _unary)
    for name in BINARY:
        wrap(name, _binary)
    for name, kind in REDUCTIONS.items():
        wrap(name, functools.partial(_reduction_of, kind))
    wrap("concat", _concat)
    wrap("stack", _stack)
    wrap("gather", _gather)

"""`tf.__internal__.smart_cond`: a Python `if` for static predicates, `tf.cond` otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["smart_cond"]


def smart_cond(
    pred: Any,
    true_fn: Callable[[], Any] | None = None,
    false_fn: Callable[[], Any] | None = None,
    name: Any = None,
) -> Any:
    """Call `true_fn()` or `false_fn()` when `pred` is known now, else `tf.cond`."""
    from tfcompat._api.control_flow import cond
    from tfcompat._api.framework_ops import get_static_value
    from tfcompat._core.tensor import Tensor
    from tfcompat._core.variable import Variable

    if not callable(true_fn):
        raise TypeError(f"`true_fn` must be callable. Received: true_fn={true_fn}")
    if not callable(false_fn):
        raise TypeError(f"`false_fn` must be callable. Received: false_fn={false_fn}")
    if isinstance(pred, (Tensor, Variable)):
        static = get_static_value(pred)
        if static is None:
            return cond(pred, true_fn, false_fn, name=name)
        pred = bool(static)
    elif not isinstance(pred, (bool, int)):
        raise TypeError(
            f"`pred` must be a Tensor, or a Python bool, or 1 or 0. Found instead: {type(pred)}"
        )
    return true_fn() if pred else false_fn()

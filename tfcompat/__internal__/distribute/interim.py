"""`tf.__internal__.distribute.interim`: `maybe_merge_call`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["maybe_merge_call"]


def maybe_merge_call(fn: Callable[..., Any], strategy: Any, *args: Any, **kwargs: Any) -> Any:
    """Call `fn(strategy, *args, **kwargs)`, through `merge_call` in replica context."""
    from tfcompat import distribute

    ctx = distribute.get_replica_context()
    if ctx is None or not distribute.has_strategy():
        return fn(strategy, *args, **kwargs)
    return ctx.merge_call(fn, args=args, kwargs=kwargs)

"""`tf.__internal__.decorator`: unwrapping decorated functions."""

from __future__ import annotations

from typing import Any

__all__ = ["unwrap"]


def unwrap(maybe_tf_decorator: Any) -> tuple[list[Any], Any]:
    """Return (the decorators, the innermost target) of a `functools.wraps` chain."""
    decorators = []
    cur = maybe_tf_decorator
    while hasattr(cur, "__wrapped__"):
        decorators.append(cur)
        cur = cur.__wrapped__
    return decorators, cur

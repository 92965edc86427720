"""Pending variable updates: variables whose new value is a pending tensor.

`v.assign_sub(lr * g)` stores the pending result (`assign_lazy`); the next
materialization computes it together with whatever else is pending
(`values.materialize_many`), so a training step runs as one program.
"""

from __future__ import annotations

import threading
from typing import Any

from tfcompat._core.tensor import Tensor

# Variable handles whose value is a pending tensor, by handle uid.
_PENDING: dict[int, Any] = {}
_FLUSH_LOCK = threading.RLock()


_ALL = object()  # materialize_many(flush=_ALL): every thread's pending updates


def assign_lazy(handle: Any, value: Tensor) -> None:
    """Store `value` in `handle`; a pending value stays pending until the next read."""
    if value._value is not None:
        handle.value = value._value
        return
    with _FLUSH_LOCK:
        handle.set_pending(value)
        handle.owner = threading.get_ident()
        _PENDING[handle.uid] = handle

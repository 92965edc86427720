"""`tensorflow.python.framework.config`: runtime settings libraries query."""

from __future__ import annotations

__all__ = ["is_op_determinism_enabled"]


def is_op_determinism_enabled() -> bool:
    """Whether TF's op determinism is on (tfcompat: False; XLA programs are deterministic
    on the CPU either way)."""
    return False

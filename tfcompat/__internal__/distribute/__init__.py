"""`tf.__internal__.distribute`: helpers of the strategy API."""

from __future__ import annotations

from tfcompat.__internal__.distribute import interim

__all__ = ["interim", "strategy_supports_no_merge_call"]


def strategy_supports_no_merge_call() -> bool:
    """Whether the current strategy can update variables without `merge_call` (True here)."""
    return True

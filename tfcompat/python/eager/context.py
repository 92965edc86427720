"""`tensorflow.python.eager.context`: the eager context.

tfcompat has one eager context per process; its methods are the ones libraries call.
"""

from __future__ import annotations

from tfcompat._api.framework_ops import executing_eagerly

__all__ = ["Context", "async_wait", "context", "executing_eagerly"]


class Context:
    """The process's eager context."""

    def executing_eagerly(self) -> bool:
        return executing_eagerly()

    def clear_kernel_cache(self) -> None:
        """Drop compiled kernels (tfcompat: every compiled program)."""
        from tfcompat._tape import engine

        engine.clear_caches()

    def async_wait(self) -> None:
        async_wait()


_context = Context()


def context() -> Context:
    """The process's eager context."""
    return _context


def async_wait() -> None:
    """Wait until every pending operation has run (tfcompat: pending variable updates)."""
    from tfcompat._tape import engine

    engine.flush_variables()

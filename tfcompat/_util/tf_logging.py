"""The "tensorflow" logger, configured as TF's `tf.get_logger()` configures it.

TF logs its Python warnings (e.g. "Calling GradientTape.gradient on a persistent tape
inside its context ...") through `logging.getLogger("tensorflow")` and, unless the root
logger is already configured, gives it a stream handler printing
`WARNING:tensorflow:<text>` (to stdout at INFO level in interactive sessions). tfcompat
logs the same messages the same way, so a script prints what it prints under TF, and
pytest's `caplog` sees them.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["get_logger", "log_first_n"]

_configured: list[logging.Logger] = []
_counts: dict[str, int] = {}


def get_logger() -> logging.Logger:
    """The "tensorflow" logger, with TF's handler when nothing else is configured."""
    if _configured:
        return _configured[0]
    logger = logging.getLogger("tensorflow")
    if not logging.getLogger().handlers and not logger.handlers:
        interactive = hasattr(sys, "ps1") or bool(sys.flags.interactive)
        if interactive:
            logger.setLevel(logging.INFO)
        handler = logging.StreamHandler(sys.stdout if interactive else sys.stderr)
        handler.setFormatter(logging.Formatter(logging.BASIC_FORMAT, None))
        logger.addHandler(handler)
    _configured.append(logger)
    return logger


def log_first_n(key: str, n: int, message: str, *args: object) -> None:
    """TF's `log_first_n(WARN, ...)`: log `message` at most `n` times per process."""
    count = _counts.get(key, 0)
    if count < n:
        _counts[key] = count + 1
        get_logger().warning(message, *args)

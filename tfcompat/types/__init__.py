"""tfcompat implementation of `tf.types`."""

from tfcompat.types import experimental

__all__ = ["experimental"]

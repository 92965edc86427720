"""tfcompat implementation of `tf.autograph.experimental`."""

from __future__ import annotations

from tfcompat.autograph._conversion import do_not_convert

__all__ = ["do_not_convert"]

"""`tensorflow.python.types.core`: the abstract tensor type."""

from tfcompat._core.types import Tensor

__all__ = ["Tensor"]

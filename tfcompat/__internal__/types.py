"""`tf.__internal__.types`: `Tensor`, the class every TF tensor type is an instance of."""

from tfcompat._core.types import Tensor

__all__ = ["Tensor"]

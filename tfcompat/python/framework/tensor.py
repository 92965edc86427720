"""`tensorflow.python.framework.tensor`: the tensor class."""

from tfcompat._core.tensor import Tensor

__all__ = ["Tensor"]

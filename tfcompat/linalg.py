"""`tf.linalg`: re-exports only."""

from tfcompat._api.math_ops import matmul

__all__ = ["matmul"]

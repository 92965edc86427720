"""`tf.linalg`: re-exports only."""

from tfcompat._api.array_ops import einsum, eye, global_norm, tensordot
from tfcompat._api.math_ops import matmul
from tfcompat._api.nn_ops import l2_normalize

__all__ = ["einsum", "eye", "global_norm", "l2_normalize", "matmul", "tensordot"]

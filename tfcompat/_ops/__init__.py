"""Raw ops; importing this package registers every op family."""

from tfcompat._ops import array_ops, linalg_ops, math_ops, nn_ops, random_ops  # noqa: F401

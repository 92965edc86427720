"""`tf.nn`: re-exports only."""

from tfcompat._api.nn_ops import relu, sigmoid, softmax

__all__ = ["relu", "sigmoid", "softmax"]

"""`tf.random`: re-exports only."""

from tfcompat._api.random_ops import normal, set_seed, uniform

__all__ = ["normal", "set_seed", "uniform"]

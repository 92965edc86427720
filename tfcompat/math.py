"""`tf.math`: re-exports only."""

from tfcompat._api.math_ops import *  # noqa: F403
from tfcompat._api.math_ops import __all__  # noqa: F401

"""`tensorflow.python.ops.math_ops`: the math ops libraries import from TF's private path."""

from tfcompat._api.math_ops import is_nan

__all__ = ["is_nan"]

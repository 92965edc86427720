"""`tf.autodiff`: re-exports only."""

from tfcompat._tape.tape import GradientTape

__all__ = ["GradientTape"]

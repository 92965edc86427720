"""`tf.autodiff`: re-exports only."""

from tfcompat._tape.forward import ForwardAccumulator
from tfcompat._tape.tape import GradientTape

__all__ = ["ForwardAccumulator", "GradientTape"]

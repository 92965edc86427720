"""Moved to `tfcompat._engine.deps` (the engine's gradient plans use it); re-exported for
code that imports it from here."""

from tfcompat._engine.deps import differentiable_inputs, jaxpr_deps

__all__ = ["differentiable_inputs", "jaxpr_deps"]

"""Compatibility shim: `Variable` lives in `tfcompat._engine.variable`.

Its updates are lazy engine operations, so it sits above the engine (docs/design.md,
"The engine's modules"). This module only re-exports it for existing imports; new code
imports `tfcompat._engine.variable`. tests/test_layering.py lists it as a shim and checks
that no module below the engine imports it.
"""

from tfcompat._engine.variable import (
    BaseResourceVariable,
    ResourceVariable,
    Variable,
    VariableAggregation,
    VariableSynchronization,
    _Handle,
)

__all__ = [
    "BaseResourceVariable",
    "ResourceVariable",
    "Variable",
    "VariableAggregation",
    "VariableSynchronization",
    "_Handle",
]

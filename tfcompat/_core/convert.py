"""Compatibility shim: `convert_to_tensor` lives in `tfcompat._engine.convert`.

It builds tensors by running ops, so it sits above the engine (docs/design.md, "The
engine's modules"). This module only re-exports it for existing imports; new code imports
`tfcompat._engine.convert`. tests/test_layering.py lists it as a shim and checks that no
module below the engine imports it.
"""

from tfcompat._engine.convert import (
    constant,
    convert_to_tensor,
    convert_with_hint,
    from_array,
    scalar_to_tensor,
)

__all__ = ["constant", "convert_to_tensor", "convert_with_hint", "from_array", "scalar_to_tensor"]

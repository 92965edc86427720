"""The execution engine of tfcompat (see docs/design.md, "The engine's modules").

Submodules are imported explicitly (`from tfcompat._engine import dispatch`); this
package itself imports nothing, so that any layer may import a submodule without
pulling in the layers above it.
"""

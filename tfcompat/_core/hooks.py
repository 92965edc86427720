"""Named hooks: how a lower layer calls a function that a higher layer defines.

Imports point down (tests/test_layering.py), so a tensor cannot import the engine that
computes its value. Instead the higher layer registers the function here, by name, when
it is imported, and the lower layer calls `HOOKS.<name>`. Each name is listed below
with the layer that registers it; registering an unknown name raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["HOOKS", "register"]


class Hooks:
    """The registered functions (None until registered)."""

    __slots__ = (
        "composite_flatten",
        "composite_pack",
        "empty_dataset",
        "graph_name",
        "leaked_tensor_error",
        "materialize",
        "rebuild",
        "sparse_gradients",
    )

    def __init__(self) -> None:
        # tfcompat._engine.values: computes a pending tensor's value (`Tensor.numpy()`).
        self.materialize: Callable[[Any], Any] | None = None
        # tfcompat._engine.convert: `convert_to_tensor`, to unpickle tensors as TF does.
        self.rebuild: Callable[[Any], Any] | None = None
        # tfcompat._function: names symbolic tensors as TF's graphs do ("x:0", "mul_1:0").
        self.graph_name: Callable[[Any], str] | None = None
        # tfcompat._leaks: TF's "out of scope" TypeError for a tensor leaked out of a
        # trace, from the inputs of the op that used it and JAX's error.
        self.leaked_tensor_error: Callable[[Any, BaseException], BaseException] | None = None
        # tfcompat._api.indexed_slices: a gradient request's gradients when TF returns
        # tf.IndexedSlices for some sources (gathers of them on axis 0), else None.
        self.sparse_gradients: Callable[[Any], Any] | None = None
        # tfcompat._composite.base: `tf.nest.flatten` / `pack_sequence_as` with
        # expand_composites=True (no composite exists before that module is imported).
        self.composite_flatten: Callable[[Any], list[Any]] | None = None
        self.composite_pack: Callable[[Any, Any], Any] | None = None
        # tfcompat.data._dataset: an empty dataset of a given element spec (a placeholder
        # for a dataset-valued input when a function's output spec is probed).
        self.empty_dataset: Callable[[Any], Any] | None = None


HOOKS = Hooks()


def register(name: str, fn: Callable[..., Any]) -> None:
    """Register `fn` as hook `name` (one of `Hooks.__slots__`), replacing any before."""
    if name not in Hooks.__slots__:
        raise ValueError(f"unknown hook {name!r}; known: {', '.join(Hooks.__slots__)}")
    setattr(HOOKS, name, fn)

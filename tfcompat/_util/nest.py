"""Minimal `tf.nest`: flatten nested lists/tuples/dicts/namedtuples and rebuild them.

Dicts flatten in sorted-key order and are rebuilt with their original key order, as TF.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tfcompat._core.hooks import HOOKS

__all__ = ["flatten", "is_nested", "map_structure", "pack_sequence_as"]


def is_nested(x: Any) -> bool:
    return isinstance(x, (list, tuple, Mapping))


def _sorted_keys(d: Mapping[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _is_nested_fast(x: Any) -> bool:
    t = type(x)
    if t is list or t is tuple or t is dict:
        return True
    return isinstance(x, (list, tuple, Mapping))


def flatten(structure: Any, expand_composites: bool = False) -> list[Any]:
    """tfcompat implementation of `tf.nest.flatten`."""
    if expand_composites and HOOKS.composite_flatten is not None:
        return HOOKS.composite_flatten(structure)
    if not _is_nested_fast(structure):
        return [structure]
    if (type(structure) is list or type(structure) is tuple) and not any(
        map(_is_nested_fast, structure)
    ):
        return list(structure)
    out: list[Any] = []
    stack = [structure]
    while stack:
        x = stack.pop()
        if isinstance(x, Mapping):
            stack.extend(x[k] for k in reversed(_sorted_keys(x)))
        elif isinstance(x, (list, tuple)):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def _pack(structure: Any, it: Any) -> Any:
    if isinstance(structure, Mapping):
        packed = {k: _pack(structure[k], it) for k in _sorted_keys(structure)}
        if type(structure) is dict:
            return {k: packed[k] for k in structure}
        return type(structure)([(k, packed[k]) for k in structure])  # type: ignore[call-arg]
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*[_pack(s, it) for s in structure])
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack(s, it) for s in structure)
    return next(it)


def pack_sequence_as(structure: Any, flat_sequence: Any, expand_composites: bool = False) -> Any:
    """tfcompat implementation of `tf.nest.pack_sequence_as`."""
    if expand_composites and HOOKS.composite_pack is not None:
        return HOOKS.composite_pack(structure, flat_sequence)
    flat = list(flat_sequence)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(
            f"Could not pack sequence. Structure had {n} atoms, but flat_sequence had "
            f"{len(flat)} items. Structure: {structure}, flat_sequence: {flat}."
        )
    if not is_nested(structure):
        return flat[0]
    if type(structure) is list and n == len(structure) and not any(map(_is_nested_fast, structure)):
        return flat
    return _pack(structure, iter(flat))


def map_structure(func: Any, *structure: Any, **kwargs: Any) -> Any:
    """tfcompat implementation of `tf.nest.map_structure`."""
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*xs) for xs in zip(*flats, strict=True)])

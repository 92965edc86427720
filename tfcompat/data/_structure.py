"""Element structures of `tf.data`: nesting, `tf.TensorSpec`s and host arrays.

tf.data nests differently from `tf.nest`: tuples (and namedtuples) and dicts are
structure, while a *list* is a value (`from_tensor_slices([[1, 2], [3, 4]])` slices one
int32 tensor). Inside a pipeline an element is a flat tuple of arrays (NumPy arrays, or
`jax.Array`s produced by a compiled function); dicts flatten in sorted-key order as TF.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tfcompat._composite.base import CompositeTensor
from tfcompat._core import dtypes
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._function import TensorSpec

__all__ = [
    "CompositeTensor",
    "DatasetSpec",
    "array_of",
    "flatten",
    "is_structure",
    "make_packer",
    "map_specs",
    "pack",
    "spec_of_array",
    "to_numpy",
    "to_tensor",
]


def is_structure(x: Any) -> bool:
    """Whether tf.data treats `x` as a structure (tuple, namedtuple, mapping)."""
    return isinstance(x, (tuple, Mapping))


def _sorted_keys(d: Mapping[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def flatten(structure: Any) -> list[Any]:
    """The leaves of a tf.data structure, dicts in sorted-key order."""
    if isinstance(structure, Mapping):
        out: list[Any] = []
        for k in _sorted_keys(structure):
            out.extend(flatten(structure[k]))
        return out
    if isinstance(structure, tuple):
        out = []
        for x in structure:
            out.extend(flatten(x))
        return out
    return [structure]


def _pack(structure: Any, it: Any) -> Any:
    if isinstance(structure, Mapping):
        packed = {k: _pack(structure[k], it) for k in _sorted_keys(structure)}
        if type(structure) is dict:
            return {k: packed[k] for k in structure}
        return type(structure)([(k, packed[k]) for k in structure])  # type: ignore[call-arg]
    if isinstance(structure, tuple):
        items = [_pack(s, it) for s in structure]
        if hasattr(structure, "_fields"):
            return type(structure)(*items)
        return type(structure)(items)
    return next(it)


def pack(structure: Any, flat: Any) -> Any:
    """Rebuild `structure` with the leaves `flat` (in `flatten` order)."""
    return _pack(structure, iter(flat))


def map_specs(fn: Callable[[Any], Any], structure: Any) -> Any:
    """`structure` with each leaf replaced by `fn(leaf)`."""
    return pack(structure, [fn(x) for x in flatten(structure)])


def make_packer(structure: Any) -> Callable[[Any], Any]:
    """A fast `flat -> element` function for one structure (the iteration hot path)."""
    if not is_structure(structure):
        return lambda flat: flat[0]
    if type(structure) is tuple and not any(is_structure(s) for s in structure):
        return tuple
    return lambda flat: _pack(structure, iter(flat))


# -- values -------------------------------------------------------------------------------


def to_tensor(value: Any) -> Any:
    """A tfcompat tensor for one leaf given to a tf.data source (TF's conversion rules)."""
    if isinstance(value, (Tensor, CompositeTensor)):
        return value
    return convert_to_tensor(value)


def array_of(t: Tensor) -> Any:
    """The array inside a tensor: a NumPy object array for strings, else its value (a
    composite tensor is carried as itself)."""
    if isinstance(t, CompositeTensor):
        return t
    if t._dtype is dtypes.string:
        return t._value
    return t._array()


def to_numpy(value: Any) -> np.ndarray:
    """A host array of a tensor leaf (strings as object arrays of bytes)."""
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(value)


def spec_of_array(arr: Any, dtype: DType | None = None) -> Any:
    if isinstance(arr, CompositeTensor):
        return arr._type_spec
    d = dtype if dtype is not None else dtypes.from_numpy(np.dtype(arr.dtype))
    return TensorSpec(tuple(arr.shape), d)


class DatasetSpec:
    """tfcompat implementation of `tf.data.DatasetSpec`: the spec of a dataset-valued
    element component (the windows of `Dataset.window`)."""

    def __init__(self, element_spec: Any, dataset_shape: Any = ()) -> None:
        self._element_spec = element_spec
        self._dataset_shape = TensorShape(dataset_shape)

    @property
    def element_spec(self) -> Any:
        return self._element_spec

    def __repr__(self) -> str:
        return f"DatasetSpec({self._element_spec!r}, {self._dataset_shape!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DatasetSpec)
            and self._element_spec == other._element_spec
            and repr(self._dataset_shape) == repr(other._dataset_shape)
        )

    def __hash__(self) -> int:
        return hash(repr(self))


DatasetSpec.__module__ = "tensorflow.python.data.ops.dataset_ops"


def leaf_wrapper(spec: Any) -> Callable[[Any], Any]:
    """`array -> value the user sees` for one component (a dataset passes through)."""
    if isinstance(spec, DatasetSpec) or _is_object_spec(spec):
        return lambda x: x
    dtype = spec.dtype
    return lambda arr: wrap(arr, dtype)


def _is_object_spec(spec: Any) -> bool:
    from tfcompat.data._composites import is_object_spec

    return is_object_spec(spec)


def wrap(arr: Any, dtype: DType) -> EagerTensor:
    """A tfcompat tensor holding `arr` (no copy)."""
    if type(arr) is not np.ndarray and isinstance(arr, np.generic):
        arr = np.asarray(arr)
    return EagerTensor(arr, tuple(arr.shape), dtype)


def shape_dims(shape: TensorShape) -> tuple[int | None, ...] | None:
    """A TensorShape as a tuple of dims (None for unknown), or None for unknown rank."""
    if shape.rank is None:
        return None
    return tuple(shape.as_list())


def most_specific_compatible(a: Any, b: Any) -> Any:
    """The spec both `a` and `b` fit (dims that differ become None), None if the dtypes
    differ."""
    if a.dtype is not b.dtype:
        return None
    if type(a) is not type(b):
        return None
    if not isinstance(a, TensorSpec):  # a composite spec: relax its shape
        from tfcompat.data._composites import with_shape

        merged = most_specific_compatible(
            TensorSpec(a.shape, a.dtype), TensorSpec(b.shape, b.dtype)
        )
        return with_shape(a, merged.shape if merged is not None else None)
    da, db = shape_dims(a.shape), shape_dims(b.shape)
    if da is None or db is None or len(da) != len(db):
        return TensorSpec(None, a.dtype)
    return TensorSpec([x if x == y else None for x, y in zip(da, db, strict=True)], a.dtype)

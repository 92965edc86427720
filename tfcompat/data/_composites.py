"""Composite tensors (`tf.RaggedTensor`, `tf.SparseTensor`) as tf.data element components.

Inside a pipeline a dense component is a host array. A composite component is carried
as the tfcompat object itself (its component tensors stay on the host), except a
`RaggedTensorSpec` of ragged rank 0 - a slice of a ragged tensor with one ragged
dimension - whose values are dense arrays of varying shape, as TF hands them out.

Batching, unbatching and slicing work on the host with NumPy: a batch of ragged values
concatenates their flat values and row splits (offset) under a new outer partition, a
batch of sparse values prefixes the batch index to their indices.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfcompat._composite.ragged import RaggedTensor, RaggedTensorSpec
from tfcompat._composite.sparse import SparseTensor, SparseTensorSpec
from tfcompat._core import dtypes
from tfcompat._core.convert import constant
from tfcompat._core.tensor import EagerTensor, Tensor

__all__ = [
    "batch_value",
    "batched_spec",
    "is_composite",
    "is_object_spec",
    "slices",
    "spec_of_value",
    "unbatched_spec",
]


def is_composite(spec: Any) -> bool:
    """Whether a tf.data component spec is a composite one."""
    return isinstance(spec, (RaggedTensorSpec, SparseTensorSpec))


def is_object_spec(spec: Any) -> bool:
    """Whether the component is carried as a tfcompat object (not a host array)."""
    return isinstance(spec, SparseTensorSpec) or (
        isinstance(spec, RaggedTensorSpec) and spec._ragged_rank > 0
    )


def spec_of_value(value: Any) -> Any:
    if isinstance(value, (RaggedTensor, SparseTensor)):
        return value._type_spec
    raise TypeError(f"not a composite tensor: {type(value).__name__}")


def batched_spec(spec: Any, lead: int | None) -> Any:
    dims = [] if spec.shape.rank is None else spec.shape.as_list()
    if isinstance(spec, SparseTensorSpec):
        return SparseTensorSpec([lead, *dims] if spec.shape.rank is not None else None, spec.dtype)
    return RaggedTensorSpec(
        [lead, *dims] if spec.shape.rank is not None else None,
        spec.dtype,
        spec._ragged_rank + 1,
        spec._row_splits_dtype,
    )


def unbatched_spec(spec: Any) -> Any:
    dims = None if spec.shape.rank is None else spec.shape.as_list()
    if dims is not None and not dims:
        raise ValueError("Unbatching a dataset is only supported for rank >= 1")
    rest = None if dims is None else dims[1:]
    if isinstance(spec, SparseTensorSpec):
        return SparseTensorSpec(rest, spec.dtype)
    if spec._ragged_rank == 0:
        raise ValueError("Unbatching a dataset is only supported for rank >= 1")
    return RaggedTensorSpec(rest, spec.dtype, spec._ragged_rank - 1, spec._row_splits_dtype)


def with_shape(spec: Any, shape: Any) -> Any:
    """`spec` with another shape (same dtype, ragged rank and row splits dtype)."""
    if isinstance(spec, SparseTensorSpec):
        return SparseTensorSpec(shape, spec.dtype)
    return RaggedTensorSpec(shape, spec.dtype, spec._ragged_rank, spec._row_splits_dtype)


def placeholder(spec: Any, size: int, fill: int) -> Any:
    """A value of `spec` whose unknown dims are `size` (for probing a function's output
    spec), filled with `fill` (empty strings for strings)."""
    if spec.shape.rank is None:
        raise ValueError("unknown rank")
    dims = [size if d is None else d for d in spec.shape.as_list()]
    if spec.dtype is dtypes.string:
        arr = np.full(dims, (b"", b"0 1/2,3")[fill], dtype=object)
    else:
        arr = np.full(dims, fill, dtype=spec.dtype.as_numpy_dtype)
    if isinstance(spec, SparseTensorSpec):
        return dense_to_sparse(arr, dims, spec.dtype)
    if spec._ragged_rank == 0:
        return arr
    return to_ragged(arr, spec)


def _host(t: Any) -> np.ndarray:
    if isinstance(t, np.ndarray):
        return t
    if isinstance(t, Tensor):
        return np.asarray(t._value) if t._dtype is dtypes.string else np.asarray(t._array())
    return np.asarray(t)


def _tensor(arr: np.ndarray, dtype: Any) -> Tensor:
    if dtype is dtypes.string:
        return EagerTensor(arr, tuple(arr.shape), dtypes.string)
    return constant(arr, dtype)


def slices(value: Any) -> tuple[list[Any], Any]:
    """The rows of a composite value along its first axis (as pipeline components), and
    the spec of one row."""
    spec = unbatched_spec(value._type_spec)
    if isinstance(value, SparseTensor):
        ind, vals = _host(value.indices), _host(value.values)
        shape = _host(value.dense_shape)
        rows = []
        for i in range(int(shape[0])):
            mask = ind[:, 0] == i
            rows.append(
                SparseTensor(
                    constant(ind[mask, 1:]),
                    _tensor(vals[mask], value.dtype),
                    constant(shape[1:]),
                )
            )
        return rows, spec
    nrows = int(_host(value.row_splits).shape[0]) - 1
    if value.ragged_rank == 1:
        flat = _host(value.values)
        splits = _host(value.row_splits)
        return [flat[splits[i] : splits[i + 1]] for i in range(nrows)], spec
    return [value[i] for i in range(nrows)], spec


def _ragged_parts(v: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    if isinstance(v, RaggedTensor):
        return _host(v.flat_values), [_host(s) for s in v.nested_row_splits]
    return _host(v), []


def batch_value(values: list[Any], spec: Any) -> Any:
    """One batched composite from its elements (`spec` is the batched spec)."""
    if isinstance(spec, SparseTensorSpec):
        return _batch_sparse(values, spec)
    return _batch_ragged(values, spec)


def _batch_ragged(values: list[Any], spec: RaggedTensorSpec) -> RaggedTensor:
    sdt = spec._row_splits_dtype.as_numpy_dtype
    parts = [_ragged_parts(v) for v in values]
    nrows = [len(s[0]) - 1 if s else p.shape[0] for p, s in parts]
    levels = [np.concatenate([[0], np.cumsum(nrows)]).astype(sdt)]
    for lvl in range(spec._ragged_rank - 1):
        chunks, offset = [np.zeros(1, sdt)], 0
        for _, s in parts:
            sp = s[lvl].astype(sdt)
            chunks.append(sp[1:] + offset)
            offset += int(sp[-1])
        levels.append(np.concatenate(chunks))
    dims = spec.shape.as_list() if spec.shape.rank is not None else None
    flats = [p for p, _ in parts]
    if flats:
        flat = np.concatenate(flats)
    else:
        inner = dims[spec._ragged_rank + 1 :] if dims is not None else []
        flat = np.zeros([0, *[d or 0 for d in inner]], spec.dtype.as_numpy_dtype)
    if spec.dtype is dtypes.string:
        flat = flat.astype(object)
    out = RaggedTensor.from_nested_row_splits(
        _tensor(flat, spec.dtype), [constant(x) for x in levels], validate=False
    )
    if dims is not None:  # static row lengths the spec knows (e.g. a map's [1, None] rows)
        node: Any = out
        for d in dims[1 : spec._ragged_rank + 1]:
            node._uniform = d
            node = node.values
    return out


def _batch_sparse(values: list[Any], spec: SparseTensorSpec) -> SparseTensor:
    inds, vals, shapes = [], [], []
    for i, v in enumerate(values):
        ind = _host(v.indices)
        inds.append(np.concatenate([np.full((ind.shape[0], 1), i, np.int64), ind], axis=1))
        vals.append(_host(v.values))
        shapes.append(_host(v.dense_shape))
    rank = spec.shape.rank if spec.shape.rank is not None else len(shapes[0]) + 1
    dense = np.max(np.stack(shapes), axis=0) if shapes else np.zeros(rank - 1, np.int64)
    flat = np.concatenate(vals) if vals else np.zeros(0, spec.dtype.as_numpy_dtype)
    if spec.dtype is dtypes.string:
        flat = flat.astype(object)
    return SparseTensor(
        constant(np.concatenate(inds).reshape(-1, rank).astype(np.int64)),
        _tensor(flat, spec.dtype),
        constant(np.concatenate([[len(values)], dense]).astype(np.int64)),
    )


def unbatch_value(value: Any, spec: Any) -> list[Any]:
    """The rows of one batched composite component."""
    return slices(value)[0]


def ragged_spec_for(spec: Any, row_splits_dtype: Any) -> Any:
    """TF's `ragged_batch` conversion: a dense spec with unknown dims becomes ragged."""
    if not hasattr(spec, "shape") or is_composite(spec) or spec.shape.rank is None:
        return spec
    dims = spec.shape.as_list()
    if all(d is not None for d in dims):
        return spec
    ragged_rank = max(i for i, d in enumerate(dims) if d is None)
    return RaggedTensorSpec(dims, spec.dtype, ragged_rank, row_splits_dtype)


def to_ragged(arr: Any, spec: RaggedTensorSpec) -> Any:
    """A dense component as a value of `spec` (ragged rank 0: the array itself)."""
    if spec._ragged_rank == 0:
        return arr
    a = _host(arr)
    t = _tensor(a, spec.dtype)
    return RaggedTensor.from_tensor(
        t, ragged_rank=spec._ragged_rank, row_splits_dtype=spec._row_splits_dtype
    )


def dense_to_sparse(arr: Any, row_shape: list[int], dtype: Any) -> SparseTensor:
    """`sparse_batch`'s conversion of one dense element: every entry becomes a value."""
    a = _host(arr)
    if a.ndim != len(row_shape):
        raise ValueError(
            f"Input element rank {a.ndim} does not match the rank of row_shape {len(row_shape)}."
        )
    idx = np.indices(a.shape).reshape(a.ndim, -1).T.astype(np.int64)
    return SparseTensor(
        constant(idx.reshape(-1, a.ndim)),
        _tensor(a.reshape(-1), dtype),
        constant(np.asarray(row_shape, np.int64)),
    )

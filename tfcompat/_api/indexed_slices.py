"""`tf.IndexedSlices` and TF's sparse gradients of gathers.

TF's gradient of `tf.gather(params, indices)` (axis 0, no batch dims) w.r.t. `params` is
an `IndexedSlices`: the upstream gradient of each gathered row (`values`) and its row
number (`indices`), duplicates kept; densifying it sums the duplicates. When every
differentiable use of a source is such a gather, `tape.gradient` returns one
`IndexedSlices` for it (the gathers' slices concatenated); any other use makes it dense.

`sparse_gradients` is the post-processing step the tape calls (`tape.sparse_gradients`):
it swaps such a source for the outputs of its gathers, lets the engine compute their
cotangents in the same single gradient program, and assembles the IndexedSlices.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from tfcompat._composite.base import CompositeTensor, TypeSpec, register_pytree
from tfcompat._core import dtypes, hooks
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape, as_shape
from tfcompat._tape import engine

__all__ = ["IndexedSlices", "IndexedSlicesSpec", "note_gather", "sparse_gradients"]


class IndexedSlices(CompositeTensor):
    """tfcompat implementation of `tf.IndexedSlices`: a sparse slice-wise tensor.

    `values[i]` is the slice `indices[i]` of a dense tensor of shape `dense_shape`;
    repeated indices add up when densified (`tf.convert_to_tensor(slices)`).
    """

    _tfcompat_is_tensor_like = True

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None) -> None:
        self._values = convert_to_tensor(values)
        self._indices = convert_to_tensor(indices)
        self._dense_shape = None if dense_shape is None else convert_to_tensor(dense_shape)

    @property
    def values(self) -> Tensor:
        """The slices, one per index."""
        return self._values

    @property
    def indices(self) -> Tensor:
        """The row of the dense tensor each slice belongs to."""
        return self._indices

    @property
    def dense_shape(self) -> Tensor | None:
        """The shape of the dense tensor (an int32 Tensor), or None."""
        return self._dense_shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        if self._dense_shape is None:
            return TensorShape([None, *self._values._shape[1:]])
        return TensorShape([int(d) for d in np.asarray(self._dense_shape.numpy()).reshape(-1)])

    @property
    def device(self) -> str:
        return self._values.device

    @property
    def _type_spec(self) -> IndexedSlicesSpec:
        ds = None if self._dense_shape is None else self._dense_shape.dtype
        shape = TensorShape([None, *self._values._shape[1:]])
        if self._dense_shape is not None and _is_concrete(self._dense_shape):
            shape = self.shape
        return IndexedSlicesSpec(
            shape, self.dtype, self._indices.dtype, ds, TensorShape(self._indices._shape)
        )

    def _tfcompat_dense(self) -> Tensor:
        """The dense tensor (duplicates summed), as TF's `_indexed_slices_to_tensor`."""
        if self._dense_shape is None:
            raise ValueError(
                f"Tensor conversion requested for IndexedSlices without dense_shape: {self!s}"
            )
        n = int(np.asarray(self._dense_shape.numpy()).reshape(-1)[0])
        return engine.execute(
            "UnsortedSegmentSum", (self._values, self._indices), (("num_segments", n),)
        )

    def __neg__(self) -> IndexedSlices:
        return IndexedSlices(
            engine.execute("Neg", (self._values,)), self._indices, self._dense_shape
        )

    def __str__(self) -> str:
        shape = "" if self._dense_shape is None else f", dense_shape={self._dense_shape!s}"
        return f"IndexedSlices(indices={self._indices!s}, values={self._values!s}{shape})"


IndexedSlices.__module__ = "tensorflow.python.framework.indexed_slices"


class IndexedSlicesSpec(TypeSpec):
    """tfcompat implementation of `tf.IndexedSlicesSpec`."""

    __slots__ = ("_dense_shape_dtype", "_dtype", "_indices_dtype", "_indices_shape", "_shape")

    def __init__(
        self,
        shape: Any = None,
        dtype: Any = dtypes.float32,
        indices_dtype: Any = dtypes.int64,
        dense_shape_dtype: Any = None,
        indices_shape: Any = None,
    ) -> None:
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._indices_dtype = dtypes.as_dtype(indices_dtype)
        self._dense_shape_dtype = (
            None if dense_shape_dtype is None else dtypes.as_dtype(dense_shape_dtype)
        )
        self._indices_shape = as_shape(indices_shape).with_rank(1)

    @property
    def value_type(self) -> type:
        return IndexedSlices

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    def _serialize(self) -> tuple[Any, ...]:
        return (
            self._shape,
            self._dtype,
            self._indices_dtype,
            self._dense_shape_dtype,
            self._indices_shape,
        )

    def __hash__(self) -> int:
        return hash(("IndexedSlicesSpec", repr(self._serialize())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexedSlicesSpec) and repr(self) == repr(other)

    @property
    def _component_specs(self) -> list[Any]:
        return [None, None] + ([] if self._dense_shape_dtype is None else [None])

    def _to_components(self, value: Any) -> list[Any]:
        parts = [value.values, value.indices]
        return parts if value.dense_shape is None else [*parts, value.dense_shape]

    def _from_components(self, components: list[Any]) -> IndexedSlices:
        parts = [convert_to_tensor(c) if isinstance(c, Tensor) else _wrap(c) for c in components]
        return IndexedSlices(*parts)


IndexedSlicesSpec.__module__ = "tensorflow.python.framework.indexed_slices"


def _wrap(x: Any) -> Tensor:
    return EagerTensor(x, tuple(x.shape), dtypes.as_dtype(np.dtype(x.dtype)))


def note_gather(out: Tensor) -> Tensor:
    """Remember that the tapes recording `out` (a GatherV2 output) may need sparse gradients."""
    node = out._node
    if node is not None:
        for tape in node.tapes:
            # Only such tapes' gradients can be IndexedSlices: every other `gradient()`
            # call skips the walk of `sparse_gradients`.
            tape.gathers = True
    return out


def _is_row_gather(node: Any, pos: int) -> bool:
    """TF's _GatherV2Grad (axis 0, no batch dims) and _GatherNdGrad (indices [N, 1])."""
    if pos != 0:
        return False
    if node.op.name == "GatherV2":
        return dict(node.attrs) == {"axis": 0, "batch_dims": 0}
    if node.op.name == "GatherNd":
        shape = node.inputs[1]._shape
        return dict(node.attrs) == {"batch_dims": 0} and len(shape) == 2 and shape[-1] == 1
    return False


def sparse_gradients(req: Any) -> list[Any] | None:
    """The gradients of `req`, with IndexedSlices where TF returns them; None if there are none.

    A source gets an IndexedSlices when all of its differentiable uses on the tape are
    row gathers (`GatherV2`, axis 0, no batch dims) of it as `params`.
    """
    tape = req.tape
    if not tape.gathers:
        return None
    target_ids = frozenset(id(t) for t in req.targets)
    w = engine.walk(req.targets, tape, target_ids)
    uses: dict[int, list[tuple[Any, int]]] = {}
    for node in w.nodes:
        if tape in node.tapes and node.op.differentiable:
            for pos, inp in enumerate(node.inputs):
                uses.setdefault(id(inp), []).append((node, pos))
    gathers: dict[int, list[Any]] = {}
    for i, src in enumerate(req.sources):
        if isinstance(src, Tensor):
            cands = [src]
        else:
            cands = [w.leaves[-r - 1] for r in w.var_leaves.get(id(src._handle), [])]
        if not cands or any(id(c) in target_ids for c in cands):
            continue
        src_uses = [u for c in cands for u in uses.get(id(c), [])]
        if src_uses and all(_is_row_gather(n, pos) for n, pos in src_uses):
            gathers[i] = [n for n, _ in src_uses]
    if not gathers:
        return None

    sources: list[Any] = []
    spans: list[tuple[int, int]] = []
    for i, src in enumerate(req.sources):
        start = len(sources)
        if i in gathers:
            for node in gathers[i]:
                params, indices = node.inputs
                rows = indices._shape if node.op.name == "GatherV2" else indices._shape[:-1]
                shape = rows + params._shape[1:]
                sources.append(EagerTensor(None, shape, params._dtype, node, 0, node.tapes))
        else:
            sources.append(src)
        spans.append((start, len(sources)))
    dense = engine.compute_gradients(
        engine.GradientRequest(req.tape, req.targets, sources, req.seeds)
    )

    results: list[Any] = []
    for i, (start, stop) in enumerate(spans):
        if i not in gathers:
            results.append(dense[start])
            continue
        parts = [
            (g, node)
            for g, node in zip(dense[start:stop], gathers[i], strict=True)
            if g is not None
        ]
        results.append(_assemble(parts, req.sources[i]) if parts else None)
    return results


def _assemble(parts: list[tuple[Tensor, Any]], source: Any) -> IndexedSlices:
    row_shape = source._shape[1:] if isinstance(source, Tensor) else source._handle.shape[1:]
    values, indices = [], []
    idx_dtype = parts[0][1].inputs[1]._dtype
    for g, node in parts:
        values.append(engine.execute("Reshape", (g,), (("shape", (-1, *row_shape)),)))
        idx = engine.execute("Reshape", (node.inputs[1],), (("shape", (-1,)),))
        if idx._dtype is not idx_dtype:
            idx = engine.execute("Cast", (idx,), (("dtype", idx_dtype.as_numpy_dtype),))
        indices.append(idx)
    if len(parts) > 1:
        v = engine.execute("ConcatV2", tuple(values), (("axis", 0),))
        ix = engine.execute("ConcatV2", tuple(indices), (("axis", 0),))
    else:
        v, ix = values[0], indices[0]
    shape = source._shape if isinstance(source, Tensor) else source._handle.shape
    return IndexedSlices(v, ix, constant(np.asarray(shape, np.int32)))


def _is_concrete(t: Tensor) -> bool:
    return not isinstance(t._array(), jax.core.Tracer)


register_pytree(IndexedSlices)
hooks.register("sparse_gradients", sparse_gradients)

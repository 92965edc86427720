"""`tf.SparseTensor`, `tf.SparseTensorSpec` and the `tf.sparse` namespace.

A SparseTensor is three dense tensors: `indices` (int64 `[N, rank]`), `values` (`[N]`)
and `dense_shape` (int64 `[rank]`). Ops that compute on values (`to_dense`,
`sparse_dense_matmul`, `reduce_sum`, products with dense tensors, `add`) are built from
recorded ops (`gather`, `scatter_nd`, `unsorted_segment_sum`...), so tapes differentiate
them with respect to `values` (and dense operands) as TF does. Ops that restructure the
indices (`reorder`, `reshape`, `concat`, `slice`, `retain`, `add` of two sparse tensors,
`fill_empty_rows`...) compute the new indices on the host from concrete indices, as TF's
CPU kernels do, and move the values with a recorded `gather`.

Differences from TensorFlow:
  Index-restructuring ops need concrete indices: inside a `tf.function` that receives a
  SparseTensor as an argument they raise `UnimplementedError` (the value ops above work).
"""

from __future__ import annotations

import builtins
from typing import Any

import jax
import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._api._args import kernel_error, shape_str
from tfcompat._api.indexed_slices import IndexedSlices
from tfcompat._composite.base import CompositeTensor, TypeSpec, register_pytree
from tfcompat._composite.ragged import take
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape, as_shape

__all__ = ["SparseTensor", "SparseTensorSpec"]

_UNSORTED = (
    "indices[{i}] = [{idx}] is out of order. Many sparse ops require sorted indices.\n"
    "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n"
)


def _traced(t: Tensor) -> bool:
    return isinstance(t._array(), jax.core.Tracer)


def _host(t: Tensor, what: str) -> np.ndarray:
    if _traced(t):
        raise errors.UnimplementedError(
            None,
            None,
            f"tfcompat computes the indices of {what} on the host, from concrete values; they "
            "are traced values here (a SparseTensor argument of a tf.function). Call it outside "
            "the tf.function, or pass the dense tensor.",
        )
    return np.asarray(t._array())


class SparseTensor(CompositeTensor):
    """tfcompat implementation of `tf.SparseTensor`."""

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        self._indices = convert_to_tensor(indices, dtype=dtypes.int64)
        self._values = convert_to_tensor(values)
        self._dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64)
        ishape = TensorShape(self._indices._shape).with_rank(2)
        vshape = TensorShape(self._values._shape).with_rank(1)
        dshape = TensorShape(self._dense_shape._shape).with_rank(1)
        for a, b in ((ishape[0], vshape[0]), (ishape[1], dshape[0])):
            if a is not None and b is not None and a != b:
                raise ValueError(f"Dimensions {a} and {b} are not compatible")
        if _traced(self._dense_shape):
            self._static: TensorShape = TensorShape([None] * self._dense_shape._shape[0])
        else:
            self._static = TensorShape([int(d) for d in np.asarray(self._dense_shape._array())])

    @classmethod
    def from_value(cls, sparse_tensor_value: Any) -> SparseTensor:
        if isinstance(sparse_tensor_value, SparseTensor):
            return sparse_tensor_value
        return cls(
            sparse_tensor_value.indices,
            sparse_tensor_value.values,
            sparse_tensor_value.dense_shape,
        )

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        return self._dense_shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        return self._static

    def get_shape(self) -> TensorShape:
        return self._static

    @property
    def _type_spec(self) -> SparseTensorSpec:
        return SparseTensorSpec(self._static, self.dtype)

    def with_values(self, new_values: Any) -> SparseTensor:
        new_values = convert_to_tensor(new_values)
        if new_values._shape != self._values._shape:
            raise ValueError(
                f"Dimensions {self._values._shape[0]} and {new_values._shape[0]} are not compatible"
            )
        return _make(self._indices, new_values, self._dense_shape, self._static)

    def __str__(self) -> str:
        return (
            f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
            f"dense_shape={self._dense_shape!s})"
        )

    __repr__ = __str__

    def _dense_values(self, other: Any, op: str) -> Tensor:
        y = convert_to_tensor(other, dtype_hint=self.dtype)
        if y.dtype is not self.dtype:
            raise errors.dtype_mismatch(op, 1, self.dtype, y.dtype)
        y = array_ops.broadcast_to(y, self._static.as_list())
        return array_ops.gather_nd(y, self._indices)

    def __mul__(self, other: Any) -> SparseTensor:
        """`sparse * dense` (TF's SparseDenseCwiseMul): a SparseTensor."""
        y = self._dense_values(other, "SparseDenseCwiseMul")
        return self.with_values(math_ops.multiply(self._values, y))

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> SparseTensor:
        """`sparse / dense` (TF's SparseDenseCwiseDiv): a SparseTensor."""
        y = self._dense_values(other, "SparseDenseCwiseDiv")
        return self.with_values(math_ops.truediv(self._values, y))

    __div__ = __truediv__


SparseTensor.__module__ = "tensorflow.python.framework.sparse_tensor"


def _make(indices: Tensor, values: Tensor, dense_shape: Tensor, static: Any) -> SparseTensor:
    sp = SparseTensor.__new__(SparseTensor)
    sp._indices, sp._values, sp._dense_shape = indices, values, dense_shape
    sp._static = as_shape(static)
    return sp


def _from_host(indices: np.ndarray, values: Tensor, shape: Any) -> SparseTensor:
    shape = [int(d) for d in shape]
    idx = convert_to_tensor(np.asarray(indices, np.int64).reshape(-1, len(shape)))
    return _make(idx, values, convert_to_tensor(np.asarray(shape, np.int64)), shape)


class SparseTensorSpec(TypeSpec):
    """tfcompat implementation of `tf.SparseTensorSpec`."""

    __slots__ = ("_dtype", "_shape")

    def __init__(self, shape: Any = None, dtype: Any = dtypes.float32) -> None:
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)

    @property
    def value_type(self) -> type:
        return SparseTensor

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    def _serialize(self) -> tuple[Any, ...]:
        return (self._shape, self._dtype)

    def __hash__(self) -> int:
        dims = None if self._shape.rank is None else tuple(self._shape.as_list())
        return hash(("SparseTensorSpec", dims, self._dtype))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SparseTensorSpec) and self._serialize() == other._serialize()

    @property
    def _component_specs(self) -> list[Any]:
        return [None, None, None]

    def _to_components(self, value: Any) -> list[Any]:
        return [value.indices, value.values, value.dense_shape]

    def _from_components(self, components: list[Any]) -> SparseTensor:
        indices, values, dense_shape = (_wrap(c) for c in components)
        return _make(indices, values, dense_shape, self._shape)

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        other = spec_or_value
        if not isinstance(other, TypeSpec):
            other = getattr(other, "_type_spec", None)
        return (
            isinstance(other, SparseTensorSpec)
            and self._dtype.is_compatible_with(other._dtype)
            and self._shape.is_compatible_with(other._shape)
        )

    @classmethod
    def from_value(cls, value: Any) -> SparseTensorSpec:
        return cls(value.shape, value.dtype)


SparseTensorSpec.__module__ = "tensorflow.python.framework.sparse_tensor"


def _wrap(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return EagerTensor(x, tuple(x.shape), dtypes.as_dtype(np.dtype(x.dtype)))


register_pytree(SparseTensor)


def _dims(sp: SparseTensor) -> list[int]:
    """The dense shape as Python ints (read from `dense_shape` when not static)."""
    dims = sp._static.as_list()
    if any(d is None for d in dims):
        return [int(d) for d in _host(sp._dense_shape, "this sparse op")]
    return [int(d or 0) for d in dims]


def _sp(x: Any) -> SparseTensor:
    if isinstance(x, SparseTensor):
        return x
    raise TypeError(f"Input must be a SparseTensor, got {type(x).__name__}: {x!r}")


def _linear(idx: np.ndarray, shape: Any) -> np.ndarray:
    if idx.shape[0] == 0:
        return np.zeros((0,), np.int64)
    return np.ravel_multi_index(tuple(idx.T), tuple(int(d) for d in shape), mode="wrap")


# --------------------------------------------------------------------------------------
# tf.sparse
# --------------------------------------------------------------------------------------


def from_dense(tensor: Any, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.from_dense`."""
    t = convert_to_tensor(tensor)
    arr = _host(t, "tf.sparse.from_dense")
    nz = arr != np.zeros((), arr.dtype)
    idx = np.argwhere(nz).astype(np.int64).reshape(-1, len(t._shape))
    itensor = convert_to_tensor(idx)
    values = take(array_ops.reshape(t, [-1]), np.flatnonzero(nz).astype(np.int64))
    return _make(itensor, values, convert_to_tensor(np.asarray(t._shape, np.int64)), t._shape)


def _check_order(op: str, sp: SparseTensor, validate: bool) -> None:
    if not validate or _traced(sp._indices):
        return
    idx = np.asarray(sp._indices._array())
    shape = [int(d) for d in np.asarray(sp._dense_shape._array())]
    for i, row in enumerate(idx):
        if np.any(row < 0) or np.any(row >= np.asarray(shape)):
            raise kernel_error(
                op,
                f"indices[{i}] = [{','.join(map(str, row))}] is out of bounds: need 0 <= index "
                f"< {shape_str(shape)}",
                name="",
            )
    lin = _linear(idx, shape)
    for i in builtins.range(1, len(lin)):
        if lin[i] < lin[i - 1]:
            row = ",".join(map(str, idx[i]))
            raise kernel_error(op, _UNSORTED.format(i=i, idx=row), name="")
        if lin[i] == lin[i - 1]:
            row = ",".join(map(str, idx[i]))
            raise kernel_error(op, f"indices[{i}] = [{row}] is repeated", name="")


def to_dense(
    sp_input: Any, default_value: Any = None, validate_indices: bool = True, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.sparse.to_dense` (gradient: the values' gather)."""
    sp = _sp(sp_input)
    _check_order("SparseToDense", sp, validate_indices)
    shape = _dims(sp)
    if None in shape:
        shape = [int(d) for d in _host(sp._dense_shape, "tf.sparse.to_dense")]
    if default_value is None:
        base = array_ops.zeros(shape, sp.dtype)
    else:
        base = array_ops.fill(shape, convert_to_tensor(default_value, dtype=sp.dtype))
    if sp._values._shape[0] == 0:
        return base
    return array_ops.tensor_scatter_nd_update(base, sp._indices, sp._values)


def reorder(sp_input: Any, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.reorder`."""
    sp = _sp(sp_input)
    idx = _host(sp._indices, "tf.sparse.reorder")
    perm = np.argsort(_linear(idx, _dims(sp)), kind="stable")
    values = take(sp._values, perm.astype(np.int64))
    return _from_host(idx[perm], values, _dims(sp))


def reshape(sp_input: Any, shape: Any, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.reshape`."""
    sp = _sp(sp_input)
    old = _dims(sp)
    new = [int(d) for d in np.asarray(convert_to_tensor(shape)._array()).reshape(-1)]
    n = int(np.prod(old))
    if new.count(-1) > 1:
        raise kernel_error(
            "SparseReshape", "only one output dimension may be -1, not both", name=""
        )
    if -1 in new:
        known = int(np.prod([d for d in new if d != -1]))
        new[new.index(-1)] = n // known if known else 0
    if int(np.prod(new)) != n:
        raise kernel_error(
            "SparseReshape",
            f"Input to reshape is a tensor with {n} dense values, but the requested shape has "
            f"{int(np.prod(new))}. input_shape={shape_str(old)} output_shape={shape_str(new)}",
            name="",
        )
    idx = _host(sp._indices, "tf.sparse.reshape")
    lin = _linear(idx, old)
    new_idx = np.stack(np.unravel_index(lin, new), axis=1) if len(lin) else np.zeros((0, len(new)))
    return _from_host(new_idx, sp._values, new)


def _union(
    a: SparseTensor, b: SparseTensor, op: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    if a.dtype is not b.dtype:
        raise errors.dtype_mismatch(op, 1, a.dtype, b.dtype)
    shape = _dims(a)
    if shape != _dims(b):
        raise kernel_error(
            op,
            f"Operands' shapes do not match: got {shape[0] if shape else ''} and "
            f"{_dims(b)[0] if _dims(b) else ''} for dimension 0",
            name="",
        )
    ia = _host(a._indices, f"tf.sparse.{op}")
    ib = _host(b._indices, f"tf.sparse.{op}")
    la, lb = _linear(ia, shape), _linear(ib, shape)
    keys = np.unique(np.concatenate([la, lb]))
    seg_a = np.searchsorted(keys, la)
    seg_b = np.searchsorted(keys, lb)
    idx = (
        np.stack(np.unravel_index(keys, shape), axis=1) if len(keys) else np.zeros((0, len(shape)))
    )
    return idx, seg_a, seg_b, shape


def add(a: Any, b: Any, threshold: Any = 0) -> Any:
    """tfcompat implementation of `tf.sparse.add` (sparse + sparse, or sparse + dense)."""
    if not isinstance(a, SparseTensor):
        a, b = b, a
    if not isinstance(b, SparseTensor):
        dense = convert_to_tensor(b, dtype_hint=a.dtype)
        if dense._shape != tuple(_dims(a)):
            dense = array_ops.broadcast_to(dense, _dims(a))
        return array_ops.tensor_scatter_nd_add(dense, a._indices, a._values)
    idx, seg_a, seg_b, shape = _union(a, b, "SparseAdd")
    seg = np.concatenate([seg_a, seg_b]).astype(np.int32)
    vals = array_ops.concat([a._values, b._values], 0)
    summed = math_ops.unsorted_segment_sum(vals, seg, len(idx))
    thr = float(np.asarray(convert_to_tensor(threshold)._array()))
    if thr > 0:
        mags = np.abs(np.asarray(summed._array()))
        keep = np.nonzero(mags >= thr)[0].astype(np.int64)
        return _from_host(idx[keep], take(summed, keep), shape)
    return _from_host(idx, summed, shape)


def _union_binary(a: Any, b: Any, fn: Any, op: str) -> SparseTensor:
    a, b = _sp(a), _sp(b)
    idx, seg_a, seg_b, shape = _union(a, b, op)
    zeros = array_ops.zeros([len(idx)], a.dtype)
    va = array_ops.tensor_scatter_nd_update(zeros, seg_a.reshape(-1, 1).astype(np.int64), a._values)
    vb = array_ops.tensor_scatter_nd_update(zeros, seg_b.reshape(-1, 1).astype(np.int64), b._values)
    return _from_host(idx, fn(va, vb), shape)


def maximum(sp_a: Any, sp_b: Any, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.maximum` (missing entries count as zeros)."""
    return _union_binary(sp_a, sp_b, math_ops.maximum, "SparseSparseMaximum")


def minimum(sp_a: Any, sp_b: Any, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.minimum` (missing entries count as zeros)."""
    return _union_binary(sp_a, sp_b, math_ops.minimum, "SparseSparseMinimum")


def concat(
    axis: Any,
    sp_inputs: Any,
    expand_nonconcat_dims: bool = False,
    name: Any = None,
) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.concat`."""
    sps = [_sp(s) for s in sp_inputs]
    rank = len(sps[0]._static)
    ax = int(axis) % rank
    shapes = [_dims(s) for s in sps]
    out_shape = list(shapes[0])
    if expand_nonconcat_dims:
        out_shape = [max(s[d] for s in shapes) for d in builtins.range(rank)]
    for s in shapes[1:]:
        for d in builtins.range(rank):
            if d != ax and s[d] != out_shape[d] and not expand_nonconcat_dims:
                raise kernel_error(
                    "SparseConcat",
                    f"Input shapes must match: expected {out_shape[d]} for dimension {d} but "
                    f"got {s[d]} at position 1",
                    name="",
                )
    out_shape[ax] = sum(s[ax] for s in shapes)
    parts, offset = [], 0
    for sp_k, shp in zip(sps, shapes, strict=True):
        idx = _host(sp_k._indices, "tf.sparse.concat").copy()
        idx[:, ax] += offset
        offset += shp[ax]
        parts.append(idx)
    idx = np.concatenate(parts)
    values = array_ops.concat([s._values for s in sps], 0)
    perm = np.argsort(_linear(idx, out_shape), kind="stable").astype(np.int64)
    return _from_host(idx[perm], take(values, perm), out_shape)


def slice(sp_input: Any, start: Any, size: Any, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.slice`."""
    sp = _sp(sp_input)
    start_ = np.asarray(convert_to_tensor(start, dtype=dtypes.int64)._array()).reshape(-1)
    size_ = np.asarray(convert_to_tensor(size, dtype=dtypes.int64)._array()).reshape(-1)
    shape = np.asarray(_dims(sp))
    end = np.minimum(start_ + size_, shape)
    out_shape = np.maximum(end - start_, 0)
    idx = _host(sp._indices, "tf.sparse.slice")
    keep = np.all((idx >= start_) & (idx < end), axis=1) if len(idx) else np.zeros(0, bool)
    pos = np.nonzero(keep)[0].astype(np.int64)
    return _from_host(idx[pos] - start_, take(sp._values, pos), out_shape)


def retain(sp_input: Any, to_retain: Any) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.retain`."""
    sp = _sp(sp_input)
    keep = np.asarray(convert_to_tensor(to_retain)._array()).reshape(-1)
    if keep.shape[0] != sp._values._shape[0]:
        raise ValueError(
            f"Dimensions {sp._values._shape[0]} and {keep.shape[0]} are not compatible"
        )
    pos = np.nonzero(keep)[0].astype(np.int64)
    idx = _host(sp._indices, "tf.sparse.retain")
    return _from_host(idx[pos], take(sp._values, pos), _dims(sp))


def _reduce(sp: SparseTensor, axis: Any, keepdims: Any, op: str) -> tuple[Any, ...]:
    shape = _dims(sp)
    rank = len(shape)
    if axis is None:
        axes = list(builtins.range(rank))
    else:
        axes = sorted({int(a) % rank for a in np.asarray(axis).reshape(-1)})
    kept = [d for d in builtins.range(rank) if d not in axes]
    out_shape = (
        [1 if d in axes else shape[d] for d in builtins.range(rank)]
        if keepdims
        else [shape[d] for d in kept]
    )
    idx = _host(sp._indices, f"tf.sparse.{op}")
    kshape = [shape[d] for d in kept]
    seg = _linear(idx[:, kept], kshape) if kept else np.zeros(len(idx), np.int64)
    n = int(np.prod(kshape)) if kept else 1
    return seg.astype(np.int32), n, out_shape, kshape, idx, kept


def reduce_sum(
    sp_input: Any,
    axis: Any = None,
    keepdims: Any = None,
    output_is_sparse: bool = False,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.sparse.reduce_sum`."""
    sp = _sp(sp_input)
    if axis is None and not output_is_sparse:
        # The sum of all values: no positions to compute, so it also traces (a SparseTensor
        # argument of a tf.function, any number of values, one trace as TF).
        total = math_ops.reduce_sum(sp._values)
        if keepdims:
            rank = sp.dense_shape.shape[0]
            if rank is not None:
                return array_ops.reshape(total, [1] * int(rank))
        else:
            return total
    seg, n, out_shape, kshape, _, kept = _reduce(sp, axis, keepdims, "reduce_sum")
    summed = math_ops.unsorted_segment_sum(sp._values, seg, n)
    if output_is_sparse:
        return _sparse_groups(summed, seg, kshape, out_shape, kept)
    return array_ops.reshape(summed, out_shape)


def reduce_max(
    sp_input: Any,
    axis: Any = None,
    keepdims: Any = None,
    output_is_sparse: bool = False,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.sparse.reduce_max`: the maximum of the explicit values
    (implicit zeros are ignored), 0 where a group has none."""
    sp = _sp(sp_input)
    seg, n, out_shape, kshape, _, kept = _reduce(sp, axis, keepdims, "reduce_max")
    mx = math_ops.unsorted_segment_max(sp._values, seg, n)
    present = np.zeros(n, bool)
    present[seg] = True
    mx = array_ops.where(present, mx, array_ops.zeros_like(mx))
    if output_is_sparse:
        return _sparse_groups(mx, seg, kshape, out_shape, kept)
    return array_ops.reshape(mx, out_shape)


def _sparse_groups(
    dense: Tensor, seg: np.ndarray, kshape: list[int], out_shape: list[int], kept: list[int]
) -> SparseTensor:
    """The groups that hold values, as a SparseTensor (TF's `output_is_sparse=True`)."""
    groups = np.unique(seg).astype(np.int64)
    gidx = np.stack(np.unravel_index(groups, kshape), axis=1) if kshape else None
    if len(out_shape) == len(kept):
        idx = gidx if gidx is not None else np.zeros((len(groups), 0), np.int64)
    else:  # keepdims: reduced dimensions are 0
        idx = np.zeros((len(groups), len(out_shape)), np.int64)
        if gidx is not None:
            idx[:, kept] = gidx
    return _from_host(idx, take(dense, groups), out_shape)


def sparse_dense_matmul(
    sp_a: Any, b: Any, adjoint_a: bool = False, adjoint_b: bool = False, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.sparse.sparse_dense_matmul`: a gather of `b`'s rows,
    scaled by the values and summed per output row (differentiable in values and `b`)."""
    if not isinstance(sp_a, SparseTensor):
        # dense @ sparse = (sparse^T @ dense^T)^T, as TF computes it.
        a = convert_to_tensor(sp_a)
        out = sparse_dense_matmul(b, a, adjoint_a=not adjoint_b, adjoint_b=not adjoint_a)
        return array_ops.transpose(out) if not (adjoint_a or adjoint_b) else _adj(out)
    sp = sp_a
    dense = convert_to_tensor(b, dtype_hint=sp.dtype)
    if dense.dtype is not sp.dtype:
        raise errors.dtype_mismatch("SparseTensorDenseMatMul", 1, sp.dtype, dense.dtype)
    if adjoint_b:
        dense = _adj(dense)
    m, k = _dims(sp)
    col = 0 if adjoint_a else 1
    if _traced(sp._indices):
        rows, cols = sp._indices[:, 1 - col], sp._indices[:, col]  # type: ignore[index]
        at = array_ops.stack([array_ops.zeros_like(cols), cols], axis=1)
    else:  # the index columns, split on the host (no extra programs eagerly)
        idx = np.asarray(sp._indices._array())
        rows = convert_to_tensor(idx[:, 1 - col].copy())
        at = convert_to_tensor(np.stack([np.zeros_like(idx[:, col]), idx[:, col]], axis=1))
    values = sp._values
    if adjoint_a:
        m, k = k, m
        if values.dtype.is_complex:
            values = math_ops.conj(values)
    if dense._shape[0] != k:
        raise kernel_error(
            "SparseTensorDenseMatMul",
            f"Cannot multiply A and B because inner dimension does not match: {k} vs. "
            f"{dense._shape[0]}.  Did you forget a transpose?  Dimensions of A: [{m}, {k}).  "
            f"Dimensions of B: {dense.shape}",
            name="",
        )
    # b[cols] as a gather_nd of [1, k, n] at (0, col): not a row gather, so the gradient
    # w.r.t. `b` is dense, as TF's (a row gather's would be an IndexedSlices).
    picked = array_ops.gather_nd(array_ops.expand_dims(dense, 0), at)
    scaled = array_ops.expand_dims(values, 1) * picked  # type: ignore[operator]
    return math_ops.unsorted_segment_sum(scaled, rows, m)


def _adj(t: Tensor) -> Tensor:
    out = array_ops.transpose(t)
    return math_ops.conj(out) if t.dtype.is_complex else out


def to_indicator(sp_input: Any, vocab_size: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.sparse.to_indicator`."""
    sp = _sp(sp_input)
    idx = _host(sp._indices, "tf.sparse.to_indicator")
    vals = _host(sp._values, "tf.sparse.to_indicator").astype(np.int64)
    shape = [*_dims(sp)[:-1], int(vocab_size)]
    out = np.zeros(shape, bool)
    if len(idx):
        out[(*idx[:, :-1].T, vals)] = True
    return convert_to_tensor(out)


def fill_empty_rows(sp_input: Any, default_value: Any, name: Any = None) -> tuple[Any, Tensor]:
    """tfcompat implementation of `tf.sparse.fill_empty_rows`."""
    sp = _sp(sp_input)
    shape = _dims(sp)
    idx = _host(sp._indices, "tf.sparse.fill_empty_rows")
    empty = np.ones(shape[0], bool)
    empty[idx[:, 0]] = False
    new_rows = np.nonzero(empty)[0]
    extra = np.zeros((len(new_rows), len(shape)), np.int64)
    extra[:, 0] = new_rows
    all_idx = np.concatenate([idx, extra])
    default = array_ops.fill([len(new_rows)], convert_to_tensor(default_value, dtype=sp.dtype))
    vals = array_ops.concat([sp._values, default], 0)
    perm = np.argsort(_linear(all_idx, shape), kind="stable").astype(np.int64)
    out = _from_host(all_idx[perm], take(vals, perm), shape)
    return out, convert_to_tensor(empty)


def expand_dims(sp_input: Any, axis: Any = None, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.expand_dims`."""
    sp = _sp(sp_input)
    shape = _dims(sp)
    ax = int(axis if axis is not None else -1)
    if ax < 0:
        ax += len(shape) + 1
    idx = _host(sp._indices, "tf.sparse.expand_dims")
    new = np.insert(idx, ax, 0, axis=1)
    return _from_host(new, sp._values, [*shape[:ax], 1, *shape[ax:]])


def transpose(sp_input: Any, perm: Any = None, name: Any = None) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.transpose`."""
    sp = _sp(sp_input)
    shape = _dims(sp)
    p = list(builtins.range(len(shape)))[::-1] if perm is None else [int(i) for i in perm]
    idx = _host(sp._indices, "tf.sparse.transpose")[:, p]
    new_shape = [shape[i] for i in p]
    order = np.argsort(_linear(idx, new_shape), kind="stable").astype(np.int64)
    return _from_host(idx[order], take(sp._values, order), new_shape)


def split(
    sp_input: Any = None, num_split: Any = None, axis: Any = None, name: Any = None
) -> list[SparseTensor]:
    """tfcompat implementation of `tf.sparse.split`."""
    sp = _sp(sp_input)
    shape = _dims(sp)
    ax = int(axis) % len(shape)
    n = int(num_split)
    size, rem = divmod(shape[ax], n)
    out, start = [], 0
    for k in builtins.range(n):
        width = size + (1 if k < rem else 0)
        begin = [0] * len(shape)
        begin[ax] = start
        extent = list(shape)
        extent[ax] = width
        out.append(slice(sp, begin, extent))
        start += width
    return out


def mask(a: Any, mask_indices: Any, name: Any = None) -> IndexedSlices:
    """tfcompat implementation of `tf.sparse.mask`: drop the slices at `mask_indices`."""
    idx = _host(a.indices, "tf.sparse.mask")
    drop = np.asarray(convert_to_tensor(mask_indices)._array()).reshape(-1)
    keep = np.nonzero(~np.isin(idx, drop))[0].astype(np.int64)
    return IndexedSlices(
        array_ops.gather(a.values, keep), array_ops.gather(a.indices, keep), a.dense_shape
    )


def _segment(reduce: str, data: Any, indices: Any, segment_ids: Any, num_segments: Any) -> Tensor:
    rows = take(convert_to_tensor(data), indices)
    seg = convert_to_tensor(segment_ids)
    if num_segments is None:
        ids = _host(seg, "tf.sparse.segment_*")
        if len(ids) and np.any(np.diff(ids) < 0):
            raise kernel_error("SparseSegmentSum", "segment ids are not increasing", name="")
        n = int(ids.max()) + 1 if len(ids) else 0
    else:
        n = int(num_segments)
    total = math_ops.unsorted_segment_sum(rows, seg, n)
    if reduce == "sum":
        return total
    ones = array_ops.ones([rows._shape[0]], rows.dtype)
    count = math_ops.unsorted_segment_sum(ones, seg, n)
    count = math_ops.maximum(count, array_ops.ones_like(count))
    shape = [n] + [1] * (len(rows._shape) - 1)
    if reduce == "sqrt_n":  # TF's kernel multiplies by 1 / sqrt(count)
        scale = math_ops.reciprocal(math_ops.sqrt(count))
        return math_ops.multiply(total, array_ops.reshape(scale, shape))
    return math_ops.truediv(total, array_ops.reshape(count, shape))


def segment_sum(
    data: Any,
    indices: Any,
    segment_ids: Any,
    num_segments: Any = None,
    name: Any = None,
    sparse_gradient: bool = False,
) -> Tensor:
    """tfcompat implementation of `tf.sparse.segment_sum`."""
    return _segment("sum", data, indices, segment_ids, num_segments)


def segment_mean(
    data: Any,
    indices: Any,
    segment_ids: Any,
    num_segments: Any = None,
    name: Any = None,
    sparse_gradient: bool = False,
) -> Tensor:
    """tfcompat implementation of `tf.sparse.segment_mean`."""
    return _segment("mean", data, indices, segment_ids, num_segments)


def segment_sqrt_n(
    data: Any,
    indices: Any,
    segment_ids: Any,
    num_segments: Any = None,
    name: Any = None,
    sparse_gradient: bool = False,
) -> Tensor:
    """tfcompat implementation of `tf.sparse.segment_sqrt_n`."""
    return _segment("sqrt_n", data, indices, segment_ids, num_segments)


def eye(
    num_rows: Any, num_columns: Any = None, dtype: Any = dtypes.float32, name: Any = None
) -> SparseTensor:
    """tfcompat implementation of `tf.sparse.eye`."""
    r = int(num_rows)
    c = r if num_columns is None else int(num_columns)
    n = min(r, c)
    idx = np.stack([np.arange(n), np.arange(n)], axis=1)
    return _from_host(idx, array_ops.ones([n], dtype), [r, c])

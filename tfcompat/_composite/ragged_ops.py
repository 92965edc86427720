"""`tf.ragged.*` functions and the ragged forms of `tf.concat`, `tf.stack`, `tf.gather` and
the reductions (dispatched to from the dense functions, as TF's dispatch does)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._composite.ragged import (
    RaggedTensor,
    _check_same_splits,
    _gather_rows,
    _host,
)
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor

__all__ = [
    "constant",
    "map_flat_values",
    "ragged_concat",
    "ragged_gather",
    "ragged_reduce",
    "ragged_stack",
    "range",
    "row_splits_to_segment_ids",
    "segment_ids_to_row_splits",
    "stack",
]


def _depth(x: Any) -> int | None:
    """Nesting depth of scalars in `x` (None for an empty list: it fits any depth)."""
    if isinstance(x, (list, tuple)):
        depths = {d for d in (_depth(i) for i in x) if d is not None}
        if len(depths) > 1:
            raise ValueError("all scalar values must have the same nesting depth")
        return (depths.pop() + 1) if depths else None
    if isinstance(x, np.ndarray):
        return x.ndim
    return 0


def constant(
    pylist: Any,
    dtype: Any = None,
    ragged_rank: Any = None,
    inner_shape: Any = None,
    name: Any = None,
    row_splits_dtype: Any = dtypes.int64,
) -> Any:
    """tfcompat implementation of `tf.ragged.constant`."""
    depth = _depth(pylist)
    if depth is None:  # only empty lists: TF gives float32, rank = nesting + 1
        depth = 1
        x: Any = pylist
        while isinstance(x, (list, tuple)) and x and isinstance(x[0], (list, tuple)):
            depth += 1
            x = x[0]
    if depth == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    inner_rank = 0 if inner_shape is None else len(inner_shape)
    if ragged_rank is None:
        ragged_rank = builtins.max(depth - 1 - inner_rank, 0)
    if ragged_rank == 0:
        return convert_to_tensor(pylist, dtype=dtype)
    sdt = dtypes.as_dtype(row_splits_dtype).as_numpy_dtype
    levels: list[np.ndarray] = []
    items: list[Any] = list(pylist)
    for _ in builtins.range(ragged_rank):
        lengths = [len(i) for i in items]
        levels.append(np.concatenate([[0], np.cumsum(lengths)]).astype(sdt))
        items = [j for i in items for j in i]
    if items:
        values = convert_to_tensor(items, dtype=dtype)
    else:
        inner = [] if inner_shape is None else list(inner_shape)
        if depth - 1 - ragged_rank > len(inner):
            inner = [0] * (depth - 1 - ragged_rank - len(inner)) + inner
        dt = dtypes.float32 if dtype is None else dtypes.as_dtype(dtype)
        values = convert_to_tensor(np.zeros((0, *inner), dt.as_numpy_dtype))
    return RaggedTensor.from_nested_row_splits(
        values, [convert_to_tensor(s) for s in levels], validate=False
    )


def range(
    starts: Any,
    limits: Any = None,
    deltas: Any = 1,
    dtype: Any = None,
    name: Any = None,
    row_splits_dtype: Any = dtypes.int64,
) -> RaggedTensor:
    """tfcompat implementation of `tf.ragged.range`."""
    if limits is None:
        starts, limits = 0, starts
    s = convert_to_tensor(starts, dtype=dtype)
    lim = convert_to_tensor(limits, dtype=s.dtype if dtype is None else dtype)
    d = convert_to_tensor(deltas, dtype=s.dtype)
    sv, lv, dv = np.broadcast_arrays(_host(s), _host(lim), _host(d))
    if np.any(dv == 0):
        raise errors.InvalidArgumentError(None, None, "Requires delta != 0")
    rows = [
        np.arange(a, b, c, dtype=s.dtype.as_numpy_dtype)
        for a, b, c in zip(np.atleast_1d(sv), np.atleast_1d(lv), np.atleast_1d(dv), strict=True)
    ]
    sdt = dtypes.as_dtype(row_splits_dtype).as_numpy_dtype
    splits = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(sdt)
    flat = np.concatenate(rows) if rows else np.zeros((0,), s.dtype.as_numpy_dtype)
    return RaggedTensor.from_row_splits(
        convert_to_tensor(flat.astype(s.dtype.as_numpy_dtype)), convert_to_tensor(splits)
    )


def map_flat_values(op: Any, *args: Any, **kwargs: Any) -> Any:
    """tfcompat implementation of `tf.ragged.map_flat_values`."""
    partitions: list[RaggedTensor] = []

    def sub(x: Any) -> Any:
        if isinstance(x, RaggedTensor):
            partitions.append(x)
            return x.flat_values
        if isinstance(x, (list, tuple)):
            return type(x)(sub(i) for i in x)
        if isinstance(x, dict):
            return {k: sub(v) for k, v in x.items()}
        return x

    new_args = sub(list(args))
    new_kwargs = sub(kwargs)
    if not partitions:
        return op(*new_args, **new_kwargs)
    for p in partitions[1:]:
        _check_same_splits(partitions[0], p)
    out = op(*new_args, **new_kwargs)
    out = convert_to_tensor(out)
    n = partitions[0].flat_values._shape[0]
    if not out._shape or out._shape[0] != n:
        raise ValueError(
            "tf.ragged.map_flat_values requires that the output of `op` have the same outer-"
            f"dimension size as flat_values of any ragged inputs. (output shape: {out.shape}; "
            f"expected outer dimension size: {n})"
        )
    return partitions[0].with_flat_values(out)


def row_splits_to_segment_ids(splits: Any, name: Any = None, out_type: Any = None) -> Tensor:
    """tfcompat implementation of `tf.ragged.row_splits_to_segment_ids`."""
    s = convert_to_tensor(splits, dtype_hint=dtypes.int64)
    arr = _host(s)
    dt = s.dtype if out_type is None else dtypes.as_dtype(out_type)
    ids = np.repeat(np.arange(len(arr) - 1), np.diff(arr)).astype(dt.as_numpy_dtype)
    return convert_to_tensor(ids)


def segment_ids_to_row_splits(
    segment_ids: Any, num_segments: Any = None, out_type: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.ragged.segment_ids_to_row_splits`."""
    ids = convert_to_tensor(segment_ids)
    arr = _host(ids)
    n = (int(arr.max()) + 1 if len(arr) else 0) if num_segments is None else int(num_segments)
    counts = np.bincount(arr, minlength=n)[:n] if len(arr) else np.zeros(n, np.int64)
    dt = dtypes.int64 if out_type is None else dtypes.as_dtype(out_type)
    return convert_to_tensor(np.concatenate([[0], np.cumsum(counts)]).astype(dt.as_numpy_dtype))


# --------------------------------------------------------------------------------------
# concat, stack, gather
# --------------------------------------------------------------------------------------


def _as_ragged(x: Any, ragged_rank: int) -> RaggedTensor:
    if isinstance(x, RaggedTensor):
        return x
    return RaggedTensor.from_tensor(convert_to_tensor(x), ragged_rank=ragged_rank)


def ragged_concat(values: Any, axis: int) -> RaggedTensor:
    """`tf.concat` of ragged (and dense) inputs."""
    rr = builtins.max(v.ragged_rank for v in values if isinstance(v, RaggedTensor))
    rts = [_as_ragged(v, rr) for v in values]
    rank = len(rts[0].shape)
    ax = axis % rank if axis < 0 else axis
    if ax == 0:
        flat_vals = [rt._values for rt in rts]
        inner: Any
        if any(isinstance(v, RaggedTensor) for v in flat_vals):
            inner = ragged_concat(flat_vals, 0)
        else:
            inner = array_ops.concat(flat_vals, 0)
        parts, offset = [np.zeros(1, np.int64)], 0
        for rt in rts:
            s = _host(rt._row_splits).astype(np.int64)
            parts.append(s[1:] + offset)
            offset += int(s[-1])
        splits = np.concatenate(parts).astype(rts[0].row_splits_dtype.as_numpy_dtype)
        return RaggedTensor._make(inner, convert_to_tensor(splits))
    if ax == 1:
        nrows = {int(rt._row_splits._shape[0] - 1) for rt in rts}
        if len(nrows) != 1:
            raise errors.InvalidArgumentError(
                None, None, "Input tensors at index 0 (=x) and 1 (=y) have incompatible shapes."
            )
        n = nrows.pop()
        # Interleave rows: row i of the result is row i of each input, in order.
        stacked = ragged_concat(rts, 0)
        order = np.asarray([k * n + i for i in builtins.range(n) for k in builtins.range(len(rts))])
        gathered = _gather_rows(stacked, order.astype(np.int64))
        s = _host(gathered._row_splits)
        merged = s[:: len(rts)]
        return RaggedTensor._make(gathered._values, convert_to_tensor(merged))
    raise errors.UnimplementedError(
        None, None, f"tfcompat concatenates RaggedTensors along axis 0 or 1, not {axis}."
    )


def ragged_stack(values: Any, axis: int = 0) -> RaggedTensor:
    """`tf.stack` of ragged inputs (axis 0 or 1)."""
    rr = builtins.max(v.ragged_rank for v in values if isinstance(v, RaggedTensor))
    rts = [_as_ragged(v, rr) for v in values]
    if axis == 0:
        inner = ragged_concat(rts, 0)
        counts = [int(rt._row_splits._shape[0] - 1) for rt in rts]
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(
            rts[0].row_splits_dtype.as_numpy_dtype
        )
        return RaggedTensor._make(inner, convert_to_tensor(splits))
    if axis == 1:
        n = int(rts[0]._row_splits._shape[0] - 1)
        inner = ragged_concat(rts, 0)
        order = np.asarray([k * n + i for i in builtins.range(n) for k in builtins.range(len(rts))])
        gathered = _gather_rows(inner, order.astype(np.int64))
        splits = np.arange(0, n * len(rts) + 1, len(rts)).astype(np.int64)
        return RaggedTensor._make(gathered, convert_to_tensor(splits))
    raise errors.UnimplementedError(
        None, None, f"tfcompat stacks RaggedTensors along axis 0 or 1, not {axis}."
    )


def stack(values: Any, axis: int = 0, name: Any = None) -> Any:
    """tfcompat implementation of `tf.ragged.stack`."""
    if not any(isinstance(v, RaggedTensor) for v in values):
        ts = [convert_to_tensor(v) for v in values]
        ndims = len(ts[0]._shape)
        if ndims == 1 and axis == 0:  # rows of their own lengths (int32, as TF)
            lengths = convert_to_tensor(np.asarray([t._shape[0] for t in ts], np.int32))
            return RaggedTensor.from_row_lengths(array_ops.concat(ts, 0), lengths)
        if axis in (ndims, -1):
            return array_ops.stack(ts, axis)
        ts_r = [RaggedTensor.from_tensor(t) for t in ts]
        return ragged_stack(ts_r, axis)
    return ragged_stack(values, axis)


def ragged_gather(params: RaggedTensor, indices: Any) -> Any:
    """`tf.gather(ragged, indices)` along axis 0."""
    idx = _host(convert_to_tensor(indices)).astype(np.int64)
    if idx.ndim == 0:
        return params[int(idx)]
    out = _gather_rows(params, idx.reshape(-1))
    if idx.ndim > 1:
        for dim in reversed(idx.shape[1:]):
            rows = out._row_splits._shape[0] - 1
            splits = np.arange(0, rows + 1, dim).astype(np.int64)
            out = RaggedTensor._make(out, convert_to_tensor(splits))
    return out


# --------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------

_SEGMENT = {
    "sum": math_ops.unsorted_segment_sum,
    "prod": math_ops.unsorted_segment_prod,
    "max": math_ops.unsorted_segment_max,
    "min": math_ops.unsorted_segment_min,
}


def ragged_reduce(kind: str, rt: RaggedTensor, axis: Any, keepdims: Any) -> Any:
    """`tf.reduce_<kind>(rt, axis)`: sum, prod, max, min, mean, any, all."""
    if kind in ("any", "all"):
        # any: some true value; all: no false value (empty groups: False and True).
        flat = rt.flat_values if kind == "any" else math_ops.logical_not(rt.flat_values)
        count = ragged_reduce(
            "sum", rt.with_flat_values(math_ops.cast(flat, dtypes.int32)), axis, keepdims
        )
        if isinstance(count, RaggedTensor):
            hit = count.with_flat_values(math_ops.greater(count.flat_values, 0))
            if kind == "all":
                return hit.with_flat_values(math_ops.logical_not(hit.flat_values))
            return hit
        hit_t = math_ops.greater(count, 0)
        return math_ops.logical_not(hit_t) if kind == "all" else hit_t
    rank = len(rt.shape)
    if axis is None:
        flat = rt.flat_values
        if kind == "mean":  # TF: the sum over the count (a float64 mean of integers)
            total = math_ops.reduce_sum(flat)
            count = int(np.prod(flat._shape))
            return math_ops.truediv(total, convert_to_tensor(count, dtype=flat.dtype))
        return _dense_reduce(kind, flat, None, keepdims)
    axes = []
    for a in np.asarray(axis.numpy() if hasattr(axis, "numpy") else axis).reshape(-1):
        if not -rank <= int(a) < rank:
            raise ValueError(f"axis={int(a)} out of bounds: expected {-rank}<=axis<{rank}")
        axes.append(int(a) % rank)
    if len(axes) > 1:
        result: Any = rt
        for a in sorted(axes, reverse=True):
            result = (
                ragged_reduce(kind, result, a, keepdims)
                if isinstance(result, RaggedTensor)
                else _dense_reduce(kind, result, a, keepdims)
            )
        return result
    ax = axes[0]
    if ax > rt.ragged_rank:  # a uniform inner dimension: reduce the flat values
        return rt.with_flat_values(
            _dense_reduce(kind, rt.flat_values, ax - rt.ragged_rank, keepdims)
        )
    if rt.ragged_rank != 1:
        return _reduce_nested(kind, rt, ax)
    s = _host(rt._row_splits)
    lens = np.diff(s)
    vals = rt._values
    if ax == 1:
        seg = np.repeat(np.arange(len(lens)), lens).astype(np.int64)
        n = len(lens)
        counts = lens
    else:  # axis 0: by position within the row
        seg = (np.arange(s[-1]) - np.repeat(s[:-1], lens)).astype(np.int64)
        n = int(lens.max()) if len(lens) else 0
        counts = np.bincount(seg, minlength=n) if len(seg) else np.zeros(n, np.int64)
    out = _segment_reduce(kind, vals, seg, n, counts)
    if keepdims:
        out = array_ops.expand_dims(out, ax)
    return out


def _segment_reduce(kind: str, vals: Any, seg: np.ndarray, n: int, counts: np.ndarray) -> Any:
    if kind == "mean":
        total = math_ops.unsorted_segment_sum(vals, seg, n)
        c = convert_to_tensor(counts.astype(vals.dtype.as_numpy_dtype))
        shape = [n] + [1] * (len(vals._shape) - 1)
        return math_ops.truediv(total, array_ops.reshape(c, shape))
    return _SEGMENT[kind](vals, seg, n)


def _level_coords(rt: RaggedTensor) -> list[np.ndarray]:
    """For each level k = 0..ragged_rank, the coordinates (one row per item, k + 1
    columns) of its items: rows, then the elements of each row, ..., then the values."""
    splits = [_host(x).astype(np.int64) for x in rt.nested_row_splits]
    coords = [np.arange(len(splits[0]) - 1, dtype=np.int64)[:, None]]
    for sp in splits:
        lens = np.diff(sp)
        parent = np.repeat(np.arange(len(lens)), lens)
        pos = np.arange(sp[-1], dtype=np.int64) - sp[:-1][parent]
        coords.append(np.concatenate([coords[-1][parent], pos[:, None]], axis=1))
    return coords


def _index_in(items: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The index in `items` (unique rows, sorted) of each row of `rows`."""
    both = np.concatenate([items, rows])
    _, inverse = np.unique(both, axis=0, return_inverse=True)
    return inverse.reshape(-1)[len(items) :]


def _reduce_nested(kind: str, rt: RaggedTensor, ax: int) -> Any:
    """Reduce a RaggedTensor of ragged_rank > 1 along ragged axis `ax`: values whose
    coordinates agree outside `ax` are combined; the result's rows are the union of the
    reduced rows (as TF's ragged reductions)."""
    r = rt.ragged_rank
    coords = _level_coords(rt)
    items = []  # the output's items at levels 0 .. r - 1
    for j in builtins.range(r):
        if j < ax:
            level = coords[j]
        else:
            level = np.delete(coords[j + 1], ax, axis=1)
            level = np.unique(level, axis=0) if len(level) else level.reshape(0, j + 1)
        items.append(level)
    lengths = []
    for j in builtins.range(1, r):
        parent = _index_in(items[j - 1], items[j][:, :j]) if len(items[j]) else np.zeros(0)
        lengths.append(np.bincount(parent.astype(np.int64), minlength=len(items[j - 1])))
    value_keys = np.delete(coords[r], ax, axis=1)
    n = len(items[r - 1])
    seg = (
        _index_in(items[r - 1], value_keys).astype(np.int64)
        if len(value_keys)
        else np.zeros(0, np.int64)
    )
    counts = np.bincount(seg, minlength=n)
    out = _segment_reduce(kind, rt.flat_values, seg, n, counts)
    sdt = rt.row_splits_dtype.as_numpy_dtype
    if not lengths:
        return out
    return RaggedTensor.from_nested_row_lengths(
        out, [convert_to_tensor(x.astype(sdt)) for x in lengths], validate=False
    )


def _dense_reduce(kind: str, x: Any, axis: Any, keepdims: Any) -> Tensor:
    fn = {
        "sum": math_ops.reduce_sum,
        "prod": math_ops.reduce_prod,
        "max": math_ops.reduce_max,
        "min": math_ops.reduce_min,
        "mean": math_ops.reduce_mean,
    }[kind]
    return fn(x, axis=axis, keepdims=bool(keepdims))

"""Public array functions: creation, shape manipulation, gathers, scatters, indexing."""

from __future__ import annotations

import builtins
import collections
import os
from typing import Any

import numpy as np

from tfcompat._api import math_ops
from tfcompat._api._args import (
    as_tensor,
    binary_args,
    check_attr_dtype,
    check_type,
    concrete,
    execute,
    is_concrete,
    kernel_error,
    shape_arg,
    shape_str,
)
from tfcompat._api.indexed_slices import note_gather
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.variable import Variable
from tfcompat._ops import checks

__all__ = [
    "argsort",
    "boolean_mask",
    "broadcast_to",
    "clip_by_global_norm",
    "clip_by_norm",
    "clip_by_value",
    "concat",
    "constant",
    "convert_to_tensor",
    "einsum",
    "expand_dims",
    "eye",
    "fill",
    "gather",
    "gather_nd",
    "getitem",
    "global_norm",
    "identity",
    "linspace",
    "meshgrid",
    "one_hot",
    "ones",
    "ones_like",
    "pad",
    "range",
    "rank",
    "repeat",
    "reshape",
    "reverse",
    "roll",
    "saturate_cast",
    "scatter_nd",
    "searchsorted",
    "sequence_mask",
    "shape",
    "size",
    "slice",
    "sort",
    "split",
    "squeeze",
    "stack",
    "stop_gradient",
    "strided_slice",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_max",
    "tensor_scatter_nd_min",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_update",
    "tensordot",
    "tile",
    "transpose",
    "unique",
    "unique_with_counts",
    "unstack",
    "where",
    "zeros",
    "zeros_like",
]


def _dtype(dtype: Any) -> dtypes.DType:
    return dtypes.as_dtype(dtype)


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_tfcompat_read")


def _int(x: Any) -> int:
    return int(concrete(as_tensor(x))) if _is_tensor_like(x) else int(x)


def _axis(op: str, axis: Any, rank: int, extra: int = 0) -> int:
    """A non-negative axis in [0, rank + extra), with TF's error for bad ones."""
    a = _int(axis)
    n = rank + extra
    if not -n <= a < n:
        raise errors.kernel_error(op, f"Expected axis in the range [{-n}, {n}), but got {a}")
    return a % n if n else 0


# -- creation --------------------------------------------------------------------------------
def _memory_bytes() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no limit known
        return 2**62


def _alloc_shape(shape: Any, d: dtypes.DType, *, strict: bool, name: str | None) -> tuple[int, ...]:
    """A shape to allocate, checked as TF's `Fill` kernel checks it, before any memory is
    touched: Python floats and strings (`TypeError` with `strict`, as TF's conversion of
    `tf.zeros`' shape; else `Fill`'s attr error), negative sizes (`InvalidArgumentError`),
    more bytes than the machine has (`ResourceExhaustedError`, TF's OOM message)."""
    items = shape if isinstance(shape, (list, tuple)) else None
    if items is not None and any(isinstance(v, (float, str)) for v in items):
        if strict:
            raise TypeError(f"Cannot convert {shape!r} to EagerTensor of dtype int32")
        bad = "string" if any(isinstance(v, str) for v in items) else "float"
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'index_type' of {bad} is not in the list of allowed values: int32, "
            f"int64\n\t; NodeDef: {{{{node Fill}}}}; {_FILL_OPDEF} [Op:Fill]",
        )
    s = shape_arg(shape)
    for dim in s:
        if dim < 0:
            raise kernel_error("Fill", f"Dimension {dim} must be >= 0", name=name)
    n = 1
    for dim in s:
        n *= dim
    if n * np.dtype(d.as_numpy_dtype).itemsize > _memory_bytes():
        raise kernel_error(
            "Fill",
            f"OOM when allocating tensor with shape{shape_str(s)} and type {d._tf_type_name} on "
            "/job:localhost/replica:0/task:0/device:CPU:0 by allocator mklcpu",
            name=name,
            cls=errors.ResourceExhaustedError,
        )
    return s


_FILL_OPDEF = (
    "Op<name=Fill; signature=dims:index_type, value:T -> output:T; attr=T:type; "
    "attr=index_type:type,default=DT_INT32,allowed=[DT_INT32, DT_INT64]>"
)


def zeros(shape: Any, dtype: Any = dtypes.float32, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.zeros`."""
    d = _dtype(dtype)
    s = _alloc_shape(shape, d, strict=True, name="")
    return constant(np.zeros(s, d.as_numpy_dtype), dtype=d)


def ones(shape: Any, dtype: Any = dtypes.float32, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.ones`."""
    d = _dtype(dtype)
    s = _alloc_shape(shape, d, strict=True, name="")
    return constant(np.ones(s, d.as_numpy_dtype), dtype=d)


def fill(dims: Any, value: Any, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.fill`."""
    v = as_tensor(value)
    if v._shape:
        raise kernel_error(
            "Fill", f"value must represent a scalar, got shape {shape_str(v._shape)}"
        )
    s = _alloc_shape(dims, v._dtype, strict=False, name=None)
    return execute("Fill", (v,), (("shape", s),))


def zeros_like(input: Any, dtype: Any = None, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.zeros_like`."""
    t = as_tensor(input)
    if dtype is not None and _dtype(dtype) is not t.dtype:
        return zeros(t._shape, dtype)
    return execute("ZerosLike", (t,))


def ones_like(input: Any, dtype: Any = None, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.ones_like`."""
    t = as_tensor(input)
    if dtype is not None and _dtype(dtype) is not t.dtype:
        return ones(t._shape, dtype)
    return execute("OnesLike", (t,))


def eye(
    num_rows: Any,
    num_columns: Any = None,
    batch_shape: Any = None,
    dtype: Any = dtypes.float32,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.eye`."""
    d = _dtype(dtype)
    n = _int(num_rows)
    m = n if num_columns is None else _int(num_columns)
    arr = np.eye(n, m, dtype=d.as_numpy_dtype)
    if batch_shape is not None:
        arr = np.broadcast_to(arr, (*shape_arg(batch_shape), n, m)).copy()
    return constant(arr, dtype=d)


_RANGE_ORDER = ("int32", "int64", "float16", "bfloat16", "float32", "float64")


def range(
    start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range"
) -> Tensor:
    """tfcompat implementation of `tf.range`."""
    if limit is None:
        start, limit = 0, start
    vals = [
        v if isinstance(v, (int, float)) and not isinstance(v, bool) else as_tensor(v)
        for v in (start, limit, delta)
    ]
    py = [concrete(v).item() if isinstance(v, Tensor) else v for v in vals]
    if dtype is not None:
        d = _dtype(dtype)
    else:
        kinds = [
            v.dtype
            if isinstance(v, Tensor)
            else (dtypes.float32 if isinstance(v, float) else dtypes.int32)
            for v in vals
        ]
        d = builtins.max(
            kinds, key=lambda k: _RANGE_ORDER.index(k.name) if k.name in _RANGE_ORDER else 0
        )
    if py[2] == 0:
        raise errors.kernel_error("Range", "Requires delta != 0: 0")
    if (py[2] > 0 and py[0] > py[1]) or (py[2] < 0 and py[0] < py[1]):
        raise errors.kernel_error(
            "Range",
            f"Requires start <= limit when delta > 0: {py[0]}/{py[1]}"
            if py[2] > 0
            else f"Requires start >= limit when delta < 0: {py[0]}/{py[1]}",
        )
    return constant(np.arange(py[0], py[1], py[2]).astype(d.as_numpy_dtype), dtype=d)


def linspace(start: Any, stop: Any, num: Any, name: Any = None, axis: Any = 0) -> Tensor:
    """tfcompat implementation of `tf.linspace` (differentiable w.r.t. `start` and `stop`)."""
    s = as_tensor(start)
    e = convert_to_tensor(stop, dtype=s.dtype) if not _is_tensor_like(stop) else as_tensor(stop)
    if s.dtype is not e.dtype:
        raise ValueError(
            f"Tensor conversion requested dtype {s.dtype.name} for Tensor with dtype "
            f"{e.dtype.name}: {e!r}"
        )
    n = _int(num)
    if not (s.dtype.is_floating or s.dtype.is_complex):
        s, e = math_ops.cast(s, dtypes.float64), math_ops.cast(e, dtypes.float64)
    shape = np.broadcast_shapes(s._shape, e._shape)
    s, e = broadcast_to(s, shape), broadcast_to(e, shape)
    ax = _axis("LinSpace", axis, len(shape), 1)
    return execute("LinSpace", (s, e), (("num", builtins.max(n, 0)), ("axis", ax)))


def meshgrid(*args: Any, **kwargs: Any) -> list[Tensor]:
    """tfcompat implementation of `tf.meshgrid` (as TF: reshape, then multiply by ones)."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this function")
    if indexing not in ("xy", "ij"):
        raise ValueError(
            f"Argument `indexing` parameter must be either 'xy' or 'ij', got '{indexing}'"
        )
    ndim = len(args)
    if not ndim:
        return []
    s0 = (1,) * ndim
    ts = [as_tensor(x) for x in args]
    output = [reshape(t, (*s0[:i], -1, *s0[i + 1 :])) for i, t in enumerate(ts)]
    shapes = [int(np.prod(t._shape)) for t in ts]
    if indexing == "xy" and ndim > 1:
        output[0] = reshape(output[0], (1, -1) + (1,) * (ndim - 2))
        output[1] = reshape(output[1], (-1, 1) + (1,) * (ndim - 2))
        shapes[0], shapes[1] = shapes[1], shapes[0]
    mult = ones(shapes, ts[0].dtype)
    return [math_ops.multiply(x, mult) for x in output]


def one_hot(
    indices: Any,
    depth: Any,
    on_value: Any = None,
    off_value: Any = None,
    axis: Any = None,
    dtype: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.one_hot`."""
    idx = as_tensor(indices)
    on = as_tensor(on_value) if on_value is not None and _is_tensor_like(on_value) else on_value
    off = (
        as_tensor(off_value) if off_value is not None and _is_tensor_like(off_value) else off_value
    )
    if on is not None and off is not None and dtype is None:
        # TF converts both on their own; their dtypes must agree (1.0 and 0 do not).
        on, off = convert_to_tensor(on), convert_to_tensor(off)
        if on.dtype is not off.dtype:
            raise TypeError(
                f"dtype {on.dtype} of on_value does not match dtype {off.dtype} of off_value"
            )
    if dtype is not None:
        d = _dtype(dtype)
    elif isinstance(on, Tensor):
        d = on.dtype
    elif isinstance(off, Tensor):
        d = off.dtype
    elif on is not None or off is not None:
        d = as_tensor(on if on is not None else off).dtype
    else:
        d = dtypes.float32
    on_t = as_tensor(1 if on is None else on, d) if not isinstance(on, Tensor) else on
    off_t = as_tensor(0 if off is None else off, d) if not isinstance(off, Tensor) else off
    if on_t.dtype is not d or off_t.dtype is not d:
        bad = on_t if on_t.dtype is not d else off_t
        raise TypeError(
            f"dtype {d!r} of on_value does not match dtype parameter {bad.dtype!r}"
            if bad is on_t
            else f"dtype {d!r} of off_value does not match dtype parameter {bad.dtype!r}"
        )
    ax = -1 if axis is None else int(axis)
    rank = len(idx._shape)
    if ax < -1 or ax > rank:
        raise errors.kernel_error(
            "OneHot", f"Expected axis to be -1 or between [0, {rank}).  But received: {ax}"
        )
    return execute("OneHot", (idx, on_t, off_t), (("depth", _int(depth)), ("axis", ax)))


# -- shape -------------------------------------------------------------------------------------
def reshape(tensor: Any, shape: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.reshape`."""
    t = as_tensor(tensor)
    s = shape_arg(shape)
    if builtins.sum(1 for d in s if d == -1) > 1:
        first = s.index(-1)
        raise kernel_error(
            "Reshape",
            f"Only one input size may be -1, not both {first} and {s.index(-1, first + 1)}",
        )
    if -1 in s and 0 in s:
        # TF's ReshapeOp: with a 0 among the sizes, the -1 is inferred from the input's
        # non-zero dimensions (`[0, -1]` of a [0, 3] tensor is [0, 3]).
        known = int(np.prod([d for d in s if d not in (0, -1)]))
        n_in = int(np.prod([d for d in t._shape if d > 0]))
        s = tuple(n_in // known if d == -1 else d for d in s)
    return execute("Reshape", (t,), (("shape", s),))


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str = "transpose") -> Tensor:
    """tfcompat implementation of `tf.transpose`."""
    t = as_tensor(a)
    rank = len(t._shape)
    p = tuple(builtins.range(rank - 1, -1, -1)) if perm is None else shape_arg(perm)
    if len(p) != rank:
        raise kernel_error(
            "Transpose",
            f"transpose expects a vector of size {rank}. But input(1) is a vector of size {len(p)}",
        )
    p = tuple(q + rank if q < 0 else q for q in p)  # TF's kernel adds rank to negatives
    for q in p:
        if not 0 <= q < rank:
            raise kernel_error("Transpose", f"{q} is out of range [0 .. {rank})", name=None)
    missing = [q for q in builtins.range(rank) if q not in p]
    if missing:
        raise kernel_error(
            "Transpose", f"{missing[0]} is missing from {{{','.join(map(str, p))}}}."
        )
    out = execute("Transpose", (t,), (("perm", tuple(q % rank for q in p)),))
    if conjugate and t.dtype.is_complex:
        out = execute("Conj", (out,))
    return out


def identity(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.identity`."""
    return execute("Identity", (as_tensor(input),))


def stop_gradient(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.stop_gradient`."""
    return execute("StopGradient", (as_tensor(input),))


def shape(input: Any, out_type: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.shape`."""
    d = _dtype(out_type) if out_type is not None else dtypes.int32
    check_attr_dtype("Shape", d, "out_type")
    return constant(np.asarray(as_tensor(input)._shape, d.as_numpy_dtype), dtype=d)


def size(input: Any, out_type: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.size`."""
    d = _dtype(out_type) if out_type is not None else dtypes.int32
    return constant(np.asarray(int(np.prod(as_tensor(input)._shape)), d.as_numpy_dtype), dtype=d)


def rank(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.rank`."""
    return constant(np.int32(len(as_tensor(input)._shape)))


def expand_dims(input: Any, axis: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.expand_dims`."""
    t = as_tensor(input)
    rank_ = len(t._shape)
    if isinstance(axis, (list, tuple, np.ndarray)) or _is_tensor_like(axis):
        # TF takes `axis` as a tensor holding one value (a one-element list is fine).
        values = np.asarray(concrete(as_tensor(axis))).reshape(-1)
        if values.size != 1:
            raise errors.kernel_error(
                "ExpandDims", "'dim' must be a tensor with a single value", name=None
            )
        axis = int(values[0])
    a = _int(axis)
    if not -rank_ - 1 <= a <= rank_:
        raise errors.kernel_error(
            "ExpandDims", f"Tried to expand dim index {a} for tensor with {rank_} dimensions."
        )
    return execute("ExpandDims", (t,), (("axis", a % (rank_ + 1)),))


def squeeze(input: Any, axis: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.squeeze`."""
    t = as_tensor(input)
    rank_ = len(t._shape)
    if axis is None:
        ax = tuple(i for i, d in enumerate(t._shape) if d == 1)
    else:
        raw = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        ax_list: list[int] = []
        for a in raw:
            a = int(a)
            if not -rank_ <= a < rank_:
                raise errors.kernel_error(
                    "Squeeze", f"Tried to squeeze dim index {a} for tensor with {rank_} dimensions."
                )
            if t._shape[a] != 1:
                raise errors.kernel_error(
                    "Squeeze",
                    f"Can not squeeze dim[{a % rank_}], expected a dimension of 1, got "
                    f"{t._shape[a]}",
                )
            ax_list.append(a % rank_)
        ax = tuple(sorted(set(ax_list)))
    return execute("Squeeze", (t,), (("axis", ax),))


def broadcast_to(input: Any, shape: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.broadcast_to`."""
    t = as_tensor(input)
    s = shape_arg(shape)
    try:
        out = np.broadcast_shapes(t._shape, s)
    except ValueError:
        out = None
    if out != s:
        raise kernel_error(
            "BroadcastTo", f"Incompatible shapes: {shape_str(t._shape)} vs. {shape_str(s)}"
        )
    if t._shape == s:
        return t
    return execute("BroadcastTo", (t,), (("shape", s),))


def concat(values: Any, axis: Any, name: str = "concat") -> Tensor:
    """tfcompat implementation of `tf.concat`."""
    if not isinstance(values, (list, tuple)):
        values = [values]
    ts = [as_tensor(v) for v in values]
    if len(ts) == 1:
        return identity(ts[0])
    rank_ = len(ts[0]._shape)
    a = _int(axis)
    if not -rank_ <= a < rank_:
        raise kernel_error(
            "ConcatV2",
            f"ConcatOp : Expected concatenating dimensions in the range [{-rank_}, {rank_}), "
            f"but got {a}",
            node=f"ConcatV2_N_{len(ts)}",
            name="concat",
        )
    a %= rank_
    for i, t in enumerate(ts[1:], 1):
        if t.dtype is not ts[0].dtype:
            raise errors.dtype_mismatch("ConcatV2", i, ts[0].dtype, t.dtype)
        if len(t._shape) != rank_:
            raise kernel_error(
                "ConcatV2",
                "ConcatOp : Ranks of all input tensors should match: shape[0] = "
                f"{shape_str(ts[0]._shape)} vs. shape[{i}] = {shape_str(t._shape)}",
                node=f"ConcatV2_N_{len(ts)}",
                name="concat",
            )
        bad = [k for k in builtins.range(rank_) if k != a and t._shape[k] != ts[0]._shape[k]]
        if bad:
            raise kernel_error(
                "ConcatV2",
                f"ConcatOp : Dimension {bad[0]} in both shapes must be equal: shape[0] = "
                f"{shape_str(ts[0]._shape)} vs. shape[{i}] = {shape_str(t._shape)}",
                node=f"ConcatV2_N_{len(ts)}",
                name="concat",
            )
    return execute("ConcatV2", tuple(ts), (("axis", a),))


def stack(values: Any, axis: int = 0, name: str = "stack") -> Tensor:
    """tfcompat implementation of `tf.stack`."""
    ts = [as_tensor(v) for v in values]
    if not ts:
        raise ValueError("`values` must be a non-empty list of tensors.")
    rank_ = len(ts[0]._shape)
    if not -rank_ - 1 <= axis <= rank_:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank_ - 1}, {rank_ + 1})")
    for i, t in enumerate(ts[1:], 1):
        if t.dtype is not ts[0].dtype:
            raise errors.dtype_mismatch("Pack", i, ts[0].dtype, t.dtype)
        if t._shape != ts[0]._shape:
            raise kernel_error(
                "Pack",
                f"Shapes of all inputs must match: values[0].shape = {shape_str(ts[0]._shape)} != "
                f"values[{i}].shape = {shape_str(t._shape)}",
                node=f"Pack_N_{len(ts)}",
                name="stack",
            )
    return execute("Pack", tuple(ts), (("axis", axis % (rank_ + 1)),))


def unstack(value: Any, num: Any = None, axis: int = 0, name: str = "unstack") -> list[Tensor]:
    """tfcompat implementation of `tf.unstack`."""
    t = as_tensor(value)
    rank_ = len(t._shape)
    if not -rank_ <= axis < rank_:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-rank_}, {rank_})")
    a = axis % rank_
    if num is not None and num != t._shape[a]:
        raise kernel_error(
            "Unpack",
            f"Input shape axis {a} must equal {num}, got shape {shape_str(t._shape)}",
            node=f"Unpack_num_{num}",
            name="unstack",
        )
    if t._shape[a] == 0:
        return []
    return list(execute("Unpack", (t,), (("axis", a),)))


def split(
    value: Any, num_or_size_splits: Any, axis: Any = 0, num: Any = None, name: str = "split"
) -> list[Tensor]:
    """tfcompat implementation of `tf.split`."""
    t = as_tensor(value)
    rank_ = len(t._shape)
    a = _int(axis)
    if not -rank_ <= a < rank_:
        raise kernel_error(
            "Split", f"-{rank_} <= split_dim < {rank_} is not satisfied (got {a})", name="split"
        )
    a %= rank_
    n = t._shape[a]
    if isinstance(num_or_size_splits, (int, np.integer)) or (
        _is_tensor_like(num_or_size_splits) and not as_tensor(num_or_size_splits)._shape
    ):
        k = _int(num_or_size_splits)
        if k <= 0 or n % k:
            raise kernel_error(
                "Split",
                "Number of ways to split should evenly divide the split dimension, but got "
                f"split_dim {a} (size = {n}) and num_split {k}",
                node=f"Split_num_split_{k}",
                name="split",
            )
        sizes = (n // k,) * k
    else:
        sizes = tuple(int(s) for s in concrete(as_tensor(num_or_size_splits)).reshape(-1))
        if sizes.count(-1) == 1:
            sizes = tuple(n - (builtins.sum(sizes) + 1) if s == -1 else s for s in sizes)
        if builtins.sum(sizes) != n or any(s < 0 for s in sizes):
            raise kernel_error(
                "SplitV",
                "Determined shape must either match input shape along split_dim exactly if "
                "fully specified, or be less than the size of the input along split_dim if not "
                f"fully specified.  Got: {builtins.sum(sizes)}",
                node=f"SplitV_num_split_{len(sizes)}",
                name="split",
            )
    return list(execute("SplitV", (t,), (("sizes", sizes), ("axis", a))))


def tile(input: Any, multiples: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.tile`."""
    t = as_tensor(input)
    m = shape_arg(multiples)
    if len(m) != len(t._shape):
        raise kernel_error(
            "Tile",
            f"Expected multiples argument to be a vector of length {len(t._shape)} but got "
            f"length {len(m)}",
        )
    for i, k in enumerate(m):
        if k < 0:
            raise kernel_error("Tile", f"Expected multiples[{i}] >= 0, but got {k}")
    return execute("Tile", (t,), (("multiples", m),))


def repeat(input: Any, repeats: Any, axis: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.repeat`."""
    t = as_tensor(input)
    r = tuple(int(v) for v in np.atleast_1d(concrete(as_tensor(repeats))).reshape(-1))
    if axis is None:
        t = reshape(t, (-1,))
        ax = 0
    else:
        ax = _axis("Repeat", axis, len(t._shape))
    if len(r) not in (1, t._shape[ax]):
        raise errors.InvalidArgumentError(
            None, None, f"Dimensions {len(r)} and {t._shape[ax]} are not compatible"
        )
    return execute("Repeat", (t,), (("repeats", r), ("axis", ax)))


def pad(
    tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.pad` (CONSTANT, REFLECT, SYMMETRIC)."""
    t = as_tensor(tensor)
    p = concrete(as_tensor(paddings))
    rank_ = len(t._shape)
    if p.shape != (rank_, 2):
        raise errors.kernel_error(
            "PadV2" if mode.upper() == "CONSTANT" else "MirrorPad",
            f"The first dimension of paddings must be the rank of inputs{list(p.shape)} "
            f"{list(t._shape)}",
        )
    pads = tuple((int(a), int(b)) for a, b in p)
    m = mode.upper()
    if m == "CONSTANT":
        cv = (
            as_tensor(constant_values, t.dtype)
            if not _is_tensor_like(constant_values)
            else as_tensor(constant_values)
        )
        return execute("PadV2", (t,), (("paddings", pads), ("constant_value", cv)))
    if m not in ("REFLECT", "SYMMETRIC"):
        raise ValueError(
            'Value of argument `mode` expected to be one of "CONSTANT", "REFLECT", or '
            f'"SYMMETRIC". Received `mode` = {mode}'
        )
    off = 1 if m == "REFLECT" else 0
    for d, (a, b) in enumerate(pads):
        if a < 0 or b < 0 or a > t._shape[d] - off or b > t._shape[d] - off:
            if off:
                raise kernel_error(
                    "MirrorPad",
                    f"paddings must be less than the dimension size: {a}, {b} not less than "
                    f"{t._shape[d]}",
                )
            raise kernel_error(
                "MirrorPad",
                f"paddings must be no greater than the dimension size: {a}, {b} greater than "
                f"{t._shape[d]}",
            )
    return execute("MirrorPad", (t,), (("paddings", pads), ("mode", m)))


def reverse(tensor: Any, axis: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.reverse`."""
    t = as_tensor(tensor)
    rank_ = len(t._shape)
    axes = concrete(as_tensor(axis))
    graph = math_ops._graph()  # TF's shape inference raises ValueError

    def fail(text: str) -> Exception:
        if graph:
            return ValueError(
                f"{text} for '{{{{node ReverseV2}}}}' with input shapes: "
                f"{shape_str(t._shape)}, {shape_str(axes.shape)}."
            )
        # TF's eager text has a ` name: ` suffix for the rank check only.
        return kernel_error("ReverseV2", text, name="" if text.startswith("'dims'") else None)

    if axes.ndim != 1:
        raise fail(
            f"Shape must be rank 1 but is rank {axes.ndim}"
            if graph
            else f"'dims' must be 1-dimension, not {axes.ndim}"
        )
    ax: list[int] = []
    for a in axes.tolist():
        a = int(a)
        if not -rank_ <= a < rank_:
            raise kernel_error(
                "ReverseV2", f"'axis'[0] = {a} is out of valid range [0, {rank_ - 1}"
            )
        if a % rank_ in ax:
            raise fail(f"axis {a % rank_} specified more than once.")
        ax.append(a % rank_)
    return execute("ReverseV2", (t,), (("axis", tuple(ax)),))


def roll(input: Any, shift: Any, axis: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.roll`."""
    t = as_tensor(input)
    # `shift` is a value operand of Roll: a new shift reuses the compiled program, and a
    # symbolic shift (inside a tf.function) is taken as it is.
    st = as_tensor(shift)
    s: Any
    if is_concrete(st):
        s = tuple(int(v) for v in np.atleast_1d(concrete(st)).reshape(-1))
        n_shift = len(s)
    else:
        s = reshape(st, [-1])
        n_shift = s._shape[0]
    a = tuple(
        int(v) % builtins.max(len(t._shape), 1)
        for v in np.atleast_1d(concrete(as_tensor(axis))).reshape(-1)
    )
    if n_shift != len(a):
        raise errors.kernel_error("Roll", "shift and axis must have the same size")
    return execute("Roll", (t,), (("shift", s), ("axis", a)))


def slice(input_: Any, begin: Any, size: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.slice`."""
    t = as_tensor(input_)
    b = shape_arg(begin)
    s = list(shape_arg(size))
    if len(b) != len(t._shape) or len(s) != len(t._shape):
        raise errors.kernel_error(
            "Slice",
            f"Expected begin and size arguments to be 1-D tensors of size {len(t._shape)}, but "
            f"got shapes [{len(b)}] and [{len(s)}] instead.",
        )
    for i, (bb, ss) in enumerate(zip(b, s, strict=True)):
        if ss == -1:
            s[i] = t._shape[i] - bb
        if bb < 0 or bb + s[i] > t._shape[i] or s[i] < 0:
            raise kernel_error(
                "Slice", f"Expected size[{i}] in [0, {t._shape[i] - bb}], but got {ss}"
            )
    return execute("Slice", (t,), (("begin", b), ("size", tuple(s))))


def strided_slice(
    input_: Any,
    begin: Any,
    end: Any,
    strides: Any = None,
    begin_mask: int = 0,
    end_mask: int = 0,
    ellipsis_mask: int = 0,
    new_axis_mask: int = 0,
    shrink_axis_mask: int = 0,
    var: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.strided_slice` (the masks build a Python index)."""
    b = shape_arg(begin)
    e = shape_arg(end)
    st = shape_arg(strides) if strides is not None else (1,) * len(b)
    key: list[Any] = []
    for i in builtins.range(len(b)):
        bit = 1 << i
        if ellipsis_mask & bit:
            key.append(Ellipsis)
        elif new_axis_mask & bit:
            key.append(None)
        elif shrink_axis_mask & bit:
            key.append(b[i])
        else:
            key.append(
                builtins.slice(
                    None if begin_mask & bit else b[i], None if end_mask & bit else e[i], st[i]
                )
            )
    return getitem(input_ if var is None else var, tuple(key))


def where(condition: Any, x: Any = None, y: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.where`.

    With `x` and `y`: an element-wise select with broadcasting (TF's SelectV2). Alone:
    the int64 coordinates of the true elements.
    """
    c = as_tensor(condition)
    if x is None and y is None:
        if c.dtype is not dtypes.bool_:
            c = math_ops.not_equal(c, constant(0, c.dtype))
        return constant(np.argwhere(concrete(c)).astype(np.int64))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    tx, ty = binary_args("SelectV2", x, y)
    if c.dtype is not dtypes.bool_:
        raise errors.dtype_mismatch("SelectV2", 0, dtypes.bool_, c.dtype)
    try:
        np.broadcast_shapes(c._shape, tx._shape, ty._shape)
    except ValueError:
        raise kernel_error(
            "SelectV2",
            f"condition {shape_str(c._shape)}, then {shape_str(tx._shape)}, and else "
            f"{shape_str(ty._shape)} "
            "must be broadcastable",
        ) from None
    return execute("SelectV2", (c, tx, ty))


# -- gathers and scatters -------------------------------------------------------------------
def _check_indices(
    op: str,
    idx: np.ndarray,
    limit: int,
    fmt: str = "indices[{pos}] = {val} is not in [0, {limit})",
    name: str | None = None,
) -> None:
    idx = np.atleast_1d(idx)
    bad = np.nonzero((idx < 0) | (idx >= limit))
    if bad[0].size:
        pos = tuple(int(b[0]) for b in bad)
        message = fmt.format(pos=",".join(map(str, pos)), val=idx[pos], limit=limit)
        raise kernel_error(op, message, name=name)


def gather(
    params: Any,
    indices: Any,
    validate_indices: Any = None,
    axis: Any = None,
    batch_dims: int = 0,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.gather`.

    Out-of-range indices raise `InvalidArgumentError` (TF's CPU behaviour). The gradient
    w.r.t. `params` for `axis=0, batch_dims=0` is a `tf.IndexedSlices`, as TF.
    """
    p = as_tensor(params)
    i = as_tensor(indices)
    check_type("GatherV2", i, "Tindices")
    rank_ = len(p._shape)
    bd = int(batch_dims)
    if bd < 0:
        bd += len(i._shape)
    a = bd if axis is None else _int(axis)
    if a >= rank_:
        raise kernel_error("GatherV2", f"Shape must be at least rank {a + 1} but is rank {rank_}")
    if a < -rank_:
        raise kernel_error(
            "GatherV2", f"Expected axis in the range [{-rank_}, {rank_}), but got {a}"
        )
    a %= builtins.max(rank_, 1)
    if bd > len(i._shape) or bd > a:
        raise errors.kernel_error(
            "GatherV2", f"batch_dims ({bd}) must be less than or equal to axis ({a})."
        )
    if p._shape[:bd] != i._shape[:bd]:
        raise errors.kernel_error(
            "GatherV2",
            f"params.shape[{bd - 1}]: {p._shape[bd - 1]} should be equal to "
            f"indices.shape[{bd - 1}]: {i._shape[bd - 1]}",
        )
    if is_concrete(i) and not checks.enabled():  # TF's CPU kernel checks the values
        iv = concrete(i)
        if iv.ndim == 0 and not 0 <= iv < p._shape[a]:
            raise kernel_error("GatherV2", f"indices = {iv} is not in [0, {p._shape[a]})", name="")
        _check_indices(
            "GatherV2", iv, p._shape[a], name="" if isinstance(indices, Tensor) else None
        )
    else:  # inside tf.function: checked when the program returns
        checks.indices_in_range("GatherV2", i._array(), p._shape[a])
    return note_gather(execute("GatherV2", (p, i), (("axis", a), ("batch_dims", bd))))


def gather_nd(
    params: Any, indices: Any, batch_dims: int = 0, name: Any = None, bad_indices_policy: str = ""
) -> Tensor:
    """tfcompat implementation of `tf.gather_nd` (out-of-range indices raise, as TF on CPU)."""
    p = as_tensor(params)
    i = as_tensor(indices)
    check_type("GatherNd", i, "Tindices")
    if not i._shape:
        raise errors.kernel_error("GatherNd", "indices must be at least a vector")
    k = i._shape[-1]
    bd = int(batch_dims)
    if k > len(p._shape) - bd:
        raise errors.kernel_error(
            "GatherNd",
            f"index innermost dimension length must be <= params rank; saw: {k} vs. "
            f"{len(p._shape)}",
        )
    text = f"does not index into param shape {shape_str(p._shape)}, node name: GatherNd"
    if not is_concrete(i):
        if bd == 0:  # inside tf.function: checked when the program returns
            checks.rows_in_shape("GatherNd", i._array(), p._shape, text)
        iv = np.zeros((0, k), np.int64)
    else:
        iv = concrete(i)
    for d in builtins.range(k):
        col = iv[..., d]
        bad = np.nonzero((col < 0) | (col >= p._shape[bd + d]))
        if bad[0].size:
            pos = tuple(int(b[0]) for b in bad)
            raise kernel_error(
                "GatherNd",
                f"indices{list(pos)} = [{', '.join(str(int(v)) for v in iv[pos])}] {text}",
                name="",
            )
    return note_gather(execute("GatherNd", (p, i), (("batch_dims", bd),)))


def _scatter_checks(op: str, i: Tensor, u: Tensor, out_shape: tuple[int, ...]) -> None:
    k = i._shape[-1] if i._shape else 0
    expected = i._shape[:-1] + out_shape[k:]
    if u._shape[: len(i._shape) - 1] != i._shape[:-1]:
        raise kernel_error(
            op,
            "Outer dimensions of indices and update must match. Indices shape: "
            f"{shape_str(i._shape)}, updates shape:{shape_str(u._shape)}",
        )
    if u._shape != expected:
        raise kernel_error(
            op,
            f"Inner dimensions of output shape must match inner dimensions of updates shape. "
            f"Output: {shape_str(out_shape)} updates: {shape_str(u._shape)}",
        )
    text = f"does not index into shape {shape_str(out_shape)}"
    if not is_concrete(i):  # inside tf.function: checked when the program returns
        checks.rows_in_shape(op, i._array(), out_shape, text)
        iv = np.zeros((0, k), np.int64)
    else:
        iv = concrete(i)
    for d in builtins.range(k):
        col = iv[..., d]
        bad = np.nonzero((col < 0) | (col >= out_shape[d]))
        if bad[0].size:
            pos = tuple(int(b[0]) for b in bad)
            raise kernel_error(
                op,
                f"indices{list(pos)} = [{', '.join(str(int(v)) for v in iv[pos])}] {text}",
                name=None if op == "ScatterNd" else "",
            )


def scatter_nd(
    indices: Any, updates: Any, shape: Any, bad_indices_policy: str = "", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.scatter_nd` (duplicates are summed)."""
    i = as_tensor(indices)
    u = as_tensor(updates)
    s = shape_arg(shape)
    _scatter_checks("ScatterNd", i, u, s)
    return execute("ScatterNd", (i, u), (("shape", s),))


def _tensor_scatter(op: str, tensor: Any, indices: Any, updates: Any) -> Tensor:
    t = as_tensor(tensor)
    i = as_tensor(indices)
    u = (
        convert_to_tensor(updates, dtype_hint=t.dtype)
        if not _is_tensor_like(updates)
        else as_tensor(updates)
    )
    if u.dtype is not t.dtype:
        raise errors.dtype_mismatch(op, 2, t.dtype, u.dtype)
    _scatter_checks(op, i, u, t._shape)
    return execute(op, (t, i, u))


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.tensor_scatter_nd_update`."""
    return _tensor_scatter("TensorScatterUpdate", tensor, indices, updates)


def tensor_scatter_nd_add(
    tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.tensor_scatter_nd_add`."""
    return _tensor_scatter("TensorScatterAdd", tensor, indices, updates)


def tensor_scatter_nd_sub(
    tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.tensor_scatter_nd_sub`."""
    return _tensor_scatter("TensorScatterSub", tensor, indices, updates)


def tensor_scatter_nd_max(
    tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.tensor_scatter_nd_max`."""
    return _tensor_scatter("TensorScatterMax", tensor, indices, updates)


def tensor_scatter_nd_min(
    tensor: Any, indices: Any, updates: Any, bad_indices_policy: str = "", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.tensor_scatter_nd_min`."""
    return _tensor_scatter("TensorScatterMin", tensor, indices, updates)


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Tensor:
    """tfcompat implementation of `tf.boolean_mask` (a reshape and a gather, as TF)."""
    t = as_tensor(tensor)
    m = as_tensor(mask)  # as TF (a `where` on the mask): any non-zero entry selects
    a = 0 if axis is None else _int(axis)
    k = len(m._shape)
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    if t._shape[a : a + k] != m._shape:
        raise ValueError(
            f"Shapes {TensorShapeStr(t._shape[a : a + k])} and {TensorShapeStr(m._shape)} are "
            "incompatible"
        )
    flat = reshape(t, (*t._shape[:a], -1, *t._shape[a + k :]))
    idx = np.nonzero(concrete(m).reshape(-1))[0].astype(np.int64)
    return execute("GatherV2", (flat, constant(idx)), (("axis", a), ("batch_dims", 0)))


def TensorShapeStr(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# -- sorting and searching ---------------------------------------------------------------------
def _sort(values: Any, axis: Any, direction: str, argsort_: bool) -> Tensor:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(
            f"Argument `direction` should be one of {{'ASCENDING', 'DESCENDING'}}. Received: "
            f"direction={direction}"
        )
    t = as_tensor(values)
    rank_ = len(t._shape)
    a = int(axis) % rank_
    if direction == "ASCENDING":
        if t.dtype.is_unsigned:
            off = constant(t.dtype.max, t.dtype)
            r = _sort(math_ops.subtract(off, t), a, "DESCENDING", argsort_)
            return r if argsort_ else math_ops.subtract(off, r)
        if t.dtype.is_integer:
            r = _sort(math_ops.subtract(math_ops.negative(t), 1), a, "DESCENDING", argsort_)
            return r if argsort_ else math_ops.subtract(math_ops.negative(r), 1)
        r = _sort(math_ops.negative(t), a, "DESCENDING", argsort_)
        return r if argsort_ else math_ops.negative(r)
    perm = None
    if a != rank_ - 1:
        perm = list(builtins.range(rank_))
        perm[a], perm[-1] = perm[-1], perm[a]
        t = transpose(t, perm)
    vals, idx = math_ops.top_k(t, t._shape[-1])
    out = idx if argsort_ else vals
    return transpose(out, perm) if perm is not None else out


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.sort` (through `top_k`, as TF)."""
    return _sort(values, axis, direction, False)


def argsort(
    values: Any,
    axis: int = -1,
    direction: str = "ASCENDING",
    stable: bool = False,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.argsort` (through `top_k`, as TF; ties keep index order)."""
    return _sort(values, axis, direction, True)


Unique = collections.namedtuple("Unique", ["y", "idx"])


def _unique_groups(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """TF's CPU Unique: (first position of each distinct value in order of appearance,
    the group of each element). Its hash map compares with `==`: every NaN is distinct;
    float32/float64 -0.0 and 0.0 are one value (the first seen is kept), while the half
    types hash their bits, so there -0.0 and 0.0 stay apart."""
    if v.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    if v.dtype.kind in "fV" or v.dtype.name == "bfloat16":
        bits = v.view(f"u{v.dtype.itemsize}").astype(np.uint64)
        if v.dtype in (np.float32, np.float64):
            bits = np.where(v == 0, np.uint64(0), bits)
        nan = np.isnan(v.astype(np.float32))
        key = np.stack([nan.astype(np.uint64), np.where(nan, np.arange(v.size), bits)], 1)
        _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(v, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank_of = np.empty_like(order)
    rank_of[order] = np.arange(order.size)
    return first[order], rank_of[inverse.reshape(-1)]


def _unique_input(op: str, x: Any, out_idx: Any) -> tuple[Tensor, np.ndarray]:
    t = as_tensor(x)
    check_attr_dtype(op, _dtype(out_idx), "out_idx")
    if len(t._shape) != 1:
        if math_ops._graph():  # TF's shape inference
            raise ValueError(
                f"Shape must be rank 1 but is rank {len(t._shape)} for '{{{{node {op}}}}}' "
                f"with input shapes: {shape_str(t._shape)}."
            )
        raise errors.kernel_error(op, "unique expects a 1D vector.")
    if not is_concrete(t):
        # The output's length depends on the values; an XLA program's shapes are static.
        raise NotImplementedError(
            f"tfcompat cannot run tf.{op.lower().replace('withcounts', '_with_counts')} on a "
            "symbolic tensor inside tf.function: its output length depends on the values "
            "and compiled programs have static shapes. Call it outside the function."
        )
    return t, concrete(t)


def unique(x: Any, out_idx: Any = dtypes.int32, name: Any = None) -> Any:
    """tfcompat implementation of `tf.unique` (values in order of first occurrence)."""
    t, v = _unique_input("Unique", x, out_idx)
    first, groups = _unique_groups(v)
    return Unique(
        constant(v[first], t.dtype),
        constant(groups.astype(_dtype(out_idx).as_numpy_dtype)),
    )


UniqueWithCounts = collections.namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def unique_with_counts(x: Any, out_idx: Any = dtypes.int32, name: Any = None) -> Any:
    """tfcompat implementation of `tf.unique_with_counts` (TF's `Unique` plus counts)."""
    t, v = _unique_input("UniqueWithCounts", x, out_idx)
    first, groups = _unique_groups(v)
    np_idx = _dtype(out_idx).as_numpy_dtype
    counts = np.bincount(groups, minlength=first.size).astype(np_idx)
    return UniqueWithCounts(
        constant(v[first], t.dtype), constant(groups.astype(np_idx)), constant(counts)
    )


def searchsorted(
    sorted_sequence: Any,
    values: Any,
    side: str = "left",
    out_type: Any = dtypes.int32,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.searchsorted`."""
    s = as_tensor(sorted_sequence)
    v = as_tensor(values)
    if side not in ("left", "right"):
        raise ValueError(
            f"Argument `side` must be either 'right' or 'left'. Received: `side` = {side}."
        )
    if s.dtype is not v.dtype:
        raise errors.dtype_mismatch(
            "LowerBound" if side == "left" else "UpperBound", 1, s.dtype, v.dtype
        )
    if s._shape[:-1] != v._shape[:-1]:
        raise errors.kernel_error(
            "LowerBound" if side == "left" else "UpperBound",
            "Leading dim_size of both tensors must match.",
        )
    op = "LowerBound" if side == "left" else "UpperBound"
    return execute(op, (s, v), (("out_type", _dtype(out_type).as_numpy_dtype),))


# -- clipping ------------------------------------------------------------------------------------
def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.clip_by_value` (`maximum(minimum(t, max), min)`, as TF)."""
    values = as_tensor(t)
    t_min = math_ops.minimum(values, clip_value_max)
    if t_min._shape != values._shape:
        raise ValueError(
            f"Shapes {TensorShapeStr(values._shape)} and {TensorShapeStr(t_min._shape)} are "
            "incompatible"
        )
    t_max = math_ops.maximum(t_min, clip_value_min)
    if t_max._shape != values._shape:
        raise ValueError(
            f"Shapes {TensorShapeStr(values._shape)} and {TensorShapeStr(t_max._shape)} are "
            "incompatible"
        )
    return t_max


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.clip_by_norm` (TF's formula, NaN-free gradients at 0)."""
    values = as_tensor(t)
    if isinstance(clip_norm, (int, float, np.integer, np.floating)):  # TF: np.isscalar
        clip_norm = clip_norm if clip_norm >= 0 else 0
    else:
        clip_norm = math_ops.cast(math_ops.maximum(clip_norm, 0), values.dtype)
    l2sum = math_ops.reduce_sum(math_ops.multiply(values, values), axes, keepdims=True)
    pred = math_ops.greater(l2sum, 0)
    l2sum_safe = where(pred, l2sum, ones_like(l2sum))
    l2norm = where(pred, math_ops.sqrt(l2sum_safe), l2sum)
    intermediate = values * clip_norm
    return identity(intermediate / math_ops.maximum(l2norm, clip_norm))


def global_norm(t_list: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.linalg.global_norm`."""
    from tfcompat._api.nn_ops import l2_loss

    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    half = [l2_loss(as_tensor(v)) for v in t_list if v is not None]
    half_squared = math_ops.reduce_sum(stack(half))
    return math_ops.sqrt(math_ops.multiply(half_squared, constant(2.0, half_squared.dtype)))


def clip_by_global_norm(
    t_list: Any, clip_norm: Any, use_norm: Any = None, name: Any = None
) -> tuple[list[Any], Tensor]:
    """tfcompat implementation of `tf.clip_by_global_norm`."""
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    t_list = list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list)
    use_norm = as_tensor(use_norm)
    scale_for_finite = clip_norm * math_ops.minimum(
        1.0 / use_norm, constant(1.0, use_norm.dtype) / clip_norm
    )
    scale = scale_for_finite + (use_norm - use_norm)
    clipped = [
        None
        if v is None
        else identity(math_ops.multiply(as_tensor(v), math_ops.cast(scale, as_tensor(v).dtype)))
        for v in t_list
    ]
    return clipped, use_norm


# -- contractions ------------------------------------------------------------------------------
def einsum(equation: Any, *inputs: Any, **kwargs: Any) -> Tensor:
    """tfcompat implementation of `tf.einsum`."""
    kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(
            f"Invalid keyword arguments for this function: {', '.join(sorted(kwargs))}. "
            "Expected: name, optimize"
        )
    ts = [as_tensor(x) for x in inputs]
    for i, t in enumerate(ts[1:], 1):
        if t.dtype is not ts[0].dtype:
            raise errors.dtype_mismatch("Einsum", i, ts[0].dtype, t.dtype)
    eq = equation.replace(" ", "")
    return execute("Einsum", tuple(ts), (("equation", eq),))


def tensordot(a: Any, b: Any, axes: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.tensordot`."""
    ta, tb = binary_args("MatMul", a, b)
    ra, rb = len(ta._shape), len(tb._shape)
    if isinstance(axes, (int, np.integer)) or (
        _is_tensor_like(axes) and not as_tensor(axes)._shape
    ):
        n = _int(axes)
        if n < 0:
            raise ValueError(f"`axes` must be at least 0. Received: axes={n}.")
        if n > ra or n > rb:
            raise ValueError(
                f"`axes` must not be larger than the number of dimensions of tensor {ta!r}.  "
                f"Received {n}, vs tensor dimensions {ra}."
            )
        ax_a = list(builtins.range(ra - n, ra))
        ax_b = list(builtins.range(n))
    else:
        ax = axes if not _is_tensor_like(axes) else concrete(as_tensor(axes)).tolist()
        if len(ax) != 2:
            raise ValueError(f"`axes` must be an integer or have length 2. Received {axes}.")
        ax_a = [int(x) % ra for x in np.atleast_1d(ax[0])]
        ax_b = [int(x) % rb for x in np.atleast_1d(ax[1])]
        if len(ax_a) != len(ax_b):
            raise ValueError(
                f"Different number of contraction axes `a` and `b`, {len(ax_a)} != {len(ax_b)}."
            )
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    sa = [next(letters) for _ in builtins.range(ra)]
    sb = [next(letters) for _ in builtins.range(rb)]
    for i, j in zip(ax_a, ax_b, strict=True):
        if ta._shape[i] != tb._shape[j]:
            raise errors.kernel_error(
                "MatMul",
                f"Matrix size-incompatible: In[0]: [{ta._shape[i]}], In[1]: [{tb._shape[j]}]",
            )
        sb[j] = sa[i]
    out = [s for k, s in enumerate(sa) if k not in ax_a] + [
        s for k, s in enumerate(sb) if k not in ax_b
    ]
    return execute(
        "Einsum", (ta, tb), (("equation", f"{''.join(sa)},{''.join(sb)}->{''.join(out)}"),)
    )


# -- masks and casts ---------------------------------------------------------------------------
def sequence_mask(
    lengths: Any, maxlen: Any = None, dtype: Any = dtypes.bool_, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.sequence_mask`."""
    ln = as_tensor(lengths)
    if maxlen is None:
        mx = builtins.max(int(concrete(ln).max()) if ln._shape and np.prod(ln._shape) else 0, 0)
        maxlen_t = constant(mx, ln.dtype)
    else:
        maxlen_t = as_tensor(maxlen)
        if maxlen_t._shape:
            raise ValueError(
                "Argument `maxlen` must be scalar for sequence_mask, received `maxlen` = "
                f"{maxlen_t} with shape '{maxlen_t.shape}' instead"
            )
    row = range(0, maxlen_t, 1, dtype=maxlen_t.dtype)
    matrix = math_ops.cast(expand_dims(ln, -1), maxlen_t.dtype)
    result = math_ops.less(row, matrix)
    d = _dtype(dtype)
    return result if d is dtypes.bool_ else math_ops.cast(result, d)


def saturate_cast(value: Any, dtype: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.dtypes.saturate_cast` (clamp to the range, then cast)."""
    t = as_tensor(value)
    d = _dtype(dtype)
    if t.dtype.is_complex and not d.is_complex:
        t = math_ops.real(t)
    if t.dtype.is_complex:
        return math_ops.cast(t, d)
    out_real = d.real_dtype
    if t.dtype.is_floating or t.dtype.is_integer:
        np_in = t.dtype.as_numpy_dtype
        try:
            promoted: Any = np.promote_types(np_in, out_real.as_numpy_dtype)
        except TypeError:  # bfloat16 is not a NumPy dtype: TF falls back to float
            promoted = float
        lo = np_in(np.maximum(float(t.dtype.min), float(out_real.min)))
        if (
            np.array([lo, out_real.min], dtype=promoted)[0]
            < np.array([lo, out_real.min], dtype=promoted)[1]
        ):
            lo = np.nextafter(lo, np_in(0), dtype=np_in)
        hi = np_in(np.minimum(float(t.dtype.max), float(out_real.max)))
        if (
            np.array([hi, out_real.max], dtype=promoted)[0]
            > np.array([hi, out_real.max], dtype=promoted)[1]
        ):
            hi = np.nextafter(hi, np_in(0), dtype=np_in)
        t = clip_by_value(t, constant(lo, t.dtype), constant(hi, t.dtype))
    return math_ops.cast(t, d)


# -- Python indexing ---------------------------------------------------------------------------
_INDEX_ERROR = (
    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
    "tf.int32/tf.int64 tensors "
    "are valid indices, got {!r}"
)


def _canonical_index(key: Any, shape: tuple[int, ...]) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Turn a Python index into the StridedSlice raw op's `index` and `begin` attributes.

    `index` is static (it fixes the output shape); `begin` holds the window start of
    each integer index and each slice that does not span its dimension, and is a value
    operand of the op: a new index or slice start of the same shape reuses the compiled
    program. Out-of-range integer indices raise TF's error here, where TF's kernel does.
    """
    items = key if isinstance(key, tuple) else (key,)
    out: list[Any] = []
    begin: list[Any] = []
    dim = 0
    n_real = builtins.sum(1 for i in items if i is not None and i is not Ellipsis)
    seen_ellipsis = False
    for item in items:
        if item is None:
            out.append(None)
        elif item is Ellipsis:
            if seen_ellipsis:
                raise ValueError("Multiple ellipses in slice spec not allowed")
            seen_ellipsis = True
            end = len(shape) - (n_real - dim)
            for d in builtins.range(dim, builtins.max(end, dim)):
                out.append(("a", shape[d], 1))
            dim = builtins.max(end, dim)
        elif isinstance(item, builtins.slice):
            parts = []
            for p in (item.start, item.stop, item.step):
                parts.append(None if p is None else _index_int(p))
            if parts[2] == 0:
                raise errors.kernel_error(
                    "StridedSlice", "slice step cannot be zero", name="strided_slice/"
                )
            if dim >= len(shape):
                raise errors.kernel_error(
                    "StridedSlice",
                    f"Index out of range using input dim {dim}; input has only {len(shape)} dims",
                    name="strided_slice/",
                )
            n = shape[dim]
            start, _, step = builtins.slice(*parts).indices(n)
            size = len(builtins.range(*builtins.slice(*parts).indices(n)))
            # The window runs from the lowest element read; one that starts at 0 whatever
            # the bounds (empty, or spanning the dimension) needs no run-time start.
            low = start if step > 0 else start + (size - 1) * step
            if size == 0 or (size - 1) * builtins.abs(step) + 1 == n:
                out.append(("a", size, step))
            else:
                out.append(("s", size, step))
                begin.append(low)
            dim += 1
        else:
            i = _index_int(item, symbolic=True)
            if not shape:
                raise errors.kernel_error(
                    "StridedSlice", "Attempting to slice scalar input.", name="strided_slice/"
                )
            if dim >= len(shape):
                raise errors.kernel_error(
                    "StridedSlice",
                    f"Index out of range using input dim {dim}; input has only {len(shape)} dims",
                    name="strided_slice/",
                )
            n = shape[dim]
            if isinstance(i, Tensor):  # symbolic (a tf.function's argument): TF's wrap
                out.append(("i",))
                begin.append(math_ops.floormod(i, math_ops.cast(n, i.dtype)))
                dim += 1
                continue
            if not -n <= i < n:
                raise errors.kernel_error(  # TF reports a negative index after adding the size
                    "StridedSlice",
                    f"slice index {i + n if i < 0 else i} of dimension {dim} out of bounds.",
                    name="strided_slice/",
                )
            out.append(("i",))
            begin.append(i % n)
            dim += 1
    if dim > len(shape):
        raise errors.kernel_error(
            "StridedSlice",
            f"Index out of range using input dim {len(shape)}; input has only {len(shape)} dims",
            name="strided_slice/",
        )
    return tuple(out), tuple(begin)


def _index_int(p: Any, symbolic: bool = False) -> Any:
    """An index as a Python int; with `symbolic`, a scalar integer tensor whose value is
    not known (inside a tf.function) is returned as it is."""
    if isinstance(p, bool):
        raise TypeError(_INDEX_ERROR.format(p))
    if isinstance(p, (int, np.integer)):
        return int(p)
    if (
        isinstance(p, Variable)
        and not p._shape
        and (p.dtype is dtypes.int32 or p.dtype is dtypes.int64)
    ):  # TF reads an integer scalar variable
        p = p.read_value()
    if (
        isinstance(p, Tensor)
        and (p.dtype is dtypes.int32 or p.dtype is dtypes.int64)
        and not p._shape
    ):
        if symbolic and not is_concrete(p):
            return p
        return int(p)
    raise TypeError(_INDEX_ERROR.format(p))


def _begin_operand(begin: tuple[Any, ...]) -> Any:
    """StridedSlice's `begin`: the ints themselves, or one int64 tensor stacking them when
    some are symbolic tensors."""
    if not any(isinstance(b, Tensor) for b in begin):
        return begin
    return stack([math_ops.cast(b, dtypes.int64) for b in begin])


class _VariableSlice(EagerTensor):
    """`variable[key]`: a Tensor with TF's `assign` (a strided-slice assignment)."""

    __slots__ = ("_slice_index", "_slice_var")
    _slice_var: Any
    _slice_index: tuple[tuple[Any, ...], tuple[Any, ...]]  # (index, begin) of StridedSlice

    def assign(
        self, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ) -> Any:
        """Assign `value` to the slice of the variable this tensor was read from."""
        from tfcompat._api.variable_ops import assign_slice

        return assign_slice(self._slice_var, self._slice_index, value, read_value)


_VariableSlice.__name__ = _VariableSlice.__qualname__ = "EagerTensor"
_VariableSlice.__module__ = "tfcompat"


def getitem(tensor: Any, slice_spec: Any) -> Tensor:
    """`tensor[slice_spec]`: TF's strided-slice indexing, differentiable.

    On a `tf.Variable` the result also has `assign`, as TF (`v[0].assign(1.)`).
    """
    t = as_tensor(tensor)
    index, begin = _canonical_index(slice_spec, t._shape)
    out = execute("StridedSlice", (t,), (("index", index), ("begin", _begin_operand(begin))))
    if hasattr(tensor, "_tfcompat_read") and hasattr(tensor, "assign"):
        sliced = _VariableSlice(out._value, out._shape, out._dtype, out._node, out._index)
        sliced._tapes = out._tapes
        sliced._slice_var = tensor
        sliced._slice_index = (index, begin)
        return sliced
    return out

"""Public array functions: creation, shape manipulation, indexing."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tfcompat._api._args import as_tensor, execute, shape_arg
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import Tensor

__all__ = [
    "zeros", "ones", "fill", "zeros_like", "ones_like", "range", "reshape", "transpose", "identity",
    "stop_gradient", "shape", "size", "rank", "expand_dims", "squeeze", "getitem", "constant", "convert_to_tensor",
]


def _dtype(dtype: Any) -> dtypes.DType:
    return dtypes.as_dtype(dtype)


def zeros(shape: Any, dtype: Any = dtypes.float32, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.zeros`."""
    d = _dtype(dtype)
    return constant(np.zeros(shape_arg(shape), d.as_numpy_dtype), dtype=d)


def ones(shape: Any, dtype: Any = dtypes.float32, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.ones`."""
    d = _dtype(dtype)
    return constant(np.ones(shape_arg(shape), d.as_numpy_dtype), dtype=d)


def fill(dims: Any, value: Any, name: Any = None, layout: Any = None) -> Tensor:
    """tfcompat implementation of `tf.fill`."""
    v = as_tensor(value)
    if v._shape:
        raise errors.kernel_error("Fill", f"value must be a scalar, got a tensor with shape {list(v._shape)}")
    return execute("Fill", (v,), (("shape", shape_arg(dims)),))


def zeros_like(input: Any, dtype: Any = None, name: Any = None, layout: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.zeros_like`."""
    t = as_tensor(input)
    if dtype is not None and _dtype(dtype) is not t.dtype:
        return zeros(t._shape, dtype)
    return execute("ZerosLike", (t,))


def ones_like(input: Any, dtype: Any = None, name: Any = None, layout: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.ones_like`."""
    t = as_tensor(input)
    if dtype is not None and _dtype(dtype) is not t.dtype:
        return ones(t._shape, dtype)
    return execute("OnesLike", (t,))


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: str = "range") -> Tensor:  # noqa: A001
    """tfcompat implementation of `tf.range`."""
    if limit is None:
        start, limit = 0, start
    vals = [as_tensor(v) if not isinstance(v, (int, float)) else v for v in (start, limit, delta)]
    pyvals = [v.numpy().item() if isinstance(v, Tensor) else v for v in vals]
    if dtype is not None:
        d = _dtype(dtype)
    else:
        kinds = []
        for v in vals:
            kinds.append(v.dtype if isinstance(v, Tensor) else (dtypes.float32 if isinstance(v, float) else dtypes.int32))
        order = [dtypes.int32, dtypes.int64, dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64]
        d = max(kinds, key=order.index)
    if pyvals[2] == 0:
        raise errors.kernel_error("Range", "Requires delta != 0: 0")
    return constant(np.arange(pyvals[0], pyvals[1], pyvals[2]).astype(d.as_numpy_dtype), dtype=d)


def reshape(tensor: Any, shape: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.reshape`."""
    t = as_tensor(tensor)
    return execute("Reshape", (t,), (("shape", shape_arg(shape)),))


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str = "transpose") -> Tensor:
    """tfcompat implementation of `tf.transpose`."""
    t = as_tensor(a)
    p = tuple(builtins.range(len(t._shape) - 1, -1, -1)) if perm is None else shape_arg(perm)
    out = execute("Transpose", (t,), (("perm", p),))
    if conjugate and t.dtype.is_complex:
        out = execute("Conj", (out,))
    return out


def identity(input: Any, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.identity`."""
    return execute("Identity", (as_tensor(input),))


def stop_gradient(input: Any, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.stop_gradient`."""
    return execute("StopGradient", (as_tensor(input),))


def shape(input: Any, out_type: Any = None, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.shape`."""
    d = _dtype(out_type) if out_type is not None else dtypes.int32
    return constant(np.asarray(as_tensor(input)._shape, d.as_numpy_dtype), dtype=d)


def size(input: Any, out_type: Any = None, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.size`."""
    d = _dtype(out_type) if out_type is not None else dtypes.int32
    return constant(np.asarray(int(np.prod(as_tensor(input)._shape)), d.as_numpy_dtype), dtype=d)


def rank(input: Any, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.rank`."""
    return constant(np.int32(len(as_tensor(input)._shape)))


def expand_dims(input: Any, axis: Any, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.expand_dims`."""
    t = as_tensor(input)
    return execute("ExpandDims", (t,), (("axis", int(axis)),))


def squeeze(input: Any, axis: Any = None, name: Any = None) -> Tensor:  # noqa: A002
    """tfcompat implementation of `tf.squeeze`."""
    t = as_tensor(input)
    ax = None if axis is None else (tuple(axis) if isinstance(axis, (list, tuple)) else (int(axis),))
    return execute("Squeeze", (t,), (("axis", ax),))


_INDEX_ERROR = (
    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 tensors "
    "are valid indices, got {!r}"
)


def _canonical_index(key: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """Turn a Python index into the hashable attribute of the StridedSlice raw op."""
    items = key if isinstance(key, tuple) else (key,)
    out: list[Any] = []
    dim = 0
    n_real = sum(1 for i in items if i is not None and i is not Ellipsis)
    for item in items:
        if item is None:
            out.append(None)
        elif item is Ellipsis:
            out.append(Ellipsis)
            dim = len(shape) - (n_real - dim)
        elif isinstance(item, slice):
            parts = []
            for p in (item.start, item.stop, item.step):
                parts.append(None if p is None else _index_int(p))
            if parts[2] == 0:
                raise ValueError("slice step cannot be zero")
            out.append(("s", *parts))
            dim += 1
        else:
            i = _index_int(item)
            if dim >= len(shape):
                raise errors.kernel_error(
                    "StridedSlice",
                    f"Index out of range using input dim {dim}; input has only {len(shape)} dims",
                    name="strided_slice/",
                )
            n = shape[dim]
            if not -n <= i < n:
                raise errors.kernel_error(
                    "StridedSlice", f"slice index {i} of dimension {dim} out of bounds.", name="strided_slice/"
                )
            out.append(i)
            dim += 1
    return tuple(out)


def _index_int(p: Any) -> int:
    if isinstance(p, bool):
        raise TypeError(_INDEX_ERROR.format(p))
    if isinstance(p, (int, np.integer)):
        return int(p)
    if isinstance(p, Tensor) and (p.dtype is dtypes.int32 or p.dtype is dtypes.int64) and not p._shape:
        return int(p)
    raise TypeError(_INDEX_ERROR.format(p))


def getitem(tensor: Any, slice_spec: Any) -> Tensor:
    """`tensor[slice_spec]`: TF's strided-slice indexing, differentiable."""
    t = as_tensor(tensor)
    return execute("StridedSlice", (t,), (("index", _canonical_index(slice_spec, t._shape)),))

"""`tf.sets`: set operations along the last dimension of dense or sparse tensors.

Each row (all dimensions but the last) of `a` and `b` is a set of its values (duplicates
count once; a SparseTensor's implicit zeros are absent). The result is a SparseTensor of
the sorted members of each row's result, its last dimension the largest set's size, as
TF's `DenseToDenseSetOperation` and friends. Sets are computed on the host from concrete
values (these ops are not differentiable in TF either).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tfcompat._api._args import kernel_error
from tfcompat._composite.sparse import SparseTensor, _from_host, _host
from tfcompat._core import dtypes
from tfcompat._core.convert import convert_to_tensor

__all__ = ["difference", "intersection", "size", "union"]

_SET_DTYPES = (
    dtypes.int8,
    dtypes.int16,
    dtypes.int32,
    dtypes.int64,
    dtypes.uint8,
    dtypes.uint16,
    dtypes.string,
)


def _rows(x: Any, op: str) -> tuple[list[set[Any]], list[int], Any]:
    """(the set of each row, the row shape, the dtype)."""
    if isinstance(x, SparseTensor):
        shape = [int(d) for d in _host(x.dense_shape, "tf.sets")]
        idx = _host(x.indices, "tf.sets")
        vals = _host(x.values, "tf.sets")
        lead = shape[:-1]
        sets: list[set[Any]] = [set() for _ in builtins.range(int(np.prod(lead)))]
        flat = np.ravel_multi_index(tuple(idx[:, :-1].T), lead) if len(idx) else []
        for r, v in zip(flat, vals.tolist(), strict=True):
            sets[int(r)].add(v)
        return sets, lead, x.dtype
    t = convert_to_tensor(x)
    if len(t._shape) < 2:
        raise kernel_error(
            op, f"Shape [{','.join(map(str, t._shape))}] has rank {len(t._shape)} < 2", name=""
        )
    arr = _host(t, "tf.sets")
    lead = list(t._shape[:-1])
    rows = arr.reshape(-1, t._shape[-1]).tolist()
    return [set(r) for r in rows], lead, t.dtype


def _check(a: Any, b: Any) -> None:
    da = a.dtype if isinstance(a, SparseTensor) else convert_to_tensor(a).dtype
    db = b.dtype if isinstance(b, SparseTensor) else convert_to_tensor(b).dtype
    if da is not db:
        raise TypeError(f"Types don't match, {da!s} vs {db!s}.")
    if da not in _SET_DTYPES:
        raise TypeError(f"Unsupported dtype {da!r}.")


def _op_name(a: Any, b: Any) -> str:
    kind = ("Sparse" if isinstance(a, SparseTensor) else "Dense") + "To"
    kind += "Sparse" if isinstance(b, SparseTensor) else "Dense"
    return f"{kind}SetOperation"


def _set_operation(a: Any, b: Any, fn: Any) -> SparseTensor:
    op = _op_name(a, b)
    sa, lead_a, dtype = _rows(a, op)
    sb, lead_b, _ = _rows(b, op)
    if lead_a != lead_b:
        raise kernel_error(
            op,
            f"Mismatched shapes [{','.join(map(str, lead_a))}] vs [{','.join(map(str, lead_b))}]",
            name="",
        )
    results = [sorted(fn(x, y)) for x, y in zip(sa, sb, strict=True)]
    width = builtins.max((len(r) for r in results), default=0)
    indices, values = [], []
    for r, members in enumerate(results):
        pos = np.unravel_index(r, lead_a) if lead_a else ()
        for j, v in enumerate(members):
            indices.append([*(int(p) for p in pos), j])
            values.append(v)
    np_dtype = object if dtype is dtypes.string else dtype.as_numpy_dtype
    vals = convert_to_tensor(np.asarray(values, dtype=np_dtype).reshape(-1), dtype=dtype)
    idx = np.asarray(indices, np.int64).reshape(-1, len(lead_a) + 1)
    return _from_host(idx, vals, [*lead_a, width])


def union(a: Any, b: Any, validate_indices: bool = True) -> SparseTensor:
    """tfcompat implementation of `tf.sets.union`."""
    _check(a, b)
    return _set_operation(a, b, lambda x, y: x | y)


def intersection(a: Any, b: Any, validate_indices: bool = True) -> SparseTensor:
    """tfcompat implementation of `tf.sets.intersection`."""
    _check(a, b)
    return _set_operation(a, b, lambda x, y: x & y)


def difference(a: Any, b: Any, aminusb: bool = True, validate_indices: bool = True) -> SparseTensor:
    """tfcompat implementation of `tf.sets.difference`."""
    _check(a, b)
    if aminusb:
        return _set_operation(a, b, lambda x, y: x - y)
    return _set_operation(a, b, lambda x, y: y - x)


def size(a: Any, validate_indices: bool = True) -> Any:
    """tfcompat implementation of `tf.sets.size` (of a SparseTensor)."""
    if not isinstance(a, SparseTensor):
        raise TypeError(f"Expected `SparseTensor`, got {a!s}.")
    if a.dtype not in _SET_DTYPES:
        raise TypeError(f"Invalid dtype `{a.dtype}`.")
    sets, lead, _ = _rows(a, "SetSize")
    return convert_to_tensor(np.asarray([len(s) for s in sets], np.int32).reshape(lead))

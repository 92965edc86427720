"""Sliced and sparse updates of `tf.Variable`: `v[1:3].assign(x)`, `v.scatter_nd_update(...)`.

`variable[key]` returns a Tensor that also has TF's `assign` (see
`array_ops.getitem`); the methods below are attached to `Variable` when this module is
imported (`tfcompat/__init__.py` imports it). Every update computes the new value with a
raw op outside any tape, then stores it with `Variable.assign`: gradients never flow
through an assignment, as in TF.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tfcompat._api import array_ops
from tfcompat._api._args import as_tensor, execute, kernel_error, shape_str
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.variable import Variable
from tfcompat._ops.array_ops import slice_shape

__all__ = ["assign_slice"]


def _run(op: str, attrs: tuple[tuple[str, Any], ...], *values: Tensor) -> Any:
    """Run raw op `op` on fresh (never watched) tensors: an assignment is not recorded."""
    fresh = tuple(EagerTensor(t._array(), t._shape, t._dtype) for t in values)
    return execute(op, fresh, attrs)._array()


def _store(var: Variable, value: Any, read_value: bool) -> Any:
    h = var._handle
    return var.assign(EagerTensor(value, h.shape, h.dtype), read_value=read_value)


def _value(var: Variable, update: Any) -> Tensor:
    if isinstance(update, Variable):
        update = update.read_value()
    return convert_to_tensor(update, dtype=var.dtype)


def assign_slice(
    var: Variable,
    index: tuple[tuple[Any, ...], tuple[Any, ...]],
    value: Any,
    read_value: bool = True,
) -> Any:
    """`var[index].assign(value)`: TF's ResourceStridedSliceAssign.

    `index` is the (index, begin) pair of `array_ops.getitem`; the positions in `begin`
    are a value operand, so assigning at a new position reuses the compiled update.
    """
    spec, begin = index
    current = var.read_value()
    target_shape = slice_shape(current._shape, spec)
    v = _value(var, value)
    try:
        shape = np.broadcast_shapes(v._shape, target_shape)
    except ValueError:
        shape = None
    if shape != target_shape:
        raise kernel_error(
            "ResourceStridedSliceAssign",
            f"Cannot broadcast input shape {shape_str(v._shape)} into final shape "
            f"{shape_str(target_shape)}",
            name="strided_slice/_assign",
        )
    starts = array_ops._begin_operand(begin)
    if isinstance(starts, Tensor):  # (fresh: an assignment is not recorded)
        starts = EagerTensor(starts._array(), starts._shape, starts._dtype)
    new = _run("TensorStridedSliceUpdate", (("index", spec), ("begin", starts)), current, v)
    return _store(var, new, read_value)


def _scatter_nd(op: str, var: Variable, indices: Any, updates: Any, read_value: bool = True) -> Any:
    i = as_tensor(indices)
    u = _value(var, updates)
    array_ops._scatter_checks(op, i, u, var._handle.shape)
    current = var.read_value()
    new = _run(op, (), current, i, u)
    return _store(var, new, read_value)


def scatter_nd_update(self: Variable, indices: Any, updates: Any, name: Any = None) -> Any:
    """tfcompat implementation of `tf.Variable.scatter_nd_update`."""
    return _scatter_nd("TensorScatterUpdate", self, indices, updates)


def scatter_nd_add(self: Variable, indices: Any, updates: Any, name: Any = None) -> Any:
    """tfcompat implementation of `tf.Variable.scatter_nd_add`."""
    return _scatter_nd("TensorScatterAdd", self, indices, updates)


def scatter_nd_sub(self: Variable, indices: Any, updates: Any, name: Any = None) -> Any:
    """tfcompat implementation of `tf.Variable.scatter_nd_sub`."""
    return _scatter_nd("TensorScatterSub", self, indices, updates)


def _scatter_rows(op: str, var: Variable, sparse_delta: Any, use_locking: Any, name: Any) -> Any:
    from tfcompat._api.indexed_slices import IndexedSlices

    if not isinstance(sparse_delta, IndexedSlices):
        raise TypeError(f"sparse_delta is not IndexedSlices: {sparse_delta}")
    idx = array_ops.expand_dims(sparse_delta.indices, -1)
    return _scatter_nd(op, var, idx, sparse_delta.values)


def scatter_update(
    self: Variable, sparse_delta: Any, use_locking: bool = False, name: Any = None
) -> Any:
    """tfcompat implementation of `tf.Variable.scatter_update` (rows from an IndexedSlices)."""
    return _scatter_rows("TensorScatterUpdate", self, sparse_delta, use_locking, name)


def scatter_add(
    self: Variable, sparse_delta: Any, use_locking: bool = False, name: Any = None
) -> Any:
    """tfcompat implementation of `tf.Variable.scatter_add`."""
    return _scatter_rows("TensorScatterAdd", self, sparse_delta, use_locking, name)


def scatter_sub(
    self: Variable, sparse_delta: Any, use_locking: bool = False, name: Any = None
) -> Any:
    """tfcompat implementation of `tf.Variable.scatter_sub`."""
    return _scatter_rows("TensorScatterSub", self, sparse_delta, use_locking, name)


def sparse_read(self: Variable, indices: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.Variable.sparse_read`: `tf.gather(variable, indices)`."""
    return array_ops.gather(self, indices)


def _install() -> None:
    """Attach the sparse and sliced update methods to `tf.Variable` (TF has them there)."""
    for fn in (
        scatter_nd_update,
        scatter_nd_add,
        scatter_nd_sub,
        scatter_update,
        scatter_add,
        scatter_sub,
        sparse_read,
    ):
        if not hasattr(Variable, fn.__name__):
            setattr(Variable, fn.__name__, fn)


_install()

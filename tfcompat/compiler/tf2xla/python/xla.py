"""`tensorflow.compiler.tf2xla.python.xla`: XLA operations exposed by TF."""

from __future__ import annotations

from typing import Any

import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._core import dtypes
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor

__all__ = ["dynamic_update_slice"]


def dynamic_update_slice(x: Any, update: Any, indices: Any, name: Any = None) -> Tensor:
    """XLA's DynamicUpdateSlice: `x` with `update` written at the start `indices`.

    As XLA, each start index is clamped so that the update fits inside `x`.
    """
    x = convert_to_tensor(x)
    update = convert_to_tensor(update, dtype=x.dtype)
    rank = len(x._shape)
    if len(update._shape) != rank:
        raise ValueError(
            f"update must have the rank of x ({rank}), got shape {list(update._shape)}"
        )
    starts = math_ops.cast(convert_to_tensor(indices), dtypes.int64)
    limit = convert_to_tensor(
        np.array([a - b for a, b in zip(x._shape, update._shape, strict=True)], np.int64)
    )
    starts = math_ops.minimum(math_ops.maximum(starts, 0), limit)
    if not update._shape or 0 in update._shape:
        return x if 0 in update._shape else update
    grid = np.stack(np.meshgrid(*[np.arange(d) for d in update._shape], indexing="ij"), -1)
    offsets = convert_to_tensor(grid.reshape(-1, rank).astype(np.int64))
    positions = math_ops.add(offsets, array_ops.expand_dims(starts, 0))
    return array_ops.tensor_scatter_nd_update(x, positions, array_ops.reshape(update, [-1]))

"""Public neural-network functions (`tf.nn.*`)."""

from __future__ import annotations

from typing import Any

from tfcompat._api._args import FLOATS, as_tensor, check_dtype, execute
from tfcompat._api.array_ops import transpose
from tfcompat._api.math_ops import sigmoid
from tfcompat._core.tensor import Tensor

__all__ = ["relu", "softmax", "sigmoid"]

_RELU_TYPES = (
    "float",
    "double",
    "int32",
    "uint8",
    "int16",
    "int8",
    "int64",
    "bfloat16",
    "uint16",
    "half",
    "uint32",
    "uint64",
    "qint8",
)


def relu(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.relu`. The gradient at 0 is 0, as TF."""
    t = as_tensor(features)
    check_dtype("Relu", t, _RELU_TYPES, "features:T -> activations:T")
    return execute("Relu", (t,))


def softmax(logits: Any, axis: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.softmax`."""
    t = as_tensor(logits)
    check_dtype("Softmax", t, FLOATS, "logits:T -> softmax:T")
    rank = len(t._shape)
    if axis is None or int(axis) in (-1, rank - 1):
        return execute("Softmax", (t,))
    ax = int(axis) % rank
    perm = list(range(rank))
    perm[ax], perm[-1] = perm[-1], perm[ax]
    return transpose(execute("Softmax", (transpose(t, perm),)), perm)

"""`tensorflow.python.framework.ops`: the eager tensor class and execution context."""

from tfcompat._api.framework_ops import (
    control_dependencies,
    executing_eagerly,
    init_scope,
    inside_function,
)
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor

__all__ = [
    "EagerTensor",
    "Tensor",
    "control_dependencies",
    "convert_to_tensor",
    "executing_eagerly",
    "init_scope",
    "inside_function",
]

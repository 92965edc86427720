"""`tf.__internal__`: the TensorFlow internals that libraries built on TF (Keras) use.

Each name is the tfcompat object TF's internal name refers to: the tracking bases
(`tracking`), the tensor type for `isinstance` checks (`types.Tensor`), `smart_cond`, the
distribution helpers (`distribute.interim.maybe_merge_call`) and eager-context helpers.
"""

from tfcompat.__internal__ import decorator, distribute, smart_cond, tracking, types
from tfcompat._composite.base import CompositeTensor
from tfcompat._core.tensor import EagerTensor

__all__ = [
    "CompositeTensor",
    "EagerTensor",
    "decorator",
    "distribute",
    "smart_cond",
    "tracking",
    "types",
]

"""`tf.__internal__.types.Tensor`: the abstract base of TensorFlow's tensor types.

`tf.Tensor` and `tf.Variable` derive from it, and so do tensor-like classes of libraries
built on TF (Keras's variables), which `isinstance` checks then accept as tensors.
"""

from __future__ import annotations

__all__ = ["Tensor"]


class Tensor:
    """The base class of TF's tensor types (no state, no behaviour)."""

    __slots__ = ()


Tensor.__module__ = "tensorflow.python.types.core"

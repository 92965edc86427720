"""Execution-context functions: `tf.executing_eagerly`, `tf.init_scope`, `tf.device` ...

tfcompat runs eagerly except while a `tf.function` (or a control-flow body) is traced:
then the values are JAX tracers and `executing_eagerly()` is False, as inside a TF graph.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from jax import core

from tfcompat import _device
from tfcompat._core import errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._engine import jax_internals
from tfcompat._tape import engine

__all__ = [
    "control_dependencies",
    "device",
    "ensure_shape",
    "executing_eagerly",
    "get_static_value",
    "init_scope",
    "inside_function",
    "no_op",
]


def inside_function() -> bool:
    """tfcompat implementation of `tf.inside_function`: whether a function is being traced."""
    return not jax_internals.is_eval_trace(jax_internals.current_trace())


def executing_eagerly() -> bool:
    """tfcompat implementation of `tf.executing_eagerly`."""
    return not inside_function()


@contextlib.contextmanager
def init_scope() -> Iterator[None]:
    """tfcompat implementation of `tf.init_scope`.

    Lifts the block out of any function being traced into eager execution and pauses
    gradient tapes, as TF's `init_scope` does: variables created here get concrete
    initial values.
    """
    state = engine.state
    saved = state.recording
    state.recording = []
    try:
        with core.eval_context():
            yield
    finally:
        state.recording = saved


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """tfcompat implementation of `tf.control_dependencies`.

    tfcompat runs operations in program order, eagerly and inside traced functions (whose
    state changes are variable updates, sequenced by their data), so the block needs no
    extra ordering. `control_inputs` must be tensors, operations or None, as in TF.
    """
    if (
        control_inputs is not None
        and not isinstance(control_inputs, (list, tuple))
        and callable(control_inputs)
    ):
        raise TypeError(
            f"Control input must be an Operation, a Tensor, or IndexedSlices: {control_inputs}"
        )
    yield


device = _device.device


def no_op(name: Any = None) -> None:
    """tfcompat implementation of `tf.no_op` (eager: returns None, as TF)."""
    return None


def ensure_shape(x: Any, shape: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.ensure_shape`."""
    t = convert_to_tensor(x)
    want = TensorShape(shape)
    got = TensorShape(t._shape)
    if not want.is_compatible_with(got):
        raise errors.kernel_error(
            "EnsureShape",
            f"Shape of tensor {'x' if name is None else name} {_kernel_shape(got)} is not "
            f"compatible with expected shape {_kernel_shape(want)}.",
            name=name,
        )
    return t


def _kernel_shape(shape: TensorShape) -> str:
    if shape.rank is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """tfcompat implementation of `tf.get_static_value`.

    The value as a NumPy array when it is known now (eagerly), None while traced.
    """
    if isinstance(tensor, (np.ndarray, np.generic)):
        return tensor
    if not isinstance(tensor, Tensor) and not hasattr(tensor, "_tfcompat_read"):
        if isinstance(tensor, (bool, int, float, complex, str, bytes, list, tuple)):
            return np.asarray(convert_to_tensor(tensor).numpy())
        raise TypeError(f"{tensor!r} is not a Tensor or IndexedSlices.")
    t = convert_to_tensor(tensor)
    if t._value is not None and isinstance(t._value, core.Tracer):
        return None
    if t._value is None and not executing_eagerly():
        return None
    return np.asarray(t.numpy())

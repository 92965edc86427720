"""JAX interop: tfcompat tensors to and from `jax.Array`, and the warning for conversions
that a recording tape cannot follow.

`Tensor.__jax_array__` (so `jnp.asarray(t)` and `jnp.array(t)` take a tensor) and
`tfcompat.experimental.to_jax` hand out the tensor's array. JAX computes on it without
tfcompat seeing the operations, so a tape records nothing from there on and the gradient
through such a computation is None, as TF gives for an unconnected source. Because that
is silent, converting a tensor that a recording tape follows warns with
`UnrecordedComputationWarning`, naming the line that converted it.
"""

from __future__ import annotations

import linecache
import os
import sys
import warnings
from typing import Any

import jax

from tfcompat._core import tensor as tensor_mod
from tfcompat._core.tensor import Tensor
from tfcompat._engine.convert import convert_to_tensor
from tfcompat._tape import engine

__all__ = ["UnrecordedComputationWarning", "from_jax", "to_jax"]


class UnrecordedComputationWarning(UserWarning):
    """A tensor a recording tape follows was converted to a JAX or NumPy array."""


# Frames inside these packages are not "the user's line".
_LIBRARY_DIRS = tuple(
    os.path.dirname(m.__file__) + os.sep
    for m in (jax, sys.modules["tfcompat"], sys.modules["numpy"])
    if m.__file__
)


def _followed(t: Tensor) -> bool:
    """Whether a record that is recording now watches `t` (or the variable it reads)."""
    recording = engine.state.recording
    if not recording:
        return False
    if any(record in recording for record in t._tapes):
        return True
    var = t._var
    return var is not None and any(var.uid in record.watched_vars for record in recording)


def _warn_unrecorded(t: Tensor) -> None:
    if not _followed(t):
        return
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_LIBRARY_DIRS):
        frame = frame.f_back
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    line = linecache.getline(filename, lineno).strip()
    call = f"`{line}`" if line else "This line"
    warnings.warn_explicit(
        f"{call} converts a tensor that a recording tf.GradientTape follows into a JAX "
        "array. Operations on that array are not recorded, so gradients through them are "
        "None. Use tf.* operations inside the tape.",
        UnrecordedComputationWarning,
        filename,
        lineno,
        module=frame.f_globals.get("__name__", "__main__"),
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
    )


tensor_mod.jax_export_hooks.append(_warn_unrecorded)


def to_jax(x: Any) -> jax.Array:
    """The value of a tensor, variable or array-like as a `jax.Array` (no copy)."""
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return t.__jax_array__()


def from_jax(array: jax.Array) -> Tensor:
    """A tfcompat tensor holding `array` (no copy)."""
    return convert_to_tensor(array)

"""What a GradientTape records into, and the checks shared by gradients and Jacobians.

The layer below `tape.py` and `jacobian.py`: both import it, neither imports the other's
module-level state (`GradientTape.jacobian` calls into `jacobian.py`, which is below it).
"""

from __future__ import annotations

import enum
from typing import Any

from tfcompat._core import dtypes
from tfcompat._core.tensor import EagerTensor, Tensor, is_tensor
from tfcompat._engine.variable import Variable
from tfcompat._util import tf_logging


class UnconnectedGradients(enum.Enum):
    """tfcompat implementation of `tf.UnconnectedGradients`."""

    NONE = "none"
    ZERO = "zero"


class TapeRecord:
    """The underlying tape: what one GradientTape records between resets."""

    __slots__ = (
        "__weakref__",
        "dead",
        "gathers",
        "persistent",
        "recorded",
        "watch_accessed",
        "watched_vars",
    )

    def __init__(self, persistent: bool, watch_accessed: bool) -> None:
        self.persistent = persistent
        self.watch_accessed = watch_accessed
        self.watched_vars: dict[int, Variable] = {}
        # True once no gradient can be taken from this record any more (consumed or reset).
        self.dead = False
        # The tensors recorded on this record (see engine.retire).
        self.recorded: list[Any] = []
        # Whether a row gather was recorded: only then can a gradient be IndexedSlices.
        self.gathers = False

    def watches(self, var: Variable) -> bool:
        """Whether reads of `var`'s storage are recorded (no automatic watching)."""
        return var._handle.uid in self.watched_vars

    def accessed(self, var: Variable) -> bool:
        """Called on every read/write of `var` while this record records."""
        h = var._handle
        if h.uid in self.watched_vars:
            return True
        if self.watch_accessed and var._trainable:
            self.watched_vars[h.uid] = var
            return True
        return False


_NON_PERSISTENT_USED = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
)
_PERSISTENT_INSIDE_WARNING = (
    "Calling GradientTape.gradient on a persistent tape inside its context is significantly "
    "less efficient than calling it outside the context (it causes the gradient ops to be "
    "recorded on the tape, leading to increased CPU and memory usage). Only call "
    "GradientTape.gradient inside the context if you actually want to trace the gradient in "
    "order to compute higher order derivatives."
)
_REENTER = "Tape is still recording, This can happen if you try to re-enter an already-active tape."
_WATCH_TYPE = "Passed in object {} of type '{}', not tf.Tensor or tf.Variable or ExtensionType."
_WATCH_DTYPE = "The dtype of the watched tensor must be floating (e.g. tf.float32), got %r"
_TARGET_NONE = (
    "Argument `target` should be a list or nested structure of Tensors, Variables or "
    "CompositeTensors to be differentiated, but received None."
)

# TF's log_first_n through the "tensorflow" logger (counts are per process, as TF's).
_log_first_n = tf_logging.log_first_n
_log_counts = tf_logging._counts


def _is_trainable(t: Any) -> bool:
    """TF's `backprop_util.IsTrainable`: a non-tensor is taken as a dtype (3.0 is int32!)."""
    return dtypes.as_dtype(t.dtype if is_tensor(t) else t)._trainable


def _check_dtype(t: Any) -> None:
    """TF vlogs `t.dtype` for an untrainable target/source, so `t.dtype` must exist."""
    if not _is_trainable(t):
        _ = t.dtype


def resource_source(s: Any) -> Any:
    """The tfcompat Variable behind an object that acts as a resource variable, else `s`.

    As TF's tape, objects with `_should_act_as_resource_variable` (Keras's variables) are
    differentiated through their `handle`: the storage of the variable they wrap.
    """
    if getattr(s, "_should_act_as_resource_variable", False) and not isinstance(s, Variable):
        ref = getattr(s.handle, "variable", None)
        var = ref() if ref is not None else None
        if var is not None:
            return var
    return s


def _check_source(s: Any) -> None:
    """TF's checks of one source (also used by jacobians)."""
    _check_dtype(s)
    if not isinstance(s, (Tensor, Variable)):
        _ = s._id  # TF's C tape reads `_id`: AttributeError, with Python's text


def _target_tensor(t: Any, tape: Any = None) -> Tensor:
    """The tensor to differentiate for target `t` (a Variable's current value)."""
    if isinstance(t, Variable):
        origin = t._origin()
        h = origin._handle
        read = EagerTensor(h.value, h.shape, h.dtype)
        read._var = h
        return read
    if isinstance(t, Tensor):
        return t
    dense = getattr(t, "_tfcompat_dense", None)
    if dense is not None:
        return dense()  # type: ignore[no-any-return,unused-ignore]
    _ = t._id  # TF's C tape reads `_id`: AttributeError, with Python's text
    raise TypeError(f"Cannot differentiate {t!r}: not a Tensor or Variable.")


def _unconnected_mode(value: Any) -> UnconnectedGradients:
    if isinstance(value, UnconnectedGradients):
        return value
    try:
        return UnconnectedGradients(value)
    except ValueError:
        raise ValueError(f"Unknown value for unconnected_gradients: {value!r}") from None

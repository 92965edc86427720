"""`tf.GradientTape`: TF's recording rules on top of the engine.

A `GradientTape` owns a `TapeRecord`, the "underlying tape" of TF: re-entering a tape
pushes the same record again (records accumulate), `reset()` and a consumed
non-persistent tape start a new record. A tensor is watched by a record when the record
is in `tensor._tapes`; an op is recorded on every recording record that watches an input.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator
from typing import Any

import jax.numpy as jnp
import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor, is_tensor
from tfcompat._core.variable import Variable
from tfcompat._tape import engine
from tfcompat._util import nest, tf_logging

__all__ = ["GradientTape", "UnconnectedGradients"]

_SLOW = object()  # GradientTape._gradient_fast: take the general path

# Set by tfcompat._api.indexed_slices: computes a request's gradients when TF returns
# tf.IndexedSlices for some sources (gathers of them on axis 0), else returns None.
sparse_gradients: Any = None


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


class GradientTape:
    """tfcompat implementation of `tf.GradientTape`.

    Operations run inside the context are recorded lazily and differentiated by one
    cached `jax.jit`-compiled VJP per graph structure.
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._tape: TapeRecord | None = None
        self._persistent = persistent
        self._watch_accessed_variables = watch_accessed_variables
        self._watched_variables: tuple[Variable, ...] = ()
        self._consumed: TapeRecord | None = None
        self._recording = False

    # -- context --------------------------------------------------------------------
    def __enter__(self) -> GradientTape:
        self._push_tape()
        return self

    def __exit__(self, typ: Any, value: Any, traceback: Any) -> None:
        if self._recording:
            self._pop_tape()

    def __del__(self) -> None:
        # No gradient can be taken from this tape any more: free what it recorded.
        record = getattr(self, "_tape", None)
        if record is not None and not record.dead and not self._recording:
            # A persistent tape's graph goes now (as in TF); an unused non-persistent
            # tape's at the next tape entry or value read (see engine.retire).
            engine.retire(record, now=record.persistent)

    def _push_tape(self) -> None:
        if self._recording:
            raise ValueError(_REENTER)
        if self._tape is None:
            self._tape = TapeRecord(self._persistent, self._watch_accessed_variables)
        if engine._SWEEP.dead:
            engine.drain()
        engine.state.recording.append(self._tape)
        self._recording = True

    def _pop_tape(self) -> None:
        if not self._recording:
            raise ValueError("Tape is not recording.")
        rec = engine.state.recording
        if rec and rec[-1] is self._tape:  # (tapes usually exit innermost first)
            rec.pop()
        else:
            for i in range(len(rec) - 2, -1, -1):
                if rec[i] is self._tape:
                    del rec[i]
                    break
        self._recording = False

    # -- watching -------------------------------------------------------------------
    def watch(self, tensor: Any) -> None:
        """Ensures that `tensor` (a Tensor, Variable, or nested structure) is traced."""
        for t in nest.flatten(tensor):
            t = resource_source(t)
            if not (isinstance(t, (Tensor, Variable))):
                raise ValueError(_WATCH_TYPE.format(t, type(t).__name__))
            if not t.dtype._trainable:
                _log_first_n("watch_dtype", 5, _WATCH_DTYPE, t.dtype)
            tape = self._tape
            if tape is None:
                raise AttributeError("'NoneType' object has no attribute '_tape'")
            if not engine.state.recording:
                continue  # TF's C watch is a no-op when no tape records (stop_recording)
            if isinstance(t, Variable):
                # Keyed by storage; the object watched is what watched_variables() lists
                # (TF lists an `assign` alias as 'UnreadVariable' when it is watched).
                tape.watched_vars.setdefault(t._handle.uid, t)
            elif tape not in t._tapes:
                engine.add_tape(t, tape)

    def watched_variables(self) -> tuple[Variable, ...]:
        """The variables accessed or watched by this tape, in creation order."""
        record = self._tape if self._tape is not None else self._consumed
        if record is not None:
            self._watched_variables = tuple(
                sorted(record.watched_vars.values(), key=lambda v: v._handle.uid)
            )
        return self._watched_variables

    @contextlib.contextmanager
    def stop_recording(self) -> Iterator[None]:
        """A context manager that pauses this tape's recording."""
        if self._tape is None:
            raise RuntimeError("Trying to stop recording a tape which is not recording.")
        self._pop_tape()
        try:
            yield
        finally:
            self._push_tape()

    def reset(self) -> None:
        """Clears everything recorded so far and keeps recording on a fresh tape."""
        self._pop_tape()
        if self._tape is not None:
            engine.retire(self._tape, now=True)
        self._tape = None
        self._push_tape()

    # -- differentiation ------------------------------------------------------------
    def gradient(
        self,
        target: Any,
        sources: Any,
        output_gradients: Any = None,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
    ) -> Any:
        """Computes the gradient of `target` with respect to `sources`.

        Returns `sources`' structure filled with Tensors, or `None` for sources that the
        target does not depend on differentiably (zeros with
        `unconnected_gradients=tf.UnconnectedGradients.ZERO`).
        """
        if self._tape is None:
            raise RuntimeError(_NON_PERSISTENT_USED)
        if self._recording:
            if not self._persistent:
                self._pop_tape()
            else:
                _log_first_n("persistent_inside", 1, _PERSISTENT_INSIDE_WARNING)
        tape = self._tape

        if target is None:
            raise TypeError(_TARGET_NONE)
        if (
            output_gradients is None
            and unconnected_gradients is UnconnectedGradients.NONE
            and isinstance(target, Tensor)
        ):
            fast = self._gradient_fast(tape, target, sources)
            if fast is not _SLOW:
                return fast
        # TF's checks, in TF's order (their errors are TF's, quirks included).
        raw_targets = nest.flatten(target)
        raw_sources = [resource_source(s) for s in nest.flatten(sources)]
        for t in (*raw_targets, *raw_sources):
            _check_dtype(t)
        flat_seeds = _flat_seeds(output_gradients)
        flat_targets = [_target_tensor(t) for t in raw_targets]
        for s in raw_sources:
            _check_source(s)
        flat_sources = raw_sources
        unconnected = _unconnected_mode(unconnected_gradients)
        seeds = _seeds(flat_seeds, flat_targets)

        req = engine.GradientRequest(
            tape,
            flat_targets,
            [s._origin() if isinstance(s, Variable) else s for s in flat_sources],
            seeds,
        )
        grads = sparse_gradients(req) if tape.gathers else None
        if grads is None:
            grads = engine.compute_gradients(req)

        if unconnected is UnconnectedGradients.ZERO:
            grads = [
                g if g is not None else _zeros_like(s)
                for g, s in zip(grads, flat_sources, strict=True)
            ]
        if not self._persistent:
            self._consumed = tape  # watched_variables() still answers from it
            self._tape = None
            engine.retire(tape)
            engine.release(flat_targets)
        return nest.pack_sequence_as(sources, grads)

    def _gradient_fast(self, tape: TapeRecord, target: Tensor, sources: Any) -> Any:
        """`gradient()` for the common call: one Tensor target; a Tensor/Variable source
        or a flat list/tuple of them; no seeds. None of TF's checks can fail there."""
        single = isinstance(sources, (Tensor, Variable))
        if single:
            flat = [sources._origin() if isinstance(sources, Variable) else sources]
        elif type(sources) is list or type(sources) is tuple:
            flat = []
            for s in sources:
                if isinstance(s, Variable):
                    s = s._origin()
                elif not isinstance(s, Tensor):
                    return _SLOW
                flat.append(s)
        else:
            return _SLOW
        req = engine.GradientRequest(tape, [target], flat, None)
        grads = sparse_gradients(req) if tape.gathers else None
        if grads is None:
            grads = engine.compute_gradients(req)
        if not self._persistent:
            self._consumed = tape
            self._tape = None
            engine.retire(tape)
            if target._value is not None:
                engine.release([target])
        if single:
            return grads[0]
        return grads if type(sources) is list else tuple(grads)

    # Jacobians and higher-order features live in tfcompat._tape.jacobian.
    def jacobian(
        self,
        target: Any,
        sources: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        # Imported here: tfcompat._tape.jacobian imports this module.
        from tfcompat._tape import jacobian as _jac

        return _jac.jacobian(
            self, target, sources, unconnected_gradients, parallel_iterations, experimental_use_pfor
        )

    def batch_jacobian(
        self,
        target: Any,
        source: Any,
        unconnected_gradients: Any = UnconnectedGradients.NONE,
        parallel_iterations: Any = None,
        experimental_use_pfor: bool = True,
    ) -> Any:
        from tfcompat._tape import jacobian as _jac

        return _jac.batch_jacobian(
            self, target, source, unconnected_gradients, parallel_iterations, experimental_use_pfor
        )


GradientTape.__module__ = "tfcompat"


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


def _flat_seeds(output_gradients: Any) -> list[Tensor | None] | None:
    """TF flattens `output_gradients` (a Python list of floats is several seeds!) and
    converts each entry without a dtype hint."""
    if output_gradients is None:
        return None
    return [None if g is None else convert_to_tensor(g) for g in nest.flatten(output_gradients)]


def _seeds(flat: list[Tensor | None] | None, targets: list[Tensor]) -> list[Tensor] | None:
    """One seed per target: TF multiplies each seed into the target's first gradient."""
    if flat is None:
        return None
    seeds: list[Tensor] = []
    for i, t in enumerate(targets):
        g = flat[i] if i < len(flat) else None
        if g is None:
            if i < len(flat):
                convert_to_tensor(None)  # raises TF's ValueError
            seeds.append(EagerTensor(_ones(t), t._shape, t._dtype))
            continue
        s = g
        if s._dtype is not t._dtype:
            raise errors.dtype_mismatch("Mul", 1, s._dtype, t._dtype)
        if s._shape != t._shape:
            try:
                out_shape = np.broadcast_shapes(s._shape, t._shape)
            except ValueError:
                out_shape = None
            if out_shape != t._shape:
                raise errors.kernel_error(
                    "Mul", f"Incompatible shapes: {list(s._shape)} vs. {list(t._shape)}"
                )
            s = EagerTensor(jnp.broadcast_to(s._array(), t._shape), t._shape, t._dtype)
        seeds.append(s)
    return seeds


def _ones(t: Tensor) -> Any:
    return np.ones(t._shape, t._dtype.as_numpy_dtype)


def _zeros_like(s: Any) -> Tensor:
    dtype = s.dtype if s.dtype is not dtypes.string else dtypes.float32
    shape = s._shape
    return EagerTensor(np.zeros(shape, dtype.as_numpy_dtype), shape, dtype)

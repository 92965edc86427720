"""`tf.GradientTape`: TF's recording rules on top of the engine.

A `GradientTape` owns a `TapeRecord`, the "underlying tape" of TF: re-entering a tape
pushes the same record again (records accumulate), `reset()` and a consumed
non-persistent tape start a new record. A tensor is watched by a record when the record
is in `tensor._tapes`; an op is recorded on every recording record that watches an input.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import jax.numpy as jnp
import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.hooks import HOOKS
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._engine.convert import convert_to_tensor
from tfcompat._engine.variable import Variable
from tfcompat._tape import engine
from tfcompat._tape import jacobian as jacobian_mod
from tfcompat._tape.record import (  # (re-exported: tape_mod.X still works)
    _NON_PERSISTENT_USED,
    _PERSISTENT_INSIDE_WARNING,
    _REENTER,
    _TARGET_NONE,
    _WATCH_DTYPE,
    _WATCH_TYPE,
    TapeRecord,
    UnconnectedGradients,
    _check_dtype,
    _check_source,
    _log_first_n,
    _target_tensor,
    _unconnected_mode,
    resource_source,
)
from tfcompat._util import nest

__all__ = ["GradientTape", "UnconnectedGradients"]

_SLOW = object()  # GradientTape._gradient_fast: take the general path


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

    def _mark_consumed(self, record: TapeRecord) -> None:
        """A non-persistent tape's one gradient (or Jacobian) was taken from `record`."""
        self._consumed = record  # watched_variables() still answers from it
        self._tape = None

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
        sparse = HOOKS.sparse_gradients
        grads = sparse(req) if tape.gathers and sparse is not None else None
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
        sparse = HOOKS.sparse_gradients
        grads = sparse(req) if tape.gathers and sparse is not None else None
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
        return jacobian_mod.jacobian(
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
        return jacobian_mod.batch_jacobian(
            self, target, source, unconnected_gradients, parallel_iterations, experimental_use_pfor
        )


GradientTape.__module__ = "tfcompat"


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

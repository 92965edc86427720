"""Dispatch: `execute_op`, the one function that runs or records an op.

Every raw op goes through `execute_op`: its output avals come from abstract
evaluation; it is recorded (outputs are pending tensors holding a `Node`) when a
recording tape watches an input, stays lazy when an input is pending, and otherwise
runs at once as its own jitted op (or, the first time a data-movement op meets a new
shape, in NumPy).
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.hooks import HOOKS
from tfcompat._core.tensor import EagerTensor, Node, Tensor
from tfcompat._engine.abstract import _AVALS, Aval, _abstract_miss, _new_key
from tfcompat._engine.caches import _EAGER, _EAGER_MAX, _HOST_SEEN, _eager_fn
from tfcompat._engine.ir import _VALUE
from tfcompat._engine.memory import _not_tracing
from tfcompat._engine.values import _node_values, materialize, materialize_many
from tfcompat._ops import host_strings
from tfcompat._ops.registry import OPS, RawOp

# Chains of untaped lazy ops longer than this run eagerly instead (bounds graph growth
# in loops that never read their values).
LAZY_DEPTH = 64


class _State(threading.local):
    def __init__(self) -> None:
        # Tape records currently recording, innermost last.
        self.recording: list[Any] = []


state = _State()


_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1


def _split_operands(
    op: RawOp, inputs: tuple[Tensor, ...], attrs: tuple[tuple[str, Any], ...]
) -> tuple[tuple[Tensor, ...], tuple[tuple[str, Any], ...]]:
    """Move `op`'s value operands (`RawOp.operands`) from `attrs` to the end of `inputs`.

    Their values become run-time arguments: the abstract-evaluation key, the eager
    program and a tape's program key see only their shapes and dtypes. (Attributes that
    hold no operand, as when a caller passes them as inputs already, are left alone.)
    """
    names = op.operands
    values: dict[str, Any] = {}
    static = []
    for item in attrs:
        if item[0] in names:
            values[item[0]] = item[1]
        else:
            static.append(item)
    if not values:
        return inputs, attrs
    return inputs + tuple([_operand(values[name]) for name in names]), tuple(static)


def _operand(value: Any) -> Tensor:
    """A value operand as a (never watched) tensor holding a NumPy array.

    A tensor is taken as it is. Python ints (alone or in a tuple) are int32 when all fit,
    as TF converts them; NumPy values keep their dtype; Python
    floats are float64 (the op casts them to its dtype, as exactly as TF's conversion).
    (NumPy picks int64, or uint64, for larger ints.) Its array is passed to the compiled
    program as an argument, so no device transfer is made for it beforehand.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        arr = np.asarray(value, np.int32 if _INT32_MIN <= value <= _INT32_MAX else None)
    elif isinstance(value, tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        fits = all(_INT32_MIN <= v <= _INT32_MAX for v in value)
        arr = np.asarray(value, np.int32 if fits else None).reshape(len(value))
    else:
        arr = np.asarray(value)
    return EagerTensor(arr, arr.shape, dtypes.from_numpy(arr.dtype))


def execute(op_name: str, inputs: Sequence[Tensor], attrs: tuple[tuple[str, Any], ...] = ()) -> Any:
    """Apply raw op `op_name` to `inputs` (Tensors) with static `attrs`.

    Returns a Tensor, or a tuple of Tensors for multi-output ops. Records the op on
    every recording tape that watches an input; otherwise runs it eagerly.
    """
    return execute_op(OPS[op_name], tuple(inputs), attrs)


def execute_op(
    op: RawOp, inputs: tuple[Tensor, ...], attrs: tuple[tuple[str, Any], ...] = ()
) -> Any:
    """`execute` with a resolved `RawOp` (the hot path of every recorded op)."""
    if op.operands:
        inputs, attrs = _split_operands(op, inputs, attrs)
    n = len(inputs)
    if n == 2:
        a, b = inputs
        akey: tuple[Any, ...] = (op, attrs, a._shape, a._dtype, b._shape, b._dtype)
    elif n == 1:
        a = inputs[0]
        akey = (op, attrs, a._shape, a._dtype)
    else:
        akey = (op, attrs, *[x for t in inputs for x in (t._shape, t._dtype)])
    entry = _AVALS.get(akey)
    host_out = None
    if entry is None:
        if any(t._dtype is dtypes.string for t in inputs):  # never cached: always a miss
            return host_strings.execute(op, inputs, attrs)
        if op.host is not None:  # a new shape: NumPy's result gives the avals too
            host_out = _host_first_run(op, attrs, inputs)
        if host_out is not None:
            entry = _new_key(tuple((o.shape, dtypes.from_numpy(o.dtype)) for o in host_out))
        else:
            entry = _abstract_miss(op, attrs, tuple((t._shape, t._dtype) for t in inputs))
        _AVALS[akey] = entry
    key, out_avals = entry

    tapes: tuple[Any, ...] = ()
    recording = state.recording
    if recording:
        if len(recording) == 1:
            tape = recording[0]
            for t in inputs:
                watched = t._tapes
                if watched and tape in watched:
                    # (reuse the input's tuple when it is exactly this tape)
                    tapes = watched if len(watched) == 1 else (tape,)
                    break
        else:
            for tape in recording:
                for t in inputs:
                    if tape in t._tapes:
                        tapes += (tape,)
                        break
    depth = 0
    if tapes:  # recorded
        if _SLOW_MODE[0]:
            return _run_recorded_now(Node(op, attrs, inputs, key, len(out_avals), tapes), out_avals)
    else:  # lazy if an input is pending (up to a bounded chain length), else run now
        lazy = op.lazy
        for t in inputs:
            if t._value is None:
                lazy = True
                d = t._node.depth  # type: ignore[union-attr]
                if d >= depth:
                    depth = d + 1
        if not lazy or depth > LAZY_DEPTH or _SLOW_MODE[0]:
            if host_out is not None:
                return _host_outputs(op, key, host_out, out_avals)
            return _execute_now(op, inputs, attrs, key, out_avals)
    node = Node(op, attrs, inputs, key, len(out_avals), tapes, depth)
    if op.num_outputs == 1:
        shape, dtype = out_avals[0]
        out = EagerTensor(None, shape, dtype, node, 0, tapes)
        for tape in tapes:  # for engine.retire
            tape.recorded.append(out)
        return out
    outs = tuple(
        [
            EagerTensor(None, shape, dtype, node, i, tapes)
            for i, (shape, dtype) in enumerate(out_avals)
        ]
    )
    node.outs = tuple(weakref.ref(o) for o in outs)
    for tape in tapes:  # for engine.retire
        tape.recorded.extend(outs)
    return outs


def _execute_now(
    op: RawOp,
    inputs: tuple[Tensor, ...],
    attrs: tuple[tuple[str, Any], ...],
    key: int,
    out_avals: Any,
) -> Any:
    """Run `op` at once as its own jitted op (computing pending inputs first)."""
    if any(t._value is None for t in inputs):
        materialize_many([t for t in inputs if t._value is None])
    fn = _EAGER.get(key)
    if fn is None and op.host is not None and _first_sighting(key, inputs):
        result = _run_on_host(op, attrs, inputs)
    else:
        try:
            result = (fn or _eager_fn(op, attrs, key))(*map(_VALUE, inputs))
        except jax.errors.UnexpectedTracerError as exc:  # a tensor leaked out of a trace
            if HOOKS.leaked_tensor_error is None:
                raise
            raise HOOKS.leaked_tensor_error(inputs, exc) from None
    if CHECK_NUMERICS[0]:
        _check_numerics(op, inputs, [result] if op.num_outputs == 1 else list(result))
    if op.num_outputs == 1:
        shape, dtype = out_avals[0]
        return EagerTensor(result, shape, dtype)
    return tuple(
        EagerTensor(v, shape, dtype) for v, (shape, dtype) in zip(result, out_avals, strict=True)
    )


# Ops that only move data (`RawOp.host`) run in NumPy the first time their key is met:
# a new shape costs about 0.1 ms instead of a compile (tens of ms), and the result is
# the compiled program's, bit for bit. A key met again compiles, as any op. Inputs above
# HOST_MAX_ELEMENTS elements (all inputs together) compile at once.
HOST_MAX_ELEMENTS = 1 << 20


def _first_sighting(key: int, inputs: tuple[Tensor, ...]) -> bool:
    """Whether an op with a host implementation runs on the host now (and note `key`)."""
    if key in _HOST_SEEN or not _not_tracing():
        return False
    total = 0
    for t in inputs:
        n = 1
        for d in t._shape:
            n *= d
        total += n
    if total > HOST_MAX_ELEMENTS:
        return False
    _HOST_SEEN[key] = None
    if len(_HOST_SEEN) > _EAGER_MAX:
        _HOST_SEEN.popitem(last=False)
    return True


def _run_on_host(op: RawOp, attrs: tuple[tuple[str, Any], ...], inputs: tuple[Tensor, ...]) -> Any:
    assert op.host is not None
    out = op.host(*[np.asarray(t._value) for t in inputs], **dict(attrs))
    if op.num_outputs == 1:
        return jax.device_put(np.asarray(out))
    return tuple(jax.device_put(np.asarray(o)) for o in out)


def _host_first_run(
    op: RawOp, attrs: tuple[tuple[str, Any], ...], inputs: tuple[Tensor, ...]
) -> list[np.ndarray] | None:
    """An op's first call with a new key, when it has a host implementation and concrete
    inputs: its NumPy outputs, whose shapes and dtypes stand in for an abstract evaluation
    (a JAX trace, about 1 ms). None (then `jax.eval_shape` decides, and raises TF's error)
    when an input is pending, traced or large, or NumPy fails."""
    assert op.host is not None
    total = 0
    for t in inputs:
        if t._value is None:
            return None
        n = 1
        for d in t._shape:
            n *= d
        total += n
    if total > HOST_MAX_ELEMENTS or not _not_tracing() or _SLOW_MODE[0]:
        return None
    try:
        out = op.host(*[np.asarray(t._value) for t in inputs], **dict(attrs))
    except Exception:
        return None
    return [np.asarray(out)] if op.num_outputs == 1 else [np.asarray(o) for o in out]


def _host_outputs(op: RawOp, key: int, outs: list[np.ndarray], out_avals: Any) -> Any:
    """Eager tensors of NumPy outputs (`_host_first_run`), put on the device."""
    _HOST_SEEN[key] = None
    if len(_HOST_SEEN) > _EAGER_MAX:
        _HOST_SEEN.popitem(last=False)
    tensors = [
        EagerTensor(jax.device_put(o), shape, dtype)
        for o, (shape, dtype) in zip(outs, out_avals, strict=True)
    ]
    return tensors[0] if op.num_outputs == 1 else tuple(tensors)


# `tf.experimental.run_eagerly(True)`: compute every op at once (recorded ops keep their
# node for gradients), so a failure or a NaN shows at the line that made it. Slow.
DEBUG_EAGER = [os.environ.get("TFCOMPAT_EAGER", "") not in ("", "0")]


def _run_recorded_now(node: Node, out_avals: tuple[Aval, ...]) -> Any:
    op = node.op
    for t in node.inputs:
        if t._value is None:
            materialize(t)
    values = _node_values(node)
    if CHECK_NUMERICS[0]:
        _check_numerics(op, node.inputs, values)
    outs = tuple(
        EagerTensor(v, shape, dtype, node, i, node.tapes)
        for i, (v, (shape, dtype)) in enumerate(zip(values, out_avals, strict=True))
    )
    return outs[0] if op.num_outputs == 1 else outs


# `tf.debugging.enable_check_numerics()`: every op runs at once (as with run_eagerly) and
# a floating output holding NaN or Inf raises TF's InvalidArgumentError at that op.
CHECK_NUMERICS = [False]
# Either mode: the recording hot path checks this one flag.
_SLOW_MODE = [DEBUG_EAGER[0]]


def set_modes(debug_eager: bool | None = None, check_numerics: bool | None = None) -> None:
    """Switch `run_eagerly` / `enable_check_numerics` on or off (None: unchanged)."""
    if debug_eager is not None:
        DEBUG_EAGER[0] = bool(debug_eager)
    if check_numerics is not None:
        CHECK_NUMERICS[0] = bool(check_numerics)
    _SLOW_MODE[0] = DEBUG_EAGER[0] or CHECK_NUMERICS[0]


def _check_numerics(op: RawOp, inputs: Sequence[Tensor], outputs: Sequence[Any]) -> None:
    for i, value in enumerate(outputs):
        arr = np.asarray(value)
        if arr.dtype.kind not in "fc" and arr.dtype != dtypes.bfloat16.as_numpy_dtype:
            continue
        flat = arr.astype(np.complex128 if arr.dtype.kind == "c" else np.float64).ravel()
        parts: list[Any] = [flat.real, flat.imag] if arr.dtype.kind == "c" else [flat]
        nan = int(sum(np.isnan(p).sum() for p in parts))
        neg_inf = int(sum(np.isneginf(p).sum() for p in parts))
        pos_inf = int(sum(np.isposinf(p).sum() for p in parts))
        if not (nan or neg_inf or pos_inf):
            continue
        lines = [
            f'!!! Detected Infinity or NaN in output {i} of eagerly-executing op "{op.name}" '
            f"(# of outputs: {len(outputs)}) !!!",
            f"  dtype: {dtypes.from_numpy(arr.dtype)}",
            f"  shape: {tuple(arr.shape)}",
        ]
        for label, count in (("-Inf", neg_inf), ("+Inf", pos_inf), ("+NaN", nan)):
            if count:
                lines.append(f"  # of {label} elements: {count}")
        lines.append("")
        if len(inputs) == 1:
            lines.append(f"  Input tensor: {inputs[0]!s}")
        else:
            lines.append(f"  Input tensors ({len(inputs)}):")
            lines += [f"    {k}: {t!s}" for k, t in enumerate(inputs)]
        what = "Inf and NaN" if nan and (neg_inf or pos_inf) else ("NaN" if nan else "Inf")
        message = "\n\n" + "\n".join(lines) + f"\n\n : Tensor had {what} values"
        raise errors.kernel_error("CheckNumericsV2", message)

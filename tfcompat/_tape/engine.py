"""The execution engine: recording, abstract evaluation, graph replay, the compile cache.

The whole model (DESIGN.md, "The execution model") in brief:

* `execute(op, inputs, attrs)` is the single entry point of every raw op. Its output
  shapes and dtypes come from a cache of abstract evaluations keyed by (op, attrs, input
  shapes/dtypes), so shape and dtype errors raise at the op, as in TF eager.
* If a recording tape watches one of the inputs, the op is *recorded*: the outputs are
  pending tensors holding a `Node`, and nothing runs. An op with a pending input also
  stays pending (up to a bounded chain length); otherwise the op runs eagerly.
* `gradient()` walks the recorded graph from the targets, builds a canonical signature
  (node keys and wiring, which values are sources) and finds the cached *gradient op*
  for it: a raw op whose function is one `jax.jit`-compiled program computing the
  targets and their VJP together. Applying that op to the graph's leaves (variable
  reads, constants, Python scalars: runtime arguments, so new values never recompile)
  gives pending gradients. Because it is an ordinary op:
    - an outer tape that watches a leaf records it, and differentiates through it
      (higher-order gradients);
    - it fuses with what follows: `v.assign_sub(lr * g)` leaves the variable pending,
      and the next read of any pending value computes the gradients and every pending
      update of this thread in one compiled program, like a hand-written `jax.jit` step.
* A pending tensor whose value is needed (`numpy()`, `print`) is computed by a cached,
  jitted replay of its graph; the other outputs of the nodes it runs are filled too.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfcompat._core import dtypes, errors, hooks
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Node, Tensor
from tfcompat._engine import jax_internals
from tfcompat._engine.deps import jaxpr_deps
from tfcompat._ops import host_strings
from tfcompat._ops.registry import ELEMENTWISE, OPS, RawOp
from tfcompat._tape import cache_warning

__all__ = [
    "Program",
    "add_tape",
    "assign_lazy",
    "clear_caches",
    "compile_stats",
    "compute_gradients",
    "drain",
    "execute",
    "execute_op",
    "flush_variables",
    "materialize",
    "materialize_many",
    "release",
    "retire",
    "set_modes",
    "set_value",
    "walk",
]

log = logging.getLogger("tfcompat")

# Chains of untaped lazy ops longer than this run eagerly instead (bounds graph growth
# in loops that never read their values).
LAZY_DEPTH = 64

# --------------------------------------------------------------------------------------
# Thread-local recording state
# --------------------------------------------------------------------------------------


class _State(threading.local):
    def __init__(self) -> None:
        # Tape records currently recording, innermost last.
        self.recording: list[Any] = []


state = _State()


# --------------------------------------------------------------------------------------
# Abstract evaluation cache
# --------------------------------------------------------------------------------------

Aval = tuple[tuple[int, ...], DType]

# (op, attrs, *input shapes and dtypes, flattened) -> (key id, output avals)
_AVALS: dict[tuple[Any, ...], tuple[int, tuple[Aval, ...]]] = {}
# key id -> output avals (for building replays from signatures)
_KEY_OUTS: list[tuple[Aval, ...]] = []


def _struct(aval: Aval) -> jax.ShapeDtypeStruct:
    shape, dtype = aval
    if dtype is dtypes.string:
        raise errors.kernel_error(
            "Cast", "tfcompat does not compute on string tensors", errors.UnimplementedError
        )
    return jax.ShapeDtypeStruct(shape, dtype.as_numpy_dtype)


def _abstract_miss(
    op: RawOp, attrs: tuple[tuple[str, Any], ...], in_avals: tuple[Aval, ...]
) -> tuple[int, tuple[Aval, ...]]:
    if ELEMENTWISE in op.tags and not attrs:
        # Inputs of one floating dtype: the output's aval without tracing (a trace costs
        # about 1 ms, paid by every first step). Other inputs, and shapes that do not
        # broadcast, take the traced path and its errors.
        dtype = in_avals[0][1]
        if dtype._kind == "f" and all(a[1] is dtype for a in in_avals):
            shape = _broadcast_shape([a[0] for a in in_avals])
            if shape is not None:
                return _new_key(((shape, dtype),))
    structs = [_struct(a) for a in in_avals]
    try:
        out = jax.eval_shape(partial(op.fn, **dict(attrs)), *structs)
    except errors.OpError:
        raise
    except Exception as exc:
        mapped = op.error(exc, in_avals, dict(attrs)) if op.error is not None else None
        if mapped is not None:
            raise mapped from None
        raise errors.kernel_error(op.name, _jax_message(exc)) from None
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return _new_key(tuple((tuple(o.shape), dtypes.from_numpy(o.dtype)) for o in outs))


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """NumPy's (and TF's) broadcast of `shapes`; None if they do not broadcast."""
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        for i, d in enumerate(s, ndim - len(s)):
            if d != out[i]:
                if out[i] == 1:
                    out[i] = d
                elif d != 1:
                    return None
    return tuple(out)


_KEY_LOCK = threading.Lock()


def _new_key(out_avals: tuple[Aval, ...]) -> tuple[int, tuple[Aval, ...]]:
    # Locked: two threads must not take the same id (a cache miss only, so cheap).
    with _KEY_LOCK:
        entry = (len(_KEY_OUTS), out_avals)
        _KEY_OUTS.append(out_avals)
    return entry


def _jax_message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --------------------------------------------------------------------------------------
# execute: the entry point of every raw op
# --------------------------------------------------------------------------------------

# Abstract-evaluation key id (op, attrs, input shapes and dtypes) -> jitted op, for ops
# run on their own (bounded: attrs such as shapes vary). Each entry is compiled once, for
# exactly those inputs, so a miss is one XLA compile and is counted as one.
_EAGER: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_EAGER_MAX = 4096
_VALUE = attrgetter("_value")  # (map(_VALUE, tensors): their values, without a Python loop)


def _eager_fn(op: RawOp, attrs: tuple[tuple[str, Any], ...], key: int) -> Callable[..., Any]:
    fn = _EAGER.get(key)
    if fn is None:
        fn = jit_program(partial(op.fn, **dict(attrs)) if attrs else op.fn, BARRIERS in op.tags)
        if not _not_tracing():
            return fn  # traced into an enclosing program: nothing compiles on its own
        _EAGER[key] = fn
        if len(_EAGER) > _EAGER_MAX:
            _EAGER.popitem(last=False)
        # (a gradient program run on its own is a "gradient" compile, explained by its plan)
        if op.lazy:
            CACHE.count_compile("gradient", 1, key, CACHE.plan_why)
        else:
            CACHE.count_compile("op", 1, key)
    return fn


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
        result = (fn or _eager_fn(op, attrs, key))(*map(_VALUE, inputs))
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
_HOST_SEEN: OrderedDict[int, None] = OrderedDict()


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


# --------------------------------------------------------------------------------------
# Graph walks and programs
# --------------------------------------------------------------------------------------

# Stop kinds of a node in a gradient program (spec[1]).
FLOW = 0  # differentiated
BLOCK = 1  # a non-differentiable op: lax.stop_gradient on its outputs
OFF_TAPE = 2  # not recorded on this tape: a constant for this gradient, computed outside
#               the differentiated function (so an outer tape still sees through it)


# Big programs (docs/reliability.md, "Scale"). A program of more than SEGMENT_ABOVE nodes is
# traced in segments of SEGMENT_NODES nodes, with an optimization barrier on the values
# each segment takes from earlier ones, so that XLA fuses no elementwise chain across
# segments. Unsegmented, XLA's CPU compiler overflows a compile thread's stack (its
# recursive `SortTiledHloInstructionsInPostOrder`) and kills the process once a chain
# fuses past about 21,000 ops, and compiles deep fusions in quadratic time (a chain of
# 4,000 `erf`s: 110 s; segmented: 15 s). Both are read when a program is built (a cache
# miss); programs of up to SEGMENT_ABOVE nodes are traced exactly as without this.
SEGMENT_ABOVE = 4000
SEGMENT_NODES = 500

# The tag of a raw op whose function traces optimization barriers (a segmented program):
# the jitted program that runs it must keep them (`jit_program`).
BARRIERS = "barriers"

# XLA's CPU compiler drops optimization barriers before fusion (its pass
# "cse_barrier_expander"); its runtime runs them (as nothing) when the pass is skipped.
# GPU and TPU compilers keep them through fusion already.
_KEEP_BARRIERS = {"xla_disable_hlo_passes": "cse_barrier_expander"}


def jit_program(fn: Callable[..., Any], barriers: bool) -> Any:
    """`jax.jit(fn)`; when `fn` traces optimization barriers, also on the CPU backend."""
    if barriers and jax.default_backend() == "cpu":
        return jax.jit(fn, compiler_options=_KEEP_BARRIERS)
    return jax.jit(fn)


ProgramNode = tuple[RawOp, tuple[tuple[str, Any], ...], tuple[int, ...], int, int]


class Program:
    """A replayable straight-line program: the canonical form of a recorded graph.

    `nodes[k] = (op, attrs, in_refs, stop, nout)`; a ref `r < 0` is leaf `-r - 1`,
    `r >= 0` is position `r` among node outputs (a node with n outputs takes n positions).
    `segments` is `((start, stop, carried refs), ...)`: one segment (nothing carried)
    unless the program has more than `SEGMENT_ABOVE` nodes (see `_segments`).
    `barriers`: its trace holds optimization barriers (it is segmented, or runs an op
    tagged `BARRIERS`), so the program that runs it is jitted with `jit_program(fn, True)`.
    """

    __slots__ = ("barriers", "has_off_tape", "nodes", "segments")

    def __init__(self, nodes: tuple[ProgramNode, ...]) -> None:
        self.nodes = nodes
        self.has_off_tape = any(n[3] == OFF_TAPE for n in nodes)
        self.segments = (
            _segments(nodes, SEGMENT_NODES)
            if len(nodes) > SEGMENT_ABOVE
            else ((0, len(nodes), ()),)
        )
        self.barriers = len(self.segments) > 1 or any(BARRIERS in n[0].tags for n in nodes)

    def run(
        self,
        leaf_vals: Sequence[Any],
        perturb: dict[int, Any] | None = None,
        pre: list[Any] | None = None,
    ) -> list[Any]:
        """Evaluate; `perturb` adds to node outputs, `pre` supplies OFF_TAPE outputs."""
        env: list[Any] = []
        for start, stop_at, carried in self.segments:
            if carried:
                # Values computed before this segment and used in it or later pass through
                # one barrier (its JVP and transpose put barriers on tangents and
                # cotangents too), so no fusion spans two segments.
                for r, v in zip(
                    carried, lax.optimization_barrier([env[r] for r in carried]), strict=True
                ):
                    env[r] = v
            self._run_nodes(self.nodes[start:stop_at], env, leaf_vals, perturb, pre)
        return env

    @staticmethod
    def _run_nodes(
        nodes: tuple[ProgramNode, ...],
        env: list[Any],
        leaf_vals: Sequence[Any],
        perturb: dict[int, Any] | None,
        pre: list[Any] | None,
    ) -> None:
        for op, attrs, in_refs, stop, nout in nodes:
            base = len(env)
            if stop == OFF_TAPE and pre is not None:
                outs = pre[base : base + nout]
            else:
                args = [leaf_vals[-r - 1] if r < 0 else env[r] for r in in_refs]
                out = op.fn(*args, **dict(attrs)) if attrs else op.fn(*args)
                outs = list(out) if op.num_outputs != 1 else [out]
                if stop == BLOCK:
                    outs = [lax.stop_gradient(o) for o in outs]
            if perturb:
                outs = [
                    o + perturb[base + i] if (base + i) in perturb else o
                    for i, o in enumerate(outs)
                ]
            env.extend(outs)


def _segments(
    nodes: tuple[ProgramNode, ...], size: int
) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    """Cut `nodes` every `size` nodes; each segment carries the refs defined before its
    start and used by a node at or after it (each passes one barrier per segment)."""
    n = len(nodes)
    owner: list[int] = []  # ref -> index of the node that defines it
    for k, node in enumerate(nodes):
        owner.extend([k] * node[4])
    last = [-1] * len(owner)  # ref -> index of the last node that uses it
    for k, node in enumerate(nodes):
        for r in node[2]:
            if r >= 0:
                last[r] = k
    cuts = range(size, n, size)
    carried: dict[int, list[int]] = {c: [] for c in cuts}
    for r, (k, k_last) in enumerate(zip(owner, last, strict=True)):
        for c in range((k // size + 1) * size, k_last + 1, size):
            carried[c].append(r)
    bounds = [0, *cuts, n]
    return tuple((lo, hi, tuple(carried.get(lo, ()))) for lo, hi in itertools.pairwise(bounds))


class Walk:
    """A recorded graph in canonical form: leaves, nodes in topological order, specs.

    `specs[k] = (node key, stop kind, *input refs)` identifies node k structurally;
    with the output refs it is the graph's signature. Leaf avals need not appear: node
    keys already include their input shapes and dtypes.
    """

    __slots__ = ("leaf_ref", "leaves", "node_base", "nodes", "specs", "var_leaves")

    def __init__(self) -> None:
        self.leaves: list[Tensor] = []
        self.nodes: list[Node] = []
        self.specs: list[tuple[Any, ...]] = []
        self.leaf_ref: dict[int, int] = {}
        self.node_base: dict[int, int] = {}
        # id(variable handle) -> refs of leaves that are reads of it (gradient walks only)
        self.var_leaves: dict[int, list[int]] = {}

    def out_ref(self, t: Tensor) -> int:
        """The ref of `t`, which the walk reached."""
        r = self.ref(t)
        assert r is not None, "tensor not in this walk"
        return r

    def ref(self, t: Tensor) -> int | None:
        r = self.leaf_ref.get(id(t))
        if r is not None:
            return r
        node = t._node
        if node is None:
            return None
        base = self.node_base.get(id(node))
        return None if base is None else base + t._index

    def program(self) -> Program:
        return Program(
            tuple(
                (n.op, n.attrs, s[2:], s[1], n.nout)
                for n, s in zip(self.nodes, self.specs, strict=True)
            )
        )

    def ref_aval(self, ref: int) -> Aval:
        if ref < 0:
            t = self.leaves[-ref - 1]
            return t._shape, t._dtype
        for n in self.nodes:
            base = self.node_base[id(n)]
            if base <= ref < base + n.nout:
                return _KEY_OUTS[n.key][ref - base]
        raise AssertionError(ref)


def walk(roots: Sequence[Tensor], tape: Any = None, watched: frozenset[int] = frozenset()) -> Walk:
    """Iterative post-order traversal of the graph below `roots` (no recursion limit).

    Without `tape` (value computation) only pending tensors are expanded; tensors with a
    value are leaves. With `tape` (a gradient), tensors recorded on `tape` are expanded
    even when their value is known; nodes get their stop kind; reads of variables watched
    by `tape` (or that are targets, ids in `watched`) are indexed in `var_leaves`.
    """
    w = Walk()
    leaves, nodes, specs = w.leaves, w.nodes, w.specs
    leaf_ref, node_base, var_leaves = w.leaf_ref, w.node_base, w.var_leaves
    by_value: dict[int, int] = {}
    npos = 0
    # Tensors to expand, and Nodes to emit once their inputs are (post-order). A leaf
    # (a tensor not expanded) gets its ref when first met, without a trip through the
    # stack: leaf roots first.
    stack: list[Any] = []
    pop, push = stack.pop, stack.append
    _id = id
    todo: list[Tensor] = []
    expand = []
    for t in roots:
        node = t._node
        if node is not None and (t._value is None or (tape is not None and tape in node.tapes)):
            expand.append(t)
        else:
            todo.append(t)
    stack.extend(reversed(expand))
    del expand
    while True:
        # Register the leaves in `todo`, then take the next tensor or Node off the stack.
        for t in todo:
            tid = _id(t)
            if tid in leaf_ref:
                continue
            var = t._var
            if tape is None or (var is None and tape not in t._tapes and tid not in watched):
                # Programs take each distinct constant array once (a cached Python
                # scalar used by many ops; in value programs also a variable read
                # twice): fewer arguments per call, and XLA's compile time grows with
                # their number. Leaves a gradient may be taken with respect to stay
                # distinct.
                vid = _id(t._value)
                r = by_value.get(vid)
                if r is not None:
                    leaf_ref[tid] = r
                    continue
                r = by_value[vid] = -len(leaves) - 1
            else:
                r = -len(leaves) - 1
            leaf_ref[tid] = r
            leaves.append(t)
            if tape is not None and var is not None and (tape in t._tapes or tid in watched):
                var_leaves.setdefault(_id(var), []).append(r)
        if not stack:
            break
        t = pop()
        if t.__class__ is Node:
            nid = _id(t)
            if nid in node_base:
                todo = []
                continue
            spec = [t.key, FLOW]
            for inp in t.inputs:
                r = leaf_ref.get(_id(inp))
                spec.append(r if r is not None else node_base[_id(inp._node)] + inp._index)
            if tape is not None:
                if tape not in t.tapes:
                    spec[1] = OFF_TAPE
                elif not t.op.differentiable:
                    spec[1] = BLOCK
            specs.append(tuple(spec))
            node_base[nid] = npos
            npos += t.nout
            nodes.append(t)
            todo = []
            continue
        # A tensor to expand: its node, then its inputs (leaves are registered now, in
        # input order; the others are pushed in reverse, so they are expanded in order).
        node = t._node
        todo = []
        if _id(node) in node_base:
            continue
        push(node)
        for inp in reversed(node.inputs):
            if _id(inp) in leaf_ref:
                continue
            n2 = inp._node
            if n2 is not None and (inp._value is None or (tape is not None and tape in n2.tapes)):
                if _id(n2) not in node_base:
                    push(inp)
            else:
                todo.append(inp)
        if len(todo) > 1:
            todo.reverse()
    return w


# --------------------------------------------------------------------------------------
# The compile cache
# --------------------------------------------------------------------------------------


class _Cache:
    """A bounded LRU cache of compiled programs (and gradient plans), with statistics."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.compiles = 0
        self.plans = 0
        self.evictions = 0
        self.lock = threading.RLock()
        self.plan_why: str | None = None  # what the last new gradient plan changed (log)

    def get(self, key: Any) -> Any:
        lookups = cache_warning._lookups  # the recompilation warning's clock
        lookups[key[0]] = lookups.get(key[0], 0) + 1
        entry = self.entries.get(key)
        if entry is not None:
            self.hits += 1
            # Unlocked (the hot path): another thread's `put` may have evicted it since
            # the lookup; the entry found is still valid. (try is cheaper than suppress.)
            try:  # noqa: SIM105
                self.entries.move_to_end(key)
            except KeyError:
                pass
        return entry

    def count_compile(
        self, kind: str, size: int, op_key: int | None = None, why: str | None = None
    ) -> None:
        """Count one XLA compile; `op_key`: the abstract-evaluation key id of a single op
        compiled on its own (kinds "op" and "gradient" run eagerly); `why`: what caused
        it, for the log."""
        self.compiles += 1
        if _LOG_COMPILES:
            if why is None and op_key is not None:
                why = cache_warning.explain_op(op_key, _AVALS)
            log.warning(
                "tfcompat: compiling %s program #%d%s%s",
                kind,
                self.compiles,
                "" if op_key is not None else f" ({size} nodes)",
                f": {why}" if why else "",
            )

    def put(self, key: Any, entry: Any, kind: str, size: int) -> None:
        """Add a compiled value program (kind "value") or a gradient plan ("plan")."""
        with self.lock:
            self.misses += 1
            self.entries[key] = entry
            while len(self.entries) > self.maxsize:
                old, _ = self.entries.popitem(last=False)
                self.evictions += 1
                cache_warning.on_evict(old)
        # (may warn: a loop keeps compiling; with the log, says what changed)
        why = cache_warning.on_miss(key, self.maxsize, _AVALS, _LOG_COMPILES)
        with self.lock:
            if kind == "plan":
                self.plans += 1
                self.plan_why = why
            else:
                self.count_compile(kind, size, why=why)


_LOG_COMPILES = os.environ.get("TFCOMPAT_LOG_COMPILES", "") not in ("", "0")
CACHE = _Cache(int(os.environ.get("TFCOMPAT_CACHE_SIZE", "256")))


def compile_stats() -> dict[str, int]:
    """Counters of the program cache.

    `compiles`: programs built for execution (XLA compiles, one per new signature);
    `plans`: gradient plans built (liveness analysis, one per new gradient signature);
    `hits`/`misses`/`evictions`/`size`/`maxsize`: the bounded LRU cache holding both.
    """
    return {
        "compiles": CACHE.compiles,
        "plans": CACHE.plans,
        "hits": CACHE.hits,
        "misses": CACHE.misses,
        "evictions": CACHE.evictions,
        "size": len(CACHE.entries),
        "maxsize": CACHE.maxsize,
    }


def clear_caches() -> None:
    """Drop every compiled program (statistics are kept)."""
    with CACHE.lock:  # not while a `put` evicts
        CACHE.entries.clear()
    _EAGER.clear()
    _HOST_SEEN.clear()


# --------------------------------------------------------------------------------------
# Values on demand
# --------------------------------------------------------------------------------------


def materialize(t: Tensor) -> Any:
    """Compute (and store) the value of pending tensor `t`."""
    if t._value is None:
        if not _PENDING and t._alias is None and t._node is not None and _inputs_concrete(t._node):
            _run_node(t._node, t)  # the common case: one gradient op on concrete leaves
            if _SWEEP.dead:  # (after: what the node filled has a value, cheap to let go)
                drain()
        else:
            # (no local reference to t's node here: the sweep after this may free it)
            materialize_many([t])
    return t._value


def _all_dead(tapes: tuple[Any, ...]) -> bool:
    # (a loop: cheaper than all() over a generator on these hot paths)
    for tp in tapes:  # noqa: SIM110
        if not tp.dead:
            return False
    return True


def _inputs_concrete(node: Node) -> bool:
    for i in node.inputs:  # noqa: SIM110  (see _all_dead)
        if i._value is None:
            return False
    return True


def _node_values(node: Node) -> list[Any]:
    """Run one node on its (concrete) inputs as its own jitted op; its output values."""
    result = _eager_fn(node.op, node.attrs, node.key)(*map(_VALUE, node.inputs))
    return [result] if node.op.num_outputs == 1 else list(result)


def _run_node(node: Node, t: Tensor) -> Any:
    """Run one node whose inputs are concrete as its own op (one dispatch, no new program)."""
    op = node.op
    result = _eager_fn(op, node.attrs, node.key)(*map(_VALUE, node.inputs))
    if op.num_outputs == 1:
        value = result
    else:
        value = result[t._index]
        if node.outs is not None:
            _fill(node, result)
    if t._value is None:
        set_value(t, value)
    return value


def set_value(t: Tensor, value: Any) -> None:
    """Give pending `t` its value; drop its graph when no live tape can still need it."""
    t._value = value
    t._alias = None
    _drop_dead_graph(t)


def _drop_dead_graph(t: Tensor) -> None:
    """Drop the graph behind `t` (which has a value) once every tape that recorded it is dead."""
    node = t._node
    if node is not None and _all_dead(node.tapes):
        t._node = None


def _fill(node: Node, outputs: Sequence[Any]) -> None:
    for ref, value in zip(node.outs or (), outputs):  # noqa: B905  (one ref per output)
        out = ref()
        if out is not None and out._value is None:
            set_value(out, value)


def materialize_many(tensors: Sequence[Tensor], flush: Any = None) -> list[Any]:
    """Compute the values of pending `tensors` together, in one cached jitted program.

    Pending variable updates are computed in the same program (a training step's loss
    read after `assign_sub` runs forward, backward and update as one program), and the
    outputs of its multi-output nodes (a gradient op's gradients, the targets it
    computes) that are still alive and pending are filled as well. The updates are this
    thread's, and `flush`'s: a variable handle, or `_ALL` (every thread's).
    """
    values = _materialize_many(tensors, flush)
    if _SWEEP.refs or _SWEEP.dead:
        _sweep_orphans()  # after: what was computed has a value, cheap to let go
    return values


def _materialize_many(tensors: Sequence[Tensor], flush: Any) -> list[Any]:
    # Other threads' updates are theirs to flush: a thread's programs must not depend on
    # another's timing.
    if not _PENDING:
        return _materialize(tensors) if tensors else []
    me = threading.get_ident()
    with _FLUSH_LOCK:
        requested_ids = {id(t) for t in tensors}
        handles = []
        for uid, h in list(_PENDING.items()):
            if h.owner == me or flush is _ALL or h is flush or h.pending is None:
                del _PENDING[uid]
                if h.pending is not None and id(h.pending) not in requested_ids:
                    handles.append(h)
    pendings = [h.pending for h in handles]
    requested = [*tensors, *pendings]
    if not requested:
        return []
    try:
        values = _materialize(requested)
    except BaseException:
        # Keep the updates pending (e.g. KeyboardInterrupt during a compile).
        with _FLUSH_LOCK:
            for h in handles:
                _PENDING.setdefault(h.uid, h)
        raise
    with _FLUSH_LOCK:
        for h, p, v in zip(handles, pendings, values[len(tensors) :], strict=True):
            if h.pending is p:  # not re-assigned meanwhile (by another thread)
                h.value = v
    return values[: len(tensors)]


def _root(t: Tensor) -> Tensor:
    """The tensor to walk for `t`: its alias (the gradient op output) when it has one."""
    alias = t._alias
    if alias is None:
        return t
    return EagerTensor(None, t._shape, t._dtype, alias[0], alias[1])


def _node_outputs(w: Walk, out_refs: list[int]) -> list[tuple[int, Any]]:
    """Every output of the walk's multi-output nodes that is not requested: its ref and a
    weak reference to its tensor. A program computing such a node outputs all of them (a
    gradient op's gradients, the targets and intermediates it computes) and fills those
    still alive and pending. Chosen from the graph alone, so the program does not depend
    on which of them user code happens to hold."""
    requested = set(out_refs)
    extra: list[tuple[int, Any]] = []
    for n in w.nodes:
        outs = n.outs
        if outs is not None:
            base = w.node_base[id(n)]
            for i, ref in enumerate(outs):
                if (base + i) not in requested:
                    extra.append((base + i, ref))
    return extra


def _materialize(tensors: Sequence[Tensor]) -> list[Any]:
    tensors = list(tensors)
    roots = [_root(t) for t in tensors]
    node = roots[0]._node
    if len(roots) == 1 and node is not None and _inputs_concrete(node):
        value = _run_node(node, roots[0])
        if tensors[0]._value is None:
            set_value(tensors[0], value)
        return [value]

    if _SWEEP.dead:
        # A dead tape's list may be all that keeps a pending output alive: let go of it
        # first, so that the program's outputs (its signature) do not depend on when it
        # is drained.
        drain()
    w = walk(roots)
    out_refs = [w.out_ref(t) for t in roots]
    extra = _node_outputs(w, out_refs)
    out_refs += [r for r, _ in extra]
    key = ("value", tuple(w.specs), tuple(out_refs))
    fn = CACHE.get(key)
    if fn is None:
        program = w.program()
        refs = tuple(out_refs)

        def value_fn(leaf_vals: list[Any]) -> Any:
            env = program.run(leaf_vals)
            return [leaf_vals[-r - 1] if r < 0 else env[r] for r in refs]

        fn = jit_program(value_fn, program.barriers)
        CACHE.put(key, fn, "value", len(w.specs))
    values = fn(list(map(_VALUE, w.leaves)))
    n = len(tensors)
    for t, v in zip(tensors, values, strict=False):
        if t._value is None:
            set_value(t, v)
    for (_, ref), v in zip(extra, values[n:], strict=True):
        o = ref()
        if o is not None and o._value is None:
            set_value(o, v)
    return values[:n]


hooks.register("materialize", materialize)


def release(tensors: Sequence[Tensor]) -> None:
    """Let go of the graph behind tensors that have values once no live tape needs it.

    Called when a non-persistent tape is consumed: a loss kept in a Python list must not
    keep its step's whole graph (activations, old variable values) alive.
    """
    for t in tensors:
        if t._value is not None:
            _drop_dead_graph(t)


# --------------------------------------------------------------------------------------
# Graphs of dead tapes (docs/reliability.md; tests/test_reliability_memory.py)
# --------------------------------------------------------------------------------------
# A tape record holds the tensors recorded on it (`recorded`), as TF's tape holds what
# its backward pass needs. When the record dies (consumed, reset, or its GradientTape is
# garbage), `retire` queues that list; it is drained at the next tape entry or
# materialization, when the step's temporaries are gone, so that most of it is simply
# freed. Draining drops the graph behind the tensors that are still alive and have a
# value, and queues (weakly) the pending ones held from outside the graph: a metric
# computed inside the tape, a loss whose gradient was never taken. Those are computed
# at the sweep, as TF computed them at their line, so they do not keep their step's
# batch and old variable values alive for as long as the user keeps them.


class _Orphans(threading.local):
    """This thread's lists of dead tapes and weak references to tensors of dead tapes
    (tapes are thread-local, so a thread sweeps only its own: its programs do not depend
    on other threads)."""

    def __init__(self) -> None:
        self.dead: list[list[Tensor]] = []  # `recorded` lists of retired records
        self.refs: list[Any] = []  # pending tensors of dead tapes, held from outside
        self.prune = 4096  # prune dead references beyond this length (amortized)
        self.active = False


_SWEEP = _Orphans()


# False inside a JAX trace (tf.function, a gradient program's custom gradient): a value
# computed there would be a tracer, and a tensor queued there has tracer leaves that must
# never be computed outside it.
_not_tracing = jax_internals.trace_state_clean


def add_tape(t: Tensor, record: Any) -> None:
    """Make `record` watch `t`; dead tapes are dropped from `t`'s tuple on the way (a
    tensor watched every step, like a batch passed in again, would otherwise collect
    every step's tape)."""
    t._tapes = (*[tp for tp in t._tapes if not tp.dead], record)


def retire(record: Any, now: bool = False) -> None:
    """Mark tape `record` dead; what it recorded is let go at the next drain.

    With `now` (a deleted persistent tape, a reset), it is drained at once.
    """
    record.dead = True
    recorded, record.recorded = record.recorded, []
    if not recorded or not _not_tracing():
        return
    sweep = _SWEEP
    sweep.dead.append(recorded)
    del recorded
    if now or len(sweep.dead) > 64:
        drain()


def drain() -> None:
    """Let go of the lists of dead tapes (see above); called when a tape is entered, when
    `gradient()` starts, before a value program is built, after a one-op read, and by
    `retire(now=True)`."""
    sweep = _SWEEP
    if not sweep.dead or not _not_tracing():
        return
    lists, sweep.dead = sweep.dead, []
    # The pending tensors are kept weakly: once the lists are gone, those that nothing
    # else holds are freed (with the graph behind them), and the sweep computes the rest.
    # Ownership is Python's own: no reference is counted here.
    pending = []
    for recorded in lists:
        for t in recorded:
            node = t._node
            if node is None:
                continue
            tapes = node.tapes
            if len(tapes) != 1 and not _all_dead(tapes):
                continue  # still needed by a live tape (its retire will see it)
            if t._value is not None:
                t._node = None
            else:
                pending.append(weakref.ref(t))
    lists.clear()  # (the lists' own references go here, before the sweep looks)
    if pending:
        sweep.refs.extend(pending)
        if len(sweep.refs) > sweep.prune:  # a loop that never reads a value
            sweep.refs = [r for r in sweep.refs if r() is not None]
            sweep.prune = max(4096, 2 * len(sweep.refs))


def _sweep_orphans() -> None:
    """Drain dead tapes; drop the graphs behind their tensors, compute those still pending."""
    sweep = _SWEEP
    if sweep.active or not _not_tracing():
        return
    if sweep.dead:
        drain()
    refs, sweep.refs = sweep.refs, []
    live = []
    for r in refs:
        t = r()
        if t is None or t._node is None or not _all_dead(t._node.tapes):
            continue  # freed, or still needed by a live tape (its retire will see it)
        if t._value is not None:
            t._node = None
        else:
            live.append(t)
    if not live:
        return
    # Compute the roots only: the tensors they depend on die with their graph, unless
    # something else holds them (they are swept again next time).
    inner = {id(i) for t in live for i in t._node.inputs}
    roots = [t for t in live if id(t) not in inner]
    sweep.refs.extend(weakref.ref(t) for t in live if id(t) in inner)
    del live
    sweep.active = True
    try:
        materialize_many(roots)
    except Exception:
        pass  # raised again when the user reads the value
    finally:
        sweep.active = False


# --------------------------------------------------------------------------------------
# Lazy variable updates
# --------------------------------------------------------------------------------------

# Variable handles whose value is a pending tensor, by handle uid.
_PENDING: dict[int, Any] = {}
_FLUSH_LOCK = threading.RLock()


_ALL = object()  # materialize_many(flush=_ALL): every thread's pending updates


def assign_lazy(handle: Any, value: Tensor) -> None:
    """Store `value` in `handle`; a pending value stays pending until the next read."""
    if value._value is not None:
        handle.value = value._value
        return
    with _FLUSH_LOCK:
        handle.set_pending(value)
        handle.owner = threading.get_ident()
        _PENDING[handle.uid] = handle


def flush_variables(handle: Any = None) -> None:
    """Compute pending variable values in one program (fusing the updates): `handle`'s
    and this thread's; without `handle`, every thread's."""
    with _FLUSH_LOCK:
        if handle is not None and handle.pending is not None:
            _PENDING.setdefault(handle.uid, handle)
        if _PENDING:
            materialize_many([], handle if handle is not None else _ALL)


# --------------------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------------------


class GradientRequest:
    """Everything `gradient()` needs, flattened: the tape, targets, sources, seeds."""

    __slots__ = ("fills", "seeds", "sources", "tape", "targets")

    def __init__(
        self, tape: Any, targets: list[Tensor], sources: list[Any], seeds: list[Tensor] | None
    ) -> None:
        self.tape = tape
        self.targets = targets
        self.sources = sources  # Tensor or Variable
        self.seeds = seeds
        # Tensors whose values the gradient program also outputs (set by plan_gradient).
        self.fills: list[Tensor] = []


def _source_item(src: Any, w: Walk, tape: Any, target_ids: frozenset[int]) -> Any:
    """The signature entry of one source: the refs of the graph values it stands for."""
    if isinstance(src, Tensor):
        if not src._dtype._trainable or not (tape in src._tapes or id(src) in target_ids):
            return None
        return w.ref(src)
    if not src._handle.dtype._trainable:
        return None
    refs = w.var_leaves.get(id(src._handle))
    return tuple(refs) if refs else None


class GradPlan:
    """What a gradient signature compiles to.

    `op` is the gradient raw op (None when nothing is connected): applied to the walk's
    leaves (and the seeds, when given) it returns the values of the targets and held
    intermediates (`n_fills` of them), then one gradient per connected source.
    `fn(leaf_vals, seeds) -> (fill values, grads)` is the jitted program itself
    (`jacobian` vmaps it over seeds).
    """

    __slots__ = ("connected", "fn", "grad_avals", "n_fills", "n_targets", "node_key", "op")

    def __init__(
        self, op: RawOp | None, fn: Any, connected: tuple[bool, ...], n_targets: int, n_fills: int
    ) -> None:
        self.op = op
        self.fn = fn
        self.connected = connected
        self.n_targets = n_targets
        self.n_fills = n_fills
        # The op's abstract-evaluation entry: (key id, output avals).
        self.node_key: tuple[int, tuple[Aval, ...]] = (-1, ())
        # (output index, shape, dtype) of each gradient output.
        self.grad_avals: tuple[tuple[int, tuple[int, ...], DType], ...] = ()


def plan_gradient(req: GradientRequest) -> tuple[GradPlan, Walk]:
    """Walk the recorded graph for `req` and find (or build) its cached gradient plan."""
    tape = req.tape
    targets = req.targets
    # (loops rather than comprehensions on this path: each comprehension is a call)
    target_ids = frozenset((id(targets[0]),) if len(targets) == 1 else map(id, targets))
    w = walk(targets, tape, target_ids)
    held = _held_intermediates(w, target_ids)
    fills = [*targets, *held] if held else targets
    leaf_ref, node_base = w.leaf_ref, w.node_base
    fill_refs_list = []
    for t in fills:
        r = leaf_ref.get(id(t))
        fill_refs_list.append(r if r is not None else node_base[id(t._node)] + t._index)
    items_list = []
    for s in req.sources:
        items_list.append(_source_item(s, w, tape, target_ids))
    target_avals: tuple[Aval, ...] = ()
    for t in targets:
        if t._node is None:
            target_avals += ((t._shape, t._dtype),)
    fill_refs = tuple(fill_refs_list)
    items = tuple(items_list)
    seeds_given = req.seeds is not None
    key = ("grad", tuple(w.specs), fill_refs, len(targets), items, seeds_given, target_avals)
    plan = CACHE.get(key)
    if plan is None:
        plan = _build_plan(
            w,
            targets,
            fills,
            fill_refs,
            items,
            seeds_given,
            [s._shape for s in req.sources],
            [s._dtype for s in req.sources],
        )
        CACHE.put(key, plan, "plan", len(w.specs))
    req.fills = fills
    return plan, w


def _held_intermediates(w: Walk, target_ids: frozenset[int]) -> list[Tensor]:
    """The pending intermediate tensors of the walk (inputs of its nodes, not targets).

    The gradient program outputs their values too, as TF's eager ops have computed them
    by the time `gradient()` runs: the logits a training loop keeps for its accuracy are
    then read without replaying the forward pass. Those that nothing else holds are
    freed as soon as the program has run. Chosen from the graph alone: the program does
    not depend on which tensors user code keeps.
    """
    seen: set[int] = set()
    held: list[Tensor] = []
    for n in w.nodes:
        for inp in n.inputs:
            k = id(inp)
            if inp._value is None and k not in target_ids and k not in seen:
                seen.add(k)
                held.append(inp)
    return held


def compute_gradients(req: GradientRequest) -> list[Any]:
    """Gradients of sum(targets) w.r.t. each source: pending Tensors, or None if unconnected.

    The gradients are the outputs of one gradient-op node over the graph's leaves; they
    are computed when first needed, together with whatever else is pending then.
    """
    if _SWEEP.dead:
        drain()  # a dead tape's list must not make an intermediate look held
    plan, w = plan_gradient(req)
    if plan.op is None:
        return [None] * len(req.sources)
    inputs = tuple(w.leaves) + (tuple(req.seeds) if req.seeds is not None else ())
    fills = req.fills
    if DEBUG_EAGER[0]:
        outs = execute_op(plan.op, inputs)
        for t, o in zip(fills, outs, strict=False):
            if t._value is None:
                set_value(t, o._value)
        grad_outs = list(outs[plan.n_fills :])
    else:
        grad_outs = _gradient_node(plan, inputs, fills)
    if len(grad_outs) == len(req.sources):  # every source connected
        return grad_outs
    results: list[Any] = [None] * len(req.sources)
    grads = iter(grad_outs)
    for i, connected in enumerate(plan.connected):
        if connected:
            results[i] = next(grads)
    return results


def _gradient_node(plan: GradPlan, inputs: tuple[Tensor, ...], fills: list[Tensor]) -> list[Tensor]:
    """Apply the gradient op lazily: `execute_op` specialised to what a plan knows.

    The targets (and held intermediates) are the node's first outputs: they alias it and
    receive its values; new tensors are made only for the gradients.
    """
    op = plan.op
    assert op is not None
    key, out_avals = plan.node_key
    tapes: tuple[Any, ...] = ()
    for tape in state.recording:  # outer tapes record it: higher-order gradients
        for t in inputs:
            if tape in t._tapes:
                tapes += (tape,)
                break
    node = Node(op, (), inputs, key, len(out_avals), tapes)
    refs = []
    for i, t in enumerate(fills):
        refs.append(weakref.ref(t))
        if t._value is None:
            t._alias = (node, i)
    outs: list[Tensor] = []
    for i, shape, dtype in plan.grad_avals:
        o = EagerTensor(None, shape, dtype, node, i, tapes)
        outs.append(o)
        refs.append(weakref.ref(o))
    node.outs = tuple(refs)
    for tape in tapes:  # for engine.retire
        tape.recorded.extend(outs)
    return outs


def _build_plan(
    w: Walk,
    targets: list[Tensor],
    fills: list[Tensor],
    fill_refs: tuple[Any, ...],
    items: tuple[Any, ...],
    seeds_given: bool,
    source_shapes: list[tuple[int, ...]],
    source_dtypes: list[DType],
) -> GradPlan:
    """Liveness analysis and compilation for one gradient signature (a cache miss)."""
    nodes, specs = w.nodes, w.specs
    # Liveness: refs through which some target depends differentiably on a value.
    target_refs = fill_refs[: len(targets)]
    live: set[int] = {r for r, t in zip(target_refs, targets, strict=True) if t._dtype._trainable}
    for k in range(len(nodes) - 1, -1, -1):
        node, spec = nodes[k], specs[k]
        if spec[1] != FLOW:
            continue
        base = w.node_base[id(node)]
        if any((base + i) in live for i in range(node.nout)):
            # Hook (tfcompat._tape.higher_order): an op wrapping a program (a recorded
            # gradient or Jacobian) says which inputs its live outputs depend on.
            needed = None
            if node.op.deps is not None:
                needed = node.op.deps(node, [i for i in range(node.nout) if (base + i) in live])
            for j, (r, inp) in enumerate(zip(spec[2:], node.inputs, strict=True)):
                if inp._dtype._trainable and (needed is None or j in needed):
                    live.add(r)

    diff_leaves: dict[int, int] = {}  # leaf index -> position among differentiated leaves
    perturbed: dict[int, int] = {}  # node output ref -> position among perturbations
    groups: list[tuple[tuple[int, ...], tuple[int, ...]] | None] = []
    for item in items:
        refs = () if item is None else (item if isinstance(item, tuple) else (item,))
        leaf_pos, pert_pos = [], []
        for r in refs:
            if r not in live:
                continue
            if r < 0:
                leaf_pos.append(diff_leaves.setdefault(-r - 1, len(diff_leaves)))
            else:
                pert_pos.append(perturbed.setdefault(r, len(perturbed)))
        groups.append((tuple(leaf_pos), tuple(pert_pos)) if (leaf_pos or pert_pos) else None)

    connected = tuple(g is not None for g in groups)
    live_targets = tuple(i for i, r in enumerate(target_refs) if r in live)
    if not any(connected) or not live_targets:
        return GradPlan(None, None, connected, len(targets), len(fills))
    target_avals = [(t._shape, t._dtype) for t in targets]
    program = w.program()
    grad_fn = _make_grad_fn(
        program,
        tuple(diff_leaves),
        tuple(perturbed),
        [w.ref_aval(r) for r in perturbed],
        fill_refs,
        live_targets,
        target_avals,
        tuple(g for g in groups if g is not None),
        seeds_given,
    )
    n_leaves = len(w.leaves)

    def op_fn(*args: Any) -> tuple[Any, ...]:
        filled, grads = grad_fn(
            list(args[:n_leaves]), list(args[n_leaves:]) if seeds_given else None
        )
        return (*filled, *grads)

    # The op's function is traced into whatever program runs it (one level of jit).
    op = RawOp(
        "SymbolicGradient",
        op_fn,
        differentiable=True,
        num_outputs=None,
        lazy=True,
        deps=jaxpr_deps(op_fn),  # hook: TF's None for a second derivative (higher_order)
        tags=frozenset({BARRIERS}) if program.barriers else frozenset(),
    )
    fn = jit_program(grad_fn, program.barriers)
    out_avals = tuple((t._shape, t._dtype) for t in fills) + tuple(
        (shape, dtype)
        for shape, dtype, c in zip(source_shapes, source_dtypes, connected, strict=True)
        if c
    )
    in_avals = [(x._shape, x._dtype) for x in w.leaves]
    if seeds_given:
        in_avals += target_avals
    node_key = _AVALS[(op, (), *[x for aval in in_avals for x in aval])] = _new_key(out_avals)
    plan = GradPlan(op, fn, connected, len(targets), len(fills))
    plan.node_key = node_key
    n = len(fills)
    plan.grad_avals = tuple((n + i, shape, dtype) for i, (shape, dtype) in enumerate(out_avals[n:]))
    return plan


def _make_grad_fn(
    program: Program,
    diff_idx: tuple[int, ...],
    pert_refs: tuple[int, ...],
    pert_avals: list[Aval],
    fill_refs: tuple[int, ...],
    live_targets: tuple[int, ...],
    target_avals: list[Aval],
    groups: tuple[Any, ...],
    seeds_given: bool,
) -> Callable[..., Any]:
    """Build `(leaf_vals, seeds) -> (fill values, grads of connected sources)`."""

    def grad_fn(leaf_vals: list[Any], seeds: list[Any] | None) -> Any:
        # Values recorded off this tape are constants of this gradient, but computed
        # here, outside `f`, so that an outer tape differentiating this program still
        # sees how they depend on the leaves.
        pre = program.run(leaf_vals) if program.has_off_tape else None

        def f(diff_vals: list[Any], perts: list[Any]) -> Any:
            vals = list(leaf_vals)
            for i, v in zip(diff_idx, diff_vals, strict=True):
                vals[i] = v
            env = program.run(vals, dict(zip(pert_refs, perts, strict=True)), pre)
            outs = [vals[-r - 1] if r < 0 else env[r] for r in fill_refs]
            return [outs[i] for i in live_targets], outs

        primals = [jnp.asarray(leaf_vals[i]) for i in diff_idx]
        perts0 = [jnp.zeros(shape, dtype.as_numpy_dtype) for shape, dtype in pert_avals]
        _, vjp, filled = jax.vjp(f, primals, perts0, has_aux=True)
        cts = []
        for i in live_targets:
            shape, dtype = target_avals[i]
            seed = seeds[i] if seeds_given else jnp.ones(shape, dtype.as_numpy_dtype)  # type: ignore[index]
            # TF's complex gradient is the conjugate of JAX's: conj(vjp(conj(seed))).
            cts.append(jnp.conj(seed) if dtype.is_complex else seed)
        g_leaf, g_pert = vjp(cts)
        grads = []
        for g in groups:
            parts = [g_leaf[i] for i in g[0]] + [g_pert[i] for i in g[1]]
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            grads.append(jnp.conj(total) if jnp.iscomplexobj(total) else total)
        return filled, grads

    return grad_fn

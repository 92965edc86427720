"""The execution engine: recording, abstract evaluation, graph replay, the compile cache.

The whole model (DESIGN.md, "The execution model") in brief:

* `execute(op, inputs, attrs)` is the single entry point of every raw op. Its output
  shapes and dtypes come from a cache of abstract evaluations keyed by (op, attrs, input
  shapes/dtypes), so shape and dtype errors raise at the op, as in TF eager.
* If a recording tape watches one of the inputs, the op is *recorded*: the outputs are
  pending tensors holding a `Node`, and nothing runs. Otherwise the op runs eagerly.
* `gradient()` walks the recorded graph from the targets, builds a canonical signature
  (node keys and wiring, leaf shapes/dtypes, which leaves are sources) and runs one cached
  `jax.jit` function that computes the targets and their VJP together. Leaves (variable
  reads, constants, Python scalars) are runtime arguments, so new values never recompile.
* A pending tensor whose value is needed (`numpy()`, `print`) is computed by the same
  kind of cached, jitted replay.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from tfcompat._core import dtypes, errors
from tfcompat._core import tensor as tensor_mod
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Node, Tensor
from tfcompat._ops.registry import OPS, RawOp

__all__ = ["execute", "materialize", "compile_stats", "clear_caches", "Program", "walk", "compute_gradients", "release"]

log = logging.getLogger("tfcompat")

# --------------------------------------------------------------------------------------
# Thread-local recording state
# --------------------------------------------------------------------------------------


class _State(threading.local):
    def __init__(self) -> None:
        # Tape records currently recording, innermost last.
        self.recording: list[Any] = []
        # Tape records currently entered (recording or paused), innermost last.
        self.active: list[Any] = []


state = _State()


# --------------------------------------------------------------------------------------
# Abstract evaluation cache
# --------------------------------------------------------------------------------------

Aval = tuple[tuple[int, ...], DType]

# (op, attrs, input avals) -> (key id, output avals)
_AVALS: dict[tuple[Any, ...], tuple[int, tuple[Aval, ...]]] = {}
# key id -> output avals (for building replays from signatures)
_KEY_OUTS: list[tuple[Aval, ...]] = []


def _struct(aval: Aval) -> jax.ShapeDtypeStruct:
    shape, dtype = aval
    if dtype is dtypes.string:
        raise errors.UnimplementedError(None, None, "tfcompat does not compute on string tensors")
    return jax.ShapeDtypeStruct(shape, dtype.as_numpy_dtype)


def _abstract_miss(op: RawOp, attrs: tuple[tuple[str, Any], ...], in_avals: tuple[Aval, ...]) -> tuple[int, tuple[Aval, ...]]:
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
    out_avals = tuple((tuple(o.shape), dtypes.from_numpy(o.dtype)) for o in outs)
    entry = (len(_KEY_OUTS), out_avals)
    _KEY_OUTS.append(out_avals)
    return entry


def _jax_message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --------------------------------------------------------------------------------------
# execute: the entry point of every raw op
# --------------------------------------------------------------------------------------

_EAGER: dict[tuple[Any, ...], Callable[..., Any]] = {}


def _eager_fn(op: RawOp, attrs: tuple[tuple[str, Any], ...]) -> Callable[..., Any]:
    key = (op, attrs)
    fn = _EAGER.get(key)
    if fn is None:
        fn = jax.jit(partial(op.fn, **dict(attrs))) if attrs else jax.jit(op.fn)
        _EAGER[key] = fn
    return fn


def execute(op_name: str, inputs: Sequence[Tensor], attrs: tuple[tuple[str, Any], ...] = ()) -> Any:
    """Apply raw op `op_name` to `inputs` (Tensors) with static `attrs`.

    Returns a Tensor, or a tuple of Tensors for multi-output ops. Records the op on
    every recording tape that watches an input; otherwise runs it eagerly.
    """
    return execute_op(OPS[op_name], tuple(inputs), attrs)


def execute_op(op: RawOp, inputs: tuple[Tensor, ...], attrs: tuple[tuple[str, Any], ...] = ()) -> Any:
    in_avals = tuple([(t._shape, t._dtype) for t in inputs])
    akey = (op, attrs, in_avals)
    entry = _AVALS.get(akey)
    if entry is None:
        entry = _abstract_miss(op, attrs, in_avals)
        _AVALS[akey] = entry
    key, out_avals = entry

    tapes: tuple[Any, ...] = ()
    recording = state.recording
    if recording:
        for tape in recording:
            for t in inputs:
                if tape in t._tapes:
                    tapes += (tape,)
                    break
    if tapes:
        node = Node(op, attrs, inputs, key, len(out_avals), tapes)
        outs = []
        for i, (shape, dtype) in enumerate(out_avals):
            out = EagerTensor(None, shape, dtype, node, i)
            out._tapes = tapes
            outs.append(out)
    else:
        values = [t._value if t._value is not None else materialize(t) for t in inputs]
        result = _eager_fn(op, attrs)(*values)
        if op.num_outputs == 1:
            result = (result,)
        outs = [EagerTensor(v, shape, dtype) for v, (shape, dtype) in zip(result, out_avals, strict=True)]
    if op.num_outputs == 1:
        return outs[0]
    return tuple(outs)


# --------------------------------------------------------------------------------------
# Graph walks and programs
# --------------------------------------------------------------------------------------


class Program:
    """A replayable straight-line program: the canonical form of a recorded graph.

    `nodes[k] = (op, attrs, in_refs, stop)`; a ref `r < 0` is leaf `-r - 1`, `r >= 0`
    is position `r` among node outputs (a node with n outputs takes n positions).
    """

    __slots__ = ("nodes",)

    def __init__(self, nodes: tuple[tuple[RawOp, tuple[tuple[str, Any], ...], tuple[int, ...], bool], ...]) -> None:
        self.nodes = nodes

    def run(self, leaf_vals: Sequence[Any], perturb: dict[int, Any] | None = None) -> list[Any]:
        env: list[Any] = []
        for op, attrs, in_refs, stop in self.nodes:
            args = [leaf_vals[-r - 1] if r < 0 else env[r] for r in in_refs]
            out = op.fn(*args, **dict(attrs)) if attrs else op.fn(*args)
            outs = list(out) if op.num_outputs != 1 else [out]
            if stop:
                outs = [lax.stop_gradient(o) for o in outs]
            if perturb:
                base = len(env)
                outs = [o + perturb[base + i] if (base + i) in perturb else o for i, o in enumerate(outs)]
            env.extend(outs)
        return env


class Walk:
    """A recorded graph in canonical form: leaves, nodes in topological order, specs.

    `specs[k] = (node key, stop, *input refs)` identifies node k structurally; together
    with the target refs it is the graph's signature. Leaf avals need not appear: node
    keys already include their input shapes and dtypes.
    """

    __slots__ = ("leaves", "nodes", "specs", "leaf_ref", "node_base", "var_leaves")

    def __init__(self) -> None:
        self.leaves: list[Tensor] = []
        self.nodes: list[Node] = []
        self.specs: list[tuple[Any, ...]] = []
        self.leaf_ref: dict[int, int] = {}
        self.node_base: dict[int, int] = {}
        # id(variable handle) -> refs of leaves that are reads of it (gradient walks only)
        self.var_leaves: dict[int, list[int]] = {}

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
        return Program(tuple((n.op, n.attrs, s[2:], s[1]) for n, s in zip(self.nodes, self.specs, strict=True)))

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
    even when their value is known, nodes not recorded on `tape` or not differentiable
    get `stop`, and reads of variables watched by `tape` (or listed in `watched`, the ids
    of target tensors) are indexed in `var_leaves`.
    """
    w = Walk()
    leaves, nodes, specs = w.leaves, w.nodes, w.specs
    leaf_ref, node_base, var_leaves = w.leaf_ref, w.node_base, w.var_leaves
    npos = 0
    stack: list[tuple[Tensor, bool]] = [(t, False) for t in reversed(roots)]
    pop, push = stack.pop, stack.append
    while stack:
        t, done = pop()
        node = t._node
        if node is not None and (t._value is None or (tape is not None and tape in node.tapes)):
            nid = id(node)
            if nid in node_base:
                continue
            if done:
                refs = []
                for inp in node.inputs:
                    r = leaf_ref.get(id(inp))
                    refs.append(r if r is not None else node_base[id(inp._node)] + inp._index)
                stop = tape is not None and not (node.op.differentiable and tape in node.tapes)
                specs.append((node.key, stop, *refs))
                node_base[nid] = npos
                npos += node.nout
                nodes.append(node)
            else:
                push((t, True))
                for inp in reversed(node.inputs):
                    if id(inp) in leaf_ref:
                        continue
                    n2 = inp._node
                    if n2 is not None and id(n2) in node_base:
                        continue
                    push((inp, False))
        elif id(t) not in leaf_ref:
            r = -len(leaves) - 1
            leaf_ref[id(t)] = r
            leaves.append(t)
            if tape is not None and t._var is not None and (tape in t._tapes or id(t) in watched):
                var_leaves.setdefault(id(t._var), []).append(r)
    return w


# --------------------------------------------------------------------------------------
# The compile cache
# --------------------------------------------------------------------------------------


class _Cache:
    """A bounded LRU cache of jitted replay functions, with statistics."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.compiles = 0
        self.evictions = 0
        self.lock = threading.RLock()

    def get(self, key: Any) -> Any:
        entry = self.entries.get(key)
        if entry is not None:
            self.hits += 1
            self.entries.move_to_end(key)
        return entry

    def put(self, key: Any, entry: Any, kind: str, size: int) -> None:
        with self.lock:
            self.misses += 1
            self.compiles += 1
            if _LOG_COMPILES:
                log.warning(
                    "tfcompat: compiling %s program #%d (%d nodes); cache size %d",
                    kind, self.compiles, size, len(self.entries),
                )
            self.entries[key] = entry
            while len(self.entries) > self.maxsize:
                self.entries.popitem(last=False)
                self.evictions += 1


_LOG_COMPILES = os.environ.get("TFCOMPAT_LOG_COMPILES", "") not in ("", "0")
CACHE = _Cache(int(os.environ.get("TFCOMPAT_CACHE_SIZE", "256")))


def compile_stats() -> dict[str, int]:
    """Counters of the compiled-program cache: compiles, hits, misses, evictions, size."""
    return {
        "compiles": CACHE.compiles,
        "hits": CACHE.hits,
        "misses": CACHE.misses,
        "evictions": CACHE.evictions,
        "size": len(CACHE.entries),
        "maxsize": CACHE.maxsize,
    }


def clear_caches() -> None:
    """Drop every compiled program (statistics are kept)."""
    CACHE.entries.clear()
    _EAGER.clear()


# --------------------------------------------------------------------------------------
# Values on demand
# --------------------------------------------------------------------------------------


def materialize(t: Tensor) -> Any:
    """Compute (and store) the value of pending tensor `t` via a cached jitted replay."""
    w = walk([t])
    out_ref = w.ref(t)
    key = ("value", tuple(w.specs), out_ref)
    fn = CACHE.get(key)
    if fn is None:
        program = w.program()

        def value_fn(leaf_vals: list[Any]) -> Any:
            return program.run(leaf_vals)[out_ref]  # type: ignore[index]

        fn = jax.jit(value_fn)
        CACHE.put(key, fn, "value", len(w.specs))
    value = fn([x._value for x in w.leaves])
    t._value = value
    return value


tensor_mod._materialize = materialize


def release(tensors: Sequence[Tensor]) -> None:
    """Let go of the graph behind tensors that have values once no live tape needs it.

    Called when a non-persistent tape is consumed: a loss kept in a Python list must not
    keep its step's whole graph (activations, old variable values) alive.
    """
    for t in tensors:
        node = t._node
        if node is not None and t._value is not None and all(tp.dead for tp in node.tapes):
            t._node = None


# --------------------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------------------


class GradientRequest:
    """Everything `gradient()` needs, flattened: the tape, targets, sources, seeds."""

    __slots__ = ("tape", "targets", "sources", "seeds")

    def __init__(self, tape: Any, targets: list[Tensor], sources: list[Any], seeds: list[Tensor] | None) -> None:
        self.tape = tape
        self.targets = targets
        self.sources = sources  # Tensor or Variable
        self.seeds = seeds


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


class _GradPlan:
    """What a gradient signature compiles to: the jitted function and the static answers."""

    __slots__ = ("fn", "connected")

    def __init__(self, fn: Callable[..., Any] | None, connected: tuple[bool, ...]) -> None:
        self.fn = fn
        self.connected = connected


def compute_gradients(req: GradientRequest) -> list[Any]:
    """Gradients of sum(targets) w.r.t. each source: a Tensor, or None where unconnected."""
    tape = req.tape
    targets = req.targets
    target_ids = frozenset(id(t) for t in targets)
    w = walk(targets, tape, target_ids)
    target_refs = tuple([w.ref(t) for t in targets])
    items = tuple([_source_item(s, w, tape, target_ids) for s in req.sources])
    seeds_given = req.seeds is not None
    key = ("grad", tuple(w.specs), target_refs, items, seeds_given,
           tuple([(t._shape, t._dtype) for t in targets if t._node is None]))
    plan = CACHE.get(key)
    if plan is None:
        plan = _plan_gradient(w, targets, target_refs, items, seeds_given)
        CACHE.put(key, plan, "gradient", len(w.specs))
    results: list[Any] = [None] * len(req.sources)
    if plan.fn is None:
        return results
    seeds = [s._array() for s in req.seeds] if req.seeds is not None else None
    filled, grads = plan.fn([x._value for x in w.leaves], seeds)
    for t, v in zip(targets, filled, strict=True):
        if t._value is None:
            t._value = v
    for i, src in enumerate(req.sources):
        if plan.connected[i]:
            results[i] = EagerTensor(grads[i], src._shape, src._dtype)
    return results


def _plan_gradient(w: Walk, targets: list[Tensor], target_refs: tuple[Any, ...], items: tuple[Any, ...], seeds_given: bool) -> _GradPlan:
    """Liveness analysis and compilation for one gradient signature (a cache miss)."""
    nodes, specs = w.nodes, w.specs
    # Liveness: refs through which some target depends differentiably on a value.
    live: set[int] = {r for r, t in zip(target_refs, targets, strict=True) if t._dtype._trainable}
    for k in range(len(nodes) - 1, -1, -1):
        node, spec = nodes[k], specs[k]
        if spec[1]:
            continue
        base = w.node_base[id(node)]
        if any((base + i) in live for i in range(node.nout)):
            for r, inp in zip(spec[2:], node.inputs, strict=True):
                if inp._dtype._trainable:
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
        return _GradPlan(None, connected)
    fn = _make_grad_fn(
        w.program(),
        tuple(diff_leaves),
        tuple(perturbed),
        [w.ref_aval(r) for r in perturbed],
        target_refs,
        live_targets,
        [(t._shape, t._dtype) for t in targets],
        tuple(groups),
        seeds_given,
    )
    return _GradPlan(jax.jit(fn), connected)


def _make_grad_fn(
    program: Program,
    diff_idx: tuple[int, ...],
    pert_refs: tuple[int, ...],
    pert_avals: list[Aval],
    target_refs: tuple[int, ...],
    live_targets: tuple[int, ...],
    target_avals: list[Aval],
    groups: tuple[Any, ...],
    seeds_given: bool,
) -> Callable[..., Any]:
    """Build `(leaf_vals, seeds) -> (target values, grads per source)`."""

    def grad_fn(leaf_vals: list[Any], seeds: list[Any] | None) -> Any:
        def f(diff_vals: list[Any], perts: list[Any]) -> Any:
            vals = list(leaf_vals)
            for i, v in zip(diff_idx, diff_vals, strict=True):
                vals[i] = v
            env = program.run(vals, dict(zip(pert_refs, perts, strict=True)))
            outs = [vals[-r - 1] if r < 0 else env[r] for r in target_refs]
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
            if g is None:
                grads.append(None)
                continue
            parts = [g_leaf[i] for i in g[0]] + [g_pert[i] for i in g[1]]
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            grads.append(jnp.conj(total) if jnp.iscomplexobj(total) else total)
        return filled, grads

    return grad_fn

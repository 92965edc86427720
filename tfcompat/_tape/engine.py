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

__all__ = ["execute", "materialize", "compile_stats", "clear_caches", "Program"]

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


class _Walk:
    """Result of a post-order walk: leaves, nodes in topological order, and refs."""

    __slots__ = ("leaves", "nodes", "leaf_ref", "node_base", "specs")

    def __init__(self) -> None:
        self.leaves: list[Tensor] = []
        self.nodes: list[Node] = []
        self.leaf_ref: dict[int, int] = {}
        self.node_base: dict[int, int] = {}
        self.specs: list[tuple[Any, ...]] = []

    def ref(self, t: Tensor) -> int:
        r = self.leaf_ref.get(id(t))
        if r is not None:
            return r
        return self.node_base[id(t._node)] + t._index


def _walk(roots: Sequence[Tensor], expand: Callable[[Tensor], bool]) -> _Walk:
    """Iterative post-order traversal (no recursion: graphs may have 100k nodes)."""
    w = _Walk()
    leaf_ref, node_base = w.leaf_ref, w.node_base
    npos = 0
    stack: list[tuple[Tensor, bool]] = [(t, False) for t in reversed(roots)]
    while stack:
        t, done = stack.pop()
        if expand(t):
            node = t._node
            nid = id(node)
            if nid in node_base:
                continue
            if done:
                node_base[nid] = npos
                npos += node.nout  # type: ignore[union-attr]
                w.nodes.append(node)  # type: ignore[arg-type]
            else:
                stack.append((t, True))
                for inp in reversed(node.inputs):  # type: ignore[union-attr]
                    if id(inp) in leaf_ref or (inp._node is not None and id(inp._node) in node_base):
                        continue
                    stack.append((inp, False))
        elif id(t) not in leaf_ref:
            leaf_ref[id(t)] = -len(w.leaves) - 1
            w.leaves.append(t)
    return w


def _node_in_refs(w: _Walk, node: Node, expand: Callable[[Tensor], bool]) -> tuple[int, ...]:
    refs = []
    for inp in node.inputs:
        if expand(inp):
            refs.append(w.node_base[id(inp._node)] + inp._index)
        else:
            refs.append(w.leaf_ref[id(inp)])
    return tuple(refs)


# --------------------------------------------------------------------------------------
# The compile cache
# --------------------------------------------------------------------------------------


class _Cache:
    """A bounded LRU cache of jitted replay functions, with statistics."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[Any, Callable[..., Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.compiles = 0
        self.evictions = 0
        self.lock = threading.RLock()

    def get(self, key: Any) -> Callable[..., Any] | None:
        fn = self.entries.get(key)
        if fn is not None:
            self.hits += 1
            self.entries.move_to_end(key)
        return fn

    def put(self, key: Any, fn: Callable[..., Any], kind: str, size: int) -> None:
        with self.lock:
            self.misses += 1
            self.compiles += 1
            if _LOG_COMPILES:
                log.warning("tfcompat: compiling %s program #%d (%d nodes); cache size %d", kind, self.compiles, size, len(self.entries))
            self.entries[key] = fn
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


def _leaf_vals(leaves: Sequence[Tensor]) -> list[Any]:
    return [t._value for t in leaves]


# --------------------------------------------------------------------------------------
# Values on demand
# --------------------------------------------------------------------------------------


def _expand_pending(t: Tensor) -> bool:
    return t._value is None


def materialize(t: Tensor) -> Any:
    """Compute (and store) the value of pending tensor `t` via a cached jitted replay."""
    w = _walk([t], _expand_pending)
    specs = tuple((n.key, _node_in_refs(w, n, _expand_pending)) for n in w.nodes)
    out_ref = w.ref(t)
    key = ("value", specs, tuple((x._shape, x._dtype) for x in w.leaves), out_ref)
    fn = CACHE.get(key)
    if fn is None:
        program = Program(tuple((n.op, n.attrs, spec[1], False) for n, spec in zip(w.nodes, specs, strict=True)))

        def value_fn(leaf_vals: list[Any]) -> Any:
            env = program.run(leaf_vals)
            return env[out_ref]

        fn = jax.jit(value_fn)
        CACHE.put(key, fn, "value", len(specs))
    value = fn(_leaf_vals(w.leaves))
    t._value = value
    return value


tensor_mod._materialize = materialize


# --------------------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------------------


def _trainable(dtype: DType) -> bool:
    return dtype._trainable


class GradientRequest:
    """Everything `gradient()` needs, flattened: the tape, targets, sources, seeds."""

    __slots__ = ("tape", "targets", "sources", "seeds")

    def __init__(self, tape: Any, targets: list[Tensor], sources: list[Any], seeds: list[Tensor] | None) -> None:
        self.tape = tape
        self.targets = targets
        self.sources = sources  # Tensor or Variable
        self.seeds = seeds


def compute_gradients(req: GradientRequest) -> list[Any]:
    """Gradients of sum(targets) w.r.t. each source; None for unconnected sources.

    Returns a list with one entry per source: a Tensor, or None when unconnected.
    """
    tape = req.tape

    def expand(t: Tensor) -> bool:
        node = t._node
        return node is not None and (t._value is None or tape in node.tapes)

    w = _walk(req.targets, expand)
    nodes = w.nodes
    in_refs = [_node_in_refs(w, n, expand) for n in nodes]
    stops = [not (tape in n.tapes and n.op.differentiable) for n in nodes]

    # Liveness: refs through which the target depends differentiably on something.
    target_refs = [w.ref(t) for t in req.targets]
    live: set[int] = {r for r, t in zip(target_refs, req.targets, strict=True) if _trainable(t._dtype)}
    for k in range(len(nodes) - 1, -1, -1):
        if stops[k]:
            continue
        node = nodes[k]
        base = w.node_base[id(node)]
        if any((base + i) in live for i in range(node.nout)):
            for r, inp in zip(in_refs[k], node.inputs, strict=True):
                if _trainable(inp._dtype):
                    live.add(r)

    # Map each source to the diff items it sums: leaf indices and perturbed node refs.
    target_ids = {id(t) for t in req.targets}
    diff_leaves: dict[int, int] = {}  # leaf index -> position in diff args
    perturbed: dict[int, int] = {}  # node ref -> position in perturbations
    groups: list[tuple[list[int], list[int]] | None] = []
    for src in req.sources:
        if isinstance(src, Tensor):
            cands = [src]
        else:  # Variable: every read of it on this tape
            handle = src._handle
            cands = [leaf for leaf in w.leaves if leaf._var is handle]
        leaf_items: list[int] = []
        pert_items: list[int] = []
        for c in cands:
            if not _trainable(c._dtype):
                continue
            if not (tape in c._tapes or id(c) in target_ids):
                continue
            if expand(c):
                r = w.ref(c)
                if r in live:
                    pert_items.append(perturbed.setdefault(r, len(perturbed)))
            else:
                r = w.leaf_ref.get(id(c))
                if r is not None and r in live:
                    leaf_items.append(diff_leaves.setdefault(-r - 1, len(diff_leaves)))
        groups.append((leaf_items, pert_items) if (leaf_items or pert_items) else None)

    live_targets = tuple(i for i, r in enumerate(target_refs) if r in live)
    results: list[Any] = [None] * len(req.sources)
    if not (diff_leaves or perturbed) or not live_targets:
        _fill_targets(req.targets, w, target_refs, nodes, in_refs, stops, None)
        return results

    diff_idx = tuple(diff_leaves)
    pert_refs = tuple(perturbed)
    seeds_given = req.seeds is not None
    group_spec = tuple((tuple(g[0]), tuple(g[1])) if g else None for g in groups)
    specs = tuple((n.key, r, s) for n, r, s in zip(nodes, in_refs, stops, strict=True))
    leaf_avals = tuple((x._shape, x._dtype) for x in w.leaves)
    fill_refs = tuple(target_refs)
    key = ("grad", specs, leaf_avals, fill_refs, live_targets, diff_idx, pert_refs, group_spec, seeds_given)

    fn = CACHE.get(key)
    if fn is None:
        program = Program(tuple((n.op, n.attrs, r, s) for n, r, s in zip(nodes, in_refs, stops, strict=True)))
        pert_avals = [_ref_aval(r, w, nodes) for r in pert_refs]
        target_avals = [(t._shape, t._dtype) for t in req.targets]
        fn = jax.jit(_make_grad_fn(program, diff_idx, pert_refs, pert_avals, fill_refs, live_targets, target_avals, group_spec, seeds_given))
        CACHE.put(key, fn, "gradient", len(specs))

    seeds = [s._array() for s in req.seeds] if req.seeds is not None else None
    filled, grads = fn(_leaf_vals(w.leaves), seeds)
    for t, v in zip(req.targets, filled, strict=True):
        if t._value is None:
            t._value = v
    for i, (src, g) in enumerate(zip(req.sources, grads, strict=True)):
        if g is not None:
            results[i] = EagerTensor(g, src._shape, src._dtype)
    return results


def _ref_aval(ref: int, w: _Walk, nodes: list[Node]) -> Aval:
    for n in nodes:
        base = w.node_base[id(n)]
        if base <= ref < base + n.nout:
            return _KEY_OUTS[n.key][ref - base]
    raise AssertionError(ref)


def _fill_targets(targets: list[Tensor], w: _Walk, target_refs: list[int], nodes: list[Node], in_refs: list[tuple[int, ...]], stops: list[bool], _: Any) -> None:
    for t in targets:
        if t._value is None:
            materialize(t)


def _make_grad_fn(
    program: Program,
    diff_idx: tuple[int, ...],
    pert_refs: tuple[int, ...],
    pert_avals: list[Aval],
    fill_refs: tuple[int, ...],
    live_targets: tuple[int, ...],
    target_avals: list[Aval],
    group_spec: tuple[Any, ...],
    seeds_given: bool,
) -> Callable[..., Any]:
    """Build the function `(leaf_vals, seeds) -> (target values, grads per source)`."""

    def grad_fn(leaf_vals: list[Any], seeds: list[Any] | None) -> Any:
        def f(diff_vals: list[Any], perts: list[Any]) -> Any:
            vals = list(leaf_vals)
            for i, v in zip(diff_idx, diff_vals, strict=True):
                vals[i] = v
            env = program.run(vals, dict(zip(pert_refs, perts, strict=True)))
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
        g_diff, g_pert = vjp(cts)
        grads = []
        for g in group_spec:
            if g is None:
                grads.append(None)
                continue
            parts = [g_diff[i] for i in g[0]] + [g_pert[i] for i in g[1]]
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            grads.append(jnp.conj(total) if jnp.iscomplexobj(total) else total)
        return filled, grads

    return grad_fn

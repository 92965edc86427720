"""How a gradient is computed.

Read top to bottom: `compute_gradients` walks the recorded graph from the targets
(`plan_gradient`) and finds the cached `GradPlan` for its signature; on a miss
`_build_plan` runs the liveness analysis and `_make_grad_fn` builds the one function
computing the targets and the VJP together. The plan's raw op is applied lazily to the
graph's leaves (`_gradient_node`): an ordinary op, so an outer tape records it (higher
order) and it fuses with the updates that follow.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Node, Tensor
from tfcompat._engine.abstract import _AVALS, Aval, _new_key
from tfcompat._engine.caches import CACHE
from tfcompat._engine.deps import jaxpr_deps
from tfcompat._engine.dispatch import DEBUG_EAGER, execute_op, state
from tfcompat._engine.ir import BARRIERS, FLOW, Program, Walk, jit_program, walk
from tfcompat._engine.memory import _SWEEP, drain, set_value
from tfcompat._ops.registry import RawOp


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

"""The IR: a recorded graph in canonical form (`Walk`) and the program it replays (`Program`).

A `Node` (tfcompat._core.tensor) is one recorded op. `walk` turns the graph below some
tensors into a `Walk` (leaves, nodes in topological order, specs: the signature of
the graph); `Walk.program()` is the replayable straight-line `Program`, segmented when
it is big. `jit_program` jits a program's function.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

import jax
from jax import lax

from tfcompat._core.tensor import Node, Tensor
from tfcompat._engine.abstract import _KEY_OUTS, Aval
from tfcompat._ops.registry import RawOp

_VALUE = attrgetter("_value")  # (map(_VALUE, tensors): their values, without a Python loop)


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

"""Values on demand: computing pending tensors (`materialize`, `materialize_many`).

A pending tensor whose value is needed is computed by a cached, jitted replay of its
graph, together with this thread's pending variable updates; the other outputs of the
multi-output nodes it runs are filled too.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from tfcompat._core import hooks
from tfcompat._core.tensor import EagerTensor, Node, Tensor
from tfcompat._engine.caches import CACHE, _eager_fn
from tfcompat._engine.ir import _VALUE, Walk, jit_program, walk
from tfcompat._engine.memory import _SWEEP, _all_dead, _not_tracing, drain, set_value
from tfcompat._engine.pending import _ALL, _FLUSH_LOCK, _PENDING


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
    """The outputs of the walk's multi-output nodes that the program also returns: those
    neither requested nor used by another node of the walk, each with its ref and a weak
    reference to its tensor (filled if still alive and pending). A gradient op's targets
    and intermediates, and gradients not yet used, are returned; a gradient consumed by
    its update (`v.assign_sub(lr * g)`) is not, and a later read of it computes it again.
    Chosen from the graph alone, so the program does not depend on which tensors user
    code happens to hold."""
    requested = set(out_refs)
    extra: list[tuple[int, Any]] = []
    used: set[int] | None = None
    for n in w.nodes:
        outs = n.outs
        if outs is not None:
            if used is None:
                used = {r for spec in w.specs for r in spec[2:] if r >= 0}
            base = w.node_base[id(n)]
            for i, ref in enumerate(outs):
                r = base + i
                if r not in requested and r not in used:
                    extra.append((r, ref))
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


def flush_variables(handle: Any = None) -> None:
    """Compute pending variable values in one program (fusing the updates): `handle`'s
    and this thread's; without `handle`, every thread's."""
    with _FLUSH_LOCK:
        if handle is not None and handle.pending is not None:
            _PENDING.setdefault(handle.uid, handle)
        if _PENDING:
            materialize_many([], handle if handle is not None else _ALL)

"""Memory: when the graph behind a tensor is let go.

A tensor with a value drops its graph once every tape that recorded it is dead
(`set_value`, `release`). A dead tape's record is queued (`retire`) and drained later
(`drain`): its pending tensors are kept weakly, and the sweep
(`values._sweep_orphans`) computes those still alive.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from typing import Any

from tfcompat._core.tensor import Tensor
from tfcompat._engine import jax_internals


def _all_dead(tapes: tuple[Any, ...]) -> bool:
    # (a loop: cheaper than all() over a generator on these hot paths)
    for tp in tapes:  # noqa: SIM110
        if not tp.dead:
            return False
    return True


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


def release(tensors: Sequence[Tensor]) -> None:
    """Let go of the graph behind tensors that have values once no live tape needs it.

    Called when a non-persistent tape is consumed: a loss kept in a Python list must not
    keep its step's whole graph (activations, old variable values) alive.
    """
    for t in tensors:
        if t._value is not None:
            _drop_dead_graph(t)


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

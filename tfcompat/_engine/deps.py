"""Which inputs of a compiled op its outputs depend on differentiably (for TF's `None`s).

TF returns `None` for a source that no differentiable path connects to the target. For
ordinary ops tfcompat's engine decides this from the recorded graph. Ops that wrap a whole
program - a `tf.function` call recorded on a tape, a gradient recorded on an outer tape -
need the same answer from inside the program: this module reads it off the jaxpr with a
backward reachability pass (through nested jaxprs of calls), cutting at `stop_gradient`
and at integer or boolean values.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import numpy as np
from jax.extend import core

__all__ = ["differentiable_inputs", "jaxpr_deps"]

# Primitives whose outputs never carry a gradient to their inputs.
_CUT = frozenset({"stop_gradient"})
# Primitives whose output i is input i (the engine's barriers between program segments).
_ONE_TO_ONE = frozenset({"optimization_barrier"})
# Call-like primitives whose single sub-jaxpr maps its invars 1:1 to the equation's inputs.
_CALL_PARAMS = {
    "pjit": "jaxpr",
    "jit": "jaxpr",
    "closed_call": "call_jaxpr",
    "core_call": "call_jaxpr",
    "remat": "jaxpr",
    "checkpoint": "jaxpr",
    "custom_jvp_call": "call_jaxpr",
    "custom_vjp_call": "call_jaxpr",
    "custom_vjp_call_jaxpr": "fun_jaxpr",
}


def _inexact(aval: Any) -> bool:
    dtype = getattr(aval, "dtype", None)
    return dtype is not None and np.issubdtype(dtype, np.inexact)


def differentiable_inputs(jaxpr: Any, used_outputs: list[bool] | None = None) -> list[bool]:
    """For each input of `jaxpr` (a `Jaxpr` or `ClosedJaxpr`): does a used output depend on
    it through a differentiable path? Conservative: unknown primitives with sub-programs
    connect every input to every output."""
    jaxpr = getattr(jaxpr, "jaxpr", jaxpr)
    outvars = jaxpr.outvars
    if used_outputs is None:
        used_outputs = [True] * len(outvars)
    live: set[Any] = set()
    for v, used in zip(outvars, used_outputs, strict=True):
        if used and isinstance(v, core.Var) and _inexact(v.aval):
            live.add(v)
    for eqn in reversed(jaxpr.eqns):
        outs = [o for o in eqn.outvars if isinstance(o, core.Var) and o in live]
        if not outs or eqn.primitive.name in _CUT:
            continue
        sub_name = _CALL_PARAMS.get(eqn.primitive.name)
        sub = eqn.params.get(sub_name) if sub_name is not None else None
        if eqn.primitive.name in _ONE_TO_ONE:
            needed = [isinstance(o, core.Var) and o in live for o in eqn.outvars]
        elif sub is not None and len(getattr(sub, "jaxpr", sub).invars) == len(eqn.invars):
            sub_used = [isinstance(o, core.Var) and o in live for o in eqn.outvars]
            needed = differentiable_inputs(sub, sub_used)
        else:
            needed = [True] * len(eqn.invars)
        for v, need in zip(eqn.invars, needed, strict=True):
            if need and isinstance(v, core.Var) and _inexact(v.aval):
                live.add(v)
    return [isinstance(v, core.Var) and v in live for v in jaxpr.invars]


def jaxpr_deps(fn: Callable[..., Any]) -> Callable[[Any, list[int]], frozenset[int]]:
    """A `RawOp.deps` for an op whose function is `fn`: its jaxpr, traced once per input
    signature and set of live outputs, answers which inputs those outputs depend on."""
    cache: dict[Any, frozenset[int]] = {}
    lock = threading.Lock()

    def deps(node: Any, live_outputs: list[int]) -> frozenset[int]:
        avals = tuple((t._shape, t._dtype) for t in node.inputs)
        key = (avals, node.attrs, tuple(live_outputs))
        with lock:
            hit = cache.get(key)
        if hit is not None:
            return hit
        structs = [jax.ShapeDtypeStruct(shape, dtype.as_numpy_dtype) for shape, dtype in avals]
        f = partial(fn, **dict(node.attrs)) if node.attrs else fn
        closed = jax.make_jaxpr(f)(*structs)
        n_out = len(closed.jaxpr.outvars)
        used = [i in live_outputs for i in range(n_out)]
        needed = differentiable_inputs(closed, used)
        hit = frozenset(j for j, n in enumerate(needed) if n)
        with lock:
            cache[key] = hit
        return hit

    return deps

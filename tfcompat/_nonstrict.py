"""Non-strict execution inside `tf.function`: dead ops cannot raise.

TensorFlow runs only the ops of a function's graph that an output, a variable update or
a stateful op depends on; an op whose result nothing uses is pruned, so it cannot fail
(the "Better performance with tf.function" guide's `tf.gather(x, [1])` on a one-element
`x`, result unused, raises nothing inside a function). The compiled program behaves the
same way for values (XLA removes dead code), but the runtime checks of TF's kernel errors
(tfcompat/_ops/checks.py) are outputs of the program: a check would keep its op's input
alive and raise. So after a function is traced, each check that names its *subject* (the
array its op reads: gather indices, an integer divisor, a matrix to invert) is kept only
when some equation outside the checks that consumes the subject is live, that is, reaches
an output, a written variable, a created variable's initial value or an effect (host
callbacks: `tf.print`, `tf.py_function`). Dead checks are dropped and the program is
rebuilt with the remaining ones folded into the single check code. Checks without a
subject (`tf.debugging.assert_*`, `tf.debugging.check_numerics`) always run: TF's
assertions are stateful ops, executed in program order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax.core as core
import jax.extend.core as ext_core
import jax.extend.linear_util as lu
import jax.numpy as jnp

from tfcompat._engine import jax_internals
from tfcompat._ops import checks

__all__ = ["check_outputs", "prune", "subject_outputs"]


@dataclass
class Layout:
    """Where a traced program's check outputs are, before pruning."""

    n_main: int  # outputs and written variables
    n_info: tuple[int, ...]  # per check: its info arrays
    spec: checks.Spec
    subject_of: tuple[int | None, ...]  # per check: index among the subject outputs
    subjects: list[Any]
    n_subjects: int = 0


def check_outputs(collector: checks.Collector, n_main: int, result: dict[str, Any]) -> list[Any]:
    """The raw check outputs (one flag per check, then each check's info arrays); the
    layout goes to `result["nonstrict"]` for `prune`."""
    import jax.numpy as jnp

    if not collector.checks and not collector.tokens:
        return []
    subjects: list[Any] = []
    subject_of: list[int | None] = []
    for c in collector.checks:
        if c.subject is None:
            subject_of.append(None)
        else:
            subject_of.append(len(subjects))
            subjects.append(c.subject)
    spec = checks.Spec(
        tuple((len(c.info), c.message, c.node, c.cls) for c in collector.checks),
        tuple(collector.tokens),  # nested bodies' checks, recorded at run time
    )
    result["nonstrict"] = Layout(
        n_main, tuple(len(c.info) for c in collector.checks), spec, tuple(subject_of), subjects
    )
    values: list[Any] = [c.bad for c in collector.checks]
    for c in collector.checks:
        values.extend(jnp.asarray(v) for v in c.info)
    return values


def subject_outputs(result: dict[str, Any]) -> list[Any]:
    """The subjects, as the program's last outputs (removed again by `prune`)."""
    layout: Layout | None = result.get("nonstrict")
    if layout is None:
        return []
    layout.n_subjects = len(layout.subjects)
    out, layout.subjects = layout.subjects, []
    return out


def _live(jaxpr: Any, roots: list[Any]) -> set[int]:
    """ids of the equations that `roots` (output variables) or an effect depend on."""
    live_vars = {id(v) for v in roots if isinstance(v, ext_core.Var)}
    live: set[int] = set()
    for eqn in reversed(jaxpr.eqns):
        if eqn.effects or any(id(v) in live_vars for v in eqn.outvars):
            live.add(id(eqn))
            live_vars.update(id(v) for v in eqn.invars if isinstance(v, ext_core.Var))
    return live


def prune(jaxpr: Any, consts: Any, layout: Layout) -> tuple[Any, Any, checks.Spec]:
    """Drop the checks of dead ops; fold the others into TF's single check code.

    Input outputs: main, flags, infos, initial values, subjects. Result outputs: main,
    code and the kept checks' infos (none when no check is kept), initial values."""
    outvars = list(jaxpr.outvars)
    n_checks = len(layout.n_info)
    n_main = layout.n_main
    info_start = n_main + n_checks
    info_end = info_start + sum(layout.n_info)
    n_end = len(outvars) - layout.n_subjects
    subjects = outvars[n_end:]
    main_live = _live(jaxpr, outvars[:n_main] + outvars[info_end:n_end])
    check_cone = _live(
        jaxpr.replace(eqns=[e for e in jaxpr.eqns if not e.effects]), outvars[n_main:info_end]
    )
    kept = []
    for k in range(n_checks):
        pos = layout.subject_of[k]
        if pos is None:
            kept.append(k)
            continue
        s = subjects[pos]
        consumers = [
            e for e in jaxpr.eqns if id(e) not in check_cone and any(v is s for v in e.invars)
        ]
        if not consumers or any(id(e) in main_live for e in consumers):
            kept.append(k)
    offsets = [info_start]
    for n in layout.n_info:
        offsets.append(offsets[-1] + n)

    def rebuilt(*args: Any) -> list[Any]:
        outs = core.eval_jaxpr(jaxpr, consts, *args)
        new = list(outs[:n_main])
        if kept:
            new.append(checks.fold([outs[n_main + k] for k in kept]))
            for k in kept:
                new.extend(outs[offsets[k] : offsets[k + 1]])
        elif layout.spec.tokens:  # only nested checks: a code of 0 tells the caller to look
            new.append(jnp.int32(0))
        new.extend(outs[info_end:n_end])
        return new

    dbg = jaxpr.debug_info.with_unknown_names()
    dbg = dbg._replace(result_paths=None) if hasattr(dbg, "_replace") else dbg
    new_jaxpr, _, new_consts = jax_internals.trace_to_jaxpr_dynamic(
        lu.wrap_init(rebuilt, debug_info=dbg), [v.aval for v in jaxpr.invars]
    )
    spec = checks.Spec(tuple(layout.spec.checks[k] for k in kept), layout.spec.tokens)
    return new_jaxpr, new_consts, spec

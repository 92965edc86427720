"""Where a tfcompat eager step spends its time, in situ:
``python -m benchmarks.phases [--workloads W1,W2,W3] [--steps 2000]``.

Wraps the engine's main phases (graph walk, gradient plan, gradient node, value
program, drain) with timers, runs the workload's TensorFlow-style step on tfcompat,
and prints, per phase, the calls per step and the median time per call. The jitted
call itself is timed apart from the Python around it. Timers add about 0.1-0.3 us per
wrapped call, so phases that nest (compute_gradients holds plan_gradient, which holds
walk) read as upper bounds. Phases are measured inside the running loop, where the
interpreter's caches are as cold as they are in a real step (a microbenchmark of the
same function reads two to three times faster).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import tfcompat as tf
from benchmarks import run
from tfcompat._tape import engine

# Outermost first: `step` is the user's step up to its return (recording, gradient(),
# updates), `read` the wait on its result (the value program and what follows it).
PHASES = (
    "compute_gradients",
    "plan_gradient",
    "walk",
    "_held_intermediates",
    "_gradient_node",
    "_materialize",
    "_node_outputs",
    "drain",
    "_sweep_orphans",
)


def instrument(times: dict[str, list[int]]) -> Callable[[], None]:
    """Wrap the phases (and every jitted program call); return a function undoing it."""
    clock = time.perf_counter_ns
    saved: dict[str, Any] = {name: getattr(engine, name) for name in (*PHASES, "jit_program")}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                times[name].append(clock() - start)

        return wrapper

    # The engine's modules import each other's functions by name: each phase is replaced
    # in every module that holds it.
    holders = {
        name: [
            m
            for m in list(sys.modules.values())
            if getattr(m, "__name__", "").startswith("tfcompat.")
            and getattr(m, name, None) is saved[name]
        ]
        for name in saved
    }

    def patch(name: str, fn: Any) -> None:
        for m in holders[name]:
            setattr(m, name, fn)

    for name in PHASES:
        patch(name, timed(name, saved[name]))
    jit_program = saved["jit_program"]
    patch("jit_program", lambda fn, barriers: timed("(jitted call)", jit_program(fn, barriers)))
    engine.clear_caches()  # one-op programs are jitted again, through the wrapper

    def undo() -> None:
        for name, fn in saved.items():
            patch(name, fn)
        engine.clear_caches()

    return undo


def profile(key: str, steps: int) -> list[tuple[str, float, float]]:
    """(phase, calls per step, median µs per call) for `steps` steps of workload `key`."""
    job = run.WORKLOADS[key].build_tf(tf)
    times: dict[str, list[int]] = defaultdict(list)
    undo = instrument(times)
    clock = time.perf_counter_ns
    try:
        for i in range(steps + 50):
            if i == 50:  # after the warm-up (and its compiles)
                times.clear()
            start = clock()
            out = job.fn(*job.args)
            mid = clock()
            run.block(out)
            times["step"].append(mid - start)
            times["read"].append(clock() - mid)
    finally:
        undo()
    order = ["step", "read", "(jitted call)", *PHASES]
    return [
        (name, len(times[name]) / steps, statistics.median(times[name]) / 1e3)
        for name in order
        if times[name]
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="W1,W2,W3", help="comma-separated step workloads")
    parser.add_argument("--steps", type=int, default=2000)
    args = parser.parse_args(argv)
    keys = (
        run._names(
            args.workloads, [k for k, w in run.WORKLOADS.items() if w.kind == "step"], "workloads"
        )
        or []
    )
    for key in keys:
        print(f"\n{key}: {run.WORKLOADS[key].title} (tfcompat eager, {args.steps} steps)")
        print("| Phase | Calls per step | Median per call |")
        print("|---|---:|---:|")
        for name, calls, us in profile(key, args.steps):
            print(f"| {name} | {calls:.1f} | {us:.1f} µs |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

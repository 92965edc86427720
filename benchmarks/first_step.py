"""First-step (trace + compile) times in fresh processes:
``python -m benchmarks.first_step [--runs 3] [--workloads W1,W3] [--systems ...]``.

``benchmarks.run`` times each system's first step inside one long process, where an
earlier workload or system has already paid JAX's one-time costs (tracing and lowering
caches, backend setup) for the ones after it: a single sample whose size depends on the
order of the run. Here every (workload, system) first step runs in its own new
interpreter, ``--runs`` times, and the median is compared with hand-written
``jax.jit``'s. Each child imports its system, builds the workload (variables, data),
initializes the JAX backend as ``benchmarks.run`` does, then times one step and its
wait, and prints the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import run

STEP_WORKLOADS = [k for k, w in run.WORKLOADS.items() if w.kind == "step"]
DEFAULT_SYSTEMS = ("jax-jit", "tfcompat-eager", "tfcompat-function")


def child(workload_key: str, system_name: str) -> float:
    """In a fresh process: the first step of one workload on one system, in seconds."""
    if system_name not in run.SYSTEMS:
        raise ValueError(f"unknown system {system_name!r}")
    system = run.load_system(system_name)
    if system.error is not None:
        raise RuntimeError(system.error)
    step = run.make_step(run.WORKLOADS[workload_key], system)
    import jax

    jax.block_until_ready(jax.jit(lambda v: v + 1)(1.0))
    start = time.perf_counter()
    run.block(step())
    return time.perf_counter() - start


def measure(workload_key: str, system_name: str, runs: int) -> list[float] | str:
    """`runs` first-step times in fresh processes, or the error text of the first failure."""
    times = []
    root = Path(__file__).resolve().parent.parent
    path = os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path)
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.first_step", "--child", workload_key, system_name],
            capture_output=True,
            text=True,
            env=env,
            cwd=root,
            timeout=600,
        )
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            err = proc.stderr.strip().splitlines()
            return err[-1] if err else f"exit status {proc.returncode}"
        times.append(float(lines[-1]))
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per pair")
    parser.add_argument("--workloads", help=f"comma-separated from {', '.join(STEP_WORKLOADS)}")
    parser.add_argument(
        "--systems", help=f"comma-separated from {', '.join(run.SYSTEMS)} (default: JAX-based)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--child", nargs=2, metavar=("WORKLOAD", "SYSTEM"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(child(*args.child))
        return 0

    workloads = run._names(args.workloads, STEP_WORKLOADS, "workloads") or STEP_WORKLOADS
    systems = run._names(args.systems, run.SYSTEMS, "systems") or list(DEFAULT_SYSTEMS)
    rows = []
    print("| Workload | System | First step (median) | Runs | Ratio to jax-jit |")
    print("|---|---|---:|---|---:|")
    for key in workloads:
        baseline = None
        for name in systems:
            got = measure(key, name, args.runs)
            if isinstance(got, str):
                rows.append({"workload": key, "system": name, "error": got})
                print(f"| {key} | {name} | unsupported: {got[:80]} | | |", flush=True)
                continue
            median = statistics.median(got)
            if name == run.BASELINE:
                baseline = median
            ratio = f"{median / baseline:.2f}" if baseline else ""
            runs = ", ".join(run.fmt_time(t) for t in got)
            rows.append({"workload": key, "system": name, "first_step_s": got, "median_s": median})
            print(f"| {key} | {name} | {run.fmt_time(median)} | {runs} | {ratio} |", flush=True)
    if args.json:
        report = {"argv": sys.argv[1:] if argv is None else list(argv), "results": rows}
        report["environment"] = run.environment({})
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

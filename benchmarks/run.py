"""Run the benchmarks: ``python -m benchmarks.run [--quick] [--workloads W1,W3] [...]``.

For every (workload, system) pair: the first step (it includes tracing and compiling) is
timed on its own, then a few warm-up steps, then each step is timed separately and the
median is reported, with its ratio to hand-written ``jax.jit``. The systems of a workload
that run on JAX are timed in alternation (one step each per round), so drifting
background load cannot favour one of them; TensorFlow's systems alternate among
themselves afterwards. Every step waits for its result (``block_until_ready`` on JAX
arrays and on the array of a tfcompat tensor, which first computes a pending one;
``.numpy()`` on TensorFlow tensors), and each step's loss depends on the previous
step's update, so asynchronous dispatch cannot hide work.

A system that cannot be imported is "unavailable"; a workload that fails on a system is
"unsupported" with the exception text. Neither stops the run.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import jax

from benchmarks import jax_workloads as jw
from benchmarks import tf_workloads as tfw

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before tensorflow is imported

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BASELINE = "jax-jit"
SYSTEMS = ("jax-jit", "tfcompat-eager", "tfcompat-function", "tf-eager", "tf-function")


@dataclass(frozen=True)
class Workload:
    key: str
    title: str
    build_tf: Callable[[ModuleType], tfw.Job]
    build_jax: Callable[[], Callable[[], Any]] | None
    kind: str = "step"  # "step", "memory" (W7) or "record" (R1)
    systems: tuple[str, ...] = SYSTEMS  # run by default; --systems may ask for others


WORKLOADS = {
    w.key: w
    for w in (
        Workload("W1", "scalar tape: y = x**2, gradient", tfw.build_w1, jw.build_w1),
        Workload("W2", "linear regression, 1000 points", tfw.build_w2, jw.build_w2),
        Workload("W3", "MLP 784-256-10, batch 128, softmax xent", tfw.build_w3, jw.build_w3),
        Workload("W4", "MLP 1024-4096-1024, batch 1024, MSE", tfw.build_w4, jw.build_w4),
        Workload("W5", "CNN conv3x3x32+pool+dense, batch 64", tfw.build_w5, jw.build_w5),
        Workload("W6", "batch_jacobian 16x4x8 + Hessian 32x32", tfw.build_w6, jw.build_w6),
        Workload("W7", "W2 for 10,000 steps: steps/s, RSS", tfw.build_w2, jw.build_w2, "memory"),
        Workload(
            "R1",
            "recording cost: 1,000-op chain on a tape",
            tfw.build_r1,
            None,
            "record",
            ("tfcompat-eager",),
        ),
    )
}


@dataclass(frozen=True)
class Settings:
    warmup: int
    repeats: int  # at most this many timed steps ...
    min_repeats: int  # ... and at least this many, even past the time budget
    budget_s: float  # time budget for the timed steps of one pair
    w7_steps: int
    w7_budget_s: float  # W7 stops early (and says so) past this

    @classmethod
    def make(cls, quick: bool) -> Settings:
        if quick:
            return cls(2, repeats=50, min_repeats=3, budget_s=0.5, w7_steps=2_000, w7_budget_s=10)
        # Microsecond steps get many samples (up to the time budget): a median of 50
        # steps of a few microseconds is mostly noise on a busy machine.
        return cls(10, repeats=1000, min_repeats=5, budget_s=2.0, w7_steps=10_000, w7_budget_s=40)


@dataclass
class Result:
    workload: str
    system: str
    status: str  # "ok", "unavailable", "unsupported"
    error: str | None = None
    first_step_s: float | None = None
    median_s: float | None = None
    p10_s: float | None = None
    p90_s: float | None = None
    repeats: int = 0
    ratio_vs_jax: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Systems
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class System:
    name: str
    module: ModuleType | None  # the `tf` module; None for jax-jit or when unavailable
    error: str | None = None

    @property
    def uses_function(self) -> bool:
        return self.name.endswith("-function")


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def load_system(name: str) -> System:
    """Import what ``name`` runs on; never raises."""
    try:
        if name == "jax-jit":
            importlib.import_module("jax")
            return System(name, None)
        module = importlib.import_module(
            "tfcompat" if name.startswith("tfcompat") else "tensorflow"
        )
        if module.__name__ == "tensorflow":
            # Silence the Python-side logger: W6 in eager mode makes TensorFlow's pfor warn
            # about retracing on every call, which is the behaviour being measured.
            module.get_logger().setLevel("ERROR")
        if name.endswith("-function") and not callable(getattr(module, "function", None)):
            return System(name, None, f"{module.__name__} has no `function` yet")
        return System(name, module)
    except Exception as exc:
        return System(name, None, _describe(exc))


def make_step(workload: Workload, system: System) -> Callable[[], Any]:
    """Build the workload on ``system``; return a callable that runs one step."""
    if system.name == BASELINE:
        if workload.build_jax is None:
            raise NotImplementedError(f"{workload.key} has no hand-written JAX version")
        return workload.build_jax()
    tf = system.module
    assert tf is not None, "run_pair skips unavailable systems"
    job = workload.build_tf(tf)
    fn = tf.function(job.fn) if system.uses_function else job.fn
    args = job.args
    return lambda: fn(*args)


def block(out: Any) -> None:
    """Wait until ``out`` (a tensor, array, or a tuple/list/dict of them) is computed."""
    if out is None:
        return
    if isinstance(out, list | tuple):
        for item in out:
            block(item)
    elif isinstance(out, dict):
        for item in out.values():
            block(item)
    elif isinstance(out, jax.Array):
        out.block_until_ready()
    elif hasattr(out, "_array"):  # a tfcompat tensor: computed, then waited on like a JAX
        out._array().block_until_ready()  # array (no copy to the host, as for jax-jit)
    else:  # a TensorFlow tensor
        out.numpy()


def rss_bytes() -> int:
    """Resident set size now (Linux), else the peak RSS."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


# --------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------


def measure_steps(step: Callable[[], Any], settings: Settings, result: Result) -> None:
    start = time.perf_counter()
    block(step())
    result.first_step_s = time.perf_counter() - start
    for _ in range(settings.warmup):
        block(step())
    times: list[float] = []
    deadline = time.perf_counter() + settings.budget_s
    while len(times) < settings.repeats and (
        len(times) < settings.min_repeats or time.perf_counter() < deadline
    ):
        start = time.perf_counter()
        block(step())
        times.append(time.perf_counter() - start)
    times.sort()
    result.median_s = statistics.median(times)
    result.p10_s = times[len(times) // 10]
    result.p90_s = times[min(len(times) - 1, (len(times) * 9) // 10)]
    result.repeats = len(times)


def measure_memory(step: Callable[[], Any], settings: Settings, result: Result) -> None:
    """W7: many steps in a row; RSS after step 100 and at the end, and steps/s."""
    start = time.perf_counter()
    block(step())
    result.first_step_s = time.perf_counter() - start
    rss_100 = None
    done = 1
    start = time.perf_counter()
    deadline = start + settings.w7_budget_s
    while done < settings.w7_steps:
        block(step())
        done += 1
        if done == 100:
            rss_100 = rss_bytes()
        if done % 100 == 0 and time.perf_counter() > deadline:
            break
    elapsed = time.perf_counter() - start
    rss_end = rss_bytes()
    result.median_s = elapsed / max(done - 1, 1)  # mean time per step after the first
    result.repeats = done - 1
    mib = 1024 * 1024
    result.extra = {
        "steps": done,
        "steps_requested": settings.w7_steps,
        "steps_per_s": (done - 1) / elapsed if elapsed > 0 else None,
        "rss_step100_mib": None if rss_100 is None else rss_100 / mib,
        "rss_end_mib": rss_end / mib,
        "rss_growth_mib": None if rss_100 is None else (rss_end - rss_100) / mib,
    }


def run_interleaved(workload: Workload, systems: list[System], settings: Settings) -> list[Result]:
    """Time the systems of one step workload in alternation.

    Each system's first step and warm-up run first; then every round times one step of
    each system in turn. Background load that drifts during the run then affects every
    system alike, so the ratios stay meaningful on a busy machine.
    """
    results: dict[str, Result] = {}
    steps: dict[str, Callable[[], Any]] = {}
    times: dict[str, list[float]] = {}
    for system in systems:
        result = results[system.name] = Result(workload.key, system.name, "ok")
        if system.error is not None:
            result.status, result.error = "unavailable", system.error
            continue
        gc.collect()
        try:
            step = make_step(workload, system)
            start = time.perf_counter()
            block(step())
            result.first_step_s = time.perf_counter() - start
            for _ in range(settings.warmup):
                block(step())
        except Exception as exc:
            result.status, result.error = "unsupported", _describe(exc)
            if os.environ.get("BENCH_TRACEBACKS"):
                traceback.print_exc()
            continue
        steps[system.name] = step
        times[system.name] = []
    deadline = time.perf_counter() + settings.budget_s * max(len(steps), 1)
    rounds = 0
    while (
        steps
        and rounds < settings.repeats
        and (rounds < settings.min_repeats or time.perf_counter() < deadline)
    ):
        for name, step in list(steps.items()):
            try:
                start = time.perf_counter()
                block(step())
                times[name].append(time.perf_counter() - start)
            except Exception as exc:
                results[name].status, results[name].error = "unsupported", _describe(exc)
                del steps[name]
        rounds += 1
    for name, ts in times.items():
        result = results[name]
        if result.status != "ok" or not ts:
            continue
        ts.sort()
        result.median_s = statistics.median(ts)
        result.p10_s = ts[len(ts) // 10]
        result.p90_s = ts[min(len(ts) - 1, (len(ts) * 9) // 10)]
        result.repeats = len(ts)
    return [results[s.name] for s in systems]


def run_pair(workload: Workload, system: System, settings: Settings) -> Result:
    result = Result(workload.key, system.name, "ok")
    if system.error is not None:
        result.status, result.error = "unavailable", system.error
        return result
    gc.collect()
    try:
        step = make_step(workload, system)
        if workload.kind == "memory":
            measure_memory(step, settings, result)
        else:
            measure_steps(step, settings, result)
            if workload.kind == "record" and result.median_s is not None:
                result.extra["us_per_op"] = result.median_s / tfw.R1_OPS * 1e6
    except Exception as exc:
        result.status, result.error = "unsupported", _describe(exc)
        if os.environ.get("BENCH_TRACEBACKS"):
            traceback.print_exc()
    return result


def add_ratios(results: list[Result]) -> None:
    baseline = {
        r.workload: r.median_s for r in results if r.system == BASELINE and r.status == "ok"
    }
    for r in results:
        base = baseline.get(r.workload)
        if r.status == "ok" and base and r.median_s is not None:
            r.ratio_vs_jax = r.median_s / base


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def notes(r: Result) -> str:
    if r.status != "ok":
        return f"{r.status}: {r.error}".replace("|", "\\|")
    extra = r.extra
    if "us_per_op" in extra:
        return f"{extra['us_per_op']:.2f} µs/op recorded"
    if "steps_per_s" in extra:
        parts = [f"{extra['steps']:,} steps, {extra['steps_per_s']:,.0f} steps/s"]
        if extra["rss_step100_mib"] is not None:
            parts.append(
                f"RSS {extra['rss_step100_mib']:.0f} → {extra['rss_end_mib']:.0f} MiB "
                f"({extra['rss_growth_mib']:+.1f})"
            )
        if extra["steps"] < extra["steps_requested"]:
            parts.append("stopped early (time budget)")
        return "; ".join(parts)
    return ""


def table(results: list[Result]) -> str:
    lines = [
        "| Workload | System | First step | Steady step (median) | Ratio to jax-jit | Notes |",
        "|---|---|---:|---:|---:|---|",
    ]
    unavailable: dict[str, str] = {}
    for r in results:
        if r.status == "unavailable":
            unavailable[r.system] = r.error or ""
            continue
        ratio = f"{r.ratio_vs_jax:.2f}" if r.ratio_vs_jax is not None else ""
        median = fmt_time(r.median_s) + (" (mean)" if "steps_per_s" in r.extra else "")
        lines.append(
            f"| {r.workload} | {r.system} | {fmt_time(r.first_step_s)} | {median} "
            f"| {ratio} | {notes(r)} |"
        )
    lines += ["", *(f"Unavailable: {name} ({why})" for name, why in unavailable.items())]
    return "\n".join(lines).rstrip()


def environment(systems: dict[str, System]) -> dict[str, Any]:
    env: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "jax": jax.__version__,
        "jax_backend": jax.default_backend(),
        "jax_devices": [str(d) for d in jax.devices()],
        "jax_enable_x64": bool(jax.numpy.zeros(()).dtype == "float64"),  # tfcompat turns it on
        # False once tfcompat is imported first: CPU programs run on the calling thread.
        "jax_cpu_async_dispatch": jax.config.values.get("jax_cpu_enable_async_dispatch"),
    }
    for name, attr in (("tfcompat", "__tfcompat_version__"), ("tensorflow", "__version__")):
        module = sys.modules.get(name)
        env[name] = getattr(module, attr, "unknown") if module else None
    env["unavailable"] = {s.name: s.error for s in systems.values() if s.error}
    return env


def plot(results: list[Result], path: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"--plot: matplotlib is not installed; {path} not written", file=sys.stderr)
        return
    rated = [r for r in results if r.ratio_vs_jax is not None and r.system != BASELINE]
    workloads = sorted({r.workload for r in rated})
    systems = [s for s in SYSTEMS if any(r.system == s for r in rated)]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(workloads) + 2), 4))
    width = 0.8 / max(1, len(systems))
    for i, system in enumerate(systems):
        ratios = {r.workload: r.ratio_vs_jax for r in rated if r.system == system}
        xs = [j + i * width for j, w in enumerate(workloads) if w in ratios]
        ax.bar(xs, [ratios[w] for w in workloads if w in ratios], width, label=system)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks([j + width * (len(systems) - 1) / 2 for j in range(len(workloads))])
    ax.set_xticklabels(workloads)
    ax.set_ylabel("steady step time ÷ jax-jit (log)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"wrote {path}", file=sys.stderr)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _names(text: str | None, known: Sequence[str], what: str) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("--workloads", help="comma-separated, e.g. W1,W3 (default: all)")
    parser.add_argument("--systems", help=f"comma-separated from {', '.join(SYSTEMS)}")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (under a minute)")
    parser.add_argument("--repeats", type=int, help="override the number of timed steps")
    parser.add_argument("--json", metavar="PATH", help="default: benchmarks/results/<UTC>.json")
    parser.add_argument("--plot", metavar="PNG", help="bar chart of ratios (needs matplotlib)")
    parser.add_argument("--list", action="store_true", help="list workloads and systems")
    args = parser.parse_args(argv)

    if args.list:
        for w in WORKLOADS.values():
            print(f"{w.key}  {w.title}  [{', '.join(w.systems)}]")
        print("systems:", ", ".join(SYSTEMS))
        return 0

    workload_keys = _names(args.workloads, list(WORKLOADS), "workloads") or list(WORKLOADS)
    chosen_systems = _names(args.systems, SYSTEMS, "systems")
    settings = Settings.make(args.quick)
    if args.repeats:
        min_repeats = min(settings.min_repeats, args.repeats)
        settings = replace(settings, repeats=args.repeats, min_repeats=min_repeats)

    needed = chosen_systems or sorted(
        {s for k in workload_keys for s in WORKLOADS[k].systems}, key=SYSTEMS.index
    )
    systems = {name: load_system(name) for name in needed}  # import everything up front
    for s in systems.values():
        if s.error:
            print(f"[{s.name}] unavailable: {s.error}", file=sys.stderr)

    # Initialize the JAX backend before any timing, so no system's first step pays it.
    jax.block_until_ready(jax.jit(lambda v: v + 1)(1.0))
    results: list[Result] = []
    wall = time.perf_counter()
    for key in workload_keys:
        workload = WORKLOADS[key]
        names = [
            n
            for n in chosen_systems or workload.systems
            if not (n == BASELINE and workload.build_jax is None)
        ]
        if workload.kind == "step":
            # JAX-based systems alternate with each other; TensorFlow's run on their own
            # (its thread pools spin after each op and would slow whatever runs next).
            on_jax = [systems[n] for n in names if not n.startswith("tf-")]
            on_tf = [systems[n] for n in names if n.startswith("tf-")]
            pair_results = run_interleaved(workload, on_jax, settings)
            pair_results += run_interleaved(workload, on_tf, settings) if on_tf else []
        else:
            pair_results = [run_pair(workload, systems[n], settings) for n in names]
        for r in pair_results:
            results.append(r)
            timing = f"first {fmt_time(r.first_step_s)}, median {fmt_time(r.median_s)}"
            line = notes(r) if r.error else f"{timing} (n={r.repeats}) {notes(r)}"
            print(f"[{r.workload} {r.system}] {line}", file=sys.stderr, flush=True)
    add_ratios(results)

    print(table(results))
    report = {
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "argv": sys.argv[1:] if argv is None else list(argv),
        "settings": asdict(settings),
        "environment": environment(systems),
        "wall_s": time.perf_counter() - wall,
        "results": [asdict(r) for r in results],
    }
    path = (
        Path(args.json)
        if args.json
        else RESULTS_DIR / time.strftime("%Y%m%dT%H%M%SZ.json", time.gmtime())
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {path} ({report['wall_s']:.0f} s)", file=sys.stderr)
    if args.plot:
        plot(results, args.plot)
    return 0


if __name__ == "__main__":
    sys.exit(main())

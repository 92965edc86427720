"""Eager dispatch with Python values that change every call: tfcompat vs TF vs JAX.

``python -m benchmarks.eager_dispatch [--calls N] [--loop STEPS] [--json PATH]``

Each row is one op called with a new Python int ``i`` on every call (``a[i]``,
``tf.roll(a, i, 0)``, ``v[i].assign(1.0)``, ...), timed call by call, median in
microseconds; the systems take turns call by call, so background load drifts alike for
all. Every call waits for its result (``block_until_ready`` on JAX arrays and on a
tfcompat tensor's array, ``.numpy()`` on TensorFlow's). Each op is called once before
timing with another value (for tfcompat that compiles the op's program once per shape;
a new value must not compile again). The last table row changes the output *shape*
every call, so every call is a first call. The same ops then run inside a
``GradientTape`` (watching ``a``, gradient of the sum, read) for tfcompat and TF; and
the loop ``for i in range(STEPS): c[i].assign(a[i] + b[i])`` runs end to end.

JAX eager is ``jax.numpy`` called op by op (``x.at[i].set`` for an assignment).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SIZE = 10_016  # a, b, c: float32 vectors (the loop writes c[0..STEPS))


def _block(out: Any) -> None:
    if out is None:
        return
    if isinstance(out, (list, tuple)):
        for o in out:
            _block(o)
    elif isinstance(out, jax.Array):
        out.block_until_ready()
    elif hasattr(out, "_array"):  # a tfcompat tensor (or variable)
        out._array().block_until_ready()
    elif hasattr(out, "numpy"):  # TensorFlow
        out.numpy()


def _tf_ops(tf: Any) -> dict[str, Callable[[int], Any]]:
    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal(SIZE).astype(np.float32))
    b = tf.constant(rng.standard_normal(SIZE).astype(np.float32))
    v = tf.Variable(np.zeros(SIZE, np.float32))
    c = tf.Variable(np.zeros(SIZE, np.float32))

    def assign_sum(i: int) -> Any:
        return c[i].assign(a[i] + b[i])

    return {
        "a[i]": lambda i: a[i],
        "a[i:i+3]": lambda i: a[i : i + 3],
        "v[i].assign(1.0)": lambda i: v[i].assign(1.0),
        "tf.roll(a, i, 0)": lambda i: tf.roll(a, i, 0),
        "c[i].assign(a[i] + b[i])": assign_sum,
        "tf.reshape(a[:2*i], [i, 2]) (new shape)": lambda i: tf.reshape(a[: 2 * i], [i, 2]),
    }


def _jax_ops() -> dict[str, Callable[[int], Any]]:
    rng = np.random.default_rng(0)
    a = jnp.asarray(rng.standard_normal(SIZE).astype(np.float32))
    b = jnp.asarray(rng.standard_normal(SIZE).astype(np.float32))
    state = {"v": jnp.zeros(SIZE, jnp.float32), "c": jnp.zeros(SIZE, jnp.float32)}

    def set_v(i: int) -> Any:
        state["v"] = state["v"].at[i].set(1.0)
        return state["v"]

    def assign_sum(i: int) -> Any:
        state["c"] = state["c"].at[i].set(a[i] + b[i])
        return state["c"]

    return {
        "a[i]": lambda i: a[i],
        "a[i:i+3]": lambda i: a[i : i + 3],
        "v[i].assign(1.0)": set_v,
        "tf.roll(a, i, 0)": lambda i: jnp.roll(a, i, 0),
        "c[i].assign(a[i] + b[i])": assign_sum,
        "tf.reshape(a[:2*i], [i, 2]) (new shape)": lambda i: jnp.reshape(a[: 2 * i], (i, 2)),
    }


def _tape_ops(tf: Any) -> dict[str, Callable[[int], Any]]:
    """The differentiable rows inside a tape: record, take the gradient, read it."""
    rng = np.random.default_rng(0)
    a = tf.Variable(rng.standard_normal(SIZE).astype(np.float32))
    b = tf.constant(rng.standard_normal(SIZE).astype(np.float32))

    def grad(fn: Callable[[int], Any]) -> Callable[[int], Any]:
        def step(i: int) -> Any:
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(fn(i))
            return tape.gradient(y, a)

        return step

    return {
        "a[i]": grad(lambda i: a[i]),
        "a[i:i+3]": grad(lambda i: a[i : i + 3]),
        "tf.roll(a, i, 0)": grad(lambda i: tf.roll(a, i, 0)),
        "a[i] + b[i]": grad(lambda i: a[i] + b[i]),
        "tf.reshape(a[:2*i], [i, 2]) (new shape)": grad(lambda i: tf.reshape(a[: 2 * i], [i, 2])),
    }


def _time_rows(
    systems: dict[str, dict[str, Callable[[int], Any]]], calls: int, new_shape_calls: int
) -> dict[str, dict[str, float]]:
    """Median µs per call of each row, per system; the systems alternate call by call."""
    rows: list[str] = []
    for ops in systems.values():
        rows += [r for r in ops if r not in rows]
    out: dict[str, dict[str, float]] = {}
    for row in rows:
        n = new_shape_calls if "new shape" in row else calls
        times: dict[str, list[float]] = {s: [] for s in systems if row in systems[s]}
        for s in times:  # once with a value not used below (compiles once per shape)
            _block(systems[s][row](1))
        for k in range(n):
            i = 2 + k  # a new value every call (a new shape in the last row)
            for s in times:
                t0 = time.perf_counter_ns()
                _block(systems[s][row](i))
                times[s].append((time.perf_counter_ns() - t0) / 1e3)
        out[row] = {s: statistics.median(ts) for s, ts in times.items()}
    return out


def _loop(tf: Any, steps: int) -> float:
    rng = np.random.default_rng(0)
    a = tf.constant(rng.standard_normal(SIZE).astype(np.float32))
    b = tf.constant(rng.standard_normal(SIZE).astype(np.float32))
    c = tf.Variable(np.zeros(SIZE, np.float32))
    c[0].assign(a[0] + b[0])  # (the programs of the first step)
    t0 = time.perf_counter()
    for i in range(steps):
        c[i].assign(a[i] + b[i])
    _block(c.read_value())
    elapsed = time.perf_counter() - t0
    np.testing.assert_allclose(c.numpy()[:steps], (a.numpy() + b.numpy())[:steps])
    return elapsed


def _new_shape_options(calls: int) -> dict[str, float]:
    """First call of a new shape, `reshape(a[:2n], [n, 2])` (two ops), per option: median
    µs. The options take turns; each call uses a shape no option has seen."""
    from tfcompat._ops.registry import OPS

    a = jnp.asarray(np.random.default_rng(0).standard_normal(SIZE).astype(np.float32))
    sl, rs = OPS["StridedSlice"], OPS["Reshape"]
    begin = np.zeros(1, np.int32)
    fast = {"xla_backend_optimization_level": 0, "xla_llvm_disable_expensive_passes": True}

    def fns(n: int) -> tuple[Callable[..., Any], Callable[..., Any]]:
        return (
            lambda x, b: sl.fn(x, b, index=(("s", 2 * n, 1),)),
            lambda y: rs.fn(y, shape=(n, 2)),
        )

    def jit(n: int) -> Any:
        f, g = fns(n)
        return jax.jit(g)(jax.jit(f)(a, begin))

    def jit_o0(n: int) -> Any:
        f, g = fns(n)
        return jax.jit(g, compiler_options=fast)(jax.jit(f, compiler_options=fast)(a, begin))

    def primitives(n: int) -> Any:
        f, g = fns(n)
        return g(f(a, begin))

    def host(n: int) -> Any:
        y = sl.host(np.asarray(a), begin, index=(("s", 2 * n, 1),))  # type: ignore[misc]
        return jax.device_put(rs.host(y, shape=(n, 2)))  # type: ignore[misc]

    options = {
        "one jax.jit compile per op": jit,
        "jax.jit, XLA optimizations off": jit_o0,
        "JAX primitive dispatch (un-jitted)": primitives,
        "NumPy on the host, one transfer": host,
    }
    times: dict[str, list[float]] = {k: [] for k in options}
    n = 1000
    for _ in range(calls):
        for name, fn in options.items():
            n += 1
            t0 = time.perf_counter_ns()
            jax.block_until_ready(fn(n))
            times[name].append((time.perf_counter_ns() - t0) / 1e3)
    return {k: statistics.median(v) for k, v in times.items()}


def _fmt(us: float | None) -> str:
    if us is None:
        return "—"
    return f"{us / 1000:.1f} ms" if us >= 1000 else f"{us:.0f} µs"


def _table(title: str, timed: dict[str, dict[str, float]], systems: list[str]) -> str:
    lines = [f"### {title}", "", "| op, new Python value each call | " + " | ".join(systems)]
    lines[-1] += " | tfcompat / TF |"
    lines.append("|---" * (len(systems) + 2) + "|")
    for row, per in timed.items():
        cells = [_fmt(per.get(s)) for s in systems]
        ratio = per["tfcompat"] / per["TF eager"] if "TF eager" in per else None
        lines.append(
            f"| `{row}` | " + " | ".join(cells) + f" | {ratio:.2f}x |"
            if ratio is not None
            else f"| `{row}` | " + " | ".join(cells) + " | — |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="timed calls per row")
    parser.add_argument("--new-shape-calls", type=int, default=15)
    parser.add_argument("--loop", type=int, default=10_000, help="steps of the assign loop")
    parser.add_argument("--json", default=None, help="write the numbers here")
    parser.add_argument(
        "--no-options", action="store_true", help="skip the table of new-shape options"
    )
    args = parser.parse_args(argv)

    import tensorflow as tf_real

    import tfcompat

    # (the new-shape rows compile a gradient program per call on purpose)
    warnings.simplefilter("ignore", tfcompat.experimental.RecompilationWarning)

    eager = _time_rows(
        {
            "tfcompat": _tf_ops(tfcompat),
            "TF eager": _tf_ops(tf_real),
            "JAX eager": _jax_ops(),
        },
        args.calls,
        args.new_shape_calls,
    )
    taped = _time_rows(
        {"tfcompat": _tape_ops(tfcompat), "TF eager": _tape_ops(tf_real)},
        args.calls,
        args.new_shape_calls,
    )
    loop = {"tfcompat": _loop(tfcompat, args.loop), "TF eager": _loop(tf_real, args.loop)}
    options = {} if args.no_options else _new_shape_options(args.new_shape_calls)
    print(_table("Eager, one op per call", eager, ["tfcompat", "TF eager", "JAX eager"]))
    print()
    print(_table("Inside a GradientTape (record, gradient, read)", taped, ["tfcompat", "TF eager"]))
    print()
    print(
        f"`for i in range({args.loop}): c[i].assign(a[i] + b[i])`: "
        f"tfcompat {loop['tfcompat']:.2f} s, TF eager {loop['TF eager']:.2f} s "
        f"({loop['tfcompat'] / loop['TF eager']:.2f}x)"
    )
    if options:
        print("\n### First call of a new shape: `reshape(a[:2n], [n, 2])`, per option\n")
        print("| option | median |\n|---|---|")
        for name, us in options.items():
            print(f"| {name} | {_fmt(us)} |")
    print(
        f"\n(medians of {args.calls} calls, {args.new_shape_calls} for new shapes; "
        f"jax {jax.__version__}, TF {tf_real.__version__}, {os.cpu_count()} CPUs, "
        f"python {sys.version.split()[0]})"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"eager": eager, "tape": taped, "loop_s": loop, "new_shape": options}, f, indent=1
            )


if __name__ == "__main__":
    main()

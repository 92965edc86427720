"""Advanced-autodiff benchmarks: ``python -m benchmarks.autodiff_workloads [--quick]``.

Two comparisons, each side by side in one run (median of timed steps after warm-up;
every step waits for its result):

* A1: an MLP training step (784-256-10, batch 128, relu, MSE, SGD) as ``tfcompat.function``
  next to the same step hand-written with ``jax.jit(jax.value_and_grad(...))``, tfcompat
  eager, and (when installed) TensorFlow's ``tf.function``.
* A2/A3: ``tape.batch_jacobian`` of a tanh MLP next to a Python loop of ``tape.gradient``
  calls (one per output column, the way one would write it without ``batch_jacobian``),
  and ``jax.vmap(jax.jacrev(...))``.

The workloads reuse ``benchmarks.data``; the harness in ``benchmarks/run.py`` is untouched
(its W3/W6 rows already time ``tfcompat-function`` through ``make_step``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import data

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

Step = Callable[[], Any]


def _block(out: Any) -> None:
    if isinstance(out, (list, tuple)):
        for item in out:
            _block(item)
    elif hasattr(out, "block_until_ready"):
        out.block_until_ready()
    elif hasattr(out, "_array"):  # a tfcompat tensor: compute it, wait on the device array
        jax.block_until_ready(out._array())
    elif hasattr(out, "numpy"):  # a TensorFlow tensor
        out.numpy()


def measure(step: Step, repeats: int, warmup: int = 3) -> tuple[float, float]:
    """(first step seconds, median steady step seconds)."""
    start = time.perf_counter()
    _block(step())
    first = time.perf_counter() - start
    for _ in range(warmup):
        _block(step())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        _block(step())
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


# -- A1: MLP train step ---------------------------------------------------------------------


def _mlp_data() -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    return data.classifier_mlp()


def mlp_step_tf(tf: ModuleType, use_function: bool) -> Step:
    """The step written once against the TF API (runs on TensorFlow or tfcompat)."""
    params_np, x_np, y_np = _mlp_data()
    params = [tf.Variable(p) for p in params_np]

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, params[0]) + params[1])
            loss = tf.reduce_mean(tf.square(tf.matmul(h, params[2]) + params[3] - y))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads, strict=True):
            p.assign_sub(data.MLP_LR * g)
        return loss

    fn = tf.function(step) if use_function else step
    x, y = tf.constant(x_np), tf.constant(y_np)
    return lambda: fn(x, y)


def mlp_step_jax() -> Step:
    params_np, x_np, y_np = _mlp_data()

    def loss_fn(p: list[Any], x: Any, y: Any) -> Any:
        h = jax.nn.relu(x @ p[0] + p[1])
        return jnp.mean(jnp.square(h @ p[2] + p[3] - y))

    @jax.jit
    def step(p: list[Any], x: Any, y: Any) -> Any:
        loss, g = jax.value_and_grad(loss_fn)(p, x, y)
        return [a - data.MLP_LR * b for a, b in zip(p, g, strict=True)], loss

    state = [[jnp.asarray(a) for a in params_np]]
    x, y = jnp.asarray(x_np), jnp.asarray(y_np)

    def call() -> Any:
        state[0], loss = step(state[0], x, y)
        return loss

    return call


# -- A2/A3: batch_jacobian vs a loop of gradients ------------------------------------------


def _jacobian_data(sizes: tuple[int, ...], batch: int) -> tuple[list[np.ndarray], np.ndarray]:
    return data.mlp(sizes, batch=batch, seed=7)


def _forward_tf(tf: ModuleType, params: list[Any], x: Any) -> Any:
    return tf.matmul(tf.tanh(tf.matmul(x, params[0]) + params[1]), params[2]) + params[3]


def batch_jacobian_step(tf: ModuleType, sizes: tuple[int, ...], batch: int) -> Step:
    params_np, x_np = _jacobian_data(sizes, batch)
    params = [tf.constant(p) for p in params_np]
    x = tf.constant(x_np)

    def step() -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = _forward_tf(tf, params, x)
        return tape.batch_jacobian(y, x)

    return step


def gradient_loop_step(tf: ModuleType, sizes: tuple[int, ...], batch: int) -> Step:
    """The Jacobian as one `tape.gradient` per output column (a persistent tape)."""
    params_np, x_np = _jacobian_data(sizes, batch)
    params = [tf.constant(p) for p in params_np]
    x = tf.constant(x_np)
    n_out = sizes[-1]

    def step() -> Any:
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            y = _forward_tf(tf, params, x)
            columns = [y[:, j] for j in range(n_out)]
        rows = [tape.gradient(c, x) for c in columns]
        return tf.stack(rows, axis=1) if hasattr(tf, "stack") else rows

    return step


def batch_jacobian_jax(sizes: tuple[int, ...], batch: int) -> Step:
    params_np, x_np = _jacobian_data(sizes, batch)
    p = [jnp.asarray(a) for a in params_np]

    def f(xi: Any) -> Any:
        return jnp.tanh(xi @ p[0] + p[1]) @ p[2] + p[3]

    jac = jax.jit(jax.vmap(jax.jacrev(f)))
    x = jnp.asarray(x_np)
    return lambda: jac(x)


# -- the run ---------------------------------------------------------------------------------


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.autodiff_workloads")
    parser.add_argument("--quick", action="store_true", help="fewer timed steps")
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow rows")
    args = parser.parse_args(argv)
    repeats = 20 if args.quick else 100

    import tfcompat

    tensorflow: ModuleType | None = None
    if not args.no_tf:
        try:
            import tensorflow

            tensorflow.get_logger().setLevel("ERROR")
        except ImportError:
            tensorflow = None

    rows: list[tuple[str, str, Step | None, str]] = [
        ("A1 MLP 784-256-10 train step", "jax.jit (hand-written)", mlp_step_jax(), "base"),
        ("A1 MLP 784-256-10 train step", "tfcompat.function", mlp_step_tf(tfcompat, True), ""),
        ("A1 MLP 784-256-10 train step", "tfcompat eager", mlp_step_tf(tfcompat, False), ""),
    ]
    if tensorflow is not None:
        rows.append(
            ("A1 MLP 784-256-10 train step", "tf.function", mlp_step_tf(tensorflow, True), "")
        )
    for label, sizes, batch in (("A2", (8, 32, 4), 16), ("A3", (64, 128, 32), 64)):
        title = f"{label} batch_jacobian {'-'.join(map(str, sizes))}, batch {batch}"
        rows += [
            (
                title,
                "jax.vmap(jax.jacrev) (hand-written)",
                batch_jacobian_jax(sizes, batch),
                "base",
            ),
            (title, "tfcompat batch_jacobian", batch_jacobian_step(tfcompat, sizes, batch), ""),
            (title, "tfcompat loop of gradients", gradient_loop_step(tfcompat, sizes, batch), ""),
        ]
        if tensorflow is not None:
            rows.append(
                (
                    title,
                    "tf batch_jacobian (eager)",
                    batch_jacobian_step(tensorflow, sizes, batch),
                    "",
                )
            )
            rows.append(
                (
                    title,
                    "tf loop of gradients (eager)",
                    gradient_loop_step(tensorflow, sizes, batch),
                    "",
                )
            )

    print(
        f"jax {jax.__version__} on {jax.default_backend()}, {os.cpu_count()} CPUs", file=sys.stderr
    )
    print("| Workload | System | First step | Steady step (median) | Ratio to base |")
    print("|---|---|---:|---:|---:|")
    base: dict[str, float] = {}
    for title, system, step, role in rows:
        assert step is not None
        try:
            first, median = measure(step, repeats)
        except Exception as exc:  # report and go on
            print(f"| {title} | {system} | | | unsupported: {type(exc).__name__}: {exc} |")
            continue
        if role == "base":
            base[title] = median
        ratio = median / base[title] if title in base else float("nan")
        print(f"| {title} | {system} | {_fmt(first)} | {_fmt(median)} | {ratio:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

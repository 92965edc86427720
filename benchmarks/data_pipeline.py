"""tf.data benchmarks: ``python -m benchmarks.data_pipeline [--quick] [--no-tf]``.

Two comparisons, side by side in one run (medians of repeated epochs):

* D1: an in-memory pipeline, ``from_tensor_slices((x, y)).shuffle(N).batch(128)`` over
  N = 10,000 rows of 784 float32 features: elements per second of one epoch, tfcompat
  next to TensorFlow's ``tf.data`` (the same code on both).
* D2: the W3 MLP (784-256-10, batch 128, relu, MSE, SGD) trained with a ``tf.function``
  step, fed by that pipeline (``.prefetch(AUTOTUNE)``) versus by pre-made batches (a list
  of tensors made once): the time per step of an epoch, and the share the pipeline adds.
  The two sources' epochs alternate, so machine load changes affect both alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks import data

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROWS = 10_000
BATCH = 128


def _arrays(rows: int = ROWS) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, 784)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, rows)]
    return x, y


def pipeline(tf: ModuleType, x: np.ndarray, y: np.ndarray, prefetch: bool) -> Any:
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=1)
    ds = ds.batch(BATCH, drop_remainder=True)
    return ds.prefetch(tf.data.AUTOTUNE) if prefetch else ds


def epoch_seconds(ds: Any, repeats: int) -> float:
    """Median seconds to iterate one epoch (every batch's arrays read)."""
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        for bx, _by in ds:
            bx.numpy()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def mlp_step(tf: ModuleType) -> Any:
    params_np, _, _ = data.classifier_mlp()
    params = [tf.Variable(p) for p in params_np]

    @tf.function
    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, params[0]) + params[1])
            loss = tf.reduce_mean(tf.square(tf.matmul(h, params[2]) + params[3] - y))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads, strict=True):
            p.assign_sub(data.MLP_LR * g)
        return loss

    return step


def train_seconds_per_step(tf: ModuleType, sources: list[Any], repeats: int) -> list[float]:
    """Median seconds per step of an epoch fed by each source (waiting for the last loss).

    The sources' epochs alternate (base, pipeline, base, ...) with one step function, so
    a change of machine load affects both alike; the first round is warm-up.
    """
    step = mlp_step(tf)
    times: list[list[float]] = [[] for _ in sources]
    for _ in range(repeats + 1):
        for k, batches in enumerate(sources):
            start = time.perf_counter()
            n = 0
            loss = None
            for bx, by in batches:
                loss = step(bx, by)
                n += 1
            assert loss is not None
            float(loss.numpy())
            times[k].append((time.perf_counter() - start) / n)
    return [statistics.median(t[1:]) for t in times]


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.data_pipeline")
    parser.add_argument("--quick", action="store_true", help="fewer epochs")
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow rows")
    parser.add_argument("--rows", type=int, default=ROWS, help="rows in the data set")
    args = parser.parse_args(argv)
    rows = args.rows
    repeats = 3 if args.quick else 9

    import tfcompat

    systems: list[tuple[str, ModuleType]] = [("tfcompat", tfcompat)]
    if not args.no_tf:
        try:
            import tensorflow

            tensorflow.get_logger().setLevel("ERROR")
            systems.append(("tensorflow", tensorflow))
        except ImportError:
            pass
    x, y = _arrays(rows)
    print(f"{os.cpu_count()} CPUs; {rows} rows x 784 float32, batch {BATCH}", file=sys.stderr)

    print("| Pipeline | System | Epoch (median) | Elements/s |")
    print("|---|---|---:|---:|")
    for name, tf in systems:
        for prefetch in (False, True):
            secs = epoch_seconds(pipeline(tf, x, y, prefetch), repeats)
            steps = rows // BATCH
            label = "D1 slices.shuffle.batch" + (".prefetch" if prefetch else "")
            print(f"| {label} | {name} | {_fmt(secs)} | {steps * BATCH / secs:,.0f} |", flush=True)

    print()
    print("| W3 MLP train step (tf.function) | System | Step (median) | Pipeline share |")
    print("|---|---|---:|---:|")
    for name, tf in systems:
        premade = [
            (tf.constant(x[i : i + BATCH]), tf.constant(y[i : i + BATCH]))
            for i in range(0, rows - BATCH + 1, BATCH)
        ]
        base, fed = train_seconds_per_step(tf, [premade, pipeline(tf, x, y, True)], repeats)
        print(f"| D2 pre-made batches | {name} | {_fmt(base)} | |")
        print(
            f"| D2 tf.data pipeline (prefetch) | {name} | {_fmt(fed)} | "
            f"{(fed - base) / base * 100:+.1f}% |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A `tf.function` with one `tf.numpy_function` call: tfcompat vs hand-written JAX vs TF.

``python -m benchmarks.host_callback_bench [--runs 7] [--reps 300] [--n 1000]``

The step: ``y = tf.numpy_function(np.sort, [x * 2.0], tf.float32)`` then
``tf.reduce_sum(tf.tanh(y) * x)`` on a float32 vector of ``--n`` elements, compiled:

* ``jax-io-callback``: hand-written ``jax.jit`` with ``jax.experimental.io_callback``
  (ordered), the floor of a compiled program that calls Python once;
* ``tfcompat-function``: the ``tf.function`` above on tfcompat (one compiled program,
  the NumPy function an ordered host callback);
* ``tf-function``: the same code on TensorFlow (its ``PyFunc`` kernel);
* ``*-no-callback`` rows: the same step with ``tf.sort`` instead, for the callback's cost.

Reported: median microseconds per call over ``--runs`` runs of ``--reps`` calls (each
call's result is read), and tfcompat's ratio to TF.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median_us(fn: Callable[[], Any], runs: int, reps: int) -> float:
    fn()
    fn()  # trace, compile, learn shapes
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            out = fn()
            np.asarray(out)
        times.append((time.perf_counter() - t0) / reps * 1e6)
    return statistics.median(times)


def _tf_like(tf: Any, x0: np.ndarray) -> tuple[Callable[[], Any], Callable[[], Any]]:
    x = tf.constant(x0)

    @tf.function
    def with_callback(x: Any) -> Any:
        y = tf.numpy_function(np.sort, [x * 2.0], tf.float32)
        return tf.reduce_sum(tf.tanh(y) * x)

    @tf.function
    def without(x: Any) -> Any:
        y = tf.sort(x * 2.0)
        return tf.reduce_sum(tf.tanh(y) * x)

    return (lambda: with_callback(x).numpy()), (lambda: without(x).numpy())


def _jax(x0: np.ndarray) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import jax
    import jax.numpy as jnp
    from jax.experimental import io_callback

    def cb(a: Any) -> Any:
        return np.sort(np.asarray(a))

    @jax.jit
    def with_callback(x: Any) -> Any:
        y = io_callback(cb, jax.ShapeDtypeStruct(x.shape, x.dtype), x * 2.0, ordered=True)
        return jnp.sum(jnp.tanh(y) * x)

    @jax.jit
    def without(x: Any) -> Any:
        return jnp.sum(jnp.tanh(jnp.sort(x * 2.0)) * x)

    x = jnp.asarray(x0)
    return (lambda: with_callback(x)), (lambda: without(x))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--reps", type=int, default=300)
    p.add_argument("--n", type=int, default=1000)
    args = p.parse_args(argv)
    x0 = np.random.default_rng(0).standard_normal(args.n).astype(np.float32)

    import tfcompat

    rows: dict[str, float] = {}
    jw, jn = _jax(x0)
    rows["jax-io-callback"] = _median_us(jw, args.runs, args.reps)
    rows["jax-no-callback"] = _median_us(jn, args.runs, args.reps)
    tw, tn = _tf_like(tfcompat, x0)
    rows["tfcompat-function"] = _median_us(tw, args.runs, args.reps)
    rows["tfcompat-function-no-callback"] = _median_us(tn, args.runs, args.reps)
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as real_tf

        fw, fn = _tf_like(real_tf, x0)
        rows["tf-function"] = _median_us(fw, args.runs, args.reps)
        rows["tf-function-no-callback"] = _median_us(fn, args.runs, args.reps)
    except ImportError:
        pass
    print(f"tf.function with one tf.numpy_function, n={args.n} (median us per call)")
    for name, us in rows.items():
        print(f"  {name:32s} {us:9.1f}")
    if "tf-function" in rows:
        ratio = rows["tfcompat-function"] / rows["tf-function"]
        print(f"  ratio tfcompat/tf (callback)     {ratio:.2f}")
        print(
            "  ratio tfcompat/tf (no callback)  "
            f"{rows['tfcompat-function-no-callback'] / rows['tf-function-no-callback']:.2f}"
        )


if __name__ == "__main__":
    main()

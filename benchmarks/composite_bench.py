"""Composite tensors side by side: tfcompat vs TensorFlow 2.21 vs hand-written JAX.

Two workloads, each timed as median microseconds per call:

* **S1** `tf.sparse.sparse_dense_matmul(sp, b)`: a `[N, N]` SparseTensor with `nnz` values
  times a dense `[N, K]` matrix; JAX: a gather, a scale and a `segment_sum` under
  `jax.jit` (the same algorithm), and the dense `A @ b` for scale.
* **R1** `tf.reduce_sum(rt, axis=1)` of a RaggedTensor of `rows` rows (lengths 0..2L);
  JAX: `segment_sum` of the flat values under `jax.jit`.

Each system runs eagerly (tfcompat and TF) and inside its compiler (`tf.function`; JAX
`jit`). Run: `python -m benchmarks.composite_bench [--quick] [--json out.json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def _median_us(fn: Callable[[], Any], repeats: int, inner: int) -> float:
    fn()  # warm up (compiles)
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times) * 1e6


def _sparse_problem(n: int, k: int, nnz: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    lin = np.sort(rng.choice(n * n, size=nnz, replace=False))
    idx = np.stack(np.unravel_index(lin, (n, n)), axis=1).astype(np.int64)
    vals = rng.normal(size=nnz).astype(np.float32)
    b = rng.normal(size=(n, k)).astype(np.float32)
    return idx, vals, b


def _ragged_problem(rows: int, mean_len: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 2 * mean_len + 1, size=rows)
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    vals = rng.normal(size=int(splits[-1])).astype(np.float32)
    return vals, splits


def _block(x: Any) -> Any:
    if hasattr(x, "block_until_ready"):
        return x.block_until_ready()
    return x.numpy() if hasattr(x, "numpy") else x


def run(quick: bool, repeats: int) -> list[dict[str, Any]]:
    import jax
    import jax.numpy as jnp

    n, k, nnz = (256, 32, 2048) if quick else (2048, 64, 65536)
    rows, mean_len = (256, 8) if quick else (8192, 32)
    inner = 3 if quick else 20
    idx, vals, b = _sparse_problem(n, k, nnz)
    rvals, splits = _ragged_problem(rows, mean_len)
    results: list[dict[str, Any]] = []

    def add(workload: str, system: str, us: float) -> None:
        results.append({"workload": workload, "system": system, "median_us": round(us, 1)})

    # -- JAX -------------------------------------------------------------------------
    jidx, jvals, jb = jnp.asarray(idx), jnp.asarray(vals), jnp.asarray(b)

    @jax.jit
    def spmm(idx: Any, vals: Any, b: Any) -> Any:
        return jax.ops.segment_sum(vals[:, None] * b[idx[:, 1]], idx[:, 0], num_segments=n)

    add("S1", "jax-jit", _median_us(lambda: _block(spmm(jidx, jvals, jb)), repeats, inner))
    dense = jnp.asarray(np.zeros((n, n), np.float32)).at[idx[:, 0], idx[:, 1]].set(vals)
    dense_mm = jax.jit(jnp.matmul)
    add("S1", "jax-jit dense A@b", _median_us(lambda: _block(dense_mm(dense, jb)), repeats, inner))
    seg_ids = jnp.asarray(np.repeat(np.arange(rows), np.diff(splits)))
    jr = jnp.asarray(rvals)

    @jax.jit
    def rsum(v: Any, ids: Any) -> Any:
        return jax.ops.segment_sum(v, ids, num_segments=rows)

    add("R1", "jax-jit", _median_us(lambda: _block(rsum(jr, seg_ids)), repeats, inner))

    # -- tfcompat and TF -------------------------------------------------------------------
    import tfcompat

    systems: list[tuple[str, Any]] = [("tfcompat", tfcompat)]
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow

        systems.append(("tf", tensorflow))
    except ImportError:
        pass
    for label, tf in systems:
        sp = tf.SparseTensor(idx, vals, [n, n])
        tb = tf.constant(b)
        add(
            "S1",
            f"{label}-eager",
            _median_us(lambda: _block(tf.sparse.sparse_dense_matmul(sp, tb)), repeats, inner),  # noqa: B023
        )
        f = tf.function(lambda sp, b: tf.sparse.sparse_dense_matmul(sp, b))  # noqa: B023
        add("S1", f"{label}-function", _median_us(lambda: _block(f(sp, tb)), repeats, inner))  # noqa: B023
        rt = tf.RaggedTensor.from_row_splits(tf.constant(rvals), tf.constant(splits))
        add(
            "R1",
            f"{label}-eager",
            _median_us(lambda: _block(tf.reduce_sum(rt, axis=1)), repeats, inner),  # noqa: B023
        )
        g = tf.function(lambda v, s: tf.math.unsorted_segment_sum(v, s, rows))  # noqa: B023
        ids = tf.constant(np.repeat(np.arange(rows), np.diff(splits)))
        add(
            "R1",
            f"{label}-function (unsorted_segment_sum of flat values)",
            _median_us(lambda: _block(g(rt.flat_values, ids)), repeats, inner),  # noqa: B023
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args(argv)
    results = run(args.quick, args.repeats)
    print("| workload | system | median µs |")
    print("|---|---|---|")
    for r in results:
        print(f"| {r['workload']} | {r['system']} | {r['median_us']} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"results": results}, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Orderings, signed zeros, NaN and gradient edges, against TF 2.21's CPU kernels.

Values are compared bit for bit where the sign of a zero matters: each snippet returns
the values' bits (`bitcast` to an integer, NaN as 0) next to the values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

NAN, INF = float("nan"), float("inf")

ROWS = [
    [NAN, 1.0, 2.0],
    [1.0, NAN, 2.0],
    [1.0, 2.0, NAN],
    [NAN, 2.0, NAN, 2.0],
    [INF, -INF, 0.0, 1.0],
    [INF, NAN, -INF],
    [0.0, -0.0, 0.0, -0.0],
    [-0.0, 0.0, -0.0, 1.0, 0.0],
    [1.0, 3.0, 1.0, 3.0, 2.0],
    [3.0, NAN, 1.0, NAN, 2.0],
    [1.0, 3.0, NAN, 2.0, 5.0, NAN, 0.0],
]


def _bits(tf: Any, t: Any) -> Any:
    ints = {"float16": tf.int16, "bfloat16": tf.int16, "float32": tf.int32, "float64": tf.int64}
    b = tf.bitcast(t, ints[t.dtype.name])
    return tf.where(tf.math.is_nan(t), tf.zeros_like(b), b)


def _with_bits(tf: Any, t: Any) -> Any:
    return [t, _bits(tf, t)] if t.dtype.is_floating else [t]


@pytest.mark.tf
@pytest.mark.parametrize(
    "dtype",
    # float32 checks every k; the half and double runs (slow) check k = 1, 2.
    ["float32", pytest.param("float16", marks=pytest.mark.slow), "float64"],
)
def test_sort_argsort_top_k_order_nan_and_signed_zeros(run_both: Any, dtype: str) -> None:
    def snippet(tf: Any) -> Any:
        out = []
        for values in ROWS:
            x = tf.cast(tf.constant(values, tf.float64), dtype)
            out += _with_bits(tf, tf.sort(x)) + _with_bits(tf, tf.sort(x, direction="DESCENDING"))
            out += [tf.argsort(x, stable=True), tf.argsort(x, direction="DESCENDING")]
            for k in range(1, len(values) + 1) if dtype == "float32" else (1, 2):
                v, i = tf.math.top_k(x, k)
                out += [*_with_bits(tf, v), i]
        return out

    run_both(snippet)


@pytest.mark.tf
def test_top_k_1_follows_eigen_packets(run_both: Any) -> None:
    # k == 1 is Eigen's maximum: SIMD packets ignore NaN, the scalar tail does not.
    rows = [
        [1.0, 5, 5, 5, 5, 5, 5, 5, NAN],
        [1.0, 5, 5, 5, 5, 5, 5, 5, 3, NAN, 2],
        [NAN] * 8 + [1.0, 2.0],
        [2.0, 2, NAN, -1, NAN, NAN, NAN, NAN, -0.0],
        [NAN, NAN, NAN, NAN, NAN, -INF, NAN, NAN],
    ]

    def snippet(tf: Any) -> Any:
        return [
            tf.math.top_k(tf.cast(tf.constant(r, tf.float64), dt), 1).indices
            for r in rows
            for dt in ("float32", "float64")
        ]

    run_both(snippet)


@pytest.mark.tf
def test_top_k_inside_function_and_rows(run_both: Any) -> None:
    rows = np.array([[NAN, 1.0, 2.0, -0.0], [0.0, -0.0, 3.0, NAN], [1.0, 1.0, 1.0, 1.0]])

    def snippet(tf: Any) -> Any:
        f = tf.function(lambda x, k: tuple(tf.math.top_k(x, k)))
        x = tf.constant(rows, tf.float32)
        return [f(x, 4), f(x, 1), tf.function(tf.sort)(x)]

    run_both(snippet)


@pytest.mark.tf
def test_sort_long_row_with_nan_follows_tf_introsort(run_both: Any) -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(-3, 4, 40).astype(np.float32)
    values[rng.random(40) < 0.3] = np.nan

    def snippet(tf: Any) -> Any:
        x = tf.constant(values)
        return [tf.sort(x), tf.argsort(x), tf.math.top_k(x, 40).indices]

    run_both(snippet)


@pytest.mark.tf
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "int32"])
def test_unique_nan_and_signed_zeros(run_both: Any, dtype: str) -> None:
    def snippet(tf: Any) -> Any:
        out = []
        for values in [*ROWS, [2.0, 2.0, 1.0], []]:
            x = tf.cast(tf.constant(values, tf.float64), dtype)
            if dtype == "int32" and any(np.isnan(v) or np.isinf(v) for v in values):
                continue
            y, idx = tf.unique(x)
            y2, idx2, count = tf.unique_with_counts(x, out_idx=tf.int64)
            out += [*_with_bits(tf, y), idx, *_with_bits(tf, y2), idx2, count]
        return out

    run_both(snippet)


@pytest.mark.tf
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_maximum_minimum_relu_sign_with_nan_and_signed_zeros(run_both: Any, dtype: str) -> None:
    values = [NAN, 1.0, -0.0, 0.0, -2.0, INF, -INF]

    def snippet(tf: Any) -> Any:
        x = tf.cast(tf.constant(values, tf.float64), dtype)
        z = tf.zeros_like(x)
        out = []
        for t in (
            tf.maximum(x, z),
            tf.maximum(z, x),
            tf.minimum(x, z),
            tf.minimum(z, x),
            tf.nn.relu(x),
            tf.nn.relu6(x),
            tf.math.sign(x),
            tf.clip_by_value(x, -1.0, 1.0),
        ):
            out += _with_bits(tf, t)
        return out

    run_both(snippet)


@pytest.mark.tf
def test_argmax_argmin_ties_and_nan(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        out = []
        for values in ROWS:
            x = tf.constant(values, tf.float32)
            out += [tf.argmax(x), tf.argmin(x)]
            if 0.0 not in values:  # the sign of a zero maximum: see docs/edges.md
                out += [tf.reduce_max(x), tf.reduce_min(x)]
        return out

    run_both(snippet)


@pytest.mark.tf
def test_gradients_at_zero_follow_tf_zero_seed_rule(run_both: Any) -> None:
    x0 = [-1.0, -0.0, 0.0, 0.25, 4.0]

    def snippet(tf: Any) -> Any:
        x = tf.constant(x0)
        w = tf.range(1.0, 6.0)
        fns = [
            lambda v: tf.where(v > 0, tf.sqrt(v), 0.0),
            lambda v: tf.sqrt(v) * 0,
            lambda v: tf.math.rsqrt(v) * 0,
            lambda v: tf.math.reciprocal(v) * 0,
            lambda v: tf.where(v != 0, tf.math.reciprocal(v), 0.0),
            tf.sqrt,
            tf.math.rsqrt,
            tf.math.reciprocal,
            lambda v: v**0.5,
            lambda v: tf.pow(v, 0.0),
            lambda v: tf.maximum(v, 0.0),
            lambda v: tf.minimum(v, 0.0),
            tf.abs,
            tf.nn.relu,
            lambda v: tf.clip_by_value(v, 0.0, 1.0),
        ]
        out = []
        for f in fns:
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(f(x) * w)
            out += _with_bits(tf, tape.gradient(loss, x))

        @tf.function
        def in_function(v: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(v)
                y = tf.where(v > 0, tf.sqrt(v), 0.0)
            return tape.gradient(y, v)

        out.append(in_function(x))
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.sqrt(x)
            g = t1.gradient(y, x)
        out.append(t2.gradient(g, x))
        point = tf.constant([0.0, 4.0])
        with tf.autodiff.ForwardAccumulator(point, tf.constant([0.0, 1.0])) as acc:
            y = tf.sqrt(point)
        out.append(acc.jvp(y))
        return out

    run_both(snippet)

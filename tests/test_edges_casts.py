"""Casts and half-precision accumulation at the edges, against TF 2.21's CPU kernels.

TF's `Cast` from a floating type to an integer type is C++'s `static_cast` compiled for
x86-64 (NaN, +-inf and out-of-range values give the most negative integer of the
conversion, narrow types keep the low bits); XLA's `convert` saturates instead. The
tensors here are small (under 8 elements), where TF's kernel converts element by element;
see docs/edges.md for the vectorized path TF takes on longer tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat

EDGE_VALUES = [np.nan, np.inf, -np.inf, -1.0, -0.5, 200.0, 300.0, -200.0, 70000.0, 3e9]
EDGE_VALUES += [-3e9, 5e9, 1e19, -1e19, 1e20, -2.5, 65504.0, 3.4e38, 1.8e19, 9.3e18]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool"]


@pytest.mark.tf
@pytest.mark.parametrize("src", FLOATS)
@pytest.mark.parametrize("dst", INTS)
def test_float_to_int_cast_of_edge_values(run_both: Any, src: str, dst: str) -> None:
    def snippet(tf: Any) -> Any:
        out = []
        for i in range(0, len(EDGE_VALUES), 4):  # 4-element tensors: TF's scalar path
            x = tf.cast(tf.constant(EDGE_VALUES[i : i + 4], tf.float64), src)
            out.append(tf.cast(x, dst))
        return out

    run_both(snippet)


@pytest.mark.tf
@pytest.mark.parametrize("src", FLOATS)
@pytest.mark.parametrize("dst", INTS)
def test_float_to_int_cast_inside_function(run_both: Any, src: str, dst: str) -> None:
    def snippet(tf: Any) -> Any:
        f = tf.function(lambda x: tf.cast(x, dst))
        return f(tf.cast(tf.constant(EDGE_VALUES[:6], tf.float64), src))

    run_both(snippet)


@pytest.mark.tf
@pytest.mark.parametrize("src", ["int64", "int32", "uint32", "uint8", "int8", "uint64"])
@pytest.mark.parametrize("dst", ["int8", "int16", "int32", "uint8", "uint16", "uint32"])
def test_int_to_narrower_int_wraps(run_both: Any, src: str, dst: str) -> None:
    values = np.array([-129, 128, 255, 256, 70000, -70000, 2**31 - 1, -(2**31)], np.int64)
    run_both(lambda tf: tf.cast(tf.cast(tf.constant(values), src), dst))


@pytest.mark.tf
@pytest.mark.parametrize("dst", ["float16", "bfloat16"])
@pytest.mark.parametrize("src", ["float32", "float64", "int32", "int64"])
def test_cast_to_half_rounds_and_overflows_to_inf(run_both: Any, src: str, dst: str) -> None:
    values = [65504.0, 65519.0, 65520.0, 1e5, -1e6, 3.4e38, 1e-8, 2049.0, 257.0, 0.1]
    run_both(lambda tf: tf.cast(tf.cast(tf.constant(values, tf.float64), src), dst))


def test_the_issue_examples() -> None:
    tf = tfcompat
    nan_inf = tf.constant([np.nan, np.inf, -np.inf])
    assert tf.cast(nan_inf, tf.int32).numpy().tolist() == [-(2**31)] * 3
    assert tf.cast(tf.constant([-1.0, 300.0]), tf.uint8).numpy().tolist() == [255, 44]
    assert tf.cast(tf.constant(200.0), tf.int8).numpy() == -56


@pytest.mark.tf
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_mean_and_cumsum(run_both: Any, dtype: str) -> None:
    def snippet(tf: Any) -> Any:
        big = 60000.0 if dtype == "float16" else 3e38
        return [
            tf.reduce_mean(tf.fill([4], tf.constant(big, dtype))),
            tf.reduce_mean(tf.fill([4, 3], tf.constant(big / 2, dtype)), axis=0),
            tf.reduce_mean(tf.ones([100000], dtype)),
            tf.reduce_mean(tf.ones([3000], dtype)),
            tf.math.cumsum(tf.ones([3000], dtype))[-1],
            tf.math.cumsum(tf.ones([3000, 2], dtype), axis=0, reverse=True)[0],
            tf.math.cumsum(tf.ones([5, 3000], dtype), axis=1, exclusive=True)[:, -1],
            tf.function(lambda x: tf.math.cumsum(x))(tf.ones([3000], dtype))[-1],
        ]

    run_both(snippet)


@pytest.mark.tf
def test_half_cumsum_gradient(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        x = tf.ones([3000], tf.float16)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.math.cumsum(x)
        return y[-1], tape.gradient(y, x)[:3]

    run_both(snippet)

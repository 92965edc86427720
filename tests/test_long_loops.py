"""Gradients of loops of unknown length longer than the largest compiled bucket.

The reverse pass of a data-dependent `tf.while_loop` runs a masked scan of the smallest
power-of-two length >= the trip count, up to 2**16 steps; longer loops are differentiated
in segments of 2**16 steps (tfcompat/_api/control_flow.py `_segmented_vjp`). The fast
tests shrink the largest bucket to 4 steps so the segmented path runs on short loops; the
slow one runs a loop of 70,000 steps. All compare with TF 2.21's gradients.
"""

from __future__ import annotations

from typing import Any

import pytest

from tfcompat._api import control_flow


def _loop_grads(tf: Any, n: int) -> Any:
    w = tf.Variable(1.001)

    @tf.function
    def f(x, n):
        i = tf.constant(0)

        def cond(i, x, acc):
            return i < n

        def body(i, x, acc):
            return i + 1, x * w + 0.01 * tf.sin(x), acc + x

        _, y, acc = tf.while_loop(cond, body, (i, x, tf.constant(0.0)))
        return y + 0.1 * acc

    x = tf.constant(0.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x, tf.constant(n))
    gx, gw = tape.gradient(y, [x, w])
    return [y, gx, gw]


@pytest.mark.parametrize("n", [4, 17])
def test_segmented_gradient_small_buckets(
    run_both: Any, monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    monkeypatch.setattr(control_flow, "_MAX_BUCKET", 2)  # segments of 4 steps
    run_both(lambda tf: _loop_grads(tf, n), rtol=1e-5)


def test_segmented_gradient_with_integer_and_captured_inputs(
    run_both: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(control_flow, "_MAX_BUCKET", 1)  # segments of 2 steps

    def fn(tf: Any) -> Any:
        scale = tf.constant([1.0, 2.0])

        @tf.function
        def f(x):
            k = tf.constant(0)
            while tf.reduce_sum(x) < 50.0:  # AutoGraph: a data-dependent tf.while_loop
                x = x * 1.5 + scale
                k += 1
            return x, k

        x = tf.constant([0.5, 0.25])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y, k = f(x)
            loss = tf.reduce_sum(y * y)
        return [y, k, tape.gradient(loss, x)]

    run_both(fn, rtol=1e-5)


@pytest.mark.slow
def test_loop_longer_than_largest_bucket(run_both: Any) -> None:
    run_both(lambda tf: _loop_grads(tf, 70_000), rtol=2e-3)

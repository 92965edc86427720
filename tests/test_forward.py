"""`tf.autodiff.ForwardAccumulator` against TF 2.21."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tfcompare import Raised, assert_same, capture

import tfcompat
import tfcompat as tf


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    rtol: float | None = None


def _basic(tf: Any) -> Any:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
        y = tf.reduce_sum(x * x * x)
    return acc.jvp(y)


def _variable_primal(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = x * x
    return acc.jvp(y), acc.jvp(x)


def _unconnected(tf: Any) -> Any:
    x = tf.constant(2.0)
    z = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
        y = z * z
    return acc.jvp(y), acc.jvp(y, unconnected_gradients="zero"), acc.jvp(z)


def _forward_over_reverse_hvp(tf: Any) -> Any:
    # TF's guide: the Hessian-vector product as a JVP of a gradient.
    x = tf.constant([1.0, 2.0])
    v = tf.constant([0.5, -1.0])
    with tf.autodiff.ForwardAccumulator(x, v) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(tf.sin(x) * x)
        g = tape.gradient(y, x)
    return g, acc.jvp(g)


def _reverse_over_forward(tf: Any) -> Any:
    x = tf.constant(1.5)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as acc:
            y = tf.tanh(x)
        d = acc.jvp(y)
    return d, tape.gradient(d, x)


def _duplicate_primal(tf: Any) -> Any:
    x = tf.constant(1.0)
    return tf.autodiff.ForwardAccumulator([x, x], [tf.constant(1.0), tf.constant(2.0)])


def _after_exit_and_structure(tf: Any) -> Any:
    x = tf.constant([1.0, 2.0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 1.0])) as acc:
        y = x * 2.0
    z = y * 3.0
    return acc.jvp(z), acc.jvp([y, {"a": x}])


def _nested_accumulators(tf: Any) -> Any:
    x = tf.constant(2.0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as outer:
        with tf.autodiff.ForwardAccumulator(x, tf.constant(1.0)) as inner:
            y = x * x * x
        d = inner.jvp(y)
    return d, outer.jvp(d)


def _integer_primal(tf: Any) -> Any:
    x = tf.constant([1, 2])
    with tf.autodiff.ForwardAccumulator(x, tf.constant([1, 1])) as acc:
        y = x * 2
    return acc.jvp(y)


def _relu_and_stop_gradient(tf: Any) -> Any:
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    x = tf.constant([[1.0, -1.0]])
    with tf.autodiff.ForwardAccumulator(w, tf.ones((2, 2))) as acc:
        y = tf.nn.relu(tf.matmul(x, w)) + tf.stop_gradient(w[0]) + tf.matmul(-x, w)
    return acc.jvp(y)


def _tangent_dtype(tf: Any) -> Any:
    x = tf.constant(1.0)
    return tf.autodiff.ForwardAccumulator(x, tf.constant(1.0, tf.float64))


def _python_tangent(tf: Any) -> Any:
    x = tf.constant(3.0)
    with tf.autodiff.ForwardAccumulator(x, 2.0) as acc:
        y = x * x
    return acc.jvp(y)


def _layer_jvp_wrt_weights(tf: Any) -> Any:
    # TF's guide: JVP of a dense layer's output w.r.t. its weights along a direction.
    rng = np.random.default_rng(0)
    kernel = tf.Variable(rng.normal(size=(3, 2)).astype(np.float32))
    bias = tf.Variable(np.zeros(2, np.float32))
    x = tf.constant(rng.normal(size=(4, 3)).astype(np.float32))
    tangents = [tf.constant(rng.normal(size=(3, 2)).astype(np.float32)), tf.ones(2)]
    with tf.autodiff.ForwardAccumulator([kernel, bias], tangents) as acc:
        y = tf.tanh(tf.matmul(x, kernel) + bias)
    return acc.jvp(y)


CASES = [
    Case("basic", _basic),
    Case("variable_primal", _variable_primal),
    Case("unconnected", _unconnected),
    Case("forward_over_reverse_hvp", _forward_over_reverse_hvp, rtol=1e-6),
    Case("reverse_over_forward", _reverse_over_forward, rtol=1e-5),
    Case("duplicate_primal", _duplicate_primal),
    Case("after_exit_and_structure", _after_exit_and_structure),
    Case("nested_accumulators", _nested_accumulators),
    Case("integer_primal", _integer_primal),
    Case("relu_and_stop_gradient", _relu_and_stop_gradient),
    Case("tangent_dtype", _tangent_dtype),
    Case("python_tangent", _python_tangent),
    Case("layer_jvp_wrt_weights", _layer_jvp_wrt_weights, rtol=1e-5),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, rtol=case.rtol)


def test_jvp_value_without_tf() -> None:
    assert float(_basic(tf)) == 3.0
    assert_same(
        Raised(
            ValueError,
            "Tensor {} was specified as a primal multiple times. This may indicate an error. If it "
            "was intended, please sum the corresponding tangents.",
        ),
        capture(_duplicate_primal, tfcompat),
    )


def test_forward_over_reverse_hvp_matches_jax() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 5)).astype(np.float32)
    x0 = rng.normal(size=(5,)).astype(np.float32)
    v0 = rng.normal(size=(5,)).astype(np.float32)

    def f(x: Any) -> Any:
        return jnp.sum(jnp.tanh(a @ x) ** 2)

    expected = jax.jvp(jax.grad(f), (x0,), (v0,))[1]
    x = tf.constant(x0)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(v0)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(
                tf.square(
                    tf.tanh(tf.reshape(tf.matmul(tf.constant(a), tf.reshape(x, (5, 1))), (5,)))
                )
            )
        g = tape.gradient(y, x)
    np.testing.assert_allclose(acc.jvp(g).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_jvp_loop_compiles_once() -> None:
    w = tf.Variable([1.0, 2.0, 3.0])
    counts = []
    for step in range(4):
        with tf.autodiff.ForwardAccumulator(w, tf.constant([1.0, 0.0, 0.0])) as acc:
            y = tf.reduce_sum(tf.sin(w) * float(step + 1))
        float(acc.jvp(y))
        counts.append(tfcompat.experimental.compile_stats()["compiles"])
    assert counts[1] == counts[2] == counts[3]

"""Higher-order gradients against TF 2.21.

A `gradient()` called while an outer tape records is recorded on it (the gradient is an
op of the engine), so nesting gives second and third derivatives, Hessians, Hessian-
vector products and input-gradient penalties.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfcompat as tf


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    rtol: float | None = None


def _cube_three_orders(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x * x * x
            dy = t1.gradient(y, x)
        d2 = t2.gradient(dy, x)
    return dy, d2, t3.gradient(d2, x)


def _pow_three_orders(tf: Any) -> Any:
    x = tf.constant(1.5)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = x**3
            dy = t1.gradient(y, x)
        d2 = t2.gradient(dy, x)
    return dy, d2, t3.gradient(d2, x)


def _tanh_three_orders(tf: Any) -> Any:
    x = tf.constant([0.5, -1.0, 2.0])
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.tanh(x)
            dy = t1.gradient(y, x)
        d2 = t2.gradient(dy, x)
    return dy, d2, t3.gradient(d2, x)


def _persistent_inside_context(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as t:
        y = x * x * x
        dy = t.gradient(y, x)
    return dy, t.gradient(dy, x)


def _persistent_outer_several_inner(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as a:
            ya = tf.reduce_sum(tf.sin(x))
        ga = a.gradient(ya, x)
        with tf.GradientTape() as b:
            yb = tf.reduce_sum(x * x * x)
        gb = b.gradient(yb, x)
    return outer.gradient(ga, x), outer.gradient(gb, x), outer.gradient([ga, gb], x)


def _inner_gradient_after_outer_exit(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t2, tf.GradientTape() as t1:
        y = x * x
    dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def _watched_constants(tf: Any) -> Any:
    x = tf.constant(3.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x * x * x
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def _input_gradient_regularization(tf: Any) -> Any:
    w = tf.Variable([[1.0, -2.0], [0.5, 1.0]])
    x = tf.constant([[1.0, 2.0], [-0.5, 0.3]])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            out = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
        gx = inner.gradient(out, x)
        penalty = tf.reduce_sum(gx * gx)
        loss = out + 0.1 * penalty
    return gx, outer.gradient(loss, w)


def _stop_recording_nested(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * x
            with t2.stop_recording():
                z = x * x * x
            s = y + z
        ds = t1.gradient(s, x)
    return ds, t2.gradient(ds, x)


def _hvp_back_over_back(tf: Any) -> Any:
    v = tf.constant([1.0, 0.5])
    p = tf.Variable([0.3, -0.7])
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            f = tf.reduce_sum(tf.sin(p) * tf.exp(p))
        g = t1.gradient(f, p)
        gv = tf.reduce_sum(g * v)
    return t2.gradient(gv, p)


def _output_gradients_depend_on_x(tf: Any) -> Any:
    x = tf.constant(2.0)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = x * x
        dy = t1.gradient(y, x, output_gradients=x)
    return dy, t2.gradient(dy, x)


def _relu_and_abs_second_order(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as t2:
        with tf.GradientTape() as t1:
            y = tf.nn.relu(x) + tf.abs(x) + tf.square(x)
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def _hessian_via_jacobian(tf: Any) -> Any:
    a = tf.constant([[1.0, 0.5, -0.2], [0.3, -1.0, 0.8], [0.0, 0.4, 1.2]])
    v = tf.Variable([0.2, -0.4, 0.9])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            f = tf.reduce_sum(tf.square(tf.tanh(tf.matmul(a, tf.reshape(v, (3, 1))))))
        g = inner.gradient(f, v)
    return g, outer.jacobian(g, v)


def _hessian_two_sources(tf: Any) -> Any:
    w = tf.Variable([[0.5, -1.0], [1.5, 0.2]])
    b = tf.Variable([0.1, -0.3])
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(tf.sigmoid(tf.matmul(x, w) + b))
        gw, gb = inner.gradient(y, [w, b])
    return outer.jacobian(gw, [w, b]), outer.jacobian(gb, [w, b])


def _gradient_of_jacobian(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        j = inner.jacobian(y, x)
        s = tf.reduce_sum(j * j)
    return j, outer.gradient(s, x)


def _nonpersistent_gradient_inside_outer(tf: Any) -> Any:
    # The inner gradient is called inside its own (non-persistent) context.
    x = tf.Variable(1.5)
    with tf.GradientTape() as outer, tf.GradientTape() as inner:
        y = tf.sin(x) * x
        g = inner.gradient(y, x)
    return g, outer.gradient(g, x)


CASES = [
    Case("cube_three_orders", _cube_three_orders),
    Case("pow_three_orders", _pow_three_orders, rtol=1e-6),
    Case("tanh_three_orders", _tanh_three_orders, rtol=1e-5),
    Case("persistent_inside_context", _persistent_inside_context),
    Case("persistent_outer_several_inner", _persistent_outer_several_inner, rtol=1e-6),
    Case("inner_gradient_after_outer_exit", _inner_gradient_after_outer_exit),
    Case("watched_constants", _watched_constants),
    Case("input_gradient_regularization", _input_gradient_regularization, rtol=1e-5),
    Case("stop_recording_nested", _stop_recording_nested),
    Case("hvp_back_over_back", _hvp_back_over_back, rtol=1e-6),
    Case("output_gradients_depend_on_x", _output_gradients_depend_on_x),
    Case("relu_and_abs_second_order", _relu_and_abs_second_order),
    Case("hessian_via_jacobian", _hessian_via_jacobian, rtol=1e-5),
    Case("hessian_two_sources", _hessian_two_sources, rtol=1e-5),
    Case("gradient_of_jacobian", _gradient_of_jacobian),
    Case("nonpersistent_gradient_inside_outer", _nonpersistent_gradient_inside_outer, rtol=1e-6),
    Case("linear_second_derivative", lambda tf: _linear_second_derivative(tf)),
    Case("fourth_derivative_of_cube", lambda tf: _fourth_derivative_of_cube(tf)),
    Case("hessian_of_linear", lambda tf: _hessian_of_linear(tf)),
]


def _fourth_derivative_of_cube(tf: Any) -> Any:
    # d3/dx3 x**3 is the constant 6: TF's fourth derivative is None, not 0.
    x = tf.Variable(2.0)
    with tf.GradientTape() as t4:
        with tf.GradientTape() as t3:
            with tf.GradientTape() as t2:
                with tf.GradientTape() as t1:
                    y = x * x * x
                d1 = t1.gradient(y, x)
            d2 = t2.gradient(d1, x)
        d3 = t3.gradient(d2, x)
    return d3, t4.gradient(d3, x)


def _hessian_of_linear(tf: Any) -> Any:
    w = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(w * tf.constant([3.0, 4.0]))
        g = inner.gradient(y, w)
    return g, outer.jacobian(g, w)


def _linear_second_derivative(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = x * 3.0
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, rtol=case.rtol)


def test_persistent_inside_context_warns_once(tf_log: Any) -> None:
    x = tf.Variable(2.0)
    for _ in range(2):
        with tf.GradientTape(persistent=True) as t:
            y = x * x
            t.gradient(y, x)
    messages = [r.getMessage() for r in tf_log.records]
    assert len(messages) == 1
    assert messages[0].startswith(
        "Calling GradientTape.gradient on a persistent tape inside its context"
    )


def test_third_derivatives_without_tf() -> None:
    dy, d2, d3 = _cube_three_orders(tf)
    assert (float(dy), float(d2), float(d3)) == (12.0, 12.0, 6.0)
    x = np.array([0.5, -1.0, 2.0], np.float32)
    _, d2, d3 = _tanh_three_orders(tf)
    t = np.tanh(x.astype(np.float64))
    np.testing.assert_allclose(d2.numpy(), -2 * t * (1 - t**2), rtol=1e-5)
    np.testing.assert_allclose(d3.numpy(), (1 - t**2) * (6 * t**2 - 2), rtol=1e-5)


def _mlp_params(rng: np.random.Generator) -> list[np.ndarray]:
    return [
        rng.normal(size=(3, 4)).astype(np.float32) * 0.5,
        rng.normal(size=(4,)).astype(np.float32) * 0.1,
        rng.normal(size=(4, 1)).astype(np.float32) * 0.5,
    ]


def test_mlp_hessian_equals_jax_hessian() -> None:
    # Hessian of a small MLP's loss w.r.t. its first-layer kernel: jacobian of a gradient.
    rng = np.random.default_rng(0)
    w1, b1, w2 = _mlp_params(rng)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    y = rng.normal(size=(5, 1)).astype(np.float32)

    def loss_jax(w: Any) -> Any:
        return jnp.mean((jnp.tanh(x @ w + b1) @ w2 - y) ** 2)

    with jax.default_matmul_precision("highest"):  # no TF32 on GPUs: tfcompat's MatMul is exact
        expected = jax.hessian(loss_jax)(w1)

    v1 = tf.Variable(w1)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            h = tf.tanh(tf.matmul(tf.constant(x), v1) + tf.constant(b1))
            loss = tf.reduce_mean(tf.square(tf.matmul(h, tf.constant(w2)) - tf.constant(y)))
        g = inner.gradient(loss, v1)
    hessian = outer.jacobian(g, v1)
    assert hessian.shape == (3, 4, 3, 4)
    np.testing.assert_allclose(hessian.numpy(), expected, rtol=1e-4, atol=1e-6)


def test_hvp_matches_jax() -> None:
    rng = np.random.default_rng(1)
    p0 = rng.normal(size=(6,)).astype(np.float32)
    v0 = rng.normal(size=(6,)).astype(np.float32)

    def f(p: Any) -> Any:
        return jnp.sum(jnp.sin(p) * p**2)

    expected = jax.jvp(jax.grad(f), (p0,), (v0,))[1]
    p = tf.Variable(p0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = tf.reduce_sum(tf.sin(p) * p * p)
        g = t1.gradient(y, p)
        gv = tf.reduce_sum(g * tf.constant(v0))
    np.testing.assert_allclose(t2.gradient(gv, p).numpy(), expected, rtol=1e-5)


def test_second_order_loop_compiles_once() -> None:
    # A training loop with an input-gradient penalty compiles its programs once.
    w = tf.Variable([[0.5, -0.5], [0.25, 1.0]])
    x = tf.constant([[1.0, 2.0]])
    counts = []
    for _ in range(4):
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                inner.watch(x)
                out = tf.reduce_sum(tf.tanh(tf.matmul(x, w)))
            gx = inner.gradient(out, x)
            loss = out + tf.reduce_sum(gx * gx)
        gw = outer.gradient(loss, w)
        w.assign_sub(0.01 * gw)
        float(loss)
        counts.append(tf.experimental.compile_stats()["compiles"])
    assert counts[1] == counts[2] == counts[3]

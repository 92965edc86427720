"""`tf.custom_gradient`, `tf.recompute_grad`, `tf.stop_gradient` against TF 2.21 (5.2, 5.3).

Snippets `fn(tf)` run on TensorFlow and tfcompat (`run_both`). Gradient values are
forced with `.numpy()` inside snippets that expect an error: tfcompat's gradients are
lazy, so `grad_fn`'s errors surface when the value is computed (a documented difference).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from tfcompare import Raised, assert_same, capture

import tfcompat
import tfcompat as tf

_NO_EXPECTATION = object()


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    expect: Any = _NO_EXPECTATION
    rtol: float | None = None


def _log1pexp(tf: Any) -> Any:
    # The docstring example: stable gradient where the naive one is nan.
    @tf.custom_gradient
    def log1pexp(x: Any) -> Any:
        e = tf.exp(x)

        def grad(upstream: Any) -> Any:
            return upstream * (1 - 1 / (1 + e))

        return tf.math.log(1 + e), grad

    x = tf.constant(100.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = log1pexp(x)
    return y, t.gradient(y, x)


def _clip_gradient(tf: Any) -> Any:
    # A custom gradient that clips the upstream gradient to [-1, 1].
    @tf.custom_gradient
    def clip_grad(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return tf.maximum(tf.minimum(dy, 1.0), -1.0)

        return tf.identity(x), grad

    w = tf.Variable([1.0, -3.0, 0.1])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(clip_grad(w * w) * tf.constant([10.0, 10.0, 0.5]))
    return y, t.gradient(y, w)


def _bare_tensor(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x * 2

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        return f(x)


def _two_outputs(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(dy1: Any, dy2: Any) -> Any:
            return dy1 * 2 + dy2 * 3

        return (x * 2, x * 3), grad

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        a, b = f(x)
        z = a * 10.0 + b
    return t.gradient(z, x)


def _list_output_one_arg_grad(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy

        return [x * 2, x * 3], grad

    x = tf.constant(1.0)
    with tf.GradientTape() as t:
        t.watch(x)
        a, b = f(x)
        s = a + b
    return t.gradient(s, x).numpy()


def _several_inputs(tf: Any) -> Any:
    @tf.custom_gradient
    def f(a: Any, b: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * b * 2.0, dy * a * 3.0

        return a * b, grad

    a = tf.constant(2.0)
    b = tf.Variable(5.0)
    with tf.GradientTape() as t:
        t.watch(a)
        y = f(a, b)
    return y, t.gradient(y, [a, b])


def _wrong_count(tf: Any) -> Any:
    @tf.custom_gradient
    def f(a: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy, dy

        return a * 2.0, grad

    a = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(a)
        y = f(a)
    return t.gradient(y, a).numpy()


def _variables_keyword(tf: Any) -> Any:
    v = tf.Variable(2.0, name="cgv")

    @tf.custom_gradient
    def f(a: Any) -> Any:
        def grad(dy: Any, variables: Any = None) -> Any:
            return dy * 7.0, [dy * 11.0]

        return a * v, grad

    a = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(a)
        y = f(a)
    return y, t.gradient(y, [a, v])


def _variables_kwargs(tf: Any) -> Any:
    v = tf.Variable(2.0, name="cgv")

    @tf.custom_gradient
    def f(a: Any) -> Any:
        def grad(dy: Any, **kwargs: Any) -> Any:
            (var,) = kwargs["variables"]
            return dy * var, [dy * a]

        return a * v * v, grad

    a = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(a)
        y = f(a)
    return y, t.gradient(y, [a, v])


def _variables_missing_keyword(tf: Any) -> Any:
    v = tf.Variable(2.0, name="cgv")

    @tf.custom_gradient
    def f(a: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy

        return a * v, grad

    with tf.GradientTape():
        return f(tf.constant(3.0))


def _variables_wrong_count(tf: Any) -> Any:
    v = tf.Variable(2.0)

    @tf.custom_gradient
    def f(a: Any) -> Any:
        def grad(dy: Any, variables: Any) -> Any:
            return dy * 7.0, [dy, dy]

        return a * v, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        z = f(x)
    return t.gradient(z, [x, v])[0].numpy()


def _keyword_tensor_not_differentiated(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any, y: Any = None, scale: float = 1.0) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 10.0 * scale

        return x * y * scale, grad

    x = tf.constant(1.0)
    y = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = f(x, y=y, scale=4.0)
    return z, t.gradient(z, [x, y])


def _variable_positional(tf: Any) -> Any:
    @tf.custom_gradient
    def f(v: Any, x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 5.0, dy

        return v * x, grad

    v = tf.Variable(2.0)
    with tf.GradientTape() as t:
        z = f(v, tf.constant(3.0))
    return z, t.gradient(z, v)


def _none_gradient(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any, y: Any) -> Any:
        def grad(dy: Any) -> Any:
            return None, dy * 3.0

        return x * y, grad

    x = tf.constant(2.0)
    y = tf.constant(4.0)
    with tf.GradientTape() as t:
        t.watch([x, y])
        z = f(x, y)
    return t.gradient(z, [x, y]), t.gradient if False else None


def _none_gradient_zero(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return None

        return x * 2.0, grad

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        z = f(x)
    return t.gradient(z, x, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _outputs_are_new_tensors(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x, lambda dy: dy * 4.0

    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = f(x)
    return y is x, y, t.gradient(y, x)


def _no_tape(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        return x * 2.0, lambda dy: dy * 100.0

    return f(tf.constant(3.0))


def _nested_custom_gradients(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 2.0 * x

        return x * x, grad

    @tf.custom_gradient
    def g(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 3.0

        return f(x) * 3.0, grad

    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = g(x) + f(x)
    return t.gradient(y, x)


def _second_order(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 3.0 * x * x

        return x * x * x, grad

    x = tf.Variable(2.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = f(x)
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def _second_order_unconnected(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 5.0

        return x * x, grad

    x = tf.Variable(3.0)
    with tf.GradientTape() as t2:
        with tf.GradientTape() as t1:
            y = f(x)
        dy = t1.gradient(y, x)
    return dy, t2.gradient(dy, x)


def _jacobian_through_custom_gradient(tf: Any) -> Any:
    @tf.custom_gradient
    def f(x: Any, n: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 2.0, None

        return x * 2.0, grad

    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = f(x, 3)
    return t.jacobian(y, x), t.gradient(y, x)


def _recompute_grad(tf: Any) -> Any:
    f = tf.recompute_grad(lambda x: tf.sin(x) * x)
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = tf.reduce_sum(f(x))
    return y, t.gradient(y, x)


def _recompute_grad_variables(tf: Any) -> Any:
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]])

    def layer(x: Any) -> Any:
        return tf.tanh(tf.matmul(x, w))

    f = tf.recompute_grad(layer)
    x = tf.constant([[1.0, -1.0]])
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.reduce_sum(f(x))
    return y, t.gradient(y, [w, x])


def _stop_gradient(tf: Any) -> Any:
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = tf.stop_gradient(x * x) + x
    return t.gradient(y, x), tf.stop_gradient(tf.Variable(2.0)), tf.stop_gradient(3.0)


CASES = [
    Case("log1pexp", _log1pexp),
    Case("clip_gradient", _clip_gradient),
    Case(
        "bare_tensor",
        _bare_tensor,
        expect=Raised(TypeError, "Cannot iterate over a scalar tensor."),
    ),
    Case("two_outputs", _two_outputs),
    Case("list_output_one_arg_grad", _list_output_one_arg_grad),
    Case("several_inputs", _several_inputs),
    Case(
        "wrong_count",
        _wrong_count,
        expect=Raised(
            ValueError,
            "custom_gradient function expected to return 1 gradients, but returned 2 instead.",
        ),
    ),
    Case("variables_keyword", _variables_keyword),
    Case("variables_kwargs", _variables_kwargs),
    Case(
        "variables_missing_keyword",
        _variables_missing_keyword,
        expect=Raised(
            TypeError,
            "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function "
            "uses variables: [<tf.Variable 'cgv:0' shape=() dtype=float32, numpy=2.0>]",
        ),
    ),
    Case(
        "variables_wrong_count",
        _variables_wrong_count,
        expect=Raised(
            ValueError, "Must return gradient for each variable from @custom_gradient grad_fn."
        ),
    ),
    Case("keyword_tensor_not_differentiated", _keyword_tensor_not_differentiated),
    Case("variable_positional", _variable_positional),
    Case("none_gradient", _none_gradient),
    Case("none_gradient_zero", _none_gradient_zero),
    Case("outputs_are_new_tensors", _outputs_are_new_tensors),
    Case("no_tape", _no_tape),
    Case("nested_custom_gradients", _nested_custom_gradients),
    Case("second_order", _second_order),
    Case("jacobian_through_custom_gradient", _jacobian_through_custom_gradient),
    Case("recompute_grad", _recompute_grad, rtol=1e-6),
    Case("recompute_grad_variables", _recompute_grad_variables, rtol=1e-6),
    Case("stop_gradient", _stop_gradient),
    # TF gives None: grad_fn's result does not depend on x.
    Case("second_order_unconnected", _second_order_unconnected),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, rtol=case.rtol)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.expect is not _NO_EXPECTATION], ids=lambda c: c.id
)
def test_literal_expectation(case: Case) -> None:
    assert_same(case.expect, capture(case.fn, tfcompat))


def test_log1pexp_values_without_tf() -> None:
    y, g = _log1pexp(tf)
    assert np.isinf(y.numpy())
    assert g.numpy() == np.float32(1.0)


def test_custom_gradient_loop_compiles_once() -> None:
    # The custom op is cached by graph structure: new values reuse the compiled program.
    @tf.custom_gradient
    def scaled(x: Any) -> Any:
        def grad(dy: Any) -> Any:
            return dy * 0.5 * x

        return x * x, grad

    w = tf.Variable([1.0, 2.0])
    grads = []
    for step in range(4):
        with tf.GradientTape() as t:
            y = tf.reduce_sum(scaled(w))
        grads.append(t.gradient(y, w).numpy())
        w.assign_add([1.0, 1.0])
        if step == 1:
            before = tfcompat.experimental.compile_stats()["compiles"]
    assert tfcompat.experimental.compile_stats()["compiles"] == before
    np.testing.assert_allclose(grads, [[0.5, 1.0], [1.0, 1.5], [1.5, 2.0], [2.0, 2.5]])


def test_grad_fn_sees_current_values_of_captured_tensors() -> None:
    # grad_fn closes over a tensor computed in f: each step must use that step's value.
    @tf.custom_gradient
    def f(x: Any) -> Any:
        s = tf.sin(x)

        def grad(dy: Any) -> Any:
            return dy * s

        return x * 1.0, grad

    for value in (0.5, 1.0, 2.0):
        x = tf.constant(value)
        with tf.GradientTape() as t:
            t.watch(x)
            y = f(x)
        np.testing.assert_allclose(t.gradient(y, x).numpy(), np.sin(np.float32(value)), rtol=1e-6)


def test_python_value_in_grad_fn_closure_is_part_of_the_key() -> None:
    def make(scale: float) -> Any:
        @tf.custom_gradient
        def f(x: Any) -> Any:
            return x * 1.0, lambda dy: dy * scale

        return f

    results = []
    for scale in (2.0, 3.0):
        x = tf.constant(1.0)
        with tf.GradientTape() as t:
            t.watch(x)
            y = make(scale)(x)
        results.append(float(t.gradient(y, x)))
    assert results == [2.0, 3.0]

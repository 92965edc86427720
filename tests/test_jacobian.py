"""`GradientTape.jacobian` / `batch_jacobian` against TF 2.21.

Each case is a snippet `fn(tf)` run on TensorFlow and on tfcompat (`run_both`); cases with
an `expect` also run without TensorFlow against that literal.
"""

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

_NO_EXPECTATION = object()
_USED = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
)
# TF's batch_jacobian message lacks a space ("used tocompute").
_USED_BATCH = _USED.replace("to compute", "tocompute")


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    expect: Any = _NO_EXPECTATION
    rtol: float | None = None


def _vector(tf: Any) -> Any:
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.jacobian(y, x)


def _scalar(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
    return t.jacobian(y, x)


def _matrix_by_matrix(tf: Any) -> Any:
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        y = tf.matmul(x, x)
    return t.jacobian(y, x)


def _nested_sources(tf: Any) -> Any:
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    b = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = tf.reduce_sum(x, 1) * b
    j = t.jacobian(y, {"x": x, "b": [b]})
    return j, [j["x"].shape, j["b"][0].shape]


def _dense_kernel(tf: Any) -> Any:
    # The guide's example: Jacobian of a dense layer's output w.r.t. its kernel.
    rng = np.random.default_rng(0)
    kernel = tf.Variable(rng.normal(size=(3, 4)).astype(np.float32))
    bias = tf.Variable(rng.normal(size=(4,)).astype(np.float32))
    x = tf.constant(rng.normal(size=(5, 3)).astype(np.float32))
    with tf.GradientTape() as t:
        y = tf.tanh(tf.matmul(x, kernel) + bias)
    j = t.jacobian(y, kernel)
    return j.shape, j


def _unconnected_none(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    z = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.jacobian(y, [x, z])


def _unconnected_zero(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    z = tf.Variable([[1.0, 2.0, 3.0]])
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.jacobian(y, [x, z], unconnected_gradients=tf.UnconnectedGradients.ZERO)


def _unconnected_zero_string(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    z = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.jacobian(y, z, unconnected_gradients="zero")


def _integer_source(tf: Any) -> Any:
    x = tf.constant([1, 2])
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.jacobian(y, x)


def _list_target(tf: Any) -> Any:
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = x * x
    return t.jacobian([y], x)


def _second_call_non_persistent(tf: Any) -> Any:
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = x * x
    t.jacobian(y, x)
    return t.jacobian(y, x)


def _after_gradient(tf: Any) -> Any:
    x = tf.Variable(1.0)
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x)
    return t.jacobian(y, x)


def _persistent_twice(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = x * x * x
    return t.jacobian(y, x), t.jacobian(y, x), t.gradient(y, x)


def _no_pfor_non_persistent(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * x
    return t.jacobian(y, x, experimental_use_pfor=False)


def _no_pfor_persistent(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as t:
        y = tf.sin(x) * x
    return t.jacobian(y, x, experimental_use_pfor=False)


def _parallel_iterations_one(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * x
    try:
        t.jacobian(y, x, parallel_iterations=1)
    except ValueError as e:
        return str(e), type(e.__cause__).__name__, str(e.__cause__)
    return None


def _parallel_iterations_two(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = x * x
    j = t.jacobian(y[:1], x, parallel_iterations=2)  # fewer rows than parallel_iterations
    return j, t.jacobian(y, x)  # consumed


def _parallel_iterations_tiled(tf: Any) -> Any:
    # TF 2.21's tiled pfor calls the gradient twice: a non-persistent tape fails.
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as t:
        y = x * x
    try:
        t.jacobian(y, x, parallel_iterations=2)
    except ValueError as e:
        return str(e), str(e.__cause__)
    return None


def _parallel_iterations_tiled_persistent(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as t:
        y = x * x
    z = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape(persistent=True) as t2:
        w = z * z
    return t.jacobian(y, x, parallel_iterations=2), t2.batch_jacobian(w, z, parallel_iterations=2)


def _batch_parallel_iterations_tiled(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.batch_jacobian(y, x, parallel_iterations=2)


def _float64(tf: Any) -> Any:
    x = tf.Variable(np.array([0.5, 1.5], np.float64))
    with tf.GradientTape() as t:
        y = tf.exp(x) * x
    return t.jacobian(y, x)


def _target_is_watched_source(tf: Any) -> Any:
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as t:
        t.watch(x)
    return t.jacobian(x, x)


def _inside_context_non_persistent(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * x
        j = t.jacobian(y, x)
        z = x * 3.0  # not recorded: the tape was consumed
    return j, t.gradient if False else None, z


# -- batch_jacobian ------------------------------------------------------------------------


def _batch_elementwise(tf: Any) -> Any:
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as t:
        y = x * x
    return t.batch_jacobian(y, x)


def _batch_matmul(tf: Any) -> Any:
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(2, 3)).astype(np.float32))
    w = tf.constant(rng.normal(size=(3, 2)).astype(np.float32))
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.tanh(tf.matmul(x, w))
    j = t.batch_jacobian(y, x)
    return j.shape, j


def _batch_rank3(tf: Any) -> Any:
    rng = np.random.default_rng(2)
    x = tf.Variable(rng.normal(size=(2, 2, 3)).astype(np.float32))
    with tf.GradientTape() as t:
        y = tf.reduce_sum(tf.sin(x), axis=2) * 2.0
    j = t.batch_jacobian(y, x)
    return j.shape, j


def _batch_rank1(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * x
    return t.batch_jacobian(y, x)


def _batch_mismatch(tf: Any) -> Any:
    x = tf.Variable(tf.ones((3, 2)))
    with tf.GradientTape() as t:
        y = tf.ones((2, 2)) * 2.0
    return t.batch_jacobian(y, x)


def _batch_unconnected(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3)))
    z = tf.Variable(tf.ones((2, 2)))
    with tf.GradientTape() as t:
        y = z * 2.0
    return t.batch_jacobian(y, x)


def _batch_unconnected_target_dtype(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3), tf.float64))
    with tf.GradientTape() as t:
        y = tf.ones((2, 2)) * 2.0
    return t.batch_jacobian(y, x)


def _batch_list_source(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.batch_jacobian(y, [x])


def _batch_no_pfor(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape() as t:
        y = x * 2.0
    return t.batch_jacobian(y, x, experimental_use_pfor=False)


def _batch_no_pfor_persistent(tf: Any) -> Any:
    x = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape(persistent=True) as t:
        y = tf.exp(x)
    return t.batch_jacobian(y, x, experimental_use_pfor=False)


def _batch_twice(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape() as t:
        y = x * 2.0
    t.batch_jacobian(y, x)
    return t.batch_jacobian(y, x)


def _batch_parallel_iterations_one(tf: Any) -> Any:
    x = tf.Variable(tf.ones((2, 3)))
    with tf.GradientTape() as t:
        y = x * 2.0
    try:
        t.batch_jacobian(y, x, parallel_iterations=1)
    except ValueError as e:
        return str(e), str(e.__cause__)
    return None


CASES = [
    Case("vector", _vector, expect=None),
    Case("scalar", _scalar),
    Case("matrix_by_matrix", _matrix_by_matrix),
    Case("nested_sources", _nested_sources),
    Case("dense_kernel", _dense_kernel, rtol=1e-4),
    Case("unconnected_none", _unconnected_none),
    Case("unconnected_zero", _unconnected_zero),
    Case("unconnected_zero_string", _unconnected_zero_string),
    Case("integer_source", _integer_source, expect=None),
    Case(
        "list_target",
        _list_target,
        expect=Raised(AttributeError, "'list' object has no attribute 'shape'"),
    ),
    Case(
        "second_call_non_persistent",
        _second_call_non_persistent,
        expect=Raised(
            RuntimeError,
            _USED,
        ),
    ),
    Case("after_gradient", _after_gradient),
    Case("persistent_twice", _persistent_twice),
    Case(
        "no_pfor_non_persistent",
        _no_pfor_non_persistent,
        expect=Raised(
            RuntimeError,
            "GradientTape must be created with persistent=True to compute the jacobian with eager "
            "execution enabled and with  experimental_use_pfor set to False.",
        ),
    ),
    Case("no_pfor_persistent", _no_pfor_persistent, rtol=1e-6),
    Case("parallel_iterations_one", _parallel_iterations_one),
    Case("parallel_iterations_two", _parallel_iterations_two),
    Case("parallel_iterations_tiled", _parallel_iterations_tiled),
    Case("parallel_iterations_tiled_persistent", _parallel_iterations_tiled_persistent),
    Case("batch_parallel_iterations_tiled", _batch_parallel_iterations_tiled),
    Case("float64", _float64, rtol=1e-12),
    Case("target_is_watched_source", _target_is_watched_source),
    Case("inside_context_non_persistent", _inside_context_non_persistent),
    Case("batch_elementwise", _batch_elementwise),
    Case("batch_matmul", _batch_matmul, rtol=1e-4),
    Case("batch_rank3", _batch_rank3, rtol=1e-6),
    Case(
        "batch_rank1",
        _batch_rank1,
        expect=Raised(ValueError, "Shape (2,) must have rank at least 2"),
    ),
    Case(
        "batch_mismatch",
        _batch_mismatch,
        expect=Raised(
            ValueError,
            "Need first dimension of target shape ((2, 2)) and source shape ((3, 2)) to match.",
        ),
    ),
    Case("batch_unconnected", _batch_unconnected),
    Case("batch_unconnected_target_dtype", _batch_unconnected_target_dtype),
    Case("batch_list_source", _batch_list_source),
    Case(
        "batch_no_pfor",
        _batch_no_pfor,
        expect=Raised(
            RuntimeError,
            "GradientTape must be created with persistent=True to compute the batch_jacobian with "
            "eager execution enabled and  with experimental_use_pfor set to False.",
        ),
    ),
    Case("batch_no_pfor_persistent", _batch_no_pfor_persistent, rtol=1e-6),
    Case(
        "batch_twice",
        _batch_twice,
        expect=Raised(
            RuntimeError,
            _USED_BATCH,
        ),
    ),
    Case("batch_parallel_iterations_one", _batch_parallel_iterations_one),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, rtol=case.rtol)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.expect is not _NO_EXPECTATION], ids=lambda c: c.id
)
def test_literal_expectation(case: Case) -> None:
    actual = capture(case.fn, tfcompat)
    if case.expect is None:
        assert not isinstance(actual, Raised), actual
    else:
        assert_same(case.expect, actual)


def test_vector_values_without_tf() -> None:
    j = _vector(tf)
    np.testing.assert_array_equal(j.numpy(), np.diag([2.0, 4.0, 6.0]).astype(np.float32))


def test_jacobian_matches_jax() -> None:
    rng = np.random.default_rng(3)
    w0 = rng.normal(size=(4, 3)).astype(np.float32)
    x0 = rng.normal(size=(4,)).astype(np.float32)
    w = tf.Variable(w0)
    x = tf.constant(x0)
    with tf.GradientTape() as t:
        y = tf.sigmoid(tf.matmul(tf.reshape(x, (1, 4)), w))
    j = t.jacobian(y, w)
    expected = jax.jacrev(lambda w: jax.nn.sigmoid(jnp.asarray(x0).reshape(1, 4) @ w))(w0)
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-6)


def test_jacobian_is_one_compiled_program_per_signature() -> None:
    # A loop taking the same Jacobian compiles once: the op is cached per gradient plan.
    x = tf.Variable([1.0, 2.0, 3.0])
    results = []
    for step in range(3):
        with tf.GradientTape() as t:
            y = tf.sin(x) * float(step + 1)
        results.append(t.jacobian(y, x).numpy())
        if step == 0:
            before = tfcompat.experimental.compile_stats()["compiles"]
    assert tfcompat.experimental.compile_stats()["compiles"] == before
    np.testing.assert_allclose(results[2], 3.0 * np.diag(np.cos([1.0, 2.0, 3.0])), rtol=1e-6)


def test_batch_jacobian_equals_per_example_jacobians() -> None:
    rng = np.random.default_rng(4)
    x0 = rng.normal(size=(3, 4)).astype(np.float32)
    w0 = rng.normal(size=(4, 2)).astype(np.float32)
    x = tf.constant(x0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = tf.tanh(tf.matmul(x, tf.constant(w0)))
    bj = t.batch_jacobian(y, x).numpy()
    per_example = jax.vmap(jax.jacrev(lambda xi: jnp.tanh(xi @ w0)))(x0)
    np.testing.assert_allclose(bj, per_example, rtol=1e-5)

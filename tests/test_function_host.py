"""The host side of `tf.function` (issue #20 items 1-5), compared with TensorFlow 2.21:
`tf.config.run_functions_eagerly`, `tf.py_function` / `tf.numpy_function`, `tf.print`,
non-strict execution of dead ops, string tensors inside traced functions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import tfcompat
import tfcompat as tf

# --------------------------------------------------------------------------------------
# 1. tf.config.run_functions_eagerly
# --------------------------------------------------------------------------------------


@pytest.fixture
def eager_switch_reset(real_tf: Any) -> Iterator[None]:
    yield
    real_tf.config.run_functions_eagerly(False)
    tfcompat.config.run_functions_eagerly(False)


def _run_functions_eagerly_guide(tf: Any) -> Any:
    """The guide's debugging example: Python side effects and `.numpy()` inside a
    function, tracing counts, and the switch back to compiled execution."""
    log: list[Any] = []

    @tf.function
    def get_mse(y_true: Any, y_pred: Any) -> Any:
        log.append("traced")
        sq_diff = tf.pow(y_true - y_pred, 2)
        return tf.reduce_mean(sq_diff)

    y_true = tf.constant([5, 0, 1, 3, 6], tf.int32)
    y_pred = tf.constant([3, 4, 4, 1, 0], tf.int32)
    out = [get_mse(y_true, y_pred).numpy(), get_mse.experimental_get_tracing_count()]
    tf.config.run_functions_eagerly(True)
    flags = [tf.config.functions_run_eagerly()]

    @tf.function
    def with_numpy(x: Any) -> Any:
        log.append(float(x.numpy()))  # only possible when running eagerly
        if x > 0:  # plain Python control flow on a tensor
            return x * 2
        return -x

    out += [with_numpy(tf.constant(3.0)).numpy(), with_numpy(tf.constant(-1.0)).numpy()]
    out += [get_mse(y_true, y_pred).numpy(), get_mse(y_true, y_pred).numpy()]
    out += [get_mse.experimental_get_tracing_count(), with_numpy.experimental_get_tracing_count()]
    tf.config.run_functions_eagerly(False)
    flags.append(tf.config.functions_run_eagerly())
    out += [get_mse(y_true, y_pred).numpy(), get_mse.experimental_get_tracing_count()]
    out.append(get_mse(tf.constant([1.0]), tf.constant([2.0])).numpy())
    out.append(get_mse.experimental_get_tracing_count())
    return out, flags, log


def test_run_functions_eagerly_guide_example(eager_switch_reset: None, real_tf: Any) -> None:
    expected = _run_functions_eagerly_guide(real_tf)
    actual = _run_functions_eagerly_guide(tfcompat)
    assert repr(actual) == repr(expected)


def _eager_body_errors_and_tapes(tf: Any) -> Any:
    tf.config.run_functions_eagerly(True)

    @tf.function
    def f(x: Any) -> Any:
        raise KeyError("raised in the body")

    got = []
    try:
        f(tf.constant(1.0))
    except KeyError as exc:  # the Python exception itself, not wrapped
        got.append(repr(exc))
    v = tf.Variable(2.0)

    @tf.function
    def loss(x: Any) -> Any:
        return v * v * x

    with tf.GradientTape() as tape:
        y = loss(tf.constant(3.0))
    got.append(float(tape.gradient(y, v)))
    got.append(type(y).__name__)
    tf.config.run_functions_eagerly(False)
    with tf.GradientTape() as tape:
        y = loss(tf.constant(3.0))
    got.append(float(tape.gradient(y, v)))
    return got


def test_eager_body_raises_python_errors_and_records_tapes(
    eager_switch_reset: None, real_tf: Any
) -> None:
    assert _eager_body_errors_and_tapes(tfcompat) == _eager_body_errors_and_tapes(real_tf)


def test_switching_back_reuses_compiled_program() -> None:
    @tf.function
    def f(x: Any) -> Any:
        return x * 2

    f(tf.constant(1.0))
    before = tf.experimental.compile_stats()["compiles"]
    try:
        tf.config.run_functions_eagerly(True)
        assert float(f(tf.constant(5.0))) == 10.0
    finally:
        tf.config.run_functions_eagerly(False)
    stats = tf.experimental.compile_stats()["compiles"]
    assert float(f(tf.constant(7.0))) == 14.0
    assert f.experimental_get_tracing_count() == 1
    assert tf.experimental.compile_stats()["compiles"] == stats
    assert stats >= before

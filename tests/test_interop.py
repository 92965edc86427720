"""JAX interop: tensors to and from `jax.Array`, and the warning when a recording tape
cannot follow a conversion."""

from __future__ import annotations

import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tfcompat as tf
from tfcompat.experimental import UnrecordedComputationWarning


def test_tensor_to_jax_and_back_without_copy() -> None:
    t = tf.constant([1.0, 2.0])
    a = tf.experimental.to_jax(t)
    assert isinstance(a, jax.Array) and a.dtype == jnp.float32
    assert jnp.asarray(t) is a  # the tensor's own array
    back = tf.experimental.from_jax(a)
    assert back.dtype == tf.float32 and back.numpy().tolist() == [1.0, 2.0]
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    assert jnp.sin(jnp.asarray(tf.Variable([0.0]))).tolist() == [0.0]


def test_conversion_outside_a_tape_does_not_warn() -> None:
    x = tf.Variable(3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        jnp.asarray(x)
        with tf.GradientTape():
            jnp.asarray(tf.constant(1.0))  # not followed by the tape


def _step(tf_: Any, to_array: Any) -> Any:
    x = tf_.Variable(3.0)
    with tf_.GradientTape() as tape:
        y = tf_.constant(float(np.sin(to_array(x))))
    return tape.gradient(y, x)


def test_jax_computation_inside_a_tape_warns_and_gives_none(real_tf: Any) -> None:
    assert _step(real_tf, lambda v: v.numpy()) is None  # TF: the value left the tape
    with pytest.warns(UnrecordedComputationWarning, match=r"jnp\.sin\(jnp\.asarray") as rec:
        assert _step(tf, lambda v: jnp.sin(jnp.asarray(v))) is None
    assert rec[0].filename == __file__  # the user's line, not JAX's


def test_watched_tensor_conversion_warns() -> None:
    t = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(t)
        with pytest.warns(UnrecordedComputationWarning):
            tf.experimental.to_jax(t * 2.0)

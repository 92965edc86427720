"""TF's seed rules and the distributions of `tf.random`, and TF's values where TF is absent
(literals from TF 2.21; test_random_vs_tf.py runs the same programs in TF)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import tfcompat as tf


@pytest.fixture(autouse=True)
def _fresh_seed() -> Iterator[None]:
    yield
    tf.random.set_seed(None)


def test_set_seed_repeats_the_sequence_of_unseeded_ops() -> None:
    tf.random.set_seed(1234)
    a1, a2 = tf.random.uniform([3]).numpy(), tf.random.normal([3]).numpy()
    tf.random.set_seed(1234)
    b1, b2 = tf.random.uniform([3]).numpy(), tf.random.normal([3]).numpy()
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, tf.random.uniform([3]).numpy())


def test_op_seed_calls_differ_but_repeat_after_set_seed() -> None:
    # TF (eager): the kernel for one (global, op) seed pair keeps state: A1, A2 ...
    tf.random.set_seed(7)
    a1, a2 = tf.random.uniform([2], seed=1).numpy(), tf.random.uniform([2], seed=1).numpy()
    assert not np.array_equal(a1, a2)
    tf.random.set_seed(7)
    np.testing.assert_array_equal(tf.random.uniform([2], seed=1).numpy(), a1)
    np.testing.assert_array_equal(tf.random.uniform([2], seed=1).numpy(), a2)


def test_op_seed_without_global_seed_is_deterministic_per_program() -> None:
    tf.random.set_seed(None)
    a = tf.random.normal([4], seed=5).numpy()
    b = tf.random.normal([4], seed=5).numpy()
    assert not np.array_equal(a, b)  # same kernel, next draw


def test_different_global_seeds_differ() -> None:
    tf.random.set_seed(1)
    a = tf.random.normal([5]).numpy()
    tf.random.set_seed(2)
    assert not np.array_equal(a, tf.random.normal([5]).numpy())


def test_unseeded_calls_differ() -> None:
    assert not np.array_equal(tf.random.normal([5]).numpy(), tf.random.normal([5]).numpy())


def test_stateless_ops_depend_only_on_the_seed() -> None:
    a = tf.random.stateless_normal([3], seed=[1, 2]).numpy()
    tf.random.normal([2])  # stateful draws do not disturb stateless ones
    np.testing.assert_array_equal(a, tf.random.stateless_normal([3], seed=[1, 2]).numpy())
    assert not np.array_equal(a, tf.random.stateless_normal([3], seed=[1, 3]).numpy())
    u = tf.random.stateless_uniform([4], seed=[9, 9], minval=2, maxval=5, dtype=tf.int32).numpy()
    np.testing.assert_array_equal(
        u, tf.random.stateless_uniform([4], seed=[9, 9], minval=2, maxval=5, dtype=tf.int32).numpy()
    )


def test_generator_from_seed_is_reproducible_and_advances() -> None:
    g1, g2 = tf.random.Generator.from_seed(42), tf.random.Generator.from_seed(42)
    a, b = g1.normal([3]).numpy(), g1.normal([3]).numpy()
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(g2.normal([3]).numpy(), a)
    np.testing.assert_array_equal(g2.normal([3]).numpy(), b)
    assert isinstance(g1.state, tf.Variable)
    assert g1.state.dtype == tf.int64
    u = g1.uniform([100], minval=3, maxval=6, dtype=tf.int32).numpy()
    assert u.min() >= 3 and u.max() < 6
    c1, c2 = g1.split(2)
    assert not np.array_equal(c1.normal([3]).numpy(), c2.normal([3]).numpy())


def test_generator_reset_from_seed() -> None:
    g = tf.random.Generator.from_seed(3)
    a = g.uniform([2]).numpy()
    g.reset_from_seed(3)
    np.testing.assert_array_equal(g.uniform([2]).numpy(), a)


def test_distributions() -> None:
    tf.random.set_seed(0)
    n = tf.random.normal([20000], mean=2.0, stddev=3.0).numpy()
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 3.0) < 0.1
    t = tf.random.truncated_normal([20000], stddev=2.0).numpy()
    assert np.abs(t).max() <= 4.0 + 1e-6
    u = tf.random.uniform([20000], -1.0, 3.0).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    i = tf.random.uniform([20000], 0, 3, dtype=tf.int64).numpy()
    assert set(np.unique(i)) == {0, 1, 2}
    c = tf.random.categorical(tf.math.log([[0.1, 0.9]]), 20000).numpy()
    assert abs(c.mean() - 0.9) < 0.02
    g = tf.random.gamma([20000], 3.0, beta=2.0).numpy()
    assert abs(g.mean() - 1.5) < 0.05
    p = tf.random.poisson([20000], 4.0).numpy()
    assert abs(p.mean() - 4.0) < 0.1


def test_shuffle_permutes_rows() -> None:
    x = tf.reshape(tf.range(10), [5, 2])
    s = tf.random.shuffle(x, seed=3).numpy()
    assert sorted(map(tuple, s.tolist())) == sorted(map(tuple, x.numpy().tolist()))


def test_dropout_keeps_scaled_values_and_follows_seeds() -> None:
    x = tf.ones([1000])
    tf.random.set_seed(11)
    y = tf.nn.dropout(x, 0.25).numpy()
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.05
    tf.random.set_seed(11)
    np.testing.assert_array_equal(tf.nn.dropout(x, 0.25).numpy(), y)


def test_dropout_gradient_is_the_kept_mask_scaled() -> None:
    x = tf.constant(np.arange(1.0, 101.0, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, 0.5, seed=4)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, np.where(y.numpy() != 0, 2.0, 0.0))


def test_random_ops_inside_tf_function_advance_per_call() -> None:
    @tf.function
    def draw() -> list[tf.Tensor]:
        return [
            tf.random.normal([3]),
            tf.random.uniform([3], seed=2),
            tf.nn.dropout(tf.ones([8]), 0.5),
        ]

    a, b = draw(), draw()
    for x, y in zip(a, b, strict=True):
        assert not np.array_equal(x.numpy(), y.numpy())


def test_generator_inside_tf_function_follows_the_eager_sequence() -> None:
    g1, g2 = tf.random.Generator.from_seed(5), tf.random.Generator.from_seed(5)

    @tf.function
    def draw() -> tf.Tensor:
        return g1.normal([2])

    traced = [draw().numpy(), draw().numpy()]
    eager = [g2.normal([2]).numpy(), g2.normal([2]).numpy()]
    np.testing.assert_allclose(traced, eager)
    np.testing.assert_array_equal(g1.state.numpy(), g2.state.numpy())


def test_tf_literal_values() -> None:
    # From TF 2.21 (CPU) and the `tf.random.split` docstring.
    np.testing.assert_array_equal(
        tf.random.stateless_uniform([5], seed=[1, 2]).numpy(),
        np.array([0.8440604, 0.19204533, 0.9962232, 0.1603874, 0.27199018], np.float32),
    )
    seeds = tf.random.split([1, 2], num=3)
    np.testing.assert_array_equal(
        seeds.numpy(),
        [[1105988140, 1738052849], [-335576002, 370444179], [10670227, -246211131]],
    )
    np.testing.assert_array_equal(
        tf.random.stateless_normal([3], seed=seeds[0, :]).numpy(),
        np.array([-0.59835213, -0.9578608, 0.9002807], np.float32),
    )
    g = tf.random.Generator.from_seed(42)
    np.testing.assert_array_equal(g.state.numpy(), [42, 0, 0])
    g.uniform([3])
    np.testing.assert_array_equal(g.state.numpy(), [42 + 3 * 256, 0, 0])


def test_algorithm_argument() -> None:
    a = tf.random.stateless_uniform([3], [1, 2], alg=tf.random.Algorithm.PHILOX).numpy()
    np.testing.assert_array_equal(a, tf.random.stateless_uniform([3], [1, 2]).numpy())
    with pytest.raises(ValueError, match="unsupported value"):
        tf.random.stateless_uniform([3], [1, 2], alg="mt19937")
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.random.stateless_uniform([3], [1, 2], alg="threefry")

"""Op records for `tf.random`: shapes, dtypes and errors vs TF; values for the stateless
ops (stateful ops' values depend on the process's kernel state: test_random.py compares
them bit for bit in programs that set the seed)."""

from __future__ import annotations

from typing import Any

from op_harness import Arg, Bad, OpRecord


def rec(name: str, fn: Any, *args: Arg, **kw: Any) -> OpRecord:
    kw.setdefault("values", False)
    kw.setdefault("grad_vs_tf", False)
    kw.setdefault("fd", False)
    kw.setdefault("dtypes", ("float32",))
    return OpRecord(name, fn, tuple(args), **kw)


RANDOM: list[OpRecord] = [
    rec(
        "random.normal",
        lambda tf: tf.random.normal([2, 3], seed=1),
        bad=(Bad("int dtype", lambda tf: tf.random.normal([2], dtype=tf.int32)),),
    ),
    rec(
        "random.normal",
        lambda tf: tf.random.normal([2], mean=1.0, stddev=2.0, dtype=tf.float64),
        variant="float64_moments",
    ),
    rec(
        "random.uniform",
        lambda tf: tf.random.uniform([3, 2]),
        bad=(
            Bad("int without maxval", lambda tf: tf.random.uniform([2], dtype=tf.int32)),
            Bad("empty int range", lambda tf: tf.random.uniform([2], 5, 3, dtype=tf.int32)),
        ),
    ),
    rec(
        "random.uniform",
        lambda tf: tf.random.uniform([4], -3, 7, dtype=tf.int64, seed=2),
        variant="int64",
    ),
    rec("random.truncated_normal", lambda tf: tf.random.truncated_normal([5], stddev=0.5)),
    rec(
        "random.categorical",
        lambda tf, x: tf.random.categorical(x, 4),
        Arg((2, 3)),
        bad=(Bad("vector logits", lambda tf: tf.random.categorical(tf.ones([3]), 2)),),
    ),
    rec(
        "random.categorical",
        lambda tf, x: tf.random.categorical(x, 2, dtype=tf.int32),
        Arg((3, 2)),
        variant="int32",
    ),
    rec(
        "random.shuffle",
        lambda tf, x: tf.random.shuffle(x),
        Arg((5, 2)),
        dtypes=("float32", "int32"),
    ),
    rec(
        "random.shuffle", lambda tf, x: tf.random.shuffle(x), Arg(()), variant="scalar", values=True
    ),
    rec("random.gamma", lambda tf: tf.random.gamma([2], [1.0, 2.0], beta=[[1.0], [2.0]])),
    rec("random.poisson", lambda tf: tf.random.poisson([3], [1.0, 4.0], dtype=tf.int32)),
    rec(
        "random.stateless_gamma",
        lambda tf: tf.random.stateless_gamma([3, 2], [1, 2], [0.5, 3.0]),
        values=True,
        bad=(Bad("shape", lambda tf: tf.random.stateless_gamma([3], [1, 2], [1.0, 2.0])),),
    ),
    rec(
        "random.stateless_poisson",
        lambda tf: tf.random.stateless_poisson([4, 2], [3, 4], [2.0, 30.0]),
        values=True,
    ),
    rec(
        "random.stateless_binomial",
        lambda tf: tf.random.stateless_binomial([4, 2], [5, 6], [5.0, 80.0], [0.3, 0.6]),
        values=True,
    ),
    rec(
        "random.experimental.index_shuffle",
        lambda tf: tf.random.experimental.index_shuffle(tf.range(6), [5, 9], 5),
        values=True,
    ),
    rec(
        "random.stateless_normal",
        lambda tf: tf.random.stateless_normal([2, 2], seed=[1, 2]),
        values=True,
        bad=(Bad("seed shape", lambda tf: tf.random.stateless_normal([2], seed=[1])),),
    ),
    rec(
        "random.stateless_uniform",
        lambda tf: tf.random.stateless_uniform([3], seed=[3, 4], minval=1.0, maxval=2.0),
        values=True,
    ),
    rec(
        "random.stateless_uniform",
        lambda tf: tf.random.stateless_uniform([5], seed=[3, 4], minval=None, dtype=tf.int64),
        variant="full_int",
        values=True,
        bad=(
            Bad(
                "threefry on CPU",
                lambda tf: tf.random.stateless_uniform([2], seed=[1, 2], alg="threefry"),
            ),
            Bad("bad alg", lambda tf: tf.random.stateless_uniform([2], seed=[1, 2], alg="x")),
        ),
    ),
    rec(
        "random.stateless_uniform",
        lambda tf: tf.random.stateless_uniform(
            [3], seed=[3, 4], minval=0, maxval=9, dtype=tf.int32
        ),
        variant="int",
        values=True,
        bad=(
            Bad(
                "int without maxval",
                lambda tf: tf.random.stateless_uniform([2], seed=[1, 2], dtype=tf.int32),
            ),
        ),
    ),
    rec(
        "random.stateless_truncated_normal",
        lambda tf: tf.random.stateless_truncated_normal([4], seed=[5, 6]),
        values=True,
    ),
    rec(
        "random.stateless_categorical",
        lambda tf, x: tf.random.stateless_categorical(x, 3, seed=[7, 8]),
        Arg((2, 4)),
        values=True,
    ),
    rec(
        "random.split",
        lambda tf: tf.random.split([1, 2], 3),
        values=True,
    ),
    rec("random.fold_in", lambda tf: tf.random.fold_in([1, 2], 7), values=True),
    rec(
        "random.create_rng_state",
        lambda tf: tf.random.create_rng_state(2**70 + 5, "philox"),
        values=True,
    ),
    rec(
        "random.Generator",
        lambda tf: _generator_draws(tf.random.Generator.from_seed(42)),
        values=True,
    ),
    rec(
        "random.set_global_generator",
        lambda tf: _global_generator(tf),
        values=True,
    ),
]


def _generator_draws(g: Any) -> list[Any]:
    return [g.normal([3]), g.uniform([2], 0, 5, dtype="int64"), g.state.read_value()]


def _global_generator(tf: Any) -> Any:
    old = tf.random.get_global_generator()
    tf.random.set_global_generator(tf.random.Generator.from_seed(3))
    try:
        return tf.random.get_global_generator().uniform([3])
    finally:
        tf.random.set_global_generator(old)

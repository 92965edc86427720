"""tf.random against TF 2.21 (CPU), bit for bit: the same programs run in both.

Exception (docs/random.md): float32/float16/bfloat16 normal and truncated-normal values
may differ by one float32 ulp where TF's C library `logf`/`sinf`/`cosf` are not
correctly rounded (about 1 value in 70); `_same_normals` allows exactly that.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tfcompat

SEEDS = ([1, 2], [0, 0], [-7, 2**31 - 1], [123456789, -1])
SHAPES = ((), (0,), (1,), (7,), (2, 3), (4, 5, 3))
FLOATS = ("float32", "float64", "float16", "bfloat16")


def _np(x: Any) -> np.ndarray:
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _bits(a: np.ndarray) -> np.ndarray:
    return (
        a.view(np.dtype(f"u{a.dtype.itemsize}"))
        if a.dtype.kind == "f" or a.dtype.kind == "V"
        else a
    )


def _same(a: Any, b: Any) -> None:
    a, b = _np(a), _np(b)
    assert a.shape == b.shape and str(a.dtype) == str(b.dtype), (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_array_equal(_bits(a), _bits(b))


def _same_normals(a: Any, b: Any) -> None:
    """Equal, but for one-ulp differences (in float32 before any narrowing) in < 3%."""
    a, b = _np(a), _np(b)
    assert a.shape == b.shape and str(a.dtype) == str(b.dtype)
    if a.dtype == np.float64 or a.size == 0:
        np.testing.assert_array_equal(a, b)
        return
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    diff = fa != fb
    if diff.any():
        ulp = np.spacing(np.maximum(np.abs(fa), np.abs(fb)).astype(np.float32))
        tol = 4 * ulp if a.dtype == np.float32 else np.abs(fb) * 2.0**-7
        assert np.all(np.abs(fa - fb)[diff] <= tol[diff]), (fa[diff], fb[diff])
        assert diff.mean() < 0.03 + 1.0 / a.size


def _both(real_tf: Any, fn: Callable[[Any], Any]) -> tuple[Any, Any]:
    return fn(real_tf), fn(tfcompat)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_stateless_uniform_float(real_tf: Any, shape: tuple[int, ...], dtype: str) -> None:
    for seed in SEEDS:
        a, b = _both(
            real_tf,
            lambda tf, seed=seed: tf.random.stateless_uniform(
                shape, seed, minval=-2, maxval=3, dtype=getattr(tf, dtype)
            ),
        )
        _same(a, b)


@pytest.mark.parametrize("dtype", FLOATS)
def test_stateless_normal_and_truncated_normal(real_tf: Any, dtype: str) -> None:
    for shape in ((0,), (3,), (2, 7), (4001,)):
        for seed in SEEDS[::2]:
            for name in ("stateless_normal", "stateless_truncated_normal"):
                a, b = _both(
                    real_tf,
                    lambda tf, seed=seed, name=name, shape=shape: getattr(tf.random, name)(
                        shape, seed, dtype=getattr(tf, dtype)
                    ),
                )
                _same_normals(a, b)


def test_stateless_normal_moments(real_tf: Any) -> None:
    for name in ("stateless_normal", "stateless_truncated_normal"):
        a, b = _both(
            real_tf,
            lambda tf, name=name: getattr(tf.random, name)(
                [3, 5], [4, 4], mean=0.5, stddev=[2.0, 1.0, 3.0, 0.5, 1.5], dtype=tf.float64
            ),
        )
        _same(a, b)


@pytest.mark.parametrize("dtype", ("int32", "int64"))
def test_stateless_uniform_int_ranges(real_tf: Any, dtype: str) -> None:
    big = 2**31 - 1 if dtype == "int32" else 2**62
    for lo, hi in ((0, 10), (-5, 3), (-big, big), (7, 8)):
        for shape in ((0,), (1,), (3,), (5,), (2, 9)):
            a, b = _both(
                real_tf,
                lambda tf, lo=lo, hi=hi, shape=shape: tf.random.stateless_uniform(
                    shape, [3, 4], minval=lo, maxval=hi, dtype=getattr(tf, dtype)
                ),
            )
            _same(a, b)


@pytest.mark.parametrize("dtype", ("int32", "int64", "uint32", "uint64"))
def test_stateless_uniform_full_range(real_tf: Any, dtype: str) -> None:
    for shape in ((0,), (1,), (5,), (3, 3)):
        for seed in SEEDS:
            a, b = _both(
                real_tf,
                lambda tf, seed=seed, shape=shape: tf.random.stateless_uniform(
                    shape, seed, minval=None, maxval=None, dtype=getattr(tf, dtype)
                ),
            )
            _same(a, b)


def test_stateless_alg_and_seed_dtypes(real_tf: Any) -> None:
    for alg in ("philox", "auto_select", 1, 3, None):
        for seed in ([5, 6], np.array([5, 6], np.int64)):
            a, b = _both(
                real_tf,
                lambda tf, alg=alg, seed=seed: tf.random.stateless_uniform([7], seed, alg=alg),
            )
            _same(a, b)


def test_stateless_categorical_split_fold_in_dropout(real_tf: Any) -> None:
    def prog(tf: Any) -> list[Any]:
        lg = tf.math.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [1.0, 0.0, 0.0]])
        out = [tf.random.stateless_categorical(lg, n, seed=[3, 4]) for n in (1, 5, 9)]
        out.append(tf.random.stateless_categorical(lg * 3.0, 4, seed=[9, 1], dtype=tf.int32))
        out += [tf.random.split([1, 2], 3), tf.random.split(tf.constant([1, 2], tf.int64))]
        out += [tf.random.fold_in([1, 2], 7), tf.random.experimental.stateless_fold_in([4, 2], 0)]
        x = tf.reshape(tf.range(1.0, 31.0), [5, 6])
        out.append(tf.nn.experimental.stateless_dropout(x, 0.3, seed=[1, 2]))
        out.append(tf.nn.experimental.stateless_dropout(x, 0.5, [7, 7], noise_shape=[1, 6]))
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def test_stateless_seed_traced_in_tf_function(real_tf: Any) -> None:
    def prog(tf: Any) -> list[Any]:
        seed = tf.Variable([4, 5], dtype=tf.int64)

        @tf.function
        def draw() -> Any:
            x = tf.random.stateless_uniform([6], seed)
            seed.assign_add(tf.constant([0, 1], tf.int64))
            return x

        return [draw(), draw(), draw()]

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def _stateful(tf: Any) -> list[Any]:
    tf.random.set_seed(3)
    out = [
        tf.random.uniform([5], seed=7),
        tf.random.uniform([3], seed=7),  # the same kernel: continues its stream
        tf.random.normal([2], seed=7),  # another kernel
        tf.random.uniform([4]),
        tf.random.uniform([3, 2], dtype=tf.float64),
        tf.random.uniform([4], 2, 9, dtype=tf.int64),
        tf.random.uniform([3], 1.0, 4.0),
        tf.random.uniform([3], maxval=4.0),
        tf.random.uniform([0]),
        tf.random.shuffle(tf.range(10), seed=4),
        tf.random.shuffle(tf.range(10), seed=4),
        tf.random.shuffle(tf.reshape(tf.range(14), [7, 2])),
        tf.random.categorical(tf.math.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]), 5, seed=9),
        tf.random.categorical(tf.math.log([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]), 5, seed=9),
        tf.nn.dropout(tf.ones([10]), 0.5),
        tf.nn.dropout(tf.ones([3, 4]), 0.25, seed=1),
    ]
    tf.random.set_seed(3)  # resets the kernels and the op-seed sequence
    out.append(tf.random.uniform([5], seed=7))
    out.append(tf.random.uniform([4]))
    tf.random.set_seed(None)
    out.append(tf.random.uniform([3], seed=11))  # TF's default global seed
    out.append(tf.random.uniform([3], seed=11))
    return out


def test_stateful_program(real_tf: Any) -> None:
    for a, b in zip(*_both(real_tf, _stateful), strict=True):
        _same(a, b)


def test_stateful_normals_program(real_tf: Any) -> None:
    def prog(tf: Any) -> list[Any]:
        tf.random.set_seed(42)
        return [
            tf.random.normal([7]),
            tf.random.normal([3], 1.0, 2.0, dtype=tf.float64),
            tf.random.truncated_normal([9], stddev=0.5),
            tf.random.truncated_normal([4], dtype=tf.float16),
            tf.random.normal([5], seed=1),
            tf.random.normal([5], seed=1),
        ]

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same_normals(a, b)


def test_stateful_ops_in_tf_function(real_tf: Any) -> None:
    def prog(tf: Any) -> list[Any]:
        tf.random.set_seed(5)

        @tf.function
        def f() -> Any:
            return tf.concat(
                [tf.random.uniform([2]), tf.random.uniform([2], seed=3), tf.random.uniform([3])],
                0,
            )

        out = [f(), f()]
        tf.random.set_seed(5)
        out.append(f())
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def test_generator(real_tf: Any) -> None:
    def prog(tf: Any) -> list[Any]:
        g = tf.random.Generator.from_seed(42)
        out = [g.state.read_value(), g.normal([3]), g.uniform([5]), g.uniform([3], 2.0, 5.0)]
        out += [g.uniform([4], 0, 10, dtype=tf.int32), g.uniform([3], -9, 2**40, dtype=tf.int64)]
        out += [g.uniform_full_int([2], tf.int64), g.uniform_full_int([3])]
        out += [g.uniform([3], minval=None, maxval=None, dtype=tf.int32)]
        out += [g.truncated_normal([3], dtype=tf.float64), g.normal([0])]
        out += [g.skip(3), g.uniform([2]), g.state.read_value(), g.make_seeds(2)]
        c1, c2 = g.split(2)
        out += [c1.normal([2], dtype=tf.float64), c2.uniform([2]), g.state.read_value()]
        g.reset_from_seed(5)
        out += [g.uniform([2], dtype=tf.float64)]
        out += [tf.random.Generator.from_seed(2**70 + 5).state.read_value()]
        out += [tf.random.Generator.from_seed([1, 2]).uniform([3])]
        h = tf.random.Generator.from_state([7, 0, 9], alg="philox")
        out += [h.uniform([3]), tf.random.Generator(copy_from=h).uniform([3])]
        out += [tf.random.create_rng_state(12, "philox")]
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def test_generator_in_tf_function(real_tf: Any) -> None:
    def prog(tf: Any) -> list[Any]:
        g = tf.random.Generator.from_seed(7)

        @tf.function
        def f() -> Any:
            return g.uniform([3]), g.uniform([2], 0, 100, dtype=tf.int64)

        out = [*f(), *f(), g.uniform([2]), g.state.read_value()]
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


@pytest.mark.parametrize("dtype", ("int32", "int64", "uint32", "uint64"))
def test_index_shuffle(real_tf: Any, dtype: str) -> None:
    """TF's Simon-cipher permutation for block sizes 16 to 64 bits, scalars and vectors."""
    maxes = [0, 1, 3, 9, 1000, 65535, 65536, 70000, 2**20, 2**20 + 5, 2**31 - 1]
    if dtype in ("int64", "uint64"):
        maxes += [2**40 + 3, 2**62 - 1, 2**63 - 1]
    for mx in maxes:
        for seed in ([5, 9], [0, 0], [123456789, -7]):

            def prog(tf: Any, mx: int = mx, seed: list[int] = seed) -> list[Any]:
                m = tf.constant(mx, dtype)
                idx = tf.constant(np.arange(min(mx + 1, 20)), dtype)
                return [
                    tf.random.experimental.index_shuffle(idx, seed, m),
                    tf.random.experimental.index_shuffle(idx[-1], seed, m),
                ]

            for a, b in zip(*_both(real_tf, prog), strict=True):
                _same(a, b)


def test_index_shuffle_is_a_permutation_and_checks_args(real_tf: Any) -> None:
    out = tfcompat.random.experimental.index_shuffle(tfcompat.range(100), [4, 2], 99)
    assert sorted(out.numpy().tolist()) == list(range(100))
    seeds = (tfcompat.constant([1, 2], tfcompat.uint64), tfcompat.constant([1, 2], tfcompat.int32))
    for s in seeds:
        a = real_tf.random.experimental.index_shuffle([1, 2, 3], s.numpy(), 5)
        _same(a, tfcompat.random.experimental.index_shuffle([1, 2, 3], s, 5))
    for args in (
        (3, [1.0, 2.0], 5),  # float seed: the op's attribute check
        ([1, 2, 3], [1, 2], [5, 6]),  # max_index neither scalar nor index's length
    ):
        with pytest.raises(real_tf.errors.InvalidArgumentError):
            real_tf.random.experimental.index_shuffle(*args)
        with pytest.raises(tfcompat.errors.InvalidArgumentError):
            tfcompat.random.experimental.index_shuffle(*args)


def test_stateless_shuffle(real_tf: Any) -> None:
    for shape in ((), (1,), (2,), (5,), (10, 3), (0, 4), (33, 2, 2)):
        v = np.arange(int(np.prod(shape))).reshape(shape).astype(np.float32)
        for seed in ([1, 2], [7, -3], [0, 0]):
            a, b = _both(
                real_tf,
                lambda tf, v=v, seed=seed: tf.random.experimental.stateless_shuffle(v, seed),
            )
            _same(a, b)


def test_gamma_stateless_and_stateful(real_tf: Any) -> None:
    """TF's gamma kernel: Marsaglia-Tsang with TF's sample buffers and per-output
    streams, alpha == 1 through the C library's log1p, alpha < 1 boosted; every dtype."""

    def prog(tf: Any) -> list[Any]:
        tf.random.set_seed(5)
        out = [
            tf.random.gamma([3], [0.5, 1.0, 4.0]),
            tf.random.gamma([2, 2], 2.0, beta=[1.0, 3.0], dtype=tf.float64),
            tf.random.gamma([3], [0.5, 1.0, 4.0]),
            tf.random.gamma([4], 0.3, seed=7),
            tf.random.gamma([4], 0.3, seed=7),
            tf.random.gamma([0], 0.3, seed=7),
        ]
        alpha = [0.05, 0.5, 1.0, 2.5, 10.0, 300.0]
        for dt in ("float32", "float64", "float16"):
            out.append(tf.random.stateless_gamma([40, 6], [1, 2], alpha, dtype=dt))
        out.append(tf.random.stateless_gamma([3, 2], [-3, 9], 2.0, beta=[1.0, 2.0]))
        out.append(tf.random.stateless_gamma([5], [4, 4], 1.0, dtype=tf.float64))
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def test_gamma_errors(real_tf: Any) -> None:
    for tf, err in ((real_tf, real_tf.errors), (tfcompat, tfcompat.errors)):
        with pytest.raises(err.InvalidArgumentError, match="must end with broadcasted shape"):
            tf.random.stateless_gamma([3], [1, 2], [1.0, 2.0])
        assert tf.random.stateless_gamma([3, 0], [1, 2], []).shape == (3, 0)
        with pytest.raises(err.InvalidArgumentError, match="attr 'dtype' of bfloat16"):
            tf.random.stateless_gamma([2], [1, 2], 1.0, dtype=tf.bfloat16)
        with pytest.raises(err.InvalidArgumentError, match="attr 'T' of bfloat16"):
            tf.random.gamma([2], 1.0, dtype=tf.bfloat16)


def test_c_library_log1p() -> None:
    """tfcompat/_ops/libm.log1p is the C library's log1p bit for bit on [-1, 0]."""
    import math

    import jax

    from tfcompat._ops import libm

    rng = np.random.default_rng(1)
    xs = np.concatenate(
        [
            -rng.random(40000),
            -rng.random(2000) * 1e-6,
            -(1 - rng.random(2000) * 1e-9),
            [0.0, -0.0, -1.0],
        ]
    )
    got = np.asarray(jax.jit(libm.log1p)(xs))
    want = np.array([math.log1p(x) if x > -1 else -math.inf for x in xs])
    _same(got, want)


def test_division_by_a_broadcast_value_is_one_division(real_tf: Any) -> None:
    """XLA would multiply by a reciprocal (1 ulp off for a third of the values). TF's
    graph optimizer does that too for a divisor that is a constant of a tf.function's
    graph (docs/reliability.md); a divisor passed in is divided by in both."""
    x = np.random.default_rng(0).random(3000).astype(np.float32) * 10

    def prog(tf: Any) -> list[Any]:
        t = tf.constant(x)
        f = tf.function(lambda v, d: v / d)
        return [
            t / 3.0,
            t / 255.0,
            f(t, tf.constant(255.0)),
            tf.cast(t, tf.float64) / 7.0,
            tf.reshape(tf.constant(x[:6]), [3, 2]) / [1.0, 3.0] * 2,
            tf.math.divide_no_nan(t, 3.0),
            tf.math.floordiv(t, 0.3),
        ]

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def test_poisson_stateless_and_stateful(real_tf: Any) -> None:
    """TF's Poisson kernel: Knuth below rate 10, Hormann's rejection from 10 on."""

    def prog(tf: Any) -> list[Any]:
        tf.random.set_seed(5)
        out = [
            tf.random.poisson([50], [0.5, 3.0, 9.9, 10.0, 25.0, 400.0]),
            tf.random.poisson([7], 4.0, dtype=tf.int64, seed=3),
            tf.random.poisson([7], 4.0, dtype=tf.int64, seed=3),
            tf.random.poisson([3, 2], [12.0, 0.0], dtype=tf.float64),
        ]
        lam = [0.1, 2.0, 9.99, 15.5, 1000.0]
        for dt in ("int32", "int64", "float32", "float64", "float16"):
            out.append(tf.random.stateless_poisson([60, 5], [1, 2], lam, dtype=dt))
        out.append(tf.random.stateless_poisson([300], [7, 8], 33.0))
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)


def test_binomial_stateless_and_generator(real_tf: Any) -> None:
    """TF's binomial kernel: inversion below a mean of 10, BTRS from 10 on, on
    min(p, 1 - p); Generator.binomial's state advance (the normal after it agrees)."""

    def prog(tf: Any) -> list[Any]:
        counts = [0.0, 5.0, 20.0, 100.0, 1000.0, 7.0, 50.0, 3.0]
        probs = [0.3, 0.0, 0.45, 0.1, 0.6, 1.0, 0.97, 0.5]
        out = [
            tf.random.stateless_binomial([40, 8], [1, 2], counts, probs, output_dtype=dt)
            for dt in ("int32", "float32", "float64", "float16")
        ]
        c64 = tf.constant([10.0, 300.0], tf.float64)
        p64 = tf.constant([0.2, 0.7], tf.float64)
        out.append(tf.random.stateless_binomial([30, 2], [5, 6], c64, p64))
        g = tf.random.Generator.from_seed(42)
        out.append(g.binomial([20, 3], [10.0, 50.0, 200.0], [0.5, 0.25, 0.9]))
        out.append(g.binomial([5], 30.0, 0.4))
        out.append(g.normal([3]))
        return out

    for a, b in zip(*_both(real_tf, prog), strict=True):
        _same(a, b)

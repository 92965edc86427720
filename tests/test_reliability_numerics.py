"""Reliability (issue 6, part 6): NaN, Inf, huge, tiny and half precision, against TF.

Each case runs the same snippet in TF 2.21 and in tfcompat: the forward value and the
gradient through a tape (with an upstream gradient of ones) must agree, NaN for NaN and
signed infinity for signed infinity, or both must raise the same exception class.
`tf.debugging.check_numerics` must raise TF's error. float16 and bfloat16 inputs
compute, and differentiate, in their own dtype.

Divergences from TF that are known and not fixed yet are listed in
`KNOWN_DIVERGENCES` (and docs/reliability.md) and expected to fail (strict xfail).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from tfcompare import Raised, assert_same, capture

import tfcompat

# NaN, infinities, signed zeros, the smallest normal float32 (tiny), a huge value.
SPECIAL = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1.2e-38, 3e38, 2.5]
# Subnormal float32 values: flushed to zero by some TF kernels and some XLA ones, not
# the same ones (test_subnormal_inputs_differ_only_by_flushing).
SUBNORMAL = [1e-38, -1e-38, 1e-45]

UNARY = [
    "math.sqrt", "math.rsqrt", "math.exp", "math.expm1", "math.log", "math.log1p",
    "math.sin", "math.cos", "math.tan", "math.tanh", "math.sigmoid", "math.softplus",
    "math.abs", "math.sign", "math.square", "math.reciprocal", "math.negative",
    "nn.relu", "nn.relu6", "nn.elu", "nn.selu", "nn.gelu", "nn.silu", "nn.leaky_relu",
    "math.erf", "math.atan", "math.asinh", "math.floor", "math.ceil", "math.round",
    "math.log_sigmoid", "math.is_nan", "math.is_inf", "math.is_finite",
]  # fmt: skip

BINARY = [
    "math.add", "math.subtract", "math.multiply", "math.divide", "math.maximum",
    "math.minimum", "math.pow", "math.squared_difference", "math.divide_no_nan",
    "math.xlogy", "math.atan2", "math.floormod", "math.floordiv", "math.multiply_no_nan",
]  # fmt: skip

REDUCTIONS = [
    "math.reduce_sum", "math.reduce_mean", "math.reduce_max", "math.reduce_min",
    "math.reduce_prod", "math.reduce_logsumexp", "math.reduce_std", "math.reduce_variance",
    "math.reduce_euclidean_norm", "nn.softmax", "nn.log_softmax", "math.cumsum",
]  # fmt: skip

ROWS = [
    [1.0, np.nan, 2.0],
    [1.0, np.inf, 2.0],
    [np.inf, -np.inf, 1.0],
    [-np.inf, -np.inf, 0.0],
    [0.0, -0.0, 0.0],
    [np.nan, np.inf, -np.inf],
    [3e38, 3e38, 1.0],
    [1.2e-38, -1.2e-38, 0.0],
]

# (case id) -> reason. A fixed divergence fails its test until the entry goes.
KNOWN_DIVERGENCES: dict[str, str] = {
    "nn.softmax": "TF's oneDNN softmax gives 0 for the finite entries of a row holding "
    "+inf or NaN ([1, inf, 2] -> [0, nan, 0]); tfcompat gives NaN for the whole row",
}


def _get(tf: Any, path: str) -> Callable[..., Any]:
    obj = tf
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _forward_and_grad(fn: Callable[..., Any], arrays: list[np.ndarray]) -> Callable[[Any], Any]:
    def snippet(tf: Any) -> Any:
        xs = [tf.constant(a) for a in arrays]
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            y = fn(tf)(*xs)
        if not y.dtype.is_floating:
            return y, None
        grads = tape.gradient(y, xs, output_gradients=tf.ones_like(y))
        return y, grads

    return snippet


def _compare(real_tf: Any, snippet: Callable[[Any], Any], case: str) -> None:
    expected = capture(snippet, real_tf)
    if isinstance(expected, Raised) and expected.name == "AttributeError":
        pytest.skip(f"{case}: not in TF")
    actual = capture(snippet, tfcompat)
    if (
        isinstance(actual, Raised)
        and actual.name == "AttributeError"
        and "module" in actual.message
    ):
        pytest.skip(f"{case}: not implemented in tfcompat yet ({actual.message})")
    if case in KNOWN_DIVERGENCES:
        if not _same(expected, actual):
            pytest.xfail(KNOWN_DIVERGENCES[case])
        raise AssertionError(f"{case} matches TF now: remove it from KNOWN_DIVERGENCES")
    assert_numerics_same(expected, actual, case)


def _same(expected: Any, actual: Any) -> bool:
    try:
        assert_numerics_same(expected, actual, "")
    except AssertionError:
        return False
    return True


def assert_numerics_same(expected: Any, actual: Any, path: str) -> None:
    """Same structure, dtypes and shapes; NaN where NaN, the same signed infinities;
    finite values within rtol 2e-6 (atol 1e-6 for results of cancellation)."""
    if isinstance(expected, Raised) or isinstance(actual, Raised):
        assert_same(expected, actual, message=False, path=path)
        return
    if isinstance(expected, (list, tuple)):
        assert isinstance(actual, (list, tuple)) and len(actual) == len(expected), path
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_numerics_same(e, a, f"{path}[{i}]")
        return
    if expected is None:
        assert actual is None, f"{path}: TF gives None, tfcompat {actual!r}"
        return
    assert actual is not None, f"{path}: tfcompat gives None, TF {expected!r}"
    assert expected.dtype.name == actual.dtype.name, f"{path}: dtype {actual.dtype.name}"
    e, a = np.asarray(expected.numpy()), np.asarray(actual.numpy())
    assert e.shape == a.shape, f"{path}: shape {a.shape} is not {e.shape}"
    if e.dtype.kind not in "fc":
        np.testing.assert_array_equal(a, e, err_msg=path)
        return
    e64, a64 = e.astype(np.complex128), a.astype(np.complex128)
    same_nan = np.isnan(e64) == np.isnan(a64)
    close = np.isclose(e64, a64, rtol=2e-6, atol=1e-6, equal_nan=True)
    bad = ~(same_nan & close)
    if bad.any():
        idx = np.argwhere(bad)[:5].tolist()
        raise AssertionError(
            f"{path}: {int(bad.sum())} values differ, first at {idx}: "
            f"TF {[e[tuple(i)] for i in idx]} tfcompat {[a[tuple(i)] for i in idx]}"
        )


@pytest.mark.parametrize("name", UNARY)
def test_unary_special_values_match_tf(real_tf: Any, name: str) -> None:
    x = np.array(SPECIAL, np.float32)
    _compare(real_tf, _forward_and_grad(lambda tf: _get(tf, name), [x]), name)


@pytest.mark.parametrize("name", BINARY)
def test_binary_special_values_match_tf(real_tf: Any, name: str) -> None:
    a = np.array(SPECIAL, np.float32)[:, None]
    b = np.array(SPECIAL, np.float32)[None, :]
    _compare(real_tf, _forward_and_grad(lambda tf: _get(tf, name), [a, b]), name)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_special_values_match_tf(real_tf: Any, name: str) -> None:
    x = np.array(ROWS, np.float32)

    def fn(tf: Any) -> Callable[..., Any]:
        op = _get(tf, name)
        return lambda t: op(t, axis=-1) if name != "math.cumsum" else op(t, axis=1)

    _compare(real_tf, _forward_and_grad(fn, [x]), name)


def test_matmul_special_values_match_tf(real_tf: Any) -> None:
    a = np.array(ROWS, np.float32)
    b = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]], np.float32)
    _compare(real_tf, _forward_and_grad(lambda tf: tf.linalg.matmul, [a, b]), "matmul")


def test_nan_propagates_through_a_training_step(real_tf: Any) -> None:
    def snippet(tf: Any) -> Any:
        w = tf.Variable([[1.0], [np.nan]])
        x = tf.constant([[1.0, 2.0]])
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
        g = tape.gradient(loss, w)
        w.assign_sub(0.1 * g)
        return loss, g, w.read_value()

    _compare(real_tf, snippet, "training-step")


SUBNORMAL_OPS = ["math.sin", "math.tanh", "math.atan", "math.sign", "nn.elu", "math.asinh"]


@pytest.mark.parametrize("name", SUBNORMAL_OPS)
def test_subnormal_inputs_differ_only_by_flushing(real_tf: Any, name: str) -> None:
    # TF flushes subnormals to zero in some kernels (sin, tanh, atan), XLA in others
    # (sign, elu, asinh): results may differ, but only by less than the smallest normal
    # float32 (1.18e-38) and never in sign (documented in docs/reliability.md).
    x = np.array(SUBNORMAL, np.float32)

    def snippet(tf: Any) -> Any:
        return _get(tf, name)(tf.constant(x))

    e, a = snippet(real_tf).numpy(), snippet(tfcompat).numpy()
    tiny = np.finfo(np.float32).tiny
    assert np.all(np.abs(e.astype(np.float64) - a) < tiny), (e, a)
    assert np.all((np.sign(e) == np.sign(a)) | (e == 0) | (a == 0)), (e, a)


# --------------------------------------------------------------------------------------
# tf.debugging.check_numerics, enable_check_numerics
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [[1.0, 2.0], [1.0, np.nan], [np.inf, 1.0], [-np.inf], [np.nan, np.inf]],
    ids=["finite", "nan", "inf", "neg-inf", "nan-and-inf"],
)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_check_numerics_matches_tf(run_both: Any, values: list[float], dtype: str) -> None:
    if not hasattr(tfcompat, "debugging"):
        pytest.skip("tf.debugging is not implemented yet")
    run_both(lambda tf: tf.debugging.check_numerics(tf.constant(values, dtype), "checked"))


def test_check_numerics_rejects_integers(run_both: Any) -> None:
    if not hasattr(tfcompat, "debugging"):
        pytest.skip("tf.debugging is not implemented yet")
    run_both(lambda tf: tf.debugging.check_numerics(tf.constant([1]), "m"), message=False)


def test_check_numerics_inside_tape_passes_gradients(run_both: Any) -> None:
    if not hasattr(tfcompat, "debugging"):
        pytest.skip("tf.debugging is not implemented yet")

    def snippet(tf: Any) -> Any:
        x = tf.Variable([1.0, 4.0])
        with tf.GradientTape() as tape:
            y = tf.debugging.check_numerics(tf.sqrt(x), "sqrt") * 2.0
        return tape.gradient(y, x)

    run_both(snippet)


def test_enable_check_numerics_raises_tf_error(real_tf: Any) -> None:
    debugging = getattr(tfcompat, "debugging", None)
    if debugging is None or not hasattr(debugging, "enable_check_numerics"):
        pytest.skip("tf.debugging.enable_check_numerics is not implemented yet")

    def snippet(tf: Any) -> Any:
        tf.debugging.enable_check_numerics()
        try:
            return tf.math.log(tf.constant([1.0, 0.0]))
        finally:
            tf.debugging.disable_check_numerics()

    expected, actual = capture(snippet, real_tf), capture(snippet, tfcompat)
    assert_same(expected, actual, message=False)
    assert "Detected Infinity or NaN in output 0" in actual.message


# --------------------------------------------------------------------------------------
# float16 and bfloat16 compute in their dtype
# --------------------------------------------------------------------------------------

HALF_CASES: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda tf, x: x + x * 0.1,
    "exp": lambda tf, x: tf.exp(x),
    "tanh": lambda tf, x: tf.tanh(x * 3.0),
    "sigmoid": lambda tf, x: tf.sigmoid(x),
    "matmul": lambda tf, x: tf.matmul(tf.reshape(x, [8, 125]), tf.reshape(x, [125, 8])),
    "reduce_sum": lambda tf, x: tf.reduce_sum(x),
    "reduce_mean": lambda tf, x: tf.reduce_mean(x),
    "softmax": lambda tf, x: tf.nn.softmax(tf.reshape(x, [10, 100])),
    "overflow": lambda tf, x: x * 70000.0,
    "underflow": lambda tf, x: x * 1e-8,
}


def _ulps(expected: np.ndarray, actual: np.ndarray, dtype: str) -> np.ndarray:
    """|expected - actual| in units in the last place of `dtype` at `expected`, with the
    unit at 1.0 as the floor (results of cancellation are compared absolutely)."""
    mantissa = {"float16": 10, "bfloat16": 7}[dtype]
    e, a = expected.astype(np.float64), actual.astype(np.float64)
    exponent = np.floor(np.log2(np.maximum(np.abs(e), 1.0)))
    return np.abs(e - a) / 2.0 ** (exponent - mantissa)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("case", sorted(HALF_CASES))
def test_half_precision_computes_in_its_dtype(real_tf: Any, case: str, dtype: str) -> None:
    values = np.linspace(0.05, 2.0, 1000)

    def snippet(tf: Any) -> Any:
        x = tf.Variable(tf.constant(values, getattr(tf, dtype)))
        with tf.GradientTape() as tape:
            y = HALF_CASES[case](tf, x)
        return y, tape.gradient(y, x)

    (y_tf, g_tf), (y, g) = snippet(real_tf), snippet(tfcompat)
    assert y.dtype.name == dtype and g.dtype.name == dtype
    assert y.shape == y_tf.shape
    # Measured: forward within 2 ulps of TF (XLA and Eigen round sigmoid, tanh and
    # sums differently), gradients within 12 (TF's SigmoidGrad/TanhGrad start from
    # the rounded output).
    for tag, e, a, limit in [("forward", y_tf, y, 2), ("gradient", g_tf, g, 16)]:
        e, a = np.asarray(e.numpy()), np.asarray(a.numpy())
        np.testing.assert_array_equal(np.isfinite(e), np.isfinite(a), err_msg=tag)
        finite = np.isfinite(e)
        ulps = _ulps(e[finite], a[finite], dtype)
        assert ulps.size == 0 or ulps.max() <= limit, f"{case} {tag}: {ulps.max()} ulps"


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_cumsum_accumulates_like_tf(real_tf: Any, dtype: str) -> None:
    def snippet(tf: Any) -> Any:
        return tf.math.cumsum(tf.constant(np.full(10_000, 0.1), getattr(tf, dtype)))[-1]

    assert float(snippet(real_tf)) == float(snippet(tfcompat))


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_sums_accumulate_in_float32(real_tf: Any, dtype: str) -> None:
    # 10,000 x 0.1: a half-precision accumulator would stop at 256 (float16) or 32
    # (bfloat16). Both accumulate more precisely, in different orders: float16 997.0 (TF)
    # and 996.5 (tfcompat), bfloat16 1000 and 980 (5 ulps; docs/reliability.md).
    def snippet(tf: Any) -> Any:
        return tf.reduce_sum(tf.constant(np.full(10_000, 0.1), getattr(tf, dtype)))

    e, a = snippet(real_tf), snippet(tfcompat)
    assert a.dtype.name == dtype
    assert abs(float(a) - 1000) < 25
    assert _ulps(np.asarray(e.numpy()), np.asarray(a.numpy()), dtype) <= 5

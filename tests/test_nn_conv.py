"""`tf.nn` convolutions, transposed convolutions, pooling and depth/space shuffles against
TensorFlow 2.21: values, gradients (under a `GradientTape`) and argument errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.tf


def _data(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def _with_grads(fn: Callable[..., Any], *arrays: np.ndarray) -> Callable[[Any], Any]:
    """Value of `fn(tf, *args)` and the gradient of its weighted sum w.r.t. every input."""

    def run(tf: Any) -> Any:
        args = [tf.Variable(a) for a in arrays]
        with tf.GradientTape() as tape:
            out = fn(tf, *args)
            w = tf.constant(_data(*out.shape, seed=9))
            loss = tf.reduce_sum(out * w)
        return [out, *tape.gradient(loss, args)]

    return run


X4, X3, X5 = _data(2, 7, 6, 3), _data(2, 9, 3), _data(1, 5, 6, 4, 2)

GRAD_CASES: dict[str, Callable[[Any], Any]] = {
    "convolution_2d_same": _with_grads(
        lambda tf, x, w: tf.nn.convolution(x, w, padding="SAME"), X4, _data(3, 3, 3, 4, seed=1)
    ),
    "convolution_2d_strided": _with_grads(
        lambda tf, x, w: tf.nn.convolution(x, w, strides=2), X4, _data(2, 3, 3, 4, seed=1)
    ),
    "convolution_2d_dilated": _with_grads(
        lambda tf, x, w: tf.nn.convolution(x, w, padding="SAME", dilations=2),
        X4,
        _data(3, 2, 3, 2, seed=1),
    ),
    "convolution_1d": _with_grads(
        lambda tf, x, w: tf.nn.convolution(x, w, strides=2, padding="SAME"),
        X3,
        _data(3, 3, 5, seed=1),
    ),
    "conv1d": _with_grads(
        lambda tf, x, w: tf.nn.conv1d(x, w, 1, "VALID", dilations=2), X3, _data(2, 3, 2, seed=1)
    ),
    "conv2d_nchw_4_strides": _with_grads(
        lambda tf, x, w: (
            tf.transpose(
                tf.nn.conv2d(tf.transpose(x, [0, 3, 1, 2]), w, [1, 1, 2, 1], "VALID", "NCHW"),
                [0, 2, 3, 1],
            )
            if tf.__name__ == "tfcompat"
            else tf.nn.conv2d(x, w, [1, 2, 1, 1], "VALID")
        ),
        X4,
        _data(2, 2, 3, 2, seed=1),
    ),
    "conv3d": _with_grads(
        lambda tf, x, w: tf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME"), X5, _data(2, 3, 2, 2, 3)
    ),
    "convolution_3d": _with_grads(
        lambda tf, x, w: tf.nn.convolution(x, w, data_format="NDHWC"),
        X5,
        _data(2, 2, 2, 2, 3, seed=2),
    ),
    "conv2d_explicit_padding": _with_grads(
        lambda tf, x, w: tf.nn.conv2d(x, w, 1, [[0, 0], [1, 2], [0, 1], [0, 0]]),
        X4,
        _data(3, 3, 3, 2, seed=1),
    ),
    "conv_transpose_2d_same": _with_grads(
        lambda tf, x, w: tf.nn.conv_transpose(x, w, [2, 14, 12, 5], 2, "SAME"),
        X4,
        _data(3, 3, 5, 3, seed=1),
    ),
    "conv2d_transpose_valid": _with_grads(
        lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [2, 15, 13, 2], [1, 2, 2, 1], "VALID"),
        X4,
        _data(3, 3, 2, 3, seed=1),
    ),
    "conv_transpose_1d": _with_grads(
        lambda tf, x, w: tf.nn.conv_transpose(x, w, [2, 19, 4], 2, "VALID"),
        X3,
        _data(3, 4, 3, seed=1),
    ),
    "conv_transpose_3d": _with_grads(
        lambda tf, x, w: tf.nn.conv_transpose(x, w, [1, 5, 12, 4, 3], [1, 2, 1], "SAME"),
        X5,
        _data(2, 2, 2, 3, 2, seed=1),
    ),
    "depthwise_conv2d": _with_grads(
        lambda tf, x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
        X4,
        _data(3, 3, 3, 2, seed=1),
    ),
    "depthwise_conv2d_strided_valid": _with_grads(
        lambda tf, x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID"),
        X4,
        _data(2, 2, 3, 1, seed=1),
    ),
    "separable_conv2d": _with_grads(
        lambda tf, x, d, p: tf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1], "SAME"),
        X4,
        _data(3, 3, 3, 2, seed=1),
        _data(1, 1, 6, 4, seed=2),
    ),
    "max_pool_2d_same": _with_grads(lambda tf, x: tf.nn.max_pool(x, 3, 2, "SAME"), X4),
    "avg_pool_2d_same": _with_grads(lambda tf, x: tf.nn.avg_pool(x, 3, 2, "SAME"), X4),
    "max_pool1d": _with_grads(lambda tf, x: tf.nn.max_pool1d(x, 2, 2, "VALID"), X3),
    "avg_pool3d": _with_grads(lambda tf, x: tf.nn.avg_pool3d(x, 2, 2, "SAME"), X5),
    "max_pool3d": _with_grads(lambda tf, x: tf.nn.max_pool3d(x, 2, 1, "VALID"), X5),
    "pool_max": _with_grads(lambda tf, x: tf.nn.pool(x, [2, 2], "MAX", strides=[2, 2]), X4),
    "pool_avg_1d_same": _with_grads(lambda tf, x: tf.nn.pool(x, [3], "AVG", padding="SAME"), X3),
    "pool_max_dilated_valid": _with_grads(
        lambda tf, x: tf.nn.pool(x, [2, 2], "MAX", dilations=[2, 2]), X4
    ),
    "pool_avg_dilated_valid": _with_grads(
        lambda tf, x: tf.nn.pool(x, [2, 2], "AVG", dilations=[2, 1]), X4
    ),
    "depth_to_space": _with_grads(lambda tf, x: tf.nn.depth_to_space(x, 2), _data(2, 3, 2, 8)),
    "space_to_depth": _with_grads(lambda tf, x: tf.nn.space_to_depth(x, 2), _data(2, 4, 6, 3)),
}

ERROR_CASES: dict[str, Callable[[Any], Any]] = {
    "convolution_rank": lambda tf: tf.nn.convolution(
        tf.ones([1, 5, 5, 5, 5, 3]), tf.ones([3, 3, 3, 3, 3, 1])
    ),
    "convolution_strides_and_dilations": lambda tf: tf.nn.convolution(
        tf.ones([1, 9, 9, 1]), tf.ones([3, 3, 1, 1]), strides=2, dilations=2
    ),
    "convolution_strides_length": lambda tf: tf.nn.convolution(
        tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 3, 1]), strides=[1, 2, 3]
    ),
    "conv3d_int32": lambda tf: tf.nn.conv3d(
        tf.ones([1, 5, 5, 5, 3], tf.int32), tf.ones([3, 3, 3, 3, 1], tf.int32), [1] * 5, "VALID"
    ),
    "conv_transpose_length": lambda tf: tf.nn.conv_transpose(
        tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 2, 3]), [1, 2], 1
    ),
    "pool_sum": lambda tf: tf.nn.pool(tf.ones([1, 4, 4, 2]), [2, 2], "SUM"),
    "pool_same_dilated": lambda tf: tf.nn.pool(
        tf.ones([1, 7, 7, 1]), [2, 2], "AVG", padding="SAME", dilations=[2, 2]
    ),
    "pool_strides_dilated": lambda tf: tf.nn.pool(
        tf.ones([1, 7, 7, 1]), [2, 2], "MAX", strides=[2, 2], dilations=[2, 2]
    ),
    "pool_window_length": lambda tf: tf.nn.pool(tf.ones([1, 7, 7, 1]), [2, 2, 2, 2], "MAX"),
    "avg_pool_int32": lambda tf: tf.nn.avg_pool(tf.ones([1, 4, 4, 2], tf.int32), 2, 2, "VALID"),
    "max_pool3d_int32": lambda tf: tf.nn.max_pool3d(
        tf.ones([1, 4, 4, 4, 2], tf.int32), 2, 2, "VALID"
    ),
    "depth_to_space_block_1": lambda tf: tf.nn.depth_to_space(tf.ones([1, 4, 4, 8]), 1),
    "depth_to_space_not_divisible": lambda tf: tf.nn.depth_to_space(tf.ones([1, 4, 4, 8]), 3),
    "depth_to_space_rank": lambda tf: tf.nn.depth_to_space(tf.ones([4, 4, 8]), 2),
    "space_to_depth_not_divisible": lambda tf: tf.nn.space_to_depth(tf.ones([1, 5, 4, 2]), 2),
    "space_to_depth_block_1": lambda tf: tf.nn.space_to_depth(tf.ones([1, 4, 4, 8]), 1),
    "depthwise_channels_mismatch": lambda tf: tf.nn.depthwise_conv2d(
        tf.ones([1, 4, 4, 8]), tf.ones([3, 3, 7, 2]), [1, 1, 1, 1], "SAME"
    ),
    "conv_channels_mismatch": lambda tf: tf.nn.convolution(
        tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 2, 1])
    ),
}
# Raised by TF's oneDNN kernels with oneDNN's own text; the class is compared.
CLASS_ONLY: set[str] = set()

INT_CASES: dict[str, Callable[[Any], Any]] = {
    "conv2d_int32": lambda tf: tf.nn.conv2d(
        tf.reshape(tf.range(75), [1, 5, 5, 3]), tf.ones([3, 3, 3, 2], tf.int32), 1, "VALID"
    ),
    "space_to_depth_int32": lambda tf: tf.nn.space_to_depth(
        tf.reshape(tf.range(32), [1, 4, 4, 2]), 2
    ),
    "max_pool_int32": lambda tf: tf.nn.max_pool(
        tf.reshape(tf.range(32), [1, 4, 4, 2]), 2, 2, "VALID"
    ),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_values_and_gradients_equal_tensorflow(real_tf: Any, case: str) -> None:
    import tfcompat

    want = GRAD_CASES[case](real_tf)
    got = GRAD_CASES[case](tfcompat)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert (g.shape, g.dtype.name) == (w.shape, w.dtype.name)
        # Sums of products: float32 rounding differs between XLA's and oneDNN's kernels.
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_errors_equal_tensorflow(run_both: Any, case: str) -> None:
    run_both(ERROR_CASES[case], message=case not in CLASS_ONLY)


@pytest.mark.parametrize("case", sorted(INT_CASES))
def test_integer_inputs_equal_tensorflow(run_both: Any, case: str) -> None:
    run_both(INT_CASES[case])


def test_conv2d_in_a_function_compiles_once_per_shape() -> None:
    import tfcompat as tf

    f = tf.function(lambda x, w: tf.nn.conv2d(x, w, 1, "SAME"))
    w = tf.ones([3, 3, 3, 2])
    first = f(tf.constant(X4), w).numpy()
    before = tf.experimental.compile_stats()["compiles"]
    np.testing.assert_allclose(f(tf.constant(X4 * 2), w).numpy(), first * 2, rtol=1e-5)
    assert tf.experimental.compile_stats()["compiles"] == before

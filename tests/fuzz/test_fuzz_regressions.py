"""The divergences from TF that fuzzing found and tfcompat fixed, pinned as plain cases.

Each snippet runs in TF 2.21 and tfcompat and must agree (values, NaN positions,
dtypes, shapes, exception classes); docs/reliability.md lists them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from test_fuzz_vs_tf import mismatch
from tfcompare import capture

import tfcompat


def _grad(op: Callable[[Any, Any], Any], values: list[float], dtype: str = "float32") -> Any:
    def snippet(tf: Any) -> Any:
        x = tf.constant(values, getattr(tf, dtype))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = op(tf, x)
        return y, tape.gradient(y, x)

    return snippet


FIXED: dict[str, Callable[[Any], Any]] = {
    "rsqrt-grad-at-minus-zero": _grad(lambda tf, x: tf.math.rsqrt(x), [-0.0, 0.0, 4.0]),
    "elu-grad-at-nan": _grad(lambda tf, x: tf.nn.elu(x), [np.nan, -1.0, 0.0, 2.0]),
    "elu-exp-minus-one-in-bfloat16": lambda tf: tf.nn.elu(
        tf.cast(tf.constant([-0.042236328125, -4.0, -1e-30, 1.0]), tf.bfloat16)
    ),
    "selu-grad-at-tiny-negative": _grad(
        lambda tf, x: tf.nn.selu(x), [-1.2e-120, -0.0, -1.0, 2.0], "float64"
    ),
    "acosh-grad-outside-domain": _grad(
        lambda tf, x: tf.math.acosh(x), [-5.0, 0.5, 2.5, -np.inf, np.inf]
    ),
    "reduce-max-grad-nan-slice": _grad(
        lambda tf, x: tf.reduce_max(tf.reshape(x, [2, 3]), axis=1),
        [1.0, np.nan, 2.0, 3.0, 3.0, 1.0],
    ),
    "reduce-min-grad-nan-slice": _grad(
        lambda tf, x: tf.reduce_min(tf.reshape(x, [2, 3]), axis=1),
        [np.nan, 1.0, 2.0, 0.0, 5.0, 0.0],
    ),
    "reduce-max-empty": lambda tf: [
        tf.reduce_max(tf.zeros([0, 2]), axis=0),
        tf.reduce_max(tf.constant([], tf.int32)),
        tf.reduce_min(tf.constant(np.zeros(0, np.uint8))),
    ],
    "complex-expm1-past-overflow": lambda tf: tf.math.expm1(
        tf.constant([89 + 0j, -100 + 2j, np.inf, complex(np.nan, 0), 0.5 - 0.25j], tf.complex64)
    ),
    "floordiv-inf-and-signed-zero": lambda tf: tf.math.floordiv(
        tf.constant([np.inf, -np.inf, -1.0, 1.0, 7.0]),
        tf.constant([1.0, 2.5, np.inf, -np.inf, 2.0]),
    ),
    "integer-mean-accumulates-wide": lambda tf: [
        tf.reduce_mean(tf.constant(np.array([200, 100, 60], np.uint8))),
        tf.reduce_mean(tf.constant(np.array([100, 100, 100], np.int8))),
        tf.reduce_mean(tf.constant([2**30, 2**30, 2**30])),
    ],
    "argmax-argmin-skip-nan": lambda tf: [
        f(
            tf.constant([[1.0, np.nan, -3.0], [np.nan, np.nan, np.nan], [np.inf, np.nan, 3.0]]),
            axis=1,
        )
        for f in (tf.math.argmax, tf.math.argmin)
    ],
}


@pytest.mark.parametrize("case", sorted(FIXED))
def test_fixed_divergence_stays_fixed(real_tf: Any, case: str) -> None:
    snippet = FIXED[case]
    why = mismatch(capture(snippet, real_tf), capture(snippet, tfcompat))
    assert why is None, f"{case}: {why}"

"""`tf.bitwise` and `tf.bitcast` against TensorFlow 2.21."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

CASES: dict[str, Callable[[Any], Any]] = {
    "and": lambda tf: tf.bitwise.bitwise_and(tf.constant([12, -3, 7]), tf.constant([10, 5, -1])),
    "or_uint8": lambda tf: tf.bitwise.bitwise_or(
        tf.constant([1, 2, 255], tf.uint8), tf.constant([4, 2, 1], tf.uint8)
    ),
    "xor_int64": lambda tf: tf.bitwise.bitwise_xor(
        tf.constant([5, -9], tf.int64), tf.constant([3, 3], tf.int64)
    ),
    "invert": lambda tf: tf.bitwise.invert(tf.constant([0, 1, -2], tf.int16)),
    "left_shift": lambda tf: tf.bitwise.left_shift(
        tf.constant([1, 3, -1]), tf.constant([2, 31, 1])
    ),
    "left_shift_past_width": lambda tf: tf.bitwise.left_shift(tf.constant([1, 2]), 33),
    "right_shift_signed": lambda tf: tf.bitwise.right_shift(tf.constant([-16, 16]), 2),
    "right_shift_past_width": lambda tf: tf.bitwise.right_shift(tf.constant([-16, 16]), 40),
    "float_rejected": lambda tf: tf.bitwise.bitwise_and(tf.constant(1.0), tf.constant(2.0)),
    "bitcast_same_size": lambda tf: tf.bitcast(tf.constant([1.0, -2.0, 0.5]), tf.int32),
    "bitcast_narrower": lambda tf: tf.bitcast(tf.constant([1, 2], tf.int64), tf.int32),
    "bitcast_wider": lambda tf: tf.bitcast(tf.constant([[1, 0], [2, 0]], tf.int32), tf.int64),
    "bitcast_wider_bad_last_dim": lambda tf: tf.bitcast(tf.constant([1.0, 2.0, 3.0]), tf.float64),
    "bitcast_bool_rejected": lambda tf: tf.bitcast(tf.constant(1.0), tf.bool),
    "bitcast_sign_bit": lambda tf: tf.less(
        tf.bitwise.bitwise_and(
            tf.bitcast(tf.constant([-0.0, 0.0, -3.0, np.inf]), tf.int32),
            tf.constant(tf.int32.min, dtype=tf.int32),
        ),
        0,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name: str, run_both: Any) -> None:
    run_both(CASES[name])


def test_bitcast_in_function_and_bitwise_in_function() -> None:
    import tfcompat as tf

    @tf.function
    def sign_bit(x: Any) -> Any:
        return tf.bitwise.bitwise_and(tf.bitcast(x, tf.int32), tf.constant(-(2**31))) < 0

    assert sign_bit(tf.constant([-1.0, 2.0])).numpy().tolist() == [True, False]

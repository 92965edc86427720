"""`tf.debugging`: re-exports only."""

from tfcompat._api.debugging_ops import (
    assert_equal,
    assert_greater,
    assert_greater_equal,
    assert_less,
    assert_less_equal,
    assert_near,
    assert_negative,
    assert_non_negative,
    assert_non_positive,
    assert_positive,
    assert_rank,
    assert_shapes,
    check_numerics,
    disable_check_numerics,
    enable_check_numerics,
)

__all__ = [
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_less",
    "assert_less_equal",
    "assert_near",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_positive",
    "assert_rank",
    "assert_shapes",
    "check_numerics",
    "disable_check_numerics",
    "enable_check_numerics",
]

"""`tf.experimental.Optional` and `Iterator.get_next_as_optional` against TF 2.21."""

from __future__ import annotations

from typing import Any

import pytest


def _program(tf: Any) -> Any:
    it = iter(tf.data.Dataset.from_tensor_slices([1.0, 2.0]))
    first = it.get_next_as_optional()
    it.get_next()
    last = it.get_next_as_optional()
    value = tf.experimental.Optional.from_value({"a": tf.constant([1, 2])})
    return (
        first.has_value(),
        first.get_value(),
        last.has_value(),
        value.get_value(),
        value.element_spec,
        type(value).__name__,
    )


def test_optional_matches_tensorflow(run_both: Any) -> None:
    run_both(_program)


def test_empty_optional_raises_tfs_error(run_both: Any) -> None:
    run_both(lambda tf: tf.experimental.Optional.empty(tf.TensorSpec([], tf.int32)).get_value())


def test_isinstance(real_tf: Any) -> None:
    import tfcompat

    o = tfcompat.experimental.Optional.from_value(tfcompat.constant(1))
    assert isinstance(o, tfcompat.experimental.Optional)
    with pytest.raises(AttributeError):
        _ = o.no_such_attribute

"""`tf.IndexedSlices` as a composite tensor, and `tf.IndexedSlicesSpec`, against TF 2.21."""

from __future__ import annotations

from typing import Any

import pytest

import tfcompat


def _g(tf: Any) -> Any:
    return tf.IndexedSlices(
        tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([0, 2]), tf.constant([3, 2])
    )


CASES = {
    "type_names": lambda tf: (type(_g(tf)).__name__, type(_g(tf)).__module__),
    "repr_prefix": lambda tf: repr(_g(tf)).split(" object at")[0],
    "convert": lambda tf: tf.convert_to_tensor(_g(tf)),
    "spec": lambda tf: (repr(tf.IndexedSlicesSpec([3, 2], tf.float32)), repr(_g(tf)._type_spec)),
    "add_dense": lambda tf: tf.add(_g(tf), 1.0),
    "multiply_dense": lambda tf: tf.multiply(_g(tf), 2.0),
    "reduce_sum": lambda tf: tf.reduce_sum(_g(tf)),
    "negate": lambda tf: (-_g(tf)).values,
    "mul_operator": lambda tf: _g(tf) * 2,
    "add_operator": lambda tf: _g(tf) + _g(tf),
    "shape_dtype": lambda tf: (_g(tf).shape, _g(tf).dtype),
    "nest_expand": lambda tf: tf.nest.flatten([_g(tf)], expand_composites=True),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_tf(run_both: Any, case: str) -> None:
    run_both(CASES[case])


def test_indexed_slices_through_function() -> None:
    tf = tfcompat

    @tf.function
    def f(g: Any) -> Any:
        return tf.IndexedSlices(g.values * 2.0, g.indices, g.dense_shape)

    out = f(_g(tf))
    assert isinstance(out, tf.IndexedSlices)
    assert tf.convert_to_tensor(out).numpy().tolist() == [[2.0, 4.0], [0.0, 0.0], [6.0, 8.0]]

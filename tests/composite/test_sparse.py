"""`tf.SparseTensor` and `tf.sparse` against TensorFlow 2.21."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat


def _sp(tf: Any) -> Any:
    return tf.sparse.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])


def _sp2(tf: Any) -> Any:
    return tf.SparseTensor([[0, 0], [2, 2]], [5.0, -1.0], [3, 4])


CASES = {
    "repr": lambda tf: repr(_sp(tf)),
    "str": lambda tf: str(_sp(tf)),
    "components": lambda tf: (_sp(tf).indices, _sp(tf).values, _sp(tf).dense_shape),
    "shape_dtype": lambda tf: (_sp(tf).shape, _sp(tf).dtype, _sp(tf).get_shape()),
    "type_names": lambda tf: (type(_sp(tf)).__name__, type(_sp(tf)).__module__),
    "spec": lambda tf: (repr(tf.SparseTensorSpec([3, 4], tf.float32)), repr(_sp(tf)._type_spec)),
    "spec_eq": lambda tf: (
        tf.SparseTensorSpec([3, 4], tf.float32) == tf.SparseTensorSpec.from_value(_sp(tf))
    ),
    "to_dense": lambda tf: tf.sparse.to_dense(_sp(tf)),
    "to_dense_default": lambda tf: tf.sparse.to_dense(_sp(tf), default_value=-1.0),
    "from_dense": lambda tf: tf.sparse.from_dense([[0, 1], [2, 0]]),
    "from_dense_float": lambda tf: tf.sparse.from_dense(tf.constant([[0.0, 1.5, 0.0]])),
    "reorder": lambda tf: tf.sparse.reorder(tf.SparseTensor([[1, 0], [0, 0]], [1.0, 2.0], [2, 2])),
    "reshape": lambda tf: tf.sparse.reshape(_sp(tf), [4, 3]),
    "reshape_minus_one": lambda tf: tf.sparse.reshape(_sp(tf), [2, -1]),
    "add_sparse": lambda tf: tf.sparse.add(_sp(tf), _sp2(tf)),
    "add_self": lambda tf: tf.sparse.add(_sp(tf), _sp(tf)),
    "add_threshold": lambda tf: tf.sparse.add(
        _sp(tf), tf.SparseTensor([[0, 0], [2, 2]], [-1.0, -1.0], [3, 4]), threshold=0.5
    ),
    "add_dense": lambda tf: tf.sparse.add(_sp(tf), tf.ones([3, 4])),
    "concat": lambda tf: tf.sparse.concat(1, [_sp(tf), _sp2(tf)]),
    "concat_axis0": lambda tf: tf.sparse.concat(0, [_sp(tf), _sp2(tf)]),
    "slice": lambda tf: tf.sparse.slice(_sp(tf), [0, 1], [2, 3]),
    "retain": lambda tf: tf.sparse.retain(_sp(tf), [False, True]),
    "reduce_sum_all": lambda tf: tf.sparse.reduce_sum(_sp(tf)),
    "reduce_sum_axis0": lambda tf: tf.sparse.reduce_sum(_sp(tf), axis=0),
    "reduce_sum_keepdims": lambda tf: tf.sparse.reduce_sum(_sp(tf), axis=1, keepdims=True),
    "reduce_sum_sparse": lambda tf: tf.sparse.reduce_sum(_sp(tf), axis=1, output_is_sparse=True),
    "reduce_max_axis1": lambda tf: tf.sparse.reduce_max(_sp(tf), axis=1),
    "reduce_max_all": lambda tf: tf.sparse.reduce_max(_sp(tf)),
    "reduce_max_negative": lambda tf: tf.sparse.reduce_max(
        tf.SparseTensor([[0, 0]], [-3.0], [2, 2]), axis=1
    ),
    "matmul": lambda tf: tf.sparse.sparse_dense_matmul(_sp(tf), tf.ones([4, 2])),
    "matmul_adjoint_a": lambda tf: tf.sparse.sparse_dense_matmul(
        _sp(tf), tf.reshape(tf.range(6.0), [3, 2]), adjoint_a=True
    ),
    "matmul_adjoint_b": lambda tf: tf.sparse.sparse_dense_matmul(
        _sp(tf), tf.reshape(tf.range(8.0), [2, 4]), adjoint_b=True
    ),
    "maximum": lambda tf: tf.sparse.maximum(_sp(tf), _sp2(tf)),
    "minimum": lambda tf: tf.sparse.minimum(_sp(tf), _sp2(tf)),
    "to_indicator": lambda tf: tf.sparse.to_indicator(
        tf.SparseTensor([[0, 0], [0, 1], [1, 0]], [1, 3, 0], [2, 2]), 4
    ),
    "fill_empty_rows": lambda tf: tf.sparse.fill_empty_rows(_sp(tf), -1.0),
    "expand_dims": lambda tf: tf.sparse.expand_dims(_sp(tf), 0),
    "expand_dims_last": lambda tf: tf.sparse.expand_dims(_sp(tf), -1),
    "transpose": lambda tf: tf.sparse.transpose(_sp(tf)),
    "split": lambda tf: tf.sparse.split(sp_input=_sp(tf), num_split=2, axis=1),
    "segment_sum": lambda tf: tf.sparse.segment_sum(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [0, 2], [0, 0]
    ),
    "segment_mean": lambda tf: tf.sparse.segment_mean(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [0, 1, 2], [0, 0, 1]
    ),
    "segment_sqrt_n": lambda tf: tf.sparse.segment_sqrt_n(
        tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), [0, 1, 2], [0, 0, 1]
    ),
    "mask": lambda tf: (lambda s: (s.values, s.indices, s.dense_shape))(
        tf.sparse.mask(
            tf.IndexedSlices(tf.constant([[1.0], [2.0]]), tf.constant([0, 3]), tf.constant([4, 1])),
            [3],
        )
    ),
    "eye": lambda tf: tf.sparse.eye(3),
    "mul_dense": lambda tf: _sp(tf) * tf.reshape(tf.range(12.0), [3, 4]),
    "mul_scalar": lambda tf: _sp(tf) * 2.0,
    "rmul_dense": lambda tf: tf.ones([3, 4]) * _sp(tf),
    "div_dense": lambda tf: _sp(tf) / tf.fill([3, 4], 2.0),
    "with_values": lambda tf: _sp(tf).with_values([7.0, 8.0]),
    "int_values": lambda tf: tf.SparseTensor([[0], [3]], [1, 2], [5]),
}

ERRORS = {
    "to_dense_unsorted": lambda tf: tf.sparse.to_dense(
        tf.SparseTensor([[1, 0], [0, 0]], [1.0, 2.0], [2, 2])
    ),
    "to_dense_out_of_bounds": lambda tf: tf.sparse.to_dense(
        tf.SparseTensor([[5, 0]], [1.0], [2, 2])
    ),
    "to_dense_repeated": lambda tf: tf.sparse.to_dense(
        tf.SparseTensor([[0, 0], [0, 0]], [1.0, 2.0], [2, 2])
    ),
    "mismatched_values": lambda tf: tf.SparseTensor([[0, 0]], [1.0, 2.0], [2, 2]),
    "add_dense_operator": lambda tf: _sp(tf) + tf.ones([3, 4]),
    "add_sparse_operator": lambda tf: _sp(tf) + _sp(tf),
    "negate": lambda tf: -_sp(tf),
    "convert": lambda tf: tf.convert_to_tensor(_sp(tf)),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_tf(run_both: Any, case: str) -> None:
    run_both(CASES[case])


@pytest.mark.parametrize("case", list(ERRORS), ids=list(ERRORS))
def test_errors_match_tf(run_both: Any, case: str) -> None:
    run_both(ERRORS[case])


def test_gradients_wrt_values(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        values = tf.Variable([1.0, 2.0, 3.0])
        dense = tf.Variable(np.arange(8.0, dtype=np.float32).reshape(4, 2))
        with tf.GradientTape(persistent=True) as tape:
            sp = tf.SparseTensor([[0, 1], [1, 0], [2, 3]], values, [3, 4])
            y1 = tf.reduce_sum(tf.sparse.sparse_dense_matmul(sp, dense) ** 2)
            y2 = tf.reduce_sum(tf.sparse.to_dense(sp) * tf.reshape(tf.range(12.0), [3, 4]))
            y3 = tf.reduce_sum(tf.sparse.reduce_sum(sp, axis=1) ** 2)
            y4 = tf.reduce_sum((sp * tf.fill([3, 4], 3.0)).values)
            y5 = tf.reduce_sum(tf.sparse.add(sp, tf.ones([3, 4])) ** 2)
        grads = [tape.gradient(y, [values, dense]) for y in (y1, y2, y3, y4, y5)]
        del tape
        return grads

    run_both(fn)


def test_gradient_from_dense(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        x = tf.constant([[0.0, 2.0], [3.0, 0.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            sp = tf.sparse.from_dense(x)
            y = tf.reduce_sum(sp.values**2)
        return tape.gradient(y, x)

    run_both(fn)


def test_sparse_dense_matmul_in_function() -> None:
    tf = tfcompat

    @tf.function
    def f(sp: Any, d: Any) -> Any:
        return tf.sparse.sparse_dense_matmul(sp, d)

    sp = tf.SparseTensor([[0, 1], [1, 0]], [2.0, 3.0], [2, 2])
    d = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(f(sp, d).numpy(), [[6.0, 8.0], [3.0, 6.0]])
    np.testing.assert_array_equal(f(sp, d * 2).numpy(), [[12.0, 16.0], [6.0, 12.0]])
    assert f.experimental_get_tracing_count() == 1


def test_reduce_sum_of_all_values_inside_tf_function(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def total(st: Any) -> Any:
            return tf.sparse.reduce_sum(st), tf.sparse.reduce_sum(st, keepdims=True)

        out = []
        for k in (1, 3):
            st = tf.sparse.SparseTensor([[i, 0] for i in range(k)], [1.5] * k, [4, 2])
            out.append(total(st))
        return out

    run_both(fn)

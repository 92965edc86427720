"""`tf.RaggedTensor` and `tf.ragged` against TensorFlow 2.21."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat


def _rt(tf: Any) -> Any:
    return tf.ragged.constant([[1, 2], [3], []])


def _rt3(tf: Any) -> Any:
    return tf.ragged.constant([[[1, 2], [3]], [[4]]])


def _f(tf: Any) -> Any:
    return tf.ragged.constant([[1.0, 2.0], [3.0], [], [4.0, 5.0, 6.0]])


CASES = {
    "repr": lambda tf: repr(_rt(tf)),
    "str": lambda tf: str(_rt(tf)),
    "repr_float": lambda tf: repr(_f(tf)),
    "repr_nested": lambda tf: repr(_rt3(tf)),
    "repr_stacked": lambda tf: repr(tf.stack([_rt(tf), _rt(tf)], axis=0)),
    "type_names": lambda tf: (type(_rt(tf)).__name__, type(_rt(tf)).__module__),
    "props": lambda tf: (
        _rt(tf).shape,
        _rt(tf).dtype,
        _rt(tf).row_splits.dtype,
        _rt(tf).ragged_rank,
    ),
    "nested_shape": lambda tf: (_rt3(tf).shape, _rt3(tf).ragged_rank),
    "uniform_inner": lambda tf: (
        tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1).shape
    ),
    "spec": lambda tf: (repr(tf.RaggedTensorSpec([3, None], tf.int32)), repr(_rt(tf)._type_spec)),
    "spec_eq": lambda tf: tf.RaggedTensorSpec([3, None], tf.int32) == _rt(tf)._type_spec,
    "empty_constant": lambda tf: (tf.ragged.constant([]).dtype, tf.ragged.constant([[]]).shape),
    "components": lambda tf: (_rt3(tf).values, _rt3(tf).flat_values, _rt3(tf).nested_row_splits),
    "row_info": lambda tf: (
        _rt(tf).row_lengths(),
        _rt(tf).nrows(),
        _rt(tf).value_rowids(),
        _rt(tf).row_starts(),
        _rt(tf).row_limits(),
    ),
    "to_list": lambda tf: _rt3(tf).to_list(),
    "numpy": lambda tf: repr(_rt(tf).numpy()),
    "to_tensor": lambda tf: _rt(tf).to_tensor(),
    "to_tensor_default": lambda tf: _rt(tf).to_tensor(default_value=-1),
    "to_tensor_shape": lambda tf: _f(tf).to_tensor(shape=[2, 2]),
    "to_tensor_nested": lambda tf: _rt3(tf).to_tensor(),
    "to_sparse": lambda tf: _rt(tf).to_sparse(),
    "bounding_shape": lambda tf: (_rt(tf).bounding_shape(), _rt3(tf).bounding_shape()),
    "merge_dims": lambda tf: (_rt(tf).merge_dims(0, 1), _rt3(tf).merge_dims(0, 1)),
    "merge_dims_inner": lambda tf: _rt3(tf).merge_dims(1, 2),
    "from_row_splits": lambda tf: tf.RaggedTensor.from_row_splits([1, 2, 3, 4], [0, 1, 1, 4]),
    "from_row_lengths": lambda tf: tf.RaggedTensor.from_row_lengths([1, 2, 3, 4], [2, 0, 2]),
    "from_value_rowids": lambda tf: tf.RaggedTensor.from_value_rowids(
        [1, 2, 3, 4], [0, 0, 2, 2], nrows=4
    ),
    "from_row_starts": lambda tf: tf.RaggedTensor.from_row_starts([1, 2, 3], [0, 2]),
    "from_row_limits": lambda tf: tf.RaggedTensor.from_row_limits([1, 2, 3], [1, 3]),
    "from_nested_row_lengths": lambda tf: tf.RaggedTensor.from_nested_row_lengths(
        [1, 2, 3, 4], [[2, 1], [1, 0, 3]]
    ),
    "from_nested_row_splits": lambda tf: tf.RaggedTensor.from_nested_row_splits(
        [1, 2, 3, 4], [[0, 2, 3], [0, 1, 1, 4]]
    ),
    "from_tensor": lambda tf: tf.RaggedTensor.from_tensor([[1, 2, 0], [3, 0, 0]]),
    "from_tensor_padding": lambda tf: tf.RaggedTensor.from_tensor(
        [[1, 2, 0], [3, 0, 0]], padding=0
    ),
    "from_tensor_lengths": lambda tf: tf.RaggedTensor.from_tensor(
        [[1, 2, 0], [3, 0, 0]], lengths=[1, 3]
    ),
    "from_sparse": lambda tf: tf.RaggedTensor.from_sparse(
        tf.sparse.SparseTensor([[0, 0], [0, 1], [2, 0]], [1, 2, 3], [3, 5])
    ),
    "range": lambda tf: tf.ragged.range([1, 3], [4, 5]),
    "range_single": lambda tf: tf.ragged.range([3, 0, 2]),
    "range_deltas": lambda tf: tf.ragged.range(0, [5, 8], 2),
    "index_row": lambda tf: (_rt(tf)[0], _rt(tf)[-2], _rt3(tf)[0]),
    "index_scalar": lambda tf: _rt(tf)[0, 1],
    "slice_rows": lambda tf: (_rt(tf)[1:], _rt(tf)[::2], _rt3(tf)[:1]),
    "slice_inner": lambda tf: _f(tf)[:, 1:],
    "add_scalar": lambda tf: _rt(tf) + 1,
    "mul_self": lambda tf: _rt(tf) * _rt(tf),
    "radd": lambda tf: 10 - _rt(tf),
    "neg": lambda tf: -_f(tf),
    "compare": lambda tf: _rt(tf) > 1,
    "math_exp": lambda tf: tf.exp(_f(tf)),
    "math_add": lambda tf: tf.add(_f(tf), 1.0),
    "math_multiply": lambda tf: tf.math.multiply(_f(tf), _f(tf)),
    "math_square": lambda tf: tf.math.square(_f(tf)),
    "cast": lambda tf: tf.cast(_rt(tf), tf.float32),
    "ones_like": lambda tf: tf.ones_like(_rt(tf)),
    "map_flat_values": lambda tf: tf.ragged.map_flat_values(tf.ones_like, _rt(tf)),
    "map_flat_values_two": lambda tf: tf.ragged.map_flat_values(tf.add, _rt(tf), _rt(tf)),
    "reduce_sum_axis1": lambda tf: tf.reduce_sum(_rt(tf), axis=1),
    "reduce_sum_axis0": lambda tf: tf.reduce_sum(_rt(tf), axis=0),
    "reduce_sum_all": lambda tf: tf.reduce_sum(_rt(tf)),
    "reduce_max_axis1": lambda tf: tf.reduce_max(_rt(tf), axis=1),
    "reduce_min_axis0": lambda tf: tf.reduce_min(_f(tf), axis=0),
    "reduce_mean_axis1": lambda tf: tf.reduce_mean(_f(tf), axis=1),
    "reduce_mean_axis0": lambda tf: tf.reduce_mean(_f(tf), axis=0),
    "reduce_prod": lambda tf: tf.math.reduce_prod(_f(tf), axis=1),
    "reduce_keepdims": lambda tf: tf.reduce_sum(_f(tf), axis=1, keepdims=True),
    "reduce_any": lambda tf: tf.reduce_any(_rt(tf) > 2, axis=1),
    "reduce_nested_inner": lambda tf: tf.reduce_sum(_rt3(tf), axis=2),
    "concat_axis0": lambda tf: tf.concat([_rt(tf), _rt(tf)], axis=0),
    "concat_axis1": lambda tf: tf.concat([_rt(tf), _rt(tf)], axis=1),
    "stack_axis0": lambda tf: tf.stack([_rt(tf), _rt(tf)], axis=0),
    "stack_axis1": lambda tf: tf.stack([_rt(tf), _rt(tf)], axis=1),
    "ragged_stack_dense": lambda tf: tf.ragged.stack([tf.constant([1, 2]), tf.constant([3, 4])]),
    "gather": lambda tf: tf.gather(_rt(tf), [2, 0]),
    "gather_nested": lambda tf: tf.gather(_rt3(tf), [1, 1, 0]),
    "segment_ids": lambda tf: (
        tf.ragged.row_splits_to_segment_ids([0, 2, 2, 5]),
        tf.ragged.segment_ids_to_row_splits([0, 0, 2]),
    ),
    "with_row_splits_dtype": lambda tf: _rt(tf).with_row_splits_dtype(tf.int32).row_splits,
}

ERRORS = {
    "splits_not_monotonic": lambda tf: tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2, 1]),
    "splits_not_zero": lambda tf: tf.RaggedTensor.from_row_splits([1, 2, 3], [1, 2, 3]),
    "row_out_of_bounds": lambda tf: _rt(tf)[5],
    "mismatched_partitions": lambda tf: _rt(tf) + tf.ragged.constant([[1], [2], [3]]),
    "bad_row_lengths": lambda tf: tf.RaggedTensor.from_row_lengths([1, 2, 3], [1, 1]),
    "inner_index": lambda tf: _rt(tf)[:, 1],
    "mixed_depth": lambda tf: tf.ragged.constant([[1, [2]]]),
    "private_constructor": lambda tf: tf.RaggedTensor([1], [0, 1]),
}


def test_convert_to_tensor_raises_value_error(run_both: Any) -> None:
    # TF's message comes from its sequence converter ("object of type 'RaggedTensor' has
    # no len()"); tfcompat's names the unsupported type. The class is the same.
    run_both(lambda tf: tf.convert_to_tensor(_rt(tf)), message=False)


def _norm(x: Any) -> Any:
    """A RaggedTensor as what identifies it: repr (values), dtype, static shape, splits."""
    if type(x).__name__ == "RaggedTensor":
        return ("RaggedTensor", repr(x), x.dtype, x.shape, x.nested_row_splits, x.flat_values)
    if isinstance(x, (list, tuple)):
        return type(x)(_norm(i) for i in x)
    return x


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_matches_tf(run_both: Any, case: str) -> None:
    run_both(lambda tf: _norm(CASES[case](tf)))


@pytest.mark.parametrize("case", list(ERRORS), ids=list(ERRORS))
def test_errors_match_tf(run_both: Any, case: str) -> None:
    run_both(ERRORS[case])


def test_gradients_through_flat_values(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v = tf.Variable([1.0, 2.0, 3.0, 4.0, 5.0])
        with tf.GradientTape(persistent=True) as tape:
            rt = tf.RaggedTensor.from_row_lengths(v, [2, 0, 3])
            y1 = tf.reduce_sum(tf.reduce_sum(rt * rt, axis=1) ** 2)
            y2 = tf.reduce_sum(rt.to_tensor() * tf.reshape(tf.range(9.0), [3, 3]))
            y3 = tf.reduce_sum(tf.reduce_max(rt, axis=1) * tf.constant([1.0, 0.0, 2.0]))
            y4 = tf.reduce_sum(tf.ragged.map_flat_values(tf.exp, rt).flat_values)
            y5 = tf.reduce_sum(tf.reduce_mean(tf.gather(rt, [2, 0, 2]), axis=0))
        grads = [tape.gradient(y, v) for y in (y1, y2, y3, y4, y5)]
        del tape
        return grads

    run_both(fn, rtol=1e-6)


def test_gradient_from_tensor(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        x = tf.constant([[1.0, 2.0, 0.0], [3.0, 0.0, 0.0]])
        with tf.GradientTape() as tape:
            tape.watch(x)
            rt = tf.RaggedTensor.from_tensor(x, lengths=[2, 1])
            y = tf.reduce_sum(rt.flat_values**2)
        return tape.gradient(y, x)

    run_both(fn)


def test_ragged_as_function_argument() -> None:
    tf = tfcompat

    @tf.function
    def f(rt: Any) -> Any:
        return tf.ragged.map_flat_values(tf.square, rt)

    out = f(tf.ragged.constant([[1.0, 2.0], [3.0]]))
    assert out.to_list() == [[1.0, 4.0], [9.0]]
    f(tf.ragged.constant([[5.0, 6.0], [7.0]]))
    assert f.experimental_get_tracing_count() == 1


def test_ragged_is_pytree() -> None:
    import jax

    rt = tfcompat.ragged.constant([[1, 2], [3]])
    leaves, treedef = jax.tree_util.tree_flatten(rt)
    assert len(leaves) == 2
    back = jax.tree_util.tree_unflatten(treedef, leaves)
    assert back.to_list() == [[1, 2], [3]]


def test_numpy_of_uniform_rows() -> None:
    rt = tfcompat.ragged.constant([[1, 2], [3, 4]])
    np.testing.assert_array_equal(rt.numpy(), [[1, 2], [3, 4]])


def _nested_reductions(tf: Any) -> Any:
    rts = [
        tf.ragged.constant([[[1, 2], [3]], [], [[4, 5, 6], [7], []]]),
        tf.ragged.constant([[[[1], [2, 3]], [[4]]], [[[5, 6]], []]]),
        tf.ragged.constant([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0]]], ragged_rank=1),
    ]
    out = []
    for rt in rts:
        for ax in [None, 0, 1, 2, -1]:
            for f in [tf.reduce_sum, tf.reduce_max, tf.reduce_mean, tf.reduce_min]:
                out.append(repr(f(rt, axis=ax)))
        out.append(repr(tf.reduce_any(rt > 2, axis=0)))
        out.append(repr(tf.reduce_all(rt > 2, axis=1)))
    return out


def test_reductions_of_ragged_rank_above_one(run_both: Any) -> None:
    run_both(_nested_reductions)


def test_reduction_axis_out_of_bounds(run_both: Any) -> None:
    run_both(lambda tf: tf.reduce_sum(tf.ragged.constant([[1, 2], [3]]), axis=2), message=False)


def test_nested_reduction_gradient(real_tf: Any) -> None:
    def grad(tf: Any) -> Any:
        flat = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
        with tf.GradientTape() as tape:
            tape.watch(flat)
            rt = tf.RaggedTensor.from_nested_row_lengths(flat, [[2, 0, 3], [2, 1, 3, 1, 0]])
            y = tf.reduce_sum(tf.reduce_max(rt, axis=0) * tf.reduce_mean(rt, axis=1).flat_values[0])
        return tape.gradient(y, flat).numpy()

    np.testing.assert_allclose(grad(tfcompat), grad(real_tf), rtol=1e-6)

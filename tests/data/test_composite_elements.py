"""tf.RaggedTensor and tf.SparseTensor as tf.data element components, against TF 2.21:
element specs, element values and reprs, batching, unbatching, ragged_batch,
sparse_batch, map and filter over composite elements, as_numpy_iterator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.tf


def _view(ds: Any) -> Any:
    """What is compared: the element spec and each element's repr."""
    return [repr(ds.element_spec), [repr(e) for e in ds]]


def _rt(tf: Any) -> Any:
    return tf.ragged.constant([[1, 2], [3], [4, 5, 6], []])


def _st(tf: Any) -> Any:
    return tf.sparse.SparseTensor([[0, 0], [1, 2], [2, 1]], [1.0, 2.0, 3.0], [3, 3])


CASES: dict[str, Callable[[Any], Any]] = {
    "slices_ragged": lambda tf: tf.data.Dataset.from_tensor_slices(_rt(tf)),
    "slices_ragged_batch": lambda tf: tf.data.Dataset.from_tensor_slices(_rt(tf)).batch(3),
    "slices_ragged_batch_drop": lambda tf: tf.data.Dataset.from_tensor_slices(_rt(tf)).batch(
        2, drop_remainder=True
    ),
    "ragged_unbatch": lambda tf: tf.data.Dataset.from_tensor_slices(_rt(tf)).batch(3).unbatch(),
    "ragged_rank2_slices": lambda tf: tf.data.Dataset.from_tensor_slices(
        tf.ragged.constant([[[1], [2, 3]], [], [[4]]])
    ),
    "ragged_rank2_batch_unbatch": lambda tf: (
        tf.data.Dataset.from_tensor_slices(tf.ragged.constant([[[1], [2, 3]], [], [[4]]]))
        .batch(2)
        .unbatch()
    ),
    "from_tensors_ragged": lambda tf: tf.data.Dataset.from_tensors(_rt(tf)),
    "tuple_with_ragged": lambda tf: tf.data.Dataset.from_tensor_slices(
        (_rt(tf), tf.constant([1, 2, 3, 4]))
    ).batch(2),
    "dict_with_ragged": lambda tf: (
        tf.data.Dataset.from_tensor_slices({"r": _rt(tf), "x": tf.constant([1.0, 2.0, 3.0, 4.0])})
        .shuffle(4, seed=1, reshuffle_each_iteration=False)
        .take(4)
        .map(lambda d: d["x"])
        .batch(4)
        .map(lambda x: tf.sort(x))
    ),
    "map_returns_ragged": lambda tf: tf.data.Dataset.range(4).map(
        lambda x: tf.RaggedTensor.from_row_lengths(tf.range(x), [x])
    ),
    "map_returns_ragged_batched": lambda tf: (
        tf.data.Dataset.range(4)
        .map(lambda x: tf.RaggedTensor.from_row_lengths(tf.range(x), [x]))
        .batch(2)
    ),
    "map_over_ragged_batch": lambda tf: (
        tf.data.Dataset.from_tensor_slices(_rt(tf)).batch(2).map(lambda r: r * 2)
    ),
    "filter_ragged_rows": lambda tf: tf.data.Dataset.from_tensor_slices(_rt(tf)).filter(
        lambda x: tf.size(x) > 1
    ),
    "strings_split_in_map": lambda tf: (
        tf.data.Dataset.from_tensor_slices(["a b", "c", "d e f"])
        .map(lambda s: tf.strings.split(s))
        .ragged_batch(2)
    ),
    "strings_split_after_batch": lambda tf: (
        tf.data.Dataset.from_tensor_slices(["a b", "c", "d e f"])
        .batch(2)
        .map(lambda s: tf.strings.split(s))
    ),
    "ragged_batch_dense": lambda tf: tf.data.Dataset.from_tensor_slices(
        tf.constant([[1, 2], [3, 4], [5, 6]])
    ).ragged_batch(2),
    "ragged_batch_varying": lambda tf: (
        tf.data.Dataset.range(1, 5).map(lambda x: tf.range(x)).ragged_batch(3)
    ),
    "ragged_batch_int32_splits": lambda tf: (
        tf.data.Dataset.range(1, 4)
        .map(lambda x: tf.range(x))
        .ragged_batch(2, row_splits_dtype=tf.int32)
    ),
    "slices_sparse": lambda tf: tf.data.Dataset.from_tensor_slices(_st(tf)),
    "sparse_batch_of_slices": lambda tf: tf.data.Dataset.from_tensor_slices(_st(tf)).batch(2),
    "sparse_unbatch": lambda tf: tf.data.Dataset.from_tensor_slices(_st(tf)).batch(2).unbatch(),
    "map_returns_sparse": lambda tf: (
        tf.data.Dataset.range(3).map(lambda x: tf.sparse.SparseTensor([[0]], [x], [3])).batch(2)
    ),
    "sparse_batch": lambda tf: (
        tf.data.Dataset.range(1, 4).map(lambda x: tf.range(x)).sparse_batch(2, [5])
    ),
    "from_tensors_sparse": lambda tf: tf.data.Dataset.from_tensors(_st(tf)),
}


@pytest.mark.parametrize("name", list(CASES))
def test_composite_elements(name: str, run_both: Any) -> None:
    run_both(lambda tf: _view(CASES[name](tf)))


def test_cardinality_and_numpy(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ds = tf.data.Dataset.from_tensor_slices(_rt(tf))
        return [
            int(ds.cardinality()),
            [repr(x) for x in ds.as_numpy_iterator()],
            [repr(x) for x in ds.batch(2).as_numpy_iterator()],
            [repr(x) for x in tf.data.Dataset.from_tensors(_st(tf)).as_numpy_iterator()],
        ]

    run_both(fn)


def test_padded_batch_of_ragged_raises(run_both: Any) -> None:
    run_both(lambda tf: tf.data.Dataset.from_tensor_slices(_rt(tf)).padded_batch(2))


def test_mismatched_slices(run_both: Any) -> None:
    run_both(
        lambda tf: tf.data.Dataset.from_tensor_slices((_rt(tf), tf.constant([1, 2]))),
    )

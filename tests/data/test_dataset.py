"""tf.data.Dataset against TensorFlow 2.21: elements (values, dtypes, shapes, order),
reprs, element_spec, cardinality and TF's exceptions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat

X = np.arange(12, dtype=np.float32).reshape(6, 2)
Y = np.arange(6, dtype=np.int64)


def elements(ds: Any) -> list[Any]:
    """Every element, plus the dataset's repr, element_spec and cardinality."""
    return [repr(ds), ds.element_spec, ds.cardinality(), list(ds)]


def numpy_elements(ds: Any) -> list[Any]:
    return list(ds.as_numpy_iterator())


# -- sources ---------------------------------------------------------------------------

SOURCES = {
    "slices_tuple": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0])),
    "slices_numpy": lambda tf: tf.data.Dataset.from_tensor_slices((X, Y)),
    "slices_float64": lambda tf: tf.data.Dataset.from_tensor_slices(np.linspace(0, 1, 5)),
    "slices_dict": lambda tf: tf.data.Dataset.from_tensor_slices({"b": Y, "a": X}),
    "slices_nested": lambda tf: tf.data.Dataset.from_tensor_slices(({"x": X, "n": (Y, Y * 2)}, Y)),
    "slices_list_is_tensor": lambda tf: tf.data.Dataset.from_tensor_slices([[1, 2], [3, 4]]),
    "slices_tensor": lambda tf: tf.data.Dataset.from_tensor_slices(tf.constant([[1.5], [2.5]])),
    "slices_bool": lambda tf: tf.data.Dataset.from_tensor_slices(np.array([True, False])),
    "slices_strings": lambda tf: tf.data.Dataset.from_tensor_slices(["a", "bc", ""]),
    "slices_empty": lambda tf: tf.data.Dataset.from_tensor_slices(np.zeros((0, 3))),
    "tensors": lambda tf: tf.data.Dataset.from_tensors(([1, 2], {"k": 3.0})),
    "tensors_numpy": lambda tf: tf.data.Dataset.from_tensors(X),
    "tensors_string": lambda tf: tf.data.Dataset.from_tensors(b"abc"),
    "range": lambda tf: tf.data.Dataset.range(5),
    "range_start_stop_step": lambda tf: tf.data.Dataset.range(10, 2, -3),
    "range_int32": lambda tf: tf.data.Dataset.range(1, 4, output_type=tf.int32),
    "range_empty": lambda tf: tf.data.Dataset.range(0),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_sources(run_both: Any, name: str) -> None:
    run_both(lambda tf: elements(SOURCES[name](tf)))


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_as_numpy_iterator(run_both: Any, name: str) -> None:
    run_both(lambda tf: numpy_elements(SOURCES[name](tf)))


def test_zip_and_concatenate(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        a = tf.data.Dataset.range(4)
        b = tf.data.Dataset.from_tensor_slices(X)
        c = tf.data.Dataset.from_tensors({"z": 1.0}).repeat()
        return [
            elements(tf.data.Dataset.zip((a, (b, c)))),
            elements(tf.data.Dataset.zip(a, b)),
            elements(tf.data.Dataset.zip({"a": a, "b": b})),
            elements(a.concatenate(tf.data.Dataset.range(7, 9))),
            elements(b.batch(4).concatenate(b.batch(5, drop_remainder=True))),
        ]

    run_both(fn)


def test_concatenate_incompatible(run_both: Any) -> None:
    run_both(
        lambda tf: tf.data.Dataset.range(3).concatenate(tf.data.Dataset.from_tensors(1.0)),
        message=False,
    )


# -- transformations -------------------------------------------------------------------

PIPELINES = {
    "map": lambda tf, ds: ds.map(lambda x, y: (x * 2.0, y + 1)),
    "map_single": lambda tf, ds: ds.map(lambda x, y: tf.reduce_sum(x)),
    "map_dict": lambda tf, ds: ds.map(lambda x, y: {"sum": tf.reduce_sum(x), "y": y}),
    "map_list_to_tuple": lambda tf, ds: ds.map(lambda x, y: [x, y]),
    "map_constant": lambda tf, ds: ds.map(lambda x, y: (x, 3)),
    "map_parallel": lambda tf, ds: ds.map(
        lambda x, y: (tf.square(x), y), num_parallel_calls=tf.data.AUTOTUNE
    ),
    "map_parallel_3": lambda tf, ds: ds.map(lambda x, y: y * y, num_parallel_calls=3),
    "map_after_batch": lambda tf, ds: ds.batch(4).map(lambda x, y: (tf.reduce_mean(x, 1), y)),
    "map_reshape_batch": lambda tf, ds: ds.batch(4).map(lambda x, y: tf.reshape(x, [-1])),
    "filter": lambda tf, ds: ds.filter(lambda x, y: y % 2 == 0),
    "flat_map": lambda tf, ds: ds.flat_map(lambda x, y: tf.data.Dataset.from_tensor_slices(x)),
    "batch": lambda tf, ds: ds.batch(4),
    "batch_drop": lambda tf, ds: ds.batch(4, drop_remainder=True),
    "batch_batch": lambda tf, ds: ds.batch(2).batch(2),
    "repeat": lambda tf, ds: ds.repeat(2),
    "repeat_take": lambda tf, ds: ds.repeat().take(8),
    "take": lambda tf, ds: ds.take(2),
    "take_all": lambda tf, ds: ds.take(-1),
    "take_more": lambda tf, ds: ds.take(100),
    "skip": lambda tf, ds: ds.skip(4),
    "skip_all": lambda tf, ds: ds.skip(-1),
    "prefetch": lambda tf, ds: ds.prefetch(2),
    "prefetch_autotune": lambda tf, ds: ds.batch(2).prefetch(tf.data.AUTOTUNE),
    "prefetch_zero": lambda tf, ds: ds.prefetch(0),
    "with_options": lambda tf, ds: ds.with_options(tf.data.Options()),
    "chain": lambda tf, ds: (
        ds.map(lambda x, y: (x + 1.0, y))
        .filter(lambda x, y: y > 0)
        .batch(2, drop_remainder=True)
        .repeat(2)
        .prefetch(1)
    ),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_transformations(run_both: Any, name: str) -> None:
    run_both(lambda tf: elements(PIPELINES[name](tf, tf.data.Dataset.from_tensor_slices((X, Y)))))


def test_map_python_if_runs_as_autograph_would(run_both: Any) -> None:
    def f(x: Any) -> Any:
        if x > 2:
            return x * 10
        return -x

    run_both(lambda tf: elements(tf.data.Dataset.range(5).map(f)))


def test_map_on_strings(run_both: Any) -> None:
    run_both(
        lambda tf: elements(
            tf.data.Dataset.from_tensor_slices(["a", "b"]).map(lambda s: (s, tf.constant(1)))
        )
    )


def test_map_tracing_happens_once(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        calls = []

        def f(x: Any) -> Any:
            calls.append(1)
            return x + 1

        ds = tf.data.Dataset.range(6).map(f)
        n_built = len(calls)
        out = numpy_elements(ds) + numpy_elements(ds)
        return [n_built, len(calls), out]

    run_both(fn)


# -- cardinality and len ---------------------------------------------------------------

CARDINALITY = {
    "infinite": lambda tf: tf.data.Dataset.range(3).repeat(),
    "unknown_filter": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0),
    "unknown_flat_map": lambda tf: tf.data.Dataset.range(3).flat_map(
        lambda x: tf.data.Dataset.range(x)
    ),
    "unknown_repeat": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).repeat(2),
    "unknown_repeat_inf": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).repeat(),
    "unknown_take": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).take(2),
    "unknown_take0": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).take(0),
    "unknown_skip": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).skip(1),
    "unknown_batch": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x > 0).batch(2),
    "infinite_take": lambda tf: tf.data.Dataset.range(3).repeat().take(5),
    "infinite_skip": lambda tf: tf.data.Dataset.range(3).repeat().skip(5),
    "infinite_batch": lambda tf: tf.data.Dataset.range(3).repeat().batch(5),
    "empty_repeat": lambda tf: tf.data.Dataset.range(0).repeat(),
    "repeat0": lambda tf: tf.data.Dataset.range(4).repeat(0),
    "zip_inf": lambda tf: tf.data.Dataset.zip(
        (tf.data.Dataset.range(3).repeat(), tf.data.Dataset.range(7))
    ),
    "zip_unknown": lambda tf: tf.data.Dataset.zip(
        (tf.data.Dataset.range(3).filter(lambda x: x > 0), tf.data.Dataset.range(7))
    ),
    "concat_inf": lambda tf: tf.data.Dataset.range(3).concatenate(
        tf.data.Dataset.range(3).repeat()
    ),
    "batch_ceil": lambda tf: tf.data.Dataset.range(7).batch(3),
    "batch_floor": lambda tf: tf.data.Dataset.range(7).batch(3, drop_remainder=True),
    "skip_more": lambda tf: tf.data.Dataset.range(7).skip(10),
}


@pytest.mark.parametrize("name", sorted(CARDINALITY))
def test_cardinality(run_both: Any, name: str) -> None:
    def fn(tf: Any) -> Any:
        ds = CARDINALITY[name](tf)
        return [ds.cardinality(), tf.data.experimental.cardinality(ds)]

    run_both(fn)


@pytest.mark.parametrize("name", ["infinite", "unknown_filter", "batch_ceil", "repeat0"])
def test_len(run_both: Any, name: str) -> None:
    run_both(lambda tf: len(CARDINALITY[name](tf)))


def test_cardinality_constants(run_both: Any) -> None:
    run_both(
        lambda tf: [
            tf.data.AUTOTUNE,
            tf.data.INFINITE_CARDINALITY,
            tf.data.UNKNOWN_CARDINALITY,
            tf.data.experimental.AUTOTUNE,
            tf.data.experimental.INFINITE_CARDINALITY,
            tf.data.experimental.UNKNOWN_CARDINALITY,
        ]
    )


# -- shuffle -----------------------------------------------------------------------------


def _epochs(ds: Any, n: int = 2) -> list[list[int]]:
    return [[int(v) for v in ds.as_numpy_iterator()] for _ in range(n)]


@pytest.mark.parametrize("buffer_size", [1, 4, 100])
def test_shuffle_is_a_permutation_deterministic_per_seed(buffer_size: int) -> None:
    tf = tfcompat
    a = _epochs(tf.data.Dataset.range(50).shuffle(buffer_size, seed=7), 3)
    b = _epochs(tf.data.Dataset.range(50).shuffle(buffer_size, seed=7), 3)
    assert a == b  # the same seed gives the same sequence of epochs
    for epoch in a:
        assert sorted(epoch) == list(range(50))
    if buffer_size == 1:
        assert a[0] == list(range(50))  # TF: a buffer of one does not shuffle
    else:
        assert a[0] != a[1]  # reshuffled each iteration (the TF default)
        c = _epochs(tf.data.Dataset.range(50).shuffle(buffer_size, seed=8), 1)
        assert c[0] != a[0]


def test_shuffle_without_reshuffle_repeats_the_order() -> None:
    tf = tfcompat
    ds = tf.data.Dataset.range(30).shuffle(30, seed=3, reshuffle_each_iteration=False)
    a = _epochs(ds, 3)
    assert a[0] == a[1] == a[2] and a[0] != list(range(30))
    rep = [int(v) for v in ds.repeat(2).as_numpy_iterator()]
    assert rep[:30] == rep[30:] == a[0]


def test_shuffle_reshuffles_under_repeat() -> None:
    tf = tfcompat
    out = [int(v) for v in tf.data.Dataset.range(20).shuffle(20, seed=1).repeat(2)]
    assert sorted(out[:20]) == sorted(out[20:]) == list(range(20)) and out[:20] != out[20:]


def test_shuffle_global_seed_makes_it_deterministic() -> None:
    tf = tfcompat
    tf.random.set_seed(5)
    a = _epochs(tf.data.Dataset.range(40).shuffle(40))
    tf.random.set_seed(5)
    b = _epochs(tf.data.Dataset.range(40).shuffle(40))
    tf.random.set_seed(None)
    assert a == b


def test_shuffle_locality_matches_tf_buffer_semantics() -> None:
    # With a buffer of k, TF's buffer is filled before the first element is emitted, so the
    # element at position p is one of the first p + k inputs.
    tf = tfcompat
    out = [int(v) for v in tf.data.Dataset.range(200).shuffle(5, seed=2)]
    for pos, v in enumerate(out):
        assert v <= pos + 4


def test_shuffle_spec_and_repr(run_both: Any) -> None:
    run_both(
        lambda tf: [
            repr(tf.data.Dataset.range(5).shuffle(3, seed=1)),
            tf.data.Dataset.range(5).shuffle(3).cardinality(),
            sorted(int(v) for v in tf.data.Dataset.range(5).shuffle(3, seed=1)),
        ]
    )


def _order(ds: Any) -> list[int]:
    return [int(v) for v in ds.as_numpy_iterator()]


SHUFFLE_ORDERS: dict[str, Any] = {
    "small_buffer_two_epochs": lambda tf: (lambda ds: [_order(ds), _order(ds)])(
        tf.data.Dataset.range(10).shuffle(4, seed=7)
    ),
    "buffer_larger_than_input": lambda tf: _order(tf.data.Dataset.range(10).shuffle(100, seed=7)),
    "no_reshuffle": lambda tf: (lambda ds: [_order(ds), _order(ds), _order(ds.repeat(2))])(
        tf.data.Dataset.range(10).shuffle(3, seed=7, reshuffle_each_iteration=False)
    ),
    "shuffle_then_repeat": lambda tf: _order(tf.data.Dataset.range(6).shuffle(3, seed=1).repeat(3)),
    "shuffle_map_repeat": lambda tf: _order(
        tf.data.Dataset.range(6).shuffle(3, seed=1).map(lambda x: x * 2).repeat(2)
    ),
    "long_input": lambda tf: _order(tf.data.Dataset.range(300).shuffle(17, seed=12345)),
    "batched_slices": lambda tf: [
        b.tolist()
        for b in tf.data.Dataset.from_tensor_slices(tf.range(12))
        .shuffle(5, seed=2)
        .batch(5)
        .as_numpy_iterator()
    ],
    "seed_zero": lambda tf: _order(tf.data.Dataset.range(10).shuffle(10, seed=0)),
    # the map's output spec is learned from the first element (its probes fail): that
    # look-ahead must not consume the shuffle's seeds
    "spec_from_first_element": lambda tf: (
        lambda ds: [[float(v) for v in ds.as_numpy_iterator()] for _ in range(2)]
    )(
        tf.data.Dataset.from_tensor_slices([str(i) for i in range(1, 9)])
        .shuffle(8, seed=4)
        .map(lambda s: tf.strings.to_number(s))
    ),
    "tensor_seed": lambda tf: _order(
        tf.data.Dataset.range(10).shuffle(4, seed=tf.constant(9, tf.int64))
    ),
}


@pytest.mark.parametrize("name", list(SHUFFLE_ORDERS))
def test_shuffle_order_equals_tf(name: str, run_both: Any) -> None:
    run_both(SHUFFLE_ORDERS[name])


def test_shuffle_order_with_global_seed_equals_tf(real_tf: Any) -> None:
    def orders(tf: Any) -> Any:
        tf.random.set_seed(42)
        ds = tf.data.Dataset.range(10).shuffle(10)
        out = [_order(ds), _order(ds), _order(tf.data.Dataset.range(10).shuffle(10, seed=5))]
        tf.random.set_seed(None)
        return out

    assert orders(tfcompat) == orders(real_tf)


# -- options -------------------------------------------------------------------------------


def test_options(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        o = tf.data.Options()
        o.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        o2 = tf.data.Options()
        o2.experimental_optimization.apply_default_optimizations = False
        o2.experimental_external_state_policy = tf.data.experimental.ExternalStatePolicy.IGNORE
        o2.deterministic = False
        ds = tf.data.Dataset.range(3).with_options(o).map(lambda x: x).with_options(o2)
        got = ds.options()
        return [
            got.experimental_distribute.auto_shard_policy,
            got.experimental_optimization.apply_default_optimizations,
            got.experimental_external_state_policy,
            got.deterministic,
            got.experimental_deterministic,
            got.threading.private_threadpool_size,
            tf.data.Options().experimental_distribute.auto_shard_policy,
            tf.data.Options() == tf.data.Options(),
            o == o2,
            list(tf.data.experimental.AutoShardPolicy),
            list(tf.data.experimental.ExternalStatePolicy),
            numpy_elements(ds),
        ]

    run_both(fn)


def test_options_unknown_field(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        tf.data.Options().not_an_option = 1

    run_both(fn)


# -- iterators ---------------------------------------------------------------------------


def test_iterator(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        it = iter(tf.data.Dataset.from_tensor_slices({"a": [1, 2]}))
        first = next(it)
        second = it.get_next()
        return [type(it).__name__, it.element_spec, first, second]

    run_both(fn)


def test_iterator_end(run_both: Any) -> None:
    run_both(lambda tf: next(iter(tf.data.Dataset.range(0))))
    run_both(lambda tf: iter(tf.data.Dataset.range(0)).get_next(), message=False)


def test_keras_recognises_the_dataset_class() -> None:
    """Keras's own sniffing, in a fresh interpreter (this process imports real TF)."""
    import subprocess
    import sys

    code = (
        "import tfcompat as tf\n"
        "from keras.src.trainers.data_adapters import is_tf_dataset\n"
        "print(is_tf_dataset(tf.data.Dataset.range(3).map(lambda x: x).prefetch(1)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    assert out.stdout == "True\n"


def test_classes_as_keras_sniffs_them() -> None:
    tf = tfcompat
    ds = tf.data.Dataset.range(3).map(lambda x: x).prefetch(1)
    assert tf.data.Dataset.__name__ == "DatasetV2"
    assert tf.data.Dataset.__module__ == "tensorflow.python.data.ops.dataset_ops"
    assert isinstance(ds, tf.data.Dataset)
    it = iter(ds)
    assert type(it).__name__ == "OwnedIterator"
    assert type(it).__module__ == "tensorflow.python.data.ops.iterator_ops"
    assert isinstance(it, tf.data.Iterator)


def test_iteration_yields_tfcompat_tensors() -> None:
    tf = tfcompat
    x, _ = next(iter(tf.data.Dataset.from_tensor_slices((X, Y)).batch(3)))
    assert type(x) is type(tf.constant(1.0))
    w = tf.Variable(tf.ones([2, 1]))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(x, w))
    np.testing.assert_array_equal(tape.gradient(loss, w).numpy(), X[:3].sum(0)[:, None])


def test_prefetch_thread_ends_with_the_iterator() -> None:
    import gc
    import threading

    tf = tfcompat
    before = {t for t in threading.enumerate() if t.name == "tfcompat.data.prefetch"}
    it = iter(tf.data.Dataset.range(10**9).prefetch(3))
    next(it)
    del it
    gc.collect()
    for _ in range(200):  # (up to 10 s: the thread polls its stop flag every 0.1 s)
        alive = {t for t in threading.enumerate() if t.name == "tfcompat.data.prefetch"}
        if alive <= before:
            break
        threading.Event().wait(0.05)
    assert alive <= before


# -- errors --------------------------------------------------------------------------------

ERRORS = {
    "slices_mismatch": lambda tf: tf.data.Dataset.from_tensor_slices(([1, 2, 3], [1, 2])),
    "slices_scalar": lambda tf: tf.data.Dataset.from_tensor_slices(5),
    "slices_none": lambda tf: tf.data.Dataset.from_tensor_slices(None),
    "batch_zero": lambda tf: tf.data.Dataset.range(3).batch(0),
    "batch_mixed_shapes": lambda tf: list(
        tf.data.Dataset.range(1, 4).map(lambda x: tf.range(x)).batch(2)
    ),
    "shuffle_zero": lambda tf: tf.data.Dataset.range(3).shuffle(0),
    "range_step_zero": lambda tf: tf.data.Dataset.range(0, 5, 0),
    "filter_not_bool": lambda tf: tf.data.Dataset.range(3).filter(lambda x: x),
    "flat_map_not_dataset": lambda tf: tf.data.Dataset.range(3).flat_map(lambda x: x),
    "zip_list": lambda tf: tf.data.Dataset.zip([tf.data.Dataset.range(2)]),
    "map_fn_raises": lambda tf: tf.data.Dataset.range(3).map(lambda x: x / "a"),
    "map_fn_bad_shapes": lambda tf: tf.data.Dataset.range(3).map(
        lambda x: x + tf.ones([3], tf.int64) + tf.ones([2], tf.int64)
    ),
    "with_options_not_options": lambda tf: tf.data.Dataset.range(3).with_options(1),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(run_both: Any, name: str) -> None:
    run_both(ERRORS[name], message=False)


@pytest.mark.parametrize("name", ["slices_mismatch", "slices_scalar"])
def test_error_messages(run_both: Any, name: str) -> None:
    run_both(ERRORS[name])


def test_batch_error_message() -> None:
    # (TF copies batch elements on several threads, so which element its message names
    # varies from run to run: compared here with one of TF's texts.)
    tf = tfcompat
    ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.range(x)).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        list(ds)
    assert info.value.message == (
        "{{function_node __wrapped__IteratorGetNext_output_types_1_device_/job:localhost/"
        "replica:0/task:0/device:CPU:0}} Cannot add tensor to the batch: number of elements "
        "does not match. Shapes are: [tensor]: [2], [batch]: [1] [Op:IteratorGetNext] name: "
    )


@pytest.mark.parametrize("buffer_size", [5, 50, 1000])
def test_shuffled_batches_of_slices(buffer_size: int) -> None:
    # (the batches of a shuffled `from_tensor_slices` are gathered by NumPy indexing)
    tf = tfcompat
    src = np.arange(50) * 10

    def epochs(seed: int) -> list[list[int]]:
        ds = tf.data.Dataset.from_tensor_slices((src, -src)).shuffle(buffer_size, seed=seed)
        ds = ds.batch(7)
        out = []
        for _ in range(2):
            a = [x.numpy() for x, _ in ds]
            out.append(np.concatenate(a).tolist())
        return out

    a, b = epochs(1), epochs(1)
    assert a == b
    assert sorted(a[0]) == sorted(a[1]) == src.tolist() and a[0] != a[1]
    pairs = [
        (x.numpy(), y.numpy())
        for x, y in tfcompat.data.Dataset.from_tensor_slices((src, -src))
        .shuffle(buffer_size, seed=2)
        .batch(7)
    ]
    for x, y in pairs:
        np.testing.assert_array_equal(x, -y)
    assert [len(x) for x, _ in pairs] == [7] * 7 + [1]

"""tf.data transformations beyond the basics, against TensorFlow 2.21."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat

SEQS = [[1], [2, 2], [3, 3, 3], [4], [5, 5, 5, 5, 5], [6, 6]]


def elements(ds: Any) -> list[Any]:
    return [repr(ds), ds.element_spec, ds.cardinality(), list(ds)]


def _gen() -> Any:
    for s in SEQS:
        yield len(s), np.array(s, dtype=np.float32)


def _gen_ds(tf: Any) -> Any:
    return tf.data.Dataset.from_generator(
        _gen,
        output_signature=(tf.TensorSpec((), tf.int32), tf.TensorSpec((None,), tf.float32)),
    )


PIPELINES = {
    "from_generator": lambda tf: _gen_ds(tf),
    "from_generator_types": lambda tf: tf.data.Dataset.from_generator(
        _gen, output_types=(tf.int32, tf.float32)
    ),
    "from_generator_shapes": lambda tf: tf.data.Dataset.from_generator(
        _gen, output_types=(tf.int64, tf.float64), output_shapes=((), (None,))
    ),
    "from_generator_args": lambda tf: tf.data.Dataset.from_generator(
        lambda n, s: ((i, s) for i in range(n)),
        args=(3, "x"),
        output_signature=(tf.TensorSpec((), tf.int64), tf.TensorSpec((), tf.string)),
    ),
    "from_generator_dict": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([{"a": 1, "b": [1.0, 2.0]}] * 2),
        output_signature={"a": tf.TensorSpec((), tf.int32), "b": tf.TensorSpec((2,), tf.float32)},
    ),
    "padded_batch": lambda tf: _gen_ds(tf).padded_batch(4),
    "padded_batch_drop": lambda tf: _gen_ds(tf).padded_batch(4, drop_remainder=True),
    "padded_batch_shapes": lambda tf: _gen_ds(tf).padded_batch(
        2, padded_shapes=((), (6,)), padding_values=(-1, 0.5)
    ),
    "padded_batch_none_dims": lambda tf: _gen_ds(tf).padded_batch(3, padded_shapes=([], [None])),
    "padded_batch_strings": lambda tf: tf.data.Dataset.from_tensor_slices(
        [["a", "b"], ["c", "d"], ["e", "f"]]
    ).padded_batch(2, padded_shapes=[3], padding_values="-"),
    "unbatch": lambda tf: tf.data.Dataset.range(7).batch(3).unbatch(),
    "unbatch_known": lambda tf: tf.data.Dataset.range(9).batch(3, drop_remainder=True).unbatch(),
    "unbatch_tuple": lambda tf: tf.data.Dataset.from_tensors(([1, 2], [[1.0], [2.0]])).unbatch(),
    "rebatch": lambda tf: tf.data.Dataset.range(7).batch(3).rebatch(2),
    "rebatch_drop": lambda tf: tf.data.Dataset.range(7).batch(3).rebatch(2, drop_remainder=True),
    "interleave": lambda tf: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=2
    ),
    "interleave_block": lambda tf: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.from_tensors(x).repeat(x), cycle_length=3, block_length=2
    ),
    "interleave_parallel": lambda tf: tf.data.Dataset.range(1, 6).interleave(
        lambda x: tf.data.Dataset.range(x * 10, x * 10 + x),
        cycle_length=2,
        block_length=2,
        num_parallel_calls=2,
    ),
    "take_while": lambda tf: tf.data.Dataset.range(10).take_while(lambda x: x < 4),
    "cache": lambda tf: tf.data.Dataset.range(5).map(lambda x: x * 2).cache(),
    "enumerate": lambda tf: tf.data.Dataset.from_tensor_slices(["a", "b"]).enumerate(start=5),
    "scan": lambda tf: tf.data.Dataset.range(6).scan(
        np.int64(0), lambda state, x: (state + x, state * 2)
    ),
    "scan_tuple_state": lambda tf: tf.data.Dataset.range(4).scan(
        (np.int64(1), 0.5), lambda s, x: ((s[0] * (x + 1), s[1] + 1.0), {"p": s[0], "f": s[1]})
    ),
    "group_by_window": lambda tf: tf.data.Dataset.range(10).group_by_window(
        lambda x: x % 3, lambda key, w: w.batch(2), window_size=2
    ),
    "group_by_window_size_func": lambda tf: tf.data.Dataset.range(12).group_by_window(
        lambda x: x % 2, lambda key, w: w.batch(5), window_size_func=lambda key: key + 2
    ),
    "bucket_by_sequence_length": lambda tf: _gen_ds(tf).bucket_by_sequence_length(
        lambda n, s: n, [2, 4], [2, 2, 1]
    ),
    "bucket_pad_to_boundary": lambda tf: (
        _gen_ds(tf)
        .filter(lambda n, s: n < 4)
        .bucket_by_sequence_length(lambda n, s: n, [2, 4], [2, 2, 1], pad_to_bucket_boundary=True)
    ),
    "bucket_no_padding": lambda tf: tf.data.Dataset.range(10).bucket_by_sequence_length(
        lambda x: tf.cast(x, tf.int32), [5], [3, 2], no_padding=True
    ),
    "apply": lambda tf: tf.data.Dataset.range(5).apply(lambda d: d.skip(1).take(2)),
    "shard": lambda tf: tf.data.Dataset.range(10).shard(3, 1),
    "window_flat_map": lambda tf: (
        tf.data.Dataset.range(7).window(3, shift=2).flat_map(lambda w: w.batch(3))
    ),
    "window_drop": lambda tf: (
        tf.data.Dataset.range(7)
        .window(3, shift=1, stride=2, drop_remainder=True)
        .flat_map(lambda w: w.batch(3))
    ),
    "window_tuple": lambda tf: (
        tf.data.Dataset.zip(
            (tf.data.Dataset.range(5), tf.data.Dataset.range(5).map(lambda x: x * 10))
        )
        .window(2)
        .flat_map(lambda a, b: tf.data.Dataset.zip((a.batch(2), b.batch(2))))
    ),
}


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipelines(run_both: Any, name: str) -> None:
    run_both(lambda tf: elements(PIPELINES[name](tf)))


def test_window_spec_and_cardinality(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        out = []
        for args in [(3,), (3, 2), (3, 1, 2, True), (2, 5), (4, 1, 1, True)]:
            ds = tf.data.Dataset.range(7).window(*args)
            out += [repr(ds), ds.element_spec, ds.cardinality()]
            out.append([list(w.as_numpy_iterator()) for w in ds])
        return out

    run_both(fn)


def test_reduce(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ds = tf.data.Dataset.range(5)
        return [
            ds.reduce(np.int64(0), lambda s, x: s + x),
            ds.reduce((np.int64(0), 1.0), lambda s, x: (s[0] + x, s[1] * 2.0)),
            tf.data.Dataset.from_tensor_slices(np.ones((4, 2), np.float32)).reduce(
                tf.zeros([2]), lambda s, x: s + x
            ),
            tf.data.Dataset.range(0).reduce(np.int64(7), lambda s, x: s + x),
        ]

    run_both(fn)


def test_reduce_state_dtype_must_match(run_both: Any) -> None:
    run_both(
        lambda tf: tf.data.Dataset.range(3).reduce(0.0, lambda s, x: tf.cast(x, tf.int32)),
        message=False,
    )


def test_cache_memory_reads_input_once() -> None:
    tf = tfcompat
    calls = []

    def gen() -> Any:
        calls.append(1)
        yield from range(4)

    ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec((), tf.int64)).cache()
    a = [int(x) for x in ds]
    b = [int(x) for x in ds]
    assert a == b == [0, 1, 2, 3] and len(calls) == 1


def test_cache_partial_first_iteration_is_not_kept() -> None:
    tf = tfcompat
    ds = tf.data.Dataset.range(5).cache()
    it = iter(ds)
    next(it)
    assert [int(x) for x in ds] == [0, 1, 2, 3, 4]


def test_cache_file(tmp_path: Any, run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        path = str(tmp_path / f"cache_{tf.__name__}")
        calls = []

        def gen() -> Any:
            calls.append(1)
            yield from (np.array([i, i + 1], np.float32) for i in range(3))

        def make() -> Any:
            src = tf.data.Dataset.from_generator(
                gen, output_signature=tf.TensorSpec((2,), tf.float32)
            )
            return src.cache(path)

        first = list(make())
        second = list(make())  # a new dataset object reads the file, not the generator
        return [first, second, len(calls)]

    run_both(fn)


def test_iterating_a_dataset_inside_tf_function(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ds = tf.data.Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).batch(2)

        @tf.function
        def total() -> Any:
            s = tf.constant(0.0)
            for x in ds:
                s += tf.reduce_sum(x)
            return s

        @tf.function
        def via_reduce() -> Any:
            return ds.reduce(0.0, lambda s, x: s + tf.reduce_sum(x))

        return [total(), via_reduce()]

    run_both(fn)


def test_reading_a_dataset_while_traced_is_logged(tf_log: Any) -> None:
    tf = tfcompat
    ds = tf.data.Dataset.range(3)

    @tf.function
    def total() -> Any:
        return ds.reduce(np.int64(0), lambda s, x: s + x)

    assert int(total()) == 3 and int(total()) == 3
    assert [r.getMessage() for r in tf_log.records if "is iterated while" in r.getMessage()]


def test_map_of_tfcompat_tensor_input_inside_tape() -> None:
    # Iterating while a tape records does not record the pipeline's functions.
    tf = tfcompat
    ds = tf.data.Dataset.range(3).map(lambda x: tf.cast(x, tf.float32) * 2.0)
    v = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        total = tf.constant(0.0)
        for x in ds:
            total += x * v
    assert float(tape.gradient(total, v)) == 6.0


ERRORS = {
    "generator_shape": lambda tf: list(
        tf.data.Dataset.from_generator(
            lambda: iter([[1, 2], [1]]), output_signature=tf.TensorSpec((2,), tf.int32)
        )
    ),
    "generator_type": lambda tf: list(
        tf.data.Dataset.from_generator(
            lambda: iter(["a"]), output_signature=tf.TensorSpec((), tf.int32)
        )
    ),
    "generator_raises": lambda tf: list(
        tf.data.Dataset.from_generator(
            lambda: (1 / 0 for _ in range(2)), output_signature=tf.TensorSpec((), tf.float32)
        )
    ),
    "generator_no_signature": lambda tf: tf.data.Dataset.from_generator(lambda: iter([1])),
    "generator_both": lambda tf: tf.data.Dataset.from_generator(
        lambda: iter([1]), output_types=tf.int32, output_signature=tf.TensorSpec((), tf.int32)
    ),
    "padded_too_small": lambda tf: list(_gen_ds(tf).padded_batch(2, padded_shapes=((), (2,)))),
    "unbatch_scalar": lambda tf: tf.data.Dataset.range(3).unbatch(),
    "apply_not_dataset": lambda tf: tf.data.Dataset.range(3).apply(lambda d: 1),
    "group_by_window_no_size": lambda tf: tf.data.Dataset.range(3).group_by_window(
        lambda x: x, lambda k, w: w
    ),
    "group_by_window_bad_key": lambda tf: tf.data.Dataset.range(3).group_by_window(
        lambda x: tf.cast(x, tf.int32), lambda k, w: w, window_size=2
    ),
    "bucket_sizes": lambda tf: tf.data.Dataset.range(3).bucket_by_sequence_length(
        lambda x: tf.cast(x, tf.int32), [1, 2], [1, 1]
    ),
    "take_while_not_bool": lambda tf: tf.data.Dataset.range(3).take_while(lambda x: x),
    "shard_index": lambda tf: tf.data.Dataset.range(3).shard(2, 2),
    "window_size_zero": lambda tf: tf.data.Dataset.range(3).window(0),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(run_both: Any, name: str) -> None:
    run_both(ERRORS[name], message=False)


def test_generator_error_messages(run_both: Any) -> None:
    def first_line(fn: Any) -> Any:
        def run(tf: Any) -> Any:
            try:
                return fn(tf)
            except tf.errors.InvalidArgumentError as exc:
                return exc.message.split("\n")[0]

        return run

    run_both(first_line(ERRORS["generator_shape"]))
    run_both(first_line(ERRORS["generator_type"]))


def test_experimental_functional_forms(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ex = tf.data.experimental
        r = tf.data.Dataset.range(8)
        return [
            elements(r.apply(ex.enumerate_dataset(start=2))),
            elements(r.batch(3).apply(ex.unbatch())),
            elements(r.apply(ex.take_while(lambda x: x < 3))),
            elements(r.apply(ex.scan(np.int64(0), lambda s, x: (s + x, s)))),
            elements(r.apply(ex.group_by_window(lambda x: x % 2, lambda k, w: w.batch(3), 3))),
            elements(
                r.apply(
                    ex.bucket_by_sequence_length(
                        lambda x: tf.cast(x, tf.int32), [4], [2, 3], no_padding=True
                    )
                )
            ),
        ]

    run_both(fn)


def test_get_single_element(run_both: Any) -> None:
    run_both(
        lambda tf: [
            tf.data.Dataset.from_tensors(({"a": [1, 2]}, 3.0)).get_single_element(),
            tf.data.experimental.get_single_element(tf.data.Dataset.range(4).skip(3)),
        ]
    )
    run_both(lambda tf: tf.data.Dataset.range(2).get_single_element(), message=False)
    run_both(lambda tf: tf.data.Dataset.range(0).get_single_element(), message=False)


def test_unique_counter_choose(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        a = tf.data.Dataset.from_tensor_slices([3, 1, 3, 2, 1, 5])
        s = tf.data.Dataset.from_tensor_slices(["b", "a", "b"])
        datasets = [tf.data.Dataset.range(3), tf.data.Dataset.range(10, 12)]
        choice = tf.data.Dataset.from_tensor_slices(np.array([0, 1, 1, 0, 1, 0, 0], np.int64))
        return [
            elements(a.unique()),
            elements(s.unique()),
            elements(tf.data.Dataset.counter(5, 2).take(4)),
            elements(tf.data.Dataset.counter(dtype=tf.int32).take(2)),
            elements(tf.data.Dataset.choose_from_datasets(datasets, choice)),
            elements(
                tf.data.Dataset.choose_from_datasets(datasets, choice, stop_on_empty_dataset=False)
            ),
        ]

    run_both(fn)


def test_unique_and_choose_errors(run_both: Any) -> None:
    run_both(
        lambda tf: tf.data.Dataset.range(3).map(lambda x: tf.cast(x, tf.float32)).unique(),
        message=False,
    )
    run_both(
        lambda tf: tf.data.Dataset.choose_from_datasets(
            [tf.data.Dataset.range(3)], tf.data.Dataset.from_tensor_slices([0, 0])
        ),
        message=False,
    )


def test_sample_from_datasets_is_seeded_and_complete() -> None:
    tf = tfcompat
    datasets = [tf.data.Dataset.range(0, 20), tf.data.Dataset.range(100, 110)]

    def draw(seed: int, **kw: Any) -> list[int]:
        ds = tf.data.Dataset.sample_from_datasets(datasets, [0.7, 0.3], seed=seed, **kw)
        return [int(x) for x in ds]

    a = draw(1)
    assert a == draw(1) and sorted(a) == [*range(20), *range(100, 110)]
    assert [x for x in a if x < 100] == list(range(20))  # each input keeps its order
    stopped = draw(2, stop_on_empty_dataset=True)
    # it stops when the dataset it picks is exhausted: one of them was read to its end
    assert len(stopped) < 30
    assert sorted(x for x in stopped if x >= 100) == list(range(100, 110)) or sorted(
        x for x in stopped if x < 100
    ) == list(range(20))


# -- ignore_errors --------------------------------------------------------------------------
def _ignore_errors_cases(tf: Any) -> Any:
    def listed(ds: Any) -> list[Any]:
        return [x.tolist() if hasattr(x, "tolist") else x for x in ds.as_numpy_iterator()]

    inv = lambda x: tf.debugging.check_numerics(1.0 / x, "oops")  # noqa: E731
    ds = tf.data.Dataset.from_tensor_slices([1.0, 0.0, 2.0]).map(inv)
    par = tf.data.Dataset.from_tensor_slices([1.0, 0.0, 2.0, 0.0, 4.0]).map(
        inv, num_parallel_calls=2
    )
    strings = tf.data.Dataset.from_tensor_slices(["1", "x", "3"])
    return [
        listed(ds.ignore_errors()),
        listed(par.ignore_errors()),
        listed(strings.map(lambda s: tf.strings.to_number(s)).ignore_errors()),
        listed(strings.filter(lambda s: tf.strings.to_number(s) > 0).ignore_errors()),
        repr(ds.ignore_errors()),
        int(ds.ignore_errors().cardinality()),
        listed(tf.data.Dataset.range(5).ignore_errors(log_warning=True)),
        listed(ds.ignore_errors(log_warning=True)),
    ]


def test_ignore_errors_drops_failing_elements(run_both: Any) -> None:
    run_both(_ignore_errors_cases)

"""Runtime checks of TF's CPU kernels, eagerly and from inside `tf.function`, against TF.

TF raises `InvalidArgumentError` (with the kernel's message) for an out-of-range index of
gather/gather_nd/scatter_nd/tensor_scatter_*/unsorted segment ops, an integer division or
modulo by zero, and a singular matrix to invert or solve. Inside a function TF's message
names the function (`__inference_<name>_<N>`, N a counter of TF's) and the graph node;
the counter is replaced by `N` before comparing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from tfcompare import Raised, assert_same, capture

import tfcompat

CASES = {
    "gather": lambda tf, i: tf.gather(tf.constant([1.0, 2.0, 3.0]), i),
    "gather_negative": lambda tf, i: tf.gather(tf.constant([1.0, 2.0, 3.0]), -i),
    "gather_axis1": lambda tf, i: tf.gather(tf.ones([2, 3]), i, axis=1),
    "gather_2d_indices": lambda tf, i: tf.gather(tf.ones([3]), tf.stack([i, i])),
    "gather_nd": lambda tf, i: tf.gather_nd(tf.ones([2, 3]), tf.stack([i, i], -1)),
    "scatter_nd": lambda tf, i: tf.scatter_nd(tf.expand_dims(i, -1), tf.ones([2]), [3]),
    "tensor_scatter_update": lambda tf, i: tf.tensor_scatter_nd_update(
        tf.ones([3]), tf.expand_dims(i, -1), tf.ones([2])
    ),
    "tensor_scatter_add": lambda tf, i: tf.tensor_scatter_nd_add(
        tf.ones([3]), tf.expand_dims(i, -1), tf.ones([2])
    ),
    "tensor_scatter_max": lambda tf, i: tf.tensor_scatter_nd_max(
        tf.ones([3]), tf.expand_dims(i, -1), tf.ones([2])
    ),
    "unsorted_segment_sum": lambda tf, i: tf.math.unsorted_segment_sum(tf.ones([2]), i, 3),
    "unsorted_segment_max": lambda tf, i: tf.math.unsorted_segment_max(tf.ones([2]), i, 3),
    "floordiv": lambda tf, i: i // (i - i),
    "floormod": lambda tf, i: i % (i - i),
    "inv": lambda tf, i: tf.linalg.inv(tf.zeros([2, 2]) + tf.cast(i[0] * 0, tf.float32)),
    "solve": lambda tf, i: tf.linalg.solve(
        tf.zeros([2, 2]) + tf.cast(i[0] * 0, tf.float32), tf.ones([2, 1])
    ),
    "check_numerics": lambda tf, i: tf.debugging.check_numerics(
        tf.cast(i, tf.float32) / 0.0, "boom"
    ),
}

GOOD = {"indices": [0, 2], "matrix": None}


def _normalize(result: Any) -> Any:
    if isinstance(result, Raised):
        return Raised(
            result.cls, re.sub(r"__(inference|forward)_(.*?)_\d+", r"__\1_\2_N", result.message)
        )
    return result


@pytest.mark.tf
@pytest.mark.parametrize("mode", ["eager", "function", "function_in_function"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_values_raise_tf_error(real_tf: Any, case: str, mode: str) -> None:
    def snippet(tf: Any) -> Any:
        fn = CASES[case]
        i = tf.constant([0, 5])
        if mode == "eager":
            return fn(tf, i)
        if mode == "function":
            return tf.function(lambda x: fn(tf, x))(i)
        inner = tf.function(lambda x: fn(tf, x))
        return tf.function(lambda x: inner(x) * 1)(i)

    expected, actual = capture(snippet, real_tf), capture(snippet, tfcompat)
    assert isinstance(expected, Raised)
    if mode == "function_in_function":
        # TF's message for a nested function names both functions; the class is TF's.
        assert_same(expected, actual, message=False)
    else:
        assert_same(_normalize(expected), _normalize(actual))


@pytest.mark.tf
@pytest.mark.parametrize("case", sorted(c for c in CASES if c not in ("floordiv", "floormod")))
def test_good_values_compute_inside_function(run_both: Any, case: str) -> None:
    def snippet(tf: Any) -> Any:
        fn = CASES[case]
        if case in ("inv", "solve", "check_numerics"):
            return None
        f = tf.function(lambda x: fn(tf, x))
        return _normalize(capture(lambda _: f(tf.constant([0, 1])), tf))

    run_both(snippet)


@pytest.mark.tf
@pytest.mark.parametrize("bad", [True, False])
def test_gather_in_function_with_gradient(run_both: Any, bad: bool) -> None:
    def snippet(tf: Any) -> Any:
        v = tf.Variable([1.0, 2.0, 3.0])

        @tf.function
        def step(i: Any) -> Any:
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.gather(v, i) ** 2)
            g = tape.gradient(loss, v)
            v.assign_sub(0.1 * tf.convert_to_tensor(g))
            return loss

        r = capture(lambda _: step(tf.constant([0, 7 if bad else 1])), tf)
        if isinstance(r, Raised):
            # TF's message for a function using a resource variable is a "Graph execution
            # error" with the Python stack; the kernel's text ends it.
            return r.name, "indices[1] = 7 is not in [0, 3)" in r.message, v
        return r, v

    run_both(snippet)


@pytest.mark.tf
def test_function_called_under_a_tape(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        x = tf.constant([1.0, 2.0, 3.0])
        f = tf.function(lambda p, i: tf.gather(p, i))
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x, tf.constant([1, 2]))
        good = tf.convert_to_tensor(tape.gradient(y, x))
        with tf.GradientTape() as tape:
            tape.watch(x)
            bad = _normalize(capture(lambda _: f(x, tf.constant([3])), tf))
        return good, bad

    run_both(snippet)


def test_checks_add_no_outputs_to_programs_without_them() -> None:
    tf = tfcompat
    f = tf.function(lambda x: tf.reduce_sum(x * 2.0))
    f(tf.ones([3]))
    cf = f.get_concrete_function(tf.ones([3]))
    (tr,) = cf._instances.values()
    assert tr.check_spec.n_outputs == 0
    g = tf.function(lambda p, i: tf.gather(p, i))
    g(tf.ones([3]), tf.constant([0]))
    (tr,) = g.get_concrete_function(tf.ones([3]), tf.constant([0]))._instances.values()
    assert tr.check_spec.n_outputs == 3  # the code, the position, the value


def test_a_failed_call_leaves_variables_unchanged_and_compiles_once() -> None:
    tf = tfcompat
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(i: Any) -> Any:
        v.assign_add([1.0, 1.0])
        return tf.gather(v, i)

    f(tf.constant([0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"indices\[0\] = 2 is not in"):
        f(tf.constant([2]))
    assert v.numpy().tolist() == [2.0, 3.0]
    assert f.experimental_get_tracing_count() == 1

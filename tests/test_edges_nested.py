"""Runtime checks inside cond/while/map bodies, and axis errors, against TF 2.21.

TF reports an error of a kernel inside a `tf.cond` branch or a loop body as
"Graph execution error: Detected at node cond/GatherV2 defined at ..."; tfcompat raises
the same class with TF's kernel text (`indices = 5 is not in [0, 3)`) in its
`{{function_node __inference_f_N}}` form, so these tests compare the class and that text.
"""

from __future__ import annotations

from typing import Any

import pytest

import tfcompat

P = [1.0, 2.0, 3.0]


def _programs(tf: Any) -> dict[str, Any]:
    p = tf.constant(P)

    @tf.function
    def cond_fn(i: Any, flag: Any) -> Any:
        return tf.cond(flag, lambda: tf.gather(p, i), lambda: tf.constant(0.0))

    @tf.function
    def autograph_if(i: Any) -> Any:
        if i > 0:  # noqa: SIM108 (AutoGraph converts the statement)
            r = tf.gather(p, i)
        else:
            r = tf.constant(0.0)
        return r

    @tf.function
    def loop(n: Any) -> Any:
        s = tf.constant(0.0)
        for k in tf.range(n):
            s += tf.gather(p, k)
        return s

    @tf.function
    def while_div(x: Any) -> Any:
        return tf.while_loop(
            lambda i, a: i < 3,
            lambda i, a: (i + 1, a + 10 // (x - i)),
            (tf.constant(0), tf.constant(0)),
        )[1]

    @tf.function
    def mapped(ix: Any) -> Any:
        return tf.map_fn(lambda j: tf.gather(p, j), ix, fn_output_signature=tf.float32)

    @tf.function
    def outer(i: Any, flag: Any) -> Any:
        return tf.cond(flag, lambda: cond_fn(i, flag), lambda: tf.constant(1.0))

    return {
        "cond_taken": lambda: cond_fn(tf.constant(5), tf.constant(True)),
        "cond_not_taken": lambda: cond_fn(tf.constant(5), tf.constant(False)),
        "cond_ok": lambda: cond_fn(tf.constant(1), tf.constant(True)),
        "autograph_if": lambda: autograph_if(tf.constant(7)),
        "loop_ok": lambda: loop(tf.constant(3)),
        "loop_bad": lambda: loop(tf.constant(5)),
        "loop_ok_after_error": lambda: loop(tf.constant(2)),
        "while_div_by_zero": lambda: while_div(tf.constant(1)),
        "map_fn_bad": lambda: mapped(tf.constant([0, 4, 1])),
        "map_fn_ok": lambda: mapped(tf.constant([0, 2, 1])),
        "function_in_branch": lambda: outer(tf.constant(9), tf.constant(True)),
    }


KERNEL_TEXT = {
    "cond_taken": "indices = 5 is not in [0, 3)",
    "autograph_if": "indices = 7 is not in [0, 3)",
    "loop_bad": "indices = 3 is not in [0, 3)",
    "while_div_by_zero": "Integer division by zero",
    "map_fn_bad": "indices = 4 is not in [0, 3)",
    "function_in_branch": "indices = 9 is not in [0, 3)",
}


@pytest.mark.tf
def test_runtime_checks_in_nested_bodies(real_tf: Any) -> None:
    expected = _programs(real_tf)
    actual = _programs(tfcompat)
    for name in expected:  # in order: an error must not leak into the next call
        try:
            want = expected[name]().numpy()
        except Exception as exc:
            want = exc
        try:
            got = actual[name]().numpy()
        except Exception as exc:
            got = exc
        if isinstance(want, Exception):
            assert type(got).__name__ == type(want).__name__, (name, got)
            assert isinstance(got, tfcompat.errors.InvalidArgumentError), name
            assert KERNEL_TEXT[name] in str(want) and KERNEL_TEXT[name] in str(got), name
        else:
            assert not isinstance(got, Exception), (name, got)
            assert (got == want).all(), name


def test_runtime_checks_switch_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFCOMPAT_RUNTIME_CHECKS", "0")
    tf = tfcompat
    p = tf.constant(P)
    f = tf.function(lambda i: tf.gather(p, i))
    # Without checks XLA clamps the index (the documented cost of switching them off).
    assert float(f(tf.constant(5))) == 3.0


@pytest.mark.tf
@pytest.mark.parametrize("axis", [0, -1, 2, [0, 0], [1, -1], []])
def test_reverse_and_cumsum_axis_errors(run_both: Any, axis: Any) -> None:
    def traced(tf: Any) -> Any:
        x = tf.ones([2, 3])
        out = []
        for op in (tf.reverse, tf.math.cumsum):
            try:
                out.append(tf.function(lambda o=op: o(x, axis=axis))())
            except Exception as exc:
                out.append(type(exc).__name__)
        return out

    def split(tf: Any) -> Any:
        out = []
        for op in (tf.reverse, tf.math.cumsum):
            try:
                out.append(op(tf.ones([2, 3]), axis=axis))
            except Exception as exc:
                out.append((type(exc).__name__, str(exc)))
        return out

    run_both(split)
    run_both(traced)


@pytest.mark.tf
def test_axis_errors_inside_function_raise_tf_classes(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        x = tf.ones([2, 3])
        out = []
        for f in (
            lambda: tf.reduce_sum(x, axis=2),
            lambda: tf.reduce_max(x, axis=2),
            lambda: tf.argmax(x, axis=2),
            lambda: tf.argmax(tf.zeros([0])),
            lambda: tf.argmin(tf.zeros([0, 3])),
        ):
            try:
                out.append(tf.function(f)())
            except Exception as exc:
                out.append(type(exc).__name__)
        return out

    run_both(snippet)
    run_both(lambda tf: tf.argmax(tf.zeros([0])))


@pytest.mark.tf
def test_indexing_with_an_integer_variable(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        a = tf.constant([1, 2, 3])
        v, v64 = tf.Variable(1), tf.Variable(2, dtype=tf.int64)
        out = [a[v], a[v64], a[v:], tf.constant([[1, 2], [3, 4]])[v, v]]
        out.append(tf.function(lambda: a[v])())
        try:
            out.append(a[tf.Variable(1.0)])
        except TypeError as exc:
            out.append(str(exc))
        return out

    run_both(snippet)


@pytest.mark.tf
def test_unique_rank_error_inside_function(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        try:
            return tf.function(lambda x: tf.unique(x))(tf.zeros([0, 3]))
        except ValueError as exc:
            return type(exc).__name__

    run_both(snippet)


@pytest.mark.tf
def test_variable_small_details(run_both: Any) -> None:
    def snippet(tf: Any) -> Any:
        out: list[Any] = [tf.Variable(1.0, name="x/").name]
        with tf.name_scope("outer"):
            out.append(tf.Variable(1.0, name="y/").name)
        with tf.name_scope(""):
            out.append(tf.Variable(1.0).name)
        sync = tf.VariableSynchronization.ON_READ
        agg = tf.VariableAggregation.SUM
        out.append(tf.Variable(1.0, synchronization=sync, aggregation=agg).trainable)
        return out

    run_both(snippet)

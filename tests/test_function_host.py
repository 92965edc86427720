"""The host side of `tf.function` (issue #20 items 1-5), compared with TensorFlow 2.21:
`tf.config.run_functions_eagerly`, `tf.py_function` / `tf.numpy_function`, `tf.print`,
non-strict execution of dead ops, string tensors inside traced functions."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tfcompat
import tfcompat as tf

# --------------------------------------------------------------------------------------
# 1. tf.config.run_functions_eagerly
# --------------------------------------------------------------------------------------


@pytest.fixture
def eager_switch_reset(real_tf: Any) -> Iterator[None]:
    yield
    real_tf.config.run_functions_eagerly(False)
    tfcompat.config.run_functions_eagerly(False)


def _run_functions_eagerly_guide(tf: Any) -> Any:
    """The guide's debugging example: Python side effects and `.numpy()` inside a
    function, tracing counts, and the switch back to compiled execution."""
    log: list[Any] = []

    @tf.function
    def get_mse(y_true: Any, y_pred: Any) -> Any:
        log.append("traced")
        sq_diff = tf.pow(y_true - y_pred, 2)
        return tf.reduce_mean(sq_diff)

    y_true = tf.constant([5, 0, 1, 3, 6], tf.int32)
    y_pred = tf.constant([3, 4, 4, 1, 0], tf.int32)
    out = [get_mse(y_true, y_pred).numpy(), get_mse.experimental_get_tracing_count()]
    tf.config.run_functions_eagerly(True)
    flags = [tf.config.functions_run_eagerly()]

    @tf.function
    def with_numpy(x: Any) -> Any:
        log.append(float(x.numpy()))  # only possible when running eagerly
        if x > 0:  # plain Python control flow on a tensor
            return x * 2
        return -x

    out += [with_numpy(tf.constant(3.0)).numpy(), with_numpy(tf.constant(-1.0)).numpy()]
    out += [get_mse(y_true, y_pred).numpy(), get_mse(y_true, y_pred).numpy()]
    out += [get_mse.experimental_get_tracing_count(), with_numpy.experimental_get_tracing_count()]
    tf.config.run_functions_eagerly(False)
    flags.append(tf.config.functions_run_eagerly())
    out += [get_mse(y_true, y_pred).numpy(), get_mse.experimental_get_tracing_count()]
    out.append(get_mse(tf.constant([1.0]), tf.constant([2.0])).numpy())
    out.append(get_mse.experimental_get_tracing_count())
    return out, flags, log


def test_run_functions_eagerly_guide_example(eager_switch_reset: None, real_tf: Any) -> None:
    expected = _run_functions_eagerly_guide(real_tf)
    actual = _run_functions_eagerly_guide(tfcompat)
    assert repr(actual) == repr(expected)


def _eager_body_errors_and_tapes(tf: Any) -> Any:
    tf.config.run_functions_eagerly(True)

    @tf.function
    def f(x: Any) -> Any:
        raise KeyError("raised in the body")

    got = []
    try:
        f(tf.constant(1.0))
    except KeyError as exc:  # the Python exception itself, not wrapped
        got.append(repr(exc))
    v = tf.Variable(2.0)

    @tf.function
    def loss(x: Any) -> Any:
        return v * v * x

    with tf.GradientTape() as tape:
        y = loss(tf.constant(3.0))
    got.append(float(tape.gradient(y, v)))
    got.append(type(y).__name__)
    tf.config.run_functions_eagerly(False)
    with tf.GradientTape() as tape:
        y = loss(tf.constant(3.0))
    got.append(float(tape.gradient(y, v)))
    return got


def test_eager_body_raises_python_errors_and_records_tapes(
    eager_switch_reset: None, real_tf: Any
) -> None:
    assert _eager_body_errors_and_tapes(tfcompat) == _eager_body_errors_and_tapes(real_tf)


def test_switching_back_reuses_compiled_program() -> None:
    @tf.function
    def f(x: Any) -> Any:
        return x * 2

    f(tf.constant(1.0))
    before = tf.experimental.compile_stats()["compiles"]
    try:
        tf.config.run_functions_eagerly(True)
        assert float(f(tf.constant(5.0))) == 10.0
    finally:
        tf.config.run_functions_eagerly(False)
    stats = tf.experimental.compile_stats()["compiles"]
    assert float(f(tf.constant(7.0))) == 14.0
    assert f.experimental_get_tracing_count() == 1
    assert tf.experimental.compile_stats()["compiles"] == stats
    assert stats >= before


# --------------------------------------------------------------------------------------
# 2. tf.py_function / tf.numpy_function
# --------------------------------------------------------------------------------------


def _host_values(tf: Any) -> Any:
    calls: list[int] = []

    def np_sinh(a: Any) -> Any:
        calls.append(1)
        return np.sinh(a)

    @tf.function
    def f(x: Any) -> Any:
        y = tf.numpy_function(np_sinh, [x], tf.float32)
        s = tf.numpy_function(lambda a: np.float32(a.sum()), [x], tf.float32, stateful=False)
        pair = tf.numpy_function(
            lambda a: (a * 2, a.astype(np.int32)), [x], [tf.float32, tf.int32], name="pair"
        )
        z = tf.py_function(lambda a: (a * 2, tf.cast(a, tf.int64)), [x], [tf.float32, tf.int64])
        return y + 1, s, pair, z

    out = []
    for v in ([1.0, 2.0], [3.0, -1.0], [0.5, 0.25]):
        out.append(f(tf.constant(v)))
    steady = len(calls)
    f(tf.constant([1.0, 1.0]))
    out.append(len(calls) - steady)  # one call of the Python function per call
    out.append(f.experimental_get_tracing_count())
    # Eager: numpy_function converts what the function returns and ignores Tout.
    out.append(tf.numpy_function(lambda a: a * 2.0, [tf.constant(1.0)], tf.float64))
    out.append(tf.numpy_function(lambda a: 3, [tf.constant(1.0)], tf.int64))
    out.append(tf.numpy_function(lambda a: [a, a + 1], [tf.constant([1, 2])], [tf.int32] * 2))
    out.append(tf.py_function(lambda a: a * 3, [tf.constant([1.0, 2.0])], Tout=tf.float32))
    out.append(tf.py_function(lambda a, b: [a + b], [1.0, 2.0], Tout=[tf.float32]))
    out.append(tf.py_function(lambda a: None, [tf.constant(1.0)], Tout=[]))
    strs = tf.numpy_function(lambda a: a, [tf.constant(["a", "bc"])], tf.string)
    out.append(strs)
    return out


def test_numpy_and_py_function_values(run_both: Any) -> None:
    run_both(_host_values)


def test_string_inputs_reach_numpy_function(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        seen: list[Any] = []

        def look(s: Any, n: Any) -> Any:
            seen.append((s.dtype.kind, [bytes(b) for b in s.reshape(-1)], n.dtype.name))
            return np.int32(len(s))

        @tf.function
        def f(n: Any) -> Any:
            return tf.numpy_function(look, [tf.constant(["ab", "c"]), n], tf.int32)

        return f(tf.constant(3)), f(tf.constant(4)), seen

    run_both(fn)


def _grads(tf: Any) -> Any:
    def cube(a: Any, b: Any) -> Any:
        return a * a * a + tf.sin(b) * a, tf.exp(b)

    x, b = tf.constant([1.0, 2.0]), tf.constant(0.5)
    out = []
    # (one gradient per call: TF's EagerPyFunc gradient pops the call's tape)
    with tf.GradientTape() as tape:
        tape.watch([x, b])
        y, e = tf.py_function(cube, [x, b], [tf.float32, tf.float32])
        total = tf.reduce_sum(y) + 2.0 * e
    out += [y, e, tape.gradient(total, [x, b])]

    @tf.function
    def inside(x: Any, b: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch([x, b])
            y, e = tf.py_function(cube, [x, b], [tf.float32, tf.float32])
            total = tf.reduce_sum(y * y) + e
        return total, tape.gradient(total, [x, b])

    out.append(inside(x, b))
    out.append(inside(x * 2, b))

    @tf.function
    def plain(x: Any, b: Any) -> Any:
        return tf.py_function(cube, [x, b], [tf.float32, tf.float32])[0]

    with tf.GradientTape() as tape:
        tape.watch(x)
        y = plain(x, b)
    out.append(tape.gradient(y, x))
    # numpy_function is not differentiable: no gradient.
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.numpy_function(lambda a: a * 2, [x], tf.float32)
    out.append(tape.gradient(y, x))
    return out


def test_py_function_gradient_matches_tensorflow(run_both: Any) -> None:
    run_both(_grads, rtol=1e-6)


def _bad(exc: BaseException) -> Any:
    def fn(a: Any) -> Any:
        raise exc

    return fn


@pytest.mark.parametrize(
    "exc",
    [ValueError("boom"), TypeError("t"), KeyError("k"), StopIteration(), NotImplementedError("n")],
    ids=lambda e: type(e).__name__,
)
def test_callback_errors_have_tensorflow_classes(real_tf: Any, exc: BaseException) -> None:
    def classes(tf: Any) -> list[str]:
        got = []
        for call in (
            lambda: tf.py_function(_bad(exc), [tf.constant(1.0)], tf.float32),
            lambda: tf.numpy_function(_bad(exc), [tf.constant(1.0)], tf.float32),
            lambda: tf.function(lambda x: tf.py_function(_bad(exc), [x], tf.float32))(
                tf.constant(1.0)
            ),
            lambda: tf.function(lambda x: tf.numpy_function(_bad(exc), [x], tf.float32))(
                tf.constant(1.0)
            ),
        ):
            try:
                call()
                got.append("no error")
            except Exception as e:
                first = str(e).split("\n")[0]
                text = first.split("}} ")[-1]
                got.append(f"{type(e).__name__}: {text}")
        return got

    assert classes(tfcompat) == classes(real_tf)


def test_numpy_function_output_dtype_is_checked(real_tf: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def f(x: Any) -> Any:
            return tf.numpy_function(lambda a: a.astype(np.float64), [x], tf.float32)

        try:
            f(tf.constant(1.0))
        except Exception as e:
            return type(e).__name__, "is double, but expects float" in str(e)
        return None

    assert fn(tfcompat) == fn(real_tf)


def test_callback_shape_is_learned_once() -> None:
    calls: list[int] = []

    def total(a: Any) -> Any:
        calls.append(1)
        return np.float32(a.sum())

    @tf.function
    def f(x: Any) -> Any:
        return tf.numpy_function(total, [x], tf.float32) * 2

    assert float(f(tf.constant([1.0, 2.0]))) == 6.0
    first = len(calls)  # the guessed shape (2,) was wrong: traced again and rerun
    assert float(f(tf.constant([3.0, 2.0]))) == 10.0
    assert len(calls) == first + 1
    assert f.experimental_get_tracing_count() == 1

    @tf.function
    def g(x: Any) -> Any:
        return tf.numpy_function(total, [x], tf.TensorSpec([], tf.float32))

    assert float(g(tf.constant([1.0, 2.0]))) == 3.0
    assert len(calls) == first + 2  # a TensorSpec gives the shape: no second run


def _callback_edges(tf: Any) -> Any:
    calls: list[str] = []
    v = tf.Variable([1.0, 2.0])

    @tf.function
    def f(x: Any) -> Any:
        tf.py_function(lambda: calls.append("no inputs"), [], [])  # runs: stateful
        b = tf.numpy_function(lambda: np.int64(7), [], tf.int64)
        c = tf.py_function(lambda t: 2.5, [x], tf.float32)  # a Python float, converted
        d = tf.py_function(lambda t: t * 2, [v], tf.float32)  # a variable input
        return b, c, d

    out = [f(tf.constant(1.0)), f(tf.constant(2.0))]
    cf = f.get_concrete_function(tf.TensorSpec([], tf.float32))
    out.append(cf(tf.constant(3.0)))
    out.append(len(calls))

    @tf.py_function(Tout=tf.float32)
    def deco(x: Any) -> Any:
        return x + 1

    out += [deco(tf.constant(1.0)), tf.function(lambda x: deco(x))(tf.constant(5.0))]
    return out


def test_callback_without_inputs_variables_concrete_and_decorator(run_both: Any) -> None:
    run_both(_callback_edges)


def _under_outer_tape(tf: Any) -> Any:
    @tf.function
    def f(x: Any) -> Any:
        tf.print("inside", x, output_stream=sys.stdout)
        return x * x

    def bad(a: Any) -> Any:
        raise ValueError("boom")

    @tf.function
    def g(x: Any) -> Any:
        return tf.numpy_function(bad, [x], tf.float32) + x

    x = tf.constant(3.0)
    out: list[Any] = []
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
        print("after call", flush=True)
    out.append(tape.gradient(y, x))
    with tf.GradientTape() as tape:
        tape.watch(x)
        try:
            out.append(g(x))
        except Exception as e:
            out.append(type(e).__name__)
    return out


def test_callbacks_of_a_function_recorded_by_an_outer_tape(real_tf: Any, capfd: Any) -> None:
    """A function with callbacks called under a tape: the gradient passes the print by,
    the print runs at the call, and a failing callback raises TF's class (never a value
    computed from the callback's placeholder zeros)."""
    expected = _under_outer_tape(real_tf)
    capfd.readouterr()
    actual = _under_outer_tape(tfcompat)
    out = capfd.readouterr().out
    assert [float(expected[0]), expected[1]] == [float(actual[0]), actual[1]]
    assert out.index("inside 3") < out.index("after call")


# --------------------------------------------------------------------------------------
# 3. tf.print
# --------------------------------------------------------------------------------------


def _print_cases(tf: Any) -> None:
    import collections

    tf.print(tf.constant("hi"))
    tf.print(tf.constant("hi"), "x", tf.constant(["a", "b"]))
    tf.print(list(range(40)))
    tf.print({"b": 1, "a": tf.constant([1.5, 2])})
    tf.print(collections.OrderedDict([("z", 1), ("a", tf.constant(2))]))
    tf.print((1, tf.constant(2)), [tf.constant(3)])
    tf.print(tf.range(20))
    tf.print(tf.range(20), summarize=-1)
    tf.print(tf.reshape(tf.range(60.0), (3, 4, 5)), summarize=2)
    # -0.0 as a vector: TF's eager cache of scalar constants can hand back a cached 0.0
    tf.print(tf.constant(3.14159265, tf.float64), tf.constant(1e20), tf.constant([-0.0]))
    tf.print(tf.constant([[True]]), tf.constant(7, tf.uint8), tf.constant(1.5, tf.float16))
    tf.print("a", "b", sep=",", end="|\n")
    tf.print()
    tf.print(None, 1.5, "s", b"bytes", "{}")
    tf.print(tf.zeros([0]), tf.zeros([2, 0]), tf.zeros([1, 5]), summarize=1)
    tf.print("to stdout", [tf.constant(1)] * 30, output_stream=sys.stdout)


def _print_program(tf: Any) -> None:
    print("== eager", flush=True)
    _print_cases(tf)

    @tf.function
    def f(x: Any) -> Any:
        print("Traced with", x.dtype.name)  # Python: once per trace
        tf.print("Executed with", x)
        tf.print("python values only", 1, [2, "3"])
        _print_cases(tf)
        return x

    print("== function", flush=True)
    f(tf.constant(1))
    f(tf.constant(2))
    f(tf.constant(2.5))
    sys.stdout.flush()


def test_tf_print_text_matches_tensorflow(real_tf: Any, capfd: Any) -> None:
    """Every call prints (Python-only arguments too), to stderr by default; TF's
    templates (pprint of structures), summaries and separators; Python's print runs
    once per trace, as the guide's "print versus tf.print" example shows."""
    _print_program(real_tf)
    expected = capfd.readouterr()
    _print_program(tfcompat)
    actual = capfd.readouterr()
    assert actual.out == expected.out

    def clean(err: str) -> list[str]:  # TF's own C++ log lines are not tf.print's
        return [ln for ln in err.splitlines() if not ln.startswith(("I0000", "W0000", "E0000"))]

    assert clean(actual.err) == clean(expected.err)


def _ordered(tf: Any) -> None:
    v = tf.Variable(0)

    def host(a: Any) -> Any:
        print("numpy_function sees", int(a), flush=True)
        return a + 1

    @tf.function
    def f(x: Any) -> Any:
        tf.print("start", x, output_stream=sys.stdout)
        v.assign_add(x)
        tf.print("after assign", v, output_stream=sys.stdout)
        y = tf.numpy_function(host, [v.read_value()], tf.int32)
        tf.print("after callback", y, output_stream=sys.stdout)
        with tf.control_dependencies([y]):
            tf.print("end", output_stream=sys.stdout)
        return y

    f(tf.constant(1))
    f(tf.constant(2))
    sys.stdout.flush()


def test_tf_print_runs_in_program_order_with_other_stateful_ops(real_tf: Any, capfd: Any) -> None:
    _ordered(real_tf)
    expected = capfd.readouterr().out
    _ordered(tfcompat)
    assert capfd.readouterr().out == expected
    assert expected.count("start") == 2


def test_tf_print_to_file_and_bad_stream(real_tf: Any, tmp_path: Any) -> None:
    def write(tf: Any, path: Any) -> Any:
        @tf.function
        def f(x: Any) -> Any:
            tf.print("x:", x, {"k": x * 2}, output_stream=f"file://{path}")
            return x

        f(tf.constant([1, 2]))
        f(tf.constant([3, 4]))
        tf.print("eager", output_stream=f"file://{path}")
        try:
            tf.print("x", output_stream=object())
        except Exception as e:
            return type(e).__name__, str(e).split(".")[0]
        return None

    expected = write(real_tf, tmp_path / "tf.txt")
    actual = write(tfcompat, tmp_path / "tc.txt")
    assert actual == expected
    assert (tmp_path / "tc.txt").read_text() == (tmp_path / "tf.txt").read_text()


def test_tf_print_to_logging(caplog: Any) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="tensorflow"):

        @tf.function
        def f(x: Any) -> Any:
            tf.print("logged", x, output_stream=logging.info)
            tf.print("warned", output_stream=logging.WARNING)
            return x

        f(tf.constant(1))
        f(tf.constant(2))
    texts = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert texts == [
        ("INFO", "logged 1"),
        ("WARNING", "warned"),
        ("INFO", "logged 2"),
        ("WARNING", "warned"),
    ]


# --------------------------------------------------------------------------------------
# 4. Non-strict execution
# --------------------------------------------------------------------------------------


def _non_strict(tf: Any) -> Any:
    out: list[Any] = []

    def attempt(fn: Any, *args: Any) -> None:
        try:
            out.append(fn(*args))
        except Exception as e:
            out.append(type(e).__name__)

    # The guide's example: an unused failing gather raises eagerly, not in a function.
    def unused_return_eager(x: Any) -> Any:
        tf.gather(x, [1])  # unused
        return x

    attempt(unused_return_eager, tf.constant([0.0]))
    attempt(tf.function(unused_return_eager), tf.constant([0.0]))

    @tf.function
    def used(x: Any, i: Any) -> Any:
        return tf.gather(x, i)

    attempt(used, tf.constant([0.0]), tf.constant([1]))

    @tf.function
    def dead_division(x: Any, y: Any) -> Any:
        _ = x // y  # integer division by zero, unused
        _ = tf.linalg.inv(tf.zeros([2, 2]) * tf.cast(x[0], tf.float32))  # singular, unused
        return x + 1

    attempt(dead_division, tf.constant([1, 2]), tf.constant([0, 1]))

    v = tf.Variable(0)

    @tf.function
    def stateful_still_run(x: Any) -> Any:
        bad = tf.gather(x, [3])  # feeds the assignment: live
        v.assign(bad[0])
        return x

    attempt(stateful_still_run, tf.constant([1, 2]))

    @tf.function
    def assertion_runs(x: Any) -> Any:
        tf.debugging.assert_equal(x, 0)  # result unused: still runs (stateful)
        return x + 1

    attempt(assertion_runs, tf.constant(0))
    attempt(assertion_runs, tf.constant(1))

    @tf.function
    def through_print(x: Any) -> Any:
        with tf.control_dependencies([tf.print("printing", output_stream=sys.stdout)]):
            y = x * 2
        return y

    attempt(through_print, tf.constant(3))
    out.append(v)
    return out


def test_dead_ops_do_not_raise(run_both: Any, capfd: Any) -> None:
    """TF's non-strict execution (the guide's `tf.gather` example): an op whose result
    nothing uses cannot fail; live ones, assignments and assertions still do."""
    run_both(_non_strict, message=False)
    out = capfd.readouterr().out
    assert out.count("printing") == 2


def test_dead_check_leaves_no_program_output() -> None:
    @tf.function
    def f(x: Any) -> Any:
        tf.gather(x, [1])
        return x

    f(tf.constant([0.0]))
    cf = next(iter(f._concrete.values()))
    tr = next(iter(cf._instances.values()))
    assert tr.check_spec.n_outputs == 0


# --------------------------------------------------------------------------------------
# 5. Strings inside traced functions
# --------------------------------------------------------------------------------------


def _strings(tf: Any) -> Any:
    @tf.function
    def f(a: Any, b: Any, n: Any) -> Any:
        s = tf.strings.join([a, b], separator="-") + "!"
        u = tf.strings.upper(s)
        return u, tf.strings.length(u) * n, tf.strings.split(a, ","), a + b + "!"

    @tf.function
    def numbers(x: Any) -> Any:
        return tf.strings.to_number(tf.constant(["1.5", "2"])) * x

    return [
        f(tf.constant("x,y"), tf.constant("b"), tf.constant(2)),
        f(tf.constant("z"), tf.constant("b"), tf.constant(3)),
        numbers(tf.constant(2.0)),
    ]


def test_string_constants_arguments_and_outputs_in_functions(run_both: Any) -> None:
    run_both(_strings)

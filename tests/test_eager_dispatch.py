"""Python numbers that do not change shapes are run-time operands: no compile per value.

An index, a slice start, a roll shift, an assignment position or a pad value is a value
operand of its raw op (`RawOp.operands`): programs are compiled once per shape, eagerly
and in recorded tape programs, and a new value reuses them. The compile counter
(`tf.experimental.compile_stats()`) counts every XLA compile, single ops included.
Values are compared with NumPy here and with TensorFlow (marker `tf`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tfcompat
from tfcompat._engine import caches
from tfcompat._ops.registry import OPS, register
from tfcompat._tape import engine

N = 1000  # distinct values per loop
SIZE = N + 8


def _compiles() -> int:
    return int(tfcompat.experimental.compile_stats()["compiles"])


def _eager_cases(tf: Any) -> dict[str, Callable[[int], Any]]:
    """Each case maps a Python int `i` to one op (or a statement) whose shapes do not
    depend on `i`."""
    a = tf.constant(np.arange(SIZE, dtype=np.float32))
    b = tf.constant(np.arange(SIZE, dtype=np.float32) * 0.5)
    m = tf.constant(np.arange(SIZE * 3, dtype=np.float32).reshape(SIZE, 3))
    v = tf.Variable(np.zeros(SIZE, np.float32))
    c = tf.Variable(np.zeros(SIZE, np.float32))
    w = tf.Variable(np.zeros((SIZE, 3), np.float32))

    def assign_sum(i: int) -> Any:
        c[i].assign(a[i] + b[i])
        return c.read_value()

    return {
        "index": lambda i: a[i],
        "negative index": lambda i: a[-i - 1],
        "tensor index": lambda i: a[tf.constant(i)],
        "slice": lambda i: a[i : i + 3],
        "strided slice": lambda i: m[i : i + 6 : 2, ::-1],
        "row and columns": lambda i: m[i, 1:],
        "roll": lambda i: tf.roll(a, i, 0),
        "tf.slice": lambda i: tf.slice(m, [i, 1], [2, 2]),
        "pad value": lambda i: tf.pad(a[:4], [[1, 2]], constant_values=float(i)),
        "assign": lambda i: v[i].assign(1.0).read_value(),
        "assign row": lambda i: w[i, :2].assign([float(i), 2.0]).read_value(),
        "assign a[i] + b[i]": assign_sum,
    }


CASES = sorted(_eager_cases(tfcompat))


@pytest.mark.parametrize("case", CASES)
def test_new_values_compile_nothing_eagerly(case: str) -> None:
    fn = _eager_cases(tfcompat)[case]
    ref = _eager_cases(_NumpyTF())[case]
    for i in (0, 1):  # a new shape runs in NumPy, and compiles when it comes again
        fn(i)
        ref(i)
    before = _compiles()
    for i in range(2, N):
        out = fn(i)
        expected = ref(i)  # NumPy runs the same statements
        if i % 97 == 0:  # (compared on a sample)
            np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))
    assert _compiles() == before


class _NumpyTF:
    """The few `tf` names `_eager_cases` uses, on NumPy arrays (a reference)."""

    class Variable:
        def __init__(self, value: Any) -> None:
            self.value = np.array(value)

        def __getitem__(self, key: Any) -> Any:
            var = self

            class _Slice:
                def assign(self, x: Any) -> Any:
                    var.value[key] = np.asarray(x)
                    return var

            return _Slice()

        def read_value(self) -> Any:
            return self.value.copy()

    @staticmethod
    def constant(x: Any) -> Any:
        return np.asarray(x)

    @staticmethod
    def roll(x: Any, shift: int, axis: int) -> Any:
        return np.roll(x, shift, axis)

    @staticmethod
    def slice(x: Any, begin: list[int], size: list[int]) -> Any:
        return x[tuple(slice(b, b + s) for b, s in zip(begin, size, strict=True))]

    @staticmethod
    def pad(x: Any, paddings: Any, constant_values: float) -> Any:
        return np.pad(x, paddings, constant_values=np.float32(constant_values))


@pytest.mark.parametrize("case", CASES)
def test_values_equal_tensorflow(run_both: Any, case: str) -> None:
    def run(tf: Any) -> list[Any]:
        fn = _eager_cases(tf)[case]
        return [fn(i) for i in range(0, N, 37)]

    run_both(run)


def _tape_step(tf: Any, a: Any, i: int) -> tuple[Any, Any]:
    with tf.GradientTape() as tape:
        y = (
            tf.reduce_sum(a[i : i + 3] * 2.0)
            + a[i] * a[i + 1]
            + tf.reduce_sum(tf.roll(a, i, 0)[:2])
            + tf.reduce_sum(tf.slice(a, [i + 2], [2]))
        )
    return y, tape.gradient(y, a)


def test_new_values_compile_nothing_on_a_tape() -> None:
    a = tfcompat.Variable(np.linspace(-1.0, 1.0, SIZE, dtype=np.float32))
    for i in (0, 1):  # the gradient program, then the program reading it
        _, g = _tape_step(tfcompat, a, i)
        g.numpy()
    stats = tfcompat.experimental.compile_stats()
    for i in range(2, N):
        _, g = _tape_step(tfcompat, a, i)
        if i % 97 == 0:
            x = a.numpy()
            expected = np.zeros(SIZE, np.float32)
            expected[i : i + 3] += 2.0
            expected[i] += x[i + 1]
            expected[i + 1] += x[i]
            expected[(np.arange(2) - i) % SIZE] += 1.0
            expected[i + 2 : i + 4] += 1.0
            np.testing.assert_allclose(g.numpy(), expected, rtol=1e-6)
        g.numpy()
    after = tfcompat.experimental.compile_stats()
    assert after["compiles"] == stats["compiles"]
    assert after["plans"] == stats["plans"]


def test_tape_values_equal_tensorflow(run_both: Any) -> None:
    def run(tf: Any) -> list[Any]:
        a = tf.Variable(np.linspace(-1.0, 1.0, SIZE, dtype=np.float32))
        return [_tape_step(tf, a, i) for i in range(0, N, 111)]

    run_both(run)


def test_training_loop_with_a_moving_index_compiles_once() -> None:
    """`c[i].assign(...)` with a gradient inside a loop: the step's programs are reused."""
    a = tfcompat.Variable(np.ones(SIZE, np.float32))
    c = tfcompat.Variable(np.zeros(SIZE, np.float32))

    def step(i: int) -> None:
        with tfcompat.GradientTape() as tape:
            loss = a[i] * a[i]
        (g,) = tape.gradient(loss, [a])
        a.assign_sub(0.1 * g)
        c[i].assign(a[i])

    for i in range(3):
        step(i)
    before = _compiles()
    for i in range(3, 300):
        step(i)
    assert _compiles() == before
    np.testing.assert_allclose(c.numpy()[:300], np.full(300, 0.8, np.float32), rtol=1e-6)


def test_a_new_shape_runs_on_the_host_then_compiles_when_it_repeats() -> None:
    a = tfcompat.constant(np.arange(20, dtype=np.float32))
    before = _compiles()
    first = tfcompat.reshape(a[: 2 * 3], [3, 2])  # two ops of new shapes: NumPy, no compile
    assert _compiles() == before
    second = tfcompat.reshape(a[2 : 2 + 2 * 3], [3, 2])  # the same shapes again: compiled
    assert _compiles() == before + 2
    tfcompat.reshape(a[4 : 4 + 2 * 3], [3, 2])
    assert _compiles() == before + 2
    np.testing.assert_array_equal(first.numpy(), np.arange(6, dtype=np.float32).reshape(3, 2))
    np.testing.assert_array_equal(second.numpy(), np.arange(2, 8, dtype=np.float32).reshape(3, 2))


_HOST_CASES: list[tuple[str, Callable[[Any], Any]]] = [
    ("StridedSlice", lambda tf: tf.constant(np.arange(60.0).reshape(3, 4, 5))[1:, None, ::-2, 3]),
    ("StridedSlice", lambda tf: tf.constant(np.arange(40, dtype=np.int8).reshape(8, 5))[6:1:-3]),
    ("Slice", lambda tf: tf.slice(tf.constant(np.arange(30.0).reshape(5, 6)), [1, 2], [3, 4])),
    ("Reshape", lambda tf: tf.reshape(tf.constant(np.arange(12, dtype=np.float32)), [3, -1])),
    (
        "Transpose",
        lambda tf: tf.transpose(tf.constant(np.arange(24.0).reshape(2, 3, 4)), [2, 0, 1]),
    ),
    ("Fill", lambda tf: tf.fill([2, 3], tf.constant(1.5, tf.bfloat16))),
    ("BroadcastTo", lambda tf: tf.broadcast_to(tf.constant([1, 2, 3]), [4, 3])),
    ("ExpandDims", lambda tf: tf.expand_dims(tf.constant([[1.0, 2.0]]), 1)),
    ("Squeeze", lambda tf: tf.squeeze(tf.constant(np.ones((1, 3, 1), np.complex64)))),
    ("ConcatV2", lambda tf: tf.concat([tf.constant([[1.0]]), tf.constant([[2.0], [3.0]])], 0)),
    ("Pack", lambda tf: tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1)),
    ("Tile", lambda tf: tf.tile(tf.constant([[1.0, 2.0]]), [3, 2])),
    ("ReverseV2", lambda tf: tf.reverse(tf.constant(np.arange(12.0).reshape(3, 4)), [0, 1])),
]


@pytest.mark.parametrize(("op", "make"), _HOST_CASES, ids=[c[0] for c in _HOST_CASES])
def test_host_run_is_bit_identical_to_the_compiled_op(op: str, make: Callable[[Any], Any]) -> None:
    assert OPS[op].host is not None
    tfcompat.experimental.clear_caches()
    before = _compiles()
    host = make(tfcompat)  # first sighting of these shapes: NumPy
    assert _compiles() == before
    compiled = make(tfcompat)  # second: compiled
    assert host.dtype == compiled.dtype and host.shape == compiled.shape
    h, c = host.numpy(), compiled.numpy()
    assert h.tobytes() == c.tobytes()


def test_tf_function_retraces_for_a_python_int_as_tensorflow(run_both: Any) -> None:
    """Value operands are an engine matter: tf.function keeps TF's tracing rules."""

    def run(tf: Any) -> tuple[Any, ...]:
        a = tf.constant(np.arange(10, dtype=np.float32))
        f = tf.function(lambda i: a[i] * 2.0)
        outs = [f(1), f(2), f(3)]
        traced_ints = f.experimental_get_tracing_count()
        outs += [f(tf.constant(1)), f(tf.constant(2))]
        return (*outs, traced_ints, f.experimental_get_tracing_count())

    run_both(run)


def test_roll_shift_may_be_symbolic_inside_tf_function(run_both: Any) -> None:
    def run(tf: Any) -> list[Any]:
        a = tf.constant(np.arange(10, dtype=np.float32))
        f = tf.function(lambda s: tf.roll(a, s, 0))
        return [f(tf.constant(s)) for s in (0, 3, -4, 12)]

    run_both(run)


def test_an_op_registered_with_operands_gets_them_as_arrays() -> None:
    """The rule is the op table's: an op declaring `operands` compiles once per shape."""
    name = "_TestAddScalar"

    @register(name, operands=("scalar",))
    def _add_scalar(x: Any, *, scalar: Any, scale: float) -> Any:
        return x * scale + scalar

    try:
        op = OPS[name]
        x64 = tfcompat.constant([1.0, 2.0], tfcompat.float64)
        engine.execute_op(op, (x64,), (("scalar", 0.5), ("scale", 2.0))).numpy()
        before = _compiles()
        for k in range(20):
            out = engine.execute_op(op, (x64,), (("scalar", float(k)), ("scale", 2.0)))
            np.testing.assert_array_equal(out.numpy(), [2.0 + k, 4.0 + k])
        assert _compiles() == before
        engine.execute_op(op, (x64,), (("scalar", 1.0), ("scale", 3.0))).numpy()
        assert _compiles() == before + 1  # a static attribute still keys the program
    finally:
        del OPS[name]  # (the op table must hold only TF's ops: test_op_coverage)


def test_the_compile_log_names_what_caused_each_compile(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(caches, "_LOG_COMPILES", True)
    caplog.set_level("WARNING", logger="tfcompat")
    tfcompat.experimental.clear_caches()
    a = tfcompat.Variable(np.arange(20, dtype=np.float32))
    for n in (3, 3, 4, 4):
        (a[:n] * 2.0).numpy()
    for n in (3, 4):
        with tfcompat.GradientTape() as tape:
            y = tfcompat.reduce_sum(a[:n] * a[:n])
        tape.gradient(y, a).numpy()
    lines = [r.getMessage() for r in caplog.records if "compiling" in r.getMessage()]
    site = "test_eager_dispatch.py"
    assert any(
        f"Mul at {__file__}" in m and "input 0 has shape (4,), previously (3,)" in m for m in lines
    )
    assert any(
        "StridedSlice at" in m and "attribute index=(('s', 4, 1),), previously (('s', 3, 1),)" in m
        for m in lines
    )
    assert any(
        "gradient program" in m and site in m and "Op 0 (StridedSlice) has attributes" in m
        for m in lines
    )

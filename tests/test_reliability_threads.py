"""Reliability (issue 6, part 4): threads, exceptions and interrupts.

* Tapes are thread-local, as in TF: a tape records only its own thread's ops.
* Threads training separate models concurrently get exactly the results each gets alone
  (variable updates are lazy and flushed together, possibly by another thread).
* An exception inside `with tape:` or inside a `tf.function` leaves the tape stack, the
  variables and the compile cache consistent; TF's answers after the exception match.
* A KeyboardInterrupt during a compile (raised from inside the traced program, or from
  `jax.jit` itself) leaves tfcompat usable, with pending variable updates still pending.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
import pytest

import tfcompat as tf
from tfcompat._engine import abstract
from tfcompat._tape import engine


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Make the interpreter switch threads far more often, to expose races."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


def _run_threads(fns: list[Callable[[], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(fns)
    errors: list[BaseException] = []
    start = threading.Barrier(len(fns))

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = fns[i]()
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results


# --------------------------------------------------------------------------------------
# Tapes are thread-local
# --------------------------------------------------------------------------------------


def _thread_local_snippet(tf: Any) -> Any:
    v = tf.Variable(2.0)
    x = tf.constant(3.0)
    seen: dict[str, Any] = {}
    entered, done = threading.Event(), threading.Event()

    def other() -> None:
        entered.wait()
        seen["y"] = v * v  # read while the main thread's tape records
        seen["z"] = x * x
        done.set()

    t = threading.Thread(target=other)
    t.start()
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        entered.set()
        done.wait()
        own = v * x
    t.join()
    return (
        tape.gradient(seen["y"], v),
        tape.gradient(seen["z"], x),
        tape.gradient(own, [v, x]),
        [w.name for w in tape.watched_variables()],
    )


def test_tape_does_not_record_other_threads_ops() -> None:
    y_grad, z_grad, own, watched = _thread_local_snippet(tf)
    assert y_grad is None and z_grad is None
    assert [g.numpy() for g in own] == [3.0, 2.0]
    assert watched == ["Variable:0"]


def test_tape_thread_locality_matches_tensorflow(run_both: Any) -> None:
    run_both(_thread_local_snippet)


def test_tape_stack_is_per_thread() -> None:
    def inner() -> int:
        depth = len(engine.state.recording)
        with tf.GradientTape():
            return depth

    with tf.GradientTape(), tf.GradientTape():
        assert len(engine.state.recording) == 2
        (depth,) = _run_threads([inner])
    assert depth == 0
    assert engine.state.recording == []


# --------------------------------------------------------------------------------------
# Concurrent training gives the same results as training alone
# --------------------------------------------------------------------------------------


def _make_trainer(seed: int, steps: int) -> Callable[[], Any]:
    def train() -> Any:
        rng = np.random.default_rng(seed)
        w = tf.Variable(rng.standard_normal((6, 4)).astype(np.float32) * 0.3, name=f"w{seed}")
        b = tf.Variable(np.zeros(4, np.float32), name=f"b{seed}")
        data = rng.standard_normal((4, 16, 6)).astype(np.float32)
        target = rng.standard_normal((4, 16, 4)).astype(np.float32)
        losses = []
        for i in range(steps):
            x, t = tf.constant(data[i % 4]), tf.constant(target[i % 4])
            with tf.GradientTape() as tape:
                pred = tf.tanh(tf.matmul(x, w) + b)
                loss = tf.reduce_mean(tf.square(pred - t))
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.1 * gw)
            b.assign_sub(0.1 * gb)
            losses.append(loss)
        return np.array([float(v) for v in losses]), w.numpy(), b.numpy()

    return train


def test_concurrent_training_matches_training_alone(fast_switching: None) -> None:
    seeds, steps = [1, 2, 3, 4], 60
    alone = [_make_trainer(s, steps)() for s in seeds]
    together = _run_threads([_make_trainer(s, steps) for s in seeds])
    for (l1, w1, b1), (l2, w2, b2) in zip(alone, together, strict=True):
        np.testing.assert_array_equal(l1, l2)
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)


def test_shared_variable_read_while_another_thread_updates(fast_switching: None) -> None:
    # One thread keeps updating lazily; another reads: every read is a real value.
    v = tf.Variable(np.zeros(3, np.float32))
    n = 300

    def writer() -> None:
        for _ in range(n):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(v * 1.0)
            v.assign_add(tape.gradient(loss, v))

    def reader() -> list[float]:
        seen = []
        for _ in range(n):
            value = v.numpy()
            assert value is not None and value.shape == (3,)
            seen.append(float(value[0]))
        return seen

    _, seen = _run_threads([writer, reader])
    assert seen == sorted(seen)  # updates are never lost or reordered
    np.testing.assert_array_equal(v.numpy(), np.full(3, n, np.float32))


# --------------------------------------------------------------------------------------
# Exceptions inside `with tape:` and inside tf.function
# --------------------------------------------------------------------------------------


def _exception_in_tape_snippet(tf: Any) -> Any:
    x = tf.Variable(3.0)
    tape = tf.GradientTape()
    try:
        with tape:
            y = x * x
            raise KeyError("boom")
    except KeyError:
        pass
    # TF: recording stopped; what was recorded before the exception differentiates.
    return tape.gradient(y, x), x.numpy()


def test_exception_in_tape_matches_tensorflow(run_both: Any) -> None:
    run_both(_exception_in_tape_snippet)


def test_exception_in_tape_leaves_stack_variables_and_cache_consistent() -> None:
    w = tf.Variable(np.ones((3, 2), np.float32))
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))

    def step(fail: bool) -> Any:
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.matmul(x, w))
            if fail:
                raise RuntimeError("in the middle of a step")
        g = tape.gradient(loss, w)
        w.assign_sub(0.1 * g)
        return loss

    step(False)
    with pytest.raises(RuntimeError):
        step(True)
    # The failed step's loss (alive in the traceback) is computed once, as TF computes
    # it at its line; after that, failures and steps reuse the cached programs.
    w.numpy()
    before = engine.compile_stats()
    for _ in range(3):
        with pytest.raises(RuntimeError):
            step(True)
        assert engine.state.recording == []
    expected = w.numpy() - 0.1 * np.broadcast_to(x.numpy().sum(0)[:, None], (3, 2))
    step(False)
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert engine.compile_stats()["compiles"] == before["compiles"]


def test_exception_in_nested_tapes_unwinds_both() -> None:
    x = tf.Variable(1.0)
    outer, inner = tf.GradientTape(), tf.GradientTape()
    with pytest.raises(ValueError), outer, inner:
        y = x * x
        raise ValueError
    assert engine.state.recording == []
    assert inner.gradient(y, x).numpy() == 2.0
    assert outer.gradient(y, x).numpy() == 2.0


def test_shape_error_inside_tape_raises_tf_error_and_recovers() -> None:
    w = tf.Variable(np.ones((3, 2), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError), tf.GradientTape():
        tf.matmul(tf.ones((4, 4)), w)
    assert engine.state.recording == []
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.matmul(tf.ones((4, 3)), w))
    np.testing.assert_array_equal(tape.gradient(y, w).numpy(), np.full((3, 2), 4.0))


def test_exception_inside_tf_function_restores_variables() -> None:
    v = tf.Variable(np.array([1.0, 2.0], np.float32))
    calls = []

    @tf.function
    def f(x: Any, fail: bool) -> Any:
        calls.append(1)
        v.assign_add(x)
        if fail:
            raise ValueError("traced failure")
        return v * 2.0

    with pytest.raises(ValueError, match="traced failure"):
        f(tf.constant([1.0, 1.0]), True)
    assert engine.state.recording == []
    assert not isinstance(v._handle._value, jax.core.Tracer)
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])  # the failed call changed nothing
    np.testing.assert_array_equal(f(tf.constant([1.0, 1.0]), False).numpy(), [4.0, 6.0])
    np.testing.assert_array_equal(v.numpy(), [2.0, 3.0])


def test_exception_inside_tf_function_under_tape() -> None:
    v = tf.Variable(2.0)

    @tf.function
    def f(fail: bool) -> Any:
        if fail:
            raise ZeroDivisionError
        return v * v

    with tf.GradientTape() as tape:
        with pytest.raises(ZeroDivisionError):
            f(True)
        y = f(False)
    assert engine.state.recording == []
    assert tape.gradient(y, v).numpy() == 4.0


# --------------------------------------------------------------------------------------
# KeyboardInterrupt during a compile
# --------------------------------------------------------------------------------------


def _pending_update_setup(size: int) -> tuple[Any, Any, Any]:
    # A shape of its own per test, so that the program is not in the cache yet.
    w = tf.Variable(np.ones((2, size), np.float32))
    x = tf.constant(np.array([[1.0, 2.0], [3.0, 4.0]], np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sin(tf.matmul(x, w)) * 0.123456)
    g = tape.gradient(loss, w)
    w.assign_sub(g)
    assert w._handle.pending is not None
    w0 = np.ones((2, size), np.float32)
    xv = x.numpy()
    expected = w0 - 0.123456 * xv.T @ np.cos(xv @ w0)
    return w, loss, expected


def test_keyboard_interrupt_inside_traced_program_keeps_updates_pending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w, loss, expected = _pending_update_setup(17)
    real_run = engine.Program.run
    interrupted = []

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not interrupted:
            interrupted.append(1)
            raise KeyboardInterrupt
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(engine.Program, "run", run)
    with pytest.raises(KeyboardInterrupt):
        w.numpy()
    assert interrupted
    assert w._handle.pending is not None  # still pending, not lost, not a tracer
    monkeypatch.undo()
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-5)
    assert np.isfinite(loss.numpy())


def test_keyboard_interrupt_from_jax_jit_leaves_tfcompat_usable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w, loss, expected = _pending_update_setup(19)
    real_jit = jax.jit
    interrupted = []

    def jit(fn: Any, *args: Any, **kwargs: Any) -> Any:
        compiled = real_jit(fn, *args, **kwargs)

        def call(*a: Any, **k: Any) -> Any:
            if not interrupted:
                interrupted.append(1)
                raise KeyboardInterrupt
            return compiled(*a, **k)

        return call

    monkeypatch.setattr(jax, "jit", jit)
    with pytest.raises(KeyboardInterrupt):
        w.numpy()
    monkeypatch.undo()
    assert interrupted
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-5)
    assert np.isfinite(loss.numpy())
    assert engine.state.recording == []
    # And the engine still trains: a fresh step compiles and runs.
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(w * w)
    np.testing.assert_allclose(tape.gradient(y, w).numpy(), 2 * expected, rtol=1e-5)


def test_keyboard_interrupt_while_recording_unwinds_the_tape() -> None:
    x = tf.Variable(2.0)
    with pytest.raises(KeyboardInterrupt), tf.GradientTape():
        x * x
        raise KeyboardInterrupt
    assert engine.state.recording == []
    with tf.GradientTape() as tape:
        y = x * x
    assert tape.gradient(y, x).numpy() == 4.0


# --------------------------------------------------------------------------------------
# Shared engine tables under concurrent misses
# --------------------------------------------------------------------------------------


class _SlowLen(list):  # type: ignore[type-arg]
    """A list whose `len()` lets other threads run: the window between taking an id
    and appending it, which a GIL interpreter rarely gives and a free-threaded one may."""

    def __len__(self) -> int:
        n = super().__len__()
        time.sleep(1e-4)
        return n


def test_abstract_evaluation_key_ids_are_unique_across_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys = _SlowLen(abstract._KEY_OUTS)
    monkeypatch.setattr(abstract, "_KEY_OUTS", keys)

    def make(i: int) -> Callable[[], list[Any]]:
        return lambda: [engine._new_key((((i, j), tf.float32),)) for j in range(50)]

    entries = [e for got in _run_threads([make(i) for i in range(4)]) for e in got]
    ids = [key for key, _ in entries]
    assert len(set(ids)) == len(ids) == 200
    assert all(keys[key] is avals for key, avals in entries)


class _EvictedAfterLookup(OrderedDict):  # type: ignore[type-arg]
    """Cache entries where another thread's `put` runs right after `get`'s lookup and
    evicts what it found: that interleaving, made deterministic."""

    cache: Any = None

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key, default)
        if self.cache is not None:
            cache, self.cache = self.cache, None
            cache.put(("test", "other"), "other", "value", 1)  # maxsize 1: evicts `key`
        return found


def test_cache_get_survives_a_concurrent_eviction() -> None:
    cache = engine._Cache(maxsize=1)
    cache.entries = entries = _EvictedAfterLookup()
    cache.put(("test", "key"), "program", "value", 1)
    entries.cache = cache
    assert cache.get(("test", "key")) == "program"  # found; evicted before move_to_end
    assert list(entries) == [("test", "other")]
    assert cache.get(("test", "key")) is None

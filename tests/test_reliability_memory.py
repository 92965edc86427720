"""Reliability (issue 6, part 2): recorded graphs are freed; long loops do not grow.

A lazy engine keeps graphs (and the arrays at their leaves: batches, old variable
values) alive until values are computed. These tests pin down that nothing is kept
longer than TensorFlow would keep it:

* a non-persistent tape's graph goes once its gradient has been computed, even when the
  loss (or a value read inside the tape) is kept in a list;
* a persistent tape's graph goes when the tape is deleted;
* a pending tensor recorded on a dead tape (a metric computed inside the tape, a tape
  whose gradient is never taken) does not keep its step's batch alive: it is computed
  at the next materialization, as TF would have computed it at its line;
* Python objects, JAX buffers and resident memory stay flat over a training loop
  (1,000 steps here; 10,000 steps behind the `slow` marker).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import textwrap
import tracemalloc
import weakref
from collections.abc import Callable
from typing import Any

import jax
import numpy as np
import pytest

import tfcompat as tf
from tfcompat._core.tensor import Node

RNG = np.random.default_rng(0)


def _count(kind: type) -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def _batch(n: int = 256) -> Any:
    return tf.constant(RNG.standard_normal((n, 8)).astype(np.float32))


def _model() -> tuple[Any, Any]:
    w = tf.Variable(RNG.standard_normal((8, 4)).astype(np.float32) * 0.1)
    b = tf.Variable(np.zeros(4, np.float32))
    return w, b


def _forward(x: Any, w: Any, b: Any) -> tuple[Any, Any]:
    logits = tf.matmul(x, w) + b
    loss = tf.reduce_mean(tf.square(logits))
    return logits, loss


def _sgd(params: list[Any], grads: list[Any], lr: float = 0.01) -> None:
    for p, g in zip(params, grads, strict=True):
        p.assign_sub(lr * g)


# --------------------------------------------------------------------------------------
# Graphs of consumed, deleted and reset tapes
# --------------------------------------------------------------------------------------


def test_nonpersistent_tape_graph_freed_after_gradient_with_loss_kept() -> None:
    w, b = _model()
    losses, probes = [], []
    for _ in range(5):
        x = _batch()
        with tf.GradientTape() as tape:
            logits, loss = _forward(x, w, b)
        probes.append((weakref.ref(x), weakref.ref(logits), weakref.ref(loss._node)))
        _sgd([w, b], tape.gradient(loss, [w, b]))
        losses.append(loss)
        del x, logits, loss, tape
    w.numpy()  # the last step's update (and its gradient program) runs here
    gc.collect()
    for x_ref, logits_ref, node_ref in probes:
        assert x_ref() is None, "the batch outlived its step"
        assert logits_ref() is None, "an intermediate outlived its step"
        assert node_ref() is None, "the loss kept its graph"
    assert all(loss._node is None and loss._value is not None for loss in losses)


def test_nonpersistent_tape_graph_stays_until_gradient_is_computed() -> None:
    # Laziness is allowed until the value is needed: the gradient program still needs
    # the batch. Reading the loss (or the gradient) then frees it.
    w, b = _model()
    x = _batch()
    with tf.GradientTape() as tape:
        _, loss = _forward(x, w, b)
    grads = tape.gradient(loss, [w, b])
    x_ref = weakref.ref(x)
    del x
    gc.collect()
    assert x_ref() is not None
    loss.numpy()
    del grads
    gc.collect()
    assert x_ref() is None


def test_persistent_tape_graph_freed_when_tape_deleted() -> None:
    w, b = _model()
    losses, probes = [], []
    for _ in range(5):
        x = _batch()
        with tf.GradientTape(persistent=True) as tape:
            logits, loss = _forward(x, w, b)
        g1 = tape.gradient(loss, [w, b])
        tape.gradient(loss, w)
        _sgd([w, b], g1)
        probes.append((weakref.ref(x), weakref.ref(logits)))
        losses.append(loss)
        del x, logits, loss, tape, g1
    w.numpy()
    gc.collect()
    for x_ref, logits_ref in probes:
        assert x_ref() is None and logits_ref() is None
    assert all(loss._node is None for loss in losses)


def test_persistent_tape_graph_kept_while_tape_alive() -> None:
    w, b = _model()
    x = _batch()
    with tf.GradientTape(persistent=True) as tape:
        _, loss = _forward(x, w, b)
    first = tape.gradient(loss, w).numpy()
    x_ref = weakref.ref(x)
    del x
    gc.collect()
    assert x_ref() is not None  # a second gradient still needs the graph
    np.testing.assert_array_equal(tape.gradient(loss, w).numpy(), first)
    del tape
    gc.collect()
    assert x_ref() is None


def test_value_read_inside_tape_does_not_pin_graph() -> None:
    w, b = _model()
    kept, probes = [], []
    for _ in range(5):
        x = _batch()
        with tf.GradientTape() as tape:
            logits, loss = _forward(x, w, b)
            logits.numpy()  # printed or logged inside the tape
        _sgd([w, b], tape.gradient(loss, [w, b]))
        kept.append(logits)
        probes.append(weakref.ref(x))
        del x, logits, loss, tape
    w.numpy()
    gc.collect()
    assert all(r() is None for r in probes)
    assert all(t._node is None for t in kept)


def test_reset_frees_what_was_recorded_before() -> None:
    w, b = _model()
    x = _batch()
    with tf.GradientTape() as tape:
        _, first = _forward(x, w, b)
        first.numpy()
        tape.reset()
        _, loss = _forward(_batch(), w, b)
    x_ref = weakref.ref(x)
    del x
    gc.collect()
    assert first._node is None
    assert x_ref() is None
    assert tape.gradient(loss, w) is not None


# --------------------------------------------------------------------------------------
# Pending tensors do not keep big arrays alive longer than TF would
# --------------------------------------------------------------------------------------


def test_metric_computed_inside_tape_does_not_pin_batch() -> None:
    # `acc` is recorded (it depends on the variables) but not differentiated: TF computes
    # it at its line. Kept pending, it would keep each step's batch alive forever.
    w, b = _model()
    metrics, probes = [], []
    for _ in range(5):
        x = _batch()
        with tf.GradientTape() as tape:
            logits, loss = _forward(x, w, b)
            metric = tf.reduce_mean(tf.abs(logits))
        _sgd([w, b], tape.gradient(loss, [w, b]))
        metrics.append(metric)
        probes.append(weakref.ref(x))
        del x, logits, loss, metric, tape
    w.numpy()
    gc.collect()
    assert all(r() is None for r in probes), [r() is None for r in probes]
    assert all(m._node is None for m in metrics)


def test_metric_values_match_eager_computation() -> None:
    w, b = _model()
    w0, b0 = w.numpy(), b.numpy()
    x = _batch()
    with tf.GradientTape() as tape:
        logits, loss = _forward(x, w, b)
        metric = tf.reduce_mean(tf.abs(logits))
    _sgd([w, b], tape.gradient(loss, [w, b]))
    w.numpy()  # sweeps the dead tape: the metric is computed from the *old* w
    expected = np.mean(np.abs(x.numpy() @ w0 + b0))
    np.testing.assert_allclose(metric.numpy(), expected, rtol=1e-6)


def test_tape_dropped_without_gradient_does_not_pin_inputs() -> None:
    w, b = _model()
    losses, probes = [], []
    for _ in range(5):
        x = _batch()
        with tf.GradientTape() as tape:
            _, loss = _forward(x, w, b)
        losses.append(loss)
        probes.append(weakref.ref(x))
        del x, loss, tape
    # Swept at the next materialization (here: the next training step's update).
    with tf.GradientTape() as tape:
        _, loss = _forward(_batch(), w, b)
    _sgd([w, b], tape.gradient(loss, [w, b]))
    w.numpy()
    gc.collect()
    assert all(r() is None for r in probes)
    assert all(loss._value is not None for loss in losses)


def test_tensor_watched_every_step_does_not_collect_tapes() -> None:
    # A batch passed in again each step and watched by each step's tape (W6's pattern):
    # the tensor must not keep every dead tape (a leak, and `tape in t._tapes` checks
    # that grow with the step count).
    x = tf.constant(np.ones((4, 3), np.float32))
    for _ in range(50):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(x * x)
        tape.gradient(y, x).numpy()
    assert len(x._tapes) <= 1
    with tf.GradientTape(persistent=True) as outer, tf.GradientTape() as inner:
        outer.watch(x)
        inner.watch(x)
        assert len(x._tapes) == 2  # live tapes stay


def test_forward_accumulator_graph_freed_by_reference_counting() -> None:
    # No reference cycle between the accumulator's record and what it recorded: the
    # graph goes when the user drops it, without waiting for the cyclic collector.
    x = tf.constant([1.0, 2.0])
    gc.disable()
    try:
        with tf.autodiff.ForwardAccumulator(x, tf.constant([1.0, 0.0])) as acc:
            y = tf.sin(x) * 2.0
            z = y * y
        ref = weakref.ref(y)
        np.testing.assert_allclose(acc.jvp(z).numpy(), [8 * np.sin(1.0) * np.cos(1.0), 0.0])
        del acc, y, z
        assert ref() is None
    finally:
        gc.enable()


def test_pending_tensor_of_live_tape_is_not_forced() -> None:
    # Sweeping must not compute what a live tape still records (fusion is kept).
    w, b = _model()
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            _, loss = _forward(_batch(), w, b)
        g = inner.gradient(loss, w)
        w.numpy()
        total = tf.reduce_sum(g)
    assert outer.gradient(total, w) is not None


# --------------------------------------------------------------------------------------
# Loops stay flat
# --------------------------------------------------------------------------------------


def _train_step_fn() -> tuple[Callable[[], Any], list[Any]]:
    w, b = _model()
    x = _batch(64)

    def step() -> Any:
        with tf.GradientTape() as tape:
            logits, loss = _forward(x, w, b)
            metric = tf.reduce_mean(tf.abs(logits))
        _sgd([w, b], tape.gradient(loss, [w, b]))
        return loss, metric

    return step, [w, b]


def test_objects_and_buffers_flat_over_1000_steps() -> None:
    step, params = _train_step_fn()
    history = []
    for _ in range(50):
        history.append(step())
    params[0].numpy()
    nodes0, tensors0 = _count(Node), _count(tf.Tensor.__mro__[0])
    arrays0 = len(jax.live_arrays())
    tracemalloc.start()
    snap0 = tracemalloc.take_snapshot()
    for _ in range(1000):
        history.append(step()[0])  # keep the losses, as a training loop would
        history.pop()
    params[0].numpy()
    gc.collect()
    snap1 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    growth = sum(s.size_diff for s in snap1.compare_to(snap0, "filename"))
    assert _count(Node) <= nodes0
    assert len(jax.live_arrays()) <= arrays0 + 2
    assert _count(tf.Tensor.__mro__[0]) <= tensors0 + 2
    assert growth < 256 * 1024, f"Python heap grew by {growth} bytes over 1000 steps"


_RSS_SCRIPT = textwrap.dedent(
    """
    import collections, json, sys
    import numpy as np
    import tfcompat as tf

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4096

    steps = int(sys.argv[1])
    rng = np.random.default_rng(0)
    w1 = tf.Variable(rng.standard_normal((32, 64)).astype(np.float32) * 0.1)
    b1 = tf.Variable(np.zeros(64, np.float32))
    w2 = tf.Variable(rng.standard_normal((64, 10)).astype(np.float32) * 0.1)
    params = [w1, b1, w2]
    data = rng.standard_normal((8, 128, 32)).astype(np.float32)
    # A progress bar's window of recent values (keeping all 10,000 scalars would grow
    # by their own size: about 2.6 KB each as JAX arrays, 1 KB in TF; docs/reliability.md).
    losses = collections.deque(maxlen=100)
    metrics = collections.deque(maxlen=100)
    samples = []
    warm = steps // 10
    for i in range(steps):
        x = tf.constant(data[i % 8])  # a new batch object every step
        with tf.GradientTape() as tape:
            h = tf.tanh(tf.matmul(x, w1) + b1)
            logits = tf.matmul(h, w2)
            loss = tf.reduce_mean(tf.square(logits))
            metric = tf.reduce_mean(tf.abs(logits))
        grads = tape.gradient(loss, params)
        for p, g in zip(params, grads):
            p.assign_sub(0.01 * g)
        losses.append(loss)
        metrics.append(metric)
        if i == warm or i == steps - 1:
            w1.numpy()
            samples.append(rss())
    print(json.dumps({"rss": samples, "loss": float(losses[-1]), "metric": float(metrics[-1])}))
    """
)


def _rss_run(steps: int) -> dict[str, Any]:
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_SCRIPT, str(steps)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _assert_rss_flat(steps: int) -> None:
    out = _rss_run(steps)
    start, end = out["rss"]
    drift = (end - start) / start
    assert drift < 0.05, f"RSS {start / 2**20:.1f} MiB -> {end / 2**20:.1f} MiB ({drift:+.1%})"
    assert np.isfinite(out["loss"]) and np.isfinite(out["metric"])


def test_rss_flat_over_1000_steps() -> None:
    _assert_rss_flat(1000)


@pytest.mark.slow
def test_rss_flat_over_10000_steps() -> None:
    _assert_rss_flat(10_000)

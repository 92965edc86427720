"""The execution engine: compile counts, laziness, fused updates, memory release.

These tests pin *how many programs compile* (never wall times) and the observable
semantics of lazy execution: values are right whenever read, and a training loop with a
fixed structure compiles once.
"""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest

import tfcompat as tf
from tfcompat._ops.registry import ELEMENTWISE, OPS
from tfcompat._tape import engine

_BASELINE = [0]


def compiles() -> int:
    """Programs compiled since the test started."""
    return tf.experimental.compile_stats()["compiles"] - _BASELINE[0]


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    tf.experimental.clear_caches()
    _BASELINE[0] = tf.experimental.compile_stats()["compiles"]


def _mlp(seed: int = 0) -> tuple[list[tf.Variable], tf.Tensor, tf.Tensor]:
    rng = np.random.default_rng(seed)
    params = [
        tf.Variable(rng.standard_normal((8, 16)).astype(np.float32) * 0.3),
        tf.Variable(np.zeros(16, np.float32)),
        tf.Variable(rng.standard_normal((16, 3)).astype(np.float32) * 0.3),
        tf.Variable(np.zeros(3, np.float32)),
    ]
    x = tf.constant(rng.standard_normal((5, 8)).astype(np.float32))
    y = tf.constant(np.eye(3, dtype=np.float32)[rng.integers(0, 3, 5)])
    return params, x, y


def _mlp_step(params: list[tf.Variable], x: tf.Tensor, y: tf.Tensor, lr: float = 0.1) -> tf.Tensor:
    w1, b1, w2, b2 = params
    with tf.GradientTape() as tape:
        h = tf.nn.relu(x @ w1 + b1)
        logits = h @ w2 + b2
        loss = tf.reduce_mean(tf.reduce_sum(tf.square(logits - y), axis=1))
    grads = tape.gradient(loss, params)
    for v, g in zip(params, grads, strict=True):
        v.assign_sub(lr * g)
    return loss


def _numpy_mlp_losses(steps: int, lr: float = 0.1) -> list[float]:
    """The same training loop in NumPy with hand-derived gradients."""
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((8, 16)).astype(np.float32) * 0.3
    b1 = np.zeros(16, np.float32)
    w2 = rng.standard_normal((16, 3)).astype(np.float32) * 0.3
    b2 = np.zeros(3, np.float32)
    x = rng.standard_normal((5, 8)).astype(np.float32)
    y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 5)]
    losses = []
    for _ in range(steps):
        pre = x @ w1 + b1
        h = np.maximum(pre, 0)
        logits = h @ w2 + b2
        d = logits - y
        losses.append(float(np.mean(np.sum(d * d, axis=1))))
        dlogits = 2 * d / x.shape[0]
        dw2, db2 = h.T @ dlogits, dlogits.sum(0)
        dh = dlogits @ w2.T * (pre > 0)
        dw1, db1 = x.T @ dh, dh.sum(0)
        w1, b1, w2, b2 = w1 - lr * dw1, b1 - lr * db1, w2 - lr * dw2, b2 - lr * db2
    return losses


def test_training_loop_matches_numpy_reference() -> None:
    params, x, y = _mlp()
    losses = [float(_mlp_step(params, x, y)) for _ in range(10)]
    np.testing.assert_allclose(losses, _numpy_mlp_losses(10), rtol=1e-5)


def test_training_loop_compiles_a_fixed_number_of_programs() -> None:
    params, x, y = _mlp()
    _mlp_step(params, x, y).numpy()
    _mlp_step(params, x, y).numpy()
    after_warmup = compiles()
    for _ in range(30):
        _mlp_step(params, x, y).numpy()
    assert compiles() == after_warmup


def test_new_batch_values_and_learning_rate_do_not_recompile() -> None:
    params, x, y = _mlp()
    _mlp_step(params, x, y).numpy()
    _mlp_step(params, x, y).numpy()
    before = compiles()
    rng = np.random.default_rng(1)
    for lr in (0.05, 0.01, 0.2):
        x2 = tf.constant(rng.standard_normal((5, 8)).astype(np.float32))
        _mlp_step(params, x2, y, lr=lr).numpy()
    assert compiles() == before


def test_a_new_shape_compiles_a_new_program() -> None:
    params, x, y = _mlp()
    _mlp_step(params, x, y).numpy()
    _mlp_step(params, x, y).numpy()
    before = compiles()
    x7 = tf.constant(np.ones((7, 8), np.float32))
    y7 = tf.constant(np.ones((7, 3), np.float32))
    _mlp_step(params, x7, y7).numpy()
    assert compiles() > before


def test_scalar_tape_loop_compiles_once() -> None:
    x = tf.Variable(3.0)
    for _ in range(20):
        with tf.GradientTape() as tape:
            y = x**2
        assert float(tape.gradient(y, x)) == 6.0
    assert compiles() == 1


def test_gradients_are_pending_until_read() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x)
    assert g._value is None and y._value is None
    assert float(g) == 6.0
    # The gradient program computed the target as well: no second program.
    assert y._value is not None
    assert compiles() == 1


def test_updates_stay_pending_and_fuse_into_one_program() -> None:
    params, x, y = _mlp()
    loss = _mlp_step(params, x, y)
    assert all(v._handle.pending is not None for v in params)
    loss.numpy()  # computes forward, backward and every update in one program
    assert all(v._handle.pending is None for v in params)
    assert compiles() == 1


def test_variable_reads_see_pending_updates() -> None:
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v * v)
    (g,) = tape.gradient(loss, [v])
    v.assign_sub(0.5 * g)
    v.assign_add(tf.ones(2))
    np.testing.assert_allclose(v.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(repr(v).count("1."), 2)


def test_held_intermediates_are_filled_by_the_gradient_program() -> None:
    params, x, _y = _mlp()
    w1, b1, w2, b2 = params
    with tf.GradientTape() as tape:
        logits = tf.nn.relu(x @ w1 + b1) @ w2 + b2
        loss = tf.reduce_sum(logits)
    g = tape.gradient(loss, w2)
    g.numpy()
    assert logits._value is not None
    assert compiles() == 1


def test_gradient_with_respect_to_an_intermediate_keeps_other_paths() -> None:
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        z = y * x
    # dz/dy = x; dz/dx = 3x^2 (both paths through and around y).
    assert float(tape.gradient(z, y)) == 3.0
    assert float(tape.gradient(z, x)) == 27.0
    dy, dx = tape.gradient(z, [y, x])
    assert (float(dy), float(dx)) == (3.0, 27.0)


def test_consumed_tape_graph_is_released_from_kept_losses() -> None:
    x = tf.Variable(np.ones(4, np.float32))
    losses = []
    refs = []
    for _ in range(3):
        with tf.GradientTape() as tape:
            h = x * 2.0
            loss = tf.reduce_sum(h * h)
        refs.append(weakref.ref(h))
        tape.gradient(loss, x).numpy()
        losses.append(loss)
        del h
    gc.collect()
    assert all(r() is None for r in refs)
    assert all(loss._node is None and loss._value is not None for loss in losses)


def test_untaped_lazy_chains_are_bounded() -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x)
    acc = g
    for _ in range(3 * engine.LAZY_DEPTH):
        acc = acc + 1.0
    node = acc._node
    assert node is None or node.depth <= engine.LAZY_DEPTH
    assert float(acc) == 4.0 + 3 * engine.LAZY_DEPTH


def test_ops_outside_tapes_on_concrete_values_run_eagerly() -> None:
    a = tf.constant([1.0, 2.0])
    b = a * 3.0 + 1.0
    assert b._value is not None and b._node is None


def test_higher_order_through_the_gradient_op() -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = x * x * x
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert (float(dy), float(d2y)) == (12.0, 12.0)


def test_off_tape_values_stay_differentiable_for_the_outer_tape() -> None:
    # z is recorded on the outer tape only; the inner gradient treats it as a constant,
    # the outer gradient sees through it (TF: d/dx of (dy/dx) with y = x*z, z = x*x).
    x = tf.constant(3.0)
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            with inner.stop_recording():
                z = x * x
            y = x * z
        dy = inner.gradient(y, x)
    assert float(dy) == 9.0
    assert float(outer.gradient(dy, x)) == 6.0


def test_compile_cache_is_bounded() -> None:
    engine.CACHE.maxsize, old = 3, engine.CACHE.maxsize
    try:
        x = tf.Variable(1.0)
        for n in range(1, 7):
            with tf.GradientTape() as tape:
                y = x
                for _ in range(n):
                    y = y * 2.0
            tape.gradient(y, x).numpy()
        stats = tf.experimental.compile_stats()
        assert stats["size"] <= 3
        assert stats["evictions"] >= 3
    finally:
        engine.CACHE.maxsize = old


def test_run_eagerly_computes_every_op_at_once_and_keeps_gradients() -> None:
    tf.experimental.run_eagerly(True)
    try:
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = x * x
            assert y._value is not None  # computed at the op
            z = y * x
        assert float(tape.gradient(z, x)) == 27.0
    finally:
        tf.experimental.run_eagerly(False)
    with tf.GradientTape() as tape:
        y = x * x
    assert y._value is None


# -- abstract evaluation without a trace ---------------------------------------------------
_EW_OPS = sorted(name for name, op in OPS.items() if ELEMENTWISE in op.tags)
_EW_SHAPES = [((),), ((3,),), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (2, 2)), ((0, 3), (1,))]


@pytest.mark.parametrize("name", _EW_OPS)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
def test_elementwise_avals_match_a_trace(name: str, dtype: str) -> None:
    """The untraced avals of ELEMENTWISE ops are what tracing the op gives."""
    import jax

    op = OPS[name]
    binary = op.error is not None  # the binary ones map broadcast errors to TF's
    dt = tf.as_dtype(dtype)
    for shapes in _EW_SHAPES:
        if len(shapes) == 1:
            shapes = shapes * 2 if binary else shapes
        elif not binary:
            continue
        _, fast = engine._abstract_miss(op, (), tuple((s, dt) for s in shapes))
        structs = [jax.ShapeDtypeStruct(s, dt.as_numpy_dtype) for s in shapes]
        traced = jax.eval_shape(op.fn, *structs)
        assert fast == ((tuple(traced.shape), tf.as_dtype(traced.dtype)),), shapes


def test_elementwise_shapes_that_do_not_broadcast_raise_tf_error() -> None:
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])


def _elementwise_first_use(tf: Any) -> Any:
    """Ops whose avals skip the trace, first used with broadcasting and half dtypes."""
    a = tf.constant(np.arange(6, dtype=np.float16).reshape(2, 3, 1) / 4)
    b = tf.constant(np.linspace(0.5, 2.0, 4, dtype=np.float16))
    return [
        a + b,
        a * b,
        tf.math.pow(a + 1, b),
        tf.maximum(a, b),
        tf.math.squared_difference(a, b),
        tf.nn.relu(a - b),
        tf.tanh(tf.cast(a, tf.bfloat16)),
    ]


def _elementwise_bad_shapes(tf: Any, op: str) -> Any:
    x = tf.constant(np.ones((2, 3), np.float32))
    y = tf.constant(np.ones((4,), np.float32))
    return getattr(tf.math, op)(x, y)


def test_elementwise_avals_match_tensorflow(run_both: Any) -> None:
    tf.experimental.clear_caches()
    run_both(_elementwise_first_use, rtol=1e-2)


@pytest.mark.parametrize("op", ["add", "subtract", "multiply", "pow", "maximum", "atan2"])
def test_elementwise_bad_shapes_match_tensorflow(run_both: Any, op: str) -> None:
    run_both(lambda tf: _elementwise_bad_shapes(tf, op))


def _kept_references_run(keep: str) -> tuple[list[Any], int, list[np.ndarray], list[Any]]:
    """Five MLP steps from a cleared cache, user code keeping the references `keep` names
    around each step; returns (program keys, compiles, values, what was kept)."""
    tf.experimental.clear_caches()
    start = tf.experimental.compile_stats()["compiles"]
    params, x, y = _mlp()
    w1, b1, w2, b2 = params
    kept: list[Any] = []
    losses = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            pre = x @ w1 + b1
            h = tf.nn.relu(pre)
            logits = h @ w2 + b2
            loss = tf.reduce_mean(tf.reduce_sum(tf.square(logits - y), axis=1))
        grads = tape.gradient(loss, params)
        alias = grads[0]  # an extra local (it outlives the update)
        if keep == "activations":
            kept.append((pre, h, logits))  # held across steps (an accuracy, a summary)
        elif keep == "gradients":
            kept.append(list(grads))  # held across steps (a gradient log)
        elif keep == "everything":
            kept.append((pre, h, logits, loss, list(grads), alias, tape))
        for v, g in zip(params, grads, strict=True):
            v.assign_sub(0.1 * g)
        if keep == "none":
            del pre, h, logits, grads, alias
        losses.append(float(loss))
    values = [*[v.numpy() for v in params], np.asarray(losses)]
    # Node keys renumbered by first appearance (a gradient op built anew after
    # clear_caches gets a new key id); the rest of each program key as it is.
    ids: dict[int, int] = {}
    keys = [
        (k[0], tuple((ids.setdefault(s[0], len(ids)), *s[1:]) for s in k[1]), *k[2:])
        for k in engine.CACHE.entries
    ]
    return keys, tf.experimental.compile_stats()["compiles"] - start, values, kept


def test_kept_references_do_not_change_the_compiled_programs() -> None:
    """What user code keeps alive (an extra local, activations or gradients kept in a
    list) changes neither which programs compile nor their values: a program's outputs
    are chosen from the graph, not from reference counts."""
    keys0, compiles0, values0, _ = _kept_references_run("none")
    for keep in ("alias", "activations", "gradients", "everything"):
        keys, n, values, kept = _kept_references_run(keep)
        assert keys == keys0, keep
        assert n == compiles0, keep
        for a, b in zip(values, values0, strict=True):
            np.testing.assert_array_equal(a, b)
        if keep in ("activations", "everything"):
            # The kept activations were filled by the step's program (no replay).
            for t in kept[-1][:3]:
                assert t._value is not None
            before = tf.experimental.compile_stats()["compiles"]
            [t.numpy() for step in kept for t in step[:3]]
            assert tf.experimental.compile_stats()["compiles"] == before


def test_clear_caches_and_set_cache_size_reach_every_op_cache() -> None:
    """The op caches of custom gradients, forward mode and Jacobians are registered with
    the engine's cache registry: clear_caches() empties them, set_cache_size bounds them."""
    from tfcompat._engine import caches

    assert {"custom_gradient", "forward", "jacobian"} <= set(caches._OP_CACHES)

    @tf.custom_gradient
    def square(x: Any) -> Any:
        return x * x, lambda dy: dy * 2.0 * x

    x = tf.Variable(3.0)
    for n in range(3):
        with tf.GradientTape() as tape:
            y = square(x + float(n) * tf.ones([n + 1]))
        tape.gradient(y, x)
    cg = caches._OP_CACHES["custom_gradient"]
    assert len(cg.entries) == 3
    old = engine.CACHE.maxsize
    tf.experimental.set_cache_size(2)
    try:
        assert len(cg.entries) == 2 and cg.maxsize == 2
        tf.experimental.clear_caches()
        assert all(len(c.entries) == 0 for c in caches._OP_CACHES.values())
    finally:
        tf.experimental.set_cache_size(old)

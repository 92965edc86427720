"""Reliability (issue 6, part 3): a bounded compile cache and the recompilation warning.

The cache holds at most `tfcompat.experimental.set_cache_size(n)` programs (LRU; env
`TFCOMPAT_CACHE_SIZE`). A loop that keeps compiling (a batch size that changes each
step, a dtype that flips, a cache too small for the loop) gets TF's retracing-style
warning, through `warnings.warn` (`tfcompat.experimental.RecompilationWarning`) and the
"tensorflow" logger, naming what changed.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

import tfcompat as tf
from tfcompat._tape import cache_warning, engine

RecompilationWarning = tf.experimental.RecompilationWarning


@pytest.fixture(autouse=True)
def fresh_detector() -> Iterator[None]:
    maxsize = engine.CACHE.maxsize
    cache_warning.reset()
    yield
    cache_warning.reset()
    tf.experimental.set_cache_size(maxsize)


def _step(w: Any, x: Any) -> Any:
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(x, w))
    g = tape.gradient(loss, w)  # the line the warning points at
    w.assign_sub(0.01 * g)
    return loss


def _batch(n: int, k: int, dtype: Any = np.float32) -> Any:
    return tf.constant(np.ones((n, k), dtype))


# --------------------------------------------------------------------------------------
# The bound
# --------------------------------------------------------------------------------------


def test_set_cache_size_evicts_least_recently_used() -> None:
    w = tf.Variable(np.ones((3, 2), np.float32))
    before = tf.experimental.compile_stats()
    tf.experimental.set_cache_size(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecompilationWarning)
        for n in range(101, 105):
            _step(w, _batch(n, 3))
            w.numpy()
    stats = tf.experimental.compile_stats()
    assert stats["maxsize"] == 3
    assert stats["size"] <= 3
    assert stats["evictions"] > before["evictions"]


def test_set_cache_size_shrinks_at_once() -> None:
    tf.experimental.set_cache_size(1)
    assert tf.experimental.compile_stats()["size"] <= 1


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "8"])
def test_set_cache_size_rejects_non_positive_ints(bad: Any) -> None:
    with pytest.raises(ValueError, match="positive int"):
        tf.experimental.set_cache_size(bad)


def test_cache_size_from_environment() -> None:
    env = dict(os.environ, TFCOMPAT_CACHE_SIZE="7", JAX_PLATFORMS="cpu")
    code = "import tfcompat as tf; print(tf.experimental.compile_stats()['maxsize'])"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "7"


# --------------------------------------------------------------------------------------
# The warning
# --------------------------------------------------------------------------------------


def test_changing_batch_size_warns_naming_the_shape(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tensorflow")
    w = tf.Variable(np.ones((5, 2), np.float32))
    with pytest.warns(RecompilationWarning) as record:
        for n in range(201, 206):
            _step(w, _batch(n, 5))
    grad_warnings = [r for r in record if "gradient computations" in str(r.message)]
    assert len(grad_warnings) == 1
    message = str(grad_warnings[0].message)
    assert message.startswith("5 out of the last 5 gradient computations at ")
    assert "Op 0 (MatMul) input 0 (leaf 0) changed shape: (205, 5), previously (204, 5)." in message
    assert "set_cache_size" in message
    assert grad_warnings[0].filename == __file__  # points at the user's line
    # The same text through TF's logger convention.
    logged = [r.getMessage() for r in caplog.records if r.name == "tensorflow"]
    assert message in logged


def test_changing_dtype_is_named() -> None:
    dtypes = [tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.complex64, tf.complex128]
    with pytest.warns(RecompilationWarning) as record:
        for dtype in dtypes:
            v = tf.Variable(tf.ones((3, 3), dtype) * 3)
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(v * v)
            tape.gradient(y, v).numpy()
    messages = [str(r.message) for r in record if "gradient computations" in str(r.message)]
    assert len(messages) == 1
    assert "changed dtype: complex64, previously float64." in messages[0]


def test_changing_attribute_is_named() -> None:
    x = tf.Variable(np.ones((2, 3, 4, 5, 6, 7), np.float32))
    with pytest.warns(RecompilationWarning, match=r"Op \d+ \(Sum\) has attributes"):
        for axis in range(6):
            with tf.GradientTape() as tape:
                y = tf.reduce_sum(tf.reduce_sum(x * 3.25, axis=axis))
            tape.gradient(y, x).numpy()


def test_loop_larger_than_cache_warns_about_eviction() -> None:
    tf.experimental.set_cache_size(2)
    w = tf.Variable(np.ones((7, 2), np.float32))
    with pytest.warns(RecompilationWarning) as record:
        for i in range(12):
            _step(w, _batch(401 + i % 3, 7))
    messages = [str(r.message) for r in record if "gradient computations" in str(r.message)]
    assert messages
    assert "compiled before and evicted" in messages[0]
    assert "more programs than the cache holds (2)" in messages[0]


def test_steady_loop_does_not_warn() -> None:
    w = tf.Variable(np.ones((6, 2), np.float32))
    x = _batch(64, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecompilationWarning)
        for _ in range(30):
            _step(w, x)
        w.numpy()


def test_occasional_new_shapes_do_not_warn() -> None:
    # A new shape every 12 steps (an epoch's last, smaller batch) is not a loop that
    # keeps compiling: misses must come 5 in 10 lookups.
    w = tf.Variable(np.ones((8, 2), np.float32))
    x = _batch(64, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecompilationWarning)
        for i in range(60):
            _step(w, _batch(501 + i // 12, 8) if i % 12 == 11 else x)
        w.numpy()


def test_warned_at_most_twice_per_site() -> None:
    w = tf.Variable(np.ones((9, 2), np.float32))
    with pytest.warns(RecompilationWarning) as record:
        for n in range(601, 631):
            _step(w, _batch(n, 9))
    grad_warnings = [r for r in record if "gradient computations" in str(r.message)]
    assert len(grad_warnings) == 2


def test_warning_can_be_filtered() -> None:
    w = tf.Variable(np.ones((10, 2), np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecompilationWarning)
        for n in range(701, 708):
            _step(w, _batch(n, 10))
    np.testing.assert_allclose(w.numpy(), 1 - 0.01 * sum(range(701, 708)), rtol=1e-5)

"""Shared fixtures: real TensorFlow (imported lazily), `run_both`, and TF log capture.

`run_both(fn)` runs `fn(tf)` once with `tf = tensorflow` (the specification, 2.21) and once
with `tf = tfcompat`, and compares the results with `tfcompare.assert_same`: type names,
tensor values, dtypes and shapes, `repr`/`str` text, and for a raised exception its class
and message. Tests that use `real_tf` or `run_both` get the `tf` marker and are skipped
when TensorFlow is not installed.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

import pytest
from tfcompare import assert_same, capture

import tfcompat
from tfcompat._tape import engine as _engine
from tfcompat._tape import record as _tape_mod

_TF_FIXTURES = ("real_tf", "run_both")


def pytest_configure(config: pytest.Config) -> None:
    # On GPUs, float32 matmuls and convolutions may use TF32 (TF's default and tfcompat's);
    # the tests check semantics against float32 references, so they run without it.
    import jax

    if jax.default_backend() != "cpu":
        tfcompat.config.experimental.enable_tensor_float_32_execution(False)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow", action="store_true", help="also run tests marked `slow` (CI does not)"
    )
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        help="run the differential fuzzers (tests/fuzz) with many more examples",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    run_slow = config.getoption("--run-slow")
    skip_slow = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if any(name in getattr(item, "fixturenames", ()) for name in _TF_FIXTURES):
            item.add_marker(pytest.mark.tf)
        if not run_slow and "slow" in item.keywords:
            item.add_marker(skip_slow)


@pytest.fixture(autouse=True)
def _no_tape_left_recording() -> Any:
    """Isolate tests: fail one that leaves a tfcompat tape recording (it would record
    later tests), and forget compile-cache history so that the recompilation warning
    counts misses within one test, not across unrelated parametrized cases."""
    cache_warning = sys.modules.get("tfcompat._tape.cache_warning")
    if cache_warning is not None:
        cache_warning.reset()
    yield
    leaked = list(_engine.state.recording)
    _engine.state.recording.clear()
    assert not leaked, f"test left {len(leaked)} tape(s) recording"


@pytest.fixture(scope="session")
def real_tf() -> Any:
    """The real `tensorflow` module, imported on first use; skips when it is absent."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return pytest.importorskip("tensorflow")


@pytest.fixture
def run_both(real_tf: Any) -> Callable[..., Any]:
    """`run_both(fn, rtol=None, message=True)`: compare `fn(tensorflow)` with `fn(tfcompat)`.

    Returns TensorFlow's result (or its `Raised` record) for further checks.
    """

    def run(fn: Callable[[Any], Any], *, rtol: float | None = None, message: bool = True) -> Any:
        expected = capture(fn, real_tf)
        actual = capture(fn, tfcompat)
        assert_same(expected, actual, rtol=rtol, message=message)
        return expected

    return run


@pytest.fixture
def tf_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """caplog for the "tensorflow" logger, with the once-per-process log counters reset.

    TF and tfcompat both log through `logging.getLogger("tensorflow")`; `log_first_n`
    counters are reset so a "once per process" message can be observed in every test.
    """
    caplog.set_level(logging.WARNING, logger="tensorflow")
    _tape_mod._log_counts.clear()
    tf_logging = sys.modules.get("tensorflow.python.platform.tf_logging")
    if tf_logging is not None:
        tf_logging._log_counter_per_token.clear()
    return caplog


# The drop-in fixture project is a separate pytest project, run by tests/test_dropin.py.
collect_ignore = ["dropin_project"]

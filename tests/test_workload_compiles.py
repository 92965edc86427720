"""Each benchmark workload's loop compiles a fixed set of programs, then never again.

The workloads are the ones `python -m benchmarks.run` times (benchmarks/tf_workloads.py),
run here on tfcompat for a few steps: after the first two steps (the first builds the
gradient program; the second the step program that fuses the previous update) the
compile counter must not move.
"""

from __future__ import annotations

from typing import Any

import pytest

import tfcompat as tf
from benchmarks import tf_workloads as tfw


def _block(out: Any) -> None:
    if isinstance(out, (list, tuple)):
        for item in out:
            _block(item)
    elif out is not None:
        out.numpy()


@pytest.mark.parametrize(
    ("build", "steps"),
    [
        (tfw.build_w1, 20),
        (tfw.build_w2, 20),
        (tfw.build_w3, 10),
        (tfw.build_w4, 3),
        (tfw.build_w5, 5),
        (tfw.build_w6, 5),
    ],
    ids=["W1", "W2", "W3", "W4", "W5", "W6"],
)
def test_workload_loop_stops_compiling(build: Any, steps: int) -> None:
    job = build(tf)
    for _ in range(3):
        _block(job.fn(*job.args))
    before = tf.experimental.compile_stats()
    for _ in range(steps):
        _block(job.fn(*job.args))
    after = tf.experimental.compile_stats()
    assert after["compiles"] == before["compiles"]
    assert after["plans"] == before["plans"]

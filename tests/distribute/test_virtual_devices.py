"""MirroredStrategy, placement and TPUStrategy on 4 virtual CPU devices.

One subprocess (`vd_checks.py`, with `XLA_FLAGS=--xla_force_host_platform_device_count=4`
set before JAX starts) runs every check; the tests here assert on what it printed.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from tests.distribute._common import run_script

CPU = "/job:localhost/replica:0/task:0/device:CPU:{}"


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    proc = run_script("import tests.distribute.vd_checks as m; m.main()")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stderr[-4000:]
    return json.loads(lines[-1][len("RESULT ") :])


def test_data_parallel_matches_single_device(result: dict[str, Any]) -> None:
    assert result["replicas"] == 4
    assert result["shape_local"] == [4, 5]  # each replica sees a quarter of the batch
    for got, want in zip(result["mirrored"], result["single"], strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)
    assert all(np.isfinite(result["losses"]))


def test_one_program_per_step(result: dict[str, Any]) -> None:
    # forward, backward, all-reduce, update and loss reduce: one XLA compile, then none.
    assert result["compiles_per_step"] == [1, 0, 0]
    assert result["tracing_count"] == 1


def test_mirrored_variables(result: dict[str, Any]) -> None:
    assert result["var_is_distributed"] and result["var_sharding_replicated"]
    assert result["var_device"] == CPU.format(0)
    assert result["var_repr"].startswith(
        "MirroredVariable:{\n  0: <tf.Variable 'Variable:0' shape=(1,) dtype=float32, "
        "numpy=array([0.], dtype=float32)>,\n  1: <tf.Variable 'Variable/replica_1:0'"
    )
    assert result["worker_devices"] == [CPU.format(i) for i in range(4)]


def test_replica_values_and_reduce(result: dict[str, Any]) -> None:
    assert result["two_devices"] == [CPU.format(0), CPU.format(1)]
    assert result["replica_ids"] == [0, 1]
    assert result["per_replica_repr"] == (
        "PerReplica:{\n  0: <tf.Tensor: shape=(), dtype=int32, numpy=0>,\n"
        "  1: <tf.Tensor: shape=(), dtype=int32, numpy=1>\n}"
    )
    assert result["reduce_sum_none"] == [1.0, 1.0, 1.0]
    assert result["reduce_mean_0"] == 0.5
    assert result["reduce_sum_0"] == 3.0
    assert result["gather"] == [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    assert result["all_reduced_grads"] == [6.0, 6.0]
    # not silently zero: the reduction is not recorded on tapes, so this refuses
    assert result["grad_through_all_reduce"] == "NotImplementedError"
    assert result["reduce_plain_sum"] == (
        "A non-DistributedValues value 1.0 cannot be reduced with the given reduce op ReduceOp.SUM."
    )


def test_distributed_datasets(result: dict[str, Any]) -> None:
    assert result["input_context"] == [1, 0, 2]
    assert result["from_function"] == [[0, 1], [2, 3]]  # each replica takes the next element
    assert result["uneven"] == "ValueError"


def test_scope_and_contexts(result: dict[str, Any]) -> None:
    assert result["strategy_in_scope"] == [True, True]
    assert result["cross_replica"] is True
    assert result["after_scope"] is False


def test_placement(result: dict[str, Any]) -> None:
    assert result["placed"] == [CPU.format(2)] * 4  # constant, variable, op, tf.function
    assert result["full_name"] == CPU.format(3)
    assert result["soft"] == CPU.format(0)  # no GPU: soft placement on the CPU, as TF
    assert result["default"] == CPU.format(0)
    assert result["logical"] == [f"/device:CPU:{i}" for i in range(4)]
    assert result["physical"] == ["/physical_device:CPU:0"]
    device, text, run_device = result["one_device"]
    assert device == run_device == CPU.format(1)
    assert text == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=1.0>"


def test_tpu_strategy_on_cpu_devices(result: dict[str, Any]) -> None:
    assert result["tpu"] == [4, 0]  # 4 replicas on JAX's CPU devices, no TPU cores


def test_keras_model_and_optimizer_custom_loop(result: dict[str, Any]) -> None:
    (m_losses, m_weights), (d_losses, d_weights) = result["keras_mirrored"], result["keras_default"]
    np.testing.assert_allclose(m_losses, d_losses, rtol=1e-5)
    for got, want in zip(m_weights, d_weights, strict=True):
        np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-5, atol=1e-6)


def test_replica_context_writes_follow_aggregation(result: dict[str, Any]) -> None:
    # TF 2.21 on 2 logical CPUs: NONE 0.0, SUM -2.0, MEAN -0.5, ON_READ SUM 3.0,
    # ONLY_FIRST_REPLICA 11.0 (1 + replica 0's 10), MEAN assign of 5 and 6: 5.5.
    assert result["aggregation"] == [0.0, -2.0, -0.5, 3.0, 11.0, 5.5]

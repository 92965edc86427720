"""`tf.config`: device listing and the TF32 switch, compared with TF 2.21 on CPU."""

from __future__ import annotations

from typing import Any

import jax
import pytest

import tfcompat as tf


def test_cpu_is_listed_first() -> None:
    devices = tf.config.list_physical_devices()
    assert devices[0] == tf.config.PhysicalDevice("/physical_device:CPU:0", "CPU")
    assert tf.config.list_logical_devices("CPU")[0].name == "/device:CPU:0"


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="TF runs on the CPU here")
def test_device_lists_match_tensorflow_on_cpu(real_tf: Any) -> None:
    assert [tuple(d) for d in tf.config.list_physical_devices()] == [
        tuple(d) for d in real_tf.config.list_physical_devices()
    ]
    assert tf.config.list_physical_devices("GPU") == real_tf.config.list_physical_devices("GPU")
    assert [tuple(d) for d in tf.config.list_logical_devices()] == [
        tuple(d) for d in real_tf.config.list_logical_devices()
    ]


def test_tf32_switch_sets_jax_matmul_precision() -> None:
    before = tf.config.experimental.tensor_float_32_execution_enabled()
    try:
        tf.config.experimental.enable_tensor_float_32_execution(False)
        assert not tf.config.experimental.tensor_float_32_execution_enabled()
        assert jax.config.jax_default_matmul_precision == "highest"
        tf.config.experimental.enable_tensor_float_32_execution(True)
        assert tf.config.experimental.tensor_float_32_execution_enabled()
        assert jax.config.jax_default_matmul_precision is None
    finally:
        tf.config.experimental.enable_tensor_float_32_execution(before)


@pytest.mark.skipif(jax.default_backend() != "cpu", reason="the test session turns TF32 off")
def test_tf32_is_on_by_default_as_in_tensorflow(real_tf: Any) -> None:
    assert tf.config.experimental.tensor_float_32_execution_enabled()
    assert real_tf.config.experimental.tensor_float_32_execution_enabled()


def test_set_memory_growth_checks_its_device() -> None:
    with pytest.raises(ValueError, match="non-GPU"):  # TF refuses it for the CPU
        tf.config.experimental.set_memory_growth(tf.config.list_physical_devices()[0], True)
    with pytest.raises(ValueError):
        tf.config.experimental.set_memory_growth("GPU:0", True)

"""tf.config device settings: what they accept, refuse and do."""

from __future__ import annotations

from collections.abc import Iterator

import jax
import pytest

import tfcompat as tf
from tests.distribute._common import run_script
from tfcompat import _device
from tfcompat.config import _devices


@pytest.fixture(autouse=True)
def _restore_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """These tests change process-wide device settings: put them back afterwards."""
    monkeypatch.setattr(_devices, "_visible", {})
    monkeypatch.setattr(_devices, "_logical_config", {})
    monkeypatch.setattr(_device, "hidden", _device.hidden)
    default = jax.config.jax_default_device  # type: ignore[attr-defined]
    yield
    jax.config.update("jax_default_device", default)


def test_visible_devices_and_errors() -> None:
    cpus = tf.config.list_physical_devices("CPU")
    tf.config.set_visible_devices(cpus, "CPU")
    assert tf.config.get_visible_devices("CPU") == cpus
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.set_visible_devices(["GPU:0"])
    with pytest.raises(ValueError, match="Unrecognized device"):
        tf.config.experimental.set_memory_growth("GPU:0", True)
    with pytest.raises(KeyError):
        tf.config.experimental.get_memory_growth(cpus[0])
    with pytest.raises(ValueError, match="No matching devices found for 'GPU:7'"):
        tf.config.experimental.get_memory_info("GPU:7")
    with pytest.raises(ValueError):
        tf.config.set_soft_device_placement(False)
    assert tf.config.get_soft_device_placement() is True


def test_logical_devices_after_start() -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.constant(1.0)  # JAX has started
    n = len(tf.config.list_logical_devices("CPU"))
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * n)
    with pytest.raises(RuntimeError, match="Virtual devices cannot be modified after being"):
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * (n + 1)
        )


def test_logical_cpu_devices_before_start_make_virtual_devices() -> None:
    proc = run_script(
        "import tfcompat as tf\n"
        "cpu = tf.config.list_physical_devices('CPU')[0]\n"
        "tf.config.set_logical_device_configuration(cpu, "
        "[tf.config.LogicalDeviceConfiguration()] * 3)\n"
        "print([d.name for d in tf.config.list_logical_devices()])\n"
        "print(tf.distribute.MirroredStrategy().num_replicas_in_sync)\n",
        devices=1,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[-2] == "['/device:CPU:0', '/device:CPU:1', '/device:CPU:2']"
    assert lines[-1] == "3"

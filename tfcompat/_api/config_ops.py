"""`tf.config`: device listing and the TF32 switch, answered from JAX's devices.

TF always lists the host CPU, then its accelerators; tfcompat lists the CPU and the
devices of JAX's default backend when that is an accelerator (`GPU`, `TPU`).

TF32: TensorFlow allows TF32 for float32 matmuls and convolutions on GPUs that have it
(`enable_tensor_float_32_execution(True)` is TF's default) and so does tfcompat (XLA's
default precision). Disabling it sets JAX's default matmul precision to "highest".
"""

from __future__ import annotations

import collections
from typing import Any

import jax

__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "enable_tensor_float_32_execution",
    "list_logical_devices",
    "list_physical_devices",
    "set_memory_growth",
    "tensor_float_32_execution_enabled",
]

PhysicalDevice = collections.namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = collections.namedtuple("LogicalDevice", ["name", "device_type"])

_KINDS = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}


def _device_types() -> list[tuple[str, int]]:
    kinds = [("CPU", 0)]
    backend = jax.default_backend()
    kind = _KINDS.get(backend, backend.upper())
    if kind != "CPU":
        kinds += [(kind, i) for i in range(len(jax.devices()))]
    return kinds


def list_physical_devices(device_type: Any = None) -> list[PhysicalDevice]:
    """tfcompat implementation of `tf.config.list_physical_devices`."""
    return [
        PhysicalDevice(f"/physical_device:{kind}:{i}", kind)
        for kind, i in _device_types()
        if device_type is None or str(device_type).upper() == kind
    ]


def list_logical_devices(device_type: Any = None) -> list[LogicalDevice]:
    """tfcompat implementation of `tf.config.list_logical_devices`."""
    return [
        LogicalDevice(f"/device:{kind}:{i}", kind)
        for kind, i in _device_types()
        if device_type is None or str(device_type).upper() == kind
    ]


_TF32 = [True]


def enable_tensor_float_32_execution(enabled: bool) -> None:
    """tfcompat implementation of `tf.config.experimental.enable_tensor_float_32_execution`."""
    _TF32[0] = bool(enabled)
    jax.config.update("jax_default_matmul_precision", None if enabled else "highest")


def tensor_float_32_execution_enabled() -> bool:
    """tfcompat implementation of `tf.config.experimental.tensor_float_32_execution_enabled`."""
    return _TF32[0]


def set_memory_growth(device: Any, enable: bool) -> None:
    """tfcompat implementation of `tf.config.experimental.set_memory_growth`.

    Differences from TensorFlow:
      JAX allocates GPU memory itself; set `XLA_PYTHON_CLIENT_PREALLOCATE=false` before
      the first JAX call for on-demand allocation. This call only checks its argument.
    """
    if not isinstance(device, PhysicalDevice):
        raise ValueError(f"Unrecognized device: {device!r}")

"""`tf.config` device management over JAX's devices.

Physical devices are the host CPU and the devices of each accelerator platform JAX has
(`GPU`, `TPU`). Logical devices are JAX's devices: the CPU's virtual devices
(`XLA_FLAGS=--xla_force_host_platform_device_count=N`, or
`set_logical_device_configuration` before JAX starts its CPU backend) are `CPU:0` ...
`CPU:N-1`, as TF's virtual CPUs.

What each setting does (JAX reads its options when it starts a backend, at the first
device query or array, so these act when called before that, as TF requires them to be
called before its runtime initializes):

* `set_memory_growth(gpu, True)`: sets `XLA_PYTHON_CLIENT_PREALLOCATE=false` (JAX then
  allocates GPU memory on demand instead of reserving 75% at start).
* `set_logical_device_configuration(cpu, [LogicalDeviceConfiguration()] * n)`: `n`
  virtual CPU devices (`jax_num_cpu_devices`). A GPU or TPU takes one configuration;
  JAX cannot split one accelerator into several, so more raise ValueError. A GPU's
  `memory_limit` (MB) sets `XLA_PYTHON_CLIENT_MEM_FRACTION` when JAX can read the
  device's memory size, else it is recorded only.
* `set_visible_devices(devices, type)`: restricts the devices tfcompat lists and uses
  (strategies' default devices, `tf.device`'s placement: a hidden device soft-places on
  the CPU) and makes the first visible accelerator (or the CPU when none is visible)
  JAX's default device.
"""

from __future__ import annotations

import os
from typing import Any

import jax

from tfcompat import _device
from tfcompat._api.config_ops import LogicalDevice, PhysicalDevice

__all__ = [
    "LogicalDeviceConfiguration",
    "experimental_connect_to_cluster",
    "experimental_connect_to_host",
    "get_logical_device_configuration",
    "get_memory_growth",
    "get_memory_info",
    "get_soft_device_placement",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "reset_memory_stats",
    "set_logical_device_configuration",
    "set_memory_growth",
    "set_soft_device_placement",
    "set_visible_devices",
]


class LogicalDeviceConfiguration:
    """tfcompat implementation of `tf.config.LogicalDeviceConfiguration`."""

    def __init__(
        self,
        memory_limit: Any = None,
        experimental_priority: Any = None,
        experimental_device_ordinal: Any = None,
    ) -> None:
        self.memory_limit = memory_limit
        self.experimental_priority = experimental_priority
        self.experimental_device_ordinal = experimental_device_ordinal

    def __repr__(self) -> str:
        return (
            f"LogicalDeviceConfiguration(memory_limit={self.memory_limit}, "
            f"experimental_priority={self.experimental_priority}, "
            f"experimental_device_ordinal={self.experimental_device_ordinal})"
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LogicalDeviceConfiguration) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


def _initialized() -> bool:
    from tfcompat._engine import jax_internals

    return jax_internals.backends_initialized()


def _accelerator_kinds() -> list[str]:
    kinds = []
    for kind in ("GPU", "TPU"):
        if _device.platform_devices(kind):
            kinds.append(kind)
    return kinds


def _all_physical() -> list[PhysicalDevice]:
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    for kind in _accelerator_kinds():
        n = len(_device.platform_devices(kind))
        devices += [PhysicalDevice(f"/physical_device:{kind}:{i}", kind) for i in range(n)]
    return devices


_visible: dict[str, list[PhysicalDevice]] = {}  # device type -> visible devices (when set)
_growth: dict[PhysicalDevice, bool] = {}
_logical_config: dict[PhysicalDevice, list[LogicalDeviceConfiguration]] = {}


def _check_type(device_type: Any) -> str | None:
    if device_type is None:
        return None
    return str(device_type).upper()


def list_physical_devices(device_type: Any = None) -> list[PhysicalDevice]:
    """tfcompat implementation of `tf.config.list_physical_devices`."""
    kind = _check_type(device_type)
    if kind == "CPU":  # without starting JAX's backends (set_logical_device_configuration)
        return [_CPU0]
    return [d for d in _all_physical() if kind is None or d.device_type == kind]


def get_visible_devices(device_type: Any = None) -> list[PhysicalDevice]:
    """tfcompat implementation of `tf.config.get_visible_devices`."""
    kind = _check_type(device_type)
    out = []
    for d in _all_physical():
        if kind is not None and d.device_type != kind:
            continue
        if d.device_type in _visible and d not in _visible[d.device_type]:
            continue
        out.append(d)
    return out


def is_visible(dev: Any) -> bool:
    """Whether a JAX device is visible (`set_visible_devices`)."""
    kind = _device.kind_of(dev)
    if kind not in _visible:
        return True
    if kind == "CPU":
        return True  # TF requires the CPU to stay visible
    index = _device.platform_devices(kind).index(dev)
    return PhysicalDevice(f"/physical_device:{kind}:{index}", kind) in _visible[kind]


def set_visible_devices(devices: Any, device_type: Any = None) -> None:
    """tfcompat implementation of `tf.config.set_visible_devices` (see the module doc)."""
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    for d in devices:
        if not isinstance(d, PhysicalDevice) or d not in _all_physical():
            raise ValueError(f"Unrecognized device: {d!r}")
    kind = _check_type(device_type)
    kinds = {kind} if kind is not None else {d.device_type for d in _all_physical()}
    for k in kinds:
        chosen = [d for d in devices if d.device_type == k]
        if k == "CPU" and not chosen and kind is None:
            raise ValueError("CPU must be visible")
        _visible[k] = chosen
    _device.set_hidden(lambda dev: not is_visible(dev))
    default = next(
        (d for k in ("TPU", "GPU") for d in _device.platform_devices(k) if is_visible(d)),
        _device.platform_devices("CPU")[0],
    )
    jax.config.update("jax_default_device", default)


_CPU0 = PhysicalDevice("/physical_device:CPU:0", "CPU")


def _physical(device: Any) -> PhysicalDevice:
    if device == _CPU0:
        return _CPU0
    if not isinstance(device, PhysicalDevice) or device not in _all_physical():
        raise ValueError(f"Unrecognized device: {device!r}")
    return device


def set_memory_growth(device: Any, enable: bool) -> None:
    """tfcompat implementation of `tf.config.experimental.set_memory_growth`."""
    dev = _physical(device)
    if dev.device_type == "CPU":
        raise ValueError("Cannot set memory growth on non-GPU and non-Pluggable devices")
    _growth[dev] = bool(enable)
    if enable and "XLA_PYTHON_CLIENT_PREALLOCATE" not in os.environ:
        # Read by JAX's GPU client when it starts; TF requires the call before that too.
        os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"


def get_memory_growth(device: Any) -> bool:
    """tfcompat implementation of `tf.config.experimental.get_memory_growth`."""
    dev = _physical(device)
    if dev.device_type == "CPU":
        raise KeyError(dev)  # as TF: CPUs have no memory-growth setting
    return _growth.get(dev, os.environ.get("XLA_PYTHON_CLIENT_PREALLOCATE") == "false")


def set_logical_device_configuration(device: Any, logical_devices: Any) -> None:
    """tfcompat implementation of `tf.config.set_logical_device_configuration`."""
    dev = _physical(device)
    configs = list(logical_devices) if logical_devices is not None else []
    if dev.device_type == "CPU":
        n = max(len(configs), 1)
        if not _initialized():
            jax.config.update("jax_num_cpu_devices", n)
        elif len(jax.local_devices(backend="cpu")) != n:
            raise RuntimeError("Virtual devices cannot be modified after being initialized")
    else:
        if len(configs) > 1:
            raise ValueError(
                f"tfcompat cannot split {dev.name} into {len(configs)} logical devices: JAX "
                "runs one logical device per accelerator."
            )
        limit = configs[0].memory_limit if configs else None
        if limit is not None and "XLA_PYTHON_CLIENT_MEM_FRACTION" not in os.environ:
            index = int(dev.name.rsplit(":", 1)[1])
            stats = _device.platform_devices(dev.device_type)[index].memory_stats() or {}
            total = stats.get("bytes_limit")
            if total:
                fraction = min(1.0, limit * 1024 * 1024 / total)
                os.environ["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction:.3f}"
    _logical_config[dev] = configs


def get_logical_device_configuration(device: Any) -> Any:
    """tfcompat implementation of `tf.config.get_logical_device_configuration`."""
    dev = _physical(device)
    if dev in _logical_config:
        return _logical_config[dev]
    return None


def list_logical_devices(device_type: Any = None) -> list[LogicalDevice]:
    """tfcompat implementation of `tf.config.list_logical_devices`."""
    kind = _check_type(device_type)
    out = []
    for k in ["CPU", *_accelerator_kinds()]:
        if kind is not None and k != kind:
            continue
        for i, d in enumerate(_device.platform_devices(k)):
            if is_visible(d):
                out.append(LogicalDevice(f"/device:{k}:{i}", k))
    return out


def _jax_device_for_info(device: Any) -> Any:
    name = device if isinstance(device, str) else getattr(device, "name", str(device))
    fields = _device.parse(name)
    devices = _device.platform_devices(fields.get("type", "CPU"))
    index = fields.get("index", 0)
    if index >= len(devices):
        raise ValueError(f"No matching devices found for '{name}'")
    return devices[index]


def get_memory_info(device: Any) -> dict[str, int]:
    """tfcompat implementation of `tf.config.experimental.get_memory_info`: the bytes in
    use now and at peak, from JAX's allocator statistics (zeros where the platform keeps
    none, as TF's CPU allocator by default)."""
    stats = _jax_device_for_info(device).memory_stats() or {}
    return {
        "current": int(stats.get("bytes_in_use", 0)),
        "peak": int(stats.get("peak_bytes_in_use", 0)),
    }


def reset_memory_stats(device: Any) -> None:
    """tfcompat implementation of `tf.config.experimental.reset_memory_stats`.

    Differences from TensorFlow:
      JAX has no call that resets the peak; the device is checked and the peak kept.
    """
    _jax_device_for_info(device)


_SOFT = [True]


def get_soft_device_placement() -> bool:
    """tfcompat implementation of `tf.config.get_soft_device_placement` (always on)."""
    return _SOFT[0]


def set_soft_device_placement(enabled: bool) -> None:
    """tfcompat implementation of `tf.config.set_soft_device_placement`.

    Differences from TensorFlow:
      Placement is always soft (a missing device places on the CPU); `False` is refused.
    """
    if not enabled:
        raise ValueError(
            "tfcompat always places soft: a tf.device naming a missing device places on the CPU."
        )
    _SOFT[0] = True


def experimental_connect_to_cluster(cluster_spec_or_resolver: Any, *args: Any, **kw: Any) -> None:
    """tfcompat implementation of `tf.config.experimental_connect_to_cluster`.

    JAX reaches a TPU's chips (and, after `jax.distributed.initialize`, other hosts'
    devices) itself, so connecting is done; the argument is accepted as in TF.
    """


def experimental_connect_to_host(remote_host: Any = None, job_name: str = "worker") -> None:
    """tfcompat implementation of `tf.config.experimental_connect_to_host` (as above)."""

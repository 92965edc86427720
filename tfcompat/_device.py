"""Devices: TF's device names over JAX's devices, and `tf.device` placement.

A TF device name (`'/GPU:0'`, `'gpu:1'`, `'/job:localhost/replica:0/task:0/device:CPU:0'`)
names a JAX device: `CPU:i` is `jax.devices('cpu')[i]` (with virtual CPU devices,
`XLA_FLAGS=--xla_force_host_platform_device_count=N`, there are N), `GPU:i` and `TPU:i`
the i-th device of that platform. `task:t` is JAX's process index.

`tf.device(name)` makes that device JAX's default device for the block
(`jax.default_device`): the arrays that tensors and variables made in the block hold, and
the programs (eager ops, `tf.function` calls) that compute from them, live there. As in
TF's eager mode (soft device placement), a device that does not exist places on the CPU.
Values stay uncommitted, so an op mixing values from two devices runs on the default
device instead of failing, as TF copies inputs.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np

__all__ = ["canonical_name", "device", "device_of", "jax_device", "parse", "tf_name"]

_KINDS = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}
_PLATFORMS = {"CPU": "cpu", "GPU": "gpu", "TPU": "tpu"}
_FIELD = re.compile(r"^(job|replica|task|device):(.*)$")


def kind_of(dev: Any) -> str:
    """`'CPU'`, `'GPU'` or `'TPU'` for a JAX device."""
    return _KINDS.get(dev.platform, dev.platform.upper())


def platform_devices(kind: str) -> list[Any]:
    """JAX's devices of this process for a TF device type (empty when there are none)."""
    platform = _PLATFORMS.get(kind.upper(), kind.lower())
    try:
        return list(jax.local_devices(backend=platform))
    except RuntimeError:
        return []


def tf_name(dev: Any) -> str:
    """TF's full name of a JAX device, e.g. `/job:localhost/replica:0/task:0/device:CPU:0`."""
    index = [d.id for d in _devices_of_kind(dev)].index(dev.id) if _is_local(dev) else dev.id
    job = "worker" if jax.process_count() > 1 else "localhost"
    return f"/job:{job}/replica:0/task:{dev.process_index}/device:{kind_of(dev)}:{index}"


def _is_local(dev: Any) -> bool:
    return bool(dev.process_index == jax.process_index())


def _devices_of_kind(dev: Any) -> list[Any]:
    return platform_devices(kind_of(dev))


def parse(spec: str) -> dict[str, Any]:
    """The fields of a TF device string (`job`, `replica`, `task`, `type`, `index`).

    Raises ValueError with TF's message for an unknown field."""
    fields: dict[str, Any] = {}
    for part in spec.split("/"):
        if not part:
            continue
        m = _FIELD.match(part)
        if m is not None and m.group(1) != "device":
            key, value = m.group(1), m.group(2)
            fields[key] = value if key == "job" else int(value)
            continue
        if m is not None:
            part = m.group(2)
        kind, _, index = part.partition(":")
        bad_kind = kind.upper() not in ("CPU", "GPU", "TPU") and kind != "*"
        if bad_kind or (index and index != "*" and not index.isdigit()):
            raise ValueError(
                f"Unknown attribute '{part}' is encountered while parsing the device "
                f"spec: '{spec}'."
            )
        fields["type"] = kind.upper()
        if index and index != "*":
            fields["index"] = int(index)
    return fields


def jax_device(spec: Any) -> Any:
    """The JAX device a TF device string names, with TF's soft placement (CPU:0 when the
    named device does not exist here). A JAX device is returned as is."""
    if isinstance(spec, jax.Device):
        return spec
    fields = parse(str(spec))
    kind = fields.get("type", "CPU")
    devices = platform_devices(kind)
    index = fields.get("index", 0)
    if index < len(devices) and not hidden(devices[index]):
        return devices[index]
    return platform_devices("CPU")[0]


def canonical_name(spec: Any) -> str:
    """TF's full name of the device `spec` names (after soft placement)."""
    return tf_name(jax_device(spec))


def _none_hidden(dev: Any) -> bool:
    return False


# Whether a JAX device is hidden (`tf.config.set_visible_devices`, via `set_hidden`).
hidden: Any = _none_hidden


def set_hidden(predicate: Any) -> None:
    """Install `predicate(jax_device) -> bool`: the devices `tf.config` hides."""
    global hidden
    hidden = predicate


class _Current(threading.local):
    def __init__(self) -> None:
        self.stack: list[Any] = []


_current = _Current()


def current() -> Any:
    """The JAX device of the innermost `tf.device` block, or None."""
    return _current.stack[-1] if _current.stack else None


def default_device() -> Any:
    """Where new values go now: the `tf.device` device, else JAX's default device."""
    dev = current()
    if dev is not None:
        return dev
    configured = getattr(jax.config, "jax_default_device", None)
    if isinstance(configured, jax.Device):
        return configured
    return jax.local_devices()[0]


@contextlib.contextmanager
def device(device_name: Any) -> Iterator[None]:
    """tfcompat implementation of `tf.device` (see the module docstring).

    `None` or `''` leave placement unchanged, as in TF; a callable (graph-mode device
    functions) is accepted and places nothing.
    """
    if device_name is not None and not isinstance(device_name, str) and not callable(device_name):
        if hasattr(device_name, "to_string"):  # tf.DeviceSpec
            device_name = device_name.to_string()
        else:
            raise TypeError(f"device_name must be a string or a function, got {device_name!r}")
    if not isinstance(device_name, str) or not device_name:
        yield
        return
    fields = parse(device_name)
    if "type" not in fields:  # only job/replica/task: placement unchanged
        yield
        return
    dev = jax_device(device_name)
    _current.stack.append(dev)
    try:
        with jax.default_device(dev):
            yield
    finally:
        _current.stack.pop()


def device_of(value: Any) -> str:
    """TF's `Tensor.device` for a tensor's value: the device holding the array; `''` for
    a traced value (TF's graph tensors have no device before placement)."""
    if isinstance(value, jax.core.Tracer):
        return ""
    if isinstance(value, jax.Array):
        try:
            devices = value.devices()
        except Exception:  # a deleted array
            devices = set()
        if len(devices) == 1:
            return tf_name(next(iter(devices)))
        if devices:  # a replicated or sharded array: its first local device (TF's primary)
            local = [d for d in devices if _is_local(d)] or list(devices)
            return tf_name(min(local, key=lambda d: d.id))
    return tf_name(default_device())


def place(value: Any) -> Any:
    """`value` (an array a new tensor or variable holds) on the `tf.device` device, if a
    `tf.device` block is active and it lives elsewhere; else unchanged."""
    dev = current()
    if dev is None or isinstance(value, jax.core.Tracer) or not isinstance(value, jax.Array):
        return value
    devices = value.devices()
    if len(devices) == 1 and dev in devices:
        return value
    # Through the host, so the array is placed but not committed to `dev` (an op mixing it
    # with values of another device then runs instead of failing, as TF copies inputs).
    host = np.asarray(value)
    with jax.default_device(dev):
        return jax.numpy.asarray(host)


# Called with each new Variable (a strategy's scope replicates it); installed by
# tfcompat.distribute through `set_variable_hook`.
variable_hook: Any = None


def set_variable_hook(fn: Any) -> None:
    """Install `fn(variable)`, called at the end of every `tf.Variable.__init__`."""
    global variable_hook
    variable_hook = fn


def variable_created(var: Any) -> None:
    """Called at the end of `tf.Variable.__init__`."""
    if variable_hook is not None:
        variable_hook(var)

"""`tf.tpu.experimental`: initializing the TPU system.

JAX initializes the TPU chips when it starts its TPU backend, so
`initialize_tpu_system` starts JAX's backends and describes what it found.
"""

from __future__ import annotations

from typing import Any

import jax

from tfcompat import _device

__all__ = ["TPUSystemMetadata", "initialize_tpu_system", "shutdown_tpu_system"]


class TPUSystemMetadata:
    """tfcompat implementation of `tf.tpu.experimental.TPUSystemMetadata`."""

    def __init__(
        self, num_cores: int, num_hosts: int, num_of_cores_per_host: int, devices: list[Any]
    ) -> None:
        self.num_cores = num_cores
        self.num_hosts = num_hosts
        self.num_of_cores_per_host = num_of_cores_per_host
        self.devices = devices
        self.topology = None

    def __repr__(self) -> str:
        return (
            f"TPUSystemMetadata(num_cores={self.num_cores}, num_hosts={self.num_hosts}, "
            f"num_of_cores_per_host={self.num_of_cores_per_host})"
        )


def _metadata() -> TPUSystemMetadata:
    from tfcompat.config._devices import list_logical_devices

    tpus = [d for d in jax.devices() if _device.kind_of(d) == "TPU"]
    hosts = max(1, jax.process_count())
    return TPUSystemMetadata(len(tpus), hosts, len(tpus) // hosts, list_logical_devices("TPU"))


def initialize_tpu_system(cluster_resolver: Any = None) -> TPUSystemMetadata:
    """tfcompat implementation of `tf.tpu.experimental.initialize_tpu_system`: starts
    JAX's backends (which attach the TPU chips) and returns what they found (no TPU
    cores on a machine without TPUs, instead of TF's error)."""
    jax.devices()
    return _metadata()


def shutdown_tpu_system(cluster_resolver: Any = None) -> None:
    """tfcompat implementation of `tf.tpu.experimental.shutdown_tpu_system`: JAX keeps its
    TPU backend for the life of the process, so this only checks it is up."""
    jax.devices()

"""`tf.distribute.experimental`: aliases and value contexts."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CommunicationImplementation",
    "CommunicationOptions",
    "ValueContext",
]


class ValueContext:
    """tfcompat implementation of `tf.distribute.experimental.ValueContext`."""

    def __init__(self, replica_id_in_sync_group: int = 0, num_replicas_in_sync: int = 1) -> None:
        self.replica_id_in_sync_group = replica_id_in_sync_group
        self.num_replicas_in_sync = num_replicas_in_sync

    def __str__(self) -> str:
        return (
            f"tf.distribute.ValueContext(replica id {self.replica_id_in_sync_group},  "
            f"total replicas in sync: {self.num_replicas_in_sync})"
        )


class CommunicationImplementation:
    """tfcompat implementation of `tf.distribute.experimental.CommunicationImplementation`
    (accepted; XLA's collectives do the communication)."""

    AUTO = "AUTO"
    RING = "RING"
    NCCL = "NCCL"


class CommunicationOptions:
    """tfcompat implementation of `tf.distribute.experimental.CommunicationOptions`."""

    def __init__(
        self, bytes_per_pack: int = 0, timeout_seconds: Any = None, implementation: Any = "AUTO"
    ) -> None:
        self.bytes_per_pack = bytes_per_pack
        self.timeout_seconds = timeout_seconds
        self.implementation = implementation


def __getattr__(name: str) -> Any:
    if name in ("MultiWorkerMirroredStrategy", "TPUStrategy"):
        from tfcompat import distribute

        return getattr(distribute, name)
    raise AttributeError(f"module 'tfcompat.distribute.experimental' has no attribute {name!r}")

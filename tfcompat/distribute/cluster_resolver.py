"""`tf.distribute.cluster_resolver`: where the workers and TPUs of a job are.

JAX finds the TPU chips of its host itself and reaches other hosts through
`jax.distributed`; these resolvers answer TF's questions from JAX.
"""

from __future__ import annotations

import json
import os
from typing import Any

import jax

from tfcompat import _device

__all__ = [
    "ClusterResolver",
    "SimpleClusterResolver",
    "TFConfigClusterResolver",
    "TPUClusterResolver",
]


class ClusterSpec:
    """tfcompat implementation of `tf.train.ClusterSpec` (jobs -> task addresses)."""

    def __init__(self, cluster: Any) -> None:
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        self._cluster = {job: list(tasks) for job, tasks in dict(cluster or {}).items()}

    def as_dict(self) -> dict[str, list[str]]:
        return {job: list(tasks) for job, tasks in self._cluster.items()}

    @property
    def jobs(self) -> list[str]:
        return list(self._cluster)

    def num_tasks(self, job_name: str) -> int:
        return len(self._cluster[job_name])

    def task_address(self, job_name: str, task_index: int) -> str:
        return self._cluster[job_name][task_index]

    def __bool__(self) -> bool:
        return bool(self._cluster)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClusterSpec) and self.as_dict() == other.as_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ClusterSpec({self._cluster})"


class ClusterResolver:
    """tfcompat implementation of `tf.distribute.cluster_resolver.ClusterResolver`."""

    task_type: Any = None
    task_id: Any = None
    rpc_layer: Any = None

    def cluster_spec(self) -> ClusterSpec:
        raise NotImplementedError("ClusterResolver is abstract: use a subclass")

    def master(self, task_type: Any = None, task_id: Any = None, rpc_layer: Any = None) -> str:
        return ""

    def num_accelerators(
        self, task_type: Any = None, task_id: Any = None, config_proto: Any = None
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind in ("GPU", "TPU"):
            n = len(_device.platform_devices(kind))
            if n:
                counts[kind] = n
        return counts

    @property
    def environment(self) -> str:
        return ""


class SimpleClusterResolver(ClusterResolver):
    """tfcompat implementation of `tf.distribute.cluster_resolver.SimpleClusterResolver`."""

    def __init__(
        self,
        cluster_spec: Any,
        master: str = "",
        task_type: Any = None,
        task_id: Any = None,
        environment: str = "",
        num_accelerators: Any = None,
        rpc_layer: Any = None,
    ) -> None:
        self._spec = ClusterSpec(cluster_spec)
        self._master = master
        self.task_type, self.task_id, self.rpc_layer = task_type, task_id, rpc_layer
        self._environment = environment
        self._num_accelerators = num_accelerators

    def cluster_spec(self) -> ClusterSpec:
        return self._spec

    def master(self, task_type: Any = None, task_id: Any = None, rpc_layer: Any = None) -> str:
        return self._master

    def num_accelerators(
        self, task_type: Any = None, task_id: Any = None, config_proto: Any = None
    ) -> dict[str, int]:
        if self._num_accelerators is not None:
            return dict(self._num_accelerators)
        return super().num_accelerators()

    @property
    def environment(self) -> str:
        return self._environment


class TFConfigClusterResolver(ClusterResolver):
    """tfcompat implementation of `tf.distribute.cluster_resolver.TFConfigClusterResolver`
    (reads the `TF_CONFIG` environment variable)."""

    def __init__(
        self,
        task_type: Any = None,
        task_id: Any = None,
        rpc_layer: Any = None,
        environment: Any = None,
    ) -> None:
        config = json.loads(os.environ.get("TF_CONFIG", "{}") or "{}")
        self._config = config
        task = config.get("task", {})
        self.task_type = task_type if task_type is not None else task.get("type")
        self.task_id = task_id if task_id is not None else task.get("index")
        self.rpc_layer = rpc_layer if rpc_layer is not None else config.get("rpc_layer")
        self._environment = (
            environment if environment is not None else config.get("environment", "")
        )

    def cluster_spec(self) -> ClusterSpec:
        return ClusterSpec(self._config.get("cluster", {}))

    def master(self, task_type: Any = None, task_id: Any = None, rpc_layer: Any = None) -> str:
        task_type = self.task_type if task_type is None else task_type
        task_id = self.task_id if task_id is None else task_id
        if task_type is None or task_id is None:
            return ""
        address = self.cluster_spec().task_address(task_type, task_id)
        layer = rpc_layer or self.rpc_layer
        return f"{layer}://{address}" if layer else address

    @property
    def environment(self) -> str:
        return self._environment


class TPUClusterResolver(ClusterResolver):
    """tfcompat implementation of `tf.distribute.cluster_resolver.TPUClusterResolver`.

    Differences from TensorFlow:
      JAX attaches to the TPU chips of its host (a Colab or Cloud TPU VM runtime) by
      itself, so `tpu` (a name or a `grpc://` address) is recorded, not dialled; the
      cluster is this process's host and the accelerators are JAX's TPU devices. With
      no TPU, the resolver still constructs (a TPU strategy then runs on JAX's default
      devices).
    """

    def __init__(
        self,
        tpu: Any = None,
        zone: Any = None,
        project: Any = None,
        job_name: str = "worker",
        coordinator_name: Any = None,
        coordinator_address: Any = None,
        credentials: Any = "default",
        service: Any = None,
        discovery_url: Any = None,
    ) -> None:
        self._tpu = "" if tpu is None else str(tpu)
        self._zone, self._project = zone, project
        self.task_type, self.task_id = job_name, jax.process_index()
        self.rpc_layer = "grpc"

    @staticmethod
    def connect(tpu: Any = None, zone: Any = None, project: Any = None) -> TPUClusterResolver:
        """Resolve, connect and initialize the TPU system; returns the resolver."""
        from tfcompat.tpu.experimental import initialize_tpu_system

        resolver = TPUClusterResolver(tpu=tpu, zone=zone, project=project)
        initialize_tpu_system(resolver)
        return resolver

    def master(self, task_type: Any = None, task_id: Any = None, rpc_layer: Any = None) -> str:
        if self._tpu.startswith("grpc://"):
            return self._tpu
        return ""

    def get_master(self) -> str:
        return self.master()

    def cluster_spec(self) -> ClusterSpec:
        return ClusterSpec(
            {self.task_type: [f"localhost:{8470 + i}" for i in range(jax.process_count())]}
        )

    def num_accelerators(
        self, task_type: Any = None, task_id: Any = None, config_proto: Any = None
    ) -> dict[str, int]:
        n = len(_device.platform_devices("TPU"))
        return {"TPU": n} if n else {}

    @property
    def environment(self) -> str:
        return "google"

    def get_tpu_system_metadata(self) -> Any:
        from tfcompat.tpu.experimental import _metadata

        return _metadata()

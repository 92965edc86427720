"""`MirroredStrategy`, `OneDeviceStrategy`, `TPUStrategy`, `MultiWorkerMirroredStrategy`.

The multi-replica strategies share one implementation (`_SpmdStrategy`, in
`tfcompat/distribute/_spmd.py`): a mesh over their devices, replicated variables and one
SPMD program per `run`. They differ in which devices they take:

* `MirroredStrategy(devices=None)`: the listed devices, else every visible GPU, else every
  TPU, else every (virtual) CPU device of this process;
* `TPUStrategy(resolver)`: JAX's TPU devices of every process (the devices of JAX's
  default backend when there is no TPU, so TPU programs run on CPU virtual devices in
  tests);
* `MultiWorkerMirroredStrategy()`: the devices of every process of `jax.distributed`
  (initialized from `TF_CONFIG` when it is set and JAX's is not yet).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from typing import Any, cast

import jax

from tfcompat import _device
from tfcompat._core.tensor import Tensor
from tfcompat._core.variable import Variable
from tfcompat.distribute import (
    DistributedDataset,
    DistributedIterator,
    InputContext,
    ReduceOp,
    Strategy,
    StrategyExtended,
    _reduce_op,
    _spmd,
    get_strategy,
    has_strategy,
)
from tfcompat.distribute._spmd import PerReplica

__all__ = [
    "MirroredStrategy",
    "MultiWorkerMirroredStrategy",
    "OneDeviceStrategy",
    "TPUStrategy",
]


class _SpmdExtended(StrategyExtended):
    """`StrategyExtended` of the multi-replica strategies."""

    _container_strategy_ref: _SpmdStrategy

    @property
    def _mesh(self) -> _spmd.Mesh:
        return self._container_strategy_ref._mesh

    @property
    def worker_devices(self) -> tuple[str, ...]:
        return tuple(
            _device.tf_name(d) for d in self._mesh.devices if d.process_index == jax.process_index()
        )

    @property
    def parameter_devices(self) -> tuple[str, ...]:
        return self.worker_devices

    @property
    def num_replicas_per_host(self) -> int:
        return len(self.worker_devices)

    def _in_multi_worker_mode(self) -> bool:
        return jax.process_count() > 1

    @property
    def should_checkpoint(self) -> bool:
        return jax.process_index() == 0

    @property
    def should_save_summary(self) -> bool:
        return jax.process_index() == 0

    def reduce_to(self, reduce_op: Any, value: Any, destinations: Any, options: Any = None) -> Any:
        """In the `run` body (a `merge_call`): all-reduce over the replicas; outside it:
        `strategy.reduce` (a mirrored result)."""
        if _spmd.in_body():
            return _spmd.all_reduce(reduce_op, value)
        return self._container_strategy_ref.reduce(reduce_op, value, axis=None)

    def batch_reduce_to(
        self, reduce_op: Any, value_destination_pairs: Any, options: Any = None
    ) -> Any:
        return [self.reduce_to(reduce_op, v, d) for v, d in value_destination_pairs]


class _SpmdStrategy(Strategy):
    """A strategy over a one-axis device mesh (see `tfcompat/distribute/_spmd.py`)."""

    def __init__(self, devices: list[Any]) -> None:
        unique = []
        for d in devices:
            if d not in unique:
                unique.append(d)
        self._mesh = _spmd.Mesh(unique)
        self._eager_fns: dict[Any, Any] = {}
        super().__init__(_SpmdExtended(self))

    @property
    def num_replicas_in_sync(self) -> int:
        return self._mesh.size

    def run(
        self, fn: Callable[..., Any], args: Any = (), kwargs: Any = None, options: Any = None
    ) -> Any:
        """Run `fn` once per replica, as one SPMD program over the mesh.

        Differences from TensorFlow:
          Called outside a `tf.function`, `fn` is traced into one (cached per `fn` and
          argument shapes), so its Python side effects happen when it is traced, not at
          every call (TF runs it eagerly, one thread per replica).
        """
        kwargs = kwargs or {}
        if _spmd.in_body():
            return fn(*args, **kwargs)
        if _spmd._trace_scope() is None:
            return self._eager_run(fn)(tuple(args), dict(kwargs))
        return _spmd.spmd_run(self, fn, tuple(args), kwargs)

    def _eager_run(self, fn: Callable[..., Any]) -> Any:
        from tfcompat._function import function

        key = fn
        f = self._eager_fns.get(key)
        if f is None:
            if len(self._eager_fns) >= 64:
                self._eager_fns.pop(next(iter(self._eager_fns)))

            def step(args: Any, kwargs: Any) -> Any:
                return _spmd.spmd_run(self, fn, args, kwargs)

            f = function(step, autograph=False)
            self._eager_fns[key] = f
        return f

    def reduce(self, reduce_op: Any, value: Any, axis: Any) -> Any:
        """Reduce per-replica `value` over the replicas (and over `axis` when given)."""
        from tfcompat._api import math_ops
        from tfcompat._core.convert import convert_to_tensor

        op = _reduce_op(reduce_op)
        reducer = math_ops.reduce_sum if op is ReduceOp.SUM else math_ops.reduce_mean

        def one(v: Any) -> Any:
            t: Any
            if isinstance(v, PerReplica):
                t = v._stacked
                axes = [0]
                if axis is not None:
                    rank = len(t._shape) - 1
                    a = int(axis)
                    if not -rank <= a < rank:
                        raise ValueError(
                            f"Invalid reduction dimension {a} for input with {rank} dimensions."
                        )
                    axes.append(a % rank + 1)
                return reducer(t, axis=axes)
            if isinstance(v, Variable) and hasattr(v, "_distributed_container"):
                t = v._tfcompat_read()
                if op is ReduceOp.SUM:
                    t = t * self.num_replicas_in_sync
                return t if axis is None else reducer(t, axis=axis)
            t = convert_to_tensor(v)
            if op is ReduceOp.SUM and self.num_replicas_in_sync > 1:
                raise ValueError(
                    f"A non-DistributedValues value {v} cannot be reduced with the given "
                    f"reduce op {op}."
                )
            return t if axis is None else reducer(t, axis=axis)

        return jax.tree_util.tree_map(one, value, is_leaf=_spmd._is_leaf)

    def experimental_local_results(self, value: Any) -> tuple[Any, ...]:
        """The values of this process's replicas (a tuple of tensors per replica)."""
        if isinstance(value, PerReplica):
            value._stacked._array()  # computed, if pending
            return value.values
        if isinstance(value, Variable) and hasattr(value, "_distributed_container"):
            return tuple(cast(Any, value).values)[: len(self.extended.worker_devices)]
        if isinstance(value, (list, tuple, dict)):
            leaves, tree = jax.tree_util.tree_flatten(value, is_leaf=_spmd._is_leaf)
            per = [self.experimental_local_results(x) for x in leaves]
            n = len(self.extended.worker_devices)
            return tuple(
                jax.tree_util.tree_unflatten(tree, [p[i] if len(p) > 1 else p[0] for p in per])
                for i in range(n)
            )
        return (value,)

    def gather(self, value: Any, axis: int) -> Any:
        """Concatenate per-replica `value` along `axis` (as `tf.distribute` gather)."""
        from tfcompat._api import array_ops

        def one(v: Any) -> Any:
            if isinstance(v, PerReplica):
                return array_ops.concat(list(v.values), axis=axis)
            return v

        return jax.tree_util.tree_map(one, value, is_leaf=_spmd._is_leaf)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """Split each global batch of `dataset` evenly over the replicas.

        Differences from TensorFlow:
          Every worker reads the whole dataset and keeps its replicas' rows (TF shards
          the input between workers); a batch that does not divide evenly raises
          ValueError (TF gives some replicas fewer rows).
        """
        return _SpmdDataset(self, dataset, from_function=False)

    def distribute_datasets_from_function(
        self, dataset_fn: Callable[..., Any], options: Any = None
    ) -> Any:
        """`dataset_fn(InputContext)` per worker; each replica takes the next element."""
        ctx = InputContext(
            num_input_pipelines=jax.process_count(),
            input_pipeline_id=jax.process_index(),
            num_replicas_in_sync=self.num_replicas_in_sync,
        )
        return _SpmdDataset(self, dataset_fn(ctx), from_function=True)

    def experimental_distribute_values_from_function(self, value_fn: Callable[..., Any]) -> Any:
        """Per-replica values `value_fn(ValueContext)` for each replica of this process."""
        from tfcompat.distribute.experimental import ValueContext

        local = [
            i for i, d in enumerate(self._mesh.devices) if d.process_index == jax.process_index()
        ]
        values = [value_fn(ValueContext(i, self.num_replicas_in_sync)) for i in local]
        from tfcompat._core.convert import convert_to_tensor

        values = [jax.tree_util.tree_map(convert_to_tensor, v) for v in values]
        return _spmd._stack_local(self._mesh, values)

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        with super().scope() as s:
            yield s


_SpmdStrategy.__module__ = "tensorflow.python.distribute.distribute_lib"


class _SpmdDataset(DistributedDataset):
    """A dataset distributed over a strategy's replicas."""

    def __init__(self, strategy: _SpmdStrategy, dataset: Any, from_function: bool) -> None:
        self._strategy = strategy
        self._dataset = dataset
        self._from_function = from_function

    def __iter__(self) -> Any:
        mesh = self._strategy._mesh
        if self._from_function:
            return _SpmdIterator(lambda: _spmd.per_replica_batches(mesh, self._dataset), self)
        return _SpmdIterator(lambda: _spmd.global_batches(mesh, self._dataset), self)

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def reduce(self, initial_state: Any, reduce_func: Callable[..., Any]) -> Any:
        state = initial_state
        for element in self:
            state = reduce_func(state, element)
        return state


_SpmdDataset.__module__ = "tensorflow.python.distribute.input_lib"
_SpmdDataset.__name__ = _SpmdDataset.__qualname__ = "DistributedDataset"


class _SpmdIterator(_spmd.DistributedIteratorImpl, DistributedIterator):
    def __init__(self, make: Callable[[], Iterator[Any]], dataset: _SpmdDataset) -> None:
        super().__init__(make, dataset.element_spec)


_SpmdIterator.__module__ = "tensorflow.python.distribute.input_lib"
_SpmdIterator.__name__ = _SpmdIterator.__qualname__ = "DistributedIterator"


def _default_devices() -> list[Any]:
    from tfcompat.config._devices import is_visible

    for kind in ("GPU", "TPU"):
        devices = [d for d in _device.platform_devices(kind) if is_visible(d)]
        if devices:
            return devices
    return _device.platform_devices("CPU")


class MirroredStrategy(_SpmdStrategy):
    """tfcompat implementation of `tf.distribute.MirroredStrategy`.

    Differences from TensorFlow:
      Without `devices` and without GPUs, every CPU device JAX has is a replica (one
      unless virtual CPU devices were asked for); TF takes `CPU:0` only.
      `cross_device_ops` is accepted; XLA's collectives do the all-reduce.
    """

    def __init__(self, devices: Any = None, cross_device_ops: Any = None) -> None:
        if devices is None:
            chosen = _default_devices()
        else:
            if isinstance(devices, str):
                devices = [devices]
            chosen = [_device.jax_device(d) for d in devices]
            if not chosen:
                raise ValueError("devices cannot be empty")
        super().__init__(chosen)


MirroredStrategy.__module__ = "tensorflow.python.distribute.mirrored_strategy"


class MultiWorkerMirroredStrategy(_SpmdStrategy):
    """tfcompat implementation of `tf.distribute.MultiWorkerMirroredStrategy`.

    The replicas are the devices of every process of `jax.distributed`. When JAX's
    distributed runtime is not initialized and `TF_CONFIG` names a cluster, it is
    initialized from it: the first worker's address is the coordinator, the task index
    this process's id. Without either, this is one worker with its local devices.
    """

    def __init__(self, cluster_resolver: Any = None, communication_options: Any = None) -> None:
        _maybe_initialize_distributed(cluster_resolver)
        super().__init__(list(jax.devices()))


MultiWorkerMirroredStrategy.__module__ = (
    "tensorflow.python.distribute.collective_all_reduce_strategy"
)


def _distributed_initialized() -> bool:
    from tfcompat._engine import jax_internals

    return jax_internals.distributed_initialized()


def _maybe_initialize_distributed(resolver: Any) -> None:
    if _distributed_initialized():
        return
    config = os.environ.get("TF_CONFIG")
    if not config:
        return
    spec = json.loads(config)
    workers = spec.get("cluster", {}).get("worker", [])
    task = spec.get("task", {})
    if len(workers) <= 1:
        return
    jax.distributed.initialize(
        coordinator_address=workers[0],
        num_processes=len(workers),
        process_id=int(task.get("index", 0)),
    )


class TPUStrategy(_SpmdStrategy):
    """tfcompat implementation of `tf.distribute.TPUStrategy`.

    Differences from TensorFlow:
      Without TPUs, the replicas are the devices of JAX's default backend (CPU virtual
      devices in tests) instead of an error. `experimental_device_assignment` and
      `experimental_spmd_xla_partitioning` are accepted; every replica runs the same
      SPMD program.
    """

    def __init__(
        self,
        tpu_cluster_resolver: Any = None,
        experimental_device_assignment: Any = None,
        experimental_spmd_xla_partitioning: bool = False,
    ) -> None:
        self._cluster_resolver = tpu_cluster_resolver
        devices = [d for d in jax.devices() if _device.kind_of(d) == "TPU"] or list(jax.devices())
        super().__init__(devices)

    @property
    def cluster_resolver(self) -> Any:
        return self._cluster_resolver


TPUStrategy.__module__ = "tensorflow.python.distribute.tpu_strategy"


class OneDeviceStrategy(Strategy):
    """tfcompat implementation of `tf.distribute.OneDeviceStrategy`: one replica on
    `device`; variables, tensors and programs made in `scope()` and `run` live there."""

    def __init__(self, device: Any) -> None:
        self._device_name = device
        self._jax_device = _device.jax_device(device)
        super().__init__(_OneDeviceExtended(self))

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        with super().scope() as s, _device.device(_device.tf_name(self._jax_device)):
            yield s

    def run(
        self, fn: Callable[..., Any], args: Any = (), kwargs: Any = None, options: Any = None
    ) -> Any:
        with _device.device(_device.tf_name(self._jax_device)):
            return super().run(fn, args, kwargs, options)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        return _OnDeviceDataset(dataset, self._jax_device)


OneDeviceStrategy.__module__ = "tensorflow.python.distribute.one_device_strategy"


class _OneDeviceExtended(StrategyExtended):
    @property
    def worker_devices(self) -> tuple[str, ...]:
        strategy = self._container_strategy()
        assert isinstance(strategy, OneDeviceStrategy)
        return (_device.tf_name(strategy._jax_device),)


class _OnDeviceDataset(DistributedDataset):
    def __init__(self, dataset: Any, device: Any) -> None:
        self._dataset = dataset
        self._jax_device = device

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def __iter__(self) -> Iterator[Any]:
        for element in self._dataset:
            with _device.device(_device.tf_name(self._jax_device)):
                yield jax.tree_util.tree_map(_place, element, is_leaf=_spmd._is_leaf)


def _place(x: Any) -> Any:
    if isinstance(x, Tensor) and x._value is not None:
        from tfcompat._core.tensor import EagerTensor

        return EagerTensor(_device.place(x._value), x._shape, x._dtype)
    return x


def _variable_hook(var: Variable) -> None:
    """Replicate a variable created under a multi-replica strategy's scope."""
    if not has_strategy() or _spmd.in_body():
        return
    strategy = get_strategy()
    if not isinstance(strategy, _SpmdStrategy):
        return
    h = var._handle
    if h._value is not None and not isinstance(h._value, str):
        h._value = strategy._mesh.put(h._value, strategy._mesh.replicated)
    var.__class__ = _spmd.mirrored_class(type(var))
    var._distribute_strategy = strategy  # type: ignore[attr-defined]


_device.set_variable_hook(_variable_hook)

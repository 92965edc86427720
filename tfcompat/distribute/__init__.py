"""`tf.distribute`: the strategy API and TensorFlow's default (single-replica) strategy.

Outside any `strategy.scope()`, TensorFlow runs under a *default strategy*: one replica on
the default device, `get_strategy()` returns it, `has_strategy()` is False, and code is in
a *replica context* whose `all_reduce` and `merge_call` are the identity and a direct call.
Keras's optimizers and trainer are written against this API, so they run unchanged here.

Strategies subclass `Strategy` and `StrategyExtended`; `scope()` pushes a strategy on a
per-thread stack that `get_strategy`, `has_strategy`, `get_replica_context` and
`in_cross_replica_context` read, so multi-device strategies plug into the same seam.
"""

from __future__ import annotations

import contextlib
import enum
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "DistributedDataset",
    "DistributedIterator",
    "DistributedValues",
    "InputContext",
    "InputOptions",
    "InputReplicationMode",
    "MirroredStrategy",
    "MultiWorkerMirroredStrategy",
    "OneDeviceStrategy",
    "ReduceOp",
    "ReplicaContext",
    "Strategy",
    "StrategyExtended",
    "TPUStrategy",
    "cluster_resolver",
    "experimental",
    "get_replica_context",
    "get_strategy",
    "has_strategy",
    "in_cross_replica_context",
]


class ReduceOp(enum.Enum):
    """tfcompat implementation of `tf.distribute.ReduceOp`."""

    SUM = "SUM"
    MEAN = "MEAN"


class InputReplicationMode(enum.Enum):
    """tfcompat implementation of `tf.distribute.InputReplicationMode`."""

    PER_WORKER = "PER_WORKER"
    PER_REPLICA = "PER_REPLICA"


class InputOptions:
    """tfcompat implementation of `tf.distribute.InputOptions` (accepted: tfcompat places
    each step's per-replica values on their devices as it reads them)."""

    def __init__(
        self,
        experimental_fetch_to_device: Any = None,
        experimental_replication_mode: InputReplicationMode = InputReplicationMode.PER_WORKER,
        experimental_place_dataset_on_device: bool = False,
        experimental_per_replica_buffer_size: int = 1,
    ) -> None:
        self.experimental_fetch_to_device = experimental_fetch_to_device
        self.experimental_replication_mode = experimental_replication_mode
        self.experimental_place_dataset_on_device = experimental_place_dataset_on_device
        self.experimental_per_replica_buffer_size = experimental_per_replica_buffer_size


class InputContext:
    """tfcompat implementation of `tf.distribute.InputContext`."""

    def __init__(
        self,
        num_input_pipelines: int = 1,
        input_pipeline_id: int = 0,
        num_replicas_in_sync: int = 1,
    ) -> None:
        self.num_input_pipelines = num_input_pipelines
        self.input_pipeline_id = input_pipeline_id
        self.num_replicas_in_sync = num_replicas_in_sync

    def get_per_replica_batch_size(self, global_batch_size: int) -> int:
        if global_batch_size % self.num_replicas_in_sync:
            raise ValueError(
                f"The `global_batch_size` {global_batch_size} is not divisible by "
                f"`num_replicas_in_sync` {self.num_replicas_in_sync} "
            )
        return global_batch_size // self.num_replicas_in_sync


class _Context:
    """One entry of the strategy stack: the strategy, and whether in cross-replica mode."""

    __slots__ = ("cross_replica", "replica_context", "strategy")

    def __init__(self, strategy: Strategy, cross_replica: bool) -> None:
        self.strategy = strategy
        self.cross_replica = cross_replica
        self.replica_context = None if cross_replica else ReplicaContext(strategy, 0)


class _Stack(threading.local):
    def __init__(self) -> None:
        self.entries: list[_Context] = []


_stack = _Stack()


def _current() -> _Context:
    if _stack.entries:
        return _stack.entries[-1]
    return _default_context


class StrategyExtended:
    """tfcompat implementation of `tf.distribute.StrategyExtended` (one replica)."""

    def __init__(self, container_strategy: Strategy) -> None:
        self._container_strategy_ref = container_strategy

    def _container_strategy(self) -> Strategy:
        return self._container_strategy_ref

    @property
    def worker_devices(self) -> tuple[str, ...]:
        return ("/job:localhost/replica:0/task:0/device:CPU:0",)

    @property
    def parameter_devices(self) -> tuple[str, ...]:
        return self.worker_devices

    @property
    def num_replicas_per_host(self) -> int:
        return 1

    def _in_multi_worker_mode(self) -> bool:
        return False

    @property
    def experimental_require_static_shapes(self) -> bool:
        return False

    @property
    def experimental_between_graph(self) -> bool:
        return False

    @property
    def experimental_should_init(self) -> bool:
        return True

    @property
    def should_checkpoint(self) -> bool:
        return True

    @property
    def should_save_summary(self) -> bool:
        return True

    @contextlib.contextmanager
    def colocate_vars_with(self, colocate_with_variable: Any) -> Iterator[None]:
        """Variables made in the block live where `colocate_with_variable` does (one device)."""
        yield

    def update(
        self,
        var: Any,
        fn: Callable[..., Any],
        args: Any = (),
        kwargs: Any = None,
        group: bool = True,
    ) -> Any:
        """Run `fn(var, *args, **kwargs)` where `var` lives (here: a direct call)."""
        return fn(var, *args, **(kwargs or {}))

    def update_non_slot(
        self,
        colocate_with: Any,
        fn: Callable[..., Any],
        args: Any = (),
        kwargs: Any = None,
        group: bool = True,
    ) -> Any:
        return fn(*args, **(kwargs or {}))

    def value_container(self, value: Any) -> Any:
        return value

    def variable_created_in_scope(self, v: Any) -> bool:
        """Whether `v` was created under this strategy's scope."""
        strategy = self._container_strategy()
        return getattr(v, "_distribute_strategy", _default_strategy) is strategy

    def reduce_to(self, reduce_op: Any, value: Any, destinations: Any, options: Any = None) -> Any:
        return value

    def batch_reduce_to(
        self, reduce_op: Any, value_destination_pairs: Any, options: Any = None
    ) -> Any:
        return [v for v, _ in value_destination_pairs]

    def call_for_each_replica(
        self, fn: Callable[..., Any], args: Any = (), kwargs: Any = None
    ) -> Any:
        return self._container_strategy().run(fn, args, kwargs)


class Strategy:
    """tfcompat implementation of `tf.distribute.Strategy` (the base; one replica here)."""

    def __init__(self, extended: StrategyExtended | None = None) -> None:
        self._extended = extended if extended is not None else StrategyExtended(self)

    @property
    def extended(self) -> StrategyExtended:
        return self._extended

    @property
    def num_replicas_in_sync(self) -> int:
        return 1

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        """Make this the current strategy for the block (nested scopes of one strategy nest)."""
        current = _current().strategy
        if current is not self and has_strategy():
            raise ValueError(
                f"Mixing different tf.distribute.Strategy objects: {self!r} is not {current!r}"
            )
        _stack.entries.append(_Context(self, cross_replica=self is not _default_strategy))
        try:
            yield self
        finally:
            _stack.entries.pop()

    def run(
        self, fn: Callable[..., Any], args: Any = (), kwargs: Any = None, options: Any = None
    ) -> Any:
        """Run `fn` once per replica, in replica context (one replica: one call)."""
        _stack.entries.append(_Context(self, cross_replica=False))
        try:
            return fn(*args, **(kwargs or {}))
        finally:
            _stack.entries.pop()

    def reduce(self, reduce_op: Any, value: Any, axis: Any) -> Any:
        """Reduce per-replica `value` across replicas, then over `axis` when given."""
        from tfcompat._api import math_ops

        op = _reduce_op(reduce_op)
        if axis is None:
            return value
        if op is ReduceOp.SUM:
            return math_ops.reduce_sum(value, axis=axis)
        return math_ops.reduce_mean(value, axis=axis)

    def experimental_distribute_dataset(self, dataset: Any, options: Any = None) -> Any:
        """`dataset` as a one-replica `DistributedDataset`.

        Differences from TensorFlow:
          TF's default strategy returns `dataset` itself. tfcompat wraps it: iterating
          the wrapper is a plain Python iteration over the dataset's elements, so a step
          function compiled with `tf.function` receives each batch as its input (one
          compiled program per step) instead of tracing the input pipeline.
        """
        if isinstance(dataset, DistributedDataset):
            return dataset
        return _OneReplicaDataset(dataset)

    def distribute_datasets_from_function(
        self, dataset_fn: Callable[..., Any], options: Any = None
    ) -> Any:
        return dataset_fn(InputContext())

    def experimental_local_results(self, value: Any) -> tuple[Any, ...]:
        return (value,)

    def gather(self, value: Any, axis: int) -> Any:
        return value

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {id(self):#x}>"


class ReplicaContext:
    """tfcompat implementation of `tf.distribute.ReplicaContext`."""

    def __init__(self, strategy: Strategy, replica_id_in_sync_group: Any) -> None:
        self._strategy = strategy
        self._replica_id_in_sync_group = replica_id_in_sync_group

    @property
    def strategy(self) -> Strategy:
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return self._strategy.num_replicas_in_sync

    @property
    def replica_id_in_sync_group(self) -> Any:
        from tfcompat._core.convert import constant

        return constant(self._replica_id_in_sync_group, dtype="int32")

    def merge_call(self, merge_fn: Callable[..., Any], args: Any = (), kwargs: Any = None) -> Any:
        """Call `merge_fn(strategy, *args, **kwargs)` in cross-replica context."""
        _stack.entries.append(_Context(self._strategy, cross_replica=True))
        try:
            return merge_fn(self._strategy, *args, **(kwargs or {}))
        finally:
            _stack.entries.pop()

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        """Reduce `value` (a nest of tensors) across replicas (one replica: unchanged)."""
        return value

    def all_gather(self, value: Any, axis: int, options: Any = None) -> Any:
        return value


class _DefaultDistributionStrategy(Strategy):
    """The strategy in effect outside any `scope()`."""


_DefaultDistributionStrategy.__module__ = "tensorflow.python.distribute.distribute_lib"


_default_strategy = _DefaultDistributionStrategy()
_default_context = _Context(_default_strategy, cross_replica=False)


def get_strategy() -> Strategy:
    """tfcompat implementation of `tf.distribute.get_strategy`."""
    return _current().strategy


def has_strategy() -> bool:
    """tfcompat implementation of `tf.distribute.has_strategy`."""
    return _current().strategy is not _default_strategy


def in_cross_replica_context() -> bool:
    """tfcompat implementation of `tf.distribute.in_cross_replica_context`."""
    return _current().cross_replica


def get_replica_context() -> ReplicaContext | None:
    """tfcompat implementation of `tf.distribute.get_replica_context`."""
    return _current().replica_context


# The types of what multi-replica strategies produce (libraries test for them with
# `isinstance`); the default strategy produces none of them.
class DistributedValues:
    """tfcompat implementation of `tf.distribute.DistributedValues` (the abstract base)."""


class DistributedDataset:
    """tfcompat implementation of `tf.distribute.DistributedDataset` (the abstract base)."""


class DistributedIterator:
    """tfcompat implementation of `tf.distribute.DistributedIterator` (the abstract base)."""


def _reduce_op(reduce_op: Any) -> ReduceOp:
    if isinstance(reduce_op, ReduceOp):
        return reduce_op
    if isinstance(reduce_op, str) and reduce_op.upper() in ("SUM", "MEAN"):
        return ReduceOp(reduce_op.upper())
    raise ValueError(f"Unsupported reduce_op: {reduce_op!r}")


class _OneReplicaDataset(DistributedDataset):
    """A dataset distributed over the default strategy's one replica."""

    def __init__(self, dataset: Any) -> None:
        self._dataset = dataset

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def __iter__(self) -> Iterator[Any]:
        return _elements(self._dataset)

    def __len__(self) -> int:
        return len(self._dataset)

    def cardinality(self) -> Any:
        return self._dataset.cardinality()

    def reduce(self, initial_state: Any, reduce_func: Callable[..., Any]) -> Any:
        return self._dataset.reduce(initial_state, reduce_func)


def _elements(dataset: Any) -> Iterator[Any]:
    """The elements of `dataset`, as a Python generator."""
    yield from dataset


from tfcompat.distribute import cluster_resolver, experimental  # noqa: E402
from tfcompat.distribute._strategies import (  # noqa: E402 - after the base classes
    MirroredStrategy,
    MultiWorkerMirroredStrategy,
    OneDeviceStrategy,
    TPUStrategy,
)

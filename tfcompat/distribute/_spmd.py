"""Multi-replica strategies on `jax.sharding`: one SPMD program over a device mesh.

A strategy holds a one-axis `jax.sharding.Mesh` (axis `"replica"`) over its devices:

* a variable created under `scope()` holds one array replicated over the mesh
  (`NamedSharding(mesh, P())`): one logical variable, shown as TF's `MirroredVariable`;
* a per-replica value (`PerReplica`) holds one array of shape `[replicas, *local_shape]`
  sharded along its first axis (`P("replica")`): replica i's value lives on device i;
* `run(fn, args)` calls `fn` once, inside `jax.shard_map` over the mesh, on each
  replica's local values (so shapes, Python code and tapes are TF's per-replica ones);
  `ReplicaContext.all_reduce` is `lax.psum`/`lax.pmean`; the variables `fn` assigns leave
  the body replicated. `run` always executes inside a `tf.function` trace (the caller's,
  or one of its own per `fn` when called eagerly), so a training step - forward, backward,
  gradient all-reduce, optimizer update and the per-replica loss - is one compiled SPMD
  program per step.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from tfcompat._composite.base import CompositeTensor, TypeSpec
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.variable import Variable
from tfcompat.distribute import DistributedValues, ReplicaContext

AXIS = "replica"


class _Body(threading.local):
    """Set while a strategy's `run` body is traced in this thread."""

    def __init__(self) -> None:
        self.strategy: Any = None
        # uids of variable handles written in cross-replica context (a merge_call):
        # their new values are the same on every replica.
        self.cross_written: set[int] = set()


body = _Body()


def in_body() -> bool:
    return body.strategy is not None


def _tensor(value: Any, dtype: Any) -> Tensor:
    return EagerTensor(value, tuple(value.shape), dtype)


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


class _PerReplicaSpec(TypeSpec):
    __slots__ = ("_dtype", "_n", "_shape")

    def __init__(self, n: int, shape: tuple[int, ...], dtype: Any) -> None:
        self._n, self._shape, self._dtype = n, shape, dtype

    @property
    def value_type(self) -> type:
        return PerReplica

    def _serialize(self) -> tuple[Any, ...]:
        return (self._n, self._shape, self._dtype)

    def _to_components(self, value: Any) -> list[Any]:
        return [value._stacked]

    def _from_components(self, components: list[Any]) -> Any:
        return PerReplica(components[0])


class PerReplica(CompositeTensor, DistributedValues):
    """Per-replica values: one tensor of shape `[replicas, *local_shape]`, sharded along
    its first axis over the strategy's mesh (replica i's value on device i)."""

    __slots__ = ("_stacked",)

    def __init__(self, stacked: Tensor) -> None:
        self._stacked = stacked

    @property
    def _type_spec(self) -> TypeSpec:
        t = self._stacked
        return _PerReplicaSpec(t._shape[0], tuple(t._shape[1:]), t._dtype)

    @property
    def values(self) -> tuple[Tensor, ...]:
        """This process's replicas' values (all replicas' with one process)."""
        stacked: Any = self._stacked
        arr = stacked._value
        if isinstance(arr, jax.Array) and not arr.is_fully_addressable:
            shards = sorted(arr.addressable_shards, key=lambda sh: sh.index[0].start or 0)
            return tuple(_tensor(sh.data[0], stacked._dtype) for sh in shards)
        return tuple(stacked[i] for i in range(stacked._shape[0]))

    _values = values

    @property
    def dtype(self) -> Any:
        return self._stacked.dtype

    def __repr__(self) -> str:
        items = ",\n".join(f"  {i}: {v!r}" for i, v in enumerate(self.values))
        return "PerReplica:{\n" + items + "\n}"

    __str__ = __repr__


# --------------------------------------------------------------------------------------
# Mirrored variables
# --------------------------------------------------------------------------------------


class _MirroredMixin:
    """Methods of a variable created under a multi-replica strategy's scope."""

    _distribute_strategy: Any

    def _distributed_container(self) -> Any:
        return self

    @property
    def values(self) -> tuple[Any, ...]:
        return (self,) * self._distribute_strategy.num_replicas_in_sync

    _values = values

    @property
    def distribute_strategy(self) -> Any:
        return self._distribute_strategy

    def __repr__(self) -> str:
        base = super().__repr__()
        name = self._name  # type: ignore[attr-defined]
        items = []
        for i in range(self._distribute_strategy.num_replicas_in_sync):
            text = base
            if i:
                stem = name[: -len(":0")] if name.endswith(":0") else name
                text = base.replace(f"'{name}'", f"'{stem}/replica_{i}:0'", 1)
            items.append(f"  {i}: {text}")
        return "MirroredVariable:{\n" + ",\n".join(items) + "\n}"

    __str__ = __repr__


_MIRRORED_CLASSES: dict[type, type] = {}


def mirrored_class(base: type) -> type:
    cls = _MIRRORED_CLASSES.get(base)
    if cls is None:
        cls = type("MirroredVariable", (_MirroredMixin, base, DistributedValues), {})
        cls.__module__ = "tensorflow.python.distribute.values"
        _MIRRORED_CLASSES[base] = cls
    return cls


# --------------------------------------------------------------------------------------
# The mesh and placement
# --------------------------------------------------------------------------------------


class Mesh:
    """The devices of a strategy as a one-axis mesh."""

    def __init__(self, devices: list[Any]) -> None:
        self.devices = devices
        self.mesh = jax.sharding.Mesh(np.array(devices), (AXIS,))
        self.replicated = NamedSharding(self.mesh, P())
        self.split = NamedSharding(self.mesh, P(AXIS))

    @property
    def size(self) -> int:
        return len(self.devices)

    def put(self, value: Any, sharding: NamedSharding) -> Any:
        """A host or device value as a global array with `sharding` (every process
        passes the same global value)."""
        if isinstance(value, jax.core.Tracer):
            return jax.lax.with_sharding_constraint(value, sharding)
        if isinstance(value, jax.Array) and value.is_fully_addressable:
            if jax.process_count() == 1:
                return jax.device_put(value, sharding)
            value = np.asarray(value)
        host = np.asarray(value)
        return jax.make_array_from_callback(host.shape, sharding, lambda idx: host[idx])

    def put_local(self, local: Any) -> Any:
        """This process's per-replica rows `[local_replicas, ...]` as the global
        `[replicas, ...]` array sharded over the mesh."""
        return jax.make_array_from_process_local_data(self.split, np.asarray(local))


# --------------------------------------------------------------------------------------
# run: the SPMD body
# --------------------------------------------------------------------------------------


def _trace_scope() -> Any:
    from tfcompat._function import _TraceScope
    from tfcompat._tape import engine

    for rec in reversed(engine.state.recording or ()):
        if isinstance(rec, _TraceScope):
            return rec
    return None


def _is_leaf(x: Any) -> bool:
    return isinstance(x, (Tensor, Variable, PerReplica)) or x is None


class _Static:
    """A non-tensor output of `fn` (the same in every replica)."""

    def __init__(self) -> None:
        self.value: Any = None


def spmd_run(strategy: Any, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    """Trace `fn(*args, **kwargs)` per replica inside `jax.shard_map` (see module doc).

    Must be called inside a `tf.function` trace."""
    from tfcompat import distribute
    from tfcompat._core import dtypes
    from tfcompat._tape import engine

    scope = _trace_scope()
    assert scope is not None
    engine.flush_variables()
    mesh: Mesh = strategy._mesh
    leaves, treedef = jax.tree_util.tree_flatten((args, kwargs), is_leaf=_is_leaf)
    inputs, specs, kinds = [], [], []
    pending = [x for x in leaves if isinstance(x, Tensor) and x._value is None]
    pending += [x._stacked for x in leaves if isinstance(x, PerReplica)]
    engine.materialize_many([t for t in pending if t._value is None])
    for x in leaves:
        if isinstance(x, PerReplica):
            inputs.append(x._stacked._array())
            specs.append(P(AXIS))
            kinds.append(("p", x._stacked._dtype))
        elif isinstance(x, Tensor) and x._dtype is not dtypes.string:
            inputs.append(x._array())
            specs.append(P())
            kinds.append(("t", x._dtype))
        else:
            kinds.append(("s", x))
    out_meta: dict[str, Any] = {}

    def body_fn(*arrays: Any) -> Any:
        it = iter(arrays)
        local: list[Any] = []
        for kind in kinds:
            if kind[0] == "p":
                a = next(it)
                local.append(_tensor(a.reshape(a.shape[1:]), kind[1]))
            elif kind[0] == "t":
                local.append(_tensor(next(it), kind[1]))
            else:
                local.append(kind[1])
        call_args, call_kwargs = jax.tree_util.tree_unflatten(treedef, local)
        before = {uid: lf.handle._value for uid, lf in scope.lifted.items()}
        n_created = len(scope.created)
        saved, saved_cross = body.strategy, body.cross_written
        body.strategy, body.cross_written = strategy, set()
        ctx = distribute._Context(strategy, cross_replica=False)
        ctx.replica_context = SpmdReplicaContext(strategy)
        distribute._stack.entries.append(ctx)
        try:
            out = fn(*call_args, **(call_kwargs or {}))
            out_leaves, out_tree = jax.tree_util.tree_flatten(out, is_leaf=_is_leaf)
            ts = [x for x in out_leaves if isinstance(x, Tensor) and x._value is None]
            engine.materialize_many(ts)
            engine.flush_variables()
        finally:
            distribute._stack.entries.pop()
            cross_written = body.cross_written
            body.strategy, body.cross_written = saved, saved_cross
        if len(scope.created) != n_created:
            raise ValueError(
                "tfcompat: variables must be created outside `strategy.run` (under "
                "`strategy.scope()`): build the model and the optimizer "
                "(`optimizer.build(model.trainable_variables)`) before the step."
            )
        written, new_values = [], []
        for uid, lf in scope.lifted.items():
            h = lf.handle
            old = before.get(uid, lf.tracer)
            if h._value is not old:
                written.append(h)
                new = h._value
                if uid not in cross_written and mesh.size > 1:
                    new = _aggregate(h, old, new)
                new_values.append(new)
        out_meta["written"] = written
        out_meta["tree"] = out_tree
        per_replica, statics = [], []
        for x in out_leaves:
            if isinstance(x, Variable):
                x = x._tfcompat_read()
            if isinstance(x, Tensor):
                per_replica.append(x._array()[None])
                statics.append(("t", x._dtype))
            else:
                statics.append(("s", x))
        out_meta["statics"] = statics
        return tuple(per_replica), tuple(new_values)

    mapped = jax.shard_map(
        body_fn,
        mesh=mesh.mesh,
        in_specs=tuple(specs),
        out_specs=(P(AXIS), P()),
        check_vma=False,
    )
    per_replica, new_values = mapped(*inputs)
    for h, v in zip(out_meta["written"], new_values, strict=True):
        h.value = v
    it = iter(per_replica)
    outs: list[Any] = []
    for kind in out_meta["statics"]:
        if kind[0] == "t":
            stacked: Any = _tensor(next(it), kind[1])
            outs.append(stacked[0] if mesh.size == 1 else PerReplica(stacked))
        else:
            outs.append(kind[1])
    return jax.tree_util.tree_unflatten(out_meta["tree"], outs)


def _aggregate(handle: Any, old: Any, new: Any) -> Any:
    """The value of a variable written in replica context, per its aggregation, as TF:
    SUM and MEAN combine the replicas' changes, ONLY_FIRST_REPLICA takes replica 0's
    value; NONE keeps each replica's own write (the value leaving is replica 0's)."""
    var = handle.variable() if handle.variable is not None else None
    name = getattr(getattr(var, "_aggregation", None), "name", "NONE")
    if name == "SUM":
        return old + jax.lax.psum(new - old, AXIS)
    if name == "MEAN":
        delta = jax.lax.pmean((new - old).astype(np.result_type(new, np.float32)), AXIS)
        return (old + delta).astype(new.dtype)
    if name == "ONLY_FIRST_REPLICA":
        first = jax.lax.axis_index(AXIS) == 0
        return jax.lax.psum(jax.numpy.where(first, new, jax.numpy.zeros_like(new)), AXIS)
    return new


def _map_tensors(fn: Callable[[Tensor], Any], value: Any) -> Any:
    from tfcompat._core.convert import convert_to_tensor

    def one(x: Any) -> Any:
        if x is None:
            return None
        t = x._tfcompat_read() if isinstance(x, Variable) else convert_to_tensor(x)
        return fn(t)

    return jax.tree_util.tree_map(one, value, is_leaf=_is_leaf)


def _collective(t: Tensor, op: Callable[[Any], Any]) -> Tensor:
    from tfcompat._tape import engine

    recording = engine.state.recording or ()
    if any(r in recording for r in t._tapes):
        raise NotImplementedError(
            "tfcompat cannot differentiate through a cross-replica reduction: this value is "
            "watched by a recording GradientTape. Compute the gradients first, then "
            "all-reduce them (as tf.distribute's optimizers do)."
        )
    a = t._array()
    return _tensor(op(a), t._dtype)


def all_reduce(reduce_op: Any, value: Any) -> Any:
    """Sum or mean `value` (a nest of tensors) over the replicas, inside the body."""
    from tfcompat import distribute

    op = distribute._reduce_op(reduce_op)
    if op is distribute.ReduceOp.SUM:
        return _map_tensors(lambda t: _collective(t, lambda a: jax.lax.psum(a, AXIS)), value)
    return _map_tensors(lambda t: _collective(t, lambda a: jax.lax.pmean(a, AXIS)), value)


def all_gather(value: Any, axis: int) -> Any:
    return _map_tensors(
        lambda t: _collective(t, lambda a: jax.lax.all_gather(a, AXIS, axis=axis, tiled=True)),
        value,
    )


class SpmdReplicaContext(ReplicaContext):
    """The replica context inside a strategy's `run` body (one per replica)."""

    def __init__(self, strategy: Any) -> None:
        super().__init__(strategy, 0)

    @property
    def strategy(self) -> Any:
        return self._strategy

    @property
    def num_replicas_in_sync(self) -> int:
        return int(self._strategy.num_replicas_in_sync)

    @property
    def replica_id_in_sync_group(self) -> Tensor:
        from tfcompat._core import dtypes

        return _tensor(jax.lax.axis_index(AXIS).astype(np.int32), dtypes.int32)

    def merge_call(self, merge_fn: Callable[..., Any], args: Any = (), kwargs: Any = None) -> Any:
        """Call `merge_fn(strategy, *args)` in cross-replica context. Each device runs
        it on its own values, so a reduction in it (`extended.reduce_to`) all-reduces."""
        from tfcompat import distribute

        scope = _trace_scope()
        lifted = scope.lifted if scope is not None else {}
        before = {uid: (lf.handle._value, lf.handle.pending) for uid, lf in lifted.items()}
        distribute._stack.entries.append(distribute._Context(self._strategy, cross_replica=True))
        try:
            return merge_fn(self._strategy, *args, **(kwargs or {}))
        finally:
            distribute._stack.entries.pop()
            for uid, lf in lifted.items():
                h = lf.handle
                was = before.get(uid, (lf.tracer, None))
                if h._value is not was[0] or h.pending is not was[1]:
                    body.cross_written.add(uid)

    def all_reduce(self, reduce_op: Any, value: Any, options: Any = None) -> Any:
        return all_reduce(reduce_op, value)

    def all_gather(self, value: Any, axis: int, options: Any = None) -> Any:
        return all_gather(value, axis)

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(self._strategy.extended.worker_devices)

    def __repr__(self) -> str:
        return f"<tensorflow.python.distribute.values.ReplicaContext object at {id(self):#x}>"


# --------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------


def _split_global(mesh: Mesh, element: Any) -> Any:
    """A global batch (a nest of tensors `[B, ...]`) as per-replica values."""
    n = mesh.size

    def one(x: Any) -> Any:
        if not isinstance(x, Tensor):
            return x
        arr = np.asarray(x._array())
        if arr.ndim == 0 or arr.shape[0] % n:
            raise ValueError(
                f"tfcompat splits each global batch evenly over the {n} replicas: a batch of "
                f"shape {tuple(arr.shape)} does not divide; batch with "
                "`drop_remainder=True` and a batch size divisible by num_replicas_in_sync."
            )
        if n == 1:
            return _tensor(mesh.put(arr, mesh.replicated), x._dtype)
        stacked = arr.reshape((n, arr.shape[0] // n, *arr.shape[1:]))
        return PerReplica(_tensor(mesh.put(stacked, mesh.split), x._dtype))

    return jax.tree_util.tree_map(one, element, is_leaf=_is_leaf)


def _stack_local(mesh: Mesh, elements: list[Any]) -> Any:
    """Consecutive per-replica elements of this process's replicas as per-replica values."""

    def one(*xs: Any) -> Any:
        if not isinstance(xs[0], Tensor):
            return xs[0]
        local = np.stack([np.asarray(x._array()) for x in xs])
        if mesh.size == 1:
            return _tensor(mesh.put(local[0], mesh.replicated), xs[0]._dtype)
        return PerReplica(_tensor(mesh.put_local(local), xs[0]._dtype))

    return jax.tree_util.tree_map(one, *elements, is_leaf=_is_leaf)


class DistributedIteratorImpl:
    """Iterator over a distributed dataset: each step's per-replica values."""

    def __init__(self, make: Callable[[], Iterator[Any]], element_spec: Any) -> None:
        self._it = make()
        self._element_spec = element_spec

    def __iter__(self) -> DistributedIteratorImpl:
        return self

    def __next__(self) -> Any:
        return next(self._it)

    def get_next(self) -> Any:
        from tfcompat._core import errors

        try:
            return next(self._it)
        except StopIteration:
            raise errors.OutOfRangeError(None, None, "End of sequence") from None

    @property
    def element_spec(self) -> Any:
        return self._element_spec


def global_batches(mesh: Mesh, dataset: Any) -> Iterator[Any]:
    for element in dataset:
        yield _split_global(mesh, element)


def per_replica_batches(mesh: Mesh, dataset: Any) -> Iterator[Any]:
    local = sum(1 for d in mesh.devices if d.process_index == jax.process_index())
    group: list[Any] = []
    for element in dataset:
        group.append(element)
        if len(group) == local:
            yield _stack_local(mesh, group)
            group = []


_EAGER_RUNS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

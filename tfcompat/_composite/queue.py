"""`tf.queue`: `FIFOQueue`, `PaddingFIFOQueue`, `RandomShuffleQueue` (eager).

A queue holds tuples of tensors (one per component dtype). As in TF, `dequeue` on an
empty open queue and `enqueue` on a full one block until another thread makes room, and
a closed queue raises `OutOfRangeError` when it has too few elements and
`CancelledError` on enqueue.

Differences from TensorFlow:
  Eager only (a queue used inside a `tf.function` is a Python object of the trace).
  `RandomShuffleQueue` draws with NumPy's generator: the order differs from TF's for the
  same seed.
"""

from __future__ import annotations

import builtins
import threading
from collections import deque
from typing import Any

import numpy as np

from tfcompat._api import array_ops
from tfcompat._api._args import kernel_error
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor
from tfcompat._core.tensor_shape import TensorShape, as_shape

__all__ = ["FIFOQueue", "PaddingFIFOQueue", "QueueBase", "RandomShuffleQueue"]

_COUNT = [0]


class QueueBase:
    """tfcompat implementation of `tf.queue.QueueBase`."""

    _kind = "FIFOQueue"

    def __init__(self, dtypes_: Any, shapes: Any, names: Any, queue_ref: Any) -> None:
        raise TypeError("QueueBase is abstract: use tf.queue.FIFOQueue and friends.")

    def _setup(self, capacity: Any, dtypes_: Any, shapes: Any, names: Any, name: str) -> None:
        if not isinstance(dtypes_, (list, tuple)):
            dtypes_ = [dtypes_]
        self._dtypes = [dtypes.as_dtype(d) for d in dtypes_]
        if shapes is not None:
            if not isinstance(shapes, (list, tuple)) or (
                shapes and not isinstance(shapes[0], (list, tuple, TensorShape))
            ):
                shapes = [shapes]
            self._shapes = [as_shape(s) for s in shapes]
            if len(self._shapes) != len(self._dtypes):
                raise ValueError("Queue shapes must have the same length as dtypes")
        else:
            self._shapes = [TensorShape(None) for _ in self._dtypes]
        if names is not None:
            names = list(names) if isinstance(names, (list, tuple)) else [names]
            if len(names) != len(self._dtypes):
                raise ValueError("Queue names must have the same length as dtypes")
        self._names = names
        self._capacity = int(capacity)
        self._items: deque[tuple[Tensor, ...]] = deque()
        self._closed = False
        self._cv = threading.Condition()
        self._name = f"_{_COUNT[0]}_{name}"
        self._id = _COUNT[0]
        _COUNT[0] += 1

    # -- properties --------------------------------------------------------------------
    @property
    def dtypes(self) -> list[dtypes.DType]:
        return list(self._dtypes)

    @property
    def shapes(self) -> list[TensorShape]:
        return list(self._shapes)

    @property
    def names(self) -> Any:
        return self._names

    @property
    def name(self) -> str:
        return self._name

    @property
    def queue_ref(self) -> Any:
        return None

    # -- helpers -----------------------------------------------------------------------
    def _components(self, vals: Any) -> list[Any]:
        if self._names is not None:
            if not isinstance(vals, dict):
                raise ValueError("Queue must have names to enqueue a dictionary")
            if sorted(vals) != sorted(self._names):
                raise ValueError(
                    f"Keys in dictionary to enqueue do not match names of Queue.  Dictionary: "
                    f"{sorted(vals)}, Queue: {sorted(self._names)}"
                )
            return [vals[k] for k in self._names]
        if isinstance(vals, (list, tuple)) and len(self._dtypes) > 1:
            return list(vals)
        if len(self._dtypes) == 1 and isinstance(vals, (list, tuple)) and len(vals) == 1:
            return list(vals)
        return [vals]

    def _convert(self, vals: Any, many: bool) -> list[Tensor]:
        comps = self._components(vals)
        if len(comps) != len(self._dtypes):
            raise ValueError(
                f"Expected {len(self._dtypes)} components to enqueue, got {len(comps)}"
            )
        out = []
        for v, dt, shape in zip(comps, self._dtypes, self._shapes, strict=True):
            t = convert_to_tensor(v, dtype=dt)
            elem = TensorShape(t._shape[1:] if many else t._shape)
            if not shape.is_compatible_with(elem):
                raise ValueError(f"Shapes {elem} and {shape} are incompatible")
            out.append(t)
        return out

    def _pack(self, comps: list[Tensor]) -> Any:
        if self._names is not None:
            return dict(zip(self._names, comps, strict=True))
        return comps[0] if len(comps) == 1 else comps

    def _insufficient(self, n: int) -> errors.OpError:
        return kernel_error(
            "QueueDequeueV2" if n == 1 else "QueueDequeueManyV2",
            f"{self._kind} '{self._id}' is closed and has insufficient elements (requested "
            f"{n}, current size {len(self._items)})",
            node=f"QueueDequeue{'' if n == 1 else 'Many'}V2_component_types_{len(self._dtypes)}",
            name="Empty_Dequeue" if n == 1 else "Empty_DequeueMany",
            cls=errors.OutOfRangeError,
        )

    def _put(self, items: list[tuple[Tensor, ...]]) -> None:
        with self._cv:
            for item in items:
                while len(self._items) >= self._capacity and not self._closed:
                    self._cv.wait()
                if self._closed:
                    raise kernel_error(
                        "QueueEnqueueV2",
                        f"{self._kind} '{self._id}' is closed.",
                        node=f"QueueEnqueueV2_Tcomponents_{len(self._dtypes)}",
                        name="",
                        cls=errors.CancelledError,
                    )
                self._items.append(item)
                self._cv.notify_all()

    def _ready(self, n: int) -> bool:
        return len(self._items) >= n

    def _take(self) -> tuple[Tensor, ...]:
        return self._items.popleft()

    def _get(self, n: int, up_to: bool = False) -> list[tuple[Tensor, ...]]:
        with self._cv:
            while not self._ready(n) and not self._closed:
                self._cv.wait()
            if not self._ready(n) and self._closed:
                if not (up_to and self._items):
                    raise self._insufficient(n)
                n = len(self._items)
            out = [self._take() for _ in builtins.range(n)]
            self._cv.notify_all()
            return out

    # -- the API -----------------------------------------------------------------------
    def enqueue(self, vals: Any, name: Any = None) -> None:
        """tfcompat implementation of `QueueBase.enqueue`."""
        self._put([tuple(self._convert(vals, many=False))])

    def enqueue_many(self, vals: Any, name: Any = None) -> None:
        """tfcompat implementation of `QueueBase.enqueue_many`."""
        comps = self._convert(vals, many=True)
        n = comps[0]._shape[0] if comps[0]._shape else None
        if n is None or any(c._shape[:1] != (n,) for c in comps):
            raise ValueError("enqueue_many requires components with the same first dimension")
        rows = [array_ops.unstack(c) if n else [] for c in comps]
        self._put([tuple(r[i] for r in rows) for i in builtins.range(n)])

    def dequeue(self, name: Any = None) -> Any:
        """tfcompat implementation of `QueueBase.dequeue`."""
        (item,) = self._get(1)
        return self._pack(list(item))

    def _batch(self, items: list[tuple[Tensor, ...]], op: str) -> Any:
        for shape in self._shapes:
            if not shape.is_fully_defined():
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"{self._kind}'s DequeueMany and DequeueUpTo require the components to "
                    "have specified shapes.",
                )
        comps = []
        for k, (dt, shape) in enumerate(zip(self._dtypes, self._shapes, strict=True)):
            if items:
                comps.append(array_ops.stack([it[k] for it in items]))
            else:
                zeros = np.zeros((0, *(int(d or 0) for d in shape.as_list())), dt.as_numpy_dtype)
                comps.append(convert_to_tensor(zeros))
        return self._pack(comps)

    def dequeue_many(self, n: Any, name: Any = None) -> Any:
        """tfcompat implementation of `QueueBase.dequeue_many`."""
        self._check_shapes_for_many()
        return self._batch(self._get(int(n)), "DequeueMany")

    def dequeue_up_to(self, n: Any, name: Any = None) -> Any:
        """tfcompat implementation of `QueueBase.dequeue_up_to`."""
        self._check_shapes_for_many()
        return self._batch(self._get(int(n), up_to=True), "DequeueUpTo")

    def _check_shapes_for_many(self) -> None:
        if not all(s.is_fully_defined() for s in self._shapes):
            raise errors.InvalidArgumentError(
                None,
                None,
                f"{self._kind}'s DequeueMany and DequeueUpTo require the components to have "
                "specified shapes.",
            )

    def size(self, name: Any = None) -> Tensor:
        """tfcompat implementation of `QueueBase.size`."""
        return convert_to_tensor(np.int32(len(self._items)))

    def close(self, cancel_pending_enqueues: bool = False, name: Any = None) -> None:
        """tfcompat implementation of `QueueBase.close`."""
        with self._cv:
            self._closed = True
            self._cv.notify_all()

    def is_closed(self, name: Any = None) -> Tensor:
        """tfcompat implementation of `QueueBase.is_closed`."""
        return convert_to_tensor(self._closed)


class FIFOQueue(QueueBase):
    """tfcompat implementation of `tf.queue.FIFOQueue`."""

    def __init__(
        self,
        capacity: Any,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        shared_name: Any = None,
        name: str = "fifo_queue",
    ) -> None:
        self._setup(capacity, dtypes, shapes, names, name)


class PaddingFIFOQueue(QueueBase):
    """tfcompat implementation of `tf.queue.PaddingFIFOQueue`: `dequeue_many` pads each
    component's unknown dimensions to the batch's largest size, with zeros."""

    _kind = "PaddingFIFOQueue"

    def __init__(
        self,
        capacity: Any,
        dtypes: Any,
        shapes: Any,
        names: Any = None,
        shared_name: Any = None,
        name: str = "padding_fifo_queue",
    ) -> None:
        self._setup(capacity, dtypes, shapes, names, name)
        for s in self._shapes:
            if s.rank is None:
                raise ValueError("Shapes must be known rank when using PaddingFIFOQueue")

    def _check_shapes_for_many(self) -> None:
        return None

    def _batch(self, items: list[tuple[Tensor, ...]], op: str) -> Any:
        comps = []
        for k, (dt, shape) in enumerate(zip(self._dtypes, self._shapes, strict=True)):
            parts = [it[k] for it in items]
            dims = [
                d if d is not None else builtins.max((p._shape[j] for p in parts), default=0)
                for j, d in enumerate(shape.as_list())
            ]
            if not parts:
                comps.append(convert_to_tensor(np.zeros((0, *dims), dt.as_numpy_dtype)))
                continue
            padded = [
                array_ops.pad(p, [[0, dims[j] - p._shape[j]] for j in builtins.range(len(dims))])
                for p in parts
            ]
            comps.append(array_ops.stack(padded))
        return self._pack(comps)


class RandomShuffleQueue(QueueBase):
    """tfcompat implementation of `tf.queue.RandomShuffleQueue`: dequeues a random element
    while more than `min_after_dequeue` remain (or the queue is closed)."""

    _kind = "RandomShuffleQueue"

    def __init__(
        self,
        capacity: Any,
        min_after_dequeue: Any,
        dtypes: Any,
        shapes: Any = None,
        names: Any = None,
        seed: Any = None,
        shared_name: Any = None,
        name: str = "random_shuffle_queue",
    ) -> None:
        self._setup(capacity, dtypes, shapes, names, name)
        self._min_after = int(min_after_dequeue)
        self._rng = np.random.default_rng(seed)

    def _ready(self, n: int) -> bool:
        return len(self._items) >= n + (0 if self._closed else self._min_after)

    def _take(self) -> tuple[Tensor, ...]:
        i = int(self._rng.integers(len(self._items)))
        self._items.rotate(-i)
        item = self._items.popleft()
        self._items.rotate(i)
        return item


for _cls in (QueueBase, FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue):
    _cls.__module__ = "tensorflow.python.ops.data_flow_ops"

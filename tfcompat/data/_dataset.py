"""`tf.data.Dataset`: a pipeline of Python iterators over NumPy arrays.

Each dataset object describes one stage; iterating it (`_flat_iter`) builds a fresh
chain of Python generators, each pulling flat elements (tuples of arrays, in the
`flatten` order of `element_spec`) from the generator of its input. Batching stacks
NumPy arrays; only user functions (`map`, `filter`...) run compiled programs, one call
per element. The threading model (parallel `map`, `prefetch`) is described in
docs/data.md.

The class is named and placed as TF's (`DatasetV2` in
`tensorflow.python.data.ops.dataset_ops`), because Keras recognizes datasets by the
name and module of their classes; `tf.data.Dataset` is this class, as in TF.
"""

from __future__ import annotations

import collections
import itertools
import os
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._function import TensorSpec
from tfcompat.data import _structure as st
from tfcompat.data._functions import StructuredFunction, isolated
from tfcompat.data._iterator import NumpyIterator, OwnedIterator
from tfcompat.data._options import Options

__all__ = ["AUTOTUNE", "INFINITE", "UNKNOWN", "DatasetV2"]

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2

Flat = tuple[Any, ...]


def _count(value: Any, what: str) -> int:
    """A Python int from an int, NumPy scalar or scalar tensor argument."""
    if isinstance(value, Tensor):
        value = value.numpy()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{what}` must be an integer, got {value!r}.")
    return int(value)


def _card_tensor(n: int) -> EagerTensor:
    return EagerTensor(np.asarray(n, dtype=np.int64), (), dtypes.int64)


def _parallelism(num_parallel_calls: Any) -> int | None:
    """Threads for a parallel transformation: None (sequential) or a positive count."""
    if num_parallel_calls is None:
        return None
    n = _count(num_parallel_calls, "num_parallel_calls")
    if n == AUTOTUNE:
        return max(1, os.cpu_count() or 1)
    if n <= 0:
        raise errors.InvalidArgumentError(
            None, None, "num_parallel_calls must be greater than zero."
        )
    return n


class DatasetV2:
    """tfcompat implementation of `tf.data.Dataset`.

    Differences from TensorFlow:
      * `shuffle` with a seed is deterministic per seed and reshuffles per iteration as
        TF does, but the order differs from TF's (TF's random stream is not reproduced).
      * A function that needs AutoGraph (Python `if` on a tensor), or whose input holds
        strings, runs eagerly on each element instead of being traced.
    """

    def __init__(
        self,
        element_spec: Any,
        cardinality: int,
        inputs: tuple[DatasetV2, ...] = (),
    ) -> None:
        self._spec = element_spec
        self._card = cardinality
        self._inputs = inputs

    # -- to implement ---------------------------------------------------------------------
    def _flat_iter(self) -> Iterator[Flat]:
        raise NotImplementedError

    # -- properties -----------------------------------------------------------------------
    @property
    def element_spec(self) -> Any:
        """The structure of `tf.TensorSpec`s of one element."""
        if self._spec is None:
            self._spec = self._infer_spec()
        return self._spec

    def _infer_spec(self) -> Any:
        raise TypeError("The element structure of this dataset is unknown.")

    def _flat_specs(self) -> list[TensorSpec]:
        return st.flatten(self.element_spec)

    def options(self) -> Options:
        """The options of this dataset and its inputs, merged (TF's `Dataset.options`)."""
        out = Options()
        for d in self._inputs:
            out = out.merge(d.options())
        return out

    def cardinality(self) -> EagerTensor:
        """The number of elements: `tf.data.INFINITE_CARDINALITY` (-1) or
        `tf.data.UNKNOWN_CARDINALITY` (-2) when not known without iterating."""
        return _card_tensor(self._card)

    def __len__(self) -> int:
        if self._card == INFINITE:
            raise TypeError("The dataset is infinite.")
        if self._card == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return self._card

    def __bool__(self) -> bool:
        return True  # (TF: required as __len__ is defined)

    def __iter__(self) -> OwnedIterator:
        return OwnedIterator(self)

    def as_numpy_iterator(self) -> NumpyIterator:
        """An iterator of NumPy values (TF's `as_numpy_iterator`)."""
        for s in self._flat_specs():
            if not isinstance(s, TensorSpec):
                raise TypeError(
                    "Dataset.as_numpy_iterator() is not supported for datasets that produce "
                    f"values of type {type(s)}"
                )
        return NumpyIterator(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} element_spec={self.element_spec!r}>"

    # -- sources --------------------------------------------------------------------------
    @staticmethod
    def range(*args: Any, output_type: Any = dtypes.int64, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.range`."""
        return _RangeDataset(*args, output_type=output_type)

    @staticmethod
    def from_tensors(tensors: Any, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.from_tensors`."""
        return _TensorDataset(tensors)

    @staticmethod
    def from_tensor_slices(tensors: Any, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.from_tensor_slices`."""
        return _TensorSliceDataset(tensors)

    @staticmethod
    def zip(*args: Any, datasets: Any = None, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.zip`."""
        if datasets is not None and args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        if datasets is None:
            if not args:
                raise TypeError("Must pass at least one dataset to `zip`.")
            datasets = args[0] if len(args) == 1 else args
        return _ZipDataset(datasets)

    # -- transformations ------------------------------------------------------------------
    def concatenate(self, dataset: DatasetV2, name: Any = None) -> DatasetV2:
        return _ConcatenateDataset(self, dataset)

    def map(
        self,
        map_func: Callable[..., Any],
        num_parallel_calls: Any = None,
        deterministic: Any = None,
        synchronous: Any = None,
        use_unbounded_threadpool: bool = False,
        name: Any = None,
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.map` (see docs/data.md)."""
        parallel = _parallelism(num_parallel_calls)
        cls = _MapDataset if parallel is None else _ParallelMapDataset
        return cls(self, map_func, parallel)

    def flat_map(self, map_func: Callable[..., Any], name: Any = None) -> DatasetV2:
        return _FlatMapDataset(self, map_func)

    def filter(self, predicate: Callable[..., Any], name: Any = None) -> DatasetV2:
        return _FilterDataset(self, predicate)

    def batch(
        self,
        batch_size: Any,
        drop_remainder: bool = False,
        num_parallel_calls: Any = None,
        deterministic: Any = None,
        name: Any = None,
    ) -> DatasetV2:
        return _BatchDataset(self, batch_size, drop_remainder)

    def shuffle(
        self,
        buffer_size: Any,
        seed: Any = None,
        reshuffle_each_iteration: Any = True,
        name: Any = None,
    ) -> DatasetV2:
        return _ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count: Any = None, name: Any = None) -> DatasetV2:
        return _RepeatDataset(self, count)

    def take(self, count: Any, name: Any = None) -> DatasetV2:
        return _TakeDataset(self, count)

    def skip(self, count: Any, name: Any = None) -> DatasetV2:
        return _SkipDataset(self, count)

    def prefetch(self, buffer_size: Any, name: Any = None) -> DatasetV2:
        return _PrefetchDataset(self, buffer_size)

    def with_options(self, options: Options, name: Any = None) -> DatasetV2:
        return _OptionsDataset(self, options)


DatasetV2.__module__ = "tensorflow.python.data.ops.dataset_ops"
Dataset = DatasetV2


class DatasetSource(DatasetV2):
    """A dataset with no dataset inputs."""


class UnaryDataset(DatasetV2):
    """A dataset with one dataset input."""

    def __init__(self, input_dataset: DatasetV2, element_spec: Any, cardinality: int) -> None:
        super().__init__(element_spec, cardinality, (input_dataset,))
        self._input = input_dataset


class UnaryUnchangedStructureDataset(UnaryDataset):
    """A dataset whose elements have the structure of its input's."""

    def __init__(self, input_dataset: DatasetV2, cardinality: int | None = None) -> None:
        super().__init__(
            input_dataset,
            input_dataset.element_spec,
            input_dataset._card if cardinality is None else cardinality,
        )


for _cls in (DatasetSource, UnaryDataset, UnaryUnchangedStructureDataset):
    _cls.__module__ = "tensorflow.python.data.ops.dataset_ops"


# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------


class _RangeDataset(DatasetSource):
    def __init__(self, *args: Any, output_type: Any = dtypes.int64) -> None:
        if not 1 <= len(args) <= 3:
            raise ValueError(
                "Invalid `args`. The length of `args` should be between 1 and 3 but was "
                f"{len(args)}."
            )
        values = [_count(a, "args") for a in args]
        start, stop, step = 0, 0, 1
        if len(values) == 1:
            (stop,) = values
        elif len(values) == 2:
            start, stop = values
        else:
            start, stop, step = values
        if step == 0:
            raise errors.InvalidArgumentError(
                None, None, "step must be a non-zero integer. [Op:RangeDataset]"
            )
        self._range = range(start, stop, step)
        self._dtype = dtypes.as_dtype(output_type)
        super().__init__(TensorSpec((), self._dtype), len(self._range))

    def _flat_iter(self) -> Iterator[Flat]:
        np_type = np.dtype(self._dtype.as_numpy_dtype).type
        for i in self._range:
            yield (np_type(i),)


def _host_component(value: Any) -> tuple[Any, Any]:
    """(array, dtype) of one source leaf, by TF's conversion rules."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc":
        return value, dtypes.from_numpy(value.dtype)
    t = st.to_tensor(value)
    return st.array_of(t), t._dtype


class _TensorDataset(DatasetSource):
    def __init__(self, tensors: Any) -> None:
        leaves = st.flatten(tensors)
        comps = [_host_component(x) if isinstance(x, np.ndarray) else None for x in leaves]
        flat: list[Any] = []
        specs = []
        for leaf, comp in zip(leaves, comps, strict=True):
            if comp is None:
                t = st.to_tensor(leaf)
                comp = (st.array_of(t), t._dtype)
            flat.append(comp[0])
            specs.append(TensorSpec(tuple(comp[0].shape), comp[1]))
        self._flat = tuple(flat)
        super().__init__(st.pack(tensors, specs), 1)

    def _flat_iter(self) -> Iterator[Flat]:
        yield self._flat


class _TensorSliceDataset(DatasetSource):
    def __init__(self, tensors: Any) -> None:
        leaves = st.flatten(tensors)
        flat: list[np.ndarray] = []
        specs = []
        n: int | None = None
        for leaf in leaves:
            arr, dtype = _host_component(leaf)
            arr = st.to_numpy(arr)
            if arr.ndim == 0:
                raise ValueError("Unbatching a tensor is only supported for rank >= 1")
            if n is None:
                n = arr.shape[0]
            elif arr.shape[0] != n:
                raise ValueError(f"Dimensions {n} and {arr.shape[0]} are not compatible")
            flat.append(arr)
            specs.append(TensorSpec(arr.shape[1:], dtype))
        self._flat = flat
        super().__init__(st.pack(tensors, specs), n or 0)

    def _flat_iter(self) -> Iterator[Flat]:
        flat = self._flat
        if len(flat) == 1:
            (a,) = flat
            for i in range(self._card):
                yield (a[i, ...],)
        else:
            for i in range(self._card):
                yield tuple(a[i, ...] for a in flat)


class _ZipDataset(DatasetV2):
    def __init__(self, datasets: Any) -> None:
        flat = st.flatten(datasets)
        for d in flat:
            if not isinstance(d, DatasetV2):
                raise TypeError(
                    "Invalid input to `zip`. Inputs are expected to be (nested) structures of "
                    "`tf.data.Dataset` objects. Python `list` is not supported and you should "
                    "use `tuple` instead."
                    if isinstance(d, list)
                    else "Invalid `datasets`. `datasets` is expected to be a (nested) structure "
                    "of `tf.data.Dataset` objects. Python `list` is not supported and you "
                    "should use `tuple` instead."
                )
        card = INFINITE
        for d in flat:
            n = d._card
            if n == UNKNOWN:
                card = UNKNOWN
                break
            if n == INFINITE:
                continue
            card = n if card == INFINITE else min(card, n)
        super().__init__(st.pack(datasets, [d.element_spec for d in flat]), card, tuple(flat))

    def _flat_iter(self) -> Iterator[Flat]:
        its = [d._flat_iter() for d in self._inputs]
        while True:
            out: list[Any] = []
            for it in its:
                e = next(it, None)
                if e is None:
                    return
                out.extend(e)
            yield tuple(out)


class _ConcatenateDataset(DatasetV2):
    def __init__(self, a: DatasetV2, b: DatasetV2) -> None:
        sa, sb = a.element_spec, b.element_spec
        fa, fb = st.flatten(sa), st.flatten(sb)
        merged = None
        if len(fa) == len(fb) and _same_structure(sa, sb):
            specs = [st.most_specific_compatible(x, y) for x, y in zip(fa, fb, strict=True)]
            if all(s is not None for s in specs):
                merged = st.pack(sa, specs)
        if merged is None:
            raise TypeError(f"Incompatible dataset elements:\n  {sa} vs.   {sb}")
        if INFINITE in (a._card, b._card):
            card = INFINITE
        elif UNKNOWN in (a._card, b._card):
            card = UNKNOWN
        else:
            card = a._card + b._card
        super().__init__(merged, card, (a, b))

    def _flat_iter(self) -> Iterator[Flat]:
        yield from self._inputs[0]._flat_iter()
        yield from self._inputs[1]._flat_iter()


def _same_structure(a: Any, b: Any) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and set(a) == set(b)
            and all(_same_structure(a[k], b[k]) for k in a)
        )
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(_same_structure(x, y) for x, y in zip(a, b, strict=True))
        )
    return True


# ---------------------------------------------------------------------------------------
# Transformations
# ---------------------------------------------------------------------------------------


class _MapDataset(UnaryDataset):
    def __init__(
        self, input_dataset: DatasetV2, map_func: Callable[..., Any], parallel: int | None
    ) -> None:
        self._fn = StructuredFunction(map_func, input_dataset.element_spec, "Dataset.map()")
        self._parallel = parallel
        super().__init__(input_dataset, self._fn.output_structure, input_dataset._card)

    def _infer_spec(self) -> Any:
        for e in self._input._flat_iter():
            out = self._fn(e)
            self._fn.set_output_from(out)
            break
        spec = self._fn.output_structure
        if spec is None:
            raise TypeError("The element structure of this dataset is unknown.")
        return spec

    def _flat_iter(self) -> Iterator[Flat]:
        fn = self._fn
        if self._parallel is None or self._parallel == 1:
            for e in self._input._flat_iter():
                yield tuple(fn(e))
            return
        yield from _parallel_map(self._input._flat_iter(), fn, self._parallel)


class _ParallelMapDataset(_MapDataset):
    pass


def _parallel_map(it: Iterator[Flat], fn: Callable[[Flat], list[Any]], n: int) -> Iterator[Flat]:
    """Apply `fn` on `n` threads, `n` elements ahead, yielding results in input order."""
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="tfcompat.data.map")
    pending: collections.deque[Any] = collections.deque()
    try:
        for e in it:
            pending.append(pool.submit(fn, e))
            if len(pending) >= n:
                yield tuple(pending.popleft().result())
        while pending:
            yield tuple(pending.popleft().result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class _FlatMapDataset(UnaryDataset):
    def __init__(self, input_dataset: DatasetV2, map_func: Callable[..., Any]) -> None:
        self._func = map_func
        self._fn = StructuredFunction(
            map_func, input_dataset.element_spec, "Dataset.flat_map()", returns_dataset=True
        )
        super().__init__(input_dataset, self._fn.output_structure, UNKNOWN)

    def _infer_spec(self) -> Any:
        for e in self._input._flat_iter():
            return _check_dataset(self._fn.call_python(e)).element_spec
        raise TypeError("The element structure of this dataset is unknown.")

    def _flat_iter(self) -> Iterator[Flat]:
        for e in self._input._flat_iter():
            ds = _check_dataset(self._fn.call_python(e))
            yield from ds._flat_iter()


def _check_dataset(ds: Any) -> DatasetV2:
    if not isinstance(ds, DatasetV2):
        raise AttributeError(
            f"The `map_func` argument must return a `Dataset` object. Got {type(ds)!r}."
        )
    return ds


class _FilterDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, predicate: Callable[..., Any]) -> None:
        self._fn = StructuredFunction(predicate, input_dataset.element_spec, "Dataset.filter()")
        out = self._fn.output_structure
        if out is not None and not (
            isinstance(out, TensorSpec) and out.dtype is dtypes.bool_ and out.shape.rank == 0
        ):
            raise ValueError(
                "Invalid `predicate`. `predicate` must return a `tf.bool` scalar tensor, but "
                f"its return type is {out}."
            )
        super().__init__(input_dataset, UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        fn = self._fn
        for e in self._input._flat_iter():
            if bool(np.asarray(fn(e)[0])):
                yield e


def _stack(elements: list[Flat], ncomp: int) -> Flat:
    """Stack a list of flat elements component-wise, with TF's error for mixed shapes."""
    out = []
    for c in range(ncomp):
        parts = [st.to_numpy(e[c]) for e in elements]
        shape0 = parts[0].shape
        for p in parts:
            if p.shape != shape0:
                if p.size != parts[0].size:
                    msg = (
                        "Cannot add tensor to the batch: number of elements does not match. "
                        f"Shapes are: [tensor]: {_shape_text(shape0)}, [batch]: "
                        f"{_shape_text(p.shape)}"
                    )
                else:
                    msg = (
                        f"Cannot batch tensors with different shapes in component {c}. First "
                        f"element had shape {_shape_text(shape0)} and element "
                        f"{parts.index(p)} had shape {_shape_text(p.shape)}."
                    )
                raise errors.InvalidArgumentError(None, None, _next_error(msg, ncomp))
        out.append(np.stack(parts))
    return tuple(out)


def _next_error(message: str, ncomp: int) -> str:
    """TF's text for an error raised while computing the next element."""
    device = "/job:localhost/replica:0/task:0/device:CPU:0"
    return (
        f"{{{{function_node __wrapped__IteratorGetNext_output_types_{ncomp}_device_{device}}}}} "
        f"{message} [Op:IteratorGetNext] name: "
    )


def _shape_text(shape: tuple[int, ...]) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


class _BatchDataset(UnaryDataset):
    def __init__(self, input_dataset: DatasetV2, batch_size: Any, drop_remainder: Any) -> None:
        bs = _count(batch_size, "batch_size")
        if bs <= 0:
            raise errors.InvalidArgumentError(
                None, None, "Batch size must be greater than zero. [Op:BatchDatasetV2] name: "
            )
        self._bs = bs
        self._drop = bool(drop_remainder)
        lead = bs if self._drop else None
        spec = st.map_specs(
            lambda s: (
                TensorSpec(
                    [lead, *(s.shape.as_list() if s.shape.rank is not None else [])], s.dtype
                )
                if s.shape.rank is not None
                else TensorSpec(None, s.dtype)
            ),
            input_dataset.element_spec,
        )
        n = input_dataset._card
        card = n if n in (INFINITE, UNKNOWN) else n // bs if self._drop else -(-n // bs)
        super().__init__(input_dataset, spec, card)

    def _flat_iter(self) -> Iterator[Flat]:
        bs, ncomp = self._bs, len(self._flat_specs())
        it = self._input._flat_iter()
        while True:
            chunk = list(itertools.islice(it, bs))
            if not chunk or (self._drop and len(chunk) < bs):
                return
            yield _stack(chunk, ncomp)
            if len(chunk) < bs:
                return


class _ShuffleDataset(UnaryUnchangedStructureDataset):
    def __init__(
        self, input_dataset: DatasetV2, buffer_size: Any, seed: Any, reshuffle: Any
    ) -> None:
        from tfcompat._api.random_ops import get_seed

        size = _count(buffer_size, "buffer_size")
        if size == AUTOTUNE:
            size = 1 << 62
        elif size <= 0:
            raise errors.InvalidArgumentError(
                None, None, "buffer_size must be greater than zero. [Op:ShuffleDatasetV3]"
            )
        if isinstance(seed, Tensor):
            seed = int(seed.numpy())
        self._size = size
        self._seeds = get_seed(seed)
        self._reshuffle = True if reshuffle is None else bool(reshuffle)
        self._epoch = 0
        self._lock = threading.Lock()
        super().__init__(input_dataset)

    def _rng(self) -> np.random.Generator:
        s1, s2 = self._seeds
        if s1 is None and s2 is None:
            return np.random.default_rng()
        if self._reshuffle:
            with self._lock:
                epoch = self._epoch
                self._epoch += 1
            return np.random.default_rng([s1 or 0, s2 or 0, epoch])
        return np.random.default_rng([s1 or 0, s2 or 0])

    def _flat_iter(self) -> Iterator[Flat]:
        rng = self._rng()
        it = self._input._flat_iter()
        buf: list[Flat] = list(itertools.islice(it, min(self._size, 1 << 20)))
        while len(buf) < self._size:
            more = list(itertools.islice(it, 1 << 20))
            if not more:
                break
            buf.extend(more)
        randoms = rng.random(1024)
        k = 0
        for e in it:
            if k == 1024:
                randoms, k = rng.random(1024), 0
            i = int(randoms[k] * len(buf))
            k += 1
            out = buf[i]
            buf[i] = e
            yield out
        # Input exhausted: emit the rest in random order.
        for i in rng.permutation(len(buf)):
            yield buf[i]


class _RepeatDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, count: Any) -> None:
        c = -1 if count is None else _count(count, "count")
        self._count = c
        n = input_dataset._card
        if c < 0:
            card = 0 if n == 0 else INFINITE
        elif c == 0:
            card = 0
        elif n in (INFINITE, UNKNOWN):
            card = n
        else:
            card = c * n
        super().__init__(input_dataset, card)

    def _flat_iter(self) -> Iterator[Flat]:
        epochs = itertools.count() if self._count < 0 else range(self._count)
        for _ in epochs:
            empty = True
            for e in self._input._flat_iter():
                empty = False
                yield e
            if empty:
                return


class _TakeDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, count: Any) -> None:
        c = _count(count, "count")
        self._count = c
        n = input_dataset._card
        if c < 0:
            card = n
        elif n == INFINITE:
            card = c
        elif n == UNKNOWN:
            card = UNKNOWN
        else:
            card = min(n, c)
        super().__init__(input_dataset, card)

    def _flat_iter(self) -> Iterator[Flat]:
        it = self._input._flat_iter()
        if self._count < 0:
            yield from it
        else:
            yield from itertools.islice(it, self._count)


class _SkipDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, count: Any) -> None:
        c = _count(count, "count")
        self._count = c
        n = input_dataset._card
        if n in (INFINITE, UNKNOWN):
            card = n
        elif c < 0:
            card = 0
        else:
            card = max(0, n - c)
        super().__init__(input_dataset, card)

    def _flat_iter(self) -> Iterator[Flat]:
        it = self._input._flat_iter()
        if self._count < 0:
            for _ in it:
                pass
            return
        yield from itertools.islice(it, self._count, None)


_DONE = object()


class _PrefetchDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, buffer_size: Any) -> None:
        size = _count(buffer_size, "buffer_size")
        if size < 0 and size != AUTOTUNE:
            raise errors.InvalidArgumentError(
                None, None, "buffer_size must be >= 0 or set buffer_size to be AUTOTUNE."
            )
        self._size = 2 if size == AUTOTUNE else size
        super().__init__(input_dataset)

    def _flat_iter(self) -> Iterator[Flat]:
        if self._size == 0:
            yield from self._input._flat_iter()
            return
        yield from _background(self._input._flat_iter, self._size)


def _background(make_iter: Callable[[], Iterator[Flat]], size: int) -> Iterator[Flat]:
    """Run `make_iter()` on a daemon thread that keeps up to `size` elements ready.

    The thread stops when the consumer's generator is closed or collected (`finally`),
    or when the input ends; an exception from the input is re-raised to the consumer.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=size)
    stop = threading.Event()

    def produce() -> None:
        try:
            with isolated():
                for e in make_iter():
                    while not stop.is_set():
                        try:
                            q.put(e, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
            item: Any = _DONE
        except BaseException as exc:
            item = exc
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name="tfcompat.data.prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class _OptionsDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, options: Options) -> None:
        if not isinstance(options, Options):  # (TF fails serializing it)
            raise AttributeError(f"'{type(options).__name__}' object has no attribute '_to_proto'")
        self._options = options
        super().__init__(input_dataset)

    def options(self) -> Options:
        return super().options().merge(self._options)

    def _flat_iter(self) -> Iterator[Flat]:
        return self._input._flat_iter()

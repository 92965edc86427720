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
from typing import Any, cast

import numpy as np

from tfcompat._core import dtypes, errors, hooks
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._function import TensorSpec
from tfcompat._util import tf_logging
from tfcompat.data import _composites as comp
from tfcompat.data import _random
from tfcompat.data import _structure as st
from tfcompat.data._functions import StructuredFunction, isolated
from tfcompat.data._iterator import NumpyIterator, OwnedIterator, warn_if_traced
from tfcompat.data._options import Options

__all__ = ["AUTOTUNE", "INFINITE", "UNKNOWN", "DatasetV2"]

AUTOTUNE = -1
INFINITE = -1
UNKNOWN = -2

Flat = tuple[Any, ...]
IndexPlan = tuple[list[np.ndarray], Callable[[], Iterator[int]]]


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

    def _index_plan(self) -> IndexPlan | None:
        """(arrays, make_indices) when every element is `tuple(a[i] for a in arrays)` for
        the indices `make_indices()` yields (slices, shuffled, repeated, taken...), so a
        `batch` can gather many rows with one NumPy indexing per component; else None."""
        return None

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
            if not isinstance(s, TensorSpec) and not comp.is_composite(s):
                raise TypeError(
                    "Dataset.as_numpy_iterator() is not supported for datasets that produce "
                    f"values of type {type(s)}"
                )
        return NumpyIterator(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} element_spec={self.element_spec!r}>"

    # -- sources --------------------------------------------------------------------------
    @staticmethod
    def range(*args: Any, **kwargs: Any) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.range` (`output_type`, `name`)."""
        unknown = set(kwargs) - {"output_type", "name"}
        if unknown:
            raise TypeError(f"range() got an unexpected keyword argument '{sorted(unknown)[0]}'")
        return _RangeDataset(*args, output_type=kwargs.get("output_type", dtypes.int64))

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

    def padded_batch(
        self,
        batch_size: Any,
        padded_shapes: Any = None,
        padding_values: Any = None,
        drop_remainder: bool = False,
        name: Any = None,
    ) -> DatasetV2:
        return _PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self, name: Any = None) -> DatasetV2:
        return _UnbatchDataset(self)

    def ignore_errors(self, log_warning: bool = False, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.ignore_errors`: elements whose
        `map` / `filter` function raises are dropped (see docs/data.md)."""
        return _IgnoreErrorsDataset(self, log_warning)

    def ragged_batch(
        self,
        batch_size: Any,
        drop_remainder: bool = False,
        row_splits_dtype: Any = dtypes.int64,
        name: Any = None,
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.ragged_batch`: components with
        unknown dimensions are batched into `tf.RaggedTensor`s."""
        rsd = dtypes.as_dtype(row_splits_dtype)
        in_specs = self._flat_specs()
        ragged = [comp.ragged_spec_for(s, rsd) for s in in_specs]
        if all(a is b for a, b in zip(ragged, in_specs, strict=True)):
            return self.batch(batch_size, drop_remainder)
        converted = _ConvertDataset(
            self,
            st.pack(self.element_spec, ragged),
            [
                (lambda a, r=r: comp.to_ragged(a, r)) if r is not s else None
                for r, s in zip(ragged, in_specs, strict=True)
            ],
        )
        return converted.batch(batch_size, drop_remainder)

    def sparse_batch(self, batch_size: Any, row_shape: Any, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.sparse_batch` (each element becomes
        a `tf.SparseTensor` of dense shape `row_shape`; a batch stacks them)."""
        (spec,) = self._flat_specs() if len(self._flat_specs()) == 1 else (None,)
        if spec is None or comp.is_composite(spec):
            raise TypeError("`sparse_batch` takes a dataset of single dense tensors.")
        dims = _padded_shape_of(row_shape)
        if dims is None or any(d is None for d in dims):
            raise ValueError(f"row_shape must be fully defined; got {row_shape}.")
        shape = [int(cast(int, d)) for d in dims]
        dtype = spec.dtype
        converted = _ConvertDataset(
            self,
            comp.SparseTensorSpec(shape, dtype),
            [lambda a: comp.dense_to_sparse(a, shape, dtype)],
        )
        return converted.batch(batch_size)

    def rebatch(self, batch_size: Any, drop_remainder: bool = False, name: Any = None) -> DatasetV2:
        return _RebatchDataset(self, batch_size, drop_remainder)

    def interleave(
        self,
        map_func: Callable[..., Any],
        cycle_length: Any = None,
        block_length: Any = None,
        num_parallel_calls: Any = None,
        deterministic: Any = None,
        name: Any = None,
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.interleave`.

        `cycle_length=None` (or AUTOTUNE) is the number of CPU cores, as in TF; with
        `num_parallel_calls`, each open input is read ahead by its own thread.
        """
        parallel = _parallelism(num_parallel_calls)
        cls = _InterleaveDataset if parallel is None else _ParallelInterleaveDataset
        return cls(self, map_func, cycle_length, block_length, parallel)

    def take_while(self, predicate: Callable[..., Any], name: Any = None) -> DatasetV2:
        return _TakeWhileDataset(self, predicate)

    def cache(self, filename: Any = "", name: Any = None) -> DatasetV2:
        return CacheDataset(self, filename)

    def enumerate(self, start: Any = 0, name: Any = None) -> DatasetV2:
        max_value = np.iinfo(np.int64).max
        return DatasetV2.zip((_RangeDataset(_count(start, "start"), max_value), self))

    def window(
        self,
        size: Any,
        shift: Any = None,
        stride: Any = 1,
        drop_remainder: bool = False,
        name: Any = None,
    ) -> DatasetV2:
        return _WindowDataset(self, size, shift, stride, drop_remainder)

    def reduce(self, initial_state: Any, reduce_func: Callable[..., Any], name: Any = None) -> Any:
        """tfcompat implementation of `tf.data.Dataset.reduce`: the final state, as tensors."""
        state = _to_state(initial_state)
        state_spec = st.map_specs(lambda t: TensorSpec(t._shape, t._dtype), state)
        fn = StructuredFunction(reduce_func, (state_spec, self.element_spec), "Dataset.reduce()")
        _check_state(state_spec, fn.output_structure, "reduce_func")
        flat_state = [st.array_of(t) for t in st.flatten(state)]
        n_state = len(flat_state)
        warn_if_traced()
        with isolated():
            for e in self._flat_iter():
                flat_state = fn((*flat_state, *e))[:n_state]
        return st.pack(
            state_spec,
            [st.wrap(a, s.dtype) for a, s in zip(flat_state, st.flatten(state_spec), strict=True)],
        )

    def scan(
        self, initial_state: Any, scan_func: Callable[..., Any], name: Any = None
    ) -> DatasetV2:
        return _ScanDataset(self, initial_state, scan_func)

    def group_by_window(
        self,
        key_func: Callable[..., Any],
        reduce_func: Callable[..., Any],
        window_size: Any = None,
        window_size_func: Any = None,
        name: Any = None,
    ) -> DatasetV2:
        return _GroupByWindowDataset(self, key_func, reduce_func, window_size, window_size_func)

    def bucket_by_sequence_length(
        self,
        element_length_func: Callable[..., Any],
        bucket_boundaries: Any,
        bucket_batch_sizes: Any,
        padded_shapes: Any = None,
        padding_values: Any = None,
        pad_to_bucket_boundary: bool = False,
        no_padding: bool = False,
        drop_remainder: bool = False,
        name: Any = None,
    ) -> DatasetV2:
        return _bucket_by_sequence_length(
            self,
            element_length_func,
            list(bucket_boundaries),
            list(bucket_batch_sizes),
            padded_shapes,
            padding_values,
            pad_to_bucket_boundary,
            no_padding,
            drop_remainder,
        )

    def apply(self, transformation_func: Callable[[DatasetV2], Any]) -> DatasetV2:
        out = transformation_func(self)
        if not isinstance(out, DatasetV2):
            raise TypeError(
                f"`transformation_func` must return a `tf.data.Dataset` object. Got {type(out)}."
            )
        return out

    def get_single_element(self, name: Any = None) -> Any:
        """The only element of a dataset of one element (TF's `get_single_element`)."""
        with isolated():
            it = self._flat_iter()
            first = next(it, None)
            if first is None:
                raise errors.InvalidArgumentError(
                    None, None, "Dataset was empty. [Op:DatasetToSingleElement] name: "
                )
            if next(it, None) is not None:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    "Dataset had more than one element. [Op:DatasetToSingleElement] name: ",
                )
        wrappers = [st.leaf_wrapper(s) for s in self._flat_specs()]
        return st.pack(self.element_spec, [w(a) for w, a in zip(wrappers, first, strict=True)])

    def unique(self, name: Any = None) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.unique`: first occurrences, in order."""
        return _UniqueDataset(self)

    @staticmethod
    def counter(
        start: Any = 0, step: Any = 1, dtype: Any = dtypes.int64, name: Any = None
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.counter` (TF's composition: a scan
        over an infinite repeat)."""
        from tfcompat._api.math_ops import cast

        d = dtypes.as_dtype(dtype)
        start_t = cast(st.to_tensor(start), d)
        step_t = cast(st.to_tensor(step), d)
        return (
            DatasetV2.from_tensors(0)
            .repeat(None)
            .scan(start_t, lambda state, _: (state + step_t, state))
        )

    @staticmethod
    def choose_from_datasets(
        datasets: Any, choice_dataset: Any, stop_on_empty_dataset: bool = True
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.choose_from_datasets`."""
        return _DirectedInterleaveDataset(datasets, choice_dataset, stop_on_empty_dataset)

    @staticmethod
    def sample_from_datasets(
        datasets: Any,
        weights: Any = None,
        seed: Any = None,
        stop_on_empty_dataset: bool = False,
        rerandomize_each_iteration: Any = None,
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.sample_from_datasets` (seeded, with
        NumPy's generator: the choices differ from TF's)."""
        datasets = list(datasets)
        if not datasets:
            raise ValueError("Invalid `datasets`. `datasets` should not be empty.")
        n = len(datasets)
        if weights is None:
            w = np.full(n, 1.0 / n)
        else:
            if isinstance(weights, Tensor):
                weights = weights.numpy()
            w = np.asarray(weights, dtype=np.float64).reshape(-1)
            if w.shape != (n,):
                raise ValueError(
                    "Invalid `weights`. The shape of `weights` should be compatible with "
                    f"`[len(datasets)]` but is {list(w.shape)}."
                )
        choices = _RandomChoices(w, seed, rerandomize_each_iteration)
        return _DirectedInterleaveDataset(datasets, choices, stop_on_empty_dataset, sampled=True)

    def shard(self, num_shards: Any, index: Any, name: Any = None) -> DatasetV2:
        return _ShardDataset(self, num_shards, index)

    @staticmethod
    def list_files(
        file_pattern: Any, shuffle: Any = None, seed: Any = None, name: Any = None
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.list_files`."""
        from tfcompat.data._readers import list_files

        return list_files(file_pattern, shuffle, seed)

    @staticmethod
    def from_generator(
        generator: Callable[..., Any],
        output_types: Any = None,
        output_shapes: Any = None,
        args: Any = None,
        output_signature: Any = None,
        name: Any = None,
    ) -> DatasetV2:
        """tfcompat implementation of `tf.data.Dataset.from_generator`."""
        return _GeneratorDataset(generator, output_types, output_shapes, args, output_signature)


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
        for leaf, c in zip(leaves, comps, strict=True):
            if isinstance(leaf, st.CompositeTensor):
                flat.append(leaf)
                specs.append(comp.spec_of_value(leaf))
                continue
            if c is None:
                t = st.to_tensor(leaf)
                c = (st.array_of(t), t._dtype)
            flat.append(c[0])
            specs.append(TensorSpec(tuple(c[0].shape), c[1]))
        self._flat = tuple(flat)
        super().__init__(st.pack(tensors, specs), 1)

    def _flat_iter(self) -> Iterator[Flat]:
        yield self._flat


class _TensorSliceDataset(DatasetSource):
    def __init__(self, tensors: Any) -> None:
        leaves = st.flatten(tensors)
        flat: list[Any] = []
        specs = []
        n: int | None = None
        self._composite = False
        for leaf in leaves:
            if isinstance(leaf, st.CompositeTensor):
                rows, spec = comp.slices(leaf)
                if n is None:
                    n = len(rows)
                elif len(rows) != n:
                    raise ValueError(f"Dimensions {n} and {len(rows)} are not compatible")
                flat.append(rows)
                specs.append(spec)
                self._composite = True
                continue
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

    def _index_plan(self) -> IndexPlan | None:
        if self._composite:
            return None
        n = self._card
        return self._flat, lambda: iter(range(n))

    def _flat_iter(self) -> Iterator[Flat]:
        flat = self._flat
        if self._composite:
            for i in range(self._card):
                yield tuple(a[i] if isinstance(a, list) else a[i, ...] for a in flat)
            return
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
        for e in _peek(self._input):
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
                try:
                    out = fn(e)
                except Exception as exc:
                    if _dropping_errors(exc, self):
                        continue
                    raise
                yield tuple(out)
            return
        yield from _parallel_map(self._input._flat_iter(), fn, self._parallel, self)


class _ParallelMapDataset(_MapDataset):
    pass


def _peek(ds: DatasetV2) -> Iterator[Flat]:
    """Iterate `ds` to learn an output spec: shuffles upstream use the seeds of the next
    real iteration without consuming them (TF learns specs by tracing, reading nothing)."""
    _random.peeking.depth = getattr(_random.peeking, "depth", 0) + 1
    try:
        yield from ds._flat_iter()
    finally:
        _random.peeking.depth -= 1


def _parallel_map(
    it: Iterator[Flat], fn: Callable[[Flat], list[Any]], n: int, stage: Any = None
) -> Iterator[Flat]:
    """Apply `fn` on `n` threads, `n` elements ahead, yielding results in input order."""
    pool = ThreadPoolExecutor(max_workers=n, thread_name_prefix="tfcompat.data.map")
    pending: collections.deque[Any] = collections.deque()
    try:
        for e in it:
            pending.append(pool.submit(fn, e))
            while len(pending) >= n:
                out = _result(pending.popleft(), stage)
                if out is not None:
                    yield out
        while pending:
            out = _result(pending.popleft(), stage)
            if out is not None:
                yield out
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _result(future: Any, stage: Any) -> Flat | None:
    """A parallel map's result; None for an element whose error `ignore_errors` drops."""
    try:
        return tuple(future.result())
    except Exception as exc:
        if _dropping_errors(exc, stage):
            return None
        raise


# `ignore_errors`: while an `_IgnoreErrorsDataset` pulls an element on this thread, its
# input stage, when a map or filter, drops an element whose function fails instead of
# ending the pipeline, as TF's map iterator does (its input iterator stays valid).
_errors_state = threading.local()


def _dropping_errors(exc: BaseException, stage: Any) -> bool:
    owner = getattr(_errors_state, "owner", None)
    if owner is None or owner._input is not stage:
        return False
    if owner._log_warning:
        tf_logging.get_logger().warning(f"Ignoring error in ignore_errors(): {exc}")
    return True


class _IgnoreErrorsDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, log_warning: bool) -> None:
        self._log_warning = bool(log_warning)
        super().__init__(input_dataset, UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        it = self._input._flat_iter()
        while True:
            saved = getattr(_errors_state, "owner", None)
            _errors_state.owner = self
            try:
                e = next(it)
            except StopIteration:
                return
            except Exception as exc:
                # An error from a stage that cannot continue (a source): TF's input
                # iterator would carry on with the next element; here the input ends.
                if self._log_warning:
                    tf_logging.get_logger().warning(f"Ignoring error in ignore_errors(): {exc}")
                return
            finally:
                _errors_state.owner = saved
            yield e


class _FlatMapDataset(UnaryDataset):
    def __init__(self, input_dataset: DatasetV2, map_func: Callable[..., Any]) -> None:
        self._func = map_func
        self._fn = StructuredFunction(
            map_func, input_dataset.element_spec, "Dataset.flat_map()", returns_dataset=True
        )
        super().__init__(input_dataset, self._fn.output_structure, UNKNOWN)

    def _infer_spec(self) -> Any:
        for e in _peek(self._input):
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
            try:
                keep = bool(np.asarray(fn(e)[0]))
            except Exception as exc:
                if _dropping_errors(exc, self):
                    continue
                raise
            if keep:
                yield e


def _stack(elements: list[Flat], ncomp: int, specs: list[Any] | None = None) -> Flat:
    """Stack a list of flat elements component-wise, with TF's error for mixed shapes
    (`specs`: the batched specs, for composite components)."""
    out = []
    for c in range(ncomp):
        if specs is not None and comp.is_composite(specs[c]):
            out.append(comp.batch_value([e[c] for e in elements], specs[c]))
            continue
        parts = [st.to_numpy(e[c]) for e in elements]
        shape0 = parts[0].shape
        for p in parts:
            if p.shape != shape0:
                if p.size != parts[0].size:
                    msg = (
                        "Cannot add tensor to the batch: number of elements does not match. "
                        f"Shapes are: [tensor]: {_shape_text(p.shape)}, [batch]: "
                        f"{_shape_text(shape0)}"
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
                comp.batched_spec(s, lead)
                if comp.is_composite(s)
                else TensorSpec(
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
        plan = self._input._index_plan()
        if plan is not None:  # gather each batch with one NumPy indexing per component
            arrays, indices = plan
            idx_it = indices()
            while True:
                idx = list(itertools.islice(idx_it, bs))
                if not idx or (self._drop and len(idx) < bs):
                    return
                yield tuple(a[idx] for a in arrays)
                if len(idx) < bs:
                    return
        it = self._input._flat_iter()
        specs = self._flat_specs()
        out_specs = specs if any(comp.is_composite(x) for x in specs) else None
        while True:
            chunk = list(itertools.islice(it, bs))
            if not chunk or (self._drop and len(chunk) < bs):
                return
            yield _stack(chunk, ncomp, out_specs)
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
        s1, s2 = self._seeds
        if s1 is None and s2 is None:  # TF seeds (0, 0) non-deterministically
            s1, s2 = (int(x) for x in np.random.SeedSequence().generate_state(2))
        self._seed_gen = _random.SeedGenerator(s1 or 0, s2 or 0, self._reshuffle)
        super().__init__(input_dataset)

    def _stream(self) -> _random.PhiloxStream:
        """The random stream of one new iterator (TF: one `Initialize`)."""
        peek = getattr(_random.peeking, "depth", 0) > 0
        return _random.PhiloxStream(*self._seed_gen.next_seeds(peek=peek))

    def _flat_iter(self) -> Iterator[Flat]:
        return _random.tf_shuffled(self._input._flat_iter(), self._size, self._stream())

    def _index_plan(self) -> IndexPlan | None:
        plan = self._input._index_plan()
        if plan is None:
            return None
        arrays, indices = plan
        return arrays, lambda: _random.tf_shuffled(indices(), self._size, self._stream())


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

    def _index_plan(self) -> IndexPlan | None:
        plan = self._input._index_plan()
        if plan is None:
            return None
        arrays, indices = plan

        def repeated() -> Iterator[int]:
            epochs = itertools.count() if self._count < 0 else range(self._count)
            for _ in epochs:
                empty = True
                for i in indices():
                    empty = False
                    yield i
                if empty:
                    return

        return arrays, repeated

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

    def _index_plan(self) -> IndexPlan | None:
        plan = self._input._index_plan()
        if plan is None:
            return None
        arrays, indices = plan
        if self._count < 0:
            return plan
        return arrays, lambda: itertools.islice(indices(), self._count)

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

    def _index_plan(self) -> IndexPlan | None:
        plan = self._input._index_plan()
        if plan is None or self._count < 0:
            return None
        arrays, indices = plan
        return arrays, lambda: itertools.islice(indices(), self._count, None)

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

    def _index_plan(self) -> IndexPlan | None:
        return self._input._index_plan()

    def _flat_iter(self) -> Iterator[Flat]:
        return self._input._flat_iter()


# ---------------------------------------------------------------------------------------
# More transformations
# ---------------------------------------------------------------------------------------


def _dims_of(spec: TensorSpec) -> tuple[int | None, ...] | None:
    return st.shape_dims(spec.shape)


def _padded_shape_of(value: Any) -> tuple[int | None, ...] | None:
    """A `padded_shapes` leaf (TensorShape, list, tuple, tensor) as dims; -1 is None."""
    if hasattr(value, "as_list") and getattr(value, "rank", 0) is None:
        return None
    if hasattr(value, "as_list"):
        dims = value.as_list()
    elif isinstance(value, Tensor):
        dims = [int(d) for d in np.asarray(value.numpy()).reshape(-1)]
    else:
        dims = list(value)
    return tuple(None if d is None or int(d) == -1 else int(d) for d in dims)


class _PaddedBatchDataset(UnaryDataset):
    def __init__(
        self,
        input_dataset: DatasetV2,
        batch_size: Any,
        padded_shapes: Any,
        padding_values: Any,
        drop_remainder: Any,
    ) -> None:
        bs = _count(batch_size, "batch_size")
        if bs <= 0:
            raise errors.InvalidArgumentError(
                None, None, "Batch size must be greater than zero. [Op:PaddedBatchDatasetV2]"
            )
        in_spec = input_dataset.element_spec
        specs = st.flatten(in_spec)
        for s in specs:
            if comp.is_composite(s):
                raise TypeError(
                    "`padded_batch` is only supported for datasets that produce tensor "
                    "elements but type spec of elements in the input dataset is not a "
                    f"subclass of TensorSpec: `{s!r}`."
                )
        shapes: list[Any]
        if padded_shapes is None:
            shapes = []
            for i, s in enumerate(specs):
                dims = _dims_of(s)
                if dims is None:
                    raise ValueError(
                        f"You must provide `padded_shapes` argument because component {i} has "
                        "unknown rank."
                    )
                shapes.append(dims)
        else:
            leaves = _flatten_up_to(in_spec, padded_shapes)
            shapes = [_padded_shape_of(x) for x in leaves]
            for s, p in zip(specs, shapes, strict=True):
                dims = _dims_of(s)
                if p is None or (dims is not None and len(dims) != len(p)):
                    raise ValueError(
                        f"The padded shape {p} is not compatible with the shape {s.shape} of "
                        "the corresponding input component."
                    )
        if padding_values is None:
            pads = [b"" if s.dtype is dtypes.string else 0 for s in specs]
        else:
            pads = _flatten_up_to(in_spec, padding_values)
        self._pads = [
            np.asarray(st.to_numpy(st.array_of(st.to_tensor(p))), dtype=_np_dtype(s.dtype))
            for p, s in zip(pads, specs, strict=True)
        ]
        self._shapes = shapes
        self._bs = bs
        self._drop = bool(drop_remainder)
        lead = bs if self._drop else None
        out = [TensorSpec([lead, *p], s.dtype) for p, s in zip(shapes, specs, strict=True)]
        n = input_dataset._card
        card = n if n in (INFINITE, UNKNOWN) else (n // bs if self._drop else -(-n // bs))
        super().__init__(input_dataset, st.pack(in_spec, out), card)

    def _flat_iter(self) -> Iterator[Flat]:
        bs = self._bs
        it = self._input._flat_iter()
        while True:
            chunk = list(itertools.islice(it, bs))
            if not chunk or (self._drop and len(chunk) < bs):
                return
            comps = []
            for c, (shape, pad) in enumerate(zip(self._shapes, self._pads, strict=True)):
                parts = [st.to_numpy(e[c]) for e in chunk]
                target = [
                    max(p.shape[d] for p in parts) if dim is None else dim
                    for d, dim in enumerate(shape)
                ]
                out = np.full((len(parts), *target), pad, dtype=pad.dtype)
                for i, p in enumerate(parts):
                    if p.ndim != len(target) or any(
                        a > b for a, b in zip(p.shape, target, strict=True)
                    ):
                        raise errors.DataLossError(
                            None,
                            None,
                            _next_error(
                                "Attempted to pad to a smaller size than the input element.",
                                len(self._shapes),
                            ),
                        )
                    out[(i, *(slice(0, d) for d in p.shape))] = p  # type: ignore[index]
                comps.append(out)
            yield tuple(comps)
            if len(chunk) < bs:
                return


def _np_dtype(dtype: Any) -> Any:
    return object if dtype is dtypes.string else np.dtype(dtype.as_numpy_dtype)


def _flatten_up_to(shallow: Any, value: Any) -> list[Any]:
    """The leaves of `value` at the leaves of `shallow` (a scalar value is broadcast)."""
    if not st.is_structure(shallow):
        return [value]
    if not st.is_structure(value):
        return [value] * len(st.flatten(shallow))
    if isinstance(shallow, dict):
        return [x for k in sorted(shallow) for x in _flatten_up_to(shallow[k], value[k])]
    if len(shallow) != len(value):
        raise ValueError(
            f"The two structures don't have the same sequence length. Input structure has "
            f"length {len(value)}, while shallow structure has length {len(shallow)}."
        )
    return [x for s, v in zip(shallow, value, strict=True) for x in _flatten_up_to(s, v)]


class _UnbatchDataset(UnaryDataset):
    def __init__(self, input_dataset: DatasetV2) -> None:
        out = []
        leads: set[int | None] = set()
        for s in input_dataset._flat_specs():
            dims = _dims_of(s)
            if dims is not None and not dims:
                raise ValueError("Unbatching a dataset is only supported for rank >= 1")
            if comp.is_composite(s):
                out.append(comp.unbatched_spec(s))
            else:
                out.append(TensorSpec(None if dims is None else dims[1:], s.dtype))
            leads.add(None if dims is None else dims[0])
        n = input_dataset._card
        (lead,) = leads if len(leads) == 1 else (None,)
        if n == INFINITE:
            card = INFINITE
        elif n == UNKNOWN or lead is None:
            card = UNKNOWN
        else:
            card = n * lead
        super().__init__(input_dataset, st.pack(input_dataset.element_spec, out), card)

    def _flat_iter(self) -> Iterator[Flat]:
        in_specs = self._input._flat_specs()
        if any(comp.is_composite(x) for x in in_specs):
            for e in self._input._flat_iter():
                cols = [
                    comp.unbatch_value(a, s) if comp.is_composite(s) else list(st.to_numpy(a))
                    for a, s in zip(e, in_specs, strict=True)
                ]
                n = len(cols[0])
                if any(len(c) != n for c in cols):
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        _next_error(
                            "Input element must have the same batch size in each component.",
                            len(cols),
                        ),
                    )
                yield from zip(*cols, strict=True)
            return
        for e in self._input._flat_iter():
            arrs = [st.to_numpy(a) for a in e]
            n = arrs[0].shape[0]
            for a in arrs[1:]:
                if a.shape[0] != n:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        _next_error(
                            "Input element must have the same batch size in each component. "
                            f"Component 0 had size {n} but component {arrs.index(a)} had "
                            f"size {a.shape[0]}.",
                            len(arrs),
                        ),
                    )
            for i in range(n):
                yield tuple(a[i, ...] for a in arrs)


class _ConvertDataset(UnaryDataset):
    """Converts components (per `converters`, None keeps one) to a new element spec."""

    def __init__(self, input_dataset: DatasetV2, element_spec: Any, converters: list[Any]) -> None:
        self._converters = converters
        super().__init__(input_dataset, element_spec, input_dataset._card)

    def _flat_iter(self) -> Iterator[Flat]:
        conv = self._converters
        for e in self._input._flat_iter():
            yield tuple(a if f is None else f(a) for f, a in zip(conv, e, strict=True))


class _RebatchDataset(UnaryDataset):
    def __init__(self, input_dataset: DatasetV2, batch_size: Any, drop_remainder: Any) -> None:
        if isinstance(batch_size, Tensor):
            batch_size = batch_size.numpy()
        sizes = [int(b) for b in np.asarray(batch_size).reshape(-1)]
        if not sizes or any(b < 0 for b in sizes):
            raise errors.InvalidArgumentError(
                None, None, "batch_sizes must be a non-empty list of non-negative integers."
            )
        self._sizes = sizes
        self._drop = bool(drop_remainder)
        lead = sizes[0] if self._drop and len(set(sizes)) == 1 else None
        out = []
        for s in input_dataset._flat_specs():
            dims = _dims_of(s)
            if dims is not None and not dims:
                raise ValueError("Unbatching a dataset is only supported for rank >= 1")
            out.append(TensorSpec(None if dims is None else [lead, *dims[1:]], s.dtype))
        super().__init__(input_dataset, st.pack(input_dataset.element_spec, out), UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        ncomp = len(self._flat_specs())
        rows = _UnbatchDataset(self._input)._flat_iter()
        for size in itertools.cycle(self._sizes):
            chunk = list(itertools.islice(rows, size))
            if size and not chunk:
                return
            if self._drop and len(chunk) < size:
                return
            if not chunk:
                yield tuple(
                    np.zeros((0, *(d or 0 for d in (_dims_of(s) or ())[1:])), _np_dtype(s.dtype))
                    for s in self._flat_specs()
                )
                continue
            yield _stack(chunk, ncomp)
            if len(chunk) < size:
                return


class _InterleaveDataset(UnaryDataset):
    def __init__(
        self,
        input_dataset: DatasetV2,
        map_func: Callable[..., Any],
        cycle_length: Any,
        block_length: Any,
        parallel: int | None,
    ) -> None:
        self._fn = StructuredFunction(
            map_func, input_dataset.element_spec, "Dataset.interleave()", returns_dataset=True
        )
        cycle = AUTOTUNE if cycle_length is None else _count(cycle_length, "cycle_length")
        if cycle == AUTOTUNE:
            cycle = max(1, os.cpu_count() or 1)
        block = 1 if block_length is None else _count(block_length, "block_length")
        if cycle <= 0:
            raise errors.InvalidArgumentError(None, None, "cycle_length must be greater than zero.")
        if block <= 0:
            raise errors.InvalidArgumentError(None, None, "block_length must be greater than zero.")
        self._cycle, self._block, self._parallel = cycle, block, parallel
        super().__init__(input_dataset, self._fn.output_structure, UNKNOWN)

    def _infer_spec(self) -> Any:
        for e in _peek(self._input):
            return _check_dataset(self._fn.call_python(e)).element_spec
        raise TypeError("The element structure of this dataset is unknown.")

    def _open(self, e: Flat) -> Iterator[Flat]:
        ds = _check_dataset(self._fn.call_python(e))
        if self._parallel is None:
            return ds._flat_iter()
        return _background(ds._flat_iter, max(self._block, 2))

    def _flat_iter(self) -> Iterator[Flat]:
        # TF's InterleaveDatasetOp: `block` elements from each of `cycle` open inputs in
        # turn; an exhausted slot is refilled from the input when the cycle returns to it.
        cycle, block = self._cycle, self._block
        slots: list[Iterator[Flat] | None] = [None] * cycle
        inputs = self._input._flat_iter()
        end_of_input = False
        num_open = 0
        index = 0
        block_index = 0
        while not end_of_input or num_open > 0:
            current = slots[index]
            if current is not None:
                if block_index < block:
                    e = next(current, None)
                    if e is not None:
                        block_index += 1
                        yield e
                        continue
                    slots[index] = None
                    num_open -= 1
                index, block_index = (index + 1) % cycle, 0
            elif not end_of_input:
                nxt = next(inputs, None)
                if nxt is None:
                    end_of_input = True
                else:
                    slots[index] = self._open(nxt)
                    num_open += 1
            else:
                index, block_index = (index + 1) % cycle, 0


class _ParallelInterleaveDataset(_InterleaveDataset):
    pass


class _TakeWhileDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, predicate: Callable[..., Any]) -> None:
        self._fn = StructuredFunction(predicate, input_dataset.element_spec, "Dataset.take_while()")
        out = self._fn.output_structure
        if out is not None and not (
            isinstance(out, TensorSpec) and out.dtype is dtypes.bool_ and out.shape.rank == 0
        ):
            raise ValueError(f"`predicate` must return a scalar boolean tensor, but got {out}.")
        super().__init__(input_dataset, UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        for e in self._input._flat_iter():
            if not bool(np.asarray(self._fn(e)[0])):
                return
            yield e


class CacheDataset(UnaryUnchangedStructureDataset):
    """`Dataset.cache()`: in memory, or in a file (`filename` + ".tfcompat-cache").

    The first iteration that runs to the end fills the cache; later iterations read it
    and do not run the input. A file cache is written to a temporary name and renamed
    when complete, so an interrupted first iteration leaves no cache behind; an existing
    file is read without running the input, as TF reads its cache files.
    """

    def __init__(self, input_dataset: DatasetV2, filename: Any) -> None:
        if isinstance(filename, Tensor):
            filename = filename.numpy()
        if isinstance(filename, bytes):
            filename = filename.decode()
        self._filename = os.fspath(filename)
        self._memory: list[Flat] | None = None
        self._lock = threading.Lock()
        super().__init__(input_dataset)

    @property
    def _path(self) -> str:
        return self._filename + ".tfcompat-cache"

    def _flat_iter(self) -> Iterator[Flat]:
        if self._filename:
            yield from self._file_iter()
            return
        cached = self._memory
        if cached is not None:
            yield from cached
            return
        filling: list[Flat] = []
        for e in self._input._flat_iter():
            filling.append(tuple(st.to_numpy(a) for a in e))
            yield e
        with self._lock:
            if self._memory is None:
                self._memory = filling

    def _file_iter(self) -> Iterator[Flat]:
        import pickle

        path = self._path
        if os.path.exists(path):
            with open(path, "rb") as f:
                while True:
                    try:
                        yield pickle.load(f)
                    except EOFError:
                        return
        directory = os.path.dirname(path)
        if directory and not os.path.isdir(directory):
            raise errors.NotFoundError(
                None, None, f"Failed to create a directory: {directory}; No such file or directory"
            )
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        complete = False
        try:
            with open(tmp, "wb") as f:
                for e in self._input._flat_iter():
                    pickle.dump(tuple(st.to_numpy(a) for a in e), f)
                    yield e
            complete = True
        finally:
            if complete:
                os.replace(tmp, path)
            elif os.path.exists(tmp):
                os.remove(tmp)


class _VariantDataset(DatasetSource):
    """A dataset over a list of flat elements (the windows of `window` and
    `group_by_window`)."""

    def __init__(self, elements: list[Flat], element_spec: Any) -> None:
        self._elements = elements
        super().__init__(element_spec, len(elements))

    def _flat_iter(self) -> Iterator[Flat]:
        return iter(self._elements)


hooks.register("empty_dataset", lambda spec: _VariantDataset([], spec))


class _WindowDataset(UnaryDataset):
    def __init__(
        self, input_dataset: DatasetV2, size: Any, shift: Any, stride: Any, drop: Any
    ) -> None:
        self._size = _count(size, "size")
        self._shift = self._size if shift is None else _count(shift, "shift")
        self._stride = _count(stride, "stride")
        self._drop = bool(drop)
        for what, v in (("size", self._size), ("shift", self._shift), ("stride", self._stride)):
            if v <= 0:
                raise errors.InvalidArgumentError(
                    None, None, f"Window {what} must be greater than zero, but got {v}."
                )
        self._component_specs = input_dataset._flat_specs()
        spec = st.pack(
            input_dataset.element_spec,
            [st.DatasetSpec(s) for s in self._component_specs],
        )
        n = input_dataset._card
        if n in (INFINITE, UNKNOWN):
            card = n
        elif self._drop:
            span = self._stride * (self._size - 1) + 1
            card = 0 if n < span else (n - span) // self._shift + 1
        else:
            card = -(-n // self._shift)
        super().__init__(input_dataset, spec, card)

    def _flat_iter(self) -> Iterator[Flat]:
        size, shift, stride = self._size, self._shift, self._stride
        span = stride * (size - 1) + 1
        it = self._input._flat_iter()
        buf: collections.deque[Flat] = collections.deque()
        exhausted = False
        while True:
            while not exhausted and len(buf) < span:
                e = next(it, None)
                if e is None:
                    exhausted = True
                else:
                    buf.append(e)
            if not buf:
                return
            window = list(itertools.islice(buf, 0, span, stride))
            if len(buf) < span and self._drop:
                return
            yield tuple(
                _VariantDataset([(e[c],) for e in window], s)
                for c, s in enumerate(self._component_specs)
            )
            # Advance by `shift` (reading and dropping inputs past the buffer).
            for _ in range(shift):
                if buf:
                    buf.popleft()
                elif not exhausted and next(it, None) is None:
                    exhausted = True
            if exhausted and not buf:
                return


def _to_state(initial_state: Any) -> Any:
    leaves = st.flatten(initial_state)
    return st.pack(initial_state, [st.to_tensor(x) for x in leaves])


def _check_state(state_spec: Any, out: Any, what: str) -> None:
    if out is None:
        return
    a, b = st.flatten(state_spec), st.flatten(out)
    if len(a) != len(b):
        raise TypeError(
            f"The element classes for the new state must match the initial state. Expected "
            f"{state_spec}; got {out}."
        )
    for x, y in zip(a, b, strict=True):
        if x.dtype is not y.dtype:
            raise TypeError(
                "The element types for the new state must match the initial state. Expected "
                f"{x.dtype.name}; got {y.dtype.name}."
            )


class _ScanDataset(UnaryDataset):
    def __init__(
        self, input_dataset: DatasetV2, initial_state: Any, scan_func: Callable[..., Any]
    ) -> None:
        state = _to_state(initial_state)
        self._state_spec = st.map_specs(lambda t: TensorSpec(t._shape, t._dtype), state)
        self._initial = [st.array_of(t) for t in st.flatten(state)]
        self._fn = StructuredFunction(
            scan_func, (self._state_spec, input_dataset.element_spec), "Dataset.scan()"
        )
        out = self._fn.output_structure
        if out is not None:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise TypeError(
                    "The scan function must return a pair comprising the new state and the "
                    f"output value. Got {out}."
                )
            _check_state(self._state_spec, out[0], "scan_func")
            spec = out[1]
        else:
            spec = None
        super().__init__(input_dataset, spec, input_dataset._card)

    def _flat_iter(self) -> Iterator[Flat]:
        state = list(self._initial)
        n = len(state)
        for e in self._input._flat_iter():
            res = self._fn((*state, *e))
            state = res[:n]
            yield tuple(res[n:])


class _GroupByWindowDataset(UnaryDataset):
    def __init__(
        self,
        input_dataset: DatasetV2,
        key_func: Callable[..., Any],
        reduce_func: Callable[..., Any],
        window_size: Any,
        window_size_func: Any,
        trace: bool = True,
    ) -> None:
        if (window_size is None) == (window_size_func is None):
            raise ValueError(
                "Either the `window_size` argument or the `window_size_func` argument must be "
                "specified."
            )
        self._key_fn = StructuredFunction(
            key_func, input_dataset.element_spec, "Dataset.group_by_window()", trace=trace
        )
        key_spec = self._key_fn.output_structure
        if key_spec is not None and not (
            isinstance(key_spec, TensorSpec)
            and key_spec.dtype is dtypes.int64
            and key_spec.shape.rank == 0
        ):
            raise ValueError(
                f"Invalid `key_func`. `key_func` must return a single `tf.int64` scalar "
                f"tensor but its return type is {key_spec}."
            )
        self._in_spec = input_dataset.element_spec
        self._reduce_fn = StructuredFunction(
            reduce_func,
            (TensorSpec((), dtypes.int64), st.DatasetSpec(self._in_spec)),
            "Dataset.group_by_window()",
            returns_dataset=True,
        )
        if window_size is not None:
            size = _count(window_size, "window_size")
            self._size_of: Callable[[Any], int] = lambda key: size
        else:
            size_fn = StructuredFunction(
                window_size_func,
                TensorSpec((), dtypes.int64),
                "Dataset.group_by_window()",
                trace=trace,
            )
            self._size_of = lambda key: int(np.asarray(size_fn((key,))[0]))
        super().__init__(input_dataset, self._reduce_fn.output_structure, UNKNOWN)

    def _reduce(self, key: Any, window: list[Flat]) -> Iterator[Flat]:
        ds = self._reduce_fn.call_python((key, _VariantDataset(window, self._in_spec)))
        yield from _check_dataset(ds)._flat_iter()

    def _flat_iter(self) -> Iterator[Flat]:
        groups: dict[int, list[Flat]] = {}
        sizes: dict[int, int] = {}
        for e in self._input._flat_iter():
            key = int(np.asarray(self._key_fn(e)[0]))
            if key not in sizes:
                sizes[key] = self._size_of(np.int64(key))
                if sizes[key] <= 0:
                    raise errors.InvalidArgumentError(
                        None, None, "Window size must be greater than zero, but got 0."
                    )
            group = groups.setdefault(key, [])
            group.append(e)
            if len(group) == sizes[key]:
                del groups[key]
                yield from self._reduce(np.int64(key), group)
        for key in sorted(groups):  # the remaining groups, by key (TF keeps an ordered map)
            yield from self._reduce(np.int64(key), groups[key])


def _bucket_by_sequence_length(
    dataset: DatasetV2,
    element_length_func: Callable[..., Any],
    boundaries: list[int],
    batch_sizes: list[int],
    padded_shapes: Any,
    padding_values: Any,
    pad_to_bucket_boundary: bool,
    no_padding: bool,
    drop_remainder: bool,
) -> DatasetV2:
    if len(batch_sizes) != len(boundaries) + 1:
        raise ValueError(
            f"`len(bucket_batch_sizes)` must equal `len(bucket_boundaries) + 1` but "
            f"`len(bucket_batch_sizes)={len(batch_sizes)}` and "
            f"`len(bucket_boundaries)={len(boundaries)}`."
        )
    length_fn = StructuredFunction(
        element_length_func, dataset.element_spec, "Dataset.bucket_by_sequence_length()"
    )
    lows = [int(np.iinfo(np.int32).min), *boundaries]
    highs = [*boundaries, int(np.iinfo(np.int32).max)]

    def bucket_of(*element: Any) -> Any:
        flat = tuple(
            st.array_of(t) for t in st.flatten(element if len(element) > 1 else element[0])
        )
        length = int(np.asarray(length_fn(flat)[0]))
        for i, (lo, hi) in enumerate(zip(lows, highs, strict=True)):
            if lo <= length < hi:
                return np.int64(i)
        return np.int64(len(boundaries))

    def batching(bucket_id: Any, grouped: DatasetV2) -> DatasetV2:
        b = int(np.asarray(bucket_id))
        size = batch_sizes[b]
        if no_padding:
            return grouped.batch(size, drop_remainder=drop_remainder)
        filler = None
        if pad_to_bucket_boundary:
            if b >= len(boundaries):
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    "When pad_to_bucket_boundary=True, elements must have length < "
                    "max(bucket_boundaries).",
                )
            filler = boundaries[b] - 1
        shapes = padded_shapes
        if shapes is None:
            shapes = st.map_specs(lambda s: _dims_of(s), grouped.element_spec)
        shapes = st.pack(
            grouped.element_spec,
            [
                tuple(filler if d is None and filler is not None else d for d in dims)
                if dims is not None
                else None
                for dims in (
                    _padded_shape_of(x) for x in _flatten_up_to(grouped.element_spec, shapes)
                )
            ],
        )
        return grouped.padded_batch(size, shapes, padding_values, drop_remainder)

    return _GroupByWindowDataset(
        dataset,
        _PythonKey(bucket_of),
        batching,
        None,
        lambda bucket_id: np.int64(batch_sizes[int(np.asarray(bucket_id))]),
        trace=False,
    )


class _PythonKey:
    """A key function computed in Python (bucket ids from lengths): run eagerly."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self._fn = fn
        self.__name__ = "bucket_id"

    def __call__(self, *args: Any) -> Any:
        from tfcompat._core.convert import convert_to_tensor

        return convert_to_tensor(self._fn(*args), dtype=dtypes.int64)


class _ShardDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2, num_shards: Any, index: Any) -> None:
        n_shards = _count(num_shards, "num_shards")
        i = _count(index, "index")
        if n_shards <= 0:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Number of shards must be greater than zero (currently num_shards = {n_shards}).",
            )
        if not 0 <= i < n_shards:
            raise errors.InvalidArgumentError(
                None, None, f"Index must be between 0 and {n_shards - 1} (currently index = {i})."
            )
        self._n, self._i = n_shards, i
        n = input_dataset._card
        card = n if n in (INFINITE, UNKNOWN) else n // n_shards + (1 if i < n % n_shards else 0)
        super().__init__(input_dataset, card)

    def _flat_iter(self) -> Iterator[Flat]:
        return itertools.islice(self._input._flat_iter(), self._i, None, self._n)


class _GeneratorDataset(DatasetSource):
    """`Dataset.from_generator` (TF's class for it is a `_FlatMapDataset`)."""

    def __init__(
        self,
        generator: Callable[..., Any],
        output_types: Any,
        output_shapes: Any,
        args: Any,
        output_signature: Any,
    ) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None:
                raise TypeError(
                    "The `output_types` argument can not be used together with the "
                    "`output_signature` argument."
                )
            if output_shapes is not None:
                raise TypeError(
                    "The `output_shapes` argument can not be used together with the "
                    "`output_signature` argument."
                )
            for s in st.flatten(output_signature):
                if not isinstance(s, TensorSpec):
                    raise TypeError(
                        "`output_signature` must contain objects that are subclass of "
                        f"`tf.TypeSpec` but found {type(s)} which is not."
                    )
            spec = output_signature
        else:
            if output_types is None:
                raise TypeError(
                    "To specify the output signature you need to provide either the "
                    "`output_signature` argument or the `output_types` argument."
                )
            types = st.map_specs(dtypes.as_dtype, output_types)
            shapes: list[Any]
            if output_shapes is None:
                shapes = [None] * len(st.flatten(types))
            else:
                shapes = [_padded_shape_of(x) for x in _flatten_up_to(types, output_shapes)]
            spec = st.pack(
                types,
                [TensorSpec(sh, d) for sh, d in zip(shapes, st.flatten(types), strict=True)],
            )
        self._generator = generator
        self._args = () if args is None else tuple(args)
        super().__init__(spec, UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        specs = self._flat_specs()
        spec = self.element_spec
        args = [st.to_numpy(st.array_of(st.to_tensor(a))) for a in self._args]
        args = [a[()] if a.ndim == 0 else a for a in args]
        try:
            it = iter(self._generator(*args))
        except Exception as exc:
            raise _generator_error(exc, len(specs)) from exc
        while True:
            try:
                value = next(it)
            except StopIteration:
                return
            except Exception as exc:
                raise _generator_error(exc, len(specs)) from exc
            yield _generator_element(value, spec, specs)


_GeneratorDataset.__name__ = _GeneratorDataset.__qualname__ = "_FlatMapDataset"

# TF runs a generator in a `py_func`, which maps the Python exception to an error class.
_PY_FUNC_ERRORS: tuple[tuple[type[BaseException], type[errors.OpError]], ...] = (
    (ValueError, errors.InvalidArgumentError),
    (TypeError, errors.InvalidArgumentError),
    (StopIteration, errors.OutOfRangeError),
    (MemoryError, errors.ResourceExhaustedError),
    (NotImplementedError, errors.UnimplementedError),
    (IndexError, errors.OutOfRangeError),
)


def _py_func_error(first_line: str, exc: BaseException | None, ncomp: int) -> errors.OpError:
    """TF's error for an exception raised in a generator: its class by the exception's
    type, the message with the exception's traceback."""
    import traceback

    cls: type[errors.OpError] = errors.UnknownError
    if exc is None:
        cls = errors.InvalidArgumentError
    else:
        for py_cls, tf_cls in _PY_FUNC_ERRORS:
            if isinstance(exc, py_cls):
                cls = tf_cls
                break
    tb = "" if exc is None else "".join(traceback.format_exception(exc))
    device = "/job:localhost/replica:0/task:0/device:CPU:0"
    message = (
        f"{{{{function_node __wrapped__IteratorGetNext_output_types_{ncomp}_device_{device}}}}} "
        f"{first_line}\n{tb}\n\n\t [[{{{{node PyFunc}}}}]] [Op:IteratorGetNext] name: "
    )
    return cast(errors.OpError, cast(Any, cls)(None, None, message))


def _generator_error(exc: BaseException, ncomp: int) -> errors.OpError:
    return _py_func_error(f"{type(exc).__name__}: {exc}", exc, ncomp)


def _generator_element(value: Any, spec: Any, specs: list[TensorSpec]) -> Flat:
    if isinstance(value, list) and isinstance(spec, tuple):
        value = tuple(value)
    try:
        leaves = _flatten_up_to(spec, value)
    except (ValueError, TypeError, KeyError) as exc:
        raise _py_func_error(
            "TypeError: `generator` yielded an element that did not match the expected "
            f"structure. The expected structure was {spec}, but the yielded element was "
            f"{value}. ({exc})",
            None,
            len(specs),
        ) from None
    out = []
    for leaf, s in zip(leaves, specs, strict=True):
        try:
            if isinstance(leaf, Tensor):
                leaf = leaf.numpy()
            if s.dtype is dtypes.string:
                arr = st.to_numpy(st.array_of(st.to_tensor(leaf)))
            else:
                arr = np.asarray(leaf).astype(s.dtype.as_numpy_dtype, copy=False)
                if np.asarray(leaf).dtype.kind in "USO":
                    raise ValueError(leaf)
        except (ValueError, TypeError):
            raise _py_func_error(
                "TypeError: `generator` yielded an element that could not be converted to "
                f"the expected type. The expected type was {s.dtype.name}, but the yielded "
                f"element was {leaf}.",
                None,
                len(specs),
            ) from None
        dims = _dims_of(s)
        if dims is not None and (
            len(dims) != arr.ndim
            or any(d is not None and d != a for d, a in zip(dims, arr.shape, strict=True))
        ):
            raise _py_func_error(
                f"TypeError: `generator` yielded an element of shape {arr.shape} where an "
                f"element of shape {tuple(dims)} was expected.",
                None,
                len(specs),
            )
        out.append(arr)
    return tuple(out)


class _UniqueDataset(UnaryUnchangedStructureDataset):
    def __init__(self, input_dataset: DatasetV2) -> None:
        spec = input_dataset.element_spec
        if not (
            isinstance(spec, TensorSpec)
            and spec.dtype in (dtypes.int32, dtypes.int64, dtypes.string)
            and spec.shape.rank == 0
        ):
            if isinstance(spec, TensorSpec) and spec.dtype in (
                dtypes.int32,
                dtypes.int64,
                dtypes.string,
            ):
                raise TypeError(
                    "`tf.data.Dataset.unique` only supports inputs with a single scalar "
                    f"`tf.int32`, `tf.int64`, or `tf.string` component. Got {spec}."
                )
            raise TypeError(
                "`tf.data.Dataset.unique` only supports inputs with a single `tf.int32`, "
                f"`tf.int64`, or `tf.string` component. Got {spec}."
            )
        super().__init__(input_dataset, UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        seen: set[Any] = set()
        for e in self._input._flat_iter():
            key = st.to_numpy(e[0])[()]
            if key not in seen:
                seen.add(key)
                yield e


class _RandomChoices:
    """The dataset index of each element `sample_from_datasets` draws."""

    def __init__(self, weights: np.ndarray, seed: Any, rerandomize: Any) -> None:
        from tfcompat._api.random_ops import get_seed

        if isinstance(seed, Tensor):
            seed = int(seed.numpy())
        self.weights = weights / weights.sum()
        self._seeds = get_seed(seed)
        self._rerandomize = bool(rerandomize)
        self._epoch = 0

    def rng(self) -> np.random.Generator:
        s1, s2 = self._seeds
        if s1 is None and s2 is None:
            return np.random.default_rng()
        epoch = self._epoch
        if self._rerandomize:
            self._epoch += 1
        return np.random.default_rng([s1 or 0, s2 or 0, epoch])


class _DirectedInterleaveDataset(DatasetV2):
    def __init__(
        self, datasets: Any, choices: Any, stop_on_empty: Any, sampled: bool = False
    ) -> None:
        datasets = list(datasets)
        if not datasets or not all(isinstance(d, DatasetV2) for d in datasets):
            raise TypeError("Invalid `datasets`. `datasets` should be a list of `tf.data.Dataset`.")
        spec = datasets[0].element_spec
        for d in datasets[1:]:
            other = d.element_spec
            fa, fb = st.flatten(spec), st.flatten(other)
            if not _same_structure(spec, other) or len(fa) != len(fb):
                raise TypeError(
                    "Invalid `datasets`. The structure of elements should be the same for "
                    f"all datasets. {spec} vs. {other}"
                )
            merged = [st.most_specific_compatible(x, y) for x, y in zip(fa, fb, strict=True)]
            if any(m is None for m in merged):
                raise TypeError(
                    "Invalid `datasets`. The element types should be the same for all "
                    f"datasets. {spec} vs. {other}"
                )
            spec = st.pack(spec, merged)
        if not sampled:
            cspec = choices.element_spec if isinstance(choices, DatasetV2) else None
            if not (
                isinstance(cspec, TensorSpec)
                and cspec.dtype is dtypes.int64
                and cspec.shape.rank == 0
            ):
                raise TypeError(
                    "Invalid `choice_dataset`. Elements of `choice_dataset` must be scalar "
                    f"of type `tf.int64`, but got {cspec}."
                )
        self._datasets = datasets
        self._choices = choices
        self._stop = bool(stop_on_empty)
        self._sampled = sampled
        super().__init__(spec, UNKNOWN, tuple(datasets))

    def _choice_iter(self) -> Iterator[int]:
        for (c,) in self._choices._flat_iter():
            yield int(st.to_numpy(c))

    def _flat_iter(self) -> Iterator[Flat]:
        its: list[Iterator[Flat] | None] = [d._flat_iter() for d in self._datasets]
        if self._sampled:
            yield from self._sample(its)
            return
        n = len(its)
        for c in self._choice_iter():
            if not 0 <= c < n:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    _next_error(
                        f"Selector index out of range: {c} >= {n}", len(self._flat_specs())
                    ),
                )
            it = its[c]
            if it is None:
                continue
            e = next(it, None)
            if e is None:
                if self._stop:
                    return
                its[c] = None
                if all(x is None for x in its):
                    return
                continue
            yield e

    def _sample(self, its: list[Iterator[Flat] | None]) -> Iterator[Flat]:
        rng = self._choices.rng()
        weights = np.array(self._choices.weights)
        while True:
            live = weights.sum()
            if live <= 0:
                return
            c = int(rng.choice(len(weights), p=weights / live))
            it = its[c]
            e = None if it is None else next(it, None)
            if e is None:
                if self._stop:
                    return
                its[c] = None
                weights[c] = 0.0
                continue
            yield e

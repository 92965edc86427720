"""`tf.data.Iterator`: the iterator over a dataset's elements (`iter(dataset)`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tfcompat._core import errors
from tfcompat._util import tf_logging
from tfcompat.data import _structure as st
from tfcompat.data._functions import isolated

__all__ = ["IteratorBase", "NumpyIterator", "OwnedIterator"]

_END = "End of sequence"

_READ_AT_TRACE = (
    "A tf.data dataset is iterated while a tf.function is traced: tfcompat reads its "
    "elements now and the traced function keeps them as constants, so later calls do not "
    "read the dataset again (TensorFlow reads it on every call). Pass the elements as "
    "arguments of the tf.function to get fresh data per call."
)


def warn_if_traced() -> None:
    """Log (once per process, on the "tensorflow" logger) that a dataset read inside a
    trace is read only once."""
    from tfcompat._engine.jax_internals import trace_state_clean

    if not trace_state_clean():
        tf_logging.log_first_n("data_read_at_trace", 1, _READ_AT_TRACE)


class IteratorBase:
    """tfcompat implementation of `tf.data.Iterator` (the abstract base class)."""

    @property
    def element_spec(self) -> Any:
        raise NotImplementedError

    def get_next(self) -> Any:
        raise NotImplementedError

    def __iter__(self) -> IteratorBase:
        return self


class OwnedIterator(IteratorBase):
    """tfcompat implementation of TF's `OwnedIterator`: yields elements as tfcompat
    Tensors, in the structure of `element_spec`."""

    def __init__(self, dataset: Any) -> None:
        self._element_spec = dataset.element_spec
        specs = st.flatten(self._element_spec)
        self._wrappers = [st.leaf_wrapper(s) for s in specs]
        self._pack = st.make_packer(self._element_spec)
        warn_if_traced()
        with isolated():
            self._it: Iterator[tuple[Any, ...]] = dataset._flat_iter()

    @property
    def element_spec(self) -> Any:
        return self._element_spec

    def _next_flat(self) -> tuple[Any, ...]:
        with isolated():
            return next(self._it)

    def __next__(self) -> Any:
        flat = self._next_flat()
        return self._pack([w(a) for w, a in zip(self._wrappers, flat, strict=True)])

    def next(self) -> Any:
        return self.__next__()

    def get_next(self) -> Any:
        """The next element; `tf.errors.OutOfRangeError` at the end (TF's `get_next`)."""
        try:
            return self.__next__()
        except StopIteration:
            raise errors.OutOfRangeError(None, None, _END) from None

    def get_next_as_optional(self) -> Any:
        """The next element as a `tf.experimental.Optional`, empty at the end."""
        from tfcompat.data._optional import Optional

        try:
            return Optional.from_value(self.__next__())
        except StopIteration:
            return Optional.empty(self._element_spec)

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at 0x{id(self):x}>"


class NumpyIterator:
    """tfcompat implementation of `tf.data.NumpyIterator` (`as_numpy_iterator()`):
    NumPy arrays, NumPy scalars for 0-d elements and `bytes` for string scalars."""

    def __init__(self, dataset: Any) -> None:
        self._pack = st.make_packer(dataset.element_spec)
        self._convert = [
            _composite_numpy if st._is_object_spec(s) else _numpy
            for s in st.flatten(dataset.element_spec)
        ]
        with isolated():
            self._it = dataset._flat_iter()

    def __iter__(self) -> NumpyIterator:
        return self

    def __next__(self) -> Any:
        with isolated():
            flat = next(self._it)
        return self._pack([f(a) for f, a in zip(self._convert, flat, strict=True)])

    def next(self) -> Any:
        return self.__next__()

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at 0x{id(self):x}>"


def _composite_numpy(a: Any) -> Any:
    """TF's NumPy value of a composite: a ragged tensor's object array of rows, a sparse
    tensor's dense array."""
    if hasattr(a, "dense_shape"):
        from tfcompat._composite.sparse import to_dense

        return _numpy(to_dense(a).numpy())
    return a.numpy()


def _numpy(a: Any) -> Any:
    arr = st.to_numpy(a)
    if arr.ndim == 0:
        return arr[()]
    if arr.base is not None or not arr.flags.writeable:
        return arr.copy()  # a view of a source array, or of a read-only device buffer
    return arr


IteratorBase.__module__ = "tensorflow.python.data.ops.iterator_ops"
OwnedIterator.__module__ = "tensorflow.python.data.ops.iterator_ops"
NumpyIterator.__module__ = "tensorflow.python.data.ops.dataset_ops"

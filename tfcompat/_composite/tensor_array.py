"""`tf.TensorArray` and `tf.TensorArraySpec`.

A TensorArray holds its elements in one of two forms:

* a **list** of tensors (TF's eager `_EagerTensorArray`): used eagerly and while a
  `tf.function` is traced with Python indices. Every method follows TF's eager
  implementation: `write` stores the tensor (writing twice overwrites, as in TF eager),
  unwritten elements read as zeros of `element_shape`, `clear_after_read` forgets an
  element once read, errors are TF's (`OutOfRangeError` past the end of a fixed-size
  array, `InvalidArgumentError` for a wrong dtype, `ValueError` for a wrong shape);
* a **buffer**: one tensor of shape `[size, *element_shape]`. A TensorArray becomes a
  buffer when it is a loop variable of a `tf.while_loop` traced in a `tf.function` (the
  buffer is the loop variable, so the loop is one `lax` loop and differentiates as one),
  or when an index is a traced value. `write` is a `tensor_scatter_nd_update` of the
  buffer, `read` a `gather`, `stack` the buffer itself: the gradients are those of these
  ops, which are TF's TensorArray gradients.

Reads and writes are ordinary recorded ops, so tapes differentiate through them with no
special code.

Differences from TensorFlow:
  A `dynamic_size` TensorArray that is a loop variable of a `tf.while_loop` traced in a
  `tf.function` needs a static `maximum_iterations`: it is preallocated with that many
  more elements (XLA shapes are static), and `stack()` after the loop returns all of them,
  also when the loop stopped earlier. In the buffer form (inside traced loops)
  `clear_after_read` is not enforced and unwritten elements read as zeros, as TF's graph
  TensorArray (TensorList) does.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

import jax
import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._api._args import kernel_error, shape_str
from tfcompat._composite.base import CompositeTensor, TypeSpec, register_pytree
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import Tensor
from tfcompat._core.tensor_shape import TensorShape, as_shape

__all__ = ["TensorArray", "TensorArraySpec"]

_UNIMPLEMENTED_DYNAMIC = (
    "A dynamic_size tf.TensorArray carried through tf.while_loop inside tf.function needs "
    "a static maximum_iterations in tfcompat: XLA preallocates the array, so it must know "
    "how many elements the loop can add. Pass maximum_iterations=N to tf.while_loop, or "
    "create the TensorArray with a fixed size."
)


def _is_traced(x: Any) -> bool:
    if isinstance(x, Tensor):
        x = x._array()
    return isinstance(x, jax.core.Tracer)


def _index(index: Any) -> int | Tensor:
    """A Python int for a concrete index, the int32 scalar Tensor for a traced one."""
    if isinstance(index, Tensor):
        if _is_traced(index):
            return index
        return int(np.asarray(index._array()))
    return operator.index(index) if not isinstance(index, (np.ndarray, np.generic)) else int(index)


class TensorArray(CompositeTensor):
    """tfcompat implementation of `tf.TensorArray`: a list of tensors of one dtype.

    See the module docstring for the forms it takes and the differences from TF.
    """

    def __init__(
        self,
        dtype: Any,
        size: Any = None,
        dynamic_size: Any = None,
        clear_after_read: Any = None,
        tensor_array_name: Any = None,
        handle: Any = None,
        flow: Any = None,
        infer_shape: bool = True,
        element_shape: Any = None,
        colocate_with_first_write_call: bool = True,
        name: Any = None,
    ) -> None:
        if handle is not None:
            raise ValueError(
                "TensorArray handles are not supported when eager execution is enabled."
            )
        if size is None:
            raise ValueError(
                "Size must be declared for TensorArrays when eager execution is enabled."
            )
        self._dtype = dtypes.as_dtype(dtype).base_dtype
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = as_shape(element_shape)
        self._previously_read: list[int] = []
        n = _index(size)
        if isinstance(n, Tensor):
            raise errors.UnimplementedError(
                None,
                None,
                "tfcompat needs a concrete size for a tf.TensorArray: XLA shapes are static. "
                "Compute the size from static shapes (x.shape[0]) instead of a traced value.",
            )
        self._elems: list[Tensor | None] | None = [None] * n
        self._buffer: Tensor | None = None
        # The tensor `unstack` split (list form): reads at traced indices gather from it.
        self._stacked: Tensor | None = None
        self._probing = False  # a stand-in of `_tfcompat_probe`

    # -- properties --------------------------------------------------------------------
    @property
    def flow(self) -> Tensor:
        """For compatibility; flows are not meaningful when eager is enabled."""
        return constant(0, dtypes.int32)

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def handle(self) -> None:
        return None

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def _type_spec(self) -> TensorArraySpec:
        return TensorArraySpec(
            self._element_shape, self._dtype, self._dynamic_size, self._infer_shape
        )._with_form(self)

    def identity(self) -> TensorArray:
        return self

    def grad(self, source: Any, flow: Any = None, name: Any = None) -> Any:
        raise NotImplementedError(
            "TensorArray.grad is not supported when executing eagerly; eager's gradient "
            "implementation does not use/need this function to compute gradients of "
            "operations that use TensorArrays."
        )

    def _len(self) -> int:
        if self._elems is not None:
            return len(self._elems)
        assert self._buffer is not None
        return self._buffer._shape[0]

    # -- the two forms -------------------------------------------------------------------
    def _zeros(self) -> Tensor:
        if not self._element_shape.is_fully_defined():
            raise ValueError(
                f"Cannot convert a partially known TensorShape {self._element_shape} to a Tensor."
            )
        return array_ops.zeros(self._element_shape.as_list(), self._dtype)

    def _maybe_zero(self, ix: int) -> Tensor:
        assert self._elems is not None
        val = self._elems[ix]
        if val is None:
            val = self._elems[ix] = self._zeros()
        return val

    def _stack_list(self) -> Tensor:
        assert self._elems is not None
        if self._stacked is not None:
            return self._stacked
        if not self._elems:
            if not self._element_shape.is_fully_defined():
                return convert_to_tensor(np.zeros((0,), self._dtype.as_numpy_dtype))
            shape = (0, *self._element_shape.as_list())
            return convert_to_tensor(np.zeros(shape, self._dtype.as_numpy_dtype))
        elems = [self._maybe_zero(ix) for ix in builtins.range(len(self._elems))]
        for i, t in enumerate(elems[1:], 1):
            if t._shape != elems[0]._shape:  # TF stacks with convert_to_tensor: "packed"
                raise kernel_error(
                    "Pack",
                    f"Shapes of all inputs must match: values[0].shape = "
                    f"{shape_str(elems[0]._shape)} != values[{i}].shape = {shape_str(t._shape)}",
                    node=f"Pack_N_{len(elems)}",
                    name="packed",
                )
        return array_ops.stack(elems)

    def _to_buffer(self, capacity: int | None = None) -> None:
        """Switch to the buffer form, with room for `capacity` elements if given."""
        if self._elems is not None:
            if not self._elems and not self._element_shape.is_fully_defined():
                raise ValueError(
                    "tfcompat needs the element_shape of an empty tf.TensorArray to carry it "
                    "through a traced tf.while_loop (XLA preallocates it): pass "
                    "element_shape= to tf.TensorArray."
                )
            buf = self._stack_list()
            self._elems = None
            self._stacked = None
        else:
            assert self._buffer is not None
            buf = self._buffer
        if capacity is not None and capacity > buf._shape[0]:
            pad = [[0, capacity - buf._shape[0]]] + [[0, 0]] * (len(buf._shape) - 1)
            buf = array_ops.pad(buf, pad)
        self._buffer = buf

    def _tfcompat_loop_form(self, static_limit: int | None) -> TensorArray:
        """This array as a `tf.while_loop` variable: the buffer form, grown if dynamic."""
        capacity = None
        if self._dynamic_size and static_limit is not None:
            capacity = self._len() + static_limit
        elif self._dynamic_size and self._elems is not None:
            raise errors.UnimplementedError(None, None, _UNIMPLEMENTED_DYNAMIC)
        self._to_buffer(capacity)
        return self

    def _tfcompat_needs_probe(self) -> bool:
        """Whether a loop must trace its body to learn this (unwritten) array's shape."""
        return self._buffer is None and not self._element_shape.is_fully_defined()

    def _tfcompat_probe(self) -> TensorArray:
        """A stand-in that only records the shapes written to it (while a body is traced)."""
        if not self._tfcompat_needs_probe():
            return self
        ta = TensorArray(
            self._dtype, 0, True, False, infer_shape=True, element_shape=self._element_shape
        )
        ta._probing = True
        return ta

    def _tfcompat_learn_shape(self, probe: TensorArray) -> None:
        if self._infer_shape:
            self._element_shape = self._element_shape.merge_with(probe._element_shape)

    def _tfcompat_closure_tensors(self) -> list[Tensor]:
        """The tensors this array reads from (a traced loop body substitutes them)."""
        if self._buffer is not None:
            return [self._buffer]
        if self._stacked is not None:
            return [self._stacked]
        return [t for t in self._elems or () if t is not None]

    # -- reading -----------------------------------------------------------------------
    def read(self, index: Any, name: Any = None) -> Tensor:
        """tfcompat implementation of `tf.TensorArray.read`."""
        i = _index(index)
        if isinstance(i, Tensor) or self._buffer is not None:
            return self._read_traced(i)
        assert self._elems is not None
        if i < 0:
            raise errors.OutOfRangeError(
                None, None, f"Reading from negative indices (index {i}) is not allowed."
            )
        if i >= len(self._elems):
            raise errors.OutOfRangeError(
                None, None, f"Tried to read from index {i} but array size is: {len(self._elems)} "
            )
        tensor = self._elems[i]
        if tensor is None:
            if i in self._previously_read:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Could not read index {i} twice because it was cleared after a previous "
                    "read (perhaps try setting clear_after_read = false?)",
                )
            tensor = self._maybe_zero(i)
        if self._clear_after_read:
            self._elems[i] = None
            self._previously_read.append(i)
        return tensor

    def _read_traced(self, i: int | Tensor) -> Tensor:
        buf = self._buffer if self._buffer is not None else self._stack_list()
        if isinstance(i, int) and not 0 <= i < buf._shape[0]:
            raise errors.OutOfRangeError(
                None, None, f"Tried to read from index {i} but array size is: {buf._shape[0]} "
            )
        return array_ops.gather(buf, i)

    def stack(self, name: Any = None) -> Tensor:
        """tfcompat implementation of `tf.TensorArray.stack`."""
        if self._buffer is not None:
            return self._buffer
        return self._stack_list()

    def gather(self, indices: Any, name: Any = None) -> Tensor:
        """tfcompat implementation of `tf.TensorArray.gather`."""
        idx = convert_to_tensor(indices)
        if self._buffer is not None or _is_traced(idx):
            return array_ops.gather(self.stack(), idx)
        assert self._elems is not None
        ixs = np.asarray(idx._array()).reshape(-1)
        for ix in ixs:
            if not 0 <= ix < len(self._elems):
                raise errors.OutOfRangeError(
                    None,
                    None,
                    f"Tried to read from index {ix} but array size is: {len(self._elems)} ",
                )
        return array_ops.stack([self._maybe_zero(int(ix)) for ix in ixs])

    def concat(self, name: Any = None) -> Tensor:
        """tfcompat implementation of `tf.TensorArray.concat`."""
        if self._buffer is not None:
            b = self._buffer
            if len(b._shape) < 2:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    "Concat saw a scalar shape at index 0 but requires at least vectors.",
                )
            return array_ops.reshape(b, [b._shape[0] * b._shape[1], *b._shape[2:]])
        assert self._elems is not None
        elems = [self._maybe_zero(ix) for ix in builtins.range(len(self._elems))]
        for idx, t in enumerate(elems):
            if not t._shape:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Concat saw a scalar shape at index {idx} but requires at least vectors.",
                )
        return array_ops.concat(elems, 0, name="concat" if name is None else name)

    def size(self, name: Any = None) -> Tensor:
        """tfcompat implementation of `tf.TensorArray.size`."""
        return constant(self._len(), dtypes.int32)

    # -- writing -----------------------------------------------------------------------
    def _check_value(self, value: Any) -> Tensor:
        if not isinstance(value, Tensor):
            value = convert_to_tensor(value, dtype_hint=self._dtype)
        if self._dtype is not value.dtype:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                f"{value.dtype.name} ",
            )
        if not self._element_shape.is_compatible_with(value.shape):
            raise ValueError(
                f"Incompatible shape for value ({value.shape}), expected ({self._element_shape})"
            )
        if self._infer_shape:
            self._element_shape = self._element_shape.merge_with(value.shape)
        return value

    def _write(self, index: Any, value: Any) -> None:
        i = _index(index)
        if not isinstance(i, Tensor) and i < 0:
            raise errors.OutOfRangeError(
                None, None, f"Writing to negative indices (index {i}) is not allowed."
            )
        size = self._len()
        if not isinstance(i, Tensor) and i >= size and not self._dynamic_size:
            raise errors.OutOfRangeError(
                None,
                None,
                f"Tried to write to index {i} but array is not resizeable and size is: {size} ",
            )
        value = self._check_value(value)
        if self._probing:
            return
        if isinstance(i, Tensor) and self._elems is not None:
            self._to_buffer()
        if self._buffer is not None:
            if not isinstance(i, Tensor) and i >= size:
                self._to_buffer(i + 1)
            ix = array_ops.reshape(math_ops.cast(i, dtypes.int32), [1, 1])
            update = array_ops.expand_dims(value, 0)
            self._buffer = array_ops.tensor_scatter_nd_update(self._buffer, ix, update)
            return
        assert self._elems is not None and isinstance(i, int)
        if i >= size:
            self._elems.extend(None for _ in builtins.range(i - size + 1))
        self._stacked = None
        self._elems[i] = value

    def write(self, index: Any, value: Any, name: Any = None) -> TensorArray:
        """tfcompat implementation of `tf.TensorArray.write`."""
        self._write(index, value)
        return self

    def unstack(self, value: Any, name: Any = None) -> TensorArray:
        """tfcompat implementation of `tf.TensorArray.unstack`."""
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        if not value._shape:
            raise ValueError(f"Cannot unstack a scalar: {value!r}")
        n = value._shape[0]
        if n > self._len() and not self._dynamic_size:
            raise ValueError(
                f"Cannot unstack {n} tensors into a TensorArray of static size {self._len()} "
            )
        if self._dtype is not value.dtype:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"TensorArray dtype is {self._dtype.name} but Op is trying to write dtype "
                f"{value.dtype.name} ",
            )
        elem = TensorShape(value._shape[1:])
        if not self._element_shape.is_compatible_with(elem):
            raise ValueError(
                f"Incompatible shape for value ({elem}), expected ({self._element_shape})"
            )
        if self._infer_shape:
            self._element_shape = self._element_shape.merge_with(elem)
        if self._buffer is not None:
            self._buffer = value
            return self
        self._elems = list(array_ops.unstack(value)) if n else []
        self._stacked = value
        return self

    def scatter(self, indices: Any, value: Any, name: Any = None) -> TensorArray:
        """tfcompat implementation of `tf.TensorArray.scatter`."""
        idx = convert_to_tensor(indices)
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        if self._buffer is not None or _is_traced(idx):
            for k in builtins.range(idx._shape[0]):
                self._write(idx[k], value[k])  # type: ignore[index]
            return self
        ixs = np.asarray(idx._array()).reshape(-1)
        for ix, val in zip(ixs, array_ops.unstack(value), strict=False):
            self._write(int(ix), val)
        return self

    def split(self, value: Any, lengths: Any, name: Any = None) -> TensorArray:
        """tfcompat implementation of `tf.TensorArray.split`."""
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        lengths_t = convert_to_tensor(lengths)
        if len(lengths_t._shape) != 1:
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Expected lengths to be a vector, received shape: {list(lengths_t._shape)} ",
            )
        if not value._shape:
            raise errors.InvalidArgumentError(
                None,
                None,
                "Expected value to be at least a vector, but received shape: "
                f"{list(value._shape)} ",
            )
        lens = [int(x) for x in np.asarray(lengths_t._array()).reshape(-1)]
        if sum(lens) != value._shape[0]:
            raise errors.InvalidArgumentError(
                None,
                None,
                "Expected sum of lengths to be equal to values.shape[0], but sum of lengths is "
                f"{sum(lens)} and value's shape is: {list(value._shape)} ",
            )
        if not self._dynamic_size and len(lens) != self._len():
            raise errors.InvalidArgumentError(
                None,
                None,
                f"TensorArray's size is not equal to the size of lengths ({self._len()} vs. "
                f"{len(lens)}), and the TensorArray is not marked as dynamically resizeable.",
            )
        parts = array_ops.split(value, lens) if lens else []
        self._elems = list(parts)
        self._buffer = None
        self._stacked = None
        return self

    def close(self, name: Any = None) -> None:
        """tfcompat implementation of `tf.TensorArray.close`."""
        if self._elems is not None:
            del self._elems[:]
        else:
            self._elems = []
            self._buffer = None
        self._stacked = None

    def __tf_tracing_type__(self, context: Any) -> TensorArraySpec:
        return self._type_spec


TensorArray.__module__ = "tensorflow.python.ops.tensor_array_ops"


class TensorArraySpec(TypeSpec):
    """tfcompat implementation of `tf.TensorArraySpec`."""

    __slots__ = ("_dtype", "_dynamic_size", "_element_shape", "_infer_shape", "_size")

    def __init__(
        self,
        element_shape: Any = None,
        dtype: Any = dtypes.float32,
        dynamic_size: bool = False,
        infer_shape: bool = True,
    ) -> None:
        self._element_shape = as_shape(element_shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = dynamic_size
        self._infer_shape = infer_shape
        self._size: int | None = None

    def _with_form(self, ta: TensorArray) -> TensorArraySpec:
        """The spec of `ta`, knowing its length (tfcompat's arrays have static lengths)."""
        self._size = ta._len()
        return self

    @property
    def value_type(self) -> type:
        return TensorArray

    def _serialize(self) -> tuple[Any, ...]:
        return (self._element_shape, self._dtype, self._dynamic_size, self._infer_shape)

    def __hash__(self) -> int:
        dims = None if self._element_shape.rank is None else tuple(self._element_shape.as_list())
        return hash(("TensorArraySpec", dims, self._dtype, self._dynamic_size, self._infer_shape))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorArraySpec) and self._serialize() == other._serialize()

    @property
    def _component_specs(self) -> list[Any]:
        return [None]

    def _to_components(self, value: Any) -> list[Any]:
        if not isinstance(value, TensorArray):
            raise TypeError(f"Expected value to be a TensorArray, but got: `{type(value)}`")
        return [value.stack()]

    def _from_components(self, components: list[Any]) -> TensorArray:
        (buf,) = components
        ta = TensorArray(
            self._dtype,
            size=0,
            dynamic_size=self._dynamic_size,
            infer_shape=self._infer_shape,
            element_shape=self._element_shape,
        )
        ta._elems = None
        if isinstance(buf, Tensor):
            ta._buffer = buf
        else:  # a raw array (jax.tree_util)
            ta._buffer = _wrap(buf, self._dtype)
        return ta

    def is_compatible_with(self, other: Any) -> bool:
        if not isinstance(other, TypeSpec):
            other = getattr(other, "_type_spec", None)
        return (
            isinstance(other, TensorArraySpec)
            and self._dtype.is_compatible_with(other._dtype)
            and self._element_shape.is_compatible_with(other._element_shape)
            and self._dynamic_size == other._dynamic_size
        )

    def is_subtype_of(self, other: Any) -> bool:
        return (
            isinstance(other, TensorArraySpec)
            and self._dtype == other._dtype
            and self._dynamic_size == other._dynamic_size
        )

    @staticmethod
    def from_value(value: Any) -> TensorArraySpec:
        if not isinstance(value, TensorArray):
            raise TypeError(f"Expected value to be a TensorArray, but got: `{type(value)}`")
        return TensorArraySpec(
            dtype=value.dtype,
            element_shape=value.element_shape,
            dynamic_size=value.dynamic_size,
            infer_shape=value._infer_shape,
        )


TensorArraySpec.__module__ = "tensorflow.python.ops.tensor_array_ops"


def _wrap(value: Any, dtype: dtypes.DType) -> Tensor:
    from tfcompat._core.tensor import EagerTensor

    return EagerTensor(value, tuple(value.shape), dtype)


register_pytree(TensorArray)

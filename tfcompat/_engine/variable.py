"""`tf.Variable`: a Python handle that owns an array.

A read while a tape records creates a leaf tensor of the recorded graph; `assign*`
replaces the stored array (later reads are new leaves), and gradients never flow
through an assignment, as in TF.
"""

from __future__ import annotations

import enum
import itertools
import weakref
from typing import Any

import numpy as np

from tfcompat import _device
from tfcompat._core import dtypes, errors, name_scope
from tfcompat._core import types as core_types
from tfcompat._core.tensor import EagerTensor, Reference, Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._engine import dispatch, pending, values
from tfcompat._engine.convert import constant, convert_to_tensor
from tfcompat._ops import kernels
from tfcompat._tracking import Trackable

__all__ = ["ResourceVariable", "Variable", "VariableAggregation", "VariableSynchronization"]

_UIDS = itertools.count()


class VariableSynchronization(enum.Enum):
    """tfcompat implementation of `tf.VariableSynchronization`."""

    AUTO = 0
    NONE = 1
    ON_WRITE = 2
    ON_READ = 3


class VariableAggregation(enum.Enum):
    """tfcompat implementation of `tf.VariableAggregation`."""

    NONE = 0
    SUM = 1
    MEAN = 2
    ONLY_FIRST_REPLICA = 3


class _Handle:
    """The storage a Variable and its `assign*` aliases share."""

    __slots__ = ("__weakref__", "_value", "dtype", "owner", "pending", "shape", "uid", "variable")

    def __init__(self, value: Any, shape: tuple[int, ...], dtype: dtypes.DType) -> None:
        self._value = value
        # A pending tensor holding the value after a lazy update (see pending.assign_lazy);
        # reading `value` computes every pending variable value in one program.
        self.pending: Tensor | None = None
        # The thread that made `pending` (its reads flush it with its other updates).
        self.owner = 0
        self.shape = shape
        self.dtype = dtype
        self.uid = next(_UIDS)
        # A weak reference to the Variable that made this storage (None for internal ones).
        self.variable: Any = None

    @property
    def value(self) -> Any:
        if self.pending is not None:
            values.flush_variables(self)
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value
        self.pending = None

    def set_pending(self, tensor: Tensor) -> None:
        self._value = None
        self.pending = tensor

    def current(self) -> Tensor:
        """The value as a Tensor without forcing a pending update (for chained updates)."""
        if self.pending is not None:
            return self.pending
        return EagerTensor(self._value, self.shape, self.dtype)


class Variable(Trackable, core_types.Tensor):
    """tfcompat implementation of `tf.Variable`.

    `tf.Variable(...)` returns a `ResourceVariable`, as in TF.
    """

    _tfcompat_is_tensor_like = True
    __array_priority__ = 100

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Variable:
            cls = ResourceVariable
        return object.__new__(cls)

    def __init__(
        self,
        initial_value: Any = None,
        trainable: Any = None,
        validate_shape: bool = True,
        caching_device: Any = None,
        name: Any = None,
        variable_def: Any = None,
        dtype: Any = None,
        import_scope: Any = None,
        constraint: Any = None,
        synchronization: VariableSynchronization = VariableSynchronization.AUTO,
        aggregation: VariableAggregation = VariableAggregation.NONE,
        shape: Any = None,
        experimental_enable_variable_lifting: bool = True,
    ) -> None:
        if initial_value is None:
            raise ValueError(
                "The `initial_value` arg to `tf.Variable` must be specified except when you are "
                "not providing a `variable_def`. You provided neither."
            )
        if callable(initial_value):
            initial_value = initial_value()
        if isinstance(initial_value, (Tensor, Variable)):
            try:
                t = convert_to_tensor(initial_value, dtype=dtype)
            except ValueError as e:  # TF names the argument for a Tensor of another dtype
                prefix = "initial_value: " if isinstance(initial_value, Tensor) else ""
                raise ValueError(f"{prefix}{e}") from None
        else:
            t = constant(initial_value, dtype=dtype)
        value = _device.place(t._array())
        if shape is not None:
            static = TensorShape(shape)
            if not static.is_compatible_with(t._shape):
                given = static.as_list() if static.rank is not None else None
                raise ValueError(
                    "In this `tf.Variable` creation, the initial value's shape "
                    f"({TensorShape(t._shape)}) is not compatible with the explicitly supplied "
                    f"`shape` argument ({given})."
                )
        else:
            static = TensorShape(t._shape)
        self._handle = _Handle(value, t._shape, t.dtype)
        self._handle.variable = weakref.ref(self)
        self._static_shape = static
        if trainable is None:  # TF: ON_READ variables default to non-trainable
            trainable = synchronization != VariableSynchronization.ON_READ
        self._trainable = trainable
        prefix = name_scope.current_prefix()
        base = "Variable" if name is None else str(name)
        if base.endswith("/"):  # TF: a name ending in "/" is a full name, without scope
            prefix, base = "", base[:-1]
        self._name = f"{prefix}{base}:0"
        self._constraint = constraint
        self._synchronization = synchronization
        self._aggregation = aggregation
        _device.variable_created(self)

    # -- reading --------------------------------------------------------------------
    @property
    def _shape(self) -> tuple[int, ...]:
        return self._handle.shape

    @property
    def _dtype(self) -> dtypes.DType:
        return self._handle.dtype

    def _origin(self) -> Variable:
        """The variable itself (an `assign*` alias answers its parent)."""
        return self

    def _watch_on_recording_tapes(self) -> tuple[Any, ...]:
        """Register this access with recording tapes; return the tapes that watch it."""
        tapes: tuple[Any, ...] = ()
        for tape in dispatch.state.recording:
            if tape.accessed(self._origin()):
                tapes += (tape,)
        return tapes

    def _tfcompat_read(self) -> Tensor:
        h = self._handle
        recording = dispatch.state.recording
        if recording:
            # Recording records hear of the access before the value is read: a
            # tf.function trace swaps a traced value into the handle here.
            if len(recording) == 1 and type(self) is ResourceVariable:  # (the common case)
                tape = recording[0]
                tapes = (tape,) if tape.accessed(self) else ()
            else:
                tapes = self._watch_on_recording_tapes()
            t = EagerTensor(h.value, h.shape, h.dtype)
            if tapes:
                t._tapes = tapes
                t._var = h
            return t
        return EagerTensor(h.value, h.shape, h.dtype)

    def value(self) -> Tensor:
        return self._tfcompat_read()

    def read_value(self) -> Tensor:
        return self._tfcompat_read()

    def numpy(self) -> Any:
        return self._tfcompat_read().numpy()

    def __jax_array__(self) -> Any:
        """The value as a `jax.Array`, for `jnp.asarray(v)` (a read of the variable)."""
        return self.value().__jax_array__()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self.numpy())
        return arr if dtype is None else arr.astype(dtype)

    # -- properties -----------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> dtypes.DType:
        return self._handle.dtype

    @property
    def shape(self) -> TensorShape:
        return self._static_shape

    def get_shape(self) -> TensorShape:
        return self._static_shape

    @property
    def trainable(self) -> Any:
        return self._trainable

    @property
    def device(self) -> str:
        return _device.device_of(self._handle._value)

    @property
    def constraint(self) -> Any:
        return self._constraint

    @property
    def synchronization(self) -> VariableSynchronization:
        return self._synchronization

    @property
    def aggregation(self) -> VariableAggregation:
        return self._aggregation

    @property
    def initial_value(self) -> Any:
        raise RuntimeError("This property is not supported when eager execution is enabled.")

    @property
    def handle(self) -> _Handle:
        """The variable's storage (TF: its resource handle); gradient tapes accept it."""
        return self._handle

    @property
    def _unique_id(self) -> str:
        """A process-unique id of the storage (TF's `_unique_id`, a key for optimizers)."""
        return str(self._handle.uid)

    @property
    def _shared_name(self) -> str:
        """The name without its output index (`dense/kernel` for `dense/kernel:0`)."""
        return self._name[: self._name.index(":")] if ":" in self._name else self._name

    def _serialize_to_tensors(self) -> dict[str, Any]:
        """What a checkpoint saves: the value, under TF's attribute name."""
        return {"VARIABLE_VALUE": self._tfcompat_read()}

    def _restore_from_tensors(self, restored_tensors: dict[str, Any]) -> Any:
        return self.assign(restored_tensors["VARIABLE_VALUE"])

    def ref(self) -> Reference:
        return Reference(self)

    def experimental_ref(self) -> Reference:
        return Reference(self)

    # -- assignment -----------------------------------------------------------------
    def _convert_for_assign(self, value: Any) -> Tensor:
        return convert_to_tensor(value, dtype=self.dtype)

    def _before_write(self) -> None:
        # Before the handle changes, so that a tf.function trace can lift it first.
        if dispatch.state.recording:
            self._watch_on_recording_tapes()

    def _after_write(self, read_value: bool) -> Any:
        return _UnreadVariable(self) if read_value else None

    def assign(
        self, value: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ) -> Any:
        self._before_write()
        t = self._convert_for_assign(value)
        if not self._static_shape.is_compatible_with(t._shape):
            raise ValueError(  # TF's text: a space before the name, none after "mismatch."
                f"Cannot assign value to variable ' {self._name}': Shape mismatch.The variable "
                f"shape {self._static_shape}, and the assigned value shape {TensorShape(t._shape)} "
                "are incompatible."
            )
        pending.assign_lazy(self._handle, t)
        self._handle.shape = t._shape
        return self._after_write(read_value)

    def _update(self, value: Any, op: str, read_value: bool) -> Any:
        self._before_write()
        h = self._handle
        t = self._convert_for_assign(value)
        kernels.check(op, h.dtype, "dtype")  # no bool kernel, as TF
        if t._shape != h.shape:
            raise errors.kernel_error(
                op,
                f"Cannot update variable with shape {_kernel_shape(self._handle.shape)} using a "
                f"Tensor with shape {_kernel_shape(t._shape)}, shapes must be equal.",
            )
        new = dispatch.execute("AddV2" if op == "AssignAddVariableOp" else "Sub", (h.current(), t))
        pending.assign_lazy(h, new)
        return self._after_write(read_value)

    def assign_add(
        self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ) -> Any:
        return self._update(delta, "AssignAddVariableOp", read_value)

    def assign_sub(
        self, delta: Any, use_locking: Any = None, name: Any = None, read_value: bool = True
    ) -> Any:
        return self._update(delta, "AssignSubVariableOp", read_value)

    def _scatter_nd(self, op: str, indices: Any, updates: Any) -> Any:
        self._before_write()
        idx = convert_to_tensor(indices)
        upd = self._convert_for_assign(updates)
        h = self._handle
        pending.assign_lazy(h, dispatch.execute(op, (h.current(), idx, upd)))
        return self._after_write(True)

    def scatter_nd_update(self, indices: Any, updates: Any, name: Any = None) -> Any:
        """Sets `updates` at `indices` (like `tf.tensor_scatter_nd_update`), in place."""
        return self._scatter_nd("TensorScatterUpdate", indices, updates)

    def scatter_nd_add(self, indices: Any, updates: Any, name: Any = None) -> Any:
        """Adds `updates` at `indices` (like `tf.tensor_scatter_nd_add`), in place."""
        return self._scatter_nd("TensorScatterAdd", indices, updates)

    def scatter_nd_sub(self, indices: Any, updates: Any, name: Any = None) -> Any:
        """Subtracts `updates` at `indices` (like `tf.tensor_scatter_nd_sub`), in place."""
        return self._scatter_nd("TensorScatterSub", indices, updates)

    # -- Python protocols -----------------------------------
    def __repr__(self) -> str:
        text = self._tfcompat_read()._numpy_text(True)
        shape, dtype = self._static_shape, self.dtype.name
        return f"<tf.Variable '{self._name}' shape={shape} dtype={dtype}, numpy={text}>"

    __str__ = __repr__

    def __hash__(self) -> int:
        raise TypeError(
            f"Variable is unhashable. Instead, use variable.ref() as the key. (Variable: {self!r})"
        )

    def __bool__(self) -> bool:
        return bool(self._tfcompat_read())

    def __float__(self) -> float:
        return float(self._tfcompat_read())

    def __int__(self) -> int:
        return int(self._tfcompat_read())

    def __complex__(self) -> complex:
        return complex(self._tfcompat_read())

    def __iter__(self) -> Any:
        return iter(self._tfcompat_read())

    def __copy__(self) -> Variable:
        return self

    def __deepcopy__(self, memo: Any) -> Variable:
        v = Variable(np.array(self.numpy()), trainable=self._trainable, dtype=self.dtype)
        v._name = self._name
        return v

    # In-place operators raise, as TF 2.21 (its messages, including the `*` typo for -=).
    def __iadd__(self, other: Any) -> Any:
        raise RuntimeError(_INPLACE.format("variable", "+", "variable.assign_add(value)", "+"))

    def __isub__(self, other: Any) -> Any:
        raise RuntimeError(_INPLACE.format("variable", "-", "variable.assign_sub(value)", "*"))

    def __imul__(self, other: Any) -> Any:
        raise RuntimeError(_INPLACE.format("var", "*", "var.assign(var * value)", "*"))

    def __itruediv__(self, other: Any) -> Any:
        raise RuntimeError(_INPLACE.format("var", "/", "var.assign(var / value)", "/"))

    __idiv__ = __itruediv__

    def __ipow__(self, other: Any) -> Any:
        raise RuntimeError(_INPLACE.format("var", "**", "var.assign(var ** value)", "**"))


_INPLACE = (
    "`{0} {1}= value` with `tf.Variable`s is not supported. Use `{2}` to modify the "
    "variable, or `out = {0} {3} value` if you need to get a new output Tensor."
)


Variable.__module__ = "tfcompat"


class BaseResourceVariable(Variable):
    """TF's base of resource variables (kept so the MRO reads as TF's)."""


class ResourceVariable(BaseResourceVariable):
    """The concrete class of `tf.Variable(...)` objects, as in TF."""


BaseResourceVariable.__module__ = "tfcompat"
ResourceVariable.__module__ = "tfcompat"


class _UnreadVariable(ResourceVariable):
    """The live alias returned by `assign*`: it shares the variable's storage."""

    def __init__(self, parent: Variable) -> None:
        self._handle = parent._handle
        self._static_shape = parent._static_shape
        self._trainable = True  # as TF: the alias does not inherit `trainable`
        self._name = "UnreadVariable"
        self._constraint = parent._constraint
        self._synchronization = parent._synchronization
        self._aggregation = parent._aggregation
        self._parent = parent

    def _origin(self) -> Variable:
        return self._parent._origin()

    def _watch_on_recording_tapes(self) -> tuple[Any, ...]:
        # As TF: accessing a variable through an `assign*` alias does not watch it; the
        # access is recorded only where the storage is already watched.
        return tuple(tape for tape in dispatch.state.recording if tape.watches(self))


def _kernel_shape(shape: tuple[int, ...]) -> str:
    """A shape as TF kernels print it: `[1,2]`."""
    return "[" + ",".join(str(d) for d in shape) + "]"

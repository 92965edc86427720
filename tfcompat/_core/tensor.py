"""`tf.Tensor`: a concrete value or a pending node of a recorded graph.

A Tensor is *concrete* when it holds an array (`jax.Array` or a host `numpy.ndarray`)
and *pending* when it holds a graph `Node` whose value has not been computed yet (see
docs/design.md). Shape and dtype are always known. Reading the value
of a pending tensor (`numpy()`, `repr`, `bool()` ...) materializes it through the
engine's compiled-function cache.

Operators (`+`, `@`, indexing ...) are attached by `tfcompat._api.operators`, the same
way TensorFlow attaches them to its Tensor class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import jax
import numpy as np

from tfcompat import _device
from tfcompat._core import dtypes
from tfcompat._core import types as core_types
from tfcompat._core.dtypes import DType
from tfcompat._core.hooks import HOOKS
from tfcompat._core.tensor_shape import TensorShape, as_shape

__all__ = ["EagerTensor", "Node", "Reference", "Tensor", "is_tensor"]

# Called with a tensor whose array is handed to JAX (`__jax_array__`); the tape layer
# registers the check that warns when a recording tape follows the tensor.
jax_export_hooks: list[Callable[[Tensor], None]] = []


class Node:
    """One recorded raw-op application: `op(*inputs, **attrs)`.

    `key` is the interned id of (op, attrs, input shapes/dtypes) from the engine's
    abstract-evaluation cache; it stands for all of them in graph signatures.
    `tapes` is the tuple of tape records that recorded this node.
    """

    __slots__ = ("__weakref__", "attrs", "depth", "inputs", "key", "nout", "op", "outs", "tapes")

    def __init__(
        self,
        op: Any,
        attrs: tuple[tuple[str, Any], ...],
        inputs: tuple[Tensor, ...],
        key: int,
        nout: int,
        tapes: tuple[Any, ...],
        depth: int = 0,
    ) -> None:
        self.op = op
        self.attrs = attrs
        self.inputs = inputs
        self.key = key
        self.nout = nout
        self.tapes = tapes
        # Length of the chain of untaped lazy nodes ending here (bounds lazy graphs).
        self.depth = depth
        # Weak references to the tensors that receive this node's outputs when it runs
        # (multi-output nodes only); None otherwise.
        self.outs: tuple[Any, ...] | None = None


class Tensor(core_types.Tensor):
    """tfcompat implementation of `tf.Tensor` (an eager tensor).

    Differences from TensorFlow:
      String tensors hold a NumPy object array of bytes and are computed on the host
      (docs/strings_io_image.md).
    """

    __slots__ = (
        "__dict__",  # attributes that libraries set on tensors (Keras's `_keras_mask`)
        "__weakref__",
        "_alias",
        "_dtype",
        "_index",
        "_node",
        "_shape",
        "_tapes",
        "_value",
        "_var",
    )

    __array_priority__ = 100

    # `_value`: the array, or None while pending.
    # `_node`, `_index`: the producing node and output index (None for leaves).
    # `_tapes`: tape records that watch this tensor (tuple, usually empty or one).
    # `_var`: the handle of the Variable this tensor is a read of, if any.

    def __init__(
        self,
        value: Any,
        shape: tuple[int, ...],
        dtype: DType,
        node: Node | None = None,
        index: int = 0,
        tapes: tuple[Any, ...] = (),
    ) -> None:
        self._value = value
        self._node = node
        self._index = index
        self._shape = shape
        self._dtype = dtype
        self._tapes = tapes
        self._var: Any = None
        # (node, index): another pending node that also computes this value (a gradient
        # op computes its targets); materializing through it avoids recomputation.
        self._alias: tuple[Node, int] | None = None

    # -- value ----------------------------------------------------------------------
    def _array(self) -> Any:
        """The value as an array (materializing a pending tensor)."""
        value = self._value
        if value is None:
            materialize = HOOKS.materialize
            assert materialize is not None
            value = materialize(self)
        return value

    def numpy(self) -> Any:
        """The value as a NumPy array, or a NumPy scalar for a 0-d tensor."""
        if self._dtype is dtypes.string:
            return self._value if self._shape else self._value[()]
        value = self._array()
        if isinstance(value, jax.core.Tracer):  # inside tf.function, as TF's graph tensors
            raise AttributeError("'SymbolicTensor' object has no attribute 'numpy'")
        arr = np.array(value)
        return arr[()] if arr.ndim == 0 else arr

    # -- static properties ----------------------------------------------------------
    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._shape)

    def get_shape(self) -> TensorShape:
        return TensorShape(self._shape)

    def set_shape(self, shape: Any) -> None:
        """Checks `shape` is compatible with this eager tensor's shape (TF's message)."""
        dims = as_shape(shape)._dims
        if dims is None:
            return
        if len(dims) != len(self._shape) or any(
            d is not None and d != s for d, s in zip(dims, self._shape, strict=True)
        ):
            raise ValueError(
                f"Tensor's shape {self.shape} is not compatible with supplied shape "
                f"{as_shape(shape)}."
            )

    @property
    def dtype(self) -> DType:
        return self._dtype

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def device(self) -> str:
        return _device.device_of(self._value)

    @property
    def backing_device(self) -> str:
        return _device.device_of(self._value)

    @property
    def name(self) -> str:
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    @property
    def op(self) -> Any:
        raise AttributeError("Tensor.op is undefined when eager execution is enabled.")

    @property
    def graph(self) -> Any:
        raise AttributeError("Tensor.graph is undefined when eager execution is enabled.")

    def ref(self) -> Reference:
        return Reference(self)

    def experimental_ref(self) -> Reference:
        return Reference(self)

    # -- printing -------------------------------------------------------------------
    def _numpy_text(self, is_repr: bool) -> str:
        if self._dtype is dtypes.string:
            value = self._value if self._shape else self._value[()]
            text = repr(value) if is_repr else str(value)
        else:
            arr = np.asarray(self._array())
            if is_repr:
                text = repr(arr.item()) if arr.ndim == 0 else repr(arr)
            else:
                text = str(arr[()] if arr.ndim == 0 else arr)
        return "\n" + text if "\n" in text else text

    def _graph_name(self) -> str | None:
        """While a tf.function is traced: the tensor's name as TF's graph names it."""
        if self._dtype is dtypes.string or not isinstance(self._array(), jax.core.Tracer):
            return None
        name = HOOKS.graph_name
        return name(self) if name is not None else "Tensor:0"

    def __repr__(self) -> str:
        shape, dtype = TensorShape(self._shape), self._dtype.name
        name = self._graph_name()
        if name is not None:  # a symbolic tensor, as TF's graph tensors print
            return f"<tf.Tensor '{name}' shape={shape} dtype={dtype}>"
        return f"<tf.Tensor: shape={shape}, dtype={dtype}, numpy={self._numpy_text(True)}>"

    def __str__(self) -> str:
        shape, dtype = TensorShape(self._shape), self._dtype.name
        name = self._graph_name()
        if name is not None:
            return f'Tensor("{name}", shape={shape}, dtype={dtype})'
        return f"tf.Tensor({self._numpy_text(False)}, shape={shape}, dtype={dtype})"

    def __format__(self, format_spec: str) -> str:
        # As TF: the NumPy value's format, so f"{t}" is "2.5" and f"{t:.3f}" is "2.500";
        # a symbolic tensor formats as its str.
        if self._graph_name() is not None:
            return format(str(self), format_spec)
        return format(self.numpy(), format_spec)

    # -- Python protocols --------------------------------------
    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __bool__(self) -> bool:
        x = np.asarray(self._array())
        return bool(x.size > 0 and x) if x.ndim else bool(x)

    def __float__(self) -> float:
        return float(self._scalar())

    def __int__(self) -> int:
        return int(self._scalar())

    def __complex__(self) -> complex:
        return complex(self._scalar())

    def __index__(self) -> int:
        # TF delegates to the NumPy value: integer scalars only, NumPy's errors otherwise.
        return self.numpy().__index__()  # type: ignore[no-any-return,unused-ignore]

    def _scalar(self) -> Any:
        if self._shape:
            raise TypeError("only 0-dimensional arrays can be converted to Python scalars")
        return np.asarray(self._array())[()]

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("Scalar tensor has no `len()`")
        return self._shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if not self._shape:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (self[i] for i in range(self._shape[0]))  # type: ignore[index]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        arr = np.asarray(self.numpy())
        return arr if dtype is None else arr.astype(dtype)

    def __jax_array__(self) -> Any:
        """The value as a `jax.Array`, for `jnp.asarray(t)` (no copy)."""
        for hook in jax_export_hooks:
            hook(self)
        return self._array()

    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo: Any) -> Tensor:
        return self

    def __setitem__(self, key: Any, value: Any) -> None:
        raise AttributeError(
            f"'{type(self).__module__}.{type(self).__name__}' object has no attribute '__setitem__'"
        )

    def __getattr__(self, name: str) -> Any:
        # Only reached for missing attributes (and when a property raises AttributeError).
        if name in _GRAPH_ONLY:
            raise AttributeError(f"Tensor.{name} is undefined when eager execution is enabled.")
        if name in _NUMPY_METHODS:
            raise AttributeError(_NUMPY_HINT.format(type(self).__name__, name))
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __round__(self, ndigits: Any = None) -> Any:
        # TF 2.21 routes round() to its NumPy-style `around`, which calls `.astype`.
        raise AttributeError(_NUMPY_HINT.format(type(self).__name__, "astype"))

    def __reduce__(self) -> Any:
        assert HOOKS.rebuild is not None
        return HOOKS.rebuild, (self.numpy(),)

    # -- graph-only members, as TF eager ------------------------------------------------
    @property
    def value_index(self) -> Any:
        raise AttributeError("Tensor.value_index is undefined when eager execution is enabled.")

    def consumers(self) -> Any:
        raise NotImplementedError("Tensor.consumers is undefined when eager execution is enabled.")

    def eval(self, feed_dict: Any = None, session: Any = None) -> Any:
        raise NotImplementedError(
            "eval is not supported when eager execution is enabled, "
            "is .numpy() what you're looking for?"
        )


_GRAPH_ONLY = frozenset(("name", "op", "graph", "value_index"))
# TF's `Tensor.__getattr__` message for NumPy methods (whitespace included).
_NUMPY_METHODS = frozenset(
    ("T", "astype", "ravel", "transpose", "reshape", "clip", "size", "tolist", "data")
)
_NUMPY_HINT = (
    "{} object has no attribute '{}'. \n"
    "        If you are looking for numpy-related methods, please run the following:\n"
    "        tf.experimental.numpy.experimental_enable_numpy_behavior()\n"
    "      "
)


class EagerTensor(Tensor):
    """The concrete class of every tfcompat tensor, as `type(t)` is `EagerTensor` in TF."""

    __slots__ = ()


# TF's module paths: libraries recognise TF tensors by class name and module.
EagerTensor.__module__ = "tensorflow.python.framework.ops"
Tensor.__module__ = "tensorflow.python.framework.tensor"


class Reference:
    """tfcompat implementation of the object returned by `Tensor.ref()`/`Variable.ref()`."""

    __slots__ = ("_wrapped",)

    def __init__(self, wrapped: Any) -> None:
        self._wrapped = wrapped

    def deref(self) -> Any:
        return self._wrapped

    def __hash__(self) -> int:
        return id(self._wrapped)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._wrapped is self._wrapped

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._wrapped!r}>"


def is_tensor(x: Any) -> bool:
    """tfcompat implementation of `tf.is_tensor`: True for Tensors, Variables, IndexedSlices."""
    return isinstance(x, Tensor) or getattr(x, "_tfcompat_is_tensor_like", False)


_DEVICE: list[str] = []


def _device_name() -> str:
    if not _DEVICE:
        kind = jax.default_backend()
        name = {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}.get(
            kind, kind.upper()
        )
        _DEVICE.append(f"/job:localhost/replica:0/task:0/device:{name}:0")
    return _DEVICE[0]

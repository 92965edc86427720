"""Converting Python and NumPy values to Tensors with TF's dtype inference.

Python float -> float32, int -> int32 (int64 when it does not fit), bool -> bool,
complex -> complex128, str/bytes -> string; NumPy values keep their dtype (float64
stays float64). See TF_SEMANTICS.md 7.4.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from tfcompat._core import dtypes
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Tensor

__all__ = ["convert_to_tensor", "constant", "from_array", "convert_with_hint"]

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _unsupported(value: Any) -> ValueError:
    return ValueError(f"Attempt to convert a value ({value!r}) with an unsupported type ({type(value)}) to a Tensor.")


def _cannot_convert(value: Any, dtype: DType) -> TypeError:
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype._tf_type_name}")


def from_array(arr: Any, dtype: DType | None = None) -> EagerTensor:
    """A concrete tensor wrapping `arr` (a jax.Array or numpy array) without conversion."""
    if dtype is None:
        dtype = dtypes.from_numpy(np.dtype(arr.dtype))
    return EagerTensor(arr, tuple(arr.shape), dtype)


def _infer_python(value: Any) -> np.ndarray:
    """Infer TF's dtype for a Python scalar or (nested) sequence; returns a host array."""
    if isinstance(value, bool):
        return np.asarray(value, np.bool_)
    if isinstance(value, int):
        if _INT32_MIN <= value <= _INT32_MAX:
            return np.asarray(value, np.int32)
        if _INT64_MIN <= value <= _INT64_MAX:
            return np.asarray(value, np.int64)
        raise ValueError("Can't convert Python sequence with out-of-range integer to Tensor.")
    if isinstance(value, float):
        return np.asarray(value, np.float32)
    if isinstance(value, complex):
        return np.asarray(value, np.complex128)
    if isinstance(value, (str, bytes)):
        return np.asarray(value.encode() if isinstance(value, str) else value, dtype=object)
    if isinstance(value, (list, tuple)):
        return _infer_sequence(value)
    raise _unsupported(value)


def _flat_kinds(value: Any, kinds: set[str], out: list[Any]) -> None:
    for v in value:
        if isinstance(v, (list, tuple)):
            _flat_kinds(v, kinds, out)
        elif isinstance(v, Tensor):
            kinds.add("T:" + v.dtype.name)
        elif isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, int):
            kinds.add("int")
            out.append(v)
        elif isinstance(v, float):
            kinds.add("float")
        elif isinstance(v, complex):
            kinds.add("complex")
        elif isinstance(v, (str, bytes)):
            kinds.add("str")
        elif isinstance(v, np.generic) or (isinstance(v, np.ndarray)):
            kinds.add("np:" + np.asarray(v).dtype.name)
        elif v is None:
            raise _unsupported(v)
        else:
            kinds.add("other")


def _infer_sequence(value: Any) -> np.ndarray:
    kinds: set[str] = set()
    ints: list[int] = []
    _flat_kinds(value, kinds, ints)
    tensor_kinds = {k[2:] for k in kinds if k.startswith("T:")}
    np_kinds = {k[3:] for k in kinds if k.startswith("np:")}
    if tensor_kinds or "other" in kinds:
        value = _unpack_tensors(value)
    try:
        arr = np.array(value)
    except ValueError:
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
    if arr.dtype == object and "str" not in kinds:
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.")
    if "str" in kinds:
        return np.vectorize(lambda s: s.encode() if isinstance(s, str) else s, otypes=[object])(arr)
    if tensor_kinds:
        (name,) = tensor_kinds if len(tensor_kinds) == 1 else (None,)
        if name is not None and not (kinds - {"T:" + name} - {"float", "int", "bool"}):
            return arr.astype(dtypes.as_dtype(name).as_numpy_dtype)
    if np_kinds and not (kinds - {"np:" + k for k in np_kinds}):
        return arr
    if "complex" in kinds:
        return arr.astype(np.complex128)
    if "float" in kinds or any(k.startswith("float") for k in np_kinds):
        return arr.astype(np.float32)
    if "int" in kinds:
        if ints and (min(ints) < _INT32_MIN or max(ints) > _INT32_MAX):
            if min(ints) < _INT64_MIN or max(ints) > _INT64_MAX:
                raise ValueError("Can't convert Python sequence with out-of-range integer to Tensor.")
            return arr.astype(np.int64)
        return arr.astype(np.int32)
    if arr.dtype == np.float64 and arr.size == 0:
        return arr.astype(np.float32)
    return arr


def _unpack_tensors(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_unpack_tensors(v) for v in value]
    if isinstance(value, Tensor) or hasattr(value, "_tfcompat_read"):
        return np.asarray(value)
    return value


def _to_host(value: Any, dtype: DType | None) -> np.ndarray:
    """Convert a non-Tensor value to a host array of `dtype` (or TF's inferred dtype)."""
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind in "US":
            arr = arr.astype(object)
            arr = np.vectorize(lambda s: s.encode() if isinstance(s, str) else s, otypes=[object])(arr)
        if dtype is None:
            return arr
        if dtype is dtypes.string:
            if arr.dtype != object:
                raise _cannot_convert(value, dtype)
            return arr
        if arr.dtype == object:
            raise _cannot_convert(value, dtype)
        return arr.astype(dtype.as_numpy_dtype)
    if value is None:
        raise _unsupported(value)
    if isinstance(value, jax.Array):
        arr = np.asarray(value)
        return arr if dtype is None else arr.astype(dtype.as_numpy_dtype)
    if dtype is None:
        return _infer_python(value)
    inferred = _infer_python(value)
    return _cast_python(value, inferred, dtype)


def _cast_python(value: Any, inferred: np.ndarray, dtype: DType) -> np.ndarray:
    """Cast an inferred Python value to `dtype`, rejecting lossy conversions as TF does."""
    kind = inferred.dtype.kind
    if dtype is dtypes.string:
        if inferred.dtype != object:
            raise _cannot_convert(value, dtype)
        return inferred
    if inferred.dtype == object:
        raise _cannot_convert(value, dtype)
    if dtype.is_bool and kind != "b":
        raise _cannot_convert(value, dtype)
    if dtype.is_integer:
        if kind in "fc":
            if kind == "c" or not np.all(np.equal(np.mod(inferred, 1), 0)):
                raise _cannot_convert(value, dtype)
        if kind in "iu":
            info = np.iinfo(dtype.as_numpy_dtype)
            if inferred.size and (inferred.min() < info.min or inferred.max() > info.max):
                raise _cannot_convert(value, dtype)
    if dtype.is_floating and kind == "c":
        raise _cannot_convert(value, dtype)
    return inferred.astype(dtype.as_numpy_dtype)


def _wrap_host(arr: np.ndarray, dtype: DType | None = None) -> EagerTensor:
    d = dtype if dtype is not None else dtypes.from_numpy(arr.dtype)
    if d is dtypes.string:
        return EagerTensor(arr, tuple(arr.shape), d)
    # Values go to the device once, so compiled programs never re-transfer them per call.
    # Concrete even while a tf.function or gradient is traced (device_put would give a
    # tracer there): constants are cached and must not leak tracers.
    with jax.ensure_compile_time_eval():
        value = jax.device_put(arr)
    return EagerTensor(value, tuple(arr.shape), d)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.convert_to_tensor`."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        if dtype is not None and value._dtype is not dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype {value._dtype.name}: {value!r}")
        return value
    read = getattr(value, "_tfcompat_read", None)
    if read is not None:  # Variable
        t = read()
        if dtype is not None and t._dtype is not dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype {t._dtype.name}: {t!r}")
        return t
    dense = getattr(value, "_tfcompat_dense", None)
    if dense is not None:  # IndexedSlices
        return convert_to_tensor(dense(), dtype=dtype)
    if dtype is None and dtype_hint is not None:
        return convert_with_hint(value, dtypes.as_dtype(dtype_hint))
    vt = type(value)
    if vt is int or (vt is float and value == value and value != 0.0):
        # Hot path: a Python scalar converted to a known dtype (`0.1 * g`, `v.assign_sub(1)`).
        key = (vt, value, dtype, "exact")
        hit = _SCALARS.get(key)
        if hit is None:
            t = _wrap_host(_to_host(value, dtype), dtype)
            if len(_SCALARS) < 4096:
                _SCALARS[key] = (t._value, t._dtype)
            return t
        return EagerTensor(hit[0], (), hit[1])
    return _wrap_host(_to_host(value, dtype), dtype)


def convert_with_hint(value: Any, hint: DType) -> Tensor:
    """Convert `value` preferring dtype `hint`, falling back to inference (TF's dtype_hint).

    Python ints wrap around on overflow as in TF (`tf.constant(1) + 2**40` is 1).
    """
    if isinstance(value, Tensor):
        return value
    vt = type(value)
    if vt is int or (vt is float and value == value and value != 0.0):
        # Hot path: Python scalars in expressions (`x**2`, `0.5 * y`). Their host arrays
        # are cached; each use still gets its own Tensor (a runtime leaf, not a constant).
        key = (vt, value, hint)
        hit = _SCALARS.get(key)
        if hit is None:
            t = _convert_with_hint(value, hint)
            if len(_SCALARS) < 4096:
                _SCALARS[key] = (t._value, t._dtype)
            return t
        return EagerTensor(hit[0], (), hit[1])
    return _convert_with_hint(value, hint)


# (type, value, dtype[, "exact"]) -> (device array, DType) of converted Python scalars.
# NaN and signed zeros are never cached (NaN keys never match; -0.0 == 0.0 would).
_SCALARS: dict[tuple[Any, ...], tuple[Any, DType]] = {}


def _convert_with_hint(value: Any, hint: DType) -> Tensor:
    if hasattr(value, "_tfcompat_read") or hasattr(value, "_tfcompat_dense"):
        return convert_to_tensor(value)
    if isinstance(value, (np.ndarray, np.generic)):
        arr = np.asarray(value)
        if arr.dtype.kind in "biufc" and hint is not dtypes.string:
            if hint.is_bool and arr.dtype.kind != "b":
                return _wrap_host(arr)
            if hint.is_integer and arr.dtype.kind in "fc":
                return _wrap_host(arr)
            return _wrap_host(arr.astype(hint.as_numpy_dtype), hint)
        return _wrap_host(_to_host(value, None))
    inferred = _infer_python(value)
    if hint is not dtypes.string and inferred.dtype.kind in "iu" and hint.is_integer:
        return _wrap_host(inferred.astype(np.int64).astype(hint.as_numpy_dtype), hint)
    try:
        return _wrap_host(_cast_python(value, inferred, hint), hint)
    except TypeError:
        if inferred.dtype == object:  # strings never fall back
            raise
        return _wrap_host(inferred)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """tfcompat implementation of `tf.constant`."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor) or hasattr(value, "_tfcompat_read"):
        t = convert_to_tensor(value)
        if dtype is not None and t.dtype is not dtype:
            raise TypeError(f"Expected tensor {t.numpy()!r} with dtype {dtype!r}, but got dtype {t.dtype!r}.")
        arr = np.asarray(t._array()) if t._dtype is not dtypes.string else t._value
    else:
        arr = _to_host(value, dtype)
    if shape is not None:
        from tfcompat._core.tensor_shape import TensorShape  # noqa: PLC0415

        target = tuple(TensorShape(shape).as_list())
        n = int(np.prod(target)) if target else 1
        if arr.size == n:
            arr = arr.reshape(target)
        elif arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), target).copy()
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor {arr!r} (converted from {value!r}) has {arr.size} elements, but got `shape` {TensorShape(shape)} with {n} elements).")
    return _wrap_host(arr, dtype)

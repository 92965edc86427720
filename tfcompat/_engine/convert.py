"""Converting Python and NumPy values to Tensors with TF's dtype inference.

Python float -> float32, int -> int32 (int64 when it does not fit), bool -> bool,
complex -> complex128, str/bytes -> string; NumPy values keep their dtype (float64
stays float64). See docs/core.md.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import jax
import numpy as np

from tfcompat._core import dtypes, errors, hooks
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._engine import dispatch
from tfcompat._ops.registry import OPS

__all__ = ["constant", "convert_to_tensor", "convert_with_hint", "from_array"]

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


_UNSUPPORTED = "Attempt to convert a value ({!r}) with an unsupported type ({}) to a Tensor."


def _unsupported(value: Any) -> ValueError:
    return ValueError(_UNSUPPORTED.format(value, type(value)))


def _cannot_convert(value: Any, dtype: DType) -> TypeError:
    return TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype._tf_type_name}")


def from_array(arr: Any, dtype: DType | None = None) -> EagerTensor:
    """A concrete tensor wrapping `arr` (a jax.Array or numpy array) without conversion."""
    if dtype is None:
        dtype = dtypes.from_numpy(np.dtype(arr.dtype))
    return EagerTensor(arr, tuple(arr.shape), dtype)


# -- Python values: TF's inference and conversion (py_seq_tensor.cc) ---------------------
#
# TF infers a sequence's dtype from its *first* leaf (str -> string, float -> float32,
# bool -> bool, int -> int32/int64, complex -> complex128, a NumPy scalar -> its own
# floating dtype) and then converts every leaf to it; a leaf that does not fit raises
# "mixed types" (an int sequence that meets a float becomes float32). With a requested
# dtype, TF converts leaf by leaf for the dtypes it handles natively and otherwise infers,
# checks that the inferred kind may become the requested dtype, and casts.

_F32_MAX = float(np.finfo(np.float32).max)
_MIXED = "Can't convert Python sequence with mixed types to Tensor."
_RAGGED = "Can't convert non-rectangular Python sequence to Tensor."
_INT_RANGE = "Can't convert Python sequence with out-of-range integer to Tensor."
_FLOAT_RANGE = (
    "Can't convert Python sequence with a value out of range for a double-precision float."
)
# Requested dtypes converted leaf by leaf (ints wrap modulo 2**bits, floats never range-check).
_NATIVE = frozenset(("int32", "int64", "uint64", "float16", "float32", "float64", "complex128"))
_NATIVE_INT_RANGE = {
    "int32": (-(2**31), 2**31),
    "int64": (-(2**63), 2**63),
    "uint64": (-(2**63), 2**64),
}
# Which requested dtype kinds an inferred kind may be cast to (non-native dtypes).
_COMPATIBLE = {"i": "iufc", "f": "fc", "b": "b", "c": "c", "s": "s"}


def _flatten(value: Any) -> tuple[list[Any], tuple[int, ...], bool]:
    """Leaves and shape of a nested Python sequence, checked as TF checks them.

    TF takes the shape from the first element at each depth; when it has a zero
    dimension the value is empty and nothing else is looked at (`[[], [1]]` has shape
    (2, 0) in TF). Otherwise a sequence of another length is "non-rectangular" and a
    sequence where a scalar is expected is "mixed types". TF converts while it walks, so
    the caller converts the leaves met before a ragged spot (a bad leaf there is reported
    first) and then raises for `ragged`.
    """
    shape: list[int] = []
    first = value
    while _is_sequence(first):
        shape.append(len(first))
        if not shape[-1]:
            return [], tuple(shape), False
        first = first[0]
    leaves: list[Any] = []

    def walk(v: Any, depth: int) -> None:
        if depth == len(shape):
            # 0-d arrays are scalars; a sequence here is "mixed types" (as a bad leaf).
            leaves.append(_NESTED if _is_sequence(v) else v[()] if isinstance(v, np.ndarray) else v)
            return
        if not _is_sequence(v) or len(v) != shape[depth]:
            raise _Ragged
        for item in v:
            walk(item, depth + 1)

    try:
        walk(value, 0)
    except _Ragged:
        return leaves, tuple(shape), True
    return leaves, tuple(shape), False


class _Ragged(Exception):
    """Internal: the walk met a sequence of the wrong length."""


_NESTED = object()  # stands for a sequence found where TF expects a scalar


def _is_sequence(value: Any) -> bool:
    return isinstance(value, (list, tuple, range)) or (
        isinstance(value, np.ndarray) and value.ndim > 0
    )


def _leaf_kind(leaf: Any) -> str:
    """'b', 'i', 'f', 'c', 's', 'n' (NumPy floating scalar) or '' (unsupported)."""
    if isinstance(leaf, (bool, np.bool_)):
        return "b"
    if isinstance(leaf, (int, np.integer)):
        return "i"
    if isinstance(leaf, np.floating):  # before `float`: np.float64 subclasses float
        return "n"
    if isinstance(leaf, float):
        return "f"
    if isinstance(leaf, (complex, np.complexfloating)):
        return "c"
    if isinstance(leaf, (str, bytes, np.str_, np.bytes_)):
        return "s"
    return ""


def _infer_leaves(leaves: list[Any], wide: bool) -> np.ndarray:
    """Convert leaves with TF's inferred dtype (float32/int32 defaults, or wide: f64/i64)."""
    if not leaves:
        return np.zeros((0,), np.float32)
    first = _leaf_kind(leaves[0])
    if not first:
        raise _unsupported(leaves[0])
    kinds = [_leaf_kind(leaf) for leaf in leaves]
    if first == "s":
        if any(k != "s" for k in kinds):
            raise ValueError(_MIXED)
        return np.array([_encode(s) for s in leaves], dtype=object)
    if first == "b":
        if any(k != "b" for k in kinds):
            raise ValueError(_MIXED)
        return np.array(leaves, dtype=np.bool_)
    if first == "i":
        for leaf, k in zip(leaves, kinds, strict=True):
            if k == "i" and not _INT64_MIN <= int(leaf) <= _INT64_MAX:
                raise ValueError(_INT_RANGE)
            if k in ("f", "n"):
                first = "f"  # an int sequence that meets a float converts as float
                break
            if k not in ("i", "b"):
                raise ValueError(_MIXED)
        else:
            ints = [int(leaf) for leaf in leaves]
            small = not wide and all(_INT32_MIN <= i <= _INT32_MAX for i in ints)
            return np.array(ints, dtype=np.int32 if small else np.int64)
    # The float (or complex) converter, leaf by leaf in order, as TF's.
    allowed = ("b", "i", "f", "n", "c") if first == "c" else ("b", "i", "f", "n")
    check_range = first == "f" and not wide
    for leaf, k in zip(leaves, kinds, strict=True):
        if k not in allowed:
            raise ValueError(_MIXED)
        if check_range and _F32_MAX < abs(float(leaf)) < float("inf"):
            raise ValueError(_FLOAT_RANGE)
    if first == "c":
        return np.array([complex(v) for v in leaves], dtype=np.complex128)
    if first == "n":
        with np.errstate(over="ignore"):
            return np.array([float(v) for v in leaves]).astype(np.asarray(leaves[0]).dtype)
    return np.array([float(v) for v in leaves], dtype=np.float64 if wide else np.float32)


def _encode(s: Any) -> bytes:
    return s.encode() if isinstance(s, str) else bytes(s)


def _convert_leaves(value: Any, leaves: list[Any], dtype: DType) -> np.ndarray:
    """Convert leaves to a requested dtype, TF's way.

    As TF's `PySeqToTFE_TensorHandle`: a dtype TF converts natively is tried leaf by leaf;
    if that fails (or the dtype is not native), the leaves are converted with their own
    inferred dtype (wide: float64/int64), which must then be castable to the requested
    one (TF's `IsCompatible`), else `TypeError`. Errors of the inferred conversion
    ("mixed types", out-of-range integers) are the ones raised.
    """
    npd = dtype.as_numpy_dtype
    if dtype.name in _NATIVE:
        arr = _convert_native(leaves, dtype)
        if arr is not None:
            return arr
    inferred = _infer_leaves(leaves, wide=True)
    kind = "s" if inferred.dtype == object else inferred.dtype.kind
    if dtype._kind not in _COMPATIBLE[kind]:
        raise _cannot_convert(value, dtype)
    if kind == "s":
        return inferred
    with np.errstate(over="ignore", invalid="ignore"):
        return inferred.astype(npd)


def _convert_native(leaves: list[Any], dtype: DType) -> np.ndarray | None:
    """TF's converter for a natively handled dtype, or None where it fails (TF then
    falls back to the inferred dtype; out-of-range values end up cast either way)."""
    want = dtype._kind
    allowed = {"i": "ib", "u": "ib", "f": "ibfn", "c": "ibfnc"}[want]
    if any(not kind or kind not in allowed for kind in map(_leaf_kind, leaves)):
        return None
    npd = dtype.as_numpy_dtype
    if want in "iu":
        # TF's int converters reject values outside the dtype (TF then converts with the
        # inferred int64 and casts, which wraps). Negative uint64 is a TF SystemError: wrap.
        ints = [int(leaf) for leaf in leaves]
        low, high = _NATIVE_INT_RANGE[dtype.name]
        if any(not low <= i < high for i in ints):
            return None
        return np.array([i % 2**64 for i in ints], dtype=np.uint64).astype(npd)
    if want == "f":
        wide = np.array([float(v) for v in leaves], dtype=np.float64)
        with np.errstate(over="ignore"):
            out = wide.astype(npd)
        # TF's float converters reject a finite Python float that overflows the dtype.
        floats = np.array([_leaf_kind(leaf) in ("f", "n") for leaf in leaves])
        if np.any(floats & np.isfinite(wide) & ~np.isfinite(out.astype(np.float64))):
            return None
        return out
    return np.array([complex(v) for v in leaves], dtype=npd)


def _python_to_host(value: Any, dtype: DType | None) -> np.ndarray:
    """A Python scalar or nested sequence as a host array, with TF's dtype rules."""
    leaves, shape, ragged = _flatten(value)
    if not leaves and not ragged:
        return np.zeros(shape, np.float32 if dtype is None else dtype.as_numpy_dtype)
    if ragged:
        # TF's walk reports a bad leaf met before the ragged spot; a dtype that does not
        # fit would only be found after the walk.
        # (A native conversion fails on the ragged spot too, so TF's fallback walk decides.)
        with contextlib.suppress(TypeError):
            _infer_leaves(leaves, wide=dtype is not None)
        raise ValueError(_RAGGED)
    if dtype is None:
        return _infer_leaves(leaves, wide=False).reshape(shape)
    return _convert_leaves(value, leaves, dtype).reshape(shape)


def _numpy_to_host(value: Any, dtype: DType | None) -> np.ndarray:
    """A NumPy array or scalar: keeps its dtype, or is cast (C cast, as TF) to `dtype`."""
    arr = np.asarray(value)
    if arr.dtype.kind in "USO":
        if dtype is not None and dtype is not dtypes.string:
            raise _cannot_convert(value, dtype)
        if arr.dtype.kind == "O":
            return _python_to_host(arr.tolist(), dtype)
        return np.vectorize(_encode, otypes=[object])(arr) if arr.size else arr.astype(object)
    if dtype is None:
        dtypes.from_numpy(arr.dtype)  # rejects dtypes TF lacks
        return arr
    if dtype is dtypes.string:
        kind = {"f": "float", "i": "int", "u": "int", "b": "bool", "c": "complex"}.get(
            arr.dtype.kind, arr.dtype.name
        )
        raise ValueError(
            f"Failed to convert a NumPy array to a Tensor (Unsupported object type {kind})."
        )
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return arr.astype(dtype.as_numpy_dtype)


def _contains_tensor(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return isinstance(value, Tensor) or hasattr(value, "_tfcompat_read")


def _pack(value: Any, dtype: DType | None) -> Tensor:
    """`convert_to_tensor` of a (nested) list holding Tensors: TF packs it (`tf.stack`).

    The dtype is the first tensor's; Python values convert strictly to it, NumPy values
    are cast, and tensors of another dtype fail as TF's Pack kernel.
    """
    target = dtype
    if target is None:
        stack = [value]
        while stack and target is None:
            v = stack.pop(0)
            if isinstance(v, (list, tuple)):
                stack[:0] = list(v)
            elif isinstance(v, Tensor) or hasattr(v, "_tfcompat_read"):
                target = v.dtype
    assert target is not None

    def build(v: Any) -> Tensor:
        if isinstance(v, (list, tuple)):
            parts = [build(x) for x in v]
            for i, p in enumerate(parts[1:], 1):
                if p._dtype is not parts[0]._dtype:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"cannot compute Pack as input #{i}(zero-based) was expected to be a "
                        f"{parts[0]._dtype._tf_type_name} tensor but is a "
                        f"{p._dtype._tf_type_name} tensor [Op:Pack] name: packed",
                    )
                if p._shape != parts[0]._shape:
                    raise ValueError(_RAGGED)
            op = OPS.get("Pack")
            if op is not None and parts:
                return dispatch.execute_op(op, tuple(parts), (("axis", 0),))
            arrs = [np.asarray(p._array()) for p in parts]
            return _wrap_host(
                np.stack(arrs) if arrs else np.zeros((0,), target.as_numpy_dtype), target
            )
        if isinstance(v, Tensor):
            return v
        if hasattr(v, "_tfcompat_read"):
            return v._tfcompat_read()
        if isinstance(v, (np.ndarray, np.generic)):
            return _wrap_host(_numpy_to_host(v, target), target)
        return _wrap_host(_python_to_host(v, target), target)

    return build(value)


def _to_host(value: Any, dtype: DType | None) -> np.ndarray:
    """Convert a non-Tensor value to a host array of `dtype` (or TF's inferred dtype)."""
    if isinstance(value, (np.ndarray, np.generic)):
        return _numpy_to_host(value, dtype)
    if value is None:
        raise _unsupported(value)
    if isinstance(value, jax.Array):
        return _numpy_to_host(np.asarray(value), dtype)
    if isinstance(value, (bool, int, float, complex, str, bytes)) or _is_sequence(value):
        return _python_to_host(value, dtype)
    raise _unsupported(value)


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


def scalar_to_tensor(value: float | int, dtype: DType) -> Tensor:
    """`convert_to_tensor(value, dtype=dtype)` for a Python float or int, cache first.

    The recording hot path (`y * 0.5`): a literal seen before costs one dict lookup.
    """
    hit = _SCALARS.get((type(value), value, dtype, "exact"))
    if hit is not None:
        return EagerTensor(hit[0], (), hit[1])
    return convert_to_tensor(value, dtype=dtype)


def convert_to_tensor(
    value: Any, dtype: Any = None, dtype_hint: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.convert_to_tensor`."""
    if isinstance(value, Tensor) and (dtype is None or dtype is value._dtype):
        return value  # (the common case, before any dtype parsing)
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor):
        if dtype is not None and value._dtype is not dtype:
            raise ValueError(
                f"Tensor conversion requested dtype {dtype.name} for Tensor with dtype "
                f"{value._dtype.name}: {value!r}"
            )
        return value
    read = getattr(value, "_tfcompat_read", None)
    if read is not None:  # Variable
        if dtype is not None and value.dtype is not dtype:
            raise ValueError(
                f"Incompatible type conversion requested to type {dtype.name} for `tf.Variable of "
                f"type {value.dtype.name}. (Variable: {value!r})"
            )
        return read()  # type: ignore[no-any-return,unused-ignore]
    dense = getattr(value, "_tfcompat_dense", None)
    if dense is not None:  # IndexedSlices
        return convert_to_tensor(dense(), dtype=dtype)
    tf_tensor = getattr(type(value), "__tf_tensor__", None)
    if tf_tensor is not None:  # TF's conversion protocol (Keras variables implement it)
        return convert_to_tensor(tf_tensor(value, dtype=dtype, name=name), dtype=dtype)
    if dtype is None and dtype_hint is not None:
        return convert_with_hint(value, dtypes.as_dtype(dtype_hint))
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        return _pack(value, dtype)
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


hooks.register("rebuild", convert_to_tensor)


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
    """TF's `dtype_hint`: convert to `hint`; if that raises TypeError or ValueError, infer."""
    if hasattr(value, "_tfcompat_read") or hasattr(value, "_tfcompat_dense"):
        return convert_to_tensor(value)
    try:
        return convert_to_tensor(value, dtype=hint)
    except (TypeError, ValueError):
        return convert_to_tensor(value)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """tfcompat implementation of `tf.constant`."""
    dtype = dtypes.as_dtype(dtype) if dtype is not None else None
    if isinstance(value, Tensor) and shape is None and dtype in (None, value._dtype):
        return value  # as TF: tf.constant(t) is t
    if isinstance(value, Tensor) or hasattr(value, "_tfcompat_read"):
        t = convert_to_tensor(value)
        if dtype is not None and t.dtype is not dtype:
            raise TypeError(
                f"Expected tensor {t.numpy()} with dtype {dtype!r}, but got dtype {t.dtype!r}."
            )
        arr = np.asarray(t._array()) if t._dtype is not dtypes.string else t._value
    else:
        arr = _to_host(value, dtype)
    if shape is not None:
        target = tuple(int(d) for d in TensorShape(shape).as_list())  # type: ignore[arg-type]
        n = int(np.prod(target)) if target else 1
        if arr.size == n:
            arr = arr.reshape(target)
        elif arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), target).copy()
        else:
            raise TypeError(
                "Eager execution of tf.constant with unsupported shape. "
                f"Tensor {arr} (converted from {value}) has {arr.size} elements, "
                f"but got `shape` {TensorShape(shape)} with {n} elements)."
            )
    return _wrap_host(arr, dtype)

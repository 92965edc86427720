"""`tf.DType` and the dtype constants, with TF's reprs, equality and conversion rules."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np

__all__ = ["DType", "as_dtype"]


class DType:
    """tfcompat implementation of `tf.dtypes.DType`.

    A DType is a singleton per type: `tf.float32 is tf.as_dtype("float32")`.
    """

    __slots__ = ("_name", "_np", "_tf_type_name", "_enum", "_trainable", "_kind")

    def __init__(self, name: str, np_dtype: Any, tf_type_name: str, enum: int) -> None:
        self._name = name
        self._np = np.dtype(np_dtype) if np_dtype is not None else None
        self._tf_type_name = tf_type_name
        self._enum = enum
        self._trainable = False
        # One of "f" (floating), "c" (complex), "i" (signed), "u" (unsigned), "b", "s".
        self._kind = "s" if self._np is None else ("f" if name == "bfloat16" else self._np.kind)

    # -- identity -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def as_numpy_dtype(self) -> Any:
        return self._np.type if self._np is not None else object

    @property
    def as_datatype_enum(self) -> int:
        return self._enum

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def real_dtype(self) -> DType:
        if self is complex64:
            return float32
        if self is complex128:
            return float64
        return self

    # -- classification -------------------------------------------------------------
    @property
    def is_floating(self) -> bool:
        return self._kind == "f"

    @property
    def is_complex(self) -> bool:
        return self._kind == "c"

    @property
    def is_integer(self) -> bool:
        return self._kind in ("i", "u")

    @property
    def is_unsigned(self) -> bool:
        return self._kind == "u"

    @property
    def is_bool(self) -> bool:
        return self is bool_

    @property
    def is_numpy_compatible(self) -> bool:
        return True

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def size(self) -> int:
        return self._np.itemsize if self._np is not None else 1

    @property
    def min(self) -> Any:
        if self.is_floating:
            return ml_dtypes.finfo(self._np).min
        if self.is_integer:
            return np.iinfo(self._np).min
        if self is bool_:
            return False
        raise TypeError(f"Cannot find minimum value of {self}.")

    @property
    def max(self) -> Any:
        if self.is_floating:
            return ml_dtypes.finfo(self._np).max
        if self.is_integer:
            return np.iinfo(self._np).max
        if self is bool_:
            return True
        raise TypeError(f"Cannot find maximum value of {self}.")

    @property
    def limits(self) -> tuple[Any, Any]:
        return self.min, self.max

    def is_compatible_with(self, other: Any) -> bool:
        return self is as_dtype(other)

    # -- protocols ------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        return f"<dtype: '{self._name}'>"

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except TypeError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    # Identity hashing: DTypes are singletons and are hashed on every recorded op (in
    # cache keys), so this stays the C-level default. As in TF, equality with names and
    # NumPy types does not imply equal hashes.
    __hash__ = object.__hash__

    def __reduce__(self) -> Any:
        return as_dtype, (self._name,)


float16 = DType("float16", np.float16, "half", 19)
bfloat16 = DType("bfloat16", ml_dtypes.bfloat16, "bfloat16", 14)
float32 = DType("float32", np.float32, "float", 1)
float64 = DType("float64", np.float64, "double", 2)
int8 = DType("int8", np.int8, "int8", 6)
int16 = DType("int16", np.int16, "int16", 5)
int32 = DType("int32", np.int32, "int32", 3)
int64 = DType("int64", np.int64, "int64", 9)
uint8 = DType("uint8", np.uint8, "uint8", 4)
uint16 = DType("uint16", np.uint16, "uint16", 17)
uint32 = DType("uint32", np.uint32, "uint32", 22)
uint64 = DType("uint64", np.uint64, "uint64", 23)
bool_ = DType("bool", np.bool_, "bool", 10)
complex64 = DType("complex64", np.complex64, "complex64", 8)
complex128 = DType("complex128", np.complex128, "complex128", 18)
string = DType("string", None, "string", 7)

half = float16
double = float64

_FLOATS = (float16, bfloat16, float32, float64)
_INTS = (int8, int16, int32, int64, uint8, uint16, uint32, uint64)
_ALL = (*_FLOATS, *_INTS, bool_, complex64, complex128, string)
for _d in (*_FLOATS, complex64, complex128):
    _d._trainable = True

_BY_NAME: dict[str, DType] = {d.name: d for d in _ALL}
_BY_NAME.update({"half": float16, "double": float64})
_BY_NP: dict[np.dtype, DType] = {d._np: d for d in _ALL if d._np is not None}
_BY_PYTYPE: dict[type, DType] = {float: float32, int: int32, bool: bool_, complex: complex128, str: string, bytes: string}


def as_dtype(type_value: Any) -> DType:
    """tfcompat implementation of `tf.as_dtype`.

    Accepts a `DType`, a name (`"float32"`), a NumPy dtype or scalar type, or a Python
    type (`float` -> `tf.float32`, as TF).
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str):
        d = _BY_NAME.get(type_value)
        if d is not None:
            return d
    elif isinstance(type_value, type) and type_value in _BY_PYTYPE:
        return _BY_PYTYPE[type_value]
    else:
        try:
            npd = np.dtype(type_value)
        except (TypeError, ValueError):
            npd = None
        if npd is not None:
            if npd in _BY_NP:
                return _BY_NP[npd]
            if npd.kind in "USO":
                return string
        jd = getattr(type_value, "dtype", None)
        if jd is not None and not isinstance(type_value, np.ndarray):
            try:
                return as_dtype(jd)
            except TypeError:
                pass
    if isinstance(type_value, type) and issubclass(type_value, np.generic):
        npd = np.dtype(type_value)
        if npd in _BY_NP:
            return _BY_NP[npd]
    raise TypeError(f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType.")


def from_numpy(npd: np.dtype) -> DType:
    """The DType of a NumPy dtype (fast path for array conversion)."""
    d = _BY_NP.get(npd)
    if d is None:
        if npd.kind in "USO":
            return string
        raise TypeError(f"Cannot convert the argument `type_value`: {npd!r} to a TensorFlow DType.")
    return d

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

    __slots__ = ("_enum", "_kind", "_name", "_np", "_tf_type_name", "_trainable")

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
    def is_numeric(self) -> bool:
        return self._kind not in ("b", "s")

    @property
    def size(self) -> int:
        return self._np.itemsize if self._np is not None else 0

    @property
    def min(self) -> Any:
        """The smallest value (a NumPy scalar for floats, an `int` for integers)."""
        return self._limit("min", "minimum")

    @property
    def max(self) -> Any:
        """The largest value (a NumPy scalar for floats, an `int` for integers)."""
        return self._limit("max", "maximum")

    def _limit(self, attr: str, word: str) -> Any:
        if self._kind in ("b", "s", "c"):
            raise TypeError(f"Cannot find {word} value of {self} with type {self}.")
        info = ml_dtypes.finfo(self._np) if self._kind == "f" else ml_dtypes.iinfo(self._np)
        return getattr(info, attr)

    @property
    def limits(self) -> tuple[Any, Any]:
        """TF's image-intensity limits: `(0, max)` of TF's `dtype_range` table."""
        limits = _DTYPE_RANGE.get(self._name)
        if limits is None:
            raise ValueError(f"{self} does not have defined limits.")
        return 0, limits[1]

    def is_compatible_with(self, other: Any) -> bool:
        return self is as_dtype(other)

    def is_subtype_of(self, other: Any) -> bool:
        return self == other

    def most_specific_common_supertype(self, types: Any) -> DType | None:
        return self if all(self == other for other in types) else None

    # -- protocols ------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"tf.{self._name}"

    def __str__(self) -> str:
        return f"<dtype: '{self._name}'>"

    def __eq__(self, other: object) -> bool:
        if other is self:
            return True
        if other is None or type(other) is DType:
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

# TF's `dtype_range` (used only by `DType.limits`).
_DTYPE_RANGE = {
    "bool": (False, True), "uint8": (0, 255), "uint16": (0, 65535), "int8": (-128, 127),
    "int16": (-32768, 32767), "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1),
    "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
    "float32": (-1, 1), "float64": (-1, 1),
}  # fmt: skip

_BY_NP: dict[np.dtype, DType] = {d._np: d for d in _ALL if d._np is not None}
# What TF's `as_dtype` looks up in its `_ANY_TO_TF` table: type names (with TF's
# aliases), DataType enum values, NumPy scalar types and three Python types. Note that
# `int`, `complex` and `str` are *not* accepted (TF raises TypeError), but `float` is.
_ANY: dict[Any, DType] = {d.name: d for d in _ALL}
_ANY.update({"half": float16, "float": float32, "double": float64})
_ANY.update({f"{name}_ref": d for name, d in list(_ANY.items())})
_ANY.update({d._enum: d for d in _ALL})
_ANY.update({float: float32, bool: bool_, object: string})
_BY_NPTYPE: dict[type, DType] = {d._np.type: d for d in _ALL if d._np is not None}
_BY_NPTYPE.update(
    {
        np.object_: string,
        np.bytes_: string,
        np.str_: string,
        np.longlong: int64,
        np.ulonglong: uint64,
    }
)


def as_dtype(type_value: Any) -> DType:
    """tfcompat implementation of `tf.as_dtype`.

    Accepts a `DType`, a name (`"float32"`, `"float"`, `"double"`), a DataType enum value,
    a NumPy dtype or scalar type, an object with a NumPy `dtype` (an array), or the Python
    types `float` (-> `tf.float32`), `bool` and `object` (-> `tf.string`), exactly as TF.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, np.dtype):
        d = _BY_NPTYPE.get(type_value.type)
        if d is not None:
            return d
    try:
        d = _ANY.get(type_value) or _BY_NPTYPE.get(type_value)
    except TypeError:  # unhashable
        d = None
    if d is not None:
        return d
    if hasattr(type_value, "dtype"):
        try:
            d = _BY_NPTYPE.get(np.dtype(type_value.dtype).type)
        except TypeError:
            d = None
        if d is not None:
            return d
    raise TypeError(
        f"Cannot convert the argument `type_value`: {type_value!r} to a TensorFlow DType."
    )


def from_numpy(npd: np.dtype) -> DType:
    """The DType of a NumPy dtype (fast path for array conversion)."""
    d = _BY_NP.get(npd)
    if d is None:
        if npd.kind in "USO":
            return string
        raise TypeError(f"Cannot convert the argument `type_value`: {npd!r} to a TensorFlow DType.")
    return d

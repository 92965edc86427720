"""`tf.io`: files, CSV, raw bytes, serialized tensors and `tf.train.Example` parsing.

All of these run on the host (they read and write files and parse bytes); their results
are ordinary tensors. None is differentiable, as in TF.
"""

from __future__ import annotations

import collections
import csv
from typing import Any

import numpy as np

import tfcompat
from tfcompat._api import protos
from tfcompat._core import dtypes
from tfcompat._core import errors as _errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import as_shape

__all__ = [
    "FixedLenFeature",
    "VarLenFeature",
    "decode_csv",
    "decode_raw",
    "parse_example",
    "parse_single_example",
    "parse_tensor",
    "read_file",
    "serialize_tensor",
    "write_file",
]


def _string_tensor(arr: Any) -> Tensor:
    out = np.asarray(arr, dtype=object)
    return EagerTensor(out, out.shape, dtypes.string)


def _bytes_of(x: Any, op: str) -> np.ndarray:
    """The host value of a string argument (object array of bytes)."""
    t = x if isinstance(x, Tensor) else convert_to_tensor(x, dtype=dtypes.string)
    if t._dtype is not dtypes.string:
        raise _errors.dtype_mismatch(op, 0, dtypes.string, t._dtype)
    return np.asarray(t._value, dtype=object)


def _path(x: Any, op: str) -> str:
    arr = _bytes_of(x, op)
    if arr.ndim:
        raise _errors.kernel_error(
            op, f"Input filename tensor must be scalar, but had shape: [{arr.shape[0]}]"
        )
    return bytes(arr[()]).decode("utf-8", "surrogateescape")


# -- files ----------------------------------------------------------------------------------
def read_file(filename: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.read_file`."""
    path = _path(filename, "ReadFile")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise _errors.kernel_error(
            "ReadFile", f"{path}; No such file or directory", _errors.NotFoundError, name=None
        ) from None
    except IsADirectoryError:
        raise _errors.kernel_error(
            "ReadFile", f"{path}; Is a directory", _errors.FailedPreconditionError, name=None
        ) from None
    return _string_tensor(np.asarray(data, dtype=object))


def write_file(filename: Any, contents: Any, name: Any = None) -> None:
    """tfcompat implementation of `tf.io.write_file` (creates missing parent directories,
    as TF does)."""
    import os

    path = _path(filename, "WriteFile")
    data = _bytes_of(contents, "WriteFile")
    if data.ndim:
        raise _errors.kernel_error(
            "WriteFile", f"Contents tensor must be scalar, but had shape: {list(data.shape)}"
        )
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "wb") as f:
        f.write(bytes(data[()]))


# -- CSV --------------------------------------------------------------------------------------
_CSV_TYPES = (dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string)


def _csv_value(field: str, dtype: DType, col: int, rec: int, op: str) -> Any:
    if dtype is dtypes.string:
        return field.encode()
    try:
        if dtype.is_integer:
            v = int(field.strip())
            info = np.iinfo(dtype.as_numpy_dtype)
            if info.min <= v <= info.max:
                return v
            raise ValueError
        if "_" in field:
            raise ValueError
        return float(field)
    except ValueError:
        kind = {"int32": "int32", "int64": "int64", "float32": "float", "float64": "double"}
        raise _errors.InvalidArgumentError(
            None,
            None,
            _errors._CPU_PREFIX.format(op=op)
            + f"Field {col} in record {rec} is not a valid {kind[dtype.name]}: {field}"
            + " [Op:DecodeCSV]",
        ) from None


def decode_csv(
    records: Any,
    record_defaults: Any,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    select_cols: Any = None,
    name: Any = None,
) -> list[Tensor]:
    """tfcompat implementation of `tf.io.decode_csv` (one output per column)."""
    arr = _bytes_of(records, "DecodeCSV")
    defaults = []
    for d in record_defaults:
        t = d if isinstance(d, Tensor) else convert_to_tensor(d)
        if t._dtype not in _CSV_TYPES:
            raise TypeError(
                f"Value passed to parameter 'record_defaults' has DataType {t._dtype.name} not "
                "in list of allowed values: float32, float64, int32, int64, string"
            )
        value = np.asarray(t._value if t._dtype is dtypes.string else t.numpy()).reshape(-1)
        defaults.append((t._dtype, value[0] if value.size else None))
    op = f"DecodeCSV_OUT_TYPE_{len(defaults)}"
    cols = None if select_cols is None else list(select_cols)
    columns: list[list[Any]] = [[] for _ in defaults]
    for rec, raw in enumerate(arr.reshape(-1)):
        text = bytes(raw).decode("utf-8", "surrogateescape")
        if use_quote_delim:
            fields = next(csv.reader([text], delimiter=field_delim, strict=True), [""])
        else:
            fields = text.split(field_delim)
        if cols is not None:
            fields = [fields[c] if c < len(fields) else "" for c in cols]
        if len(fields) != len(defaults):
            raise _errors.InvalidArgumentError(
                None,
                None,
                _errors._CPU_PREFIX.format(op=op)
                + f"Expect {len(defaults)} fields but have {len(fields)} in record {rec}"
                + " [Op:DecodeCSV]",
            )
        for col, (field, (dtype, default)) in enumerate(zip(fields, defaults, strict=True)):
            if field == "" or field == na_value:
                if default is None:
                    raise _errors.InvalidArgumentError(
                        None,
                        None,
                        _errors._CPU_PREFIX.format(op=op)
                        + f"Field {col} is required but missing in record {rec}!"
                        + " [Op:DecodeCSV]",
                    )
                columns[col].append(default)
            else:
                columns[col].append(_csv_value(field, dtype, col, rec, op))
    out = []
    for (dtype, _), values in zip(defaults, columns, strict=True):
        if dtype is dtypes.string:
            vec = np.empty(len(values), object)
            vec[:] = values
            out.append(_string_tensor(vec.reshape(arr.shape)))
        else:
            out.append(constant(np.asarray(values, dtype.as_numpy_dtype).reshape(arr.shape)))
    return out


# -- raw bytes -------------------------------------------------------------------------------
def decode_raw(
    input_bytes: Any,
    out_type: Any,
    little_endian: bool = True,
    fixed_length: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.io.decode_raw`."""
    dtype = dtypes.as_dtype(out_type)
    if dtype is dtypes.string or dtype is dtypes.bfloat16:
        raise TypeError(
            f"Value passed to parameter 'out_type' has DataType {dtype.name} not in list of "
            "allowed values: float16, bfloat16, float32, float64, int32, uint16, uint8, int16, "
            "int8, int64, complex64, complex128, bool"
        )
    arr = _bytes_of(input_bytes, "DecodeRaw")
    np_dtype = np.dtype(dtype.as_numpy_dtype).newbyteorder("<" if little_endian else ">")
    size = np_dtype.itemsize
    flat = [bytes(s) for s in arr.reshape(-1)]
    op = "DecodePaddedRaw" if fixed_length is not None else "DecodeRaw"
    if fixed_length is not None:
        n = int(fixed_length.numpy() if isinstance(fixed_length, Tensor) else fixed_length)
        if n % size:
            raise _errors.kernel_error(
                op, f"fixed_length ({n}) must be a multiple of the size of out_type ({size})"
            )
        flat = [s[:n].ljust(n, b"\0") for s in flat]
    elif flat:
        first = len(flat[0])
        if first % size:
            raise _errors.kernel_error(
                op,
                f"Input to DecodeRaw has length {first} that is not a multiple of {size}, "
                f"the size of {dtype.name}",
            )
        for i, s in enumerate(flat):
            if len(s) != first:
                raise _errors.kernel_error(
                    op,
                    "DecodeRaw requires input strings to all be the same size, but element "
                    f"{i} has size {first} != {len(s)}",
                )
    width = (len(flat[0]) if flat else 0) // size
    data = np.frombuffer(b"".join(flat), np_dtype).astype(np.dtype(dtype.as_numpy_dtype))
    return constant(data.reshape((*arr.shape, width)), dtype)


# -- serialized tensors ------------------------------------------------------------------------
def serialize_tensor(tensor: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.serialize_tensor` (a `TensorProto`, TF's bytes)."""
    t = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    proto = protos.TensorProto(dtype=t._dtype.as_datatype_enum)
    proto.tensor_shape.SetInParent()
    for d in t._shape:
        proto.tensor_shape.dim.add(size=d)
    if t._dtype is dtypes.string:
        proto.string_val.extend(bytes(s) for s in np.asarray(t._value).reshape(-1))
    else:
        arr = np.asarray(t.numpy())
        proto.tensor_content = (
            np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        )
    return _string_tensor(np.asarray(proto.SerializeToString(), dtype=object))


_VAL_FIELDS = {
    "float32": "float_val",
    "float64": "double_val",
    "int32": "int_val",
    "int16": "int_val",
    "int8": "int_val",
    "uint8": "int_val",
    "uint16": "int_val",
    "int64": "int64_val",
    "uint32": "uint32_val",
    "uint64": "uint64_val",
    "bool": "bool_val",
    "complex64": "scomplex_val",
    "complex128": "dcomplex_val",
    "float16": "half_val",
    "bfloat16": "half_val",
}


def parse_tensor(serialized: Any, out_type: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.parse_tensor`."""
    dtype = dtypes.as_dtype(out_type)
    arr = _bytes_of(serialized, "ParseTensor")
    if arr.ndim:
        raise _errors.kernel_error(
            "ParseTensor", f"Expected `serialized` to be a scalar, got shape: {list(arr.shape)}"
        )
    proto = protos.TensorProto()
    try:
        proto.ParseFromString(bytes(arr[()]))
    except Exception:
        raise _errors.kernel_error(
            "ParseTensor", "Could not parse `serialized` as TensorProto: ''"
        ) from None
    try:
        parsed = dtypes.as_dtype(proto.dtype)
    except TypeError:
        raise _errors.kernel_error(
            "ParseTensor", "Could not parse `serialized` as TensorProto: ''"
        ) from None
    if parsed is not dtype:
        raise _errors.kernel_error(
            "ParseTensor",
            f"Type mismatch between parsed tensor ({parsed._tf_type_name}) and dtype "
            f"({dtype._tf_type_name})",
        )
    shape = tuple(int(d.size) for d in proto.tensor_shape.dim)
    n = int(np.prod(shape, dtype=np.int64))
    if dtype is dtypes.string:
        vals = list(proto.string_val)
        out = np.empty(n, object)
        out[:] = vals if len(vals) == n else (vals[-1:] * n if vals else [b""] * n)
        return _string_tensor(out.reshape(shape))
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    if proto.tensor_content:
        data = np.frombuffer(proto.tensor_content, np_dtype.newbyteorder("<")).astype(np_dtype)
    else:
        raw = np.asarray(list(getattr(proto, _VAL_FIELDS[dtype.name])))
        if dtype.is_complex:
            raw = raw[0::2] + 1j * raw[1::2] if raw.size else raw
        if dtype in (dtypes.float16, dtypes.bfloat16):
            raw = raw.astype(np.uint16).view(np_dtype)
        data = raw.astype(np_dtype)
        if data.size != n:
            data = np.full(n, data[-1] if data.size else 0, np_dtype)
    return constant(data.reshape(shape), dtype)


# -- tf.train.Example parsing ------------------------------------------------------------------
class FixedLenFeature(
    collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])
):
    """tfcompat implementation of `tf.io.FixedLenFeature`."""

    def __new__(cls, shape: Any, dtype: Any, default_value: Any = None) -> FixedLenFeature:
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """tfcompat implementation of `tf.io.VarLenFeature` (parsed as a `tf.sparse.SparseTensor`)."""


_FEATURE_TYPES = {
    dtypes.int64: "int64_list",
    dtypes.float32: "float_list",
    dtypes.string: "bytes_list",
}


class _Errors:
    """TF's ParseExampleV2 messages (a scalar input uses the fast path's shorter texts)."""

    def __init__(self, features: dict[str, Any], single: bool) -> None:
        ns = sum(isinstance(f, VarLenFeature) for f in features.values())
        nd = len(features) - ns
        self.op = (
            f"ParseExampleV2_Tdense_{nd}_num_sparse_{ns}_ragged_split_types_0_"
            f"ragged_value_types_0_sparse_types_{ns}"
        )
        self.single = single

    def __call__(self, message: str) -> _errors.OpError:
        return _errors.InvalidArgumentError(
            None, None, _errors._CPU_PREFIX.format(op=self.op) + message + " [Op:ParseExampleV2]"
        )

    def where(self, key: str, index: int) -> str:
        return f"Key: {key}." if self.single else f"Name: <unknown>, Key: {key}, Index: {index}."

    def missing(self, key: str, dtype: DType) -> _errors.OpError:
        head = "" if self.single else "Name: <unknown>, "
        return self(
            f"{head}Feature: {key} (data type: {dtype._tf_type_name}) is required but could "
            "not be found."
        )

    def size(self, key: str, index: int, dtype: DType, n: int, shape: list[int]) -> _errors.OpError:
        kind = {"int64": "int64", "float32": "float", "string": "bytes"}[dtype.name]
        if self.single:
            return self(
                f"Key: {key}.  Can't parse serialized Example: Some {kind}_list slice was not "
                "parsed."
            )
        return self(
            f"{self.where(key, index)}  Number of {kind} values != expected.  Values size: {n} "
            f"but output shape: {shape}"
        )


def _feature_values(
    example: Any, key: str, dtype: DType, index: int, err: _Errors
) -> list[Any] | None:
    feature = example.features.feature.get(key)
    if feature is None:
        return None
    kind = feature.WhichOneof("kind")
    if kind is None:
        return []
    want = _FEATURE_TYPES[dtype]
    if kind != want:
        names = {"int64_list": "int64", "float_list": "float", "bytes_list": "string"}
        raise err(
            f"{err.where(key, index)}  Data types don't match. "
            f"Data type: {names[kind]} but expected type: {names[want]}"
        )
    return list(getattr(feature, kind).value)


def _check_feature_dtype(dtype: Any) -> DType:
    d = dtypes.as_dtype(dtype)
    if d not in _FEATURE_TYPES:
        raise ValueError(
            f"Unsupported dtype {d.name}: tf.train.Example features are int64, float32 or string."
        )
    return d


def _parse(serialized: np.ndarray, features: dict[str, Any]) -> dict[str, Any]:
    err = _Errors(features, serialized.ndim == 0)
    examples = []
    for i, raw in enumerate(serialized.reshape(-1)):
        ex = protos.Example()
        try:
            ex.ParseFromString(bytes(raw))
        except Exception:
            raise _errors.kernel_error(
                "ParseExampleV2", f"Could not parse example input, value: '{raw!r}'", name=None
            ) from None
        examples.append((i, ex))
    batch = serialized.shape
    out: dict[str, Any] = {}
    for key in sorted(features):
        spec = features[key]
        dtype = _check_feature_dtype(spec.dtype)
        np_dtype = object if dtype is dtypes.string else dtype.as_numpy_dtype
        if isinstance(spec, VarLenFeature):
            indices, values = [], []
            longest = 0
            for i, ex in examples:
                vals = _feature_values(ex, key, dtype, i, err) or []
                longest = max(longest, len(vals))
                for j, v in enumerate(vals):
                    indices.append([i, j] if batch else [j])
                    values.append(v)
            dense_shape = [*([len(examples)] if batch else []), longest]
            out[key] = _sparse(
                np.asarray(indices, np.int64).reshape(-1, len(dense_shape)),
                _values(values, np_dtype, dtype),
                np.asarray(dense_shape, np.int64),
            )
            continue
        if not isinstance(spec, FixedLenFeature):
            raise ValueError(f"Unsupported feature spec for {key!r}: {spec!r}")
        dims = as_shape(spec.shape).as_list()
        if any(d is None for d in dims):
            raise ValueError(
                f"All dimensions of shape for feature {key} need to be known but received {dims}."
            )
        shape = tuple(int(d or 0) for d in dims)
        size = int(np.prod(shape, dtype=np.int64))
        rows = []
        for i, ex in examples:
            found = _feature_values(ex, key, dtype, i, err)
            vals = [] if found is None else found
            if found is None:
                if spec.default_value is None:
                    raise err.missing(key, dtype)
                default = np.asarray(
                    spec.default_value.numpy()
                    if isinstance(spec.default_value, Tensor)
                    else spec.default_value,
                    dtype=np_dtype,
                )
                if dtype is dtypes.string:
                    default = np.vectorize(_to_bytes, otypes=[object])(default)
                vals = list(np.broadcast_to(default, shape).reshape(-1))
            if len(vals) != size:
                raise err.size(key, i, dtype, len(vals), list(shape))
            rows.append(vals)
        data = _values([v for r in rows for v in r], np_dtype, dtype)
        out[key] = _dense(data.reshape((*batch, *shape)), dtype)
    return out


def _to_bytes(s: Any) -> bytes:
    return s.encode() if isinstance(s, str) else bytes(s)


def _values(values: list[Any], np_dtype: Any, dtype: DType) -> np.ndarray:
    if dtype is dtypes.string:
        out = np.empty(len(values), object)
        out[:] = values
        return out
    return np.asarray(values, np_dtype).reshape(-1)


def _dense(arr: np.ndarray, dtype: DType) -> Tensor:
    return _string_tensor(arr) if dtype is dtypes.string else constant(arr, dtype)


def _sparse(indices: np.ndarray, values: np.ndarray, dense_shape: np.ndarray) -> Any:
    sparse = getattr(getattr(tfcompat, "sparse", None), "SparseTensor", None)
    if sparse is None:
        raise NotImplementedError(
            "VarLenFeature parses to a tf.sparse.SparseTensor, and this tfcompat build has no "
            "tf.sparse.SparseTensor yet; use tf.io.FixedLenFeature."
        )
    dtype = dtypes.string if values.dtype == object else None
    vals = _string_tensor(values) if dtype is dtypes.string else constant(values)
    return sparse(constant(indices), vals, constant(dense_shape))


def _check_features(features: Any) -> dict[str, Any]:
    if not features:
        raise ValueError("Missing: features was empty.")
    return dict(features)


def parse_single_example(
    serialized: Any, features: Any, example_names: Any = None, name: Any = None
) -> dict[str, Any]:
    """tfcompat implementation of `tf.io.parse_single_example`."""
    arr = _bytes_of(serialized, "ParseExampleV2")
    if arr.ndim:
        raise ValueError(f"Input serialized must be a scalar; got shape {list(arr.shape)}")
    return _parse(arr, _check_features(features))


def parse_example(
    serialized: Any, features: Any, example_names: Any = None, name: Any = None
) -> dict[str, Any]:
    """tfcompat implementation of `tf.io.parse_example` (a vector of serialized Examples)."""
    arr = _bytes_of(serialized, "ParseExampleV2")
    if arr.ndim > 1:
        raise ValueError(
            f"Input serialized must be a scalar or vector; got shape {list(arr.shape)}"
        )
    return _parse(arr, _check_features(features))

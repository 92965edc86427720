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
    "RaggedFeature",
    "SparseFeature",
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


def _partition(name: str, fields: list[str]) -> type:
    cls = collections.namedtuple(name, fields)  # type: ignore[misc]
    cls.__qualname__ = f"RaggedFeature.{name}"
    return cls


class RaggedFeature(
    collections.namedtuple(
        "RaggedFeature", ["dtype", "value_key", "partitions", "row_splits_dtype", "validate"]
    )
):
    """tfcompat implementation of `tf.io.RaggedFeature` (parsed as a `tf.RaggedTensor`).

    `partitions` (outermost first) are `RaggedFeature.RowSplits`, `RowLengths`,
    `RowStarts`, `RowLimits`, `ValueRowIds` (each naming an int64 feature) or
    `UniformRowLength` (a fixed length).
    """

    RowSplits: Any = _partition("RowSplits", ["key"])
    RowLengths: Any = _partition("RowLengths", ["key"])
    RowStarts: Any = _partition("RowStarts", ["key"])
    RowLimits: Any = _partition("RowLimits", ["key"])
    ValueRowIds: Any = _partition("ValueRowIds", ["key"])
    UniformRowLength: Any = _partition("UniformRowLength", ["length"])

    def __new__(
        cls,
        dtype: Any,
        value_key: Any = None,
        partitions: Any = (),
        row_splits_dtype: Any = dtypes.int32,
        validate: bool = False,
    ) -> RaggedFeature:
        if value_key is not None and (not isinstance(value_key, str) or not value_key):
            raise ValueError(f"Unsupported value_key {value_key!r} in RaggedFeature.")
        dtype = dtypes.as_dtype(dtype)
        if dtype not in (dtypes.int64, dtypes.float32, dtypes.string):
            raise ValueError(
                f"dtype must be int64, float32, or bytes; got {dtype!r} in RaggedFeature."
            )
        row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        if row_splits_dtype not in (dtypes.int32, dtypes.int64):
            raise ValueError(
                f"Unsupported row_splits_dtype {row_splits_dtype!r}; expected int32 or int64."
            )
        kinds = (
            cls.RowSplits,
            cls.RowLengths,
            cls.RowStarts,
            cls.RowLimits,
            cls.ValueRowIds,
            cls.UniformRowLength,
        )
        for p in partitions:
            if not isinstance(p, kinds):
                raise TypeError(f"Unsupported partition type {p!r} in RaggedFeature.")
        return super().__new__(cls, dtype, value_key, tuple(partitions), row_splits_dtype, validate)


class SparseFeature(
    collections.namedtuple(
        "SparseFeature", ["index_key", "value_key", "dtype", "size", "already_sorted"]
    )
):
    """tfcompat implementation of `tf.io.SparseFeature` (parsed as a `tf.sparse.SparseTensor`
    whose indices are read from `index_key` features and values from `value_key`)."""

    def __new__(
        cls, index_key: Any, value_key: Any, dtype: Any, size: Any, already_sorted: bool = False
    ) -> SparseFeature:
        return super().__new__(cls, index_key, value_key, dtype, size, already_sorted)


_FEATURE_TYPES = {
    dtypes.int64: "int64_list",
    dtypes.float32: "float_list",
    dtypes.string: "bytes_list",
}


class _Errors:
    """TF's ParseExampleV2 messages (a scalar input uses the fast path's shorter texts)."""

    def __init__(self, features: dict[str, Any], single: bool) -> None:
        ns = sum(isinstance(f, (VarLenFeature, SparseFeature)) for f in features.values())
        nd = sum(isinstance(f, FixedLenFeature) for f in features.values())
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
        if isinstance(spec, RaggedFeature):
            out[key] = _parse_ragged(key, spec, dtype, examples, bool(batch), err)
            continue
        if isinstance(spec, SparseFeature):
            out[key] = _parse_sparse_feature(spec, dtype, examples, bool(batch), err)
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


def _int_feature(ex: Any, key: str, index: int, err: _Errors) -> np.ndarray:
    return np.asarray(_feature_values(ex, key, dtypes.int64, index, err) or [], np.int64)


def _row_lengths(part: Any, ex: Any, index: int, n: int, err: _Errors) -> np.ndarray:
    """The row lengths that partition `part` gives to `n` items of one example."""
    cls = RaggedFeature
    if isinstance(part, cls.UniformRowLength):
        if part.length <= 0 or n % part.length:
            raise err(
                f"Name: <unknown>, Key: {part}, Index: {index}.  "
                "Number of values must be divisible by the uniform row length."
            )
        return np.full(n // part.length, part.length, np.int64)
    v = _int_feature(ex, part.key, index, err)
    if isinstance(part, cls.RowLengths):
        lengths = v
    elif isinstance(part, cls.RowSplits):
        lengths = np.diff(v) if v.size else np.zeros(0, np.int64)
    elif isinstance(part, cls.RowLimits):
        lengths = np.diff(np.concatenate([[0], v]))
    elif isinstance(part, cls.RowStarts):
        lengths = np.diff(np.concatenate([v, [n]]))
    else:  # ValueRowIds
        lengths = np.bincount(v, minlength=int(v.max()) + 1 if v.size else 0)
    if lengths.sum() != n or np.any(lengths < 0):
        raise err(
            f"Name: <unknown>, Key: {part.key}, Index: {index}.  "
            "Invalid row partition: it does not match the number of values."
        )
    return lengths


def _parse_ragged(
    key: str, spec: RaggedFeature, dtype: DType, examples: list[Any], batch: bool, err: _Errors
) -> Any:
    np_dtype = object if dtype is dtypes.string else dtype.as_numpy_dtype
    value_key = spec.value_key or key
    flat: list[Any] = []
    levels: list[list[np.ndarray]] = [[] for _ in spec.partitions]
    outer = []
    for i, ex in examples:
        vals = _feature_values(ex, value_key, dtype, i, err) or []
        flat.extend(vals)
        n = len(vals)
        for level in reversed(range(len(spec.partitions))):
            lengths = _row_lengths(spec.partitions[level], ex, i, n, err)
            levels[level].append(lengths)
            n = len(lengths)
        outer.append(n)
    sdt = spec.row_splits_dtype.as_numpy_dtype
    nested = [np.concatenate(lv).astype(sdt) if lv else np.zeros(0, sdt) for lv in levels]
    parts = list(spec.partitions)
    arr = _values(flat, np_dtype, dtype)
    # Trailing UniformRowLength partitions are dense inner dimensions, as in TF.
    inner: list[int] = []
    while parts and isinstance(parts[-1], RaggedFeature.UniformRowLength):
        inner.insert(0, int(parts.pop().length))
        nested.pop()
    values = _dense(arr.reshape(-1, *inner), dtype)
    if batch:
        nested.insert(0, np.asarray(outer, sdt))
    if not nested:
        return values
    rt = tfcompat.RaggedTensor.from_nested_row_lengths(values, [constant(x) for x in nested])
    # Other UniformRowLength partitions keep a static row length, as TF's.
    node = rt.values if batch else rt
    for part in parts:
        if isinstance(part, RaggedFeature.UniformRowLength):
            node._uniform = int(part.length)
        node = node.values
    return rt


def _parse_sparse_feature(
    spec: SparseFeature, dtype: DType, examples: list[Any], batch: bool, err: _Errors
) -> Any:
    np_dtype = object if dtype is dtypes.string else dtype.as_numpy_dtype
    index_keys = [spec.index_key] if isinstance(spec.index_key, str) else list(spec.index_key)
    sizes = [spec.size] if isinstance(spec.size, int) else [int(s) for s in spec.size]
    if len(sizes) != len(index_keys):
        raise ValueError(
            f"SparseFeature is invalid: len(size) != len(index_key) ({len(sizes)} != "
            f"{len(index_keys)})."
        )
    all_idx: list[np.ndarray] = []
    all_vals: list[Any] = []
    for i, ex in examples:
        vals = _feature_values(ex, spec.value_key, dtype, i, err) or []
        idx = [_int_feature(ex, k, i, err) for k in index_keys]
        for k, col in zip(index_keys, idx, strict=True):
            if len(col) != len(vals):
                raise err(
                    f"Name: <unknown>, Key: {k}, Index: {i}.  Number of indices != number of "
                    f"values.  Indices size: {len(col)} but values size: {len(vals)}"
                )
        cols = np.stack(idx, axis=1) if vals else np.zeros((0, len(index_keys)), np.int64)
        for c, size in enumerate(sizes):
            bad = (cols[:, c] < 0) | (cols[:, c] >= size)
            if bad.any():
                raise err(
                    f"Name: <unknown>, Key: {index_keys[c]}, Index: {i}.  Index out of range: "
                    f"{int(cols[bad, c][0])} not in [0, {size})"
                )
        order = (
            np.arange(len(vals))
            if spec.already_sorted
            else np.lexsort(cols.T[::-1])
            if len(vals)
            else np.zeros(0, np.int64)
        )
        cols = cols[order]
        if batch:
            cols = np.concatenate([np.full((len(vals), 1), i, np.int64), cols], axis=1)
        all_idx.append(cols)
        all_vals.extend(vals[j] for j in order)
    rank = len(sizes) + (1 if batch else 0)
    indices = np.concatenate(all_idx) if all_idx else np.zeros((0, rank), np.int64)
    dense_shape = np.asarray([*([len(examples)] if batch else []), *sizes], np.int64)
    return _sparse(indices.reshape(-1, rank), _values(all_vals, np_dtype, dtype), dense_shape)


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

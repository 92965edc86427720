"""File-backed datasets: `Dataset.list_files`, `TextLineDataset`, `TFRecordDataset`,
`tf.data.experimental.make_csv_dataset`.

Records and lines are read with plain Python file I/O on the pipeline's thread (or on
interleave's read-ahead threads with `num_parallel_reads`). String elements are NumPy
object arrays of `bytes`, as tfcompat's string tensors hold them.

TFRecord files are framed as TF writes them: each record is a little-endian uint64
length, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the
data; both checksums are verified. `compression_type` "ZLIB" and "GZIP" use the standard
library's zlib and gzip; other compression types read the file as uncompressed, as TF.
"""

from __future__ import annotations

import collections
import csv
import glob
import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.tensor import Tensor
from tfcompat._function import TensorSpec
from tfcompat.data import _structure as st
from tfcompat.data._dataset import (
    UNKNOWN,
    DatasetSource,
    DatasetV2,
    Flat,
    _next_error,
    _ShuffleDataset,
    _TensorSliceDataset,
)
from tfcompat.io._tfrecord import _frame, crc32c, iter_records, masked_crc32c

__all__ = [
    "FixedLengthRecordDatasetV2",
    "TFRecordDatasetV2",
    "TextLineDatasetV2",
    "crc32c",
    "list_files",
    "make_csv_dataset",
    "masked_crc32c",
    "write_record",
]

_STRING = TensorSpec((), dtypes.string)


# -- TFRecord framing (one implementation, shared with tf.io) ---------------------------


def write_record(f: BinaryIO, data: bytes) -> None:
    """Append one TFRecord (length, its CRC, data, the data's CRC) to `f`."""
    f.write(_frame(data))


# -- file names --------------------------------------------------------------------------


def _filenames(filenames: Any) -> DatasetV2:
    """`filenames` (a string, a list, a string tensor or a dataset of strings) as a dataset."""
    if isinstance(filenames, DatasetV2):
        spec = filenames.element_spec
        if not (isinstance(spec, TensorSpec) and spec.dtype is dtypes.string):
            raise TypeError(
                "The `filenames` argument must contain `tf.string` elements. Got a dataset of "
                f"`{spec}` elements."
            )
        return filenames
    if isinstance(filenames, (str, bytes, os.PathLike)):
        filenames = [os.fspath(filenames)]
    t = st.to_tensor(filenames if isinstance(filenames, Tensor) else list(filenames))
    if t.dtype is not dtypes.string:
        raise TypeError(
            f"The `filenames` argument must contain `tf.string` elements. Got `{t.dtype!r}` "
            "elements."
        )
    arr = st.to_numpy(st.array_of(t)).reshape(-1)
    return _TensorSliceDataset(arr)


def _path(b: Any) -> str:
    v = st.to_numpy(b)[()]
    return v.decode() if isinstance(v, bytes) else str(v)


def _open(path: str, compression: str, ncomp: int = 1) -> BinaryIO:
    try:
        f: BinaryIO = open(path, "rb")  # noqa: SIM115  (closed by the reader)
    except FileNotFoundError:
        raise errors.NotFoundError(
            None, None, _next_error(f"{path}; No such file or directory", ncomp)
        ) from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(
            None, None, _next_error(f"{path}; Is a directory", ncomp)
        ) from None
    if compression in ("GZIP", "ZLIB"):
        with f:
            data = f.read()
        if compression == "GZIP":
            return io.BytesIO(gzip.decompress(data))
        return io.BytesIO(zlib.decompress(data))
    return f


def _compression(compression_type: Any) -> str:
    if compression_type is None:
        return ""
    if isinstance(compression_type, Tensor):
        compression_type = compression_type.numpy()
    if isinstance(compression_type, bytes):
        compression_type = compression_type.decode()
    # (TF reads a file with any other compression type as uncompressed)
    return str(compression_type).upper()


class _FileDataset(DatasetSource):
    """Reads each file named by a dataset of file names, in order (or interleaved)."""

    def __init__(self, filenames: Any, compression_type: Any, num_parallel_reads: Any) -> None:
        self._files = _filenames(filenames)
        self._compression = _compression(compression_type)
        self._parallel = num_parallel_reads
        super().__init__(_STRING, UNKNOWN)

    def _read(self, path: str) -> Iterator[Flat]:
        raise NotImplementedError

    def _flat_iter(self) -> Iterator[Flat]:
        if self._parallel is not None and self._parallel != 1:
            one = _OneFile(self)
            ds = self._files.interleave(
                one, cycle_length=self._parallel, num_parallel_calls=self._parallel
            )
            yield from ds._flat_iter()
            return
        for (name,) in self._files._flat_iter():
            yield from self._read(_path(name))


class _OneFile:
    """`filename -> dataset of that file's records` (for `num_parallel_reads`)."""

    def __init__(self, owner: _FileDataset) -> None:
        self._owner = owner
        self.__name__ = "read_file"

    def __call__(self, name: Any) -> DatasetV2:
        return _FileRecords(self._owner, name)


class _FileRecords(DatasetSource):
    def __init__(self, owner: _FileDataset, name: Any) -> None:
        self._owner = owner
        self._name = name
        super().__init__(_STRING, UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        return self._owner._read(_path(st.array_of(self._name)))


class TextLineDatasetV2(_FileDataset):
    """tfcompat implementation of `tf.data.TextLineDataset`: one element per line, without
    its line ending ("\\n" or "\\r\\n")."""

    def __init__(
        self,
        filenames: Any,
        compression_type: Any = None,
        buffer_size: Any = None,
        num_parallel_reads: Any = None,
        name: Any = None,
    ) -> None:
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _read(self, path: str) -> Iterator[Flat]:
        with _open(path, self._compression) as f:
            for line in f:
                if line.endswith(b"\n"):
                    line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
                arr = np.empty((), dtype=object)
                arr[()] = line
                yield (arr,)


class TFRecordDatasetV2(_FileDataset):
    """tfcompat implementation of `tf.data.TFRecordDataset`: one element per record."""

    def __init__(
        self,
        filenames: Any,
        compression_type: Any = None,
        buffer_size: Any = None,
        num_parallel_reads: Any = None,
        name: Any = None,
    ) -> None:
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _read(self, path: str) -> Iterator[Flat]:
        # (TF reads a file with any other compression type as uncompressed)
        kind = self._compression if self._compression in ("GZIP", "ZLIB") else ""
        try:
            for record in iter_records(path, kind):
                arr = np.empty((), dtype=object)
                arr[()] = record
                yield (arr,)
        except errors.OpError as exc:
            raise _as_next_error(exc) from None


class FixedLengthRecordDatasetV2(_FileDataset):
    """tfcompat implementation of `tf.data.FixedLengthRecordDataset`: after
    `header_bytes`, one element per `record_bytes` bytes, up to the last `footer_bytes`."""

    def __init__(
        self,
        filenames: Any,
        record_bytes: Any,
        header_bytes: Any = None,
        footer_bytes: Any = None,
        buffer_size: Any = None,
        compression_type: Any = None,
        num_parallel_reads: Any = None,
        name: Any = None,
    ) -> None:
        self._record = _int_arg(record_bytes)
        self._header = _int_arg(header_bytes) if header_bytes is not None else 0
        self._footer = _int_arg(footer_bytes) if footer_bytes is not None else 0
        if self._record <= 0:
            raise errors.InvalidArgumentError(
                None,
                None,
                "record_bytes must be greater than zero. [Op:FixedLengthRecordDatasetV2] name: ",
            )
        super().__init__(filenames, compression_type, num_parallel_reads)

    def _read(self, path: str) -> Iterator[Flat]:
        kind = self._compression if self._compression in ("GZIP", "ZLIB") else ""
        with _open(path, kind) as f:
            data = f.read()
        n, h, ft = self._record, self._header, self._footer
        body = max(0, len(data) - h - ft)
        if not kind and body % n:
            raise errors.InvalidArgumentError(
                None,
                None,
                _next_error(
                    f"Excluding the header ({h} bytes) and footer ({ft} bytes), input file "
                    f'"{path}" has body length {body} bytes, which is not an exact multiple '
                    f"of the record length ({n} bytes).",
                    1,
                ),
            )
        for start in range(h, h + body // n * n, n):
            arr = np.empty((), dtype=object)
            arr[()] = data[start : start + n]
            yield (arr,)


def _int_arg(value: Any) -> int:
    if isinstance(value, Tensor):
        value = value.numpy()
    return int(value)


def _as_next_error(exc: errors.OpError) -> errors.OpError:
    """`exc` (missing file, directory, corrupted record) with TF's iterator wording."""
    message = _next_error(exc.message, 1)
    if isinstance(exc, errors.NotFoundError):
        return errors.NotFoundError(None, None, message)
    if isinstance(exc, errors.FailedPreconditionError):
        return errors.FailedPreconditionError(None, None, message)
    return errors.DataLossError(None, None, message)


for _cls in (TextLineDatasetV2, TFRecordDatasetV2, FixedLengthRecordDatasetV2):
    _cls.__module__ = "tensorflow.python.data.ops.readers"


# -- list_files --------------------------------------------------------------------------


def list_files(
    file_pattern: Any, shuffle: Any = None, seed: Any = None, name: Any = None
) -> DatasetV2:
    """tfcompat implementation of `tf.data.Dataset.list_files`: the matching file names,
    sorted, then shuffled (by default, with `seed`)."""
    if isinstance(file_pattern, DatasetV2):
        raise TypeError("`file_pattern` must be a string or a list of strings.")
    if isinstance(file_pattern, (str, bytes, os.PathLike)):
        patterns: list[Any] = [os.fspath(file_pattern)]
    else:
        patterns = list(st.to_numpy(st.array_of(st.to_tensor(file_pattern))).reshape(-1))
    pattern_text: list[str] = [p.decode() if isinstance(p, bytes) else str(p) for p in patterns]
    patterns = pattern_text
    matches: list[str] = []
    for p in patterns:
        matches.extend(glob.glob(p))
    if not matches:
        shown = ", ".join(patterns)
        raise errors.InvalidArgumentError(
            None,
            None,
            "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
            f"b'No files matched pattern: {shown}'",
        )
    matches = sorted(set(matches))
    arr = np.empty(len(matches), dtype=object)
    arr[:] = [m.encode() for m in sorted(set(matches))]
    ds: DatasetV2 = _TensorSliceDataset(arr)
    if shuffle is None or shuffle:
        ds = _ShuffleDataset(ds, len(matches), seed, True)
    return ds


# -- make_csv_dataset ----------------------------------------------------------------------

_INT32 = np.iinfo(np.int32)
_INT64 = np.iinfo(np.int64)
_TYPE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64, dtypes.string]


def _fits(value: str, dtype: Any) -> bool:
    try:
        if dtype is dtypes.int32:
            return _INT32.min <= int(value) <= _INT32.max
        if dtype is dtypes.int64:
            return _INT64.min <= int(value) <= _INT64.max
        if dtype is dtypes.float32:
            return bool(abs(float(value)) < float(np.finfo(np.float32).max))
        if dtype is dtypes.float64:
            float(value)
            return True
    except ValueError:
        return False
    return True


def _infer_type(value: str, na_value: str, prev: Any) -> Any:
    """TF's CSV type inference: the first of int32, int64, float32, float64, string that
    every value seen so far parses as."""
    if value == na_value:
        return prev
    start = 0 if prev is None else _TYPE_ORDER.index(prev)
    for dtype in _TYPE_ORDER[start:]:
        if _fits(value, dtype):
            return dtype
    return dtypes.string


def _read_csv_rows(
    path: str, delim: str, quote: bool, compression: str, encoding: str
) -> Iterator[list[str]]:
    with _open(path, compression) as f:
        text = io.TextIOWrapper(f, encoding=encoding, newline="")
        reader = csv.reader(
            text, delimiter=delim, quoting=csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE
        )
        yield from reader


class _CsvRows(DatasetSource):
    """The rows of CSV files, as flat tuples of column values."""

    def __init__(
        self,
        files: list[str],
        specs: list[TensorSpec],
        columns: list[int],
        defaults: list[Any],
        header: bool,
        read: Callable[[str], Iterator[list[str]]],
        na_value: str,
    ) -> None:
        self._files = files
        self._columns = columns
        self._defaults = defaults
        self._header = header
        self._read = read
        self._na = na_value
        super().__init__(tuple(specs), UNKNOWN)

    def _flat_iter(self) -> Iterator[Flat]:
        specs = self._flat_specs()
        for path in self._files:
            rows = self._read(path)
            if self._header:
                next(rows, None)
            for row in rows:
                if not row:
                    continue
                out = []
                for c, spec, default in zip(self._columns, specs, self._defaults, strict=True):
                    value = row[c] if c < len(row) else self._na
                    out.append(_parse_field(value, spec.dtype, default, self._na, c, len(specs)))
                yield tuple(out)


def _parse_field(value: Any, dtype: Any, default: Any, na: str, column: int, ncomp: int) -> Any:
    if value == na or value == "":
        if default is None:
            raise errors.InvalidArgumentError(
                None, None, _next_error(f"Field {column} is required but missing in record!", ncomp)
            )
        value = default
    if dtype is dtypes.string:
        arr = np.empty((), dtype=object)
        arr[()] = value.encode() if isinstance(value, str) else bytes(value)
        return arr
    try:
        if isinstance(value, str):
            value = float(value) if dtype.is_floating else int(value)
        return np.asarray(value, dtype=dtype.as_numpy_dtype)
    except (ValueError, OverflowError):
        raise errors.InvalidArgumentError(
            None,
            None,
            _next_error(f"Field {column} in record is not a valid {dtype.name}: {value}", ncomp),
        ) from None


def make_csv_dataset(
    file_pattern: Any,
    batch_size: Any,
    column_names: Any = None,
    column_defaults: Any = None,
    label_name: Any = None,
    select_columns: Any = None,
    field_delim: str = ",",
    use_quote_delim: bool = True,
    na_value: str = "",
    header: bool = True,
    num_epochs: Any = None,
    shuffle: bool = True,
    shuffle_buffer_size: int = 10000,
    shuffle_seed: Any = None,
    prefetch_buffer_size: Any = None,
    num_parallel_reads: Any = None,
    sloppy: bool = False,
    num_rows_for_inference: int = 100,
    compression_type: Any = None,
    ignore_errors: bool = False,
    encoding: str = "utf-8",
) -> DatasetV2:
    """tfcompat implementation of `tf.data.experimental.make_csv_dataset` (basics: column
    names from the header, type inference, defaults, labels, column selection, shuffling,
    epochs and batching as TF; `ignore_errors` and `sloppy` are not supported)."""
    if ignore_errors:
        raise NotImplementedError("tfcompat's make_csv_dataset does not support ignore_errors.")
    compression = _compression(compression_type)
    files = [_path(f[0]) for f in list_files(file_pattern, shuffle=False)._flat_iter()]

    def read(path: str) -> Iterator[list[str]]:
        return _read_csv_rows(path, field_delim, use_quote_delim, compression, encoding)

    if column_names is None:
        if not header:
            raise ValueError("Expected `column_names` or `header` arguments. Neither was provided.")
        column_names = next(read(files[0]), [])
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        raise ValueError(
            "Either `column_names` argument or CSV header row contains duplicate column names."
        )
    if select_columns is not None:
        selected = [c if isinstance(c, int) else column_names.index(c) for c in select_columns]
        selected = sorted(selected)
    else:
        selected = list(range(len(column_names)))
    if label_name is not None and label_name not in [column_names[i] for i in selected]:
        raise ValueError(
            f"`label_name` provided must be one of the columns: {column_names}. "
            f"Received: {label_name}"
        )
    # Column types: from `column_defaults`, else inferred from the first rows.
    if column_defaults is not None:
        defaults_all = list(column_defaults)
        types = []
        defaults: list[Any] = []
        for d in defaults_all:
            if isinstance(d, dtypes.DType):
                types.append(d)
                defaults.append(None)  # a dtype: the column is required
                continue
            # A one-item list holds a default; TF reads a scalar or an empty list as the
            # column's type only (the column is then required).
            holds_default = isinstance(d, (list, tuple)) and len(d) == 1
            value = d[0] if holds_default else (d if not isinstance(d, (list, tuple)) else 0.0)
            t = st.to_tensor(value)
            types.append(t.dtype)
            defaults.append(st.to_numpy(st.array_of(t))[()] if holds_default else None)
        if len(types) == len(column_names) and select_columns is not None:
            types = [types[i] for i in selected]
            defaults = [defaults[i] for i in selected]
    else:
        inferred: list[Any] = [None] * len(column_names)
        for path in files:
            rows = read(path)
            if header:
                next(rows, None)
            for n, row in enumerate(rows):
                if n >= num_rows_for_inference:
                    break
                for i, v in enumerate(row[: len(column_names)]):
                    inferred[i] = _infer_type(v, na_value, inferred[i])
            break
        types = [inferred[i] or dtypes.float32 for i in selected]
        defaults = ["" if t is dtypes.string else 0 for t in types]
    names = [column_names[i] for i in selected]
    specs = [TensorSpec((), t) for t in types]
    rows_ds: DatasetV2 = _CsvRows(files, specs, selected, defaults, header, read, na_value)

    def to_features(*cols: Any) -> Any:
        features = collections.OrderedDict(zip(names, cols, strict=True))
        if label_name is not None:
            label = features.pop(label_name)
            return features, label
        return features

    if shuffle:
        rows_ds = rows_ds.shuffle(shuffle_buffer_size, shuffle_seed)
    if num_epochs != 1:
        rows_ds = rows_ds.repeat(num_epochs)
    rows_ds = rows_ds.batch(batch_size, drop_remainder=num_epochs is None)
    out = rows_ds.map(to_features)
    return out.prefetch(-1 if prefetch_buffer_size is None else prefetch_buffer_size)

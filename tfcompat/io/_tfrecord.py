"""The TFRecord file format: writing (`tf.io.TFRecordWriter`) and reading records.

A TFRecord file is a sequence of records, each framed as

    uint64 length (little-endian)
    uint32 masked CRC-32C of the 8 length bytes
    length bytes of data
    uint32 masked CRC-32C of the data

where `masked(crc) = ((crc >> 15) | (crc << 17)) + 0xA282EAD8` (mod 2**32). With
`compression_type="GZIP"` or `"ZLIB"` the whole framed stream is compressed (a gzip or
zlib stream), as TF writes it. `iter_records` is the reader that `tf.data.TFRecordDataset`
uses.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from types import TracebackType
from typing import Any, BinaryIO

import numpy as np

from tfcompat._core import errors

__all__ = ["TFRecordOptions", "TFRecordWriter", "crc32c", "iter_records", "masked_crc32c"]


def _make_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _make_table()


def _slicing_tables() -> list[list[int]]:
    """Tables for slicing-by-8: table k advances a byte through k more zero bytes."""
    tables = [_TABLE]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(prev[n] >> 8) ^ _TABLE[prev[n] & 0xFF] for n in range(256)])
    return tables


_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7 = _slicing_tables()


def _crc32c_python(data: bytes, crc: int = 0) -> int:
    """CRC-32C by slicing-by-8 (eight table lookups per 8 bytes), then byte by byte."""
    crc ^= 0xFFFFFFFF
    n8 = len(data) // 8 * 8
    t0, t1, t2, t3, t4, t5, t6, t7 = _T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7
    for lo, hi in struct.iter_unpack("<II", data[:n8]):
        lo ^= crc
        crc = (
            t7[lo & 0xFF]
            ^ t6[(lo >> 8) & 0xFF]
            ^ t5[(lo >> 16) & 0xFF]
            ^ t4[lo >> 24]
            ^ t3[hi & 0xFF]
            ^ t2[(hi >> 8) & 0xFF]
            ^ t1[(hi >> 16) & 0xFF]
            ^ t0[hi >> 24]
        )
    for b in data[n8:]:
        crc = t0[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# -- large inputs: many chunks at once with NumPy -------------------------------------------
#
# CRC is linear over GF(2): running the register over chunk B from state s gives
# `shift_|B|(s) ^ raw(B)`, where `shift_n` (the register run over n zero bytes) is a
# linear map of the 32-bit state and `raw(B)` the run from state 0. So the chunks of
# `data` are run side by side (one vectorized table step per byte position), and their
# results are folded pairwise with the shift maps of doubling lengths.

_NP_TABLE = np.array(_TABLE, dtype=np.uint32)
_NUMPY_MIN = 1 << 14  # below this, slicing-by-8 in Python is as fast
_WIDTH = 64  # chunk length: one vectorized step per byte position
_BYTE_SHIFTS = np.arange(8, dtype=np.uint32)


class _Shift:
    """The linear map `shift_n` of the CRC register, applied with four byte tables."""

    def __init__(self, cols: np.ndarray) -> None:
        self.cols = cols  # image of each of the 32 basis bits (uint32[32])
        v = np.arange(256, dtype=np.uint32)
        bits = ((v[:, None] >> _BYTE_SHIFTS) & 1).astype(bool)  # (256, 8)
        self.tables = np.zeros((4, 256), np.uint32)
        for p in range(4):
            masked = np.where(bits, cols[8 * p : 8 * p + 8][None, :], np.uint32(0))
            self.tables[p] = np.bitwise_xor.reduce(masked, axis=1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        t = self.tables
        return t[0][x & 0xFF] ^ t[1][(x >> 8) & 0xFF] ^ t[2][(x >> 16) & 0xFF] ^ t[3][x >> 24]

    def then(self, other: _Shift) -> _Shift:
        """`other` applied after `self`."""
        return _Shift(other(self.cols))


_SHIFTS: dict[int, _Shift] = {}


def _shift(n: int) -> _Shift:
    """`shift_n` for `n` a power of two (cached)."""
    op = _SHIFTS.get(n)
    if op is None:
        if n == 1:
            basis = np.uint32(1) << np.arange(32, dtype=np.uint32)
            op = _Shift(_NP_TABLE[basis & 0xFF] ^ (basis >> 8))
        else:
            half = _shift(n // 2)
            op = half.then(half)
        _SHIFTS[n] = op
    return op


def _crc32c_numpy(data: bytes) -> int:
    n = len(data)
    width = _WIDTH
    k = n // width
    cols = np.frombuffer(data, np.uint8, k * width).reshape(k, width).T.copy()
    state = np.zeros(k, np.uint32)
    state[0] = 0xFFFFFFFF  # the first chunk starts from TF's initial register
    table = _NP_TABLE
    for j in range(width):
        state = table[(state ^ cols[j]) & 0xFF] ^ (state >> 8)
    length = width
    while state.shape[0] > 1:
        if state.shape[0] % 2:  # a leading all-zero chunk from state 0 adds nothing
            state = np.concatenate([np.zeros(1, np.uint32), state])
        state = _shift(length)(state[0::2]) ^ state[1::2]
        length *= 2
    raw = int(state[0])
    return _crc32c_python(data[k * width :], raw ^ 0xFFFFFFFF)


try:  # optional: Google's CRC32C library (hardware CRC instructions)
    import google_crc32c as _google_crc32c  # type: ignore[import-not-found]

    if getattr(_google_crc32c, "implementation", "c") != "c":
        _google_crc32c = None
except ImportError:  # pragma: no cover  (depends on the environment)
    _google_crc32c = None


def crc32c(data: bytes) -> int:
    """The CRC-32C (Castagnoli) checksum of `data`, as TF's `crc32c::Value`.

    Uses the `google-crc32c` package when it is installed with its C extension;
    otherwise NumPy for large inputs and table-driven Python for small ones."""
    if _google_crc32c is not None:
        return int(_google_crc32c.value(bytes(data)))
    if len(data) >= _NUMPY_MIN:
        return _crc32c_numpy(bytes(data))
    return _crc32c_python(data)


def masked_crc32c(data: bytes) -> int:
    """TF's masked CRC-32C of `data` (the checksum stored in TFRecord frames)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


_COMPRESSION = {"": None, "GZIP": 31, "ZLIB": 15}  # zlib `wbits` for each format


def _compression_type(options: Any) -> str:
    if options is None:
        return ""
    kind = (options.compression_type or "") if isinstance(options, TFRecordOptions) else options
    if kind not in _COMPRESSION:
        raise ValueError(f'Unsupported compression type "{kind}"; use "", "GZIP" or "ZLIB".')
    return str(kind)


class TFRecordOptions:
    """tfcompat implementation of `tf.io.TFRecordOptions` (compression type and level)."""

    def __init__(
        self,
        compression_type: Any = None,
        flush_mode: Any = None,
        input_buffer_size: Any = None,
        output_buffer_size: Any = None,
        window_bits: Any = None,
        compression_level: Any = None,
        compression_method: Any = None,
        mem_level: Any = None,
        compression_strategy: Any = None,
    ) -> None:
        if compression_type not in (None, "", "GZIP", "ZLIB"):
            raise ValueError(f"Unsupported compression type: {compression_type}")
        self.compression_type = compression_type
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options: Any) -> str:
        return _compression_type(options)


def _frame(record: bytes) -> bytes:
    header = struct.pack("<Q", len(record))
    return (
        header
        + struct.pack("<I", masked_crc32c(header))
        + record
        + struct.pack("<I", masked_crc32c(record))
    )


class TFRecordWriter:
    """tfcompat implementation of `tf.io.TFRecordWriter`."""

    def __init__(self, path: Any, options: Any = None) -> None:
        kind = _compression_type(options)
        level = getattr(options, "compression_level", None)
        self._path = path.decode() if isinstance(path, bytes) else str(path)
        try:
            self._file: BinaryIO | None = open(self._path, "wb")  # noqa: SIM115 (closed by close())
        except FileNotFoundError:
            raise errors.NotFoundError(
                None, None, f"{self._path}; No such file or directory"
            ) from None
        wbits = _COMPRESSION[kind]
        self._zip = (
            None
            if wbits is None
            else zlib.compressobj(-1 if level is None else int(level), zlib.DEFLATED, wbits)
        )

    def write(self, record: Any) -> None:
        """Write one record (bytes, str or a scalar string tensor)."""
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        if hasattr(record, "numpy"):
            record = record.numpy()
        data = _frame(record.encode() if isinstance(record, str) else bytes(record))
        self._file.write(data if self._zip is None else self._zip.compress(data))

    def flush(self) -> None:
        if self._file is None:
            raise errors.FailedPreconditionError(None, None, "Writer is closed.")
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_SYNC_FLUSH))
        self._file.flush()

    def close(self) -> None:
        if self._file is None:
            return
        if self._zip is not None:
            self._file.write(self._zip.flush(zlib.Z_FINISH))
        self._file.close()
        self._file = None

    def __enter__(self) -> TFRecordWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_all(path: str, kind: str) -> bytes:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None
    wbits = _COMPRESSION[kind]
    if wbits is None:
        return raw
    try:
        d = zlib.decompressobj(wbits)
        return d.decompress(raw) + d.flush()
    except zlib.error as exc:
        raise errors.DataLossError(None, None, f"{path}: {exc}") from None


def iter_records(path: Any, compression_type: Any = "", *, verify: bool = True) -> Iterator[bytes]:
    """Yield the records of TFRecord file `path`, checking both checksums of each.

    Raises `tf.errors.DataLossError` for a truncated or corrupted record (TF's messages),
    `tf.errors.NotFoundError` for a missing file.
    """
    name = path.decode() if isinstance(path, bytes) else str(path)
    data = _read_all(name, _compression_type(compression_type or ""))
    pos, n = 0, len(data)
    while pos < n:
        if pos + 12 > n:
            raise errors.DataLossError(None, None, f"truncated record at {pos}")
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        if verify and crc != masked_crc32c(header):
            raise errors.DataLossError(None, None, f"corrupted record at {pos}")
        end = pos + 12 + length
        if end + 4 > n:
            raise errors.DataLossError(None, None, f"truncated record at {pos}")
        record = data[pos + 12 : end]
        (crc,) = struct.unpack("<I", data[end : end + 4])
        if verify and crc != masked_crc32c(record):
            raise errors.DataLossError(None, None, f"corrupted record at {pos}")
        yield record
        pos = end + 4

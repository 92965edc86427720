"""TensorFlow's tensor bundle format: the `.index` table and `.data-?????-of-?????` shards.

A checkpoint with prefix `P` is the files `P.index` and `P.data-00000-of-00001` (one
shard; a reader accepts any number). The `.data` shard is the raw bytes of each tensor,
back to back. The `.index` file is a sorted key/value table in the LevelDB "table"
format (the format of TensorFlow's `tensorflow/core/lib/io/table`):

    data block*  metaindex block  index block  footer (48 bytes)

Each block is a run of prefix-compressed entries (`varint32 shared, varint32 unshared,
varint32 value_length, key suffix, value`), the restart-point offsets (`uint32` each)
and their count, followed by a one-byte compression type (0, none) and the masked
CRC-32C of the block and that byte. The index block maps a separator key of each data
block to its `BlockHandle` (`varint64 offset, varint64 size`); the footer holds the
handles of the metaindex and index blocks, padded to 40 bytes, and the 8-byte magic
number `0xdb4775248b80fb57`.

The table's values are protocol buffers, encoded here by hand (tfcompat has no
protobuf runtime dependency): under key `""` a `BundleHeaderProto` (`num_shards`,
`endianness`, `version`), under each tensor's name a `BundleEntryProto` (`dtype`,
`shape`, `shard_id`, `offset`, `size`, `crc32c`). The `crc32c` is the masked CRC-32C of
the tensor's bytes in the shard. Numeric tensors are stored little-endian in row-major
order; a string tensor is stored as the varint64 length of each element, the masked
CRC-32C of those length bytes (4 bytes), then the elements' bytes.

The writer reproduces TensorFlow's `BundleWriter` and `TableBuilder` (256 KiB blocks,
a restart point every 16 entries, index keys shortened as LevelDB's bytewise comparator
does), so the files it writes for the same tensors in the same order are byte-for-byte
TensorFlow's.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import numpy as np

from tfcompat._core import errors
from tfcompat.io._tfrecord import _TABLE, _crc32c_python

__all__ = [
    "BundleEntry",
    "BundleReader",
    "crc32c",
    "data_filename",
    "decode_fields",
    "index_filename",
    "mask",
    "unmask",
    "write_bundle",
]

_TABLE_MAGIC = 0xDB4775248B80FB57
_BLOCK_SIZE = 262144
_RESTART_INTERVAL = 16
_FOOTER_LEN = 48
_MASK_DELTA = 0xA282EAD8


# ------------------------------------------------------------------------------------
# CRC-32C. Large buffers are split into equal chunks whose CRC registers are advanced
# together with NumPy (slicing-by-4: one vectorized step per 4-byte column), then
# combined pairwise: appending a block B to A gives reg(A+B) = Z^|B|(reg(A)) ^ reg0(B),
# Z the linear "shift one zero byte through the register" map, applied as a 32x32 matrix
# over GF(2). A zero register for a block of zeros is neutral, so odd counts are padded.
# ------------------------------------------------------------------------------------
def _np_tables() -> list[np.ndarray]:
    tables = [_TABLE]
    for _ in range(3):
        prev = tables[-1]
        tables.append([(prev[n] >> 8) ^ _TABLE[prev[n] & 0xFF] for n in range(256)])
    return [np.array(t, dtype=np.uint32) for t in tables]


_NP_T0, _NP_T1, _NP_T2, _NP_T3 = _np_tables()
# Two 64 Ki-entry tables: one lookup per 16 bits of the 32-bit column step.
_LOW16 = _NP_T3[np.arange(65536) & 0xFF] ^ _NP_T2[np.arange(65536) >> 8]
_HIGH16 = _NP_T1[np.arange(65536) & 0xFF] ^ _NP_T0[np.arange(65536) >> 8]


def _zero_byte(reg: int) -> int:
    return _TABLE[reg & 0xFF] ^ (reg >> 8)


def _mat_apply(mat: list[int], vec: int) -> int:
    out = 0
    i = 0
    while vec:
        if vec & 1:
            out ^= mat[i]
        vec >>= 1
        i += 1
    return out


def _mat_square(mat: list[int]) -> list[int]:
    return [_mat_apply(mat, mat[i]) for i in range(32)]


def _zeros_operator(n: int) -> list[int]:
    """The matrix (as 32 column ints) of shifting `n` zero bytes through the register."""
    result = [1 << i for i in range(32)]  # identity
    power = [_zero_byte(1 << i) for i in range(32)]
    while n:
        if n & 1:
            result = [_mat_apply(power, c) for c in result]
        n >>= 1
        if n:
            power = _mat_square(power)
    return result


def _mat_apply_np(mat: list[int], regs: np.ndarray) -> np.ndarray:
    out = np.zeros_like(regs)
    for j, col in enumerate(mat):
        out ^= ((regs >> np.uint32(j)) & np.uint32(1)) * np.uint32(col)
    return out


_PARALLEL_MIN = 1 << 16
_CHUNK = 1024  # bytes per chunk (a multiple of 4)


def crc32c(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    """CRC-32C of `data` (continuing from `crc`, TF's `crc32c::Extend`)."""
    n = len(data)
    if n < _PARALLEL_MIN:
        return _crc32c_python(bytes(data), crc)
    k = n // _CHUNK
    words = np.frombuffer(data, dtype="<u4", count=k * _CHUNK // 4).reshape(k, _CHUNK // 4)
    columns = np.ascontiguousarray(words.T).astype(np.uint32, copy=False)
    regs = np.zeros(k, dtype=np.uint32)
    regs[0] = crc ^ 0xFFFFFFFF
    low, high, m16, s16 = _LOW16, _HIGH16, np.uint32(0xFFFF), np.uint32(16)
    for col in columns:
        regs ^= col
        regs = np.take(low, regs & m16) ^ np.take(high, regs >> s16)
    shift = _zeros_operator(_CHUNK)
    while len(regs) > 1:
        if len(regs) % 2:
            regs = np.concatenate([np.zeros(1, np.uint32), regs])
        regs = _mat_apply_np(shift, regs[0::2]) ^ regs[1::2]
        shift = _mat_square(shift)
    total = int(regs[0]) ^ 0xFFFFFFFF
    rest = bytes(memoryview(data)[k * _CHUNK :])
    return _crc32c_python(rest, total) if rest else total


def mask(crc: int) -> int:
    """TF's `crc32c::Mask`: the form in which checksums are stored."""
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def unmask(masked: int) -> int:
    rot = (masked - _MASK_DELTA) & 0xFFFFFFFF
    return ((rot >> 17) | (rot << 15)) & 0xFFFFFFFF


# ------------------------------------------------------------------------------------
# Protocol buffer wire format.
# ------------------------------------------------------------------------------------
def varint(value: int) -> bytes:
    if value < 0:
        value &= (1 << 64) - 1
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def field_varint(number: int, value: int) -> bytes:
    return varint(number << 3) + varint(value)


def field_bytes(number: int, value: bytes) -> bytes:
    return varint((number << 3) | 2) + varint(len(value)) + value


def field_fixed32(number: int, value: int) -> bytes:
    return varint((number << 3) | 5) + struct.pack("<I", value)


def decode_fields(buf: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) for each field of a serialized message."""
    out: list[tuple[int, int, Any]] = []
    pos = 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        value: Any
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 1:
            value = struct.unpack_from("<Q", buf, pos)[0]
            pos += 8
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            value = bytes(buf[pos : pos + length])
            if len(value) != length:
                raise ValueError("truncated field")
            pos += length
        elif wire == 5:
            value = struct.unpack_from("<I", buf, pos)[0]
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


# ------------------------------------------------------------------------------------
# dtypes (TF's `DataType` enum).
# ------------------------------------------------------------------------------------
_DTYPE_ENUM_TO_NUMPY: dict[int, Any] = {
    1: np.float32,
    2: np.float64,
    3: np.int32,
    4: np.uint8,
    5: np.int16,
    6: np.int8,
    8: np.complex64,
    9: np.int64,
    10: np.bool_,
    17: np.uint16,
    18: np.complex128,
    19: np.float16,
    22: np.uint32,
    23: np.uint64,
}
DT_STRING = 7
DT_BFLOAT16 = 14


def numpy_dtype(enum: int) -> Any:
    if enum == DT_STRING:
        return np.dtype(object)
    if enum == DT_BFLOAT16:
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    try:
        return np.dtype(_DTYPE_ENUM_TO_NUMPY[enum])
    except KeyError:
        raise errors.UnimplementedError(
            None, None, f"tfcompat cannot read checkpoint tensors of DataType {enum}"
        ) from None


def dtype_enum(array: np.ndarray) -> int:
    if array.dtype == object or array.dtype.kind in "SU":
        return DT_STRING
    if array.dtype.name == "bfloat16":
        return DT_BFLOAT16
    for enum, npd in _DTYPE_ENUM_TO_NUMPY.items():
        if array.dtype == np.dtype(npd):
            return enum
    raise errors.UnimplementedError(
        None, None, f"tfcompat cannot write checkpoint tensors of dtype {array.dtype}"
    )


# ------------------------------------------------------------------------------------
# Tensor <-> bytes.
# ------------------------------------------------------------------------------------
def _as_bytes(x: Any) -> bytes:
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode("utf-8")
    return bytes(x)


def _length_crc(lengths: list[int]) -> int:
    """The CRC TF keeps of string lengths: over each as uint32 (uint64 when larger)."""
    return crc32c(b"".join(struct.pack("<I" if n <= 0xFFFFFFFF else "<Q", n) for n in lengths))


def tensor_bytes(array: np.ndarray) -> tuple[bytes, int]:
    """The bytes TF's bundle stores for `array`, and their (unmasked) checksum.

    For numeric tensors the checksum is the CRC-32C of the bytes. For string tensors it
    runs over the lengths as fixed-width integers (not their varint bytes), the stored
    length checksum, then the strings, as TensorFlow computes it.
    """
    if dtype_enum(array) == DT_STRING:
        elems = [_as_bytes(x) for x in array.reshape(-1).tolist()]
        lens = [len(e) for e in elems]
        crc = _length_crc(lens)
        check = struct.pack("<I", mask(crc))
        crc = crc32c(check, crc)
        body = b"".join(elems)
        return b"".join(varint(n) for n in lens) + check + body, crc32c(body, crc)
    raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
    return raw, crc32c(raw)


def _parse_string_tensor(raw: bytes, count: int, name: str) -> tuple[np.ndarray, int]:
    """The strings stored in `raw` and the checksum TF keeps of them."""
    pos = 0
    lengths = []
    for _ in range(count):
        n, pos = read_varint(raw, pos)
        lengths.append(n)
    crc = _length_crc(lengths)
    (stored,) = struct.unpack_from("<I", raw, pos)
    if stored != mask(crc):
        raise errors.DataLossError(
            None,
            None,
            f"Checksum does not match: stored {stored} vs. calculated on the "
            f"restored bytes {mask(crc)}",
        )
    crc = crc32c(raw[pos : pos + 4], crc)
    pos += 4
    crc = crc32c(raw[pos:], crc)
    out = np.empty(count, dtype=object)
    for i, n in enumerate(lengths):
        out[i] = raw[pos : pos + n]
        pos += n
    return out, crc


# ------------------------------------------------------------------------------------
# Bundle entries.
# ------------------------------------------------------------------------------------
class BundleEntry(NamedTuple):
    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int
    crc32c: int  # masked
    has_slices: bool


def _encode_shape(shape: tuple[int, ...]) -> bytes:
    return b"".join(field_bytes(2, field_varint(1, d) if d else b"") for d in shape)


def _encode_entry(
    dtype: int, shape: tuple[int, ...], shard_id: int, offset: int, size: int, crc: int
) -> bytes:
    out = bytearray()
    if dtype:
        out += field_varint(1, dtype)
    out += field_bytes(2, _encode_shape(shape))
    if shard_id:
        out += field_varint(3, shard_id)
    if offset:
        out += field_varint(4, offset)
    if size:
        out += field_varint(5, size)
    if crc:
        out += field_fixed32(6, crc)
    return bytes(out)


def _decode_shape(buf: bytes) -> tuple[int, ...]:
    dims = []
    for number, _, value in decode_fields(buf):
        if number == 2:
            size = 0
            for n2, _, v2 in decode_fields(value):
                if n2 == 1:
                    size = _signed64(v2)
            dims.append(size)
        elif number == 3 and value:
            raise errors.InvalidArgumentError(None, None, "checkpoint tensor has unknown rank")
    return tuple(dims)


def _decode_entry(buf: bytes) -> BundleEntry:
    vals: dict[str, Any] = {
        "dtype": 0,
        "shape": (),
        "shard_id": 0,
        "offset": 0,
        "size": 0,
        "crc32c": 0,
        "has_slices": False,
    }
    for number, _, value in decode_fields(buf):
        if number == 1:
            vals["dtype"] = value
        elif number == 2:
            vals["shape"] = _decode_shape(value)
        elif number == 3:
            vals["shard_id"] = value
        elif number == 4:
            vals["offset"] = _signed64(value)
        elif number == 5:
            vals["size"] = _signed64(value)
        elif number == 6:
            vals["crc32c"] = value
        elif number == 7:
            vals["has_slices"] = True
    return BundleEntry(**vals)


def _encode_header(num_shards: int) -> bytes:
    # num_shards, endianness LITTLE (0, omitted), version {producer: 1}
    return field_varint(1, num_shards) + field_bytes(3, field_varint(1, 1))


def index_filename(prefix: str) -> str:
    return f"{prefix}.index"


def data_filename(prefix: str, shard: int = 0, num_shards: int = 1) -> str:
    return f"{prefix}.data-{shard:05d}-of-{num_shards:05d}"


# ------------------------------------------------------------------------------------
# The LevelDB-style table.
# ------------------------------------------------------------------------------------
class _BlockBuilder:
    def __init__(self, restart_interval: int) -> None:
        self.interval = restart_interval
        self.buf = bytearray()
        self.restarts = [0]
        self.counter = 0
        self.last_key = b""

    def empty(self) -> bool:
        return not self.buf

    def add(self, key: bytes, value: bytes) -> None:
        shared = 0
        if self.counter < self.interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.counter = 0
        self.buf += varint(shared) + varint(len(key) - shared) + varint(len(value))
        self.buf += key[shared:] + value
        self.last_key = key
        self.counter += 1

    def size_estimate(self) -> int:
        return len(self.buf) + 4 * len(self.restarts) + 4

    def finish(self) -> bytes:
        return (
            bytes(self.buf)
            + b"".join(struct.pack("<I", r) for r in self.restarts)
            + struct.pack("<I", len(self.restarts))
        )


def _shortest_separator(start: bytes, limit: bytes) -> bytes:
    n = min(len(start), len(limit))
    i = 0
    while i < n and start[i] == limit[i]:
        i += 1
    if i >= n:
        return start
    b = start[i]
    if b < 0xFF and b + 1 < limit[i]:
        return start[:i] + bytes([b + 1])
    return start


def _short_successor(key: bytes) -> bytes:
    for i, b in enumerate(key):
        if b != 0xFF:
            return key[:i] + bytes([b + 1])
    return key


def _handle(offset: int, size: int) -> bytes:
    return varint(offset) + varint(size)


def build_table(items: Iterable[tuple[bytes, bytes]]) -> bytes:
    """A table of `items` (sorted by key) as TensorFlow's `TableBuilder` writes it."""
    out = bytearray()
    data = _BlockBuilder(_RESTART_INTERVAL)
    index = _BlockBuilder(1)
    pending: tuple[int, int] | None = None
    last_key = b""

    def write_block(block: _BlockBuilder) -> tuple[int, int]:
        contents = block.finish()
        handle = (len(out), len(contents))
        trailer = b"\x00"
        out.extend(contents + trailer + struct.pack("<I", mask(crc32c(contents + trailer))))
        return handle

    for key, value in items:
        if pending is not None:
            index.add(_shortest_separator(last_key, key), _handle(*pending))
            pending = None
        last_key = key
        data.add(key, value)
        if data.size_estimate() >= _BLOCK_SIZE:
            pending = write_block(data)
            data = _BlockBuilder(_RESTART_INTERVAL)
    if not data.empty():
        pending = write_block(data)
    metaindex = write_block(_BlockBuilder(_RESTART_INTERVAL))
    if pending is not None:
        index.add(_short_successor(last_key), _handle(*pending))
    index_handle = write_block(index)
    footer = (_handle(*metaindex) + _handle(*index_handle)).ljust(40, b"\x00")
    footer += struct.pack("<II", _TABLE_MAGIC & 0xFFFFFFFF, _TABLE_MAGIC >> 32)
    out += footer
    return bytes(out)


def _corrupt(path: str, what: str) -> errors.DataLossError:
    return errors.DataLossError(
        None,
        None,
        f"Unable to open table file {path}: DATA_LOSS: {what}: perhaps your file "
        "is in a different file format and you need to use a different restore operator?",
    )


def _read_block(buf: bytes, offset: int, size: int, path: str) -> bytes:
    end = offset + size
    if end + 5 > len(buf):
        raise _corrupt(path, "truncated block read")
    contents = buf[offset:end]
    kind = buf[end]
    (stored,) = struct.unpack_from("<I", buf, end + 1)
    if unmask(stored) != crc32c(buf[offset : end + 1]):
        raise _corrupt(path, "block checksum mismatch")
    if kind != 0:
        raise _corrupt(path, f"unsupported block compression type {kind}")
    return contents


def _block_entries(block: bytes, path: str) -> Iterator[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise _corrupt(path, "bad block contents")
    (num_restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 * (num_restarts + 1)
    if limit < 0:
        raise _corrupt(path, "bad block contents")
    pos = 0
    key = b""
    while pos < limit:
        shared, pos = read_varint(block, pos)
        unshared, pos = read_varint(block, pos)
        vlen, pos = read_varint(block, pos)
        key = key[:shared] + block[pos : pos + unshared]
        pos += unshared
        value = block[pos : pos + vlen]
        pos += vlen
        yield key, value


def read_table(path: str) -> list[tuple[bytes, bytes]]:
    """The (key, value) pairs of a table file, in order."""
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < _FOOTER_LEN:
        raise _corrupt(path, "file is too short to be an sstable")
    lo, hi = struct.unpack_from("<II", buf, len(buf) - 8)
    if (hi << 32 | lo) != _TABLE_MAGIC:
        raise _corrupt(path, "not an sstable (bad magic number)")
    footer = buf[len(buf) - _FOOTER_LEN :]
    _, pos = read_varint(footer, 0)
    _, pos = read_varint(footer, pos)
    index_off, pos = read_varint(footer, pos)
    index_size, pos = read_varint(footer, pos)
    items: list[tuple[bytes, bytes]] = []
    for _, handle in _block_entries(_read_block(buf, index_off, index_size, path), path):
        off, p = read_varint(handle, 0)
        size, _ = read_varint(handle, p)
        items.extend(_block_entries(_read_block(buf, off, size, path), path))
    return items


# ------------------------------------------------------------------------------------
# Writer and reader.
# ------------------------------------------------------------------------------------
def write_bundle(prefix: str, tensors: Iterable[tuple[str, np.ndarray]]) -> None:
    """Write `tensors` (name, array) as a one-shard bundle at `prefix`.

    The data file holds the tensors in the order given; the index is sorted by name.
    """
    entries: dict[bytes, bytes] = {}
    directory = os.path.dirname(prefix)
    if directory:
        os.makedirs(directory, exist_ok=True)
    data_path = data_filename(prefix)
    offset = 0
    with open(data_path + ".tempstate", "wb") as f:
        for name, array in tensors:
            array = np.asarray(array)
            key = name.encode("utf-8")
            if key in entries:
                raise errors.InvalidArgumentError(None, None, f"Adding duplicate key: {name}")
            raw, crc = tensor_bytes(array)
            f.write(raw)
            entries[key] = _encode_entry(
                dtype_enum(array),
                tuple(int(d) for d in array.shape),
                0,
                offset,
                len(raw),
                mask(crc),
            )
            offset += len(raw)
    items = [(b"", _encode_header(1)), *sorted(entries.items())]
    table = build_table(items)
    with open(index_filename(prefix) + ".tempstate", "wb") as f:
        f.write(table)
    os.replace(data_path + ".tempstate", data_path)
    os.replace(index_filename(prefix) + ".tempstate", index_filename(prefix))


class BundleReader:
    """Reads the tensors of the bundle at `prefix` (TF's `BundleReader`)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        path = index_filename(prefix)
        if not os.path.exists(path):
            raise errors.NotFoundError(
                None,
                None,
                f"Unsuccessful TensorSliceReader constructor: Failed to find any matching "
                f"files for {prefix}",
            )
        self.num_shards = 1
        self.entries: dict[str, BundleEntry] = {}
        for key, value in read_table(path):
            if key == b"":
                for number, _, v in decode_fields(value):
                    if number == 1:
                        self.num_shards = v
                    elif number == 2 and v != 0:
                        raise errors.UnimplementedError(
                            None, None, "Reading a big-endian tensor bundle is not supported"
                        )
                continue
            self.entries[key.decode("utf-8")] = _decode_entry(value)
        self._shards: dict[int, bytes] = {}

    def _shard(self, shard_id: int) -> memoryview:
        if shard_id not in self._shards:
            path = data_filename(self.prefix, shard_id, self.num_shards)
            try:
                with open(path, "rb") as f:
                    self._shards[shard_id] = f.read()
            except FileNotFoundError:
                raise errors.NotFoundError(
                    None, None, f"{path}; No such file or directory"
                ) from None
        return memoryview(self._shards[shard_id])

    def has_tensor(self, name: str) -> bool:
        return name in self.entries

    def get(self, name: str) -> np.ndarray:
        try:
            entry = self.entries[name]
        except KeyError:
            raise errors.NotFoundError(None, None, f"Key {name} not found in checkpoint") from None
        if entry.has_slices:
            raise errors.UnimplementedError(
                None, None, f"tfcompat cannot read the partitioned (sliced) tensor {name}"
            )
        shard = self._shard(entry.shard_id)
        raw = bytes(shard[entry.offset : entry.offset + entry.size])
        if len(raw) != entry.size:
            raise errors.DataLossError(None, None, f"Truncated data file for tensor {name}")
        count = int(np.prod(entry.shape, dtype=np.int64))
        if entry.dtype == DT_STRING:
            value, crc = _parse_string_tensor(raw, count, name)
        else:
            dt = numpy_dtype(entry.dtype)
            value, crc = np.frombuffer(raw, dtype=dt.newbyteorder("<")).astype(dt), crc32c(raw)
        if mask(crc) != entry.crc32c:
            raise errors.DataLossError(
                None,
                None,
                f"Checksum does not match: stored {entry.crc32c} vs. calculated on the "
                f"restored bytes {mask(crc)}",
            )
        return value.reshape(entry.shape)

"""TF's tensor bundle format (`.index` table + `.data` shard), written and read by hand.

Files written by TensorFlow 2.21's own `BundleWriter` (through `tf.raw_ops.SaveV2`) are
read back here, and rewriting the same tensors in the same order gives the same bytes.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

import ml_dtypes
import numpy as np
import pytest

from tfcompat._core import errors
from tfcompat.io._tfrecord import _crc32c_python
from tfcompat.train import _bundle

TENSORS: list[tuple[str, Any]] = [
    ("b/float", np.arange(12, dtype=np.float32).reshape(3, 4) / 7),
    ("a/int64", np.array([-1, 2**40, 3], dtype=np.int64)),
    ("c/bool", np.array([True, False])),
    ("d/scalar", np.array(2.5, dtype=np.float64)),
    ("e/str", np.array([b"x", b"", b"hello" * 30], dtype=object)),
    ("f/str_scalar", np.array(b"abc", dtype=object)),
    ("g/int8", np.array([[-3, 4]], dtype=np.int8)),
    ("h/half", np.array([1.5, -2.0], dtype=np.float16)),
    ("i/bf16", np.array([1.5, -2.0], dtype=ml_dtypes.bfloat16)),
    ("j/uint8", np.array([0, 255], dtype=np.uint8)),
    ("k/complex", np.array([1 + 2j], dtype=np.complex64)),
    ("l/empty", np.zeros((0, 3), dtype=np.float32)),
    ("m/int32", np.array(7, dtype=np.int32)),
]


def _tf_save(tf: Any, prefix: str, tensors: list[tuple[str, Any]]) -> None:
    tf.raw_ops.SaveV2(
        prefix=prefix,
        tensor_names=[n for n, _ in tensors],
        shape_and_slices=[""] * len(tensors),
        tensors=[tf.constant(v) for _, v in tensors],
    )


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tolist() == b.tolist()


def _files(prefix: str) -> tuple[bytes, bytes]:
    return (
        Path(prefix + ".index").read_bytes(),
        Path(prefix + ".data-00000-of-00001").read_bytes(),
    )


def test_crc32c_parallel_path_equals_bytewise() -> None:
    data = os.urandom(3 * 4096 * 7 + 123)
    assert _bundle.crc32c(data) == _crc32c_python(data)
    assert _bundle.crc32c(data, 12345) == _crc32c_python(data, 12345)
    assert _bundle.unmask(_bundle.mask(0xDEADBEEF)) == 0xDEADBEEF


@pytest.mark.tf
def test_tf_written_bundle_reads_and_rewrites_byte_for_byte(real_tf: Any, tmp_path: Path) -> None:
    prefix = str(tmp_path / "tf")
    _tf_save(real_tf, prefix, TENSORS)
    reader = _bundle.BundleReader(prefix)
    assert sorted(reader.entries) == sorted(n for n, _ in TENSORS)
    for name, value in TENSORS:
        _same(reader.get(name), np.asarray(value))
    mine = str(tmp_path / "mine")
    _bundle.write_bundle(mine, TENSORS)
    assert _files(mine) == _files(prefix)


@pytest.mark.tf
def test_tfcompat_written_bundle_reads_in_tf(real_tf: Any, tmp_path: Path) -> None:
    prefix = str(tmp_path / "mine")
    _bundle.write_bundle(prefix, TENSORS)
    reader = real_tf.train.load_checkpoint(prefix)
    shapes = reader.get_variable_to_shape_map()
    for name, value in TENSORS:
        assert shapes[name] == list(np.shape(value))
        got = reader.get_tensor(name)
        _same(np.asarray(got, dtype=np.asarray(value).dtype), np.asarray(value))


@pytest.mark.tf
def test_many_entries_span_several_table_blocks(real_tf: Any, tmp_path: Path) -> None:
    # 256 KiB blocks: ~4000 long keys need several data blocks and index separators.
    tensors = [(f"layer_{i:05d}/" + "k" * 60, np.array(i, np.int32)) for i in range(4500)]
    big = ("zz/big", np.random.RandomState(0).rand(300_000).astype(np.float32))
    tensors.append(big)
    _tf_save(real_tf, str(tmp_path / "tf"), tensors)
    _bundle.write_bundle(str(tmp_path / "mine"), tensors)
    assert _files(str(tmp_path / "mine")) == _files(str(tmp_path / "tf"))
    reader = _bundle.BundleReader(str(tmp_path / "tf"))
    _same(reader.get("zz/big"), big[1])
    _same(reader.get("layer_04321/" + "k" * 60), np.array(4321, np.int32))


def test_corrupt_files_raise_data_loss(tmp_path: Path) -> None:
    prefix = str(tmp_path / "c")
    _bundle.write_bundle(prefix, TENSORS[:2])
    data = bytearray(Path(prefix + ".data-00000-of-00001").read_bytes())
    data[5] ^= 0xFF
    Path(prefix + ".data-00000-of-00001").write_bytes(bytes(data))
    reader = _bundle.BundleReader(prefix)
    with pytest.raises(errors.DataLossError, match="Checksum does not match"):
        reader.get("b/float")
    index = bytearray(Path(prefix + ".index").read_bytes())
    index[3] ^= 0xFF
    Path(prefix + ".index").write_bytes(bytes(index))
    with pytest.raises(errors.DataLossError):
        _bundle.BundleReader(prefix)
    Path(prefix + ".index").write_bytes(b"not a table" * 10)
    with pytest.raises(errors.DataLossError):
        _bundle.BundleReader(prefix)
    with pytest.raises(errors.NotFoundError):
        _bundle.BundleReader(str(tmp_path / "missing"))


def test_string_tensor_layout() -> None:
    raw, crc = _bundle.tensor_bytes(np.array([b"ab", b"c"], dtype=object))
    assert raw[:2] == b"\x02\x01" and raw[-3:] == b"abc"
    (stored,) = struct.unpack("<I", raw[2:6])
    assert stored == _bundle.mask(_bundle.crc32c(struct.pack("<II", 2, 1)))
    assert crc == _bundle.crc32c(b"abc", _bundle.crc32c(raw[2:6], _bundle.unmask(stored)))

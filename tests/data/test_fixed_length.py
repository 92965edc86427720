"""tf.data.FixedLengthRecordDataset against TF 2.21: records, headers and footers,
compression, several files, and TF's errors."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.tf


@pytest.fixture
def bins(tmp_path: Path) -> Path:
    (tmp_path / "a.bin").write_bytes(b"HH" + bytes(range(12)) + b"F")
    (tmp_path / "b.bin").write_bytes(b"HH" + bytes(range(13)) + b"F")
    (tmp_path / "c.bin.gz").write_bytes(gzip.compress(b"HH" + bytes(range(12)) + b"F"))
    (tmp_path / "d.bin").write_bytes(bytes(range(24)))
    return tmp_path


def _view(ds: Any) -> Any:
    return [repr(ds.element_spec), repr(ds), [repr(e) for e in ds], int(ds.cardinality())]


CASES = {
    "header_footer": lambda tf, d: tf.data.FixedLengthRecordDataset(
        str(d / "a.bin"), 4, header_bytes=2, footer_bytes=1
    ),
    "not_a_multiple": lambda tf, d: tf.data.FixedLengthRecordDataset(
        str(d / "b.bin"), 4, header_bytes=2, footer_bytes=1
    ),
    "gzip": lambda tf, d: tf.data.FixedLengthRecordDataset(
        str(d / "c.bin.gz"), 4, header_bytes=2, footer_bytes=1, compression_type="GZIP"
    ),
    "two_files": lambda tf, d: tf.data.FixedLengthRecordDataset(
        [str(d / "d.bin"), str(d / "d.bin")], 6
    ),
    "parallel_reads": lambda tf, d: tf.data.FixedLengthRecordDataset(
        [str(d / "d.bin"), str(d / "a.bin")], 3, num_parallel_reads=2
    ),
    "then_decode": lambda tf, d: tf.data.FixedLengthRecordDataset(str(d / "d.bin"), 8).map(
        lambda r: tf.io.decode_raw(r, tf.uint8)
    ),
    "missing_file": lambda tf, d: tf.data.FixedLengthRecordDataset(str(d / "nope.bin"), 4),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fixed_length_records(name: str, bins: Path, run_both: Any) -> None:
    run_both(lambda tf: _view(CASES[name](tf, bins)))

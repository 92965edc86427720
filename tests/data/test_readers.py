"""File-backed datasets against TensorFlow 2.21, on files the tests write."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tfcompat
from tfcompat.data._readers import crc32c, write_record

RECORDS = [b"abc", b"", b"x" * 300, bytes(range(256))]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for i in range(3):
        (tmp_path / f"f{i}.txt").write_bytes(f"a{i}\nb{i}\r\n\nc{i}".encode())
    (tmp_path / "end.txt").write_bytes(b"last line\n")
    with open(tmp_path / "r.tfrecord", "wb") as f:
        for r in RECORDS:
            write_record(f, r)
    (tmp_path / "r.tfrecord.gz").write_bytes(gzip.compress((tmp_path / "r.tfrecord").read_bytes()))
    (tmp_path / "r.tfrecord.zlib").write_bytes(
        zlib.compress((tmp_path / "r.tfrecord").read_bytes())
    )
    (tmp_path / "data.csv").write_text(
        'a,b,c,label\n1,2.5,x,0\n3,1.0,"y,z",1\n2147483648,0.25,w,0\n4,0.5,v,1\n5,1.5,u,0\n'
    )
    (tmp_path / "small.csv").write_text("a,b,c\n1,,p\n2,3.5,\n")
    (tmp_path / "bad.tfrecord").write_bytes(b"not a record file at all")
    return tmp_path


def elements(ds: Any) -> list[Any]:
    return [repr(ds), ds.element_spec, ds.cardinality(), list(ds.as_numpy_iterator())]


def test_crc32c_known_values() -> None:
    # RFC 3720's CRC-32C check value, and TF's masked CRC of a record written by TF.
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


def test_list_files(run_both: Any, files: Path) -> None:
    def fn(tf: Any) -> Any:
        ds = tf.data.Dataset.list_files(str(files / "f*.txt"), shuffle=False)
        both = tf.data.Dataset.list_files(
            [str(files / "f1.txt"), str(files / "*.csv")], shuffle=False
        )
        return [
            [x.decode().replace(str(files), "") for x in ds.as_numpy_iterator()],
            repr(ds),
            ds.cardinality(),
            [x.decode().replace(str(files), "") for x in both.as_numpy_iterator()],
        ]

    run_both(fn)


def test_list_files_shuffle_is_seeded() -> None:
    tf = tfcompat
    pattern = str(Path(__file__).parent / "*.py")

    def names(seed: Any) -> list[bytes]:
        return [
            bytes(x) for x in tf.data.Dataset.list_files(pattern, seed=seed).as_numpy_iterator()
        ]

    a, b = names(3), names(3)
    assert a == b and sorted(a) == sorted(names(None))


def test_list_files_order_equals_tf(real_tf: Any) -> None:
    pattern = str(Path(__file__).parent / "*.py")

    def names(tf: Any) -> list[bytes]:
        ds = tf.data.Dataset.list_files(pattern, seed=11)
        return [bytes(x) for x in ds.as_numpy_iterator()] + [
            bytes(x) for x in ds.as_numpy_iterator()
        ]

    assert names(tfcompat) == names(real_tf)


def test_list_files_no_match(run_both: Any, files: Path) -> None:
    run_both(lambda tf: tf.data.Dataset.list_files(str(files / "*.nope")), message=False)


def test_text_line_dataset(run_both: Any, files: Path) -> None:
    def fn(tf: Any) -> Any:
        names = [str(files / "f0.txt"), str(files / "f1.txt"), str(files / "end.txt")]
        listed = tf.data.Dataset.list_files(str(files / "f*.txt"), shuffle=False)
        return [
            elements(tf.data.TextLineDataset(names)),
            elements(tf.data.TextLineDataset(names[0])),
            list(tf.data.TextLineDataset(listed).as_numpy_iterator()),
            list(listed.interleave(tf.data.TextLineDataset, cycle_length=2).as_numpy_iterator()),
            list(tf.data.TextLineDataset(names, num_parallel_reads=2).as_numpy_iterator()),
            list(tf.data.TextLineDataset(names).skip(1).map(lambda s: (s, 1)).as_numpy_iterator()),
        ]

    run_both(fn)


def test_tfrecord_dataset(run_both: Any, files: Path) -> None:
    def fn(tf: Any) -> Any:
        path = str(files / "r.tfrecord")
        return [
            elements(tf.data.TFRecordDataset(path)),
            elements(tf.data.TFRecordDataset([path, path])),
            list(tf.data.TFRecordDataset(str(files / "r.tfrecord.gz"), "GZIP").as_numpy_iterator()),
            list(
                tf.data.TFRecordDataset(
                    str(files / "r.tfrecord.zlib"), compression_type="ZLIB"
                ).as_numpy_iterator()
            ),
            list(tf.data.TFRecordDataset([path] * 3, num_parallel_reads=2).take(5)),
        ]

    run_both(fn)


def test_tfrecords_written_by_tf_are_read(real_tf: Any, files: Path) -> None:
    path = str(files / "tf.tfrecord")
    with real_tf.io.TFRecordWriter(path) as w:
        for r in RECORDS:
            w.write(r)
    assert (files / "tf.tfrecord").read_bytes() == (files / "r.tfrecord").read_bytes()
    got = list(tfcompat.data.TFRecordDataset(path).as_numpy_iterator())
    assert got == RECORDS


@pytest.mark.parametrize(
    "name", ["missing_text", "missing_record", "corrupt_record", "bad_compression"]
)
def test_file_errors(run_both: Any, files: Path, name: str) -> None:
    cases = {
        "missing_text": lambda tf: list(tf.data.TextLineDataset(str(files / "missing.txt"))),
        "missing_record": lambda tf: list(tf.data.TFRecordDataset(str(files / "missing"))),
        "corrupt_record": lambda tf: list(tf.data.TFRecordDataset(str(files / "bad.tfrecord"))),
        "bad_compression": lambda tf: list(
            tf.data.TFRecordDataset(str(files / "r.tfrecord"), compression_type="LZ4")
        ),
    }
    run_both(cases[name], message=name == "missing_text")


def test_make_csv_dataset(run_both: Any, files: Path) -> None:
    def fn(tf: Any) -> Any:
        path = str(files / "data.csv")
        mk = tf.data.experimental.make_csv_dataset
        return [
            elements(mk(path, batch_size=2, label_name="label", shuffle=False, num_epochs=1)),
            elements(
                mk(path, batch_size=3, shuffle=False, num_epochs=1, select_columns=["a", "c"])
            ),
            elements(
                mk(
                    str(files / "small.csv"),
                    batch_size=2,
                    shuffle=False,
                    num_epochs=1,
                    column_defaults=[[0], [9.0], ["?"]],
                )
            ),
            mk(path, batch_size=2, shuffle=False).element_spec,
            [b["a"].shape for b in mk(path, batch_size=2, shuffle=False, num_epochs=None).take(4)],
        ]

    run_both(fn)


def test_make_csv_dataset_missing_field(run_both: Any, files: Path) -> None:
    def fn(tf: Any, defaults: Any) -> Any:
        return list(
            tf.data.experimental.make_csv_dataset(
                str(files / "small.csv"),
                batch_size=2,
                shuffle=False,
                num_epochs=1,
                column_defaults=defaults,
            )
        )

    run_both(lambda tf: fn(tf, None))  # inferred columns default to 0 and ""
    run_both(lambda tf: fn(tf, [0, 9.0, "?"]))  # scalars: the columns are required
    run_both(lambda tf: fn(tf, [tf.int32, tf.float32, tf.string]))


def test_make_csv_dataset_shuffles_rows(files: Path) -> None:
    tf = tfcompat
    mk = tf.data.experimental.make_csv_dataset
    path = str(files / "data.csv")

    def rows(seed: int) -> list[int]:
        ds = mk(path, batch_size=5, num_epochs=1, shuffle_seed=seed)
        return [int(v) for v in next(iter(ds))["a"].numpy()]

    assert rows(1) == rows(1)
    assert sorted(rows(1)) == [1, 3, 4, 5, 2147483648]


def test_text_lines_feed_a_string_pipeline(files: Path) -> None:
    tf = tfcompat
    ds = tf.data.TextLineDataset(str(files / "f0.txt"))
    assert [bytes(x) for x in ds.as_numpy_iterator()] == [b"a0", b"b0", b"", b"c0"]
    np.testing.assert_array_equal(
        next(iter(tf.data.TextLineDataset(str(files / "f0.txt")).batch(4))).numpy(),
        np.array([b"a0", b"b0", b"", b"c0"], dtype=object),
    )

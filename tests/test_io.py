"""`tf.io`, `tf.io.gfile`, TFRecord and `tf.train.Example` against TF 2.21.

Every file is written by the test itself (images with Pillow in several modes, text,
CSV, TFRecord files); each snippet runs on TensorFlow and on tfcompat and the results
(values bit for bit, dtypes, shapes, reprs, exception classes and messages) are compared.
"""

from __future__ import annotations

import gzip
import inspect
import io
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tfcompat
from tfcompat.io import _tfrecord

Image = pytest.importorskip("PIL.Image")

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (7, 9, 3), dtype=np.uint8)
RGBA = RNG.integers(0, 256, (5, 6, 4), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (6, 5), dtype=np.uint8)
GRAY16 = RNG.integers(0, 65536, (4, 3), dtype=np.uint16)


def _save(img: Any, fmt: str, **kw: Any) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _palette() -> Any:
    img = Image.fromarray(RGB).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return img


def _gif() -> bytes:
    frames = [Image.fromarray(RNG.integers(0, 256, (8, 10, 3), dtype=np.uint8)) for _ in range(3)]
    frames = [f.convert("P", palette=Image.Palette.ADAPTIVE, colors=32) for f in frames]
    return _save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=10)


IMAGES: dict[str, Callable[[], bytes]] = {
    "png_rgb": lambda: _save(Image.fromarray(RGB), "PNG"),
    "png_rgba": lambda: _save(Image.fromarray(RGBA), "PNG"),
    "png_gray": lambda: _save(Image.fromarray(GRAY), "PNG"),
    "png_gray_alpha": lambda: _save(Image.fromarray(RGBA[..., :2].copy(), "LA"), "PNG"),
    "png_palette": lambda: _save(_palette(), "PNG"),
    "png_palette_transparent": lambda: _save(_palette(), "PNG", transparency=3),
    "png_16bit": lambda: _save(Image.fromarray(GRAY16), "PNG"),
    "jpeg_rgb": lambda: _save(Image.fromarray(RGB), "JPEG", quality=90),
    "jpeg_gray": lambda: _save(Image.fromarray(GRAY), "JPEG", quality=90),
    "bmp_rgb": lambda: _save(Image.fromarray(RGB), "BMP"),
    "gif_animated": _gif,
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("io")
    out = {}
    for name, make in IMAGES.items():
        path = root / name
        path.write_bytes(make())
        out[name] = str(path)
    (root / "text.txt").write_text("first line\nsecond line\n")
    out["text"] = str(root / "text.txt")
    out["dir"] = str(root)
    return out


# Pillow decodes JPEG with libjpeg-turbo's accurate integer IDCT; TF's default is its
# fast IDCT (see docs/strings_io_image.md).
ACCURATE = {"dct_method": "INTEGER_ACCURATE"}


def _decode_cases() -> list[tuple[str, str, Callable[[Any, Any], Any]]]:
    cases = []
    for name in IMAGES:
        if name.startswith("jpeg"):
            cases.append((name, "decode_jpeg", lambda tf, c: tf.io.decode_jpeg(c, **ACCURATE)))
            for ch in (1, 3):
                cases.append(
                    (
                        name,
                        f"decode_jpeg_ch{ch}",
                        lambda tf, c, ch=ch: tf.io.decode_jpeg(c, ch, **ACCURATE),
                    )
                )
            cases.append(
                (name, "decode_image_ch4", lambda tf, c: tf.io.decode_image(c, channels=4))
            )
            continue
        cases.append((name, "decode_image", lambda tf, c: tf.io.decode_image(c)))
        for ch in (1, 3, 4):
            cases.append(
                (name, f"decode_image_ch{ch}", lambda tf, c, ch=ch: tf.io.decode_image(c, ch))
            )
        cases.append(
            (name, "decode_image_float", lambda tf, c: tf.io.decode_image(c, dtype=tf.float32))
        )
        cases.append(
            (
                name,
                "decode_image_no_animation",
                lambda tf, c: tf.io.decode_image(c, expand_animations=False),
            )
        )
        if name.startswith("png"):
            cases.append((name, "decode_png", lambda tf, c: tf.io.decode_png(c)))
            cases.append((name, "decode_png_ch1", lambda tf, c: tf.io.decode_png(c, 1)))
            cases.append(
                (name, "decode_png_u16", lambda tf, c: tf.io.decode_png(c, dtype=tf.uint16))
            )
        if name.startswith("bmp"):
            cases.append((name, "decode_bmp", lambda tf, c: tf.io.decode_bmp(c)))
        if name.startswith("gif"):
            cases.append((name, "decode_gif", lambda tf, c: tf.io.decode_gif(c)))
    return cases


DECODE = _decode_cases()


@pytest.mark.parametrize(("image", "what", "fn"), DECODE, ids=[f"{i}-{w}" for i, w, _ in DECODE])
def test_decoding_is_bit_exact(
    image: str, what: str, fn: Any, files: dict[str, str], run_both: Any
) -> None:
    run_both(lambda tf: fn(tf, tf.io.read_file(files[image])))


@pytest.mark.parametrize("image", ["jpeg_rgb", "jpeg_gray"])
@pytest.mark.parametrize("channels", [0, 1, 3])
def test_jpeg_default_decoding_within_tolerance(
    image: str, channels: int, files: dict[str, str], real_tf: Any
) -> None:
    data = Path(files[image]).read_bytes()
    for decode in ("decode_jpeg", "decode_image"):
        theirs = getattr(real_tf.io, decode)(data, channels).numpy()
        ours = getattr(tfcompat.io, decode)(data, channels).numpy()
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
        assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 4
    theirs = real_tf.io.decode_image(data, channels, dtype=real_tf.float32).numpy()
    ours = tfcompat.io.decode_image(data, channels, dtype=tfcompat.float32).numpy()
    assert ours.dtype == theirs.dtype and np.abs(ours - theirs).max() <= 4 / 255 + 1e-6


ENCODE: dict[str, Callable[[Any], Any]] = {
    "png_rgb": lambda tf: tf.io.decode_png(tf.io.encode_png(RGB)),
    "png_rgba": lambda tf: tf.io.decode_png(tf.io.encode_png(RGBA)),
    "png_gray": lambda tf: tf.io.decode_png(tf.io.encode_png(GRAY[..., None])),
    "png_gray16": lambda tf: tf.io.decode_png(tf.io.encode_png(GRAY16[..., None]), dtype=tf.uint16),
    "png_level": lambda tf: tf.io.decode_png(tf.io.encode_png(RGB, compression=9)),
    "is_jpeg": lambda tf: (tf.io.is_jpeg(tf.io.encode_jpeg(RGB)), tf.io.is_jpeg(b"x")),
    "jpeg_shape": lambda tf: tf.io.decode_jpeg(tf.io.encode_jpeg(RGB)).shape,
    "png_bad_dtype": lambda tf: tf.io.encode_png(RGB.astype(np.float32)),
}


@pytest.mark.parametrize("name", list(ENCODE))
def test_encoding_round_trips(name: str, run_both: Any) -> None:
    run_both(ENCODE[name], message=False)


@pytest.mark.parametrize("quality", [75, 95])
def test_jpeg_encoding_within_tolerance(quality: int, real_tf: Any) -> None:
    """JPEG bytes differ (encoder and headers); decoded pixels stay close to TF's."""
    smooth = np.clip(
        np.add.outer(np.arange(32), np.arange(48))[..., None] * np.array([2, 3, 1]), 0, 255
    ).astype(np.uint8)
    ours = tfcompat.io.decode_jpeg(tfcompat.io.encode_jpeg(smooth, quality=quality)).numpy()
    theirs = real_tf.io.decode_jpeg(real_tf.io.encode_jpeg(smooth, quality=quality)).numpy()
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 4
    # and TF decodes tfcompat's JPEG to what tfcompat decodes
    assert np.array_equal(
        real_tf.io.decode_jpeg(tfcompat.io.encode_jpeg(smooth).numpy(), **ACCURATE).numpy(),
        tfcompat.io.decode_jpeg(tfcompat.io.encode_jpeg(smooth)).numpy(),
    )


BAD: dict[str, Callable[[Any], Any]] = {
    "read_missing": lambda tf: tf.io.read_file("/nonexistent/file.png"),
    "png_garbage": lambda tf: tf.io.decode_png(b"garbage"),
    "jpeg_garbage": lambda tf: tf.io.decode_jpeg(b"garbage"),
    "image_garbage": lambda tf: tf.io.decode_image(b"garbage"),
    "bmp_garbage": lambda tf: tf.io.decode_bmp(b"garbage"),
    "gif_garbage": lambda tf: tf.io.decode_gif(b"garbage"),
    "png_corrupt": lambda tf: tf.io.decode_png(b"\x89PNG\r\n\x1a\ngarbage"),
    "image_channels": lambda tf: tf.io.decode_image(tf.io.encode_png(RGB), channels=5),
    "png_channels": lambda tf: tf.io.decode_png(tf.io.encode_png(RGB), channels=2),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_raises_tf_errors(name: str, run_both: Any) -> None:
    run_both(BAD[name])


MISC: dict[str, Callable[[Any], Any]] = {
    "decode_raw": lambda tf: tf.io.decode_raw(tf.constant(["abcd", "efgh"]), tf.int16),
    "decode_raw_big_endian": lambda tf: tf.io.decode_raw(["abcd"], tf.int32, little_endian=False),
    "decode_raw_float": lambda tf: tf.io.decode_raw(np.float32([1.5, -2]).tobytes(), tf.float32),
    "decode_raw_sizes": lambda tf: tf.io.decode_raw(tf.constant(["abcd", "ef"]), tf.int16),
    "decode_raw_multiple": lambda tf: tf.io.decode_raw(tf.constant(["abc"]), tf.int16),
    "decode_raw_fixed": lambda tf: tf.io.decode_raw(["ab", "abcd"], tf.uint8, fixed_length=3),
    "csv": lambda tf: tf.io.decode_csv(["1,2.5,x", "3,,y"], [[0], [0.0], ["d"]]),
    "csv_types": lambda tf: tf.io.decode_csv(
        ["7,1e3,hello"], [tf.constant([0], tf.int64), tf.constant([0.0], tf.float64), [""]]
    ),
    "csv_delim": lambda tf: tf.io.decode_csv(["1;2"], [[0], [0]], field_delim=";"),
    "csv_quotes": lambda tf: tf.io.decode_csv(['"a,b",2'], [[""], [0]]),
    "csv_na": lambda tf: tf.io.decode_csv(["NA,2"], [[9], [0]], na_value="NA"),
    "csv_select": lambda tf: tf.io.decode_csv(["1,2,3"], [[0], [0]], select_cols=[0, 2]),
    "csv_count_error": lambda tf: tf.io.decode_csv(["1,2.5", "3,,y"], [[0], [0.0], ["d"]]),
    "csv_required": lambda tf: tf.io.decode_csv(
        ["1,,x"], [[0], tf.constant([], tf.float32), ["d"]]
    ),
    "csv_bad_int": lambda tf: tf.io.decode_csv(["a,2"], [[0], [0]]),
    "serialize_float": lambda tf: tf.io.serialize_tensor(tf.constant([1.0, 2.0])),
    "serialize_scalar": lambda tf: tf.io.serialize_tensor(tf.constant(3, tf.int64)),
    "serialize_strings": lambda tf: tf.io.serialize_tensor(tf.constant(["a", "bc"])),
    "serialize_bool": lambda tf: tf.io.serialize_tensor(tf.constant([[True, False]])),
    "parse_int": lambda tf: tf.io.parse_tensor(tf.io.serialize_tensor([[1, 2]]), tf.int32),
    "parse_strings": lambda tf: tf.io.parse_tensor(
        tf.io.serialize_tensor(tf.constant([["a"], ["b"]])), tf.string
    ),
    "parse_mismatch": lambda tf: tf.io.parse_tensor(tf.io.serialize_tensor([[1, 2]]), tf.float32),
}


@pytest.mark.parametrize("name", list(MISC))
def test_io_ops_match(name: str, run_both: Any) -> None:
    run_both(MISC[name])


def test_files_and_text(files: dict[str, str], tmp_path: Path, run_both: Any) -> None:
    run_both(lambda tf: tf.io.read_file(files["text"]))
    run_both(lambda tf: tf.strings.split(tf.io.read_file(files["text"]), "\n"))

    def write_then_read(tf: Any) -> Any:
        path = str(tmp_path / tf.__name__ / "sub" / "out.bin")
        tf.io.write_file(path, tf.constant(b"\x00payload"))
        return tf.io.read_file(path)

    run_both(write_then_read)


def _gfile_script(tf: Any, root: str) -> list[Any]:
    g = tf.io.gfile
    out: list[Any] = []

    def t(f: Callable[[], Any]) -> None:
        try:
            r = f()
        except Exception as exc:
            out.append((type(exc).__name__, str(exc).replace(root, "D")))
            return
        out.append(r.replace(root, "D") if isinstance(r, str) else r)

    d = root
    t(lambda: g.makedirs(d + "/a/b"))
    t(lambda: g.mkdir(d + "/a"))
    t(lambda: g.mkdir(d + "/x/y"))
    t(lambda: (g.exists(d + "/a"), g.isdir(d + "/a"), g.exists(d + "/q")))
    with g.GFile(d + "/a/f.txt", "w") as f:
        f.write("line1\nline2\n")
    t(lambda: g.GFile(d + "/a/f.txt").read())
    t(lambda: g.GFile(d + "/a/f.txt", "rb").read())
    t(lambda: g.GFile(d + "/a/f.txt").readlines())
    t(lambda: list(g.GFile(d + "/a/f.txt")))
    t(lambda: g.GFile(d + "/a/f.txt").size())
    t(lambda: sorted(g.listdir(d + "/a")))
    t(lambda: [p.replace(d, "D") for p in sorted(g.glob(d + "/a/*"))])
    t(lambda: g.glob(d + "/nope/*"))
    t(lambda: g.copy(d + "/a/f.txt", d + "/a/g.txt"))
    t(lambda: g.copy(d + "/a/f.txt", d + "/a/g.txt"))
    t(lambda: g.rename(d + "/a/g.txt", d + "/a/h.txt"))
    t(lambda: g.stat(d + "/a/h.txt").length)
    t(lambda: [(p.replace(d, "D"), sorted(ds), sorted(fs)) for p, ds, fs in g.walk(d)])
    t(lambda: g.remove(d + "/a/h.txt"))
    t(lambda: g.remove(d + "/a/h.txt"))
    t(lambda: g.remove(d + "/a"))
    t(lambda: g.listdir(d + "/a/f.txt"))
    t(lambda: g.GFile(d + "/zz").read())
    t(lambda: g.GFile(d + "/a", "r").read())
    t(lambda: g.stat(d + "/nope"))
    t(lambda: g.rmtree(d + "/a"))
    t(lambda: g.rmtree(d + "/a"))
    t(lambda: g.exists(d + "/a"))
    t(lambda: g.join("a", "b", "c"))
    return out


def test_gfile_matches(tmp_path: Path, real_tf: Any) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tfc").mkdir()
    theirs = _gfile_script(real_tf, str(tmp_path / "tf"))
    ours = _gfile_script(tfcompat, str(tmp_path / "tfc"))
    assert ours == theirs


# -- TFRecord -----------------------------------------------------------------------------------
RECORDS = [b"", b"a", b"hello world" * 50, bytes(range(256))]


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecord_round_trips_with_tensorflow(
    compression: str, tmp_path: Path, real_tf: Any
) -> None:
    ours, theirs = str(tmp_path / "ours.tfrecord"), str(tmp_path / "theirs.tfrecord")
    with tfcompat.io.TFRecordWriter(ours, compression or None) as w:
        for r in RECORDS:
            w.write(r)
    with real_tf.io.TFRecordWriter(theirs, compression or None) as w:
        for r in RECORDS:
            w.write(r)
    read_by_tf = [
        t.numpy() for t in real_tf.data.TFRecordDataset(ours, compression_type=compression)
    ]
    assert read_by_tf == RECORDS
    assert list(_tfrecord.iter_records(theirs, compression)) == RECORDS
    raw_ours, raw_theirs = Path(ours).read_bytes(), Path(theirs).read_bytes()
    if compression == "GZIP":
        raw_ours, raw_theirs = gzip.decompress(raw_ours), gzip.decompress(raw_theirs)
    elif compression == "ZLIB":
        raw_ours, raw_theirs = zlib.decompress(raw_ours), zlib.decompress(raw_theirs)
    assert raw_ours == raw_theirs  # the framing is byte for byte TF's


def test_tfrecord_options_and_tensors(tmp_path: Path) -> None:
    path = str(tmp_path / "x.tfrecord")
    opts = tfcompat.io.TFRecordOptions(compression_type="GZIP", compression_level=9)
    with tfcompat.io.TFRecordWriter(path, opts) as w:
        w.write(tfcompat.constant(b"tensor"))
        w.write("text")
    assert list(_tfrecord.iter_records(path, "GZIP")) == [b"tensor", b"text"]


def test_tfrecord_corruption_is_data_loss(tmp_path: Path) -> None:
    path = tmp_path / "bad.tfrecord"
    with tfcompat.io.TFRecordWriter(str(path)) as w:
        w.write(b"payload")
    data = bytearray(path.read_bytes())
    data[14] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(tfcompat.errors.DataLossError, match="corrupted record at 0"):
        list(_tfrecord.iter_records(str(path)))
    path.write_bytes(bytes(data[:10]))
    with pytest.raises(tfcompat.errors.DataLossError, match="truncated record at 0"):
        list(_tfrecord.iter_records(str(path)))
    with pytest.raises(tfcompat.errors.NotFoundError):
        list(_tfrecord.iter_records(str(tmp_path / "missing")))


def test_crc32c_known_values() -> None:
    # RFC 3720 test vectors for CRC-32C.
    assert _tfrecord.crc32c(b"") == 0
    assert _tfrecord.crc32c(b"123456789") == 0xE3069283
    assert _tfrecord.crc32c(bytes(32)) == 0x8A9136AA


@pytest.mark.parametrize("n", [256, 16383, 16384, 16385, 40_000, 131_072, 300_001])
def test_crc32c_numpy_path_equals_table_path(n: int) -> None:
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8).tobytes()
    assert _tfrecord._crc32c_numpy(data) == _tfrecord._crc32c_python(data)
    assert _tfrecord.crc32c(data) == _tfrecord._crc32c_python(data)


def test_large_records_written_by_tf_read_back(real_tf: Any, tmp_path: Any) -> None:
    path = str(tmp_path / "big.tfrecord")
    records = [bytes(range(256)) * 400, b"x" * 70_001, b""]
    with real_tf.io.TFRecordWriter(path) as w:
        for r in records:
            w.write(r)
    assert list(_tfrecord.iter_records(path)) == records
    out = tmp_path / "ours.tfrecord"
    with tfcompat.io.TFRecordWriter(str(out)) as w:
        for r in records:
            w.write(r)
    assert out.read_bytes() == (tmp_path / "big.tfrecord").read_bytes()


# -- tf.train.Example ---------------------------------------------------------------------------
def _example(tf: Any, i: int) -> Any:
    f = tf.train
    return f.Example(
        features=f.Features(
            feature={
                "id": f.Feature(int64_list=f.Int64List(value=[i, i * 10])),
                "x": f.Feature(float_list=f.FloatList(value=[0.5 * i])),
                "name": f.Feature(bytes_list=f.BytesList(value=[b"n%d" % i])),
            }
        )
    )


def test_example_protos_are_tfs(real_tf: Any) -> None:
    for i in range(3):
        ours, theirs = _example(tfcompat, i), _example(real_tf, i)
        assert ours.SerializeToString(deterministic=True) == theirs.SerializeToString(
            deterministic=True
        )
        assert str(ours) == str(theirs)
        parsed = tfcompat.train.Example.FromString(theirs.SerializeToString())
        assert parsed == ours


FEATURES = {
    "fixed": lambda tf: {
        "id": tf.io.FixedLenFeature([2], tf.int64),
        "x": tf.io.FixedLenFeature([], tf.float32),
        "name": tf.io.FixedLenFeature([], tf.string),
    },
    "default": lambda tf: {
        "missing": tf.io.FixedLenFeature([2], tf.float32, default_value=[1.0, 2.0]),
        "missing_s": tf.io.FixedLenFeature([], tf.string, default_value="dflt"),
        "x": tf.io.FixedLenFeature([1], tf.float32),
    },
    "required": lambda tf: {"missing": tf.io.FixedLenFeature([], tf.int64)},
    "wrong_type": lambda tf: {"id": tf.io.FixedLenFeature([2], tf.float32)},
    "wrong_size": lambda tf: {"id": tf.io.FixedLenFeature([3], tf.int64)},
}


@pytest.mark.parametrize("name", list(FEATURES))
def test_parse_single_example(name: str, run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        data = _example(tf, 2).SerializeToString()
        return tf.io.parse_single_example(data, FEATURES[name](tf))

    run_both(fn)


@pytest.mark.parametrize("name", ["fixed", "default"])
def test_parse_example_batch(name: str, run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        data = [_example(tf, i).SerializeToString() for i in range(3)]
        return tf.io.parse_example(tf.constant(data), FEATURES[name](tf))

    run_both(fn)


def _composite_example(tf: Any, d: dict[str, list[Any]]) -> bytes:
    f = tf.train
    feats = {}
    for k, v in d.items():
        if isinstance(v[0], int):
            feats[k] = f.Feature(int64_list=f.Int64List(value=v))
        elif isinstance(v[0], float):
            feats[k] = f.Feature(float_list=f.FloatList(value=v))
        else:
            feats[k] = f.Feature(bytes_list=f.BytesList(value=v))
    return f.Example(features=f.Features(feature=feats)).SerializeToString()


def _composite_data(tf: Any) -> list[bytes]:
    return [
        _composite_example(
            tf,
            {
                "a": [1, 2, 3],
                "b": [1.5],
                "c": [b"x", b"y"],
                "l": [2, 1],
                "a2": [1, 2, 3, 4],
                "v2": [5.0, 6.0],
                "ix": [3, 0],
                "vv": [5.0, 6.0],
                "rid": [0, 0, 2],
            },
        ),
        _composite_example(
            tf,
            {"a": [4], "b": [2.5], "c": [b"z"], "l": [1, 0], "a2": [4, 5], "v2": [7.0], "ix": [1]}
            | {"vv": [7.0], "rid": [1]},
        ),
    ]


COMPOSITE_FEATURES = {
    "var_len": lambda tf: {"a": tf.io.VarLenFeature(tf.int64), "c": tf.io.VarLenFeature(tf.string)},
    "ragged": lambda tf: {"c": tf.io.RaggedFeature(tf.string)},
    "ragged_row_lengths": lambda tf: {
        "r": tf.io.RaggedFeature(
            tf.int64, value_key="a", partitions=[tf.io.RaggedFeature.RowLengths("l")]
        )
    },
    "ragged_row_ids_int64": lambda tf: {
        "r": tf.io.RaggedFeature(
            tf.int64,
            value_key="a",
            partitions=[tf.io.RaggedFeature.ValueRowIds("rid")],
            row_splits_dtype=tf.int64,
        )
    },
    "ragged_uniform": lambda tf: {
        "r": tf.io.RaggedFeature(
            tf.int64, value_key="a2", partitions=[tf.io.RaggedFeature.UniformRowLength(2)]
        )
    },
    "sparse_feature": lambda tf: {
        "sp": tf.io.SparseFeature(index_key="ix", value_key="vv", dtype=tf.float32, size=4)
    },
    "mixed": lambda tf: {
        "a": tf.io.VarLenFeature(tf.int64),
        "b": tf.io.FixedLenFeature([], tf.float32),
        "c": tf.io.RaggedFeature(tf.string),
    },
}


def _composite_view(out: dict[str, Any]) -> dict[str, Any]:
    return {
        k: [repr(v), repr(v._type_spec) if hasattr(v, "_type_spec") else ""] for k, v in out.items()
    }


@pytest.mark.parametrize("name", list(COMPOSITE_FEATURES))
def test_parse_composite_features(name: str, run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        data = _composite_data(tf)
        feats = COMPOSITE_FEATURES[name](tf)
        batch = _composite_view(tf.io.parse_example(data, feats))
        if name == "ragged_uniform":  # one example's values are not a multiple of 2
            return batch
        single = _composite_view(tf.io.parse_single_example(data[0], feats))
        return batch, single

    run_both(fn)


def test_feature_reprs(run_both: Any) -> None:
    run_both(
        lambda tf: [
            repr(tf.io.VarLenFeature(tf.int64)),
            repr(tf.io.RaggedFeature(tf.string)),
            repr(tf.io.RaggedFeature.RowLengths("l")),
            repr(tf.io.SparseFeature(index_key="ix", value_key="vv", dtype=tf.float32, size=4)),
        ]
    )


NAMESPACES = {
    "io": tfcompat.io.__all__,
    "io.gfile": tfcompat.io.gfile.__all__,
    "train": tfcompat.train.__all__,
}
SIGNED = [
    (ns, name)
    for ns, names in NAMESPACES.items()
    for name in names
    if callable(getattr(eval("tfcompat." + ns), name)) and name != "gfile"
]


@pytest.mark.parametrize(("ns", "name"), SIGNED, ids=[f"{n}.{m}" for n, m in SIGNED])
def test_signature_matches_tf(ns: str, name: str, real_tf: Any) -> None:
    def resolve(mod: Any) -> Any:
        for part in ns.split("."):
            mod = getattr(mod, part)
        return getattr(mod, name)

    ours, theirs = resolve(tfcompat), resolve(real_tf)
    if ns == "train" and hasattr(theirs, "DESCRIPTOR"):  # protocol buffers: same fields
        assert [f.name for f in ours.DESCRIPTOR.fields] == [
            f.name for f in theirs.DESCRIPTOR.fields
        ]
        return

    def strip(obj: Any) -> str:
        sig = inspect.signature(obj.__init__ if inspect.isclass(obj) else obj)
        params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
        return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))

    if inspect.isclass(theirs) and issubclass(theirs, tuple):  # namedtuple specs
        assert ours._fields == theirs._fields
        return
    assert strip(ours) == strip(theirs)


def test_missing_pillow_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"tfcompat\[image\]"):
        tfcompat.io.encode_png(RGB)

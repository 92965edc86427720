"""Image decoding and encoding (`tf.io.decode_png`, `decode_jpeg`, ...), with Pillow.

Pillow is an optional dependency: `pip install tfcompat[image]`. The decoders return
`uint8` (or `uint16` for `decode_png(dtype=tf.uint16)`) tensors of shape
`[height, width, channels]` (`[frames, height, width, 3]` for GIF) with TF's channel
rules. Differences from TensorFlow:

* JPEG: both decode with libjpeg-turbo, but Pillow always uses the accurate integer IDCT
  (`JDCT_ISLOW`): pixels are TF's exactly for `dct_method="INTEGER_ACCURATE"`, while TF's
  default (`dct_method=""`, its fast IDCT) differs by a few levels (at most 4 on the
  test images). `fancy_upscaling=False` is not supported for color JPEGs (Pillow always
  upsamples chroma smoothly). `encode_jpeg` writes different bytes (Pillow's encoder and
  headers); they decode to TF's pixels within JPEG's tolerance. `ratio` uses Pillow's
  `draft` (libjpeg's DCT scaling).
* PNG/BMP/GIF decoding is exact. `encode_png` writes valid PNGs whose bytes differ from
  TF's (zlib settings and filters), and which decode to the same pixels.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np

from tfcompat._core import dtypes
from tfcompat._core import errors as _errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor

__all__ = [
    "decode_bmp",
    "decode_gif",
    "decode_image",
    "decode_jpeg",
    "decode_png",
    "encode_jpeg",
    "encode_png",
    "is_jpeg",
]

_MISSING_PILLOW = (
    "tfcompat's image codecs (tf.io.decode_png, decode_jpeg, encode_png, ...) need Pillow: "
    "install the extra with `pip install tfcompat[image]` (or `pip install Pillow`)."
)
_UNKNOWN = "Unknown image file format. One of JPEG, JPEG XL, PNG, GIF, BMP, WebP required."


def _pil() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(_MISSING_PILLOW) from None
    return Image


def _contents(x: Any, op: str) -> bytes:
    t = x if isinstance(x, Tensor) else convert_to_tensor(x, dtype=dtypes.string)
    if t._dtype is not dtypes.string:
        raise _errors.dtype_mismatch(op, 0, dtypes.string, t._dtype)
    arr = np.asarray(t._value, dtype=object)
    if arr.ndim:
        raise _errors.kernel_error(op, f"contents must be scalar, got shape {list(arr.shape)}")
    return bytes(arr[()])


def _format(data: bytes) -> str:
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    return ""


def _check_channels(channels: int, op: str, allowed: tuple[int, ...] = (0, 1, 3, 4)) -> None:
    if channels not in allowed:
        words = ", ".join(str(c) for c in allowed[:-1]) + f" or {allowed[-1]}"
        raise _errors.kernel_error(op, f"`channels` must be {words} but got {channels}")


def _open(data: bytes, op: str, kind: str) -> Any:
    image = _pil()
    try:
        img = image.open(io.BytesIO(data))
        img.load()
    except Exception:
        messages = {
            "png": "Invalid PNG. Failed to initialize decoder.",
            "jpeg": "Invalid JPEG data or crop window.",
            "gif": "Failed to decode gif.",
            "bmp": "Invalid BMP data.",
        }
        raise _errors.kernel_error(op, messages.get(kind, _UNKNOWN), name=None) from None
    return img


def _gray(rgb: np.ndarray) -> np.ndarray:
    """TF's PNG RGB -> gray: libpng's `png_set_rgb_to_gray(0.299, 0.587)` in 15-bit fixed
    point, truncated."""
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    return ((9798 * r + 19235 * g + 3735 * b) >> 15).astype(rgb.dtype)


def _png_array(img: Any, data: bytes) -> tuple[np.ndarray, bool, int]:
    """The PNG's pixels with its own channel count; True when they are 16-bit; and the
    alpha value libpng fills in (TF fills a palette image of bit depth < 8 with the
    largest value of that depth, not 255)."""
    mode = img.mode
    opaque = 255
    if mode in ("I;16", "I;16B", "I"):
        return np.asarray(img, dtype=np.uint16)[..., None], True, 65535
    if mode == "P":
        if "transparency" not in img.info:
            opaque = min(255, (1 << data[24]) - 1)
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode == "1":
        img = img.convert("L")
    elif mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in mode else "RGB")
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = arr[..., None]
    return arr, False, opaque


def _to_channels(arr: np.ndarray, channels: int, opaque: int | None = None) -> np.ndarray:
    """Convert [H, W, C] pixels to `channels` (0: keep), as TF's decoders."""
    have = arr.shape[-1]
    if channels in (0, have):
        return arr
    one = np.iinfo(arr.dtype).max if opaque is None else opaque
    if have in (1, 2):
        gray = arr[..., :1]
        alpha = arr[..., 1:2] if have == 2 else np.full_like(gray, one)
        if channels == 1:
            return gray
        if channels == 2:
            return np.concatenate([gray, alpha], -1)
        rgb = np.repeat(gray, 3, -1)
        return rgb if channels == 3 else np.concatenate([rgb, alpha], -1)
    rgb = arr[..., :3]
    alpha = arr[..., 3:4] if have == 4 else np.full_like(arr[..., :1], one)
    if channels == 3:
        return rgb
    if channels == 4:
        return np.concatenate([rgb, alpha], -1)
    gray = _gray(rgb)[..., None]
    return gray if channels == 1 else np.concatenate([gray, alpha], -1)


def _host_tensor(arr: np.ndarray, dtype: Any) -> Tensor:
    """Decoded pixels as an eager tensor that keeps its NumPy array on the host (as
    tf.data's elements do): no device transfer per image; the first op that needs the
    values on the device moves them."""
    out = np.ascontiguousarray(arr, dtype=dtype.as_numpy_dtype)
    return EagerTensor(out, out.shape, dtype)


def _uint8_tensor(arr: np.ndarray) -> Tensor:
    return _host_tensor(arr, dtypes.uint8)


def decode_png(
    contents: Any, channels: int = 0, dtype: Any = dtypes.uint8, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.io.decode_png` (see the module for the codec)."""
    out = dtypes.as_dtype(dtype)
    _check_channels(channels, "DecodePng")
    data = _contents(contents, "DecodePng")
    kind = _format(data)
    if kind == "":
        raise _errors.kernel_error("DecodePng", _UNKNOWN, name=None)
    if kind != "png":  # TF's DecodePng decodes any format it recognizes (not animations)
        return _decode_any(data, channels, out, "DecodePng", expand_animations=False)
    arr, wide, opaque = _png_array(_open(data, "DecodePng", "png"), data)
    return _png_dtype(_to_channels(arr, channels, opaque), wide, out)


def _png_dtype(arr: np.ndarray, wide: bool, out: Any, png: bool = True) -> Tensor:
    """Pixels (8-bit, or 16-bit when `wide`) in the requested output dtype, as TF."""
    if out is dtypes.uint16:
        wide_arr = arr.astype(np.uint16) if wide else arr.astype(np.uint16) * 257
        return _host_tensor(wide_arr, dtypes.uint16)
    if out is dtypes.uint8:
        return _uint8_tensor((arr >> 8) if wide else arr)  # libpng's png_set_strip_16
    if out in (dtypes.float32, dtypes.float16, dtypes.float64):
        if not png:  # TF's convert_image_dtype: times the float32 of 1 / 255
            values = arr.astype(np.float32) * np.float32(1.0 / 255.0)
            return _host_tensor(values, out)
        # A PNG decodes to 16 bits, then times the float32 of 1 / 65535.
        wide16 = arr.astype(np.float32) if wide else arr.astype(np.float32) * np.float32(257)
        values = wide16 * np.float32(1.0 / 65535.0)
        return _host_tensor(values, out)
    raise TypeError(
        f"Value passed to parameter 'dtype' has DataType {out.name} not in list of allowed "
        "values: uint8, uint16, float32"
    )


def decode_jpeg(
    contents: Any,
    channels: int = 0,
    ratio: int = 1,
    fancy_upscaling: bool = True,
    try_recover_truncated: bool = False,
    acceptable_fraction: float = 1,
    dct_method: str = "",
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.io.decode_jpeg` (see the module for the codec)."""
    _check_channels(channels, "DecodeJpeg", (0, 1, 3))
    if ratio not in (1, 2, 4, 8):
        raise _errors.kernel_error("DecodeJpeg", f"ratio must be 1, 2, 4, or 8, got {ratio}")
    data = _contents(contents, "DecodeJpeg")
    kind = _format(data)
    if kind == "":
        raise _errors.kernel_error("DecodeJpeg", _UNKNOWN, name=None)
    if kind != "jpeg":
        return _decode_any(data, channels, dtypes.uint8, "DecodeJpeg", expand_animations=False)
    arr = _jpeg_array(data, channels, ratio, "DecodeJpeg")
    if not fancy_upscaling and arr.shape[-1] == 3:
        raise NotImplementedError(
            "tfcompat decodes color JPEGs with fancy upsampling only (fancy_upscaling=True)."
        )
    return _uint8_tensor(arr)


def _jpeg_array(data: bytes, channels: int, ratio: int, op: str) -> np.ndarray:
    image = _pil()
    try:
        img = image.open(io.BytesIO(data))
        mode = "L" if channels == 1 else ("RGB" if channels == 3 else None)
        if ratio != 1 or mode == "L":
            img.draft(mode or img.mode, (img.width // ratio, img.height // ratio))
        img.load()
    except Exception:
        raise _errors.kernel_error(op, "Invalid JPEG data or crop window.", name=None) from None
    if img.mode == "CMYK":
        img = img.convert("RGB")
    if channels == 1 and img.mode != "L":
        img = img.convert("L")
    if channels == 3 and img.mode != "RGB":
        img = img.convert("RGB")
    arr = np.asarray(img)
    return arr[..., None] if arr.ndim == 2 else arr


def decode_bmp(contents: Any, channels: int = 0, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.decode_bmp`."""
    _check_channels(channels, "DecodeBmp", (0, 1, 3, 4))
    data = _contents(contents, "DecodeBmp")
    if _format(data) != "bmp":
        raise _errors.kernel_error("DecodeBmp", _UNKNOWN, name=None)
    img = _open(data, "DecodeBmp", "bmp")
    arr = np.asarray(img.convert("RGBA" if img.mode in ("RGBA", "LA") else "RGB"))
    return _uint8_tensor(_to_channels(arr, channels))


def decode_gif(contents: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.decode_gif`: `[frames, height, width, 3]`."""
    data = _contents(contents, "DecodeGif")
    if _format(data) != "gif":
        raise _errors.kernel_error("DecodeGif", _UNKNOWN, name=None)
    return _uint8_tensor(_gif_frames(data, "DecodeGif"))


def _gif_frames(data: bytes, op: str) -> np.ndarray:
    img = _open(data, op, "gif")
    frames = []
    for i in range(getattr(img, "n_frames", 1)):
        img.seek(i)
        frames.append(np.asarray(img.convert("RGB")))
    return np.stack(frames)


def _decode_any(data: bytes, channels: int, out: Any, op: str, expand_animations: bool) -> Tensor:
    kind = _format(data)
    if kind == "png":
        arr, wide, opaque = _png_array(_open(data, op, "png"), data)
        return _png_dtype(_to_channels(arr, channels, opaque), wide, out)
    if kind == "jpeg":
        if channels == 4:
            raise _errors.kernel_error(op, "JPEG does not support 4 channels")
        arr = _jpeg_array(data, channels, 1, op)
    elif kind == "bmp":
        if channels == 1:
            raise _errors.kernel_error(
                op, f"`channels` must be 0, 3 or 4 for BMP, but got {channels}"
            )
        img = _open(data, op, "bmp")
        arr = _to_channels(
            np.asarray(img.convert("RGBA" if img.mode in ("RGBA", "LA") else "RGB")), channels
        )
    elif kind == "gif":
        if channels not in (0, 3):
            raise _errors.kernel_error(op, f"channels must be 0 or 3 for GIF, got {channels}")
        frames = _gif_frames(data, op)
        arr = frames if expand_animations else frames[0]
    else:
        raise _errors.kernel_error(op, _UNKNOWN, name=None)
    return _png_dtype(arr, False, out, png=False)


def decode_image(
    contents: Any,
    channels: Any = None,
    dtype: Any = dtypes.uint8,
    name: Any = None,
    expand_animations: bool = True,
) -> Tensor:
    """tfcompat implementation of `tf.io.decode_image` (BMP, GIF, JPEG, PNG)."""
    out = dtypes.as_dtype(dtype)
    ch = 0 if channels is None else int(channels)
    _check_channels(ch, "DecodeImage")
    data = _contents(contents, "DecodeImage")
    if out not in (dtypes.uint8, dtypes.uint16, dtypes.float32):
        raise TypeError(
            f"Value passed to parameter 'dtype' has DataType {out.name} not in list of allowed "
            "values: uint8, uint16, float32"
        )
    return _decode_any(data, ch, out, "DecodeImage", expand_animations)


def _image_array(image: Any, op: str) -> np.ndarray:
    t = image if isinstance(image, Tensor) else convert_to_tensor(image)
    return np.asarray(t.numpy())


def encode_png(image: Any, compression: int = -1, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.encode_png` (uint8 or uint16, 1-4 channels)."""
    pil = _pil()
    arr = _image_array(image, "EncodePng")
    if arr.dtype not in (np.uint8, np.uint16):
        name = dtypes.from_numpy(arr.dtype)._tf_type_name
        raise _errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'T' of {name} is not in the list of allowed values: uint8, "
            "uint16\n\t; NodeDef: {{node EncodePng}}; Op<name=EncodePng; "
            "signature=image:T -> contents:string; attr=compression:int,default=-1; "
            "attr=T:type,default=DT_UINT8,allowed=[DT_UINT8, DT_UINT16]> [Op:EncodePng] name: ",
        )
    if arr.ndim != 3 or arr.shape[-1] not in (1, 2, 3, 4):
        raise _errors.kernel_error(
            "EncodePng", f"image must be 3-dimensional with 1-4 channels, got {list(arr.shape)}"
        )
    c = arr.shape[-1]
    if arr.dtype == np.uint16:
        if c != 1:
            raise NotImplementedError("tfcompat encodes 16-bit PNGs with one channel only.")
        img = pil.fromarray(np.ascontiguousarray(arr[..., 0], np.uint16))
    else:
        mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[c]
        img = pil.fromarray(arr[..., 0] if c == 1 else arr, mode)
    buf = io.BytesIO()
    level = 6 if compression == -1 else int(compression)
    img.save(buf, format="PNG", compress_level=level)
    return _bytes_tensor(buf.getvalue())


def _bytes_tensor(data: bytes) -> Tensor:
    return EagerTensor(np.asarray(data, dtype=object), (), dtypes.string)


def encode_jpeg(
    image: Any,
    format: str = "",
    quality: int = 95,
    progressive: bool = False,
    optimize_size: bool = False,
    chroma_downsampling: bool = True,
    density_unit: str = "in",
    x_density: int = 300,
    y_density: int = 300,
    xmp_metadata: str = "",
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.io.encode_jpeg` (see the module for the bytes)."""
    pil = _pil()
    arr = _image_array(image, "EncodeJpeg")
    if arr.dtype != np.uint8:
        raise TypeError(
            f"Value passed to parameter 'image' has DataType {arr.dtype} not in list of "
            "allowed values: uint8"
        )
    if arr.ndim != 3 or arr.shape[-1] not in (1, 3):
        raise _errors.kernel_error(
            "EncodeJpeg", f"image must be 3-dimensional with 1 or 3 channels, got {list(arr.shape)}"
        )
    gray = format == "grayscale" or (format == "" and arr.shape[-1] == 1)
    img = pil.fromarray(
        arr[..., 0] if arr.shape[-1] == 1 else arr, "L" if arr.shape[-1] == 1 else "RGB"
    )
    if gray and img.mode != "L":
        img = img.convert("L")
    buf = io.BytesIO()
    img.save(
        buf,
        format="JPEG",
        quality=int(quality),
        progressive=progressive,
        optimize=optimize_size,
        subsampling=2 if chroma_downsampling else 0,
        dpi=(x_density, y_density),
    )
    return _bytes_tensor(buf.getvalue())


def is_jpeg(contents: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.io.is_jpeg`."""
    return constant(_format(_contents(contents, "IsJpeg")) == "jpeg")

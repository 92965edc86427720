"""`tf.image`: resizing, cropping, flips, color conversions and adjustments, metrics.

Everything here is composed from tfcompat's recorded ops (`einsum`, `gather`, slicing,
arithmetic), so it runs under `tf.GradientTape` and `tf.function` and is differentiable
wherever TF's ops are.

Resizing builds, for each spatial axis, the matrix of TF's sampling weights on the host
(NumPy, from the static sizes) and applies it with one `einsum` per axis:

* `bilinear`, `bicubic`, `nearest` without antialiasing are TF's `ResizeBilinear`,
  `ResizeBicubic` (Keys cubic, a = -0.5, TF's 1024-entry coefficient table and its
  out-of-range weight renormalization) and `ResizeNearestNeighbor`, all with
  `half_pixel_centers=True`;
* `area` is TF's `ResizeArea` (box coverage);
* `lanczos3`, `lanczos5`, `gaussian`, `mitchellcubic`, and `bilinear`/`bicubic` with
  `antialias=True`, are TF's `ScaleAndTranslate` (kernel widened by the downscale factor
  when antialiasing, weights normalized per output pixel).

Values agree with TF's kernels to float32 rounding (TF sums in another order).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import tfcompat
from tfcompat._core import dtypes
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._tape import engine

__all__ = [
    "ResizeMethod",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "adjust_saturation",
    "central_crop",
    "convert_image_dtype",
    "crop_to_bounding_box",
    "extract_patches",
    "flip_left_right",
    "flip_up_down",
    "grayscale_to_rgb",
    "hsv_to_rgb",
    "pad_to_bounding_box",
    "per_image_standardization",
    "psnr",
    "random_brightness",
    "random_contrast",
    "random_crop",
    "random_flip_left_right",
    "random_flip_up_down",
    "resize",
    "resize_with_crop_or_pad",
    "resize_with_pad",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "rot90",
    "ssim",
    "stateless_random_brightness",
    "stateless_random_contrast",
    "stateless_random_crop",
    "stateless_random_flip_left_right",
    "stateless_random_flip_up_down",
    "transpose",
]


def _tf() -> Any:
    return tfcompat


def _t(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x
    if hasattr(x, "_tfcompat_read"):
        return x._tfcompat_read()
    return convert_to_tensor(x)


def _image_rank(image: Tensor, allowed: tuple[int, ...] = (3, 4)) -> int:
    rank = len(image._shape)
    if rank not in allowed:
        if allowed == (3,):
            raise ValueError(f"'image' (shape {image.shape}) must be three-dimensional.")
        raise ValueError(f"'image' (shape {image.shape}) must have either 3 or 4 dimensions.")
    return rank


# -- resize --------------------------------------------------------------------------------
class ResizeMethod:
    """tfcompat implementation of `tf.image.ResizeMethod`."""

    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _lanczos(radius: float) -> Callable[[float], float]:
    def k(x: float) -> float:
        x = abs(x)
        if x > radius:
            return 0.0
        if x <= 1e-3:
            return 1.0
        pi = 3.14159265359
        return radius * math.sin(pi * x) * math.sin(pi * x / radius) / (pi * pi * x * x)

    return k


def _gaussian(x: float) -> float:
    radius, sigma = 1.5, 0.5
    x = abs(x)
    return 0.0 if x >= radius else math.exp(-x * x / (2.0 * sigma * sigma))


def _triangle(x: float) -> float:
    x = abs(x)
    return 0.0 if x >= 1.0 else 1.0 - x


def _keys_cubic(x: float) -> float:
    x = abs(x)
    if x >= 2.0:
        return 0.0
    if x >= 1.0:
        return ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return ((1.5 * x - 2.5) * x) * x + 1.0


def _mitchell(x: float) -> float:
    x = abs(x)
    if x >= 2.0:
        return 0.0
    if x >= 1.0:
        return (((-7.0 / 18.0) * x + 2.0) * x - 10.0 / 3.0) * x + 16.0 / 9.0
    return (((7.0 / 6.0) * x - 2.0) * x) * x + 8.0 / 9.0


# kernel name -> (function, radius)
_KERNELS: dict[str, tuple[Callable[[float], float], float]] = {
    "lanczos3": (_lanczos(3.0), 3.0),
    "lanczos5": (_lanczos(5.0), 5.0),
    "gaussian": (_gaussian, 1.5),
    "triangle": (_triangle, 1.0),
    "keyscubic": (_keys_cubic, 2.0),
    "mitchellcubic": (_mitchell, 2.0),
}


def _scale_translate_weights(
    in_size: int, out_size: int, kernel: str, antialias: bool
) -> np.ndarray:
    """TF's ScaleAndTranslate weights (out_size x in_size), translation 0."""
    fn, radius = _KERNELS[kernel]
    f32 = np.float32
    scale = f32(out_size) / f32(in_size)
    inv_scale = f32(1.0) / scale
    kernel_scale = max(inv_scale, f32(1.0)) if antialias else f32(1.0)
    w = np.zeros((out_size, in_size), np.float32)
    for x in range(out_size):
        # float32 arithmetic throughout, as TF's kernel (a sample can land on the radius)
        sample = f32(f32(x) + f32(0.5)) * inv_scale
        if sample < 0 or sample > in_size:
            continue
        reach = f32(radius) * kernel_scale
        start = math.ceil(f32(sample - reach) - f32(0.5))
        end = math.floor(f32(sample + reach) - f32(0.5))
        start = min(max(start, 0), in_size - 1)
        end = min(max(end, 0), in_size - 1) + 1
        inv_k = f32(1.0) / kernel_scale
        row = np.array(
            [
                fn(float(abs(f32(f32(f32(s) + f32(0.5)) - sample) * inv_k)))
                for s in range(start, end)
            ],
            np.float32,
        )
        total = row.sum(dtype=np.float32)
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            row = row * (np.float32(1.0) / total)
        w[x, start:end] = row
    return w


def _bilinear_weights(in_size: int, out_size: int) -> np.ndarray:
    scale = np.float32(in_size) / np.float32(out_size)
    w = np.zeros((out_size, in_size), np.float32)
    for x in range(out_size):
        pos = float((np.float32(x) + np.float32(0.5)) * scale - np.float32(0.5))
        lo = math.floor(pos)
        lerp = np.float32(pos - lo)
        i0, i1 = max(lo, 0), min(lo + 1, in_size - 1)
        w[x, i0] += np.float32(1.0) - lerp
        w[x, i1] += lerp
    return w


def _cubic_table() -> np.ndarray:
    a = -0.5
    table = np.zeros((1025, 2), np.float32)
    for i in range(1025):
        x = i * 1.0 / 1024
        table[i, 0] = ((a + 2) * x - (a + 3)) * x * x + 1
        x += 1.0
        table[i, 1] = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return table


_CUBIC = _cubic_table()


def _bicubic_weights(in_size: int, out_size: int) -> np.ndarray:
    scale = np.float32(in_size) / np.float32(out_size)
    w = np.zeros((out_size, in_size), np.float32)
    for x in range(out_size):
        pos = float((np.float32(x) + np.float32(0.5)) * scale - np.float32(0.5))
        loc = math.floor(pos)
        offset = int(np.rint(np.float32(pos - loc) * np.float32(1024)))
        coeffs = [
            _CUBIC[offset, 1],
            _CUBIC[offset, 0],
            _CUBIC[1024 - offset, 0],
            _CUBIC[1024 - offset, 1],
        ]
        idx = [loc - 1, loc, loc + 1, loc + 2]
        weights = [
            c if 0 <= i < in_size else np.float32(0) for c, i in zip(coeffs, idx, strict=True)
        ]
        total = np.float32(sum(weights, np.float32(0)))
        if abs(total) >= 1000.0 * np.finfo(np.float32).tiny:
            weights = [wt * (np.float32(1.0) / total) for wt in weights]
        for i, wt in zip(idx, weights, strict=True):
            w[x, min(max(i, 0), in_size - 1)] += wt
    return w


def _area_weights(in_size: int, out_size: int) -> np.ndarray:
    scale = float(np.float32(in_size) / np.float32(out_size))
    w = np.zeros((out_size, in_size), np.float64)
    for y in range(out_size):
        lo, hi = y * scale, (y + 1) * scale
        for i in range(math.floor(lo), math.ceil(hi)):
            if i < lo:
                cover = scale if i + 1 > hi else i + 1 - lo
            else:
                cover = hi - i if i + 1 > hi else 1.0
            w[y, min(max(i, 0), in_size - 1)] += cover / scale
    return w.astype(np.float32)


def _nearest_index(in_size: int, out_size: int) -> np.ndarray:
    scale = np.float32(in_size) / np.float32(out_size)
    pos = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.minimum(np.floor(pos).astype(np.int64), in_size - 1).astype(np.int32)


@functools.lru_cache(maxsize=256)
def _weights(method: str, antialias: bool, in_size: int, out_size: int) -> np.ndarray:
    """The (out_size, in_size) sampling matrix of one axis (cached: sizes repeat)."""
    if method == "bilinear":
        if antialias:
            return _scale_translate_weights(in_size, out_size, "triangle", True)
        return _bilinear_weights(in_size, out_size)
    if method == "bicubic":
        if antialias:
            return _scale_translate_weights(in_size, out_size, "keyscubic", True)
        return _bicubic_weights(in_size, out_size)
    if method == "area":
        return _area_weights(in_size, out_size)
    return _scale_translate_weights(in_size, out_size, method, antialias)


@functools.lru_cache(maxsize=256)
def _weight_tensor(method: str, antialias: bool, in_size: int, out_size: int) -> Tensor:
    return constant(_weights(method, antialias, in_size, out_size))


_METHODS = (
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
)


def _static_size(size: Any) -> tuple[int, int]:
    arr = np.asarray(size.numpy() if isinstance(size, Tensor) else size)
    if arr.shape != (2,):
        raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, new_width")
    if arr.dtype.kind not in "iu":
        raise TypeError("'size' must be a 1-D int32 Tensor")
    return int(arr[0]), int(arr[1])


def _resize4(images: Tensor, height: int, width: int, method: str, antialias: bool) -> Tensor:
    tf = _tf()
    _, h, w, _ = images._shape
    if method == "nearest":
        out = images
        if height != h:
            out = tf.gather(out, constant(_nearest_index(h, height)), axis=1)
        if width != w:
            out = tf.gather(out, constant(_nearest_index(w, width)), axis=2)
        return out
    x = images if images._dtype in (dtypes.float32,) else tf.cast(images, dtypes.float32)
    if (height, width) == (h, w) and method in ("bilinear", "nearest", "bicubic", "area"):
        return x
    wh = _weight_tensor(method, antialias, h, height)
    ww = _weight_tensor(method, antialias, w, width)
    x = tf.einsum("Hh,bhwc->bHwc", wh, x)
    return tf.einsum("Ww,bhwc->bhWc", ww, x)


def _resize_host(arr: np.ndarray, height: int, width: int, method: str, aa: bool) -> np.ndarray:
    """`_resize4` on a host array: the same sampling matrices, applied as float32 matrix
    products (values equal within float32 rounding: the sums run in another order)."""
    x = np.asarray(arr, np.float32)
    b, h, w, c = x.shape
    if (height, width) == (h, w) and method in ("bilinear", "bicubic", "area"):
        return x
    wh = _weights(method, aa, h, height).astype(np.float32, copy=False)
    ww = _weights(method, aa, w, width).astype(np.float32, copy=False)
    x = np.matmul(wh, x.reshape(b, h, w * c)).reshape(b, height, w, c)
    return np.ascontiguousarray(np.matmul(ww, x))


def resize(
    images: Any,
    size: Any,
    method: str = ResizeMethod.BILINEAR,
    preserve_aspect_ratio: bool = False,
    antialias: bool = False,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.image.resize` (see the module for the kernels)."""
    tf = _tf()
    x = _t(images)
    if not x._shape or len(x._shape) not in (3, 4):
        raise ValueError("'images' must have either 3 or 4 dimensions.")
    if method not in _METHODS:
        raise ValueError(f"Resize method is not implemented: [{method}]")
    height, width = _static_size(size)
    batched = len(x._shape) == 4
    host = x._value
    on_host = type(host) is np.ndarray and (x._dtype.is_integer or x._dtype.is_floating)
    if preserve_aspect_ratio:
        h, w = x._shape[-3], x._shape[-2]
        factor = min(np.float32(height) / np.float32(h), np.float32(width) / np.float32(w))
        height = int(np.round(np.float32(factor) * np.float32(h)))
        width = int(np.round(np.float32(factor) * np.float32(w)))
    if height <= 0 or width <= 0:
        raise ValueError("'size' must be a 1-D Tensor of 2 positive elements")
    if method != "nearest" and on_host and not engine.state.recording:
        # Pixels still on the host (a decoded image, a tf.data element) and no tape:
        # the two sampling products run in NumPy, with no device round trip per image.
        arr = host if batched else host[None]
        out_arr = _resize_host(arr, height, width, method, antialias)
        out_arr = out_arr if batched else out_arr[0]
        return EagerTensor(out_arr, out_arr.shape, dtypes.float32)
    if not batched:
        x = tf.expand_dims(x, 0)
    out = _resize4(x, height, width, method, antialias)
    return out if batched else tf.squeeze(out, 0)


# -- crops and pads --------------------------------------------------------------------------
def crop_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> Tensor:
    """tfcompat implementation of `tf.image.crop_to_bounding_box`."""
    x = _t(image)
    rank = _image_rank(x)
    h, w = x._shape[-3], x._shape[-2]
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    if oh < 0:
        raise ValueError("offset_height must be >= 0.")
    if ow < 0:
        raise ValueError("offset_width must be >= 0.")
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    if w < tw + ow:
        raise ValueError("width must be >= target + offset.")
    if h < th + oh:
        raise ValueError("height must be >= target + offset.")
    if rank == 3:
        return x[oh : oh + th, ow : ow + tw, :]
    return x[:, oh : oh + th, ow : ow + tw, :]


def pad_to_bounding_box(
    image: Any, offset_height: int, offset_width: int, target_height: int, target_width: int
) -> Tensor:
    """tfcompat implementation of `tf.image.pad_to_bounding_box` (zeros)."""
    tf = _tf()
    x = _t(image)
    rank = _image_rank(x)
    h, w = x._shape[-3], x._shape[-2]
    oh, ow, th, tw = (int(v) for v in (offset_height, offset_width, target_height, target_width))
    after_h, after_w = th - oh - h, tw - ow - w
    if oh < 0:
        raise ValueError("offset_height must be >= 0")
    if ow < 0:
        raise ValueError("offset_width must be >= 0")
    if after_w < 0:
        raise ValueError("width must be <= target - offset")
    if after_h < 0:
        raise ValueError("height must be <= target - offset")
    pads = [[oh, after_h], [ow, after_w], [0, 0]]
    return tf.pad(x, pads if rank == 3 else [[0, 0], *pads])


def resize_with_crop_or_pad(image: Any, target_height: int, target_width: int) -> Tensor:
    """tfcompat implementation of `tf.image.resize_with_crop_or_pad` (centered)."""
    x = _t(image)
    _image_rank(x)
    th, tw = int(target_height), int(target_width)
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    h, w = x._shape[-3], x._shape[-2]
    off_crop_w = max((w - tw) // 2, 0)
    off_pad_w = max((tw - w) // 2, 0)
    off_crop_h = max((h - th) // 2, 0)
    off_pad_h = max((th - h) // 2, 0)
    cropped = crop_to_bounding_box(x, off_crop_h, off_crop_w, min(th, h), min(tw, w))
    return pad_to_bounding_box(cropped, off_pad_h, off_pad_w, th, tw)


def resize_with_pad(
    image: Any,
    target_height: int,
    target_width: int,
    method: str = ResizeMethod.BILINEAR,
    antialias: bool = False,
) -> Tensor:
    """tfcompat implementation of `tf.image.resize_with_pad` (keeps the aspect ratio)."""
    tf = _tf()
    x = _t(image)
    _image_rank(x)
    th, tw = int(target_height), int(target_width)
    if th <= 0:
        raise ValueError("target_height must be > 0.")
    if tw <= 0:
        raise ValueError("target_width must be > 0.")
    h, w = x._shape[-3], x._shape[-2]
    f32 = np.float32
    ratio = max(f32(w) / f32(tw), f32(h) / f32(th))
    rh_f, rw_f = f32(h) / ratio, f32(w) / ratio
    rh, rw = int(np.floor(rh_f)), int(np.floor(rw_f))
    ph = max(0, int((f32(th) - rh_f) / f32(2)))
    pw = max(0, int((f32(tw) - rw_f) / f32(2)))
    resized = resize(x, [rh, rw], method=method, antialias=antialias)
    return pad_to_bounding_box(tf.cast(resized, resized.dtype), ph, pw, th, tw)


def central_crop(image: Any, central_fraction: float) -> Tensor:
    """tfcompat implementation of `tf.image.central_crop`."""
    x = _t(image)
    rank = _image_rank(x)
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    if central_fraction == 1.0:
        return x
    h, w = x._shape[-3], x._shape[-2]
    frac = np.float64(central_fraction)
    start_h = int((h - h * frac) / 2)
    start_w = int((w - w * frac) / 2)
    size_h, size_w = h - start_h * 2, w - start_w * 2
    if rank == 3:
        return x[start_h : start_h + size_h, start_w : start_w + size_w, :]
    return x[:, start_h : start_h + size_h, start_w : start_w + size_w, :]


# -- flips and rotations ----------------------------------------------------------------------
def _axis(x: Tensor, axis3: int) -> int:
    return axis3 if len(x._shape) == 3 else axis3 + 1


def flip_left_right(image: Any) -> Tensor:
    """tfcompat implementation of `tf.image.flip_left_right`."""
    x = _t(image)
    _image_rank(x)
    return _tf().reverse(x, [_axis(x, 1)])


def flip_up_down(image: Any) -> Tensor:
    """tfcompat implementation of `tf.image.flip_up_down`."""
    x = _t(image)
    _image_rank(x)
    return _tf().reverse(x, [_axis(x, 0)])


def transpose(image: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.transpose` (swap height and width)."""
    x = _t(image)
    rank = _image_rank(x)
    return _tf().transpose(x, [1, 0, 2] if rank == 3 else [0, 2, 1, 3])


def rot90(image: Any, k: int = 1, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.rot90` (counter-clockwise, `k` times)."""
    x = _t(image)
    _image_rank(x)
    k = int(k.numpy() if isinstance(k, Tensor) else k) % 4
    if k == 0:
        return x
    if k == 1:
        return flip_up_down(transpose(x))
    if k == 2:
        return flip_up_down(flip_left_right(x))
    return transpose(flip_up_down(x))


def _uniform(seed: Any, stateless: bool, shape: list[int], minval: Any, maxval: Any) -> Any:
    tf = _tf()
    if stateless:
        return tf.random.stateless_uniform(shape, seed, minval, maxval)
    return tf.random.uniform(shape, minval, maxval, seed=seed)


def _random_flip(image: Any, seed: Any, axis3: int, stateless: bool) -> Tensor:
    tf = _tf()
    x = _t(image)
    rank = _image_rank(x)
    axis = _axis(x, axis3)
    if rank == 3:
        coin = _uniform(seed, stateless, [], 0.0, 1.0)
        return tf.reverse(x, [axis]) if bool(coin < 0.5) else x
    n = x._shape[0]
    coins = _uniform(seed, stateless, [n], 0.0, 1.0)
    flips = tf.reshape(coins < 0.5, [n, 1, 1, 1])
    return tf.where(flips, tf.reverse(x, [axis]), x)


def random_flip_left_right(image: Any, seed: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.random_flip_left_right` (see `tf.random`)."""
    return _random_flip(image, seed, 1, False)


def random_flip_up_down(image: Any, seed: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.random_flip_up_down` (see `tf.random`)."""
    return _random_flip(image, seed, 0, False)


def stateless_random_flip_left_right(image: Any, seed: Any) -> Tensor:
    """tfcompat implementation of `tf.image.stateless_random_flip_left_right`."""
    return _random_flip(image, seed, 1, True)


def stateless_random_flip_up_down(image: Any, seed: Any) -> Tensor:
    """tfcompat implementation of `tf.image.stateless_random_flip_up_down`."""
    return _random_flip(image, seed, 0, True)


def _random_crop(value: Any, size: Any, seed: Any, stateless: bool) -> Tensor:
    tf = _tf()
    x = _t(value)
    shape = list(x._shape)
    want = [int(s) for s in np.asarray(size.numpy() if isinstance(size, Tensor) else size)]
    if len(want) != len(shape):
        raise ValueError(f"Shapes must be equal rank, but are {len(shape)} and {len(want)}")
    if any(w > s for w, s in zip(want, shape, strict=True)):
        raise tfcompat.errors.InvalidArgumentError(
            None, None, f"Need value.shape >= size, got {shape} {want}"
        )
    limits = [s - w + 1 for s, w in zip(shape, want, strict=True)]
    # Each offset is a uniform int32 draw modulo its limit, as TF's.
    if not stateless:
        draws = tf.random.uniform([len(shape)], 0, np.iinfo(np.int32).max, tf.int32, seed=seed)
    else:
        draws = tf.random.stateless_uniform([len(shape)], seed, 0, np.iinfo(np.int32).max, tf.int32)
    offsets = np.asarray(draws.numpy()) % np.asarray(limits)
    return tf.slice(x, [int(o) for o in offsets], want)


def random_crop(value: Any, size: Any, seed: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.random_crop`."""
    return _random_crop(value, size, seed, False)


def stateless_random_crop(value: Any, size: Any, seed: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.stateless_random_crop`."""
    return _random_crop(value, size, seed, True)


# -- dtype conversion ------------------------------------------------------------------------
def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.convert_image_dtype` (TF's scaling rules)."""
    tf = _tf()
    x = _t(image)
    target = dtypes.as_dtype(dtype)
    src = x._dtype
    ok = (src.is_floating or src.is_integer) and (target.is_floating or target.is_integer)
    if not ok:
        raise AttributeError("dtype must be either floating point or integer")
    if src is target:
        return tf.identity(x)
    if src.is_integer and target.is_integer:
        smax, tmax = np.iinfo(src.as_numpy_dtype).max, np.iinfo(target.as_numpy_dtype).max
        if smax > tmax:
            scale = (int(smax) + 1) // (int(tmax) + 1)
            return tf.cast(x // scale, target)
        scale = (int(tmax) + 1) // (int(smax) + 1)
        return tf.cast(x, target) * scale
    if src.is_floating and target.is_floating:
        return tf.cast(x, target)
    if src.is_integer:
        cast = tf.cast(x, target)
        inv_max = 1.0 / float(np.iinfo(src.as_numpy_dtype).max)
        return cast * tf.constant(inv_max, target)
    top = float(np.iinfo(target.as_numpy_dtype).max) + 0.5
    scaled = x * tf.constant(top, src)
    if saturate:
        return tf.saturate_cast(scaled, target)
    return tf.cast(scaled, target)


# -- color ---------------------------------------------------------------------------------
def _float_image(x: Tensor) -> tuple[Tensor, Any]:
    tf = _tf()
    return (x, None) if x._dtype.is_floating else (convert_image_dtype(x, tf.float32), x._dtype)


def _restore(x: Tensor, orig: Any) -> Tensor:
    return x if orig is None else convert_image_dtype(x, orig, saturate=True)


def rgb_to_grayscale(images: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.rgb_to_grayscale`."""
    tf = _tf()
    x, orig = _float_image(_t(images))
    weights = tf.constant([0.2989, 0.5870, 0.1140], x.dtype)
    gray = tf.tensordot(x, weights, [[-1], [-1]])
    return _restore(tf.expand_dims(gray, -1), orig)


def grayscale_to_rgb(images: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.grayscale_to_rgb`."""
    tf = _tf()
    x = _t(images)
    if len(x._shape) < 2 or x._shape[-1] != 1:
        raise ValueError("Last dimension of a grayscale image should be size 1.")
    return tf.tile(x, [1] * (len(x._shape) - 1) + [3])


def rgb_to_hsv(images: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.rgb_to_hsv` (float images in [0, 1])."""
    tf = _tf()
    x = _t(images)
    r, g, b = tf.unstack(x, axis=-1)
    vmax = tf.reduce_max(x, -1)
    vmin = tf.reduce_min(x, -1)
    rng = vmax - vmin
    zero = tf.zeros_like(vmax)
    s = tf.where(vmax > 0, rng / tf.where(vmax > 0, vmax, tf.ones_like(vmax)), zero)
    safe = tf.where(rng > 0, rng, tf.ones_like(rng))
    norm = 1.0 / (6.0 * safe)
    h = tf.where(
        tf.equal(r, vmax),
        norm * (g - b),
        tf.where(tf.equal(g, vmax), norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0),
    )
    h = tf.where(rng > 0, h, zero)
    h = tf.where(h < 0, h + 1.0, h)
    return tf.stack([h, s, vmax], axis=-1)


def hsv_to_rgb(images: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.hsv_to_rgb`."""
    tf = _tf()
    x = _t(images)
    h, s, v = tf.unstack(x, axis=-1)
    dh = h * 6.0
    dr = tf.clip_by_value(tf.abs(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = tf.clip_by_value(2.0 - tf.abs(dh - 2.0), 0.0, 1.0)
    db = tf.clip_by_value(2.0 - tf.abs(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - s
    red = v * (one_minus_s + s * dr)
    green = v * (one_minus_s + s * dg)
    blue = v * (one_minus_s + s * db)
    return tf.stack([red, green, blue], axis=-1)


# -- adjustments -----------------------------------------------------------------------------
def adjust_brightness(image: Any, delta: Any) -> Tensor:
    """tfcompat implementation of `tf.image.adjust_brightness`."""
    tf = _tf()
    x, orig = _float_image(_t(image))
    return _restore(x + tf.cast(delta, x.dtype), orig)


def adjust_contrast(images: Any, contrast_factor: Any) -> Tensor:
    """tfcompat implementation of `tf.image.adjust_contrast` (per channel, about the mean)."""
    tf = _tf()
    x, orig = _float_image(_t(images))
    mean = tf.reduce_mean(x, axis=[-3, -2], keepdims=True)
    out = (x - mean) * tf.cast(contrast_factor, x.dtype) + mean
    return _restore(out, orig)


def adjust_saturation(image: Any, saturation_factor: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.adjust_saturation`."""
    tf = _tf()
    x, orig = _float_image(_t(image))
    hsv = rgb_to_hsv(tf.cast(x, tf.float32))
    h, s, v = tf.unstack(hsv, axis=-1)
    s = tf.clip_by_value(s * tf.cast(saturation_factor, tf.float32), 0.0, 1.0)
    rgb = tf.cast(hsv_to_rgb(tf.stack([h, s, v], axis=-1)), x.dtype)
    return _restore(rgb, orig)


def adjust_gamma(image: Any, gamma: Any = 1, gain: Any = 1) -> Tensor:
    """tfcompat implementation of `tf.image.adjust_gamma`: `gain * image ** gamma`."""
    tf = _tf()
    x = _t(image)
    g = float(gamma.numpy() if isinstance(gamma, Tensor) else gamma)
    if g < 0:
        raise ValueError("Gamma should be a non-negative real number.")
    orig = x._dtype
    flt = x if orig in (dtypes.float16, dtypes.float32) else convert_image_dtype(x, tf.float32)
    out = tf.cast(gain, flt.dtype) * flt ** tf.cast(gamma, flt.dtype)
    return convert_image_dtype(out, orig, saturate=True)


def per_image_standardization(image: Any) -> Tensor:
    """tfcompat implementation of `tf.image.per_image_standardization`."""
    tf = _tf()
    x = _t(image)
    _image_rank(x)
    if not x._dtype.is_floating:
        x = tf.cast(x, tf.float32)
    n = int(np.prod(x._shape[-3:]))
    mean = tf.reduce_mean(x, axis=[-1, -2, -3], keepdims=True)
    stddev = tf.sqrt(tf.reduce_mean(tf.square(x - mean), axis=[-1, -2, -3], keepdims=True))
    min_stddev = tf.constant(np.float32(1.0) / np.sqrt(np.float32(n)), x.dtype)
    adjusted = tf.maximum(stddev, min_stddev)
    return (x - mean) / adjusted


def _random_factor(seed: Any, stateless: bool, lower: float, upper: float) -> Tensor:
    return _uniform(seed, stateless, [], lower, upper)


def random_brightness(image: Any, max_delta: float, seed: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.random_brightness`."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, _random_factor(seed, False, -max_delta, max_delta))


def stateless_random_brightness(image: Any, max_delta: float, seed: Any) -> Tensor:
    """tfcompat implementation of `tf.image.stateless_random_brightness`."""
    if max_delta < 0:
        raise ValueError("max_delta must be non-negative.")
    return adjust_brightness(image, _random_factor(seed, True, -max_delta, max_delta))


def _check_contrast(lower: float, upper: float) -> None:
    if upper <= lower:
        raise ValueError("upper must be > lower.")
    if lower < 0:
        raise ValueError("lower must be non-negative.")


def random_contrast(image: Any, lower: float, upper: float, seed: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.random_contrast`."""
    _check_contrast(lower, upper)
    return adjust_contrast(image, _random_factor(seed, False, lower, upper))


def stateless_random_contrast(image: Any, lower: float, upper: float, seed: Any) -> Tensor:
    """tfcompat implementation of `tf.image.stateless_random_contrast`."""
    _check_contrast(lower, upper)
    return adjust_contrast(image, _random_factor(seed, True, lower, upper))


# -- patches and metrics ---------------------------------------------------------------------
def extract_patches(
    images: Any, sizes: Any, strides: Any, rates: Any, padding: str, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.image.extract_patches` (gathers of static indices)."""
    tf = _tf()
    x = _t(images)
    if len(x._shape) != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {len(x._shape)}")
    _, h, w, c = x._shape
    kh, kw = int(sizes[1]), int(sizes[2])
    sh, sw = int(strides[1]), int(strides[2])
    rh, rw = int(rates[1]), int(rates[2])
    eh, ew = (kh - 1) * rh + 1, (kw - 1) * rw + 1
    padding = padding.upper()
    if padding == "VALID":
        oh, ow = (h - eh) // sh + 1, (w - ew) // sw + 1
        top = left = 0
    elif padding == "SAME":
        oh, ow = -(-h // sh), -(-w // sw)
        top = max((oh - 1) * sh + eh - h, 0) // 2
        left = max((ow - 1) * sw + ew - w, 0) // 2
        pad_h = max((oh - 1) * sh + eh - h, 0)
        pad_w = max((ow - 1) * sw + ew - w, 0)
        x = tf.pad(x, [[0, 0], [top, pad_h - top], [left, pad_w - left], [0, 0]])
    else:
        raise ValueError(f"padding must be 'VALID' or 'SAME', got {padding!r}")
    if oh <= 0 or ow <= 0:
        return tf.zeros([x._shape[0], max(oh, 0), max(ow, 0), kh * kw * c], x.dtype)
    rows = (np.arange(oh)[:, None] * sh + np.arange(kh)[None, :] * rh).reshape(-1)
    cols = (np.arange(ow)[:, None] * sw + np.arange(kw)[None, :] * rw).reshape(-1)
    p = tf.gather(x, constant(rows.astype(np.int32)), axis=1)  # [b, oh*kh, W, c]
    p = tf.gather(p, constant(cols.astype(np.int32)), axis=2)  # [b, oh*kh, ow*kw, c]
    b = x._shape[0]
    p = tf.reshape(p, [b, oh, kh, ow, kw, c])
    p = tf.transpose(p, [0, 1, 3, 2, 4, 5])
    return tf.reshape(p, [b, oh, ow, kh * kw * c])


def psnr(a: Any, b: Any, max_val: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.image.psnr` (over the last three axes)."""
    tf = _tf()
    x, y = _t(a), _t(b)
    max_v = convert_image_dtype(tf.cast(max_val, x.dtype), tf.float32)
    x = convert_image_dtype(x, tf.float32)
    y = convert_image_dtype(y, tf.float32)
    mse = tf.reduce_mean(tf.math.squared_difference(x, y), [-3, -2, -1])
    log10 = math.log(10.0)
    return tf.subtract(
        20.0 * tf.math.log(max_v) / log10,
        tf.constant(10.0 / log10, tf.float32) * tf.math.log(mse),
    )


def _gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    coords = np.arange(size, dtype=np.float32) - np.float32((size - 1) / 2.0)
    g = np.square(coords) * np.float32(-0.5 / np.square(np.float32(sigma)))
    g = np.exp(g - g.max())
    g = g / g.sum()
    return np.outer(g, g).astype(np.float32)


def ssim(
    img1: Any,
    img2: Any,
    max_val: Any,
    filter_size: int = 11,
    filter_sigma: float = 1.5,
    k1: float = 0.01,
    k2: float = 0.03,
    return_index_map: bool = False,
) -> Tensor:
    """tfcompat implementation of `tf.image.ssim` (Gaussian window, VALID filtering)."""
    tf = _tf()
    x: Any = convert_image_dtype(_t(img1), tf.float32)
    y: Any = convert_image_dtype(_t(img2), tf.float32)
    max_v = float(max_val.numpy() if isinstance(max_val, Tensor) else max_val)
    c1 = (k1 * max_v) ** 2
    c2 = (k2 * max_v) ** 2
    h, w = x._shape[-3], x._shape[-2]
    size = int(filter_size)
    if h < size or w < size:
        dims = ", ".join(str(d) for d in x._shape)
        raise tfcompat.errors.InvalidArgumentError(
            None,
            None,
            "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: "
            f"{dims}\n{size}",
        )
    kernel: Any = constant(_gaussian_kernel(size, filter_sigma))
    batched = len(x._shape) == 4

    def filt(z: Any) -> Any:
        # TF's depthwise VALID convolution with the window, as a sum of shifted slices.
        zz = z if batched else tf.expand_dims(z, 0)
        oh, ow = zz._shape[1] - size + 1, zz._shape[2] - size + 1
        out = zz[:, 0:oh, 0:ow, :] * kernel[0, 0]
        for i in range(size):
            for j in range(size):
                if i or j:
                    out = out + zz[:, i : i + oh, j : j + ow, :] * kernel[i, j]
        return out if batched else tf.squeeze(out, 0)

    mu_x, mu_y = filt(x), filt(y)
    num0 = mu_x * mu_y * 2.0
    den0 = tf.square(mu_x) + tf.square(mu_y)
    luminance = (num0 + c1) / (den0 + c1)
    num1 = filt(x * y) * 2.0
    den1 = filt(tf.square(x) + tf.square(y))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    ssim_map = luminance * cs
    if return_index_map:
        return tf.reduce_mean(ssim_map, [-1])
    return tf.reduce_mean(ssim_map, [-3, -2, -1])

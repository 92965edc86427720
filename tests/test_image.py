"""`tf.image` against TF 2.21: values (resizing within float32 rounding), dtypes, shapes,
exception classes, and gradients of the differentiable functions."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tfcompat

RNG = np.random.default_rng(1)
IMG = RNG.random((2, 9, 13, 3), dtype=np.float32)
IMG3 = IMG[0]
U8 = RNG.integers(0, 256, (7, 10, 3), dtype=np.uint8)
SMALL = RNG.random((1, 4, 5, 2), dtype=np.float32)

METHODS = [
    "bilinear",
    "nearest",
    "bicubic",
    "area",
    "lanczos3",
    "lanczos5",
    "gaussian",
    "mitchellcubic",
]
SIZES = [(5, 7), (18, 20), (9, 4), (3, 26)]

RESIZE: list[tuple[str, Callable[[Any], Any]]] = []
for _m in METHODS:
    for _s in SIZES:
        for _aa in (False, True):
            RESIZE.append(
                (
                    f"{_m}-{_s[0]}x{_s[1]}-{'aa' if _aa else 'plain'}",
                    lambda tf, m=_m, s=_s, aa=_aa: tf.image.resize(IMG, s, m, antialias=aa),
                )
            )
RESIZE += [
    ("uint8_input", lambda tf: tf.image.resize(U8, [5, 5])),
    ("uint8_nearest_keeps_dtype", lambda tf: tf.image.resize(U8, [14, 3], "nearest")),
    ("rank3", lambda tf: tf.image.resize(IMG3, [4, 4], "bicubic")),
    ("aspect", lambda tf: tf.image.resize(IMG, [6, 6], preserve_aspect_ratio=True)),
    ("aspect_up", lambda tf: tf.image.resize(IMG3, [40, 20], preserve_aspect_ratio=True)),
    ("bad_rank", lambda tf: tf.image.resize(np.zeros((3, 3), np.float32), [2, 2])),
    ("bad_method", lambda tf: tf.image.resize(IMG, [2, 2], "cubic")),
    ("with_pad", lambda tf: tf.image.resize_with_pad(IMG, 11, 5)),
    ("with_pad_nearest", lambda tf: tf.image.resize_with_pad(IMG3, 20, 30, "nearest")),
]


def _close(fn: Callable[[Any], Any], real_tf: Any, atol: float = 2e-6) -> None:
    """Same class of exception, or same dtype and shape and values within float32 rounding
    (TF's kernels sum in another order)."""
    try:
        theirs = fn(real_tf)
    except Exception as exc:
        with pytest.raises(Exception) as info:
            fn(tfcompat)
        assert type(info.value).__name__ == type(exc).__name__
        return
    ours = fn(tfcompat)
    pairs = list(zip(theirs, ours, strict=True)) if isinstance(theirs, list) else [(theirs, ours)]
    for t, o in pairs:
        assert t.dtype.name == o.dtype.name and t.shape == o.shape
        np.testing.assert_allclose(
            np.asarray(o.numpy(), np.float64), np.asarray(t.numpy(), np.float64), 1e-5, atol
        )


@pytest.mark.parametrize("name", [n for n, _ in RESIZE])
def test_resize_matches(name: str, real_tf: Any) -> None:
    _close(dict(RESIZE)[name], real_tf)


CASES: dict[str, Callable[[Any], Any]] = {
    "crop_or_pad_crop": lambda tf: tf.image.resize_with_crop_or_pad(IMG, 5, 6),
    "crop_or_pad_pad": lambda tf: tf.image.resize_with_crop_or_pad(IMG3, 12, 20),
    "crop_or_pad_mixed": lambda tf: tf.image.resize_with_crop_or_pad(U8, 3, 15),
    "crop_box": lambda tf: tf.image.crop_to_bounding_box(IMG, 1, 2, 4, 5),
    "crop_box_error": lambda tf: tf.image.crop_to_bounding_box(IMG, 1, 2, 40, 5),
    "pad_box": lambda tf: tf.image.pad_to_bounding_box(U8, 1, 2, 10, 15),
    "pad_box_error": lambda tf: tf.image.pad_to_bounding_box(U8, 1, 2, 3, 15),
    "central_crop": lambda tf: tf.image.central_crop(IMG, 0.5),
    "central_crop_3d": lambda tf: tf.image.central_crop(U8, 0.33),
    "central_crop_error": lambda tf: tf.image.central_crop(U8, 1.5),
    "flip_lr": lambda tf: tf.image.flip_left_right(IMG),
    "flip_ud": lambda tf: tf.image.flip_up_down(U8),
    "transpose": lambda tf: tf.image.transpose(IMG),
    "rot90": lambda tf: [tf.image.rot90(U8, k) for k in range(5)],
    "rot90_batch": lambda tf: tf.image.rot90(IMG, 3),
    "flip_bad_rank": lambda tf: tf.image.flip_left_right(np.zeros((2, 2), np.float32)),
    "to_float": lambda tf: tf.image.convert_image_dtype(U8, tf.float32),
    "to_float64": lambda tf: tf.image.convert_image_dtype(U8, tf.float64),
    "float_to_u8": lambda tf: tf.image.convert_image_dtype(IMG, tf.uint8),
    "float_to_u8_sat": lambda tf: tf.image.convert_image_dtype(IMG * 2 - 0.5, tf.uint8, True),
    "u8_to_u16": lambda tf: tf.image.convert_image_dtype(U8, tf.uint16),
    "u8_to_i32": lambda tf: tf.image.convert_image_dtype(U8, tf.int32),
    "i32_to_u8": lambda tf: tf.image.convert_image_dtype(
        tf.constant([[[2**31 - 1, 2**24, 5]]], tf.int32), tf.uint8
    ),
    "float_to_float16": lambda tf: tf.image.convert_image_dtype(IMG, tf.float16),
    "gray": lambda tf: tf.image.rgb_to_grayscale(IMG),
    "gray_u8": lambda tf: tf.image.rgb_to_grayscale(U8),
    "gray_to_rgb": lambda tf: tf.image.grayscale_to_rgb(tf.constant(IMG[..., :1])),
    "gray_to_rgb_error": lambda tf: tf.image.grayscale_to_rgb(tf.constant(IMG)),
    "hsv": lambda tf: tf.image.rgb_to_hsv(IMG),
    "hsv_gray_pixels": lambda tf: tf.image.rgb_to_hsv(np.float32([[[0.5, 0.5, 0.5], [0, 0, 0]]])),
    "hsv_back": lambda tf: tf.image.hsv_to_rgb(IMG),
    "brightness": lambda tf: tf.image.adjust_brightness(IMG, 0.25),
    "brightness_u8": lambda tf: tf.image.adjust_brightness(U8, 0.25),
    "contrast": lambda tf: tf.image.adjust_contrast(IMG, 1.7),
    "contrast_u8": lambda tf: tf.image.adjust_contrast(U8, 0.5),
    "saturation": lambda tf: tf.image.adjust_saturation(IMG, 0.3),
    "saturation_u8": lambda tf: tf.image.adjust_saturation(U8, 2.0),
    "gamma": lambda tf: tf.image.adjust_gamma(IMG, 2.2, 0.9),
    "gamma_u8": lambda tf: tf.image.adjust_gamma(U8, 0.5),
    "gamma_error": lambda tf: tf.image.adjust_gamma(IMG, -1.0),
    "standardize": lambda tf: tf.image.per_image_standardization(IMG),
    "standardize_u8": lambda tf: tf.image.per_image_standardization(U8),
    "standardize_flat": lambda tf: tf.image.per_image_standardization(
        np.ones((3, 3, 1), np.float32)
    ),
    "patches_valid": lambda tf: tf.image.extract_patches(
        IMG, [1, 3, 2, 1], [1, 2, 3, 1], [1, 1, 1, 1], "VALID"
    ),
    "patches_same": lambda tf: tf.image.extract_patches(
        IMG, [1, 3, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME"
    ),
    "patches_rates": lambda tf: tf.image.extract_patches(
        IMG, [1, 2, 2, 1], [1, 1, 1, 1], [1, 2, 3, 1], "VALID"
    ),
    "psnr": lambda tf: tf.image.psnr(IMG, IMG[::-1], 1.0),
    "psnr_u8": lambda tf: tf.image.psnr(U8, U8[::-1], 255),
    "ssim": lambda tf: tf.image.ssim(IMG, IMG[::-1] * 0.5 + IMG * 0.5, 1.0, filter_size=7),
    "ssim_map": lambda tf: tf.image.ssim(IMG, IMG**2, 1.0, filter_size=3, return_index_map=True),
    "ssim_too_small": lambda tf: tf.image.ssim(IMG, IMG, 1.0),
    "ssim_small_filter": lambda tf: tf.image.ssim(IMG, IMG**2, 1.0, filter_size=5),
    "ssim_u8": lambda tf: tf.image.ssim(U8, U8[::-1], 255, filter_size=5),
}


@pytest.mark.parametrize("name", list(CASES))
def test_image_ops_match(name: str, real_tf: Any) -> None:
    # uint8 results may differ by one level where a float32 product rounds differently
    _close(CASES[name], real_tf, atol=1.0 if name.endswith("_u8") else 2e-6)


GRADS: dict[str, Callable[[Any, Any], Any]] = {
    **{
        f"resize_{m}": (lambda tf, x, m=m: tf.image.resize(x, [7, 3], m, antialias=m == "bicubic"))
        for m in METHODS
        if m != "area"
    },
    "crop_or_pad": lambda tf, x: tf.image.resize_with_crop_or_pad(x, 3, 8),
    "hsv": lambda tf, x: tf.image.rgb_to_hsv(tf.concat([x, x[..., :1]], -1)),
    "standardize": lambda tf, x: tf.image.per_image_standardization(x),
    "patches": lambda tf, x: tf.image.extract_patches(
        x, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME"
    ),
    "ssim": lambda tf, x: tf.image.ssim(x, x * 0.5 + 0.2, 1.0, filter_size=3),
}


@pytest.mark.parametrize("name", list(GRADS))
def test_gradients_match(name: str, real_tf: Any) -> None:
    seed = np.random.default_rng(5).random((1, 4, 5, 2)).astype(np.float32)

    def grad(tf: Any) -> np.ndarray:
        x = tf.Variable(SMALL)
        with tf.GradientTape() as tape:
            y = GRADS[name](tf, x)
            loss = tf.reduce_sum(y * tf.constant(np.resize(seed, y.shape), y.dtype))
        return np.asarray(tape.gradient(loss, x).numpy())

    np.testing.assert_allclose(grad(tfcompat), grad(real_tf), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["area", "contrast"])
def test_gradients_where_tf_has_none(name: str, real_tf: Any) -> None:
    """TF registers no gradient for ResizeArea and AdjustContrastv2 (LookupError); tfcompat
    composes them from differentiable ops, so their gradient is the exact transpose."""

    def run(tf: Any) -> Any:
        x = tf.Variable(SMALL)
        with tf.GradientTape() as tape:
            if name == "area":
                y = tf.image.resize(x, [3, 2], "area")
            else:
                y = tf.image.adjust_contrast(x, 1.5)
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, x)

    with pytest.raises(LookupError):
        run(real_tf)
    assert run(tfcompat).shape == SMALL.shape


def test_gaussian_resize_gradient_is_the_transpose_of_tfs_forward(real_tf: Any) -> None:
    """The gradient is the transpose of TF's forward map (a sample landing exactly on the
    kernel's radius, computed in float32 as TF does, gets weight 0)."""
    n = SMALL.size
    basis = np.eye(n, dtype=np.float32).reshape(n, *SMALL.shape[1:])
    jac = real_tf.image.resize(basis, [7, 3], "gaussian").numpy().reshape(n, -1)
    seed = np.random.default_rng(5).random(jac.shape[1]).astype(np.float32)
    x = tfcompat.Variable(SMALL)
    with tfcompat.GradientTape() as tape:
        y = tfcompat.image.resize(x, [7, 3], "gaussian")
        loss = tfcompat.reduce_sum(tfcompat.reshape(y, [-1]) * seed)
    got = tape.gradient(loss, x).numpy().reshape(-1)
    np.testing.assert_allclose(got, jac @ seed, rtol=1e-5, atol=1e-6)


def test_random_ops_are_seeded_and_valid() -> None:
    tf = tfcompat
    a = tf.image.stateless_random_flip_left_right(IMG, seed=(1, 2))
    b = tf.image.stateless_random_flip_left_right(IMG, seed=(1, 2))
    assert np.array_equal(a.numpy(), b.numpy())
    for i in range(2):
        got = a.numpy()[i]
        assert np.array_equal(got, IMG[i]) or np.array_equal(got, IMG[i, :, ::-1])
    crop = tf.image.stateless_random_crop(IMG, [1, 4, 5, 3], seed=(3, 4))
    assert crop.shape == (1, 4, 5, 3)
    found = any(
        np.array_equal(crop.numpy()[0], IMG[n, i : i + 4, j : j + 5])
        for n in range(2)
        for i in range(6)
        for j in range(9)
    )
    assert found
    bright = tf.image.stateless_random_brightness(IMG, 0.2, seed=(5, 6)).numpy() - IMG
    assert np.allclose(bright, bright.flat[0], atol=1e-6) and abs(bright.flat[0]) <= 0.2
    tf.random.set_seed(7)
    c1 = tf.image.random_contrast(IMG3, 0.5, 1.5, seed=1).numpy()
    tf.random.set_seed(7)
    c2 = tf.image.random_contrast(IMG3, 0.5, 1.5, seed=1).numpy()
    assert np.array_equal(c1, c2)
    assert tf.image.random_flip_up_down(U8, seed=3).shape == U8.shape
    assert tf.image.random_crop(U8, [2, 2, 3], seed=3).shape == (2, 2, 3)
    with pytest.raises(ValueError):
        tf.image.random_brightness(IMG, -1.0)


def test_resize_compiles_once_inside_function() -> None:
    tf = tfcompat

    @tf.function
    def step(x: Any) -> Any:
        return tf.reduce_sum(tf.image.resize(x, [5, 5], "lanczos3"))

    first = step(tf.constant(IMG)).numpy()
    assert np.isclose(first, step(tf.constant(IMG)).numpy())


NAMES = [n for n in tfcompat.image.__all__ if n != "ResizeMethod"]


@pytest.mark.parametrize("name", NAMES)
def test_signature_matches_tf(name: str, real_tf: Any) -> None:
    def strip(obj: Any) -> str:
        sig = inspect.signature(obj)
        params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
        return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))

    assert strip(getattr(tfcompat.image, name)) == strip(getattr(real_tf.image, name))


def test_resize_method_constants(real_tf: Any) -> None:
    for attr in (
        "BILINEAR",
        "NEAREST_NEIGHBOR",
        "BICUBIC",
        "AREA",
        "LANCZOS3",
        "LANCZOS5",
        "GAUSSIAN",
        "MITCHELLCUBIC",
    ):
        assert getattr(tfcompat.image.ResizeMethod, attr) == getattr(
            real_tf.image.ResizeMethod, attr
        )


HOST_METHODS = ["bilinear", "bicubic", "area", "lanczos3", "mitchellcubic", "gaussian"]


@pytest.mark.parametrize("method", HOST_METHODS)
def test_resize_of_decoded_pixels_on_the_host(method: str, real_tf: Any) -> None:
    # Decoded images keep their pixels on the host; resize then runs its two sampling
    # products in NumPy. Same values as TF's and as the device path, within float32
    # rounding of sums of terms up to 255.
    image_mod = pytest.importorskip("PIL.Image")
    import io

    pixels = np.random.default_rng(3).integers(0, 256, (23, 17, 3), dtype=np.uint8)
    buf = io.BytesIO()
    image_mod.fromarray(pixels).save(buf, "PNG")
    data = buf.getvalue()
    for size in [(8, 6), (40, 31), (23, 17)]:
        for aa in (False, True):
            ours = tfcompat.image.resize(
                tfcompat.io.decode_png(data, channels=3), size, method=method, antialias=aa
            )
            assert type(ours._value) is np.ndarray  # the host path ran
            device = tfcompat.image.resize(
                tfcompat.constant(pixels), size, method=method, antialias=aa
            )
            theirs = real_tf.image.resize(
                real_tf.io.decode_png(data, channels=3), size, method=method, antialias=aa
            )
            assert ours.dtype == tfcompat.float32 and ours.shape == theirs.shape
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-3)
            np.testing.assert_allclose(ours.numpy(), device.numpy(), rtol=1e-5, atol=1e-3)


def test_resize_of_host_pixels_under_a_tape_records(real_tf: Any) -> None:
    pixels = np.random.default_rng(4).random((1, 6, 5, 2)).astype(np.float32)
    x = tfcompat.io.decode_raw(pixels.tobytes(), tfcompat.float32)
    x = tfcompat.reshape(x, [1, 6, 5, 2])
    with tfcompat.GradientTape() as tape:
        tape.watch(x)
        y = tfcompat.reduce_sum(tfcompat.image.resize(x, (3, 4)) ** 2)
    tx = real_tf.constant(pixels)
    with real_tf.GradientTape() as ttape:
        ttape.watch(tx)
        ty = real_tf.reduce_sum(real_tf.image.resize(tx, (3, 4)) ** 2)
    np.testing.assert_allclose(
        tape.gradient(y, x).numpy(), ttape.gradient(ty, tx).numpy(), rtol=1e-5, atol=1e-6
    )

"""A tutorial-style image-folder pipeline, trained for a few steps, in TF 2.21 and tfcompat."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tfcompat

pytestmark = pytest.mark.tf

# Note: `x / 255.0` on float32 in tfcompat can differ from TF's correctly rounded quotient
# by one ulp, so the comparison of the first batch is taken before that scaling and the
# loss curve is compared within float32 tolerance.

CLASSES = ["cats", "dogs"]


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    for c, name in enumerate(CLASSES):
        (tmp_path / name).mkdir()
        for i in range(3):
            pixels = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
            pixels[..., c] = 255  # each class brighter in its own channel
            Image.fromarray(pixels).save(tmp_path / name / f"img{i}.png")
    return tmp_path


def pipeline_and_training(tf: Any, root: Path) -> tuple[dict[str, Any], list[float]]:
    class_names = np.array(CLASSES)

    def process_path(path: Any) -> tuple[Any, Any]:
        label = tf.strings.split(path, os.sep)[-2] == class_names
        image = tf.io.decode_png(tf.io.read_file(path), channels=3)
        image = tf.image.resize(image, [8, 8])
        return image, tf.argmax(tf.cast(label, tf.int32))

    ds = tf.data.Dataset.list_files(str(root / "*" / "*.png"), shuffle=False)
    ds = ds.map(process_path, num_parallel_calls=tf.data.AUTOTUNE)
    ds = ds.batch(4).prefetch(tf.data.AUTOTUNE)

    images, labels = next(iter(ds))
    first = {
        "images": images.numpy(),
        "labels": labels.numpy(),
        "dtypes": (images.dtype.name, labels.dtype.name),
        "shapes": (tuple(images.shape), tuple(labels.shape)),
    }

    rng = np.random.default_rng(1)
    w = tf.Variable(rng.normal(0, 0.1, (8 * 8 * 3, 2)).astype(np.float32))
    b = tf.Variable(np.zeros(2, np.float32))
    losses = []
    for _ in range(3):
        for x, y in ds:
            with tf.GradientTape() as tape:
                # (scaled here so the first batch compares bit for bit: see the module note)
                logits = tf.matmul(tf.reshape(x, [-1, 8 * 8 * 3]) / 255.0, w) + b
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
                )
            gw, gb = tape.gradient(loss, [w, b])
            w.assign_sub(0.5 * gw)
            b.assign_sub(0.5 * gb)
            losses.append(float(loss.numpy()))
    return first, losses


def test_image_folder_pipeline_trains_like_tensorflow(real_tf: Any, image_folder: Path) -> None:
    want_first, want_losses = pipeline_and_training(real_tf, image_folder)
    got_first, got_losses = pipeline_and_training(tfcompat, image_folder)
    assert got_first["dtypes"] == want_first["dtypes"]
    assert got_first["shapes"] == want_first["shapes"]
    np.testing.assert_array_equal(got_first["labels"], want_first["labels"])
    np.testing.assert_array_equal(got_first["images"], want_first["images"])
    assert len(got_losses) == len(want_losses) == 6
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-5, atol=1e-6)
    assert want_losses[-1] < want_losses[0]

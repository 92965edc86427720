"""keras.utils.image_dataset_from_directory on tfcompat, against TF 2.21, each in its own
process (Keras picks its backend once per process): the same batches, labels, class
names, element specs and (seeded) shuffle order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.keras.kerasrun import needs_keras_on_tfcompat, run

pytestmark = [pytest.mark.tf, needs_keras_on_tfcompat]

SNIPPET = """
root = {root!r}
out = {{}}
ds = keras.utils.image_dataset_from_directory(root, image_size=(8, 6), batch_size=4, seed=3)
out["classes"] = ds.class_names
out["spec"] = repr(ds.element_spec)
out["shuffled"] = [[y.numpy().tolist(), float(np.asarray(x, np.float64).sum())] for x, y in ds]
ds = keras.utils.image_dataset_from_directory(
    root, image_size=(8, 6), batch_size=4, shuffle=False, label_mode="categorical",
    validation_split=0.4, subset="training", seed=1,
)
out["split"] = [[y.numpy().tolist(), np.asarray(x).tolist()] for x, y in ds]
result = out
"""


@pytest.fixture
def image_dir(tmp_path: Path) -> Path:
    image = pytest.importorskip("PIL.Image")
    rng = np.random.default_rng(0)
    root = tmp_path / "images"
    for name in ("cats", "dogs"):
        (root / name).mkdir(parents=True)
        for i in range(5):
            pixels = rng.integers(0, 256, (12, 10, 3), dtype=np.uint8)
            image.fromarray(pixels).save(root / name / f"img{i}.png")
    return root


def test_image_dataset_from_directory_equals_tensorflow(image_dir: Path, tmp_path: Path) -> None:
    code = SNIPPET.format(root=str(image_dir))
    got, _ = run("tfcompat", code, tmp_path)
    want, _ = run("tf", code, tmp_path)
    assert got["classes"] == want["classes"] and got["spec"] == want["spec"]
    assert [b[0] for b in got["shuffled"]] == [b[0] for b in want["shuffled"]]
    np.testing.assert_allclose(
        [b[1] for b in got["shuffled"]], [b[1] for b in want["shuffled"]], rtol=1e-6
    )
    assert [b[0] for b in got["split"]] == [b[0] for b in want["split"]]
    for g, w in zip(got["split"], want["split"], strict=True):
        np.testing.assert_allclose(g[1], w[1], rtol=1e-5, atol=1e-4)

"""`tf.keras` is the installed Keras on its TensorFlow backend, with tfcompat as TensorFlow."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.keras.kerasrun import ROOT, needs_keras_on_tfcompat, run


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env},
    )


def test_keras_imported_with_another_backend_raises_what_to_do() -> None:
    code = (
        "import keras, tfcompat\n"
        "try:\n"
        "    tfcompat.keras\n"
        "except RuntimeError as e:\n"
        "    print('RuntimeError:', e)\n"
    )
    proc = _python(code, {"KERAS_BACKEND": "jax"})
    assert proc.returncode == 0, proc.stderr
    assert "already imported in this process with the 'jax' backend" in proc.stdout
    assert "before anything imports keras" in proc.stdout


def test_star_import_does_not_load_keras() -> None:
    proc = _python(
        "from tfcompat import *\nimport sys\nsys.stdout.write(str('keras' in sys.modules))", {}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"


@needs_keras_on_tfcompat
def test_tf_keras_is_tf_2_21s_module_on_the_tensorflow_backend(tmp_path: Path) -> None:
    code = """
    import sys
    import keras as plain
    from tensorflow import keras as from_tf
    import tensorflow.keras as dotted
    result = [keras.__name__, plain.backend.backend(), from_tf is keras,
              dotted.layers.Dense is keras.layers.Dense,
              type(tf.constant(1.0)).__module__]
    """
    got, _ = run("tfcompat", code, tmp_path)
    want, _ = run("tf", code, tmp_path)
    assert got == want


@needs_keras_on_tfcompat
def test_dense_forward_and_gradient_equal_tensorflow(tmp_path: Path) -> None:
    code = """
    rng = np.random.RandomState(0)
    x = rng.rand(4, 3).astype(np.float32)
    d = keras.layers.Dense(2, activation="tanh")
    d.build((None, 3))
    d.set_weights([rng.rand(3, 2).astype(np.float32), rng.rand(2).astype(np.float32)])
    with tf.GradientTape() as tape:
        y = d(tf.constant(x))
        loss = tf.reduce_sum(y * y)
    grads = tape.gradient(loss, d.trainable_variables)
    result = [np.asarray(y).tolist()] + [np.asarray(g).tolist() for g in grads]
    """
    got, _ = run("tfcompat", code, tmp_path)
    want, _ = run("tf", code, tmp_path)
    import numpy as np

    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-6)

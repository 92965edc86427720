"""Run a Keras snippet in a fresh process, on TensorFlow 2.21 or on tfcompat.

Keras picks its backend (and imports its TensorFlow) once per process, so each side of a
comparison runs in its own interpreter. The snippet sees `tf` (the real `tensorflow` or
`tfcompat`), `keras` (`tf.keras`) and `np`, and reports by assigning `result` (anything
JSON can hold); the process also returns its stdout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import tfcompat

ROOT = Path(__file__).resolve().parents[2]

# Keras 3's own `Variable.__array__(self, dtype=None)` lacks NumPy 2's `copy` keyword, so
# `keras.backend.convert_to_numpy(variable)` (LearningRateScheduler reads the learning rate
# that way) warns on TensorFlow 2.21 exactly as on tfcompat. Both sides run with `-W error`,
# so this one warning, raised from Keras's code whichever TensorFlow runs it, is ignored.
_KERAS_WARNINGS = """import warnings
warnings.filterwarnings("ignore", message="__array__ implementation doesn't accept a copy keyword",
                        category=DeprecationWarning)
"""

_PRELUDE = {
    "tf": "import tensorflow as tf\n",
    "tfcompat": "import tfcompat as tf\n",
}
_EPILOGUE = """
import json as _json, sys as _sys
_sys.stdout.flush()
with open({out!r}, "w") as _f:
    _json.dump(result, _f)
"""

# Keras's TF backend checks `tf.SparseTensor`/`tf.sparse` on every op and at import, and
# `fit` checks every batch for `tf.experimental.Optional` (tf.data's optional values).
needs_keras_on_tfcompat = pytest.mark.skipif(
    not (hasattr(tfcompat, "SparseTensor") and hasattr(tfcompat, "sparse")),
    reason="Keras's TF backend needs tf.SparseTensor and tf.sparse (composite tensors)",
)
needs_keras_fit = pytest.mark.skipif(
    not (hasattr(tfcompat, "SparseTensor") and hasattr(tfcompat.experimental, "Optional")),
    reason="Keras's fit needs tf.experimental.Optional (tf.data) and tf.SparseTensor",
)


def run(
    side: str, code: str, tmp_path: Path, env: dict[str, str] | None = None, timeout: int = 300
) -> tuple[Any, str]:
    """Run `code` on `side` ("tf" or "tfcompat"); return (its `result`, its stdout)."""
    if side == "tf":
        pytest.importorskip("tensorflow")
    out = tmp_path / f"{side}-result.json"
    script = (
        "import numpy as np\n"
        + _KERAS_WARNINGS
        + _PRELUDE[side]
        + "keras = tf.keras\n"
        + textwrap.dedent(code)
        + _EPILOGUE.format(out=str(out))
    )
    full_env = dict(os.environ)
    full_env.update({"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"})
    full_env.pop("KERAS_BACKEND", None)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
        cwd=str(tmp_path),
    )
    if proc.returncode != 0:
        raise AssertionError(f"{side} process failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(out.read_text()), proc.stdout

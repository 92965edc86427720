"""`tf.keras`: the installed Keras 3 on its TensorFlow backend, with tfcompat as TensorFlow.

In TensorFlow 2.21, `tf.keras` is the `keras` package (`keras._tf_keras.keras`) running on
its TensorFlow backend. tfcompat does the same: importing this module (which `tf.keras`,
`from tensorflow import keras` and `import tensorflow.keras` under `tfcompat.alias` do)

  1. installs `tfcompat.alias`, so the `import tensorflow` statements of Keras's backend
     (and its `from tensorflow.python... import` lines) resolve to tfcompat;
  2. sets `KERAS_BACKEND=tensorflow` and imports `keras`;
  3. replaces itself in `sys.modules` with `keras._tf_keras.keras`, so `tf.keras` *is*
     the module TF 2.21's `tf.keras` is.

After that, `import tensorflow` anywhere in the process is tfcompat: Keras and the code
that feeds it must see one TensorFlow (a real `tf.Tensor` passed to a Keras layer running
on tfcompat would not be understood). See docs/keras.md.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

from tfcompat import alias

_WRONG_BACKEND = (
    "tf.keras: Keras is already imported in this process with the {backend!r} backend. "
    "tf.keras is Keras on its TensorFlow backend (tfcompat), and Keras picks its backend "
    "once per process. Use `tf.keras` (or `import tfcompat`) before anything imports "
    "keras, or set KERAS_BACKEND=tensorflow in the environment."
)
_REAL_TF = (
    "tf.keras: Keras is already imported in this process on the real TensorFlow, so it "
    "cannot run on tfcompat. Use `tf.keras` (or `import tfcompat`) before anything imports "
    "keras or tensorflow."
)


def _check_loaded_keras() -> None:
    """Raise RuntimeError when `keras` is imported already on another TensorFlow or backend."""
    if "keras" not in sys.modules:
        return
    config = sys.modules.get("keras.src.backend.config")
    backend = config.backend() if config is not None else None
    if backend is not None and backend != "tensorflow":
        raise RuntimeError(_WRONG_BACKEND.format(backend=backend))
    tf_module = sys.modules.get("tensorflow")
    if tf_module is not None and not alias._is_ours(tf_module):
        raise RuntimeError(_REAL_TF)


def load() -> ModuleType:
    """Import Keras on tfcompat and return TF 2.21's `tf.keras` module."""
    _check_loaded_keras()
    alias.install()
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = "tensorflow"
    importlib.import_module("keras")
    _check_loaded_keras()
    return importlib.import_module("keras._tf_keras.keras")


sys.modules[__name__] = load()

"""Run a quickstart unchanged, with `mnist.load_data` answering synthetic data.

The quickstarts are kept as .txt files so that linters leave them as published.

The machine running the tests has no network, so `tf.keras.datasets.mnist.load_data`
(which downloads MNIST) returns small synthetic data of MNIST's shapes and dtypes: uint8
28x28 images whose class is the horizontal band holding the bright stroke, so the
tutorials' models can learn it. Usage: `python launch.py SCRIPT` (real TensorFlow), or
`python -m tfcompat run launch.py SCRIPT` (tfcompat through the alias).
"""

import runpy
import sys

import numpy as np
import tensorflow as tf


def _synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 10, n).astype(np.uint8)
    x = (rng.rand(n, 28, 28) * 60).astype(np.uint8)
    for i, c in enumerate(y):
        row = 2 + int(c) * 2 + rng.randint(0, 2)
        x[i, row : row + 2, 4:24] = 255
    return x, y


def load_data(path: str = "mnist.npz") -> tuple:
    return _synthetic(512, 0), _synthetic(128, 1)


tf.keras.datasets.mnist.load_data = load_data
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")

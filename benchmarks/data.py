"""Seeded numpy data and initial weights, shared by every system so all solve one problem.

Arrays are float32 and made once per workload build; each system converts them once.
"""

from __future__ import annotations

import itertools

import numpy as np

Array = np.ndarray

# W2, the linear regression of TensorFlow's "basic training loops" guide.
TRUE_W, TRUE_B = 3.0, 2.0
W2_INIT_W, W2_INIT_B = 5.0, 0.0
W2_LR = 0.1
W2_POINTS = 1000

MLP_LR = 0.1  # W3, W5
W4_LR = 0.01


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _he(rng: np.random.Generator, fan_in: int, fan_out: int) -> Array:
    return (rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _one_hot(rng: np.random.Generator, batch: int, classes: int) -> Array:
    return np.eye(classes, dtype=np.float32)[rng.integers(0, classes, size=batch)]


def linear_regression() -> tuple[Array, Array]:
    """W2: x (1000,) and y = 3x + 2 + noise."""
    rng = _rng(2)
    x = rng.standard_normal(W2_POINTS).astype(np.float32)
    noise = rng.standard_normal(W2_POINTS).astype(np.float32)
    return x, (x * TRUE_W + TRUE_B + noise).astype(np.float32)


def mlp(sizes: tuple[int, ...], batch: int, seed: int) -> tuple[list[Array], Array]:
    """Weights [W1, b1, W2, b2, ...] for layer ``sizes`` and an input batch."""
    rng = _rng(seed)
    params: list[Array] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        params += [_he(rng, fan_in, fan_out), np.zeros(fan_out, np.float32)]
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    return params, x


def classifier_mlp() -> tuple[list[Array], Array, Array]:
    """W3: MLP 784-256-10, batch 128, one-hot labels."""
    params, x = mlp((784, 256, 10), batch=128, seed=3)
    return params, x, _one_hot(_rng(30), 128, 10)


def wide_mlp() -> tuple[list[Array], Array, Array]:
    """W4: MLP 1024-4096-1024, batch 1024, regression targets."""
    params, x = mlp((1024, 4096, 1024), batch=1024, seed=4)
    y = _rng(40).standard_normal((1024, 1024)).astype(np.float32)
    return params, x, y


def cnn() -> tuple[list[Array], Array, Array]:
    """W5: conv 3x3x1->32 (+bias), dense 14*14*32 -> 10; input (64, 28, 28, 1) NHWC."""
    rng = _rng(5)
    kernel = (rng.standard_normal((3, 3, 1, 32)) * np.sqrt(2.0 / 9)).astype(np.float32)
    params = [kernel, np.zeros(32, np.float32), _he(rng, 14 * 14 * 32, 10)]
    params.append(np.zeros(10, np.float32))
    x = rng.standard_normal((64, 28, 28, 1)).astype(np.float32)
    return params, x, _one_hot(rng, 64, 10)


def jacobian_inputs() -> tuple[list[Array], Array, Array, Array]:
    """W6: MLP 8-32-4 weights, a batch (16, 8), a matrix A (32, 32) and a point v (32,)."""
    params, x = mlp((8, 32, 4), batch=16, seed=6)
    rng = _rng(60)
    a = (rng.standard_normal((32, 32)) / np.sqrt(32)).astype(np.float32)
    v = rng.standard_normal(32).astype(np.float32)
    return params, x, a, v

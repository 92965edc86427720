"""Shared by the distribute tests' subprocess scripts: a small data-parallel problem.

The per-replica step computes its loss over its rows scaled by the global batch size
(`tf.nn.compute_average_loss`'s convention), so the replicas' summed gradients equal the
full batch's gradient; the single-device loop on the full batch must give the same
weights.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
GLOBAL_BATCH = 16
STEPS = 3
LR = 0.1


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(GLOBAL_BATCH * STEPS, 5)).astype(np.float32)
    y = (x @ np.arange(1, 6, dtype=np.float32)[:, None] > 0).astype(np.float32)
    return x, y


def init_weights() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return (
        rng.normal(size=(5, 8)).astype(np.float32) * 0.5,
        np.zeros(8, np.float32),
        rng.normal(size=(8, 1)).astype(np.float32) * 0.5,
        np.zeros(1, np.float32),
    )


def make_vars(tf: Any) -> list[Any]:
    return [tf.Variable(w) for w in init_weights()]


def loss_fn(tf: Any, variables: list[Any], xb: Any, yb: Any) -> Any:
    w1, b1, w2, b2 = variables
    h = tf.nn.relu(tf.matmul(xb, w1) + b1)
    logits = tf.matmul(h, w2) + b2
    per_example = tf.nn.sigmoid_cross_entropy_with_logits(labels=yb, logits=logits)
    return tf.reduce_sum(per_example) / GLOBAL_BATCH


def single_device(tf: Any) -> list[np.ndarray]:
    """The reference: the same SGD steps on the full batch, no strategy."""
    x, y = data()
    variables = make_vars(tf)
    for i in range(STEPS):
        xb, yb = (
            x[i * GLOBAL_BATCH : (i + 1) * GLOBAL_BATCH],
            y[i * GLOBAL_BATCH : (i + 1) * GLOBAL_BATCH],
        )
        with tf.GradientTape() as tape:
            loss = loss_fn(tf, variables, tf.constant(xb), tf.constant(yb))
        grads = tape.gradient(loss, variables)
        for v, g in zip(variables, grads, strict=True):
            v.assign_sub(LR * g)
    return [v.numpy() for v in variables]


# XLA's CPU collectives abort a program when one of the virtual devices' threads has not
# arrived within 40 s; on a loaded 2-core machine that can happen without any fault.
COLLECTIVE_FLAGS = (
    "--xla_cpu_collective_timeout_seconds=900 "
    "--xla_cpu_collective_call_terminate_timeout_seconds=900"
)


def run_script(
    code: str, devices: int = 4, timeout: int = 300, env: Any = None
) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ)
    full_env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices} {COLLECTIVE_FLAGS}"
    full_env["PYTHONPATH"] = str(ROOT)
    full_env["JAX_PLATFORMS"] = "cpu"  # virtual CPU devices even where a GPU is present
    full_env.pop("TF_CONFIG", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=str(ROOT),
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )

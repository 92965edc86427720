"""Keras on tfcompat vs Keras on TensorFlow 2.21 vs hand-written JAX + optax: the W3 MLP.

``python -m benchmarks.keras_bench [--steps 50] [--systems ...]``

W3 (benchmarks/data.py): MLP 784-256-10 (relu), batch 128, softmax cross-entropy, SGD
with learning rate 0.1. Systems, each in its own new process (Keras picks one backend and
one TensorFlow per process, and a first step must not profit from an earlier one):

* ``tfcompat-loop`` / ``tf-loop``: a Keras ``Sequential`` and ``keras.optimizers.SGD``
  in a custom ``tf.function`` step under a ``GradientTape``;
* ``tfcompat-fit`` / ``tf-fit``: ``model.fit`` over ``steps`` batches (one epoch);
* ``jax-optax``: ``jax.jit`` of ``value_and_grad`` and an ``optax.sgd`` update.

Reported: the first step (trace + compile + run) and the median warm step, in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_DATA = """
import time, numpy as np
rng = np.random.default_rng(3)
X = rng.standard_normal((STEPS * 128, 784)).astype(np.float32)
Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, STEPS * 128)]
"""

_KERAS_MODEL = """
keras = tf.keras
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(256, activation="relu"),
                          keras.layers.Dense(10)])
opt = keras.optimizers.SGD(0.1)
loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)
"""

_LOOP = """
@tf.function
def step(x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss

times = []
for i in range(STEPS):
    x = tf.constant(X[i * 128:(i + 1) * 128]); y = tf.constant(Y[i * 128:(i + 1) * 128])
    t0 = time.perf_counter()
    float(step(x, y))
    times.append(time.perf_counter() - t0)
"""

_FIT = """
class T(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        self.t0 = time.perf_counter()
    def on_train_batch_end(self, batch, logs=None):
        float(logs["loss"])
        times.append(time.perf_counter() - self.t0)
times = []
model.compile(optimizer=opt, loss=loss_fn)
model.fit(X, Y, batch_size=128, epochs=1, shuffle=False, verbose=0, callbacks=[T()])
"""

_JAX = """
import jax, jax.numpy as jnp, optax
k1, k2 = jax.random.split(jax.random.PRNGKey(0))
params = {"w1": jax.random.normal(k1, (784, 256)) * 0.05, "b1": jnp.zeros(256),
          "w2": jax.random.normal(k2, (256, 10)) * 0.05, "b2": jnp.zeros(10)}
tx = optax.sgd(0.1)
state = tx.init(params)
def loss(p, x, y):
    logits = jax.nn.relu(x @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]
    return optax.softmax_cross_entropy(logits, y).mean()
@jax.jit
def step(p, s, x, y):
    l, g = jax.value_and_grad(loss)(p, x, y)
    u, s = tx.update(g, s, p)
    return optax.apply_updates(p, u), s, l
times = []
for i in range(STEPS):
    x = jnp.asarray(X[i * 128:(i + 1) * 128]); y = jnp.asarray(Y[i * 128:(i + 1) * 128])
    t0 = time.perf_counter()
    params, state, l = step(params, state, x, y)
    float(l)
    times.append(time.perf_counter() - t0)
"""

SYSTEMS = {
    "tfcompat-loop": "import tfcompat as tf\n" + _KERAS_MODEL + _LOOP,
    "tf-loop": "import tensorflow as tf\n" + _KERAS_MODEL + _LOOP,
    "tfcompat-fit": "import tfcompat as tf\n" + _KERAS_MODEL + _FIT,
    "tf-fit": "import tensorflow as tf\n" + _KERAS_MODEL + _FIT,
    "jax-optax": _JAX,
}


def run_system(name: str, steps: int) -> dict[str, float] | str:
    code = (
        f"STEPS = {steps}\n"
        + _DATA
        + SYSTEMS[name]
        + "\nimport json, statistics\n"
        + "print(json.dumps({'first_ms': times[0] * 1e3,"
        + " 'warm_ms': statistics.median(times[1:]) * 1e3}))\n"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
    env.pop("KERAS_BACKEND", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=900
    )
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed: {last}"
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    args = parser.parse_args()
    print(f"W3 MLP 784-256-10, batch 128, SGD 0.1; {args.steps} steps per system")
    print(f"{'system':<15} {'first step (ms)':>16} {'warm step (ms)':>15}")
    for name in args.systems.split(","):
        r = run_system(name, args.steps)
        if isinstance(r, str):
            print(f"{name:<15} {r}")
        else:
            print(f"{name:<15} {r['first_ms']:>16.1f} {r['warm_ms']:>15.3f}")


if __name__ == "__main__":
    main()

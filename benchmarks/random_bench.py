"""Random numbers: TF's Philox in tfcompat vs JAX's threefry vs TensorFlow, side by side.

``python -m benchmarks.random_bench [--runs 7] [--steps 200] [--n 10000000]``

1. A W3-like compiled training step (MLP 784-256-10, batch 128, SGD) with dropout 0.5
   on the hidden layer, the mask drawn fresh each step:
   * ``jax-threefry``: hand-written JAX, ``jax.random.uniform(fold_in(key, step))``;
   * ``jax-philox``: the same step drawing the mask with tfcompat's Philox kernel
     (`tfcompat._ops.philox`, TF's stateless uniform) inside the same ``jax.jit``;
   * ``tfcompat-function``: ``tf.function`` step with
     ``tf.nn.experimental.stateless_dropout(seed=[step, 0])`` (Keras's Dropout);
   * ``tf-function``: the same code on TensorFlow.
   Reported: median microseconds per step over ``--runs`` runs of ``--steps`` steps, and
   the number of programs tfcompat compiled for its step (1: the draw fuses into it).
2. ``--n`` float32 normals, one call: JAX threefry (jitted), JAX Philox (jitted,
   tfcompat's kernel), ``tfcompat.random.stateless_normal`` (eager) and TF's.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import data

RATE = 0.5
LR = 0.1


def _median_us(fn: Callable[[], Any], runs: int, reps: int) -> float:
    fn()  # compile / warm up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        for _ in range(reps):
            out = fn()
        _block(out)
        times.append((time.perf_counter() - t0) / reps * 1e6)
    return statistics.median(times)


def _block(x: Any) -> None:
    if hasattr(x, "block_until_ready"):
        x.block_until_ready()
    elif hasattr(x, "numpy"):
        x.numpy()


def _loss(params: list[Any], x: Any, y: Any, mask: Any) -> Any:
    w1, b1, w2, b2 = params
    h = jax.nn.relu(x @ w1 + b1)
    h = jnp.where(mask, h / (1 - RATE), 0.0)
    logits = h @ w2 + b2
    return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(logits), axis=-1))


def jax_step(mask_fn: Callable[[Any], Any]) -> Callable[[], Any]:
    params, x, y = data.classifier_mlp()
    p = [jnp.asarray(a) for a in params]
    x, y = jnp.asarray(x), jnp.asarray(y)

    @jax.jit
    def step(p: list[Any], i: Any) -> tuple[list[Any], Any]:
        mask = mask_fn(i)
        loss, g = jax.value_and_grad(_loss)(p, x, y, mask)
        return [a - LR * b for a, b in zip(p, g, strict=True)], loss

    state = [p, jnp.int64(0)]

    def call() -> Any:
        state[0], loss = step(state[0], state[1])
        state[1] = state[1] + 1
        return loss

    return call


def threefry_mask(i: Any) -> Any:
    key = jax.random.fold_in(jax.random.key(0), i)
    return jax.random.uniform(key, (128, 256)) >= RATE


def philox_mask(i: Any) -> Any:
    from tfcompat._ops import philox

    seed = jnp.stack([i.astype(jnp.int64), jnp.int64(0)])
    key, counter = philox.stateless_key_counter(seed)
    words = philox.sample_words(key, counter, 128 * 256, np.float32)
    return (philox.bits_to_uniform(words, np.float32) >= RATE).reshape(128, 256)


def framework_step(tf: Any) -> Callable[[], Any]:
    params, x, y = data.classifier_mlp()
    vs = [tf.Variable(a) for a in params]
    xt, yt = tf.constant(x), tf.constant(y)
    counter = tf.Variable(0, dtype=tf.int64)

    @tf.function
    def step() -> Any:
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(xt, vs[0]) + vs[1])
            seed = tf.stack([counter, tf.constant(0, tf.int64)])
            h = tf.nn.experimental.stateless_dropout(h, RATE, seed=seed)
            logits = tf.matmul(h, vs[2]) + vs[3]
            loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(yt, logits))
        grads = tape.gradient(loss, vs)
        for v, g in zip(vs, grads, strict=True):
            v.assign_sub(LR * g)
        counter.assign_add(1)
        return loss

    return step


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow")
    args = parser.parse_args()

    import tfcompat

    tf_mod = None
    if not args.no_tf:
        try:
            import tensorflow as tf_mod
        except ImportError:  # pragma: no cover
            tf_mod = None

    print(f"W3 + dropout step, median us/step ({args.runs} runs x {args.steps} steps)")
    rows = [
        ("jax-threefry", jax_step(threefry_mask)),
        ("jax-philox", jax_step(philox_mask)),
    ]
    before = tfcompat.experimental.compile_stats()["compiles"]
    tfc = framework_step(tfcompat)
    rows.append(("tfcompat-function", tfc))
    if tf_mod is not None:
        rows.append(("tf-function", framework_step(tf_mod)))
    base = None
    for name, fn in rows:
        us = _median_us(fn, args.runs, args.steps)
        base = base or us
        print(f"  {name:20s} {us:9.1f} us   {us / base:5.2f}x jax-threefry")
    compiles = tfcompat.experimental.compile_stats()["compiles"] - before
    print(f"  tfcompat programs compiled for its step: {compiles}")

    n = args.n
    print(f"\n{n} float32 normals, median ms per call ({args.runs} runs)")
    key = jax.random.key(1)
    threefry = jax.jit(lambda k: jax.random.normal(k, (n,), jnp.float32))

    @jax.jit
    def philox_normal(seed: Any) -> Any:
        from tfcompat._ops import philox

        k, c = philox.stateless_key_counter(seed)
        return philox.box_muller(philox.sample_words(k, c, n, np.float32), np.float32)[:n]

    seed = jnp.asarray([1, 2], jnp.int64)
    rows2: list[tuple[str, Callable[[], Any]]] = [
        ("jax-threefry", lambda: threefry(key)),
        ("jax-philox", lambda: philox_normal(seed)),
        ("tfcompat", lambda: tfcompat.random.stateless_normal([n], seed=[1, 2])),
    ]
    if tf_mod is not None:
        rows2.append(("tf", lambda: tf_mod.random.stateless_normal([n], seed=[1, 2])))
    base = None
    for name, fn in rows2:
        us = _median_us(fn, args.runs, 1)
        base = base or us
        print(f"  {name:20s} {us / 1e3:9.1f} ms   {us / base:5.2f}x jax-threefry")


if __name__ == "__main__":
    main()

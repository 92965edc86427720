"""Data parallelism: W3 under tf.distribute.MirroredStrategy vs hand-written jax.sharding.

``python -m benchmarks.distribute_bench [--devices 4] [--runs 7] [--steps 50] [--no-tf]``

The W3 step (MLP 784-256-10, softmax cross-entropy, SGD lr 0.1) on a global batch of 128
split over ``--devices`` virtual CPU devices
(``XLA_FLAGS=--xla_force_host_platform_device_count``, set here before JAX starts):

* ``jax-sharding``: hand-written JAX: parameters replicated (``NamedSharding(mesh, P())``),
  the batch sharded along its first axis, one ``jax.jit`` of ``value_and_grad`` + update
  (XLA's SPMD partitioner inserts the all-reduce);
* ``tfcompat-mirrored``: TF code: ``MirroredStrategy`` over the same devices, a
  ``tf.function`` calling ``strategy.run`` (per-replica loss scaled by the global batch,
  ``all_reduce(SUM)`` of the gradients, ``assign_sub``) and ``strategy.reduce``;
* ``tfcompat-1device``: the same TF step without a strategy, the whole batch on one device;
* ``tf-mirrored``: the TF code on TensorFlow, its CPU split into as many logical devices.

Reported: median microseconds per step over ``--runs`` runs of ``--steps`` steps, the
ratio to ``jax-sharding``, and the XLA compiles tfcompat made for its first step and for
all later ones (0: one program per step, compiled once).
"""

from __future__ import annotations

import os
import sys

if "jax" not in sys.modules:  # before JAX starts its CPU backend
    _n = "4"
    for _i, _a in enumerate(sys.argv):
        if _a == "--devices" and _i + 1 < len(sys.argv):
            _n = sys.argv[_i + 1]
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "")
        + f" --xla_force_host_platform_device_count={_n}"
        # XLA's CPU collectives abort after 40 s when a device's thread is late, which a
        # loaded machine can cause without any fault
        + " --xla_cpu_collective_timeout_seconds=900"
        + " --xla_cpu_collective_call_terminate_timeout_seconds=900"
    ).strip()
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding
from jax.sharding import PartitionSpec as P

from benchmarks import data

LR = 0.1
BATCH = 128


def _block(x: Any) -> None:
    if isinstance(x, (list, tuple)):
        for item in x:
            _block(item)
    elif hasattr(x, "block_until_ready"):
        x.block_until_ready()
    elif hasattr(x, "numpy"):
        x.numpy()


def median_us(fn: Callable[[], Any], runs: int, steps: int) -> float:
    _block(fn())  # compile, warm up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = None
        for _ in range(steps):
            out = fn()
        _block(out)
        times.append((time.perf_counter() - t0) / steps * 1e6)
    return statistics.median(times)


def jax_sharding_step(devices: list[Any]) -> Callable[[], Any]:
    params, x, y = data.classifier_mlp()
    mesh = jax.sharding.Mesh(np.array(devices), ("batch",))
    rep, split = NamedSharding(mesh, P()), NamedSharding(mesh, P("batch"))
    p = [jax.device_put(a, rep) for a in params]
    xs, ys = jax.device_put(x, split), jax.device_put(y, split)

    def loss_fn(p: list[Any], x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = p
        h = jax.nn.relu(x @ w1 + b1)
        logits = h @ w2 + b2
        return -jnp.sum(y * jax.nn.log_softmax(logits)) / BATCH

    @jax.jit
    def step(p: list[Any], x: Any, y: Any) -> tuple[list[Any], Any]:
        loss, g = jax.value_and_grad(loss_fn)(p, x, y)
        return [a - LR * b for a, b in zip(p, g, strict=True)], loss

    state = [p]

    def call() -> Any:
        state[0], loss = step(state[0], xs, ys)
        return loss

    return call


def tf_step(tf: Any, strategy: Any) -> Callable[[], Any]:
    """The TF code: `strategy` None runs the step without a strategy."""
    params, x, y = data.classifier_mlp()
    if strategy is None:
        vs = [tf.Variable(a) for a in params]
        inputs: Any = (tf.constant(x), tf.constant(y))
    else:
        with strategy.scope():
            vs = [tf.Variable(a) for a in params]
        ds = tf.data.Dataset.from_tensors((x, y))
        inputs = next(iter(strategy.experimental_distribute_dataset(ds)))

    def replica_step(batch: Any) -> Any:
        xb, yb = batch
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(xb, vs[0]) + vs[1])
            logits = tf.matmul(h, vs[2]) + vs[3]
            per_example = tf.nn.softmax_cross_entropy_with_logits(yb, logits)
            loss = tf.reduce_sum(per_example) / BATCH
        grads = tape.gradient(loss, vs)
        if strategy is not None:
            grads = tf.distribute.get_replica_context().all_reduce("SUM", grads)
        for v, g in zip(vs, grads, strict=True):
            v.assign_sub(LR * g)
        return loss

    @tf.function
    def step(batch: Any) -> Any:
        if strategy is None:
            return replica_step(batch)
        return strategy.reduce("SUM", strategy.run(replica_step, args=(batch,)), axis=None)

    return lambda: step(inputs)


def compile_counter() -> list[int]:
    count = [0]

    def listener(event: str, duration: float, **kw: Any) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            count[0] += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--no-tf", action="store_true", help="skip TensorFlow")
    args = parser.parse_args(argv)

    import tfcompat

    devices = jax.devices()[: args.devices]
    n = len(devices)
    counter = compile_counter()
    rows: list[tuple[str, float]] = []
    rows.append(("jax-sharding", median_us(jax_sharding_step(devices), args.runs, args.steps)))
    strategy = tfcompat.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(n)])
    if jax.default_backend() != "cpu":
        strategy = tfcompat.distribute.MirroredStrategy(devices)
    mirrored = tf_step(tfcompat, strategy)
    before = counter[0]
    _block(mirrored())
    first = counter[0] - before
    before = counter[0]
    rows.append(("tfcompat-mirrored", median_us(mirrored, args.runs, args.steps)))
    later = counter[0] - before
    rows.append(("tfcompat-1device", median_us(tf_step(tfcompat, None), args.runs, args.steps)))
    if not args.no_tf:
        try:
            import tensorflow as real_tf
        except ImportError:  # pragma: no cover
            real_tf = None
        if real_tf is not None:
            cpu = real_tf.config.list_physical_devices("CPU")[0]
            real_tf.config.set_logical_device_configuration(
                cpu, [real_tf.config.LogicalDeviceConfiguration()] * n
            )
            tf_strategy = real_tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(n)])
            rows.append(
                ("tf-mirrored", median_us(tf_step(real_tf, tf_strategy), args.runs, args.steps))
            )

    base = rows[0][1]
    print(
        f"W3 step, global batch {BATCH} over {n} {jax.default_backend()} devices, median "
        f"us/step ({args.runs} runs x {args.steps} steps)"
    )
    print(f"{'implementation':<20} {'us/step':>10} {'ratio':>8}")
    for name, us in rows:
        print(f"{name:<20} {us:>10.1f} {us / base:>8.2f}")
    print(f"tfcompat-mirrored XLA compiles: first step {first}, later steps {later}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

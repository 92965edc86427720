"""TF 2.21 conformance on one CPU device: device strings, tf.config, and the strategies'
attributes, reprs and results where TF runs them on the CPU (MirroredStrategy with one
replica, OneDeviceStrategy)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.tf


def _addr(text: str) -> str:
    return re.sub(r"0x[0-9a-f]+", "0x", text)


def test_device_strings(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        out = [tf.constant(1.0).device, tf.Variable(1.0).device]
        for name in [
            "/GPU:0",
            "/gpu:0",
            "cpu",
            "/CPU:3",
            "/job:localhost/replica:0/task:0/device:CPU:0",
        ]:
            with tf.device(name):
                out.append((tf.constant(1.0) + 1).device)
                out.append(tf.Variable(2.0).device)
        seen = []

        @tf.function
        def f(x: Any) -> Any:
            seen.append((x.device, (x * 2).device))
            return x

        f(tf.constant(1.0))
        return out + seen

    run_both(fn)


def test_device_errors(run_both: Any) -> None:
    def bad_name(tf: Any) -> Any:
        with tf.device("foo"):
            return 1

    run_both(bad_name)


def test_config(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        return [
            tf.config.list_physical_devices(),
            tf.config.list_physical_devices("GPU"),
            tf.config.list_logical_devices(),
            tf.config.get_visible_devices(),
            # the keys: TF's counts depend on what the process allocated before
            sorted(tf.config.experimental.get_memory_info("CPU:0")),
            repr(tf.config.LogicalDeviceConfiguration(memory_limit=10)),
            tf.config.get_logical_device_configuration(tf.config.list_physical_devices()[0]),
            tf.test.gpu_device_name(),
        ]

    run_both(fn)
    run_both(lambda tf: tf.config.experimental.get_memory_info("GPU:0"))
    run_both(
        lambda tf: tf.config.experimental.set_memory_growth(
            tf.config.list_physical_devices("CPU")[0], True
        )
    )


def test_mirrored_strategy_on_one_cpu(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        s = tf.distribute.MirroredStrategy()
        with s.scope():
            v = tf.Variable([1.0, 2.0])
            in_scope = [tf.distribute.has_strategy(), tf.distribute.get_strategy() is s]
            cross = tf.distribute.in_cross_replica_context()
        r = s.run(lambda x: x * 2.0 + v, args=(tf.constant([1.0, 3.0]),))
        return [
            _addr(repr(s)),
            s.num_replicas_in_sync,
            s.extended.worker_devices,
            s.extended.parameter_devices,
            repr(v),
            str(v),
            isinstance(v, tf.Variable),
            v.device,
            in_scope,
            cross,
            tf.distribute.has_strategy(),
            repr(r),
            len(s.experimental_local_results(r)),
            s.reduce("SUM", r, axis=None),
            s.reduce("MEAN", r, axis=0),
            s.reduce(tf.distribute.ReduceOp.SUM, r, axis=0),
        ]

    run_both(fn)


def test_mirrored_training_step_on_one_cpu(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        s = tf.distribute.MirroredStrategy()
        with s.scope():
            w = tf.Variable(np.ones((3, 1), np.float32))
        x = np.arange(12, dtype=np.float32).reshape(4, 3) / 10
        ds = tf.data.Dataset.from_tensor_slices((x, x[:, :1])).batch(4)

        def step(inputs: Any) -> Any:
            xb, yb = inputs
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum((tf.matmul(xb, w) - yb) ** 2) / 4.0
            g = tape.gradient(loss, w)
            g = tf.distribute.get_replica_context().all_reduce("SUM", g)
            w.assign_sub(0.1 * g)
            return loss

        @tf.function
        def train(inputs: Any) -> Any:
            return s.reduce("SUM", s.run(step, args=(inputs,)), axis=None)

        dist = s.experimental_distribute_dataset(ds)
        losses = [train(b) for b in dist]
        first = next(iter(dist))
        return [losses, w.numpy(), repr(first[0])]

    run_both(fn, rtol=1e-6)


def test_one_device_strategy(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        s = tf.distribute.OneDeviceStrategy("/cpu:0")
        with s.scope():
            w = tf.Variable(2.0)
        return [
            _addr(repr(s)),
            s.num_replicas_in_sync,
            s.extended.worker_devices,
            repr(w),
            s.run(lambda: tf.constant(3.0) * w),
        ]

    run_both(fn)


def test_default_strategy(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        s = tf.distribute.get_strategy()
        return [
            _addr(repr(s)),
            s.num_replicas_in_sync,
            tf.distribute.has_strategy(),
            tf.distribute.in_cross_replica_context(),
            repr(tf.distribute.ReduceOp.SUM),
        ]

    run_both(fn)


def test_compute_average_loss(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        losses = tf.constant([1.0, 2.0, 3.0, 6.0])
        s = tf.distribute.MirroredStrategy()
        in_run = s.run(lambda: tf.nn.compute_average_loss(losses))
        return [
            tf.nn.compute_average_loss(losses),
            tf.nn.compute_average_loss(losses, global_batch_size=8),
            tf.nn.compute_average_loss(losses, sample_weight=tf.constant([1.0, 0.0, 1.0, 0.5])),
            tf.nn.scale_regularization_loss(tf.constant(3.0)),
            in_run,
        ]

    run_both(fn)
    run_both(lambda tf: tf.nn.compute_average_loss(tf.constant(1.0)))

"""Checks run in a subprocess with 4 virtual CPU devices (see test_virtual_devices.py).

Prints one JSON object: each check's observations; the test asserts on them.
"""

from __future__ import annotations

import json
from typing import Any

import tfcompat as tf
from tests.distribute import _common as c


def _compiles() -> list[int]:
    import jax

    count = [0]

    def listener(event: str, duration: float, **kw: Any) -> None:
        if event == "/jax/core/compile/backend_compile_duration":
            count[0] += 1

    jax.monitoring.register_event_duration_secs_listener(listener)
    return count


def mirrored_training(out: dict[str, Any], compiles: list[int]) -> None:
    strategy = tf.distribute.MirroredStrategy()
    out["replicas"] = strategy.num_replicas_in_sync
    out["worker_devices"] = list(strategy.extended.worker_devices)
    with strategy.scope():
        variables = c.make_vars(tf)
    out["var_repr"] = repr(variables[3])
    out["var_device"] = variables[0].device
    out["var_is_distributed"] = isinstance(variables[0], tf.distribute.DistributedValues)
    out["var_sharding_replicated"] = bool(variables[0]._handle._value.sharding.is_fully_replicated)
    x, y = c.data()
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(c.GLOBAL_BATCH)
    dist = strategy.experimental_distribute_dataset(ds)

    def step(inputs: Any) -> Any:
        xb, yb = inputs
        with tf.GradientTape() as tape:
            loss = c.loss_fn(tf, variables, xb, yb)
        grads = tape.gradient(loss, variables)
        grads = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, grads)
        for v, g in zip(variables, grads, strict=True):
            v.assign_sub(c.LR * g)
        return loss

    @tf.function
    def train_step(inputs: Any) -> Any:
        per_replica = strategy.run(step, args=(inputs,))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    losses, per_step = [], []
    for inputs in dist:
        before = compiles[0]
        losses.append(float(train_step(inputs)))
        per_step.append(compiles[0] - before)
    out["losses"] = losses
    out["compiles_per_step"] = per_step
    out["tracing_count"] = train_step.experimental_get_tracing_count()
    out["mirrored"] = [v.numpy().tolist() for v in variables]
    out["single"] = [w.tolist() for w in c.single_device(tf)]
    out["shape_local"] = list(next(iter(dist))[0].values[0].shape)


def eager_run_and_values(out: dict[str, Any]) -> None:
    s = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    out["two_devices"] = list(s.extended.worker_devices)
    ids = s.run(lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)
    out["replica_ids"] = [int(t) for t in s.experimental_local_results(ids)]
    out["per_replica_repr"] = repr(ids)
    vals = s.run(
        lambda: (
            tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32)
            * tf.ones([3])
        )
    )
    out["reduce_sum_none"] = s.reduce("SUM", vals, axis=None).numpy().tolist()
    out["reduce_mean_0"] = float(s.reduce("MEAN", vals, axis=0))
    out["reduce_sum_0"] = float(s.reduce("SUM", vals, axis=0))
    out["gather"] = s.gather(vals, axis=0).numpy().tolist()
    try:
        s.reduce("SUM", tf.constant(1.0), axis=None)
        out["reduce_plain_sum"] = "no error"
    except ValueError as e:
        out["reduce_plain_sum"] = str(e)

    def fn_ds(ctx: Any) -> Any:
        out["input_context"] = [
            ctx.num_input_pipelines,
            ctx.input_pipeline_id,
            ctx.num_replicas_in_sync,
        ]
        return tf.data.Dataset.range(8).batch(2)

    first = next(iter(s.distribute_datasets_from_function(fn_ds)))
    out["from_function"] = [t.numpy().tolist() for t in first.values]
    try:
        next(iter(s.experimental_distribute_dataset(tf.data.Dataset.range(5).batch(5))))
        out["uneven"] = "no error"
    except ValueError as e:
        out["uneven"] = type(e).__name__
    with s.scope():
        v = tf.Variable(2.0)

    def through_all_reduce() -> Any:
        with tf.GradientTape() as tape:
            y = tf.distribute.get_replica_context().all_reduce("SUM", v * 3.0)
        return tape.gradient(y, v)

    def after_gradient() -> Any:
        with tf.GradientTape() as tape:
            y = v * 3.0
        return tf.distribute.get_replica_context().all_reduce("SUM", tape.gradient(y, v))

    try:
        s.run(through_all_reduce)
        out["grad_through_all_reduce"] = "no error"
    except NotImplementedError as e:
        out["grad_through_all_reduce"] = type(e).__name__
    out["all_reduced_grads"] = [
        float(t) for t in s.experimental_local_results(s.run(after_gradient))
    ]
    with s.scope():
        out["strategy_in_scope"] = [tf.distribute.has_strategy(), tf.distribute.get_strategy() is s]
        out["cross_replica"] = tf.distribute.in_cross_replica_context()
    out["after_scope"] = tf.distribute.has_strategy()


def placement(out: dict[str, Any]) -> None:
    with tf.device("/CPU:2"):
        a = tf.constant([1.0, 2.0])
        v = tf.Variable([3.0, 4.0])
        b = a * 2.0
        f = tf.function(lambda t: t + 1.0, autograph=False)
        r = f(a)
    out["placed"] = [a.device, v.device, b.device, r.device]
    with tf.device("/job:localhost/replica:0/task:0/device:CPU:3"):
        out["full_name"] = tf.constant(1.0).device
    with tf.device("/GPU:0"):
        out["soft"] = tf.constant(1.0).device
    out["default"] = tf.constant(1.0).device
    out["logical"] = [d.name for d in tf.config.list_logical_devices("CPU")]
    out["physical"] = [d.name for d in tf.config.list_physical_devices()]
    out["one_device"] = []
    s = tf.distribute.OneDeviceStrategy("/cpu:1")
    with s.scope():
        w = tf.Variable(1.0)
    out["one_device"] = [w.device, repr(w), s.run(lambda: tf.constant(2.0)).device]


def tpu_strategy(out: dict[str, Any]) -> None:
    resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="")
    tf.config.experimental_connect_to_cluster(resolver)
    meta = tf.tpu.experimental.initialize_tpu_system(resolver)
    s = tf.distribute.TPUStrategy(resolver)
    out["tpu"] = [s.num_replicas_in_sync, meta.num_cores]


def keras_custom_loop(out: dict[str, Any]) -> None:
    """A Keras model and Keras optimizer (its merge_call / all_reduce path) under
    MirroredStrategy, against the same loop under the default strategy."""
    import numpy as np

    keras = tf.keras
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x.sum(1) > 0).astype("float32")[:, None]

    def train(strategy: Any) -> tuple[list[float], list[Any]]:
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = keras.Sequential(
                [keras.Input((5,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)]
            )
            opt = keras.optimizers.Adam(0.01)
            opt.build(model.trainable_variables)
            metric = keras.metrics.Mean()
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        dist = strategy.experimental_distribute_dataset(ds)

        def step(inputs: Any) -> Any:
            xb, yb = inputs
            with tf.GradientTape() as tape:
                pred = model(xb, training=True)
                per_example = tf.reduce_sum((pred - yb) ** 2, axis=1)
                loss = tf.nn.compute_average_loss(per_example)
            metric.update_state(per_example)
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss

        @tf.function
        def run(inputs: Any) -> Any:
            return strategy.reduce("SUM", strategy.run(step, args=(inputs,)), axis=None)

        losses = [float(run(b)) for b in dist]
        losses.append(float(metric.result()))
        losses.append(float(opt.iterations.numpy()))
        return losses, [v.numpy().tolist() for v in model.trainable_variables]

    out["keras_mirrored"] = train(tf.distribute.MirroredStrategy())
    out["keras_default"] = train(tf.distribute.get_strategy())


def aggregation(out: dict[str, Any]) -> None:
    """Variables written in replica context combine as their aggregation says (TF 2.21's
    values for these updates on 2 replicas, ids 0 and 1, are in the test)."""
    s = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    agg = tf.VariableAggregation
    with s.scope():
        v = tf.Variable(1.0)
        vs = tf.Variable(1.0, aggregation=agg.SUM)
        vm = tf.Variable(1.0, aggregation=agg.MEAN)
        first = tf.Variable(1.0, aggregation=agg.ONLY_FIRST_REPLICA)
        r = tf.Variable(
            0.0, synchronization=tf.VariableSynchronization.ON_READ, aggregation=agg.SUM
        )

    def rid() -> Any:
        return tf.cast(tf.distribute.get_replica_context().replica_id_in_sync_group, tf.float32)

    @tf.function
    def step() -> None:
        s.run(lambda: v.assign_sub(1.0))
        s.run(lambda: vs.assign_sub(rid() + 1))
        s.run(lambda: vm.assign_sub(rid() + 1))
        s.run(lambda: r.assign_add(rid() + 1))
        s.run(lambda: first.assign_add(rid() + 10))

    step()
    after = [float(x.numpy()) for x in (v, vs, vm, r, first)]
    s.run(lambda: vm.assign(rid() + 5))
    out["aggregation"] = [*after, float(vm.numpy())]


def main() -> None:
    compiles = _compiles()
    out: dict[str, Any] = {}
    mirrored_training(out, compiles)
    eager_run_and_values(out)
    placement(out)
    tpu_strategy(out)
    keras_custom_loop(out)
    aggregation(out)
    print("RESULT " + json.dumps(out))


if __name__ == "__main__":
    main()

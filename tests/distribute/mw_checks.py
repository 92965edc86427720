"""One worker of the two-process MultiWorkerMirroredStrategy test (test_multi_worker.py).

Argv: coordinator port, process id. Each process has 2 virtual CPU devices; together 4
replicas. Prints the trained weights and what the strategy reports, as JSON.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import jax

jax.config.update("jax_cpu_collectives_implementation", "gloo")
jax.distributed.initialize(
    coordinator_address=f"localhost:{sys.argv[1]}", num_processes=2, process_id=int(sys.argv[2])
)

import tfcompat as tf  # noqa: E402
from tests.distribute import _common as c  # noqa: E402


def main() -> None:
    out: dict[str, Any] = {}
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    out["replicas"] = strategy.num_replicas_in_sync
    out["worker_devices"] = list(strategy.extended.worker_devices)
    out["multi_worker"] = strategy.extended._in_multi_worker_mode()
    with strategy.scope():
        variables = c.make_vars(tf)
    x, y = c.data()
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(c.GLOBAL_BATCH)

    def step(inputs: Any) -> Any:
        xb, yb = inputs
        with tf.GradientTape() as tape:
            loss = c.loss_fn(tf, variables, xb, yb)
        grads = tape.gradient(loss, variables)
        grads = tf.distribute.get_replica_context().all_reduce("SUM", grads)
        for v, g in zip(variables, grads, strict=True):
            v.assign_sub(c.LR * g)
        return loss

    @tf.function
    def train_step(inputs: Any) -> Any:
        return strategy.reduce("SUM", strategy.run(step, args=(inputs,)), axis=None)

    out["losses"] = [float(train_step(b)) for b in strategy.experimental_distribute_dataset(ds)]
    out["weights"] = [v.numpy().tolist() for v in variables]
    out["var_device"] = variables[0].device
    ids = strategy.run(lambda: tf.distribute.get_replica_context().replica_id_in_sync_group)
    out["local_ids"] = [int(t) for t in strategy.experimental_local_results(ids)]
    out["per_replica_repr"] = repr(ids)

    def dataset_fn(ctx: Any) -> Any:
        ds = tf.data.Dataset.range(8).shard(ctx.num_input_pipelines, ctx.input_pipeline_id)
        return ds.batch(1)

    first = next(iter(strategy.distribute_datasets_from_function(dataset_fn)))
    out["from_fn_local"] = [t.numpy().tolist() for t in strategy.experimental_local_results(first)]
    out["from_fn_sum"] = strategy.reduce("SUM", first, axis=None).numpy().tolist()
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

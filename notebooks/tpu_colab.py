"""Training on a Colab TPU with tf.distribute.TPUStrategy, as a script.

The notebook's TF code runs unchanged on tfcompat: on a Colab TPU runtime the replicas are
the TPU cores JAX finds; elsewhere they are JAX's devices, so the tests run it on 4
virtual CPU devices::

    XLA_FLAGS=--xla_force_host_platform_device_count=4 python notebooks/tpu_colab.py

``notebooks/tpu_colab.ipynb`` holds the same cells; it is generated from this file by
``python notebooks/build_ipynb.py`` (``--check`` verifies it is up to date).
"""

# %% [script-only]
import importlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
BACKEND = os.environ.get("TFCOMPAT_NOTEBOOK_BACKEND", "tfcompat")

# %% [markdown]
# # Training on a TPU with `tf.distribute.TPUStrategy`
#
# Choose *Runtime > Change runtime type > TPU* in Colab. The strategy replicates the
# model's variables on every TPU core, splits each global batch between the cores, and
# runs the training step on all of them as one program; gradients are summed across the
# cores before the update.

# %% In [1]
np = importlib.import_module("numpy")  # notebook: import numpy as np
tf = importlib.import_module(BACKEND)  # notebook: import tensorflow as tf

# %% [markdown]
# ## Connect to the TPU

# %% In [2]
resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu="")
tf.config.experimental_connect_to_cluster(resolver)
tf.tpu.experimental.initialize_tpu_system(resolver)
strategy = tf.distribute.TPUStrategy(resolver)
print("replicas:", strategy.num_replicas_in_sync)

# %% [markdown]
# ## Data
#
# A synthetic 10-class problem (784 features, as MNIST). The global batch is divided
# evenly between the replicas, so batch with `drop_remainder=True`.

# %% In [3]
PER_REPLICA_BATCH = 32
GLOBAL_BATCH = PER_REPLICA_BATCH * strategy.num_replicas_in_sync

rng = np.random.default_rng(0)
centers = rng.normal(size=(10, 784)).astype("float32")
labels = rng.integers(0, 10, size=GLOBAL_BATCH * 8)
features = (centers[labels] + rng.normal(size=(labels.size, 784))).astype("float32")

dataset = tf.data.Dataset.from_tensor_slices((features, labels.astype("int32"))).batch(
    GLOBAL_BATCH, drop_remainder=True
)
dist_dataset = strategy.experimental_distribute_dataset(dataset)

# %% [markdown]
# ## Model and optimizer, created in the strategy's scope

# %% In [4]
with strategy.scope():
    w1 = tf.Variable(rng.normal(size=(784, 128)).astype("float32") * 0.05, name="w1")
    b1 = tf.Variable(tf.zeros([128]), name="b1")
    w2 = tf.Variable(rng.normal(size=(128, 10)).astype("float32") * 0.05, name="w2")
    b2 = tf.Variable(tf.zeros([10]), name="b2")
params = [w1, b1, w2, b2]
print(w1.name, w1.shape, w1.device)

# %% [markdown]
# ## The training step
#
# Each replica computes its loss on its share of the batch, scaled by the global batch
# size (`tf.nn.compute_average_loss`), so the sum of the replicas' gradients is the
# gradient of the mean loss over the whole batch.

# %% In [5]
LEARNING_RATE = 0.05


def replica_step(inputs):
    x, y = inputs
    with tf.GradientTape() as tape:
        hidden = tf.nn.relu(tf.matmul(x, w1) + b1)
        logits = tf.matmul(hidden, w2) + b2
        per_example = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
        loss = tf.nn.compute_average_loss(per_example, global_batch_size=GLOBAL_BATCH)
    grads = tape.gradient(loss, params)
    grads = tf.distribute.get_replica_context().all_reduce(tf.distribute.ReduceOp.SUM, grads)
    for p, g in zip(params, grads, strict=True):
        p.assign_sub(LEARNING_RATE * g)
    correct = tf.reduce_sum(
        tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32)
    )
    return loss, correct


@tf.function
def train_step(inputs):
    loss, correct = strategy.run(replica_step, args=(inputs,))
    return (
        strategy.reduce(tf.distribute.ReduceOp.SUM, loss, axis=None),
        strategy.reduce(tf.distribute.ReduceOp.SUM, correct, axis=None),
    )


# %% [markdown]
# ## Train

# %% In [6]
for epoch in range(3):
    total_loss, total_correct, batches = 0.0, 0.0, 0
    for inputs in dist_dataset:
        loss, correct = train_step(inputs)
        total_loss += float(loss)
        total_correct += float(correct)
        batches += 1
    print(
        f"epoch {epoch}: loss {total_loss / batches:.4f} "
        f"accuracy {total_correct / (batches * GLOBAL_BATCH):.3f}"
    )

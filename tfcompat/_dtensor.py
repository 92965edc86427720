"""`tf.experimental.dtensor`: not implemented in tfcompat.

DTensor (TF's SPMD sharding API: `Mesh`, `Layout`, `create_distributed_mesh`) has no
tfcompat implementation; use `jax.sharding` directly. The module exists because Keras's
TensorFlow backend imports it at import time; Keras calls into it only when a Keras
`distribution` is set, which then raises `AttributeError`.
"""

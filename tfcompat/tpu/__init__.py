"""`tf.tpu`: TPU system setup (`tf.tpu.experimental`)."""

from tfcompat.tpu import experimental

__all__ = ["experimental"]

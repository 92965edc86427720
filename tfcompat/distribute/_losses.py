"""`tf.nn.compute_average_loss` and `tf.nn.scale_regularization_loss`: losses scaled for
data parallelism (each replica's loss is divided by the global batch size, so the
replicas' summed gradients are the full batch's)."""

from __future__ import annotations

from typing import Any, cast

__all__ = ["compute_average_loss", "scale_regularization_loss"]


def _num_replicas() -> int:
    from tfcompat import distribute

    ctx = distribute.get_replica_context()
    if ctx is not None:
        return int(ctx.num_replicas_in_sync)
    return int(distribute.get_strategy().num_replicas_in_sync)


def compute_average_loss(
    per_example_loss: Any, sample_weight: Any = None, global_batch_size: Any = None
) -> Any:
    """tfcompat implementation of `tf.nn.compute_average_loss`: the sum of the (weighted)
    per-example losses over `global_batch_size` (by default this replica's batch size
    times the number of replicas in sync)."""
    from tfcompat._api import array_ops, math_ops
    from tfcompat._core.convert import convert_to_tensor

    loss: Any = convert_to_tensor(per_example_loss)
    dtype = loss.dtype
    if sample_weight is not None:
        weight = math_ops.cast(convert_to_tensor(sample_weight), dtype)
        loss = loss * weight
    if len(loss.shape) == 0:
        from tfcompat._function import is_concrete

        shown = loss.numpy() if is_concrete(loss) else loss
        raise ValueError(
            "Invalid value passed for `per_example_loss`. Expected a tensor with at least "
            f"rank 1. Received per_example_loss={shown} with rank 0"
        )
    if global_batch_size is None:
        batch = loss.shape[0]
        if batch is None:
            batch = cast(Any, array_ops.shape(loss))[0]
        global_batch_size = batch * _num_replicas()
    elif isinstance(global_batch_size, (int, float)):
        if int(global_batch_size) != global_batch_size:
            raise TypeError("global_batch_size must be an int.")
        if global_batch_size < 0:
            raise ValueError("global_batch_size must be non-negative.")
    total = math_ops.reduce_sum(loss)
    return math_ops.divide_no_nan(total, math_ops.cast(global_batch_size, dtype))


def scale_regularization_loss(regularization_loss: Any) -> Any:
    """tfcompat implementation of `tf.nn.scale_regularization_loss`: the summed
    regularization losses divided by the number of replicas in sync."""
    from tfcompat._api import math_ops

    if isinstance(regularization_loss, (list, tuple)):
        regularization_loss = math_ops.add_n(list(regularization_loss))
    return math_ops.divide(regularization_loss, _num_replicas())

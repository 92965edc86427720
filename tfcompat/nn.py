"""`tf.nn`: re-exports only."""

from tfcompat._api.math_ops import in_top_k, sigmoid, softplus, tanh, top_k
from tfcompat._api.nn_ops import (
    avg_pool,
    avg_pool1d,
    avg_pool2d,
    batch_normalization,
    bias_add,
    conv1d,
    conv2d,
    conv2d_transpose,
    crelu,
    depthwise_conv2d,
    dropout,
    elu,
    embedding_lookup,
    gelu,
    l2_loss,
    l2_normalize,
    leaky_relu,
    log_softmax,
    max_pool,
    max_pool1d,
    max_pool2d,
    moments,
    relu,
    relu6,
    selu,
    sigmoid_cross_entropy_with_logits,
    silu,
    softmax,
    softmax_cross_entropy_with_logits,
    softsign,
    sparse_softmax_cross_entropy_with_logits,
    swish,
    weighted_cross_entropy_with_logits,
)

__all__ = [
    "avg_pool",
    "avg_pool1d",
    "avg_pool2d",
    "batch_normalization",
    "bias_add",
    "conv1d",
    "conv2d",
    "conv2d_transpose",
    "crelu",
    "depthwise_conv2d",
    "dropout",
    "elu",
    "embedding_lookup",
    "gelu",
    "in_top_k",
    "l2_loss",
    "l2_normalize",
    "leaky_relu",
    "log_softmax",
    "max_pool",
    "max_pool1d",
    "max_pool2d",
    "moments",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "sigmoid_cross_entropy_with_logits",
    "silu",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softplus",
    "softsign",
    "sparse_softmax_cross_entropy_with_logits",
    "swish",
    "tanh",
    "top_k",
    "weighted_cross_entropy_with_logits",
]

# tf.nn.experimental (random: stateless dropout)
import types as _types

from tfcompat._api.random_ops import stateless_dropout as _stateless_dropout

experimental = _types.ModuleType("tfcompat.nn.experimental", "`tf.nn.experimental`.")
experimental.stateless_dropout = _stateless_dropout  # type: ignore[attr-defined]
__all__ += ["experimental"]

# tfcompat-distribute hook: losses scaled for data parallelism.
from tfcompat.distribute._losses import compute_average_loss, scale_regularization_loss  # noqa: E402

__all__ += ["compute_average_loss", "scale_regularization_loss"]

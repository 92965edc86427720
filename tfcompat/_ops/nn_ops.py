"""Raw neural-network ops: activations, softmax, losses, convolutions, pooling.

Where TF's gradient convention differs from JAX's, a `jax.custom_jvp` pins TF's rule and
the comment cites TF's gradient function (`tensorflow/python/ops/nn_grad.py`).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from tfcompat._ops.registry import register


def _zero(x: Any) -> Any:
    return jnp.zeros((), x.dtype)


@jax.custom_jvp
def _relu(x: Any) -> Any:
    return jnp.maximum(x, _zero(x))


@_relu.defjvp
def _relu_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _ReluGrad: gradient where features > 0 (0 at 0).
    (x,), (dx,) = primals, tangents
    return _relu(x), jnp.where(x > 0, dx, _zero(dx))


register("Relu")(_relu)


@register("Softmax")
def _softmax(logits: Any) -> Any:
    return jax.nn.softmax(logits, axis=-1)

"""Raw neural-network ops: activations, softmax, losses, convolutions, pooling.

Where TF's gradient convention differs from JAX's, a `jax.custom_jvp` pins TF's rule and
the comment cites TF's gradient function (`tensorflow/python/ops/nn_grad.py`).
Convolutions and pools take TF's layouts (NHWC, filters HWIO) as static attributes.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tfcompat._ops.registry import ELEMENTWISE, register


def _zero(x: Any) -> Any:
    return jnp.zeros((), x.dtype)


def _activation(name: str, fn: Any, grad_mask: Any) -> None:
    """Register `fn` with TF's gradient `g * grad_mask(x)` (a JVP that is linear in `g`)."""

    @jax.custom_jvp
    def op(x: Any) -> Any:
        return fn(x)

    @op.defjvp
    def _jvp(primals: Any, tangents: Any) -> Any:
        (x,), (dx,) = primals, tangents
        return fn(x), dx * grad_mask(x).astype(dx.dtype)

    register(name, tags=frozenset({ELEMENTWISE}))(op)


def _relu(x: Any) -> Any:
    # TF's kernel: x < 0 ? 0 : x, so relu(-0.0) is -0.0 and NaN stays NaN.
    return jnp.where(x < 0, _zero(x), x)


def _relu6(x: Any) -> Any:
    r = _relu(x)
    six = jnp.asarray(6, x.dtype)
    return jnp.where(six < r, six, r)


# TF's _ReluGrad: the gradient flows where features > 0 (0 at 0; JAX's relu also 0).
_activation("Relu", _relu, lambda x: x > 0)
# TF's _Relu6Grad: where 0 < features < 6 (0 at both kinks).
_activation("Relu6", _relu6, lambda x: (x > 0) & (x < 6))


def _leaky(x: Any, alpha: float) -> Any:
    return jnp.where(x > 0, x, x * jnp.asarray(alpha, x.dtype))


_leaky_op = jax.custom_jvp(_leaky, nondiff_argnums=(1,))


@_leaky_op.defjvp
def _leaky_jvp(alpha: float, primals: Any, tangents: Any) -> Any:
    # TF's _LeakyReluGrad: g where features > 0, else alpha * g (alpha at 0; JAX gives 1).
    (x,), (dx,) = primals, tangents
    return _leaky(x, alpha), jnp.where(x > 0, dx, dx * jnp.asarray(alpha, dx.dtype))


@register("LeakyRelu")
def _leaky_relu(x: Any, *, alpha: float) -> Any:
    return _leaky_op(x, alpha)


def _elu_fn(x: Any) -> Any:
    # TF's Elu kernel: exp(x) - 1 for x < 0 (not expm1), rounded in the input dtype:
    # elu(-0.0422) in bfloat16 is -0.0429688 in TF, -0.0412598 with expm1.
    return jnp.where(x < 0, jnp.exp(jnp.where(x < 0, x, _zero(x))) - 1, x)


# TF's _EluGrad (EluGrad kernel) works on the activations: g * (y + 1) where y < 0, else
# g; 1 at 0, and 1 at NaN (JAX's derivative is NaN there).
_activation("Elu", _elu_fn, lambda x: jnp.where(_elu_fn(x) < 0, _elu_fn(x) + 1, 1))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu_fn(x: Any) -> Any:
    # TF's Selu kernel: scale * alpha * (exp(x) - 1) for x < 0, not expm1: for tiny
    # negative x the activation is 0, so SeluGrad takes the x >= 0 branch (scale).
    scale, alpha = jnp.asarray(_SELU_SCALE, x.dtype), jnp.asarray(_SELU_ALPHA, x.dtype)
    negative = scale * alpha * (jnp.exp(jnp.where(x < 0, x, _zero(x))) - 1)
    return jnp.where(x < 0, negative, scale * x)


# TF's _SeluGrad (the SeluGrad kernel) works on the activations: scale where y >= 0, so
# at x = 0 the gradient is scale (JAX gives scale * alpha).
_activation(
    "Selu",
    _selu_fn,
    lambda x: jnp.where(
        _selu_fn(x) < 0,
        _selu_fn(x) + jnp.asarray(_SELU_SCALE * _SELU_ALPHA, x.dtype),
        jnp.asarray(_SELU_SCALE, x.dtype),
    ),
)


@register("Softsign")
def _softsign(x: Any) -> Any:
    return x / (1 + jnp.abs(x))


@register("Softmax")
def _softmax(logits: Any) -> Any:
    return jax.nn.softmax(logits, axis=-1)


@register("LogSoftmax")
def _log_softmax(logits: Any) -> Any:
    return jax.nn.log_softmax(logits, axis=-1)


@register("L2Loss")
def _l2_loss(t: Any) -> Any:
    return jnp.sum(t * t) / 2


def _softmax_xent(logits: Any, labels: Any) -> Any:
    return -jnp.sum(labels * jax.nn.log_softmax(logits, axis=-1), axis=-1)


@jax.custom_jvp
def _softmax_xent_op(logits: Any, labels: Any) -> Any:
    return _softmax_xent(logits, labels)


@_softmax_xent_op.defjvp
def _softmax_xent_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _SoftmaxCrossEntropyWithLogitsGrad: d/dlogits = softmax - labels (the kernel's
    # backprop, which assumes the labels sum to 1), d/dlabels = -log_softmax(logits).
    logits, labels = primals
    dlogits, dlabels = tangents
    logits, labels = jnp.broadcast_arrays(logits, labels)
    dlogits = jnp.broadcast_to(dlogits, logits.shape)
    dlabels = jnp.broadcast_to(dlabels, labels.shape)
    log_sm = jax.nn.log_softmax(logits, axis=-1)
    out = -jnp.sum(labels * log_sm, axis=-1)
    back = jnp.exp(log_sm) - labels
    return out, jnp.sum(back * dlogits, axis=-1) - jnp.sum(log_sm * dlabels, axis=-1)


@register("SoftmaxCrossEntropyWithLogits")
def _softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    return _softmax_xent_op(logits, labels)


@register("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_softmax_cross_entropy(logits: Any, labels: Any) -> Any:
    log_sm = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(log_sm, labels[..., None].astype(jnp.int32), axis=-1)[..., 0]


@register("BiasAdd")
def _bias_add(value: Any, bias: Any, *, channels_first: bool) -> Any:
    if channels_first:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


# -- convolutions and pooling (channels-last input, spatial...IO filters) -----------------
def _dn(ndim: int) -> tuple[str, str, str]:
    """Dimension numbers of a channels-last conv of rank `ndim`: NWC, NHWC or NDHWC."""
    sp = "DHW"[5 - ndim :]
    return ("N" + sp + "C", sp + "IO", "N" + sp + "C")


def _conv(x: Any, w: Any, strides: Any, padding: Any, dilations: Any, groups: int) -> Any:
    return lax.conv_general_dilated(
        x,
        w,
        window_strides=strides,
        padding=padding,
        rhs_dilation=dilations,
        dimension_numbers=_dn(x.ndim),
        feature_group_count=groups,
    )


@register("Conv2D")
def _conv2d(x: Any, w: Any, *, strides: Any, padding: Any, dilations: Any, groups: int) -> Any:
    return _conv(x, w, strides, padding, dilations, groups)


@register("Conv3D")
def _conv3d(x: Any, w: Any, *, strides: Any, padding: Any, dilations: Any, groups: int) -> Any:
    return _conv(x, w, strides, padding, dilations, groups)


def _conv_backprop_input(
    x: Any, w: Any, *, input_shape: tuple[int, ...], strides: Any, padding: Any, dilations: Any
) -> Any:
    """TF's conv_transpose: the gradient of the conv w.r.t. its input, applied to `x`."""
    _, vjp = jax.vjp(
        lambda inp: _conv(inp, w, strides, padding, dilations, 1), jnp.zeros(input_shape, x.dtype)
    )
    return vjp(x)[0]


register("Conv2DBackpropInput")(_conv_backprop_input)
register("Conv3DBackpropInputV2")(_conv_backprop_input)


@register("DepthToSpace")
def _depth_to_space(x: Any, *, block_size: int) -> Any:
    # TF's layout: output[b, h*bs + i, w*bs + j, c] = input[b, h, w, (i*bs + j)*C_out + c].
    b, h, w, c = x.shape
    bs = block_size
    y = x.reshape(b, h, w, bs, bs, c // (bs * bs))
    return y.transpose(0, 1, 3, 2, 4, 5).reshape(b, h * bs, w * bs, c // (bs * bs))


@register("SpaceToDepth")
def _space_to_depth(x: Any, *, block_size: int) -> Any:
    b, h, w, c = x.shape
    bs = block_size
    y = x.reshape(b, h // bs, bs, w // bs, bs, c)
    return y.transpose(0, 1, 3, 2, 4, 5).reshape(b, h // bs, w // bs, bs * bs * c)


def _window(
    x: Any, ksize: Any, strides: Any, padding: Any, init: Any, op: Any, dilations: Any = None
) -> Any:
    pads = (
        lax.padtype_to_pads(x.shape, ksize, strides, padding)
        if isinstance(padding, str)
        else padding
    )
    return lax.reduce_window(x, init, op, ksize, strides, pads, window_dilation=dilations)


def _max_pool(x: Any, *, ksize: Any, strides: Any, padding: str, dilations: Any = None) -> Any:
    if dilations is not None:
        return _dilated_max_pool(x, ksize, dilations)
    # A Python scalar init lets JAX recognize the max monoid (and differentiate it).
    init = (
        -float("inf")
        if jnp.issubdtype(x.dtype, jnp.floating)
        else np.array(np.iinfo(x.dtype).min, x.dtype)
    )
    return _window(x, ksize, strides, padding, init, lax.max)


def _dilated_max_pool(x: Any, ksize: Any, dilations: Any) -> Any:
    """VALID, stride-1 max pool with a dilated window (`tf.nn.pool` with dilations).

    A chain of `where(a >= b, a, b)` over the window's shifted views (JAX has no VJP for a
    dilated max `reduce_window`); the gradient goes to the first maximum, as TF's.
    """
    out_shape = [n - (k - 1) * d for n, k, d in zip(x.shape, ksize, dilations, strict=True)]
    best = None
    for offset in np.ndindex(*ksize):
        start = [o * d for o, d in zip(offset, dilations, strict=True)]
        view = lax.slice(x, start, [s + n for s, n in zip(start, out_shape, strict=True)])
        best = view if best is None else jnp.where(best >= view, best, view)
    return best


def _avg_pool(x: Any, *, ksize: Any, strides: Any, padding: str, dilations: Any = None) -> Any:
    # TF divides by the number of in-bounds elements of each window (SAME padding).
    total = _window(x, ksize, strides, padding, 0.0, lax.add, dilations)
    ones = jnp.ones(x.shape[1:-1], x.dtype)[None, ..., None]
    count = _window(ones, ksize, strides, padding, 0.0, lax.add, dilations)
    return total / count


# `dilations` (a window dilation) is set only by `tf.nn.pool` with VALID padding.
register("MaxPool")(_max_pool)
register("MaxPool3D")(_max_pool)
register("AvgPool")(_avg_pool)
register("AvgPool3D")(_avg_pool)

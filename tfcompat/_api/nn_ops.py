"""Public neural-network functions (`tf.nn.*`), with TF's signatures.

Composite functions (`sigmoid_cross_entropy_with_logits`, `moments`, `gelu`,
`l2_normalize` ...) use the same ops as TF's Python implementation, so their gradients,
kinks included, are TF's.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._api._args import (
    as_tensor,
    check_type,
    concrete,
    execute,
    is_concrete,
    kernel_error,
    shape_str,
)
from tfcompat._api.indexed_slices import note_gather
from tfcompat._core import dtypes
from tfcompat._core.convert import constant
from tfcompat._core.tensor import Tensor

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
    "sigmoid_cross_entropy_with_logits",
    "silu",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softsign",
    "sparse_softmax_cross_entropy_with_logits",
    "swish",
    "weighted_cross_entropy_with_logits",
]


def _unary(op: str, x: Any) -> Tensor:
    t = as_tensor(x)
    check_type(op, t)
    return execute(op, (t,))


# -- activations -----------------------------------------------------------------------------
def relu(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.relu`. The gradient at 0 is 0, as TF."""
    return _unary("Relu", features)


def relu6(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.relu6`. The gradient at 0 and 6 is 0, as TF."""
    return _unary("Relu6", features)


def elu(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.elu`."""
    return _unary("Elu", features)


def selu(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.selu`."""
    return _unary("Selu", features)


def leaky_relu(features: Any, alpha: float = 0.2, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.leaky_relu`. The gradient at 0 is `alpha`, as TF."""
    t = as_tensor(features)
    if t.dtype.is_integer:
        t = math_ops.cast(t, dtypes.float32)
    check_type("LeakyRelu", t)
    # TF's `alpha` attribute is a float32, also for float64 features.
    return execute("LeakyRelu", (t,), (("alpha", float(np.float32(alpha))),))


def softsign(features: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.softsign`: `features / (1 + |features|)`."""
    return _unary("Softsign", features)


def crelu(features: Any, axis: int = -1, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.crelu`: `concat([relu(x), relu(-x)], axis)`."""
    t = as_tensor(features)
    return relu(array_ops.concat([t, math_ops.negative(t)], axis))


def gelu(features: Any, approximate: bool = False, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.gelu` (TF's tanh approximation or erfc form)."""
    t = as_tensor(features)
    if not t.dtype.is_floating:
        raise ValueError(
            f"`features.dtype` must be a floating point tensor.Received:features.dtype={t.dtype!s}"
        )
    if approximate:
        coeff = math_ops.cast(0.044715, t.dtype)
        inner = math_ops.multiply(
            0.7978845608028654, math_ops.add(t, math_ops.multiply(coeff, math_ops.pow(t, 3)))
        )
        return math_ops.multiply(math_ops.multiply(0.5, t), math_ops.add(1.0, math_ops.tanh(inner)))
    half = math_ops.multiply(0.5, t)
    return math_ops.multiply(
        half,
        math_ops.erfc(
            math_ops.multiply(math_ops.negative(t), math_ops.cast(0.7071067811865476, t.dtype))
        ),
    )


def silu(features: Any, beta: Any = 1.0) -> Tensor:
    """tfcompat implementation of `tf.nn.silu`: `features * sigmoid(beta * features)`."""
    t = as_tensor(features)
    b = math_ops.cast(as_tensor(beta), t.dtype)
    return math_ops.multiply(t, math_ops.sigmoid(math_ops.multiply(b, t)))


swish = silu


def _last_axis_op(op: str, logits: Any, axis: Any) -> Tensor:
    t = as_tensor(logits)
    check_type(op, t)
    rank = len(t._shape)
    if axis is None or int(axis) in (-1, rank - 1):
        return execute(op, (t,))
    ax = int(axis)
    if not -rank <= ax < rank:
        raise kernel_error(op, f"Expected axis in the range [{-rank}, {rank}), but got {ax}")
    perm = list(range(rank))
    perm[ax % rank], perm[-1] = perm[-1], perm[ax % rank]
    return array_ops.transpose(execute(op, (array_ops.transpose(t, perm),)), perm)


def softmax(logits: Any, axis: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.softmax`."""
    return _last_axis_op("Softmax", logits, axis)


def log_softmax(logits: Any, axis: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.log_softmax`."""
    return _last_axis_op("LogSoftmax", logits, axis)


# -- losses and normalization ---------------------------------------------------------------
def sigmoid_cross_entropy_with_logits(
    labels: Any = None, logits: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.sigmoid_cross_entropy_with_logits` (TF's formula)."""
    if labels is None or logits is None:
        raise ValueError(
            "Both `labels` and `logits` must be provided for sigmoid_cross_entropy_with_logits."
        )
    x = as_tensor(logits)
    z = as_tensor(labels)
    if z._shape != x._shape:
        raise ValueError(
            f"`logits` and `labels` must have the same shape, received ({x.shape} vs {z.shape})."
        )
    zeros = array_ops.zeros_like(x)
    cond = math_ops.greater_equal(x, zeros)
    relu_logits = array_ops.where(cond, x, zeros)
    neg_abs_logits = array_ops.where(cond, math_ops.negative(x), x)
    return math_ops.add(
        math_ops.subtract(relu_logits, math_ops.multiply(x, z)),
        math_ops.log1p(math_ops.exp(neg_abs_logits)),
    )


def softmax_cross_entropy_with_logits(
    labels: Any, logits: Any, axis: int = -1, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.softmax_cross_entropy_with_logits`.

    The gradient w.r.t. `logits` is `softmax - labels` (TF's kernel), even when the
    labels do not sum to 1.
    """
    x = as_tensor(logits)
    z = as_tensor(labels) if isinstance(labels, Tensor) else as_tensor(labels, x.dtype)
    if z.dtype is not x.dtype:
        z = math_ops.cast(z, x.dtype)
    check_type("SoftmaxCrossEntropyWithLogits", x)
    rank = len(x._shape)
    ax = axis % rank
    if ax != rank - 1:
        perm = [*range(ax), *range(ax + 1, rank), ax]
        x, z = array_ops.transpose(x, perm), array_ops.transpose(z, perm)
    try:
        if x._shape != z._shape:
            np.broadcast_shapes(x._shape, z._shape)
    except ValueError:
        raise kernel_error(
            "SoftmaxCrossEntropyWithLogits",
            f"logits and labels must be broadcastable: logits_size={shape_str(x._shape)} "
            f"labels_size={shape_str(z._shape)}",
            name="",
        ) from None
    return execute("SoftmaxCrossEntropyWithLogits", (x, z))


def sparse_softmax_cross_entropy_with_logits(labels: Any, logits: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.sparse_softmax_cross_entropy_with_logits`.

    Labels outside `[0, num_classes)` raise `InvalidArgumentError`, as TF on CPU.
    """
    x = as_tensor(logits)
    y = as_tensor(labels)
    check_type("SparseSoftmaxCrossEntropyWithLogits", x)
    check_type("SparseSoftmaxCrossEntropyWithLogits", y, "Tlabels")
    if len(y._shape) != len(x._shape) - 1:
        raise ValueError(
            "`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
            f"labels.shape={y.shape} of rank {len(y._shape)} and logits.shape={x.shape} of rank "
            f"{len(x._shape)}"
        )
    if y._shape != x._shape[:-1]:
        raise ValueError(
            "`labels.shape` must equal `logits.shape` except for the last dimension. Received: "
            f"labels.shape={y.shape} and logits.shape={x.shape}"
        )
    v = concrete(y).reshape(-1) if is_concrete(y) else np.zeros(0, np.int64)
    n = x._shape[-1]
    bad = (v < 0) | (v >= n)
    if np.any(bad):
        raise kernel_error(
            "SparseSoftmaxCrossEntropyWithLogits",
            f"Received a label value of {v[np.argmax(bad)]} which is outside the valid range of "
            f"[0, {n}).  "
            f"Label values: {' '.join(map(str, v))}",
            name="",
        )
    return execute("SparseSoftmaxCrossEntropyWithLogits", (x, y))


def weighted_cross_entropy_with_logits(
    labels: Any, logits: Any, pos_weight: Any, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.weighted_cross_entropy_with_logits` (TF's formula)."""
    x = as_tensor(logits)
    z = as_tensor(labels) if isinstance(labels, Tensor) else as_tensor(labels, x.dtype)
    if z._shape != x._shape:
        raise ValueError(f"logits and labels must have the same shape ({x.shape} vs {z.shape})")
    # TF's Python arithmetic: a Python pos_weight stays Python until it meets `labels`.
    shifted = math_ops.subtract(pos_weight, 1) if isinstance(pos_weight, Tensor) else pos_weight - 1
    log_weight = math_ops.add(1, math_ops.multiply(shifted, z))
    return math_ops.add(
        math_ops.multiply(math_ops.subtract(1, z), x),
        math_ops.multiply(
            log_weight,
            math_ops.add(
                math_ops.log1p(math_ops.exp(math_ops.negative(math_ops.abs(x)))),
                relu(math_ops.negative(x)),
            ),
        ),
    )


def l2_loss(t: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.l2_loss`: `sum(t ** 2) / 2`."""
    return _unary("L2Loss", t)


def l2_normalize(
    x: Any, axis: Any = None, epsilon: float = 1e-12, name: Any = None, dim: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.math.l2_normalize` (TF's `rsqrt(max(sum(x**2), eps))`)."""
    if dim is not None:
        axis = dim
    t = as_tensor(x)
    if t.dtype.is_complex:
        re, im = math_ops.real(t), math_ops.imag(t)
        square_sum = math_ops.reduce_sum(
            math_ops.add(math_ops.square(re), math_ops.square(im)), axis, keepdims=True
        )
        inv = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.complex(math_ops.multiply(re, inv), math_ops.multiply(im, inv))
    square_sum = math_ops.reduce_sum(math_ops.square(t), axis, keepdims=True)
    return math_ops.multiply(t, math_ops.rsqrt(math_ops.maximum(square_sum, epsilon)))


def moments(
    x: Any, axes: Any, shift: Any = None, keepdims: bool = False, name: Any = None
) -> tuple[Tensor, Tensor]:
    """tfcompat implementation of `tf.nn.moments` (variance about a stop-gradient mean, as TF)."""
    t = as_tensor(x)
    y = math_ops.cast(t, dtypes.float32) if t.dtype is dtypes.float16 else t
    mean = math_ops.reduce_mean(y, axes, keepdims=True)
    variance = math_ops.reduce_mean(
        math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes, keepdims=True
    )
    if not keepdims:
        mean = array_ops.squeeze(mean, axes)
        variance = array_ops.squeeze(variance, axes)
    if t.dtype is dtypes.float16:
        return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
    return mean, variance


def batch_normalization(
    x: Any,
    mean: Any,
    variance: Any,
    offset: Any,
    scale: Any,
    variance_epsilon: Any,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.batch_normalization`."""
    t = as_tensor(x)
    inv = (
        math_ops.rsqrt(variance + variance_epsilon)
        if isinstance(variance, Tensor)
        else math_ops.rsqrt(as_tensor(variance) + variance_epsilon)
    )
    if scale is not None:
        inv = inv * scale
    shift = (offset - mean * inv) if offset is not None else -(mean * inv)
    return math_ops.add(
        math_ops.multiply(t, math_ops.cast(inv, t.dtype)), math_ops.cast(shift, t.dtype)
    )


def bias_add(value: Any, bias: Any, data_format: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.bias_add`."""
    v = as_tensor(value)
    b = as_tensor(bias) if isinstance(bias, Tensor) else as_tensor(bias, v.dtype)
    if b.dtype is not v.dtype:
        from tfcompat._core import errors

        raise errors.dtype_mismatch("BiasAdd", 1, v.dtype, b.dtype)
    check_type("BiasAdd", v)
    channels_first = data_format is not None and data_format.startswith("NC")
    if len(b._shape) != 1:
        raise kernel_error("BiasAdd", f"Biases must be 1D: {shape_str(b._shape)}", name="")
    if len(v._shape) < 2:
        raise kernel_error(
            "BiasAdd", f"Input tensor must be at least 2D: {shape_str(v._shape)}", name=""
        )
    c = v._shape[1] if channels_first else v._shape[-1]
    if c != b._shape[0]:
        raise kernel_error(
            "BiasAdd",
            f"Must provide as many biases as the {'channel' if channels_first else 'last'} "
            "dimension of the input "
            f"tensor: {shape_str(b._shape)} vs. {shape_str(v._shape)}",
            name="",
        )
    return execute("BiasAdd", (v, b), (("channels_first", channels_first),))


# -- convolution and pooling ------------------------------------------------------------------
def _tuple(value: Any, n: int, what: str) -> tuple[int, ...]:
    """TF's `_get_sequence`: an int, or a list of 1, n or n + 2 entries -> n spatial entries."""
    if value is None:
        return (1,) * n
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    vals = [int(v) for v in value]
    if len(vals) == 1:
        return (vals[0],) * n
    if len(vals) == n:
        return tuple(vals)
    if len(vals) == n + 2:
        return tuple(vals[1:-1])
    raise ValueError(f"{what} should be of length 1, {n} or {n + 2} but was {len(vals)}")


def _padding(padding: Any, data_format_nc: bool) -> Any:
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError(
                f"`padding` must be either 'VALID' or 'SAME'. Received: padding={padding}"
            )
        return p
    pads = [tuple(int(v) for v in pair) for pair in padding]
    spatial = pads[2:] if data_format_nc else pads[1:-1]
    return tuple(spatial)


def _to_nhwc(t: Tensor, nchw: bool) -> Tensor:
    return array_ops.transpose(t, [0, 2, 3, 1]) if nchw else t


def _from_nhwc(t: Tensor, nchw: bool) -> Tensor:
    return array_ops.transpose(t, [0, 3, 1, 2]) if nchw else t


def conv2d(
    input: Any,
    filters: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NHWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv2d` (NHWC or NCHW input, HWIO filters)."""
    x, w = math_ops.binary_args("Conv2D", input, filters)
    check_type("Conv2D", x)
    nchw = data_format == "NCHW"
    x = _to_nhwc(x, nchw)
    if len(x._shape) != 4:
        raise ValueError(f"input must be 4-dimensional{shape_str(x._shape)}")
    if x._shape[-1] % w._shape[2]:
        raise kernel_error(
            "Conv2D",
            f"input depth must be evenly divisible by filter depth: {x._shape[-1]} vs "
            f"{w._shape[2]}",
            node="__MklNativeConv2D",
            name="",
        )
    attrs = (
        ("strides", _tuple(strides, 2, "strides")),
        ("padding", _padding(padding, nchw)),
        ("dilations", _tuple(dilations, 2, "dilations")),
        ("groups", x._shape[-1] // w._shape[2]),
    )
    return _from_nhwc(execute("Conv2D", (x, w), attrs), nchw)


def conv1d(
    input: Any,
    filters: Any,
    stride: Any,
    padding: Any,
    data_format: str = "NWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv1d` (a conv2d over an added height of 1, as TF)."""
    x = as_tensor(input)
    w = as_tensor(filters)
    ncw = data_format == "NCW"
    if ncw:
        x = array_ops.transpose(x, [0, 2, 1])
    s = _tuple(stride, 1, "stride")[0]
    d = _tuple(dilations, 1, "dilations")[0]
    out = conv2d(
        array_ops.expand_dims(x, 1), array_ops.expand_dims(w, 0), [1, s], padding, "NHWC", [1, d]
    )
    out = array_ops.squeeze(out, [1])
    return array_ops.transpose(out, [0, 2, 1]) if ncw else out


def conv2d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NHWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv2d_transpose` (the input-gradient of conv2d)."""
    x, w = math_ops.binary_args("Conv2DBackpropInput", input, filters)
    nchw = data_format == "NCHW"
    x = _to_nhwc(x, nchw)
    shape = tuple(int(v) for v in np.asarray(concrete(as_tensor(output_shape))).reshape(-1))
    if nchw:
        shape = (shape[0], shape[2], shape[3], shape[1])
    attrs = (
        ("input_shape", shape),
        ("strides", _tuple(strides, 2, "strides")),
        ("padding", _padding(padding, nchw)),
        ("dilations", _tuple(dilations, 2, "dilations")),
    )
    return _from_nhwc(execute("Conv2DBackpropInput", (x, w), attrs), nchw)


def depthwise_conv2d(
    input: Any,
    filter: Any,
    strides: Any,
    padding: Any,
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.depthwise_conv2d` (filter `[h, w, in, multiplier]`)."""
    x, w = math_ops.binary_args("DepthwiseConv2dNative", input, filter)
    nchw = data_format == "NCHW"
    x = _to_nhwc(x, nchw)
    h, wd, cin, mult = w._shape
    w2 = array_ops.reshape(w, (h, wd, 1, cin * mult))
    attrs = (
        ("strides", _tuple(strides, 2, "strides")),
        ("padding", _padding(padding, nchw)),
        ("dilations", _tuple(dilations, 2, "dilations")),
        ("groups", cin),
    )
    return _from_nhwc(execute("Conv2D", (x, w2), attrs), nchw)


def _pool(op: str, input: Any, ksize: Any, strides: Any, padding: str, data_format: Any) -> Tensor:
    x = as_tensor(input)
    check_type(op, x)
    n = len(x._shape) - 2
    if n < 1:
        raise ValueError(f"`input` must have rank at least 3. Received: input.shape={x.shape}")
    channels_first = data_format is not None and data_format.startswith("NC")
    if channels_first:
        x = array_ops.transpose(x, [0, *range(2, n + 2), 1])
    k = _tuple(ksize, n, "ksize")
    s = _tuple(strides, n, "strides")
    attrs = (("ksize", (1, *k, 1)), ("strides", (1, *s, 1)), ("padding", padding.upper()))
    out = execute(op, (x,), attrs)
    return array_ops.transpose(out, [0, n + 1, *range(1, n + 1)]) if channels_first else out


def max_pool(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.max_pool` (1-D, 2-D or 3-D by the input rank)."""
    return _pool("MaxPool", input, ksize, strides, padding, data_format)


def avg_pool(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.avg_pool` (1-D, 2-D or 3-D by the input rank)."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format)


def max_pool1d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.max_pool1d`."""
    return _pool("MaxPool", input, ksize, strides, padding, data_format)


def avg_pool1d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.avg_pool1d`."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format)


def max_pool2d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.max_pool2d`."""
    return _pool("MaxPool", input, ksize, strides, padding, data_format)


def avg_pool2d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.avg_pool2d` (SAME windows average in-bounds values)."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format)


# -- embeddings and dropout ----------------------------------------------------------------
def embedding_lookup(params: Any, ids: Any, max_norm: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.nn.embedding_lookup` (one tensor of params).

    The gradient w.r.t. `params` is a `tf.IndexedSlices`, as TF.

    Differences from TensorFlow:
      A list of sharded params tensors is not supported.
    """
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise NotImplementedError(
                "tfcompat: embedding_lookup over sharded params lists is not implemented"
            )
        params = params[0]
    out = array_ops.gather(params, ids)
    if max_norm is not None:
        norm = math_ops.sqrt(math_ops.reduce_sum(math_ops.square(out), -1, keepdims=True))
        out = math_ops.multiply(
            out, math_ops.minimum(1.0, math_ops.truediv(max_norm, math_ops.maximum(norm, 1e-12)))
        )
    return note_gather(out)


def dropout(
    x: Any, rate: Any, noise_shape: Any = None, seed: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.dropout` (TF's seed rules; values differ from TF's)."""
    from tfcompat._api import random_ops

    is_number = isinstance(rate, numbers.Real)
    if is_number and (rate < 0 or rate >= 1):
        raise ValueError(
            f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}"
        )
    t = as_tensor(x)
    if not t.dtype.is_floating:
        raise ValueError(
            "`x.dtype` must be a floating point tensor as `x` will be scaled. Received: "
            f"x_dtype={t.dtype!s}"
        )
    if is_number and rate == 0:
        random_ops.get_seed(seed)
        return t
    if is_number:
        ret = math_ops.multiply(t, constant(1 / (1 - rate), t.dtype))
    else:
        r = math_ops.cast(as_tensor(rate), t.dtype)
        ret = math_ops.truediv(t, math_ops.subtract(constant(1, t.dtype), r))
        rate = r
    shape = (
        t._shape
        if noise_shape is None
        else tuple(
            d if d is not None else t._shape[i]
            for i, d in enumerate(np.asarray(noise_shape).tolist())
        )
    )
    keep = math_ops.greater_equal(random_ops.uniform(shape, dtype=t.dtype, seed=seed), rate)
    return array_ops.where(keep, ret, constant(0, t.dtype))

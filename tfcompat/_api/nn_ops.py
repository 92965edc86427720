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
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant
from tfcompat._core.tensor import Tensor

__all__ = [
    "avg_pool",
    "avg_pool1d",
    "avg_pool2d",
    "avg_pool3d",
    "batch_normalization",
    "bias_add",
    "conv1d",
    "conv1d_transpose",
    "conv2d",
    "conv2d_transpose",
    "conv3d",
    "conv3d_transpose",
    "conv_transpose",
    "convolution",
    "crelu",
    "depth_to_space",
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
    "max_pool3d",
    "moments",
    "pool",
    "relu",
    "relu6",
    "selu",
    "separable_conv2d",
    "sigmoid_cross_entropy_with_logits",
    "silu",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "softsign",
    "space_to_depth",
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
# Convolutions run channels-last (NWC, NHWC, NDHWC) with filters `[*spatial, in, out]`; a
# channels-first input is transposed in and out, as TF's CPU kernels require NHWC anyway.
def _get_sequence(value: Any, n: int, channel_index: int, name: str) -> list[int]:
    """TF's `_get_sequence`: an int or a list of 1, n or n + 2 entries -> n + 2 entries."""
    if value is None:
        return [1] * (n + 2)
    if isinstance(value, (numbers.Integral, np.integer)):
        vals = [int(value)]
    else:
        vals = [int(v) for v in (np.asarray(value).reshape(-1).tolist())]
    if len(vals) == n + 2:
        return vals
    if len(vals) == 1:
        vals = vals * n
    elif len(vals) != n:
        raise ValueError(
            f"{name} should be of length 1, {n} or {n + 2}. Received: {name}={value} of length "
            f"{len(vals)}"
        )
    return [1, 1, *vals] if channel_index == 1 else [1, *vals, 1]


def _tuple(value: Any, n: int, what: str) -> tuple[int, ...]:
    """The n spatial entries of a channels-last `_get_sequence`."""
    return tuple(_get_sequence(value, n, n + 1, what)[1:-1])


def _spatial(seq: list[int], channels_first: bool) -> tuple[int, ...]:
    return tuple(seq[2:] if channels_first else seq[1:-1])


def _is_channels_first(data_format: Any) -> bool:
    return data_format is not None and str(data_format).startswith("NC")


def _to_last(t: Tensor, n: int) -> Tensor:
    return array_ops.transpose(t, [0, *range(2, n + 2), 1])


def _to_first(t: Tensor, n: int) -> Tensor:
    return array_ops.transpose(t, [0, n + 1, *range(1, n + 1)])


def _padding(padding: Any, data_format_nc: bool, op: str = "Conv2D") -> Any:
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise kernel_error(
                op,
                f"Value for attr 'padding' of \"{padding}\" is not in the list of allowed values: "
                '"SAME", "VALID", "EXPLICIT"',
                name="",
            )
        return p
    pads = [tuple(int(v) for v in pair) for pair in padding]
    outer = (pads[:2] if data_format_nc else [pads[0], pads[-1]]) if pads else []
    if any(p != (0, 0) for p in outer):
        raise ValueError(
            "The padding for the batch and channel dimensions must be 0. Received: "
            f"padding={padding}"
        )
    spatial = pads[2:] if data_format_nc else pads[1:-1]
    return tuple(spatial)


def _check_output_size(op: str, x: Tensor, w: Tensor, strides: Any, padding: Any, dil: Any) -> None:
    """TF's `GetWindowedOutputSize` check for VALID windows larger than the input."""
    if padding != "VALID":
        return
    for size, k, s, d in zip(x._shape[1:-1], w._shape[:-2], strides, dil, strict=True):
        if size is None or k is None:
            continue
        eff = (k - 1) * d + 1
        if size < eff:
            raise kernel_error(
                op,
                f"Computed output size would be negative: {(size - eff) // s + 1} [input_size: "
                f"{size}, effective_filter_size: {eff}, stride: {s}]",
                name="",
            )


def _conv_nd(
    op: str,
    input: Any,
    filters: Any,
    n: int,
    strides: Any,
    padding: Any,
    data_format: Any,
    dilations: Any,
) -> Tensor:
    """A channels-last `n`-D convolution through raw op `op` (TF's kernel checks)."""
    x, w = math_ops.binary_args(op, input, filters)
    check_type(op, x)
    nc = _is_channels_first(data_format)
    ci = 1 if nc else n + 1
    st = _get_sequence(strides, n, ci, "strides")
    dl = _get_sequence(dilations, n, ci, "dilations")
    if len(x._shape) != n + 2:
        raise ValueError(
            f"input must be {n + 2}-dimensional. Received: input.shape={x.shape} of rank "
            f"{len(x._shape)}"
        )
    if len(w._shape) != n + 2:
        raise ValueError(
            f"filter must be {n + 2}-dimensional. Received: filters.shape={w.shape} of rank "
            f"{len(w._shape)}"
        )
    if st[0] != 1 or st[ci] != 1:
        raise kernel_error(
            op,
            "Current implementation does not yet support strides in the batch and depth "
            "dimensions.",
            name="",
            cls=errors.UnimplementedError,
        )
    if dl[0] != 1 or dl[ci] != 1:
        raise kernel_error(
            op,
            "Current implementation does not yet support dilations in the batch and depth "
            "dimensions.",
            name="",
            cls=errors.UnimplementedError,
        )
    pad = _padding(padding, nc, op)
    if nc:
        x = _to_last(x, n)
    cin, win = x._shape[-1], w._shape[-2]
    if cin is not None and win is not None and cin % win:
        raise kernel_error(
            op,
            f"input depth must be evenly divisible by filter depth: {cin} vs {win}",
            node=f"__MklNative{op}",
            name="",
        )
    s_sp, d_sp = _spatial(st, nc), _spatial(dl, nc)
    _check_output_size(op, x, w, s_sp, pad, d_sp)
    attrs = (
        ("strides", s_sp),
        ("padding", pad),
        ("dilations", d_sp),
        ("groups", cin // win),
    )
    out = execute(op, (x, w), attrs)
    return _to_first(out, n) if nc else out


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
    return _conv_nd("Conv2D", input, filters, 2, strides, padding, data_format, dilations)


def conv1d(
    input: Any,
    filters: Any,
    stride: Any,
    padding: Any,
    data_format: str = "NWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv1d` (TF's Conv2D kernel over one spatial axis)."""
    if data_format not in (None, "NWC", "NCW"):
        raise ValueError(
            f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}"
        )
    return _conv_nd("Conv2D", input, filters, 1, stride, padding, data_format, dilations)


def conv3d(
    input: Any,
    filters: Any,
    strides: Any,
    padding: Any,
    data_format: str = "NDHWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv3d` (NDHWC or NCDHW input, DHWIO filters)."""
    return _conv_nd("Conv3D", input, filters, 3, strides, padding, data_format, dilations)


def _np_list(v: Any) -> str:
    return str(np.asarray(v))


def convolution(
    input: Any,
    filters: Any,
    strides: Any = None,
    padding: str = "VALID",
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.convolution` (1-D, 2-D or 3-D by the filter rank)."""
    x, w = as_tensor(input), as_tensor(filters)
    n = len(w._shape) - 2
    if n not in (1, 2, 3):
        raise ValueError(f"`num_spatial_dims` must be 1, 2, or 3. Received: num_spatial_dims={n}.")
    nc = _is_channels_first(data_format)
    ci = 1 if nc else n + 1
    st = _get_sequence(strides, n, ci, "strides")
    dl = _get_sequence(dilations, n, ci, "dilations")
    s_sp, d_sp = _spatial(st, nc), _spatial(dl, nc)
    if any(d != 1 for d in d_sp) and any(s > 1 for s in s_sp):
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
            f"strides={_np_list(s_sp)} and dilation_rate={_np_list(d_sp)}"
        )
    fn = {1: conv1d, 2: conv2d, 3: conv3d}[n]
    return fn(x, w, st, padding, data_format, dl)


def _static_shape(output_shape: Any) -> tuple[int, ...]:
    """`output_shape` (a list of ints or scalar tensors, or a tensor) as static ints."""
    from tfcompat._api.framework_ops import get_static_value

    if isinstance(output_shape, (list, tuple)):
        vals = []
        for v in output_shape:
            if isinstance(v, (numbers.Integral, np.integer)):
                vals.append(int(v))
                continue
            sv = get_static_value(v)
            if sv is None:
                raise NotImplementedError(
                    "tfcompat: conv_transpose needs an `output_shape` known when the program is "
                    "traced (XLA programs have static shapes)"
                )
            vals.append(int(sv))
        return tuple(vals)
    sv = get_static_value(as_tensor(output_shape))
    if sv is None:
        raise NotImplementedError(
            "tfcompat: conv_transpose needs an `output_shape` known when the program is traced "
            "(XLA programs have static shapes)"
        )
    return tuple(int(v) for v in np.asarray(sv).reshape(-1))


def _conv_transpose_nd(
    op: str,
    input: Any,
    filters: Any,
    output_shape: Any,
    n: int,
    strides: Any,
    padding: Any,
    data_format: Any,
    dilations: Any,
) -> Tensor:
    x, w = math_ops.binary_args(op, input, filters)
    check_type(op, x)
    nc = _is_channels_first(data_format)
    ci = 1 if nc else n + 1
    st = _get_sequence(strides, n, ci, "strides")
    dl = _get_sequence(dilations, n, ci, "dilations")
    shape = _static_shape(output_shape)
    if len(shape) != n + 2:
        raise ValueError(
            f"`output_shape` must be of length {n + 2}. Received: output_shape={output_shape}"
        )
    if nc:
        x = _to_last(x, n)
        shape = (shape[0], *shape[2:], shape[1])
    pad = _padding(padding, nc, op)
    s_sp, d_sp = _spatial(st, nc), _spatial(dl, nc)
    if len(x._shape) != n + 2 or len(w._shape) != n + 2:
        raise ValueError(
            f"input and filter must be {n + 2}-dimensional. Received: input.shape={x.shape}, "
            f"filters.shape={w.shape}"
        )
    if x._shape[-1] != w._shape[-1]:
        raise kernel_error(
            op,
            f"{op}: filter and out_backprop must have the same out_depth: {w._shape[-1]} vs "
            f"{x._shape[-1]}",
            name="",
        )
    if shape[-1] != w._shape[-2]:
        raise kernel_error(
            op,
            f"{op}: input depth must be evenly divisible by filter depth: {shape[-1]} vs "
            f"{w._shape[-2]}",
            name="",
        )
    # The forward conv of `shape` must produce the input's spatial size.
    for i, (size, k, s, d) in enumerate(zip(shape[1:-1], w._shape[:-2], s_sp, d_sp, strict=True)):
        eff = (k - 1) * d + 1
        if pad == "SAME":
            computed = -(-size // s)
        elif pad == "VALID":
            computed = (size - eff) // s + 1
        else:
            lo, hi = pad[i]
            computed = (size + lo + hi - eff) // s + 1
        if computed != x._shape[i + 1]:
            raise kernel_error(
                op,
                f"{op}: Size of out_backprop doesn't match computed: actual = "
                f"{x._shape[i + 1]}, computed = {computed} spatial_dim: {i + 1} input: {size} "
                f"filter: {k} output: {x._shape[i + 1]} stride: {s} dilation: {d}",
                name="",
            )
    attrs = (("input_shape", shape), ("strides", s_sp), ("padding", pad), ("dilations", d_sp))
    out = execute(op, (x, w), attrs)
    return _to_first(out, n) if nc else out


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
    return _conv_transpose_nd(
        "Conv2DBackpropInput",
        input,
        filters,
        output_shape,
        2,
        strides,
        padding,
        data_format,
        dilations,
    )


def conv1d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv1d_transpose` (TF's Conv2DBackpropInput)."""
    if data_format not in (None, "NWC", "NCW"):
        raise ValueError(
            f"`data_format` must be 'NWC' or 'NCW'. Received: data_format={data_format}"
        )
    return _conv_transpose_nd(
        "Conv2DBackpropInput",
        input,
        filters,
        output_shape,
        1,
        strides,
        padding,
        data_format,
        dilations,
    )


def conv3d_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: str = "NDHWC",
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv3d_transpose`."""
    return _conv_transpose_nd(
        "Conv3DBackpropInputV2",
        input,
        filters,
        output_shape,
        3,
        strides,
        padding,
        data_format,
        dilations,
    )


def conv_transpose(
    input: Any,
    filters: Any,
    output_shape: Any,
    strides: Any,
    padding: str = "SAME",
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.conv_transpose` (1-D, 2-D or 3-D by `output_shape`)."""
    if isinstance(output_shape, Tensor):
        n = (output_shape._shape[0] or 0) - 2
    elif hasattr(output_shape, "__len__"):
        n = len(output_shape) - 2
    else:
        raise ValueError(
            "`output_shape` must be a tensor or sized collection. Received: "
            f"output_shape={output_shape}"
        )
    if not 1 <= n <= 3:
        raise ValueError(
            "`output_shape` must be of length 3, 4 or 5. Received: "
            f"output_shape={output_shape} of length {n + 2}."
        )
    fn = {1: conv1d_transpose, 2: conv2d_transpose, 3: conv3d_transpose}[n]
    return fn(
        input,
        filters,
        output_shape,
        strides,
        padding=padding,
        data_format=data_format or ("NWC", "NHWC", "NDHWC")[n - 1],
        dilations=dilations,
    )


def depthwise_conv2d(
    input: Any,
    filter: Any,
    strides: Any,
    padding: Any,
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.depthwise_conv2d` (filter `[h, w, in, multiplier]`).

    Difference from TensorFlow: strides > 1 together with dilations > 1 raise `ValueError`
    (TF documents the combination as invalid but computes a space-to-batch interleaving).
    """
    x, w = math_ops.binary_args("DepthwiseConv2dNative", input, filter)
    nc = _is_channels_first(data_format)
    st = _get_sequence(strides, 2, 1 if nc else 3, "strides")
    dl = _get_sequence(dilations, 2, 1 if nc else 3, "dilations")
    s_sp, d_sp = _spatial(st, nc), _spatial(dl, nc)
    if any(d != 1 for d in d_sp) and any(s > 1 for s in s_sp):
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
            f"strides={_np_list(s_sp)} and dilation_rate={_np_list(d_sp)}"
        )
    if len(w._shape) != 4 or len(x._shape) != 4:
        raise ValueError(
            f"input and filter must be 4-dimensional. Received: input.shape={x.shape}, "
            f"filter.shape={w.shape}"
        )
    cin = x._shape[1 if nc else -1]
    h, wd, fin, mult = w._shape
    if cin != fin:
        raise kernel_error(
            "DepthwiseConv2dNative",
            f"input depth must be evenly divisible by filter depth: {cin} vs {fin}",
            node="__MklNativeDepthwiseConv2dNative",
            name="",
        )
    w2 = array_ops.reshape(w, (h, wd, 1, fin * mult))
    return _conv_nd("Conv2D", x, w2, 2, st, padding, data_format, dl)


def separable_conv2d(
    input: Any,
    depthwise_filter: Any,
    pointwise_filter: Any,
    strides: Any,
    padding: Any,
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.separable_conv2d`: a depthwise conv, then a 1x1 conv."""
    pw = as_tensor(pointwise_filter)
    if len(pw._shape) != 4:
        raise ValueError(f"Shape {pw.shape} must have rank 4")
    for d in pw._shape[:2]:
        if d is not None and d != 1:
            raise ValueError(f"Dimensions {d} and 1 are not compatible")
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format, dilations)
    return conv2d(depthwise, pw, [1, 1, 1, 1], "VALID", data_format or "NHWC")


def _pool(
    op: str,
    input: Any,
    ksize: Any,
    strides: Any,
    padding: str,
    data_format: Any,
    n: int | None = None,
    dilations: Any = None,
) -> Tensor:
    x = as_tensor(input)
    if n is None:
        n = len(x._shape) - 2
    if n == 3:
        op += "3D"
    check_type(op, x)
    if n < 1 or len(x._shape) != n + 2:
        raise ValueError(
            f"`input` must have rank {n + 2 if n >= 1 else 'at least 3'}. Received: "
            f"input.shape={x.shape}"
        )
    nc = _is_channels_first(data_format)
    if nc:
        x = _to_last(x, n)
    ci = 1 if nc else n + 1
    k = _spatial(_get_sequence(ksize, n, ci, "ksize"), nc)
    s = _spatial(_get_sequence(strides, n, ci, "strides"), nc)
    if not isinstance(padding, str) or padding.upper() not in ("SAME", "VALID"):
        raise ValueError(f"`padding` must be 'SAME' or 'VALID'. Received: padding={padding}")
    pad = padding.upper()
    if pad == "VALID":
        for size, kk in zip(x._shape[1:-1], k, strict=True):
            if size is not None and size < kk:
                raise kernel_error(
                    op,
                    f"Computed output size would be negative: {size - kk + 1} [input_size: "
                    f"{size}, effective_filter_size: {kk}, stride: 1]",
                    name="",
                )
    attrs: tuple[tuple[str, Any], ...] = (
        ("ksize", (1, *k, 1)),
        ("strides", (1, *s, 1)),
        ("padding", pad),
    )
    if dilations is not None and any(d != 1 for d in dilations):
        attrs += (("dilations", (1, *dilations, 1)),)
    out = execute(op, (x,), attrs)
    return _to_first(out, n) if nc else out


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
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 1)


def avg_pool1d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.avg_pool1d`."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 1)


def max_pool2d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.max_pool2d`."""
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 2)


def avg_pool2d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.avg_pool2d` (SAME windows average in-bounds values)."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 2)


def max_pool3d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.max_pool3d`."""
    return _pool("MaxPool", input, ksize, strides, padding, data_format, 3)


def avg_pool3d(
    input: Any, ksize: Any, strides: Any, padding: str, data_format: str = "NDHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.avg_pool3d`."""
    return _pool("AvgPool", input, ksize, strides, padding, data_format, 3)


def pool(
    input: Any,
    window_shape: Any,
    pooling_type: str,
    strides: Any = None,
    padding: str = "VALID",
    data_format: Any = None,
    dilations: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.pool` (MAX or AVG over 1-3 spatial dimensions)."""
    window_shape = [int(v) for v in window_shape]
    n = len(window_shape)
    if n < 1 or n > 3:
        raise ValueError(
            "`len(window_shape)` must be 1, 2, or 3. Received: "
            f"window_shape={window_shape} of length {n}"
        )
    x = as_tensor(input)
    if len(x._shape) != n + 2:
        raise ValueError(f"Shape {x.shape} must have rank {n + 2}")
    st = np.asarray([1] * n if strides is None else list(strides), dtype=np.int32)
    dl = np.asarray([1] * n if dilations is None else list(dilations), dtype=np.int32)
    if len(st) != n or len(dl) != n:
        raise ValueError(f"`strides` and `dilation_rate` must have length {n}")
    if np.any(st > 1) and np.any(dl > 1):
        raise ValueError(
            "`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
            f"strides={st} and dilation_rate={dl}"
        )
    if padding == "SAME" and np.any(dl > 1):
        raise ValueError(
            "pooling with 'SAME' padding is not implemented for `dilation_rate` > 1. Received: "
            f"padding={padding} and dilation_rate={dl}"
        )
    if np.any(st > np.asarray(window_shape)):
        raise ValueError(
            "`strides` > `window_shape` not supported due to inconsistency between CPU and GPU "
            f"implementations. Received: strides={st} and window_shape={window_shape}"
        )
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"{n}-D {pooling_type} pooling is not supported.")
    op = "MaxPool" if pooling_type == "MAX" else "AvgPool"
    return _pool(
        op,
        x,
        window_shape,
        st.tolist(),
        padding,
        data_format,
        n,
        dl.tolist() if np.any(dl > 1) else None,
    )


def _space_depth(op: str, input: Any, block_size: Any, data_format: str) -> Tensor:
    x = as_tensor(input)
    bs = int(block_size)
    if bs < 2:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'block_size' of {bs} must be at least minimum 2\n\t; NodeDef: "
            f"{{{{node {op}}}}}; Op<name={op}; signature=input:T -> output:T; attr=T:type; "
            'attr=block_size:int,min=2; attr=data_format:string,default="NHWC",'
            f'allowed=["NHWC", "NCHW", "NCHW_VECT_C"]> [Op:{op}] name: ',
        )
    if data_format != "NHWC":
        raise errors.NotFoundError(
            None,
            None,
            f"Could not find device for node: {{{{node {op}}}}} = {op}[T={kernels_dt(x)}, "
            f'block_size={bs}, data_format="{data_format}"] [Op:{op}] name: ',
        )
    if len(x._shape) != 4:
        raise kernel_error(op, f"Input rank should be: 4 instead of: {len(x._shape)}", name="")
    _, h, w, c = x._shape
    if op == "DepthToSpace" and c % (bs * bs):
        raise kernel_error(
            op, f"Input depth dimension {c} should be divisible by: {bs * bs}", name=""
        )
    if op == "SpaceToDepth" and (h % bs or w % bs):
        raise kernel_error(
            op,
            f"Image width {w} and height {h} should be divisible by block_size: {bs}",
            name="",
        )
    return execute(op, (x,), (("block_size", bs),))


def kernels_dt(x: Tensor) -> str:
    return "DT_" + str(x.dtype._tf_type_name).upper()


def depth_to_space(
    input: Any, block_size: Any, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.depth_to_space` (NHWC, as TF's CPU kernel)."""
    return _space_depth("DepthToSpace", input, block_size, data_format)


def space_to_depth(
    input: Any, block_size: Any, data_format: str = "NHWC", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.nn.space_to_depth` (NHWC, as TF's CPU kernel)."""
    return _space_depth("SpaceToDepth", input, block_size, data_format)


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

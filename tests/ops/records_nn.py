"""Op records for `tf.nn`."""

from __future__ import annotations

from typing import Any

from op_harness import FLOAT, FLOAT_ALL, Arg, Bad, OpRecord


def rec(name: str, fn: Any, *args: Arg, **kw: Any) -> OpRecord:
    return OpRecord(name, fn, tuple(args), **kw)


KINKS = (0.0, -0.0, 6.0, -1.0)
_CONV_TOL = {"float32": (1e-4, 1e-5)}
_CONV_GRAD_TOL = {"float32": (1e-3, 1e-4)}

NN: list[OpRecord] = [
    rec(
        "nn.relu",
        lambda tf, x: tf.nn.relu(x),
        Arg((3, 4), lo=-3, hi=8, special=KINKS),
        dtypes=FLOAT_ALL,
        fd=False,
        bad=(Bad("bool", lambda tf: tf.nn.relu(tf.constant([True]))),),
    ),
    rec("nn.relu", lambda tf, x: tf.nn.relu(x), Arg((3, 4)), variant="smooth"),
    rec(
        "nn.relu",
        lambda tf, x: tf.nn.relu(x),
        Arg((5,), lo=-3, hi=3),
        dtypes=("int32",),
        variant="int",
    ),
    rec(
        "nn.relu6",
        lambda tf, x: tf.nn.relu6(x),
        Arg((3, 4), lo=-3, hi=8, special=KINKS),
        dtypes=FLOAT_ALL,
        fd=False,
    ),
    rec("nn.relu6", lambda tf, x: tf.nn.relu6(x), Arg((3, 4), lo=-3, hi=8), variant="smooth"),
    rec(
        "nn.elu",
        lambda tf, x: tf.nn.elu(x),
        Arg((3, 4), special=(0.0,)),
        dtypes=FLOAT_ALL,
        bad=(Bad("int", lambda tf: tf.nn.elu(tf.constant([1]))),),
    ),
    rec("nn.selu", lambda tf, x: tf.nn.selu(x), Arg((3, 4), special=(0.0,)), dtypes=FLOAT_ALL),
    rec(
        "nn.gelu",
        lambda tf, x: tf.nn.gelu(x),
        Arg((3, 4)),
        dtypes=FLOAT_ALL,
        bad=(Bad("int", lambda tf: tf.nn.gelu(tf.constant([1]))),),
    ),
    rec(
        "nn.gelu", lambda tf, x: tf.nn.gelu(x, approximate=True), Arg((3, 4)), variant="approximate"
    ),
    rec(
        "nn.leaky_relu",
        lambda tf, x: tf.nn.leaky_relu(x),
        Arg((3, 4), special=(0.0, -0.0)),
        dtypes=FLOAT_ALL,
        fd=False,
    ),
    rec(
        "nn.leaky_relu", lambda tf, x: tf.nn.leaky_relu(x, alpha=0.01), Arg((3, 4)), variant="alpha"
    ),
    rec("nn.silu", lambda tf, x: tf.nn.silu(x), Arg((3, 4)), dtypes=FLOAT_ALL),
    rec("nn.swish", lambda tf, x: tf.nn.swish(x, beta=0.5), Arg((3, 4))),
    rec(
        "nn.softmax",
        lambda tf, x: tf.nn.softmax(x),
        Arg((3, 4), lo=-5, hi=5),
        dtypes=FLOAT_ALL,
        bad=(Bad("int", lambda tf: tf.nn.softmax(tf.constant([1]))),),
    ),
    rec("nn.softmax", lambda tf, x: tf.nn.softmax(x, axis=0), Arg((3, 4)), variant="axis0"),
    rec(
        "nn.log_softmax",
        lambda tf, x: tf.nn.log_softmax(x),
        Arg((3, 4), lo=-5, hi=5),
        dtypes=FLOAT_ALL,
    ),
    rec(
        "nn.log_softmax",
        lambda tf, x: tf.nn.log_softmax(x, axis=1),
        Arg((2, 3, 2)),
        variant="axis1",
    ),
    rec(
        "nn.sigmoid_cross_entropy_with_logits",
        lambda tf, z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        Arg((3, 4), lo=0, hi=1),
        Arg((3, 4), lo=-4, hi=4, special=(0.0,)),
        fd=False,
        bad=(
            Bad(
                "shape mismatch",
                lambda tf: tf.nn.sigmoid_cross_entropy_with_logits(
                    labels=tf.ones([2]), logits=tf.ones([3])
                ),
            ),
        ),
    ),
    rec(
        "nn.sigmoid_cross_entropy_with_logits",
        lambda tf, z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
        Arg((3, 4), lo=0, hi=1),
        Arg((3, 4), lo=-4, hi=4),
        variant="smooth",
    ),
    rec(
        "nn.softmax_cross_entropy_with_logits",
        lambda tf, z, x: tf.nn.softmax_cross_entropy_with_logits(labels=z, logits=x),
        Arg((3, 4), lo=0, hi=1),
        Arg((3, 4), lo=-3, hi=3),
        fd=False,
        bad=(
            Bad(
                "shape mismatch",
                lambda tf: tf.nn.softmax_cross_entropy_with_logits(
                    labels=tf.ones([2, 3]), logits=tf.ones([2, 4])
                ),
            ),
        ),
    ),
    rec(
        "nn.softmax_cross_entropy_with_logits",
        lambda tf, z, x: tf.nn.softmax_cross_entropy_with_logits(
            labels=tf.nn.softmax(z, axis=0), logits=x, axis=0
        ),
        Arg((3, 4)),
        Arg((3, 4)),
        variant="axis0_normalized_labels",
    ),
    rec(
        "nn.sparse_softmax_cross_entropy_with_logits",
        lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
        Arg((3,), dtype="int32", value=[0, 3, 1]),
        Arg((3, 4), lo=-3, hi=3),
        bad=(
            Bad(
                "label out of range",
                lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(
                    labels=[0, 5], logits=tf.ones([2, 3])
                ),
            ),
        ),
    ),
    rec("nn.l2_loss", lambda tf, x: tf.nn.l2_loss(x), Arg((3, 4)), dtypes=FLOAT_ALL),
    rec(
        "nn.l2_normalize",
        lambda tf, x: tf.nn.l2_normalize(x, axis=1),
        Arg((3, 4), special=(0.0, 0.0, 0.0, 0.0)),
        fd=False,
    ),
    rec("nn.l2_normalize", lambda tf, x: tf.nn.l2_normalize(x), Arg((3, 4)), variant="all"),
    rec(
        "nn.moments",
        lambda tf, x: tf.nn.moments(x, axes=[0, 1]),
        Arg((3, 4, 2)),
        dtypes=(*FLOAT, "float16"),
    ),
    rec(
        "nn.moments",
        lambda tf, x: tf.nn.moments(x, axes=[1], keepdims=True),
        Arg((3, 4)),
        variant="keepdims",
    ),
    rec(
        "nn.batch_normalization",
        lambda tf, x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
        Arg((2, 3)),
        Arg((3,)),
        Arg((3,), lo=0.5, hi=2),
        Arg((3,)),
        Arg((3,)),
    ),
    rec(
        "nn.batch_normalization",
        lambda tf, x, m, v: tf.nn.batch_normalization(x, m, v, None, None, 1e-3),
        Arg((2, 3)),
        Arg((3,)),
        Arg((3,), lo=0.5, hi=2),
        variant="no_offset_scale",
    ),
    rec(
        "nn.bias_add",
        lambda tf, x, b: tf.nn.bias_add(x, b),
        Arg((2, 3, 4)),
        Arg((4,)),
        dtypes=(*FLOAT, "int32"),
        bad=(Bad("bias size", lambda tf: tf.nn.bias_add(tf.ones([2, 3]), tf.ones([2]))),),
    ),
    rec(
        "nn.bias_add",
        lambda tf, x, b: tf.nn.bias_add(x, b, data_format="NCHW"),
        Arg((2, 3, 4, 2)),
        Arg((3,)),
        variant="nchw",
    ),
    # -- convolutions and pools ------------------------------------------------------------
    rec(
        "nn.conv2d",
        lambda tf, x, w: tf.nn.conv2d(x, w, 1, "SAME"),
        Arg((2, 5, 5, 3)),
        Arg((3, 3, 3, 4)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
        bad=(
            Bad(
                "depth mismatch",
                lambda tf: tf.nn.conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 3, 2]), 1, "SAME"),
            ),
        ),
    ),
    rec(
        "nn.conv2d",
        lambda tf, x, w: tf.nn.conv2d(x, w, [1, 2, 2, 1], "VALID", dilations=1),
        Arg((1, 7, 6, 2)),
        Arg((3, 2, 2, 3)),
        variant="strided_valid",
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv2d",
        lambda tf, x, w: tf.nn.conv2d(x, w, 1, "SAME", dilations=2),
        Arg((1, 6, 6, 2)),
        Arg((2, 2, 2, 2)),
        variant="dilated",
        tol=_CONV_TOL,
        # TF's CPU Conv2DBackpropInput rejects dilations > 1: no gradient comparison.
        grad_vs_tf=False,
    ),
    rec(
        "nn.conv2d",
        lambda tf, x, w: tf.nn.conv2d(x, w, 2, [[0, 0], [1, 0], [0, 2], [0, 0]]),
        Arg((1, 5, 5, 1)),
        Arg((2, 3, 1, 2)),
        variant="explicit_padding",
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv1d",
        lambda tf, x, w: tf.nn.conv1d(x, w, 1, "SAME"),
        Arg((2, 6, 3)),
        Arg((3, 3, 2)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv1d",
        lambda tf, x, w: tf.nn.conv1d(x, w, 2, "VALID"),
        Arg((1, 7, 2)),
        Arg((2, 2, 3)),
        variant="strided_valid",
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv2d_transpose",
        lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [2, 6, 6, 2], 2),
        Arg((2, 3, 3, 3)),
        Arg((3, 3, 2, 3)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv2d_transpose",
        lambda tf, x, w: tf.nn.conv2d_transpose(x, w, [1, 5, 5, 1], 1, padding="VALID"),
        Arg((1, 3, 3, 2)),
        Arg((3, 3, 1, 2)),
        variant="valid",
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.depthwise_conv2d",
        lambda tf, x, w: tf.nn.depthwise_conv2d(x, w, [1, 1, 1, 1], "SAME"),
        Arg((2, 5, 5, 3)),
        Arg((3, 3, 3, 2)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.depthwise_conv2d",
        lambda tf, x, w: tf.nn.depthwise_conv2d(x, w, [1, 2, 2, 1], "VALID"),
        Arg((1, 6, 6, 2)),
        Arg((2, 2, 2, 1)),
        variant="strided_valid",
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.max_pool2d",
        lambda tf, x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
        Arg((2, 4, 4, 3)),
        dtypes=FLOAT_ALL,
    ),
    rec(
        "nn.max_pool2d",
        lambda tf, x: tf.nn.max_pool2d(x, 3, 2, "SAME"),
        Arg((1, 5, 5, 2)),
        variant="same",
    ),
    rec(
        "nn.max_pool2d",
        lambda tf, x: tf.nn.max_pool2d(x, 2, 2, "VALID"),
        Arg((1, 2, 2, 1), special=(1.0, 1.0, 1.0, 1.0)),
        variant="ties",
        fd=False,
    ),
    rec(
        "nn.avg_pool2d",
        lambda tf, x: tf.nn.avg_pool2d(x, 2, 2, "VALID"),
        Arg((2, 4, 4, 3)),
        dtypes=FLOAT_ALL,
    ),
    rec(
        "nn.avg_pool2d",
        lambda tf, x: tf.nn.avg_pool2d(x, [3, 2], [2, 1], "SAME"),
        Arg((1, 5, 4, 2)),
        variant="same",
    ),
    rec(
        "nn.convolution",
        lambda tf, x, w: tf.nn.convolution(x, w, padding="SAME"),
        Arg((2, 5, 5, 3)),
        Arg((3, 3, 3, 2)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
        bad=(
            Bad(
                "strides and dilations",
                lambda tf: tf.nn.convolution(
                    tf.ones([1, 9, 9, 1]), tf.ones([3, 3, 1, 1]), strides=2, dilations=2
                ),
            ),
            Bad(
                "rank",
                lambda tf: tf.nn.convolution(tf.ones([1, 3, 3, 3, 3, 1]), tf.ones([1] * 6)),
            ),
        ),
    ),
    rec(
        "nn.convolution",
        lambda tf, x, w: tf.nn.convolution(x, w, strides=2),
        Arg((1, 7, 3)),
        Arg((2, 3, 2)),
        variant="1d_strided",
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv3d",
        lambda tf, x, w: tf.nn.conv3d(x, w, [1, 1, 2, 1, 1], "SAME"),
        Arg((1, 4, 5, 3, 2)),
        Arg((2, 2, 2, 2, 3)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
        bad=(
            Bad(
                "int32",
                lambda tf: tf.nn.conv3d(
                    tf.ones([1, 3, 3, 3, 1], tf.int32),
                    tf.ones([1, 1, 1, 1, 1], tf.int32),
                    [1] * 5,
                    "VALID",
                ),
            ),
        ),
    ),
    rec(
        "nn.conv_transpose",
        lambda tf, x, w: tf.nn.conv_transpose(x, w, [2, 6, 6, 2], 2),
        Arg((2, 3, 3, 3)),
        Arg((3, 3, 2, 3)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
        bad=(
            Bad(
                "output_shape length",
                lambda tf: tf.nn.conv_transpose(
                    tf.ones([1, 5, 5, 3]), tf.ones([3, 3, 2, 3]), [1, 2], 1
                ),
            ),
        ),
    ),
    rec(
        "nn.conv1d_transpose",
        lambda tf, x, w: tf.nn.conv1d_transpose(x, w, [1, 9, 2], 2, "VALID"),
        Arg((1, 4, 3)),
        Arg((3, 2, 3)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.conv3d_transpose",
        lambda tf, x, w: tf.nn.conv3d_transpose(x, w, [1, 4, 6, 3, 2], [1, 1, 2, 1, 1], "SAME"),
        Arg((1, 4, 3, 3, 3)),
        Arg((2, 2, 2, 2, 3)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.separable_conv2d",
        lambda tf, x, d, p: tf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1], "SAME"),
        Arg((1, 5, 5, 2)),
        Arg((3, 3, 2, 2)),
        Arg((1, 1, 4, 3)),
        tol=_CONV_TOL,
        grad_tol=_CONV_GRAD_TOL,
    ),
    rec(
        "nn.pool",
        lambda tf, x: tf.nn.pool(x, [2, 2], "MAX", strides=[2, 2]),
        Arg((2, 4, 4, 3)),
        bad=(Bad("pooling type", lambda tf: tf.nn.pool(tf.ones([1, 4, 4, 2]), [2, 2], "SUM")),),
    ),
    rec(
        "nn.pool",
        lambda tf, x: tf.nn.pool(x, [3], "AVG", padding="SAME"),
        Arg((2, 5, 3)),
        variant="avg_1d_same",
    ),
    rec(
        "nn.max_pool3d",
        lambda tf, x: tf.nn.max_pool3d(x, 2, 2, "VALID"),
        Arg((1, 4, 4, 4, 2)),
        dtypes=("float32",),  # TF's MaxPool3D has no float64 kernel
    ),
    rec(
        "nn.avg_pool3d",
        lambda tf, x: tf.nn.avg_pool3d(x, 2, 2, "SAME"),
        Arg((1, 3, 4, 5, 2)),
        dtypes=("float32",),  # TF's AvgPool3D has no float64 CPU kernel
    ),
    rec(
        "nn.depth_to_space",
        lambda tf, x: tf.nn.depth_to_space(x, 2),
        Arg((2, 2, 3, 8)),
        bad=(
            Bad("block size 1", lambda tf: tf.nn.depth_to_space(tf.ones([1, 4, 4, 8]), 1)),
            Bad("depth", lambda tf: tf.nn.depth_to_space(tf.ones([1, 4, 4, 8]), 3)),
        ),
    ),
    rec(
        "nn.space_to_depth",
        lambda tf, x: tf.nn.space_to_depth(x, 2),
        Arg((2, 4, 6, 3)),
        bad=(Bad("size", lambda tf: tf.nn.space_to_depth(tf.ones([1, 5, 4, 2]), 2)),),
    ),
    rec(
        "nn.embedding_lookup",
        lambda tf, p, i: tf.nn.embedding_lookup(p, i),
        Arg((5, 3)),
        Arg((2, 2), dtype="int32", value=[[0, 4], [4, 2]]),
    ),
    rec(
        "nn.embedding_lookup",
        lambda tf, p, i: tf.nn.embedding_lookup(p, i),
        Arg((5, 3), var=True),
        Arg((3,), dtype="int64", value=[1, 1, 0]),
        variant="variable",
    ),
    rec("nn.dropout", lambda tf, x: tf.nn.dropout(x, 0.0), Arg((3, 4)), variant="rate0"),
    rec(
        "nn.dropout",
        lambda tf, x: tf.nn.dropout(x, 0.5, seed=1),
        Arg((3, 4)),
        values=False,
        grad_vs_tf=False,
        fd=False,
        bad=(
            Bad("rate 1", lambda tf: tf.nn.dropout(tf.ones([2]), 1.0)),
            Bad("int x", lambda tf: tf.nn.dropout(tf.constant([1]), 0.5)),
        ),
    ),
]


NN += [
    rec(
        "nn.softsign",
        lambda tf, x: tf.nn.softsign(x),
        Arg((3, 4), special=(0.0,)),
        dtypes=FLOAT_ALL,
    ),
    rec("nn.crelu", lambda tf, x: tf.nn.crelu(x), Arg((2, 3), special=(0.0,)), fd=False),
    rec("nn.crelu", lambda tf, x: tf.nn.crelu(x, axis=0), Arg((2, 3)), variant="axis0"),
    rec(
        "nn.weighted_cross_entropy_with_logits",
        lambda tf, z, x: tf.nn.weighted_cross_entropy_with_logits(z, x, 2.5),
        Arg((3, 4), lo=0, hi=1),
        Arg((3, 4), lo=-4, hi=4),
    ),
    rec("nn.max_pool", lambda tf, x: tf.nn.max_pool(x, 2, 2, "VALID"), Arg((2, 6, 3))),
    rec(
        "nn.max_pool",
        lambda tf, x: tf.nn.max_pool(x, [2, 2], [1, 2], "SAME"),
        Arg((1, 4, 5, 2)),
        variant="2d_same",
    ),
    # TF has no float64 3-D pool kernels and its 3-D pool gradients fail in eager mode.
    rec(
        "nn.max_pool",
        lambda tf, x: tf.nn.max_pool(x, 2, 2, "VALID"),
        Arg((1, 4, 4, 4, 1)),
        variant="3d",
        dtypes=("float32",),
        grad_vs_tf=False,
    ),
    rec("nn.avg_pool", lambda tf, x: tf.nn.avg_pool(x, 3, 2, "SAME"), Arg((2, 7, 2))),
    rec(
        "nn.avg_pool",
        lambda tf, x: tf.nn.avg_pool(x, 2, 1, "VALID"),
        Arg((1, 3, 3, 3, 2)),
        variant="3d",
        dtypes=("float32",),
        grad_vs_tf=False,
    ),
    rec("nn.max_pool1d", lambda tf, x: tf.nn.max_pool1d(x, 3, 1, "SAME"), Arg((2, 5, 3))),
    rec("nn.avg_pool1d", lambda tf, x: tf.nn.avg_pool1d(x, 2, 2, "VALID"), Arg((2, 6, 3))),
]

"""Op records for the array functions (`tf.reshape`, `tf.gather`, indexing ...)."""

from __future__ import annotations

from typing import Any

import numpy as np
from op_harness import COMPLEX, FLOAT, FLOAT_ALL, Arg, Bad, OpRecord

ALL = (*FLOAT, "int32")


def rec(name: str, fn: Any, *args: Arg, **kw: Any) -> OpRecord:
    return OpRecord(name, fn, tuple(args), **kw)


ARRAY: list[OpRecord] = [
    # -- creation -------------------------------------------------------------------
    rec("zeros", lambda tf: tf.zeros([2, 3]), dtypes=("float32",)),
    rec("zeros", lambda tf: tf.zeros((2,), tf.int64), dtypes=("int64",), variant="int64"),
    rec("ones", lambda tf: tf.ones([3, 1], dtype=tf.float64), dtypes=("float64",)),
    rec(
        "fill",
        lambda tf, v: tf.fill([2, 3], v),
        Arg(()),
        dtypes=(*FLOAT, "int32"),
        bad=(Bad("non-scalar value", lambda tf: tf.fill([2], [1.0, 2.0])),),
    ),
    rec("zeros_like", lambda tf, x: tf.zeros_like(x), Arg((2, 3)), dtypes=ALL),
    rec("zeros_like", lambda tf, x: tf.zeros_like(x, dtype=tf.int32), Arg((2,)), variant="dtype"),
    rec("ones_like", lambda tf, x: tf.ones_like(x), Arg((2, 3)), dtypes=ALL),
    rec("eye", lambda tf: tf.eye(3), dtypes=("float32",)),
    rec(
        "eye",
        lambda tf: tf.eye(2, 3, batch_shape=[2], dtype=tf.int32),
        dtypes=("int32",),
        variant="batch",
    ),
    rec("range", lambda tf: tf.range(5), dtypes=("int32",)),
    rec("range", lambda tf: tf.range(1.0, 3.0, 0.5), dtypes=("float32",), variant="float"),
    rec(
        "range",
        lambda tf: tf.range(5, 1, -2, dtype=tf.int64),
        dtypes=("int64",),
        variant="negative_delta",
        bad=(
            Bad("zero delta", lambda tf: tf.range(0, 5, 0)),
            Bad("wrong direction", lambda tf: tf.range(5, 1, 1)),
        ),
    ),
    rec("linspace", lambda tf, a, b: tf.linspace(a, b, 5), Arg(()), Arg(()), dtypes=FLOAT, fd=True),
    rec(
        "linspace",
        lambda tf, a, b: tf.linspace(a, b, 4, axis=1),
        Arg((2,)),
        Arg((2,)),
        variant="vector_axis1",
    ),
    rec("meshgrid", lambda tf, a, b: tf.meshgrid(a, b), Arg((3,)), Arg((2,))),
    rec(
        "meshgrid",
        lambda tf, a, b, c: tf.meshgrid(a, b, c, indexing="ij"),
        Arg((3,)),
        Arg((2,)),
        Arg((2,)),
        variant="ij",
    ),
    rec(
        "one_hot", lambda tf, i: tf.one_hot(i, 4), Arg((3,), lo=-1, hi=5), dtypes=("int32", "int64")
    ),
    rec(
        "one_hot",
        lambda tf, i: tf.one_hot(i, 3, on_value=5, off_value=-1, axis=0),
        Arg((2, 2), lo=0, hi=3),
        dtypes=("int32",),
        variant="values_axis0",
    ),
    # -- shape ----------------------------------------------------------------------
    rec(
        "reshape",
        lambda tf, x: tf.reshape(x, [4, -1]),
        Arg((2, 3, 2)),
        dtypes=(*FLOAT_ALL, *COMPLEX, "int32"),
        bad=(
            Bad("size mismatch", lambda tf: tf.reshape(tf.ones([2, 3]), [4])),
            Bad("bad -1", lambda tf: tf.reshape(tf.ones([2, 3]), [4, -1])),
        ),
    ),
    rec("transpose", lambda tf, x: tf.transpose(x), Arg((2, 3, 4)), dtypes=ALL),
    rec("transpose", lambda tf, x: tf.transpose(x, perm=[1, 0, 2]), Arg((2, 3, 4)), variant="perm"),
    rec(
        "transpose",
        lambda tf, x: tf.transpose(x, conjugate=True),
        Arg((2, 3)),
        dtypes=COMPLEX,
        variant="conjugate",
    ),
    rec(
        "expand_dims",
        lambda tf, x: tf.expand_dims(x, -1),
        Arg((2, 3)),
        dtypes=ALL,
        bad=(Bad("axis out of range", lambda tf: tf.expand_dims(tf.ones([2]), 3)),),
    ),
    rec("squeeze", lambda tf, x: tf.squeeze(x), Arg((1, 3, 1)), dtypes=ALL),
    rec(
        "squeeze",
        lambda tf, x: tf.squeeze(x, axis=[-1]),
        Arg((1, 3, 1)),
        variant="axis",
        bad=(Bad("not size 1", lambda tf: tf.squeeze(tf.ones([2, 3]), axis=0)),),
    ),
    rec(
        "broadcast_to",
        lambda tf, x: tf.broadcast_to(x, [2, 3, 4]),
        Arg((3, 1)),
        dtypes=ALL,
        bad=(Bad("not broadcastable", lambda tf: tf.broadcast_to(tf.ones([3]), [2, 4])),),
    ),
    rec("shape", lambda tf, x: tf.shape(x), Arg((2, 3))),
    rec("shape", lambda tf, x: tf.shape(x, out_type=tf.int64), Arg((2, 3)), variant="int64"),
    rec("size", lambda tf, x: tf.size(x), Arg((2, 3))),
    rec("rank", lambda tf, x: tf.rank(x), Arg((2, 3))),
    rec("identity", lambda tf, x: tf.identity(x), Arg((2, 3)), dtypes=ALL),
    rec("stop_gradient", lambda tf, x: tf.stop_gradient(x), Arg((2, 3)), grad=False),
    # -- joining and splitting ---------------------------------------------------------------
    rec(
        "concat",
        lambda tf, a, b: tf.concat([a, b], axis=1),
        Arg((2, 3)),
        Arg((2, 1)),
        dtypes=(*ALL, *COMPLEX),
        bad=(
            Bad("dimension mismatch", lambda tf: tf.concat([tf.ones([2, 3]), tf.ones([3, 3])], 1)),
            Bad("axis out of range", lambda tf: tf.concat([tf.ones([2]), tf.ones([2])], 1)),
        ),
    ),
    rec(
        "concat",
        lambda tf, a, b, c: tf.concat([a, b, c], -1),
        Arg((3,)),
        Arg((2,)),
        Arg((1,)),
        variant="three_neg_axis",
    ),
    rec(
        "stack",
        lambda tf, a, b: tf.stack([a, b], axis=1),
        Arg((2, 3)),
        Arg((2, 3)),
        dtypes=ALL,
        bad=(Bad("shape mismatch", lambda tf: tf.stack([tf.ones([2]), tf.ones([3])])),),
    ),
    rec("unstack", lambda tf, x: tf.unstack(x, axis=1), Arg((2, 3)), dtypes=ALL),
    rec(
        "split",
        lambda tf, x: tf.split(x, 2, axis=1),
        Arg((3, 4)),
        dtypes=ALL,
        bad=(Bad("uneven", lambda tf: tf.split(tf.ones([3]), 2)),),
    ),
    rec("split", lambda tf, x: tf.split(x, [1, -1, 2], axis=0), Arg((5, 2)), variant="sizes"),
    rec(
        "tile",
        lambda tf, x: tf.tile(x, [2, 3]),
        Arg((2, 2)),
        dtypes=ALL,
        bad=(Bad("multiples length", lambda tf: tf.tile(tf.ones([2]), [2, 2])),),
    ),
    rec("repeat", lambda tf, x: tf.repeat(x, 2), Arg((2, 3)), dtypes=ALL),
    rec(
        "repeat", lambda tf, x: tf.repeat(x, [1, 0, 2], axis=1), Arg((2, 3)), variant="per_element"
    ),
    rec("repeat", lambda tf, x: tf.repeat(x, 3, axis=0), Arg((2, 2)), variant="axis0"),
    rec("pad", lambda tf, x: tf.pad(x, [[1, 0], [0, 2]]), Arg((2, 3)), dtypes=ALL),
    rec(
        "pad",
        lambda tf, x: tf.pad(x, [[1, 1], [2, 0]], constant_values=3),
        Arg((2, 3)),
        variant="constant_value",
    ),
    rec(
        "pad",
        lambda tf, x: tf.pad(x, [[1, 1], [2, 1]], mode="REFLECT"),
        Arg((3, 3)),
        variant="reflect",
        bad=(Bad("reflect too large", lambda tf: tf.pad(tf.ones([2]), [[2, 0]], mode="REFLECT")),),
    ),
    rec(
        "pad",
        lambda tf, x: tf.pad(x, [[2, 1], [0, 3]], mode="symmetric"),
        Arg((3, 3)),
        variant="symmetric",
    ),
    rec("reverse", lambda tf, x: tf.reverse(x, [0, -1]), Arg((2, 3)), dtypes=ALL),
    rec("roll", lambda tf, x: tf.roll(x, shift=[1, -2], axis=[0, 1]), Arg((3, 4)), dtypes=ALL),
    rec(
        "slice",
        lambda tf, x: tf.slice(x, [1, 0], [1, -1]),
        Arg((3, 4)),
        dtypes=ALL,
        bad=(Bad("size too large", lambda tf: tf.slice(tf.ones([3]), [1], [5])),),
    ),
    rec("strided_slice", lambda tf, x: tf.strided_slice(x, [0, 3], [2, 0], [1, -1]), Arg((3, 4))),
    rec(
        "strided_slice",
        lambda tf, x: tf.strided_slice(
            x, [1, 0, 0], [2, 0, 0], [1, 1, 1], begin_mask=6, end_mask=6, shrink_axis_mask=1
        ),
        Arg((3, 4, 2)),
        variant="masks",
    ),
    rec(
        "strided_slice",
        lambda tf, x: tf.strided_slice(x, [0, 0], [1, 2], new_axis_mask=1, ellipsis_mask=2),
        Arg((3, 4)),
        variant="newaxis_ellipsis",
    ),
    # -- Python indexing (Tensor.__getitem__) ------------------------------------------------
    *[
        rec(
            "strided_slice",
            (lambda k: lambda tf, x: x[k])(key),
            Arg((3, 4, 5)),
            dtypes=(*FLOAT, "int32", "complex64"),
            variant=f"getitem_{v}",
        )
        for v, key in (
            ("int", 1),
            ("negative_int", -1),
            ("slice_step", np.s_[::2]),
            ("negative_step", np.s_[::-1, 1:3]),
            ("ellipsis", np.s_[..., 1]),
            ("newaxis", np.s_[None, 0, :, None]),
            ("mixed", np.s_[1:, -2, ::-2]),
            ("out_of_range_slice", np.s_[1:10, -10:2]),
            ("empty", np.s_[2:1]),
        )
    ],
    rec(
        "strided_slice",
        lambda tf, x: x[tf.constant(1), 1 : tf.constant(3)],
        Arg((3, 4)),
        variant="getitem_tensor_index",
        bad=(
            Bad("index out of range", lambda tf: tf.ones([2, 3])[5]),
            Bad("float index", lambda tf: tf.ones([2])[tf.constant(0.5)]),
            Bad("too many indices", lambda tf: tf.ones([2])[0, 1]),
        ),
    ),
    rec("strided_slice", lambda tf, v: v[1:, 0], Arg((3, 2), var=True), variant="getitem_variable"),
    # -- gathers and scatters ----------------------------------------------------------------
    rec(
        "gather",
        lambda tf, p, i: tf.gather(p, i),
        Arg((4, 3)),
        Arg((5,), dtype="int32", value=[0, 2, 0, 3, 3]),
        dtypes=(*ALL, *COMPLEX),
        bad=(
            Bad("index out of range", lambda tf: tf.gather(tf.ones([2, 3]), [5])),
            Bad("axis out of range", lambda tf: tf.gather(tf.ones([2]), [0], axis=1)),
            Bad("float indices", lambda tf: tf.gather(tf.ones([2]), tf.constant([0.0]))),
        ),
    ),
    rec(
        "gather",
        lambda tf, p, i: tf.gather(p, i),
        Arg((4, 3), var=True),
        Arg((2, 2), dtype="int64", value=[[0, 1], [1, 1]]),
        variant="variable_2d_indices",
    ),
    rec(
        "gather",
        lambda tf, p, i: tf.gather(p, i, axis=1),
        Arg((2, 4, 3)),
        Arg((3,), dtype="int32", value=[3, 0, 3]),
        variant="axis1",
    ),
    rec(
        "gather",
        lambda tf, p, i: tf.gather(p, i, axis=1, batch_dims=1),
        Arg((2, 4, 3)),
        Arg((2, 3), dtype="int32", value=[[3, 0, 3], [1, 1, 2]]),
        variant="batch_dims",
    ),
    rec("gather", lambda tf, p: tf.gather(p, 2), Arg((4, 3)), variant="scalar_index"),
    rec(
        "gather_nd",
        lambda tf, p, i: tf.gather_nd(p, i),
        Arg((3, 4)),
        Arg((3, 2), dtype="int32", value=[[0, 1], [2, 3], [0, 1]]),
        dtypes=ALL,
        bad=(
            Bad(
                "index out of range",
                lambda tf: tf.gather_nd(tf.ones([2, 3]), [[0, 5]]),
                message=False,
            ),
        ),
    ),
    rec(
        "gather_nd",
        lambda tf, p, i: tf.gather_nd(p, i),
        Arg((3, 4, 2)),
        Arg((2, 1), dtype="int64", value=[[2], [0]]),
        variant="slices",
    ),
    rec(
        "gather_nd",
        lambda tf, p, i: tf.gather_nd(p, i, batch_dims=1),
        Arg((2, 4, 3)),
        Arg((2, 2, 1), dtype="int32", value=[[[1], [3]], [[0], [0]]]),
        variant="batch_dims",
    ),
    rec(
        "scatter_nd",
        lambda tf, i, u: tf.scatter_nd(i, u, [4, 3]),
        Arg((3, 1), dtype="int32", value=[[1], [3], [1]]),
        Arg((3, 3)),
        dtypes=ALL,
        bad=(
            Bad("index out of range", lambda tf: tf.scatter_nd([[5]], [1.0], [3]), message=False),
        ),
    ),
    *[
        rec(
            p,
            lambda tf, t, i, u, p=p: getattr(tf, p)(t, i, u),
            Arg((4, 3)),
            Arg((2, 2), dtype="int32", value=[[0, 1], [3, 2]]),
            Arg((2,)),
            dtypes=ALL,
        )
        for p in (
            "tensor_scatter_nd_update",
            "tensor_scatter_nd_add",
            "tensor_scatter_nd_sub",
            "tensor_scatter_nd_max",
            "tensor_scatter_nd_min",
        )
    ],
    rec(
        "tensor_scatter_nd_update",
        lambda tf, t, i, u: tf.tensor_scatter_nd_update(t, i, u),
        Arg((4, 3)),
        Arg((2, 1), dtype="int64", value=[[2], [0]]),
        Arg((2, 3)),
        variant="rows",
        bad=(
            Bad(
                "updates shape",
                lambda tf: tf.tensor_scatter_nd_update(tf.ones([4]), [[1]], [1.0, 2.0]),
                message=False,
            ),
        ),
    ),
    rec(
        "where",
        lambda tf, c, x, y: tf.where(c, x, y),
        Arg((2, 3), dtype="bool"),
        Arg((2, 3)),
        Arg((3,)),
        dtypes=ALL,
        bad=(
            Bad(
                "not broadcastable",
                lambda tf: tf.where([True, False], tf.ones([3]), tf.ones([3])),
                message=False,
            ),
        ),
    ),
    rec(
        "where",
        lambda tf, c: tf.where(c),
        Arg((3, 4), dtype="bool"),
        dtypes=("bool",),
        variant="coordinates",
    ),
    rec(
        "where",
        lambda tf, c: tf.where(c),
        Arg((5,), lo=0, hi=2),
        dtypes=("int32", "float32"),
        variant="coordinates_nonbool",
    ),
    rec(
        "boolean_mask",
        lambda tf, x, m: tf.boolean_mask(x, m),
        Arg((4, 2)),
        Arg((4,), dtype="bool", value=[True, False, True, True]),
        dtypes=ALL,
    ),
    rec(
        "boolean_mask",
        lambda tf, x, m: tf.boolean_mask(x, m, axis=1),
        Arg((2, 3, 2)),
        Arg((3, 2), dtype="bool", value=[[True, False], [False, False], [True, True]]),
        variant="axis1",
        bad=(Bad("shape mismatch", lambda tf: tf.boolean_mask(tf.ones([3]), [True, False])),),
    ),
    # -- sorting and searching ---------------------------------------------------------------
    rec(
        "sort", lambda tf, x: tf.sort(x), Arg((3, 5), special=(1.0, 1.0, 2.0)), dtypes=ALL, fd=False
    ),
    rec(
        "sort",
        lambda tf, x: tf.sort(x, axis=0, direction="DESCENDING"),
        Arg((3, 4)),
        variant="axis0_descending",
        dtypes=(*FLOAT, "int32", "uint8"),
    ),
    rec(
        "argsort",
        lambda tf, x: tf.argsort(x),
        Arg((2, 5), special=(1.0, 1.0, 0.0, 1.0)),
        dtypes=ALL,
        grad=False,
    ),
    rec(
        "argsort",
        lambda tf, x: tf.argsort(x, axis=0, direction="DESCENDING", stable=True),
        Arg((4, 2), lo=0, hi=3),
        dtypes=("int32",),
        variant="axis0_desc",
        grad=False,
    ),
    rec(
        "unique",
        lambda tf, x: tf.unique(x),
        Arg((8,), lo=0, hi=4),
        dtypes=("int32", "float32"),
        grad=False,
        grad_vs_tf=False,
    ),
    rec(
        "unique",
        lambda tf, x: tf.unique(x, out_idx=tf.int64),
        Arg((5,), lo=0, hi=3),
        dtypes=("int64",),
        variant="int64_idx",
    ),
    rec(
        "unique_with_counts",
        lambda tf, x: tf.unique_with_counts(x),
        Arg((8,), lo=0, hi=4),
        dtypes=("int32", "float32"),
        grad=False,
        grad_vs_tf=False,
    ),
    rec(
        "searchsorted",
        lambda tf, s, v: tf.searchsorted(s, v),
        Arg((5,), value=[1.0, 2.0, 2.0, 3.0, 5.0]),
        Arg((4,), value=[2.0, 0.0, 6.0, 3.0]),
        dtypes=("float32", "int32"),
    ),
    rec(
        "searchsorted",
        lambda tf, s, v: tf.searchsorted(s, v, side="right", out_type=tf.int64),
        Arg((2, 3), value=[[1, 2, 3], [0, 0, 4]]),
        Arg((2, 2), value=[[2, 3], [0, 5]]),
        dtypes=("int32",),
        variant="batched_right",
    ),
    # -- clipping ------------------------------------------------------------------------------
    rec(
        "clip_by_value",
        lambda tf, x: tf.clip_by_value(x, -1.0, 1.0),
        Arg((3, 4), special=(1.0, -1.0, 0.5)),
        dtypes=FLOAT,
        fd=False,
    ),
    rec(
        "clip_by_value",
        lambda tf, x, lo, hi: tf.clip_by_value(x, lo, hi),
        Arg((3, 4)),
        Arg((4,), lo=-1, hi=0),
        Arg(()),
        variant="tensor_bounds",
        fd=False,
    ),
    rec(
        "clip_by_value",
        lambda tf, x: tf.clip_by_value(x, 0, 3),
        Arg((5,), lo=-2, hi=6),
        dtypes=("int32",),
        variant="int",
        bad=(
            Bad(
                "broadcast grows", lambda tf: tf.clip_by_value(tf.ones([3]), tf.zeros([2, 3]), 1.0)
            ),
        ),
    ),
    rec("clip_by_norm", lambda tf, x: tf.clip_by_norm(x, 1.0), Arg((3, 4))),
    rec(
        "clip_by_norm",
        lambda tf, x: tf.clip_by_norm(x, 2.0, axes=[1]),
        Arg((3, 4), special=(0.0, 0.0, 0.0, 0.0)),
        variant="axes_zero_row",
        fd=False,
    ),
    rec(
        "clip_by_global_norm",
        lambda tf, a, b: tf.clip_by_global_norm([a, b], 1.0),
        Arg((3,)),
        Arg((2, 2)),
    ),
    rec(
        "linalg.global_norm", lambda tf, a, b: tf.linalg.global_norm([a, b]), Arg((3,)), Arg((2, 2))
    ),
    # -- contractions, masks, casts -------------------------------------------------------------
    rec(
        "einsum",
        lambda tf, a, b: tf.einsum("ij,jk->ik", a, b),
        Arg((2, 3)),
        Arg((3, 4)),
        dtypes=(*FLOAT, *COMPLEX),
        bad=(
            Bad(
                "dtype mismatch",
                lambda tf: tf.einsum("i,i->", tf.ones([2]), tf.ones([2], tf.float64)),
                message=False,
            ),
        ),
    ),
    rec("einsum", lambda tf, a: tf.einsum("bii->b", a), Arg((2, 3, 3)), variant="trace"),
    rec(
        "einsum",
        lambda tf, a, b: tf.einsum("b i j, b j k -> b k i", a, b),
        Arg((2, 2, 3)),
        Arg((2, 3, 2)),
        variant="batched_spaces",
    ),
    rec(
        "tensordot",
        lambda tf, a, b: tf.tensordot(a, b, 1),
        Arg((2, 3)),
        Arg((3, 4)),
        dtypes=(*FLOAT, "int32"),
    ),
    rec(
        "tensordot",
        lambda tf, a, b: tf.tensordot(a, b, [[0, 2], [1, 0]]),
        Arg((2, 3, 4)),
        Arg((4, 2, 5)),
        variant="axes_lists",
    ),
    rec("tensordot", lambda tf, a, b: tf.tensordot(a, b, 0), Arg((2,)), Arg((3,)), variant="outer"),
    rec(
        "sequence_mask", lambda tf, n: tf.sequence_mask(n), Arg((3,), lo=0, hi=5), dtypes=("int32",)
    ),
    rec(
        "sequence_mask",
        lambda tf, n: tf.sequence_mask(n, maxlen=4, dtype=tf.float32),
        Arg((2, 2), lo=0, hi=5),
        dtypes=("int64",),
        variant="maxlen_dtype",
    ),
    rec(
        "saturate_cast",
        lambda tf, x: tf.saturate_cast(x, tf.uint8),
        Arg((6,), lo=-300, hi=300, special=(255.5, -0.5)),
        grad=False,
    ),
    rec(
        "saturate_cast",
        lambda tf, x: tf.saturate_cast(x, tf.int8),
        Arg((6,), lo=-300, hi=300),
        dtypes=("int32",),
        variant="int",
    ),
]


def _slice_assigned(tf: Any, x: Any, key: Any, value: Any) -> Any:
    v = tf.Variable(x)
    v[key].assign(value(tf, v))
    return tf.identity(v)


ARRAY += [
    rec(
        "strided_slice",
        lambda tf, x: _slice_assigned(tf, x, np.s_[1:3], lambda tf, v: v[0:2] * 2),
        Arg((4,)),
        variant="variable_slice_assign",
        grad=False,
        bad=(Bad("broadcast", lambda tf: tf.Variable([1.0, 2.0])[0:2].assign([1.0, 2.0, 3.0])),),
    ),
    rec(
        "strided_slice",
        lambda tf, x: _slice_assigned(tf, x, np.s_[:, 1], lambda tf, v: [7.0, 8.0]),
        Arg((2, 3)),
        variant="variable_column_assign",
        grad=False,
    ),
    rec(
        "strided_slice",
        lambda tf, x: _slice_assigned(tf, x, np.s_[..., ::2], lambda tf, v: 0.0),
        Arg((2, 4)),
        variant="variable_strided_scalar_assign",
        grad=False,
    ),
    rec(
        "tensor_scatter_nd_update",
        lambda tf, x: (
            lambda v: (v.scatter_nd_update([[0, 1], [1, 0]], [5.0, 6.0]), tf.identity(v))[1]
        )(tf.Variable(x)),
        Arg((2, 3)),
        variant="variable_scatter_nd_update",
        grad=False,
    ),
    rec(
        "tensor_scatter_nd_add",
        lambda tf, x: (lambda v: (v.scatter_nd_add([[1]], [[1.0, 1.0, 1.0]]), tf.identity(v))[1])(
            tf.Variable(x)
        ),
        Arg((2, 3)),
        variant="variable_scatter_nd_add",
        grad=False,
    ),
    rec(
        "gather",
        lambda tf, x: tf.Variable(x).sparse_read([2, 0]),
        Arg((3, 2)),
        variant="variable_sparse_read",
        grad=False,
    ),
]

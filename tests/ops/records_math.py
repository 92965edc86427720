"""Op records for `tf.math` (see op_harness.py for the fields)."""

from __future__ import annotations

from typing import Any

import numpy as np
from op_harness import COMPLEX, FLOAT, FLOAT_ALL, INT, Arg, Bad, OpRecord


def resolve(mod: Any, path: str) -> Any:
    obj = mod
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def call(path: str, *args: Any, **kwargs: Any) -> Any:
    return lambda tf: resolve(tf, path)(*args, **kwargs)


def const(tf: Any, value: Any, dtype: str | None = None) -> Any:
    return tf.constant(value, dtype=dtype)


INT_INPUT = "an int32 input"
MISMATCH = "float32 with float64"
SHAPES = "incompatible shapes"


def bad_int(path: str) -> Bad:
    return Bad(INT_INPUT, lambda tf: resolve(tf, path)(tf.constant([1, 2])))


def bad_binary(path: str) -> tuple[Bad, ...]:
    return (
        Bad(
            MISMATCH,
            lambda tf: resolve(tf, path)(tf.constant([1.0]), tf.constant([1.0], tf.float64)),
        ),
        Bad(
            SHAPES,
            lambda tf: resolve(tf, path)(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.0, 3.0])),
        ),
    )


def unary(
    path: str,
    *,
    lo: float = -2.0,
    hi: float = 2.0,
    special: tuple[Any, ...] = (),
    dtypes: tuple[str, ...] = FLOAT,
    bad: tuple[Bad, ...] | None = None,
    **kw: Any,
) -> OpRecord:
    return OpRecord(
        path,
        lambda tf, x: resolve(tf, path)(x),
        (Arg((3, 4), lo=lo, hi=hi, special=special),),
        dtypes=dtypes,
        bad=(bad_int(path),) if bad is None else bad,
        **kw,
    )


def binary(
    path: str,
    *,
    lo: float = -2.0,
    hi: float = 2.0,
    lo2: float | None = None,
    hi2: float | None = None,
    special: tuple[Any, ...] = (),
    special2: tuple[Any, ...] = (),
    tie: bool = False,
    dtypes: tuple[str, ...] = FLOAT,
    bad: tuple[Bad, ...] | None = None,
    variant: str = "",
    **kw: Any,
) -> list[OpRecord]:
    """A broadcasting record ((3, 4) with (4,)) and, with `tie`, an equal-shape record with ties."""
    lo2 = lo if lo2 is None else lo2
    hi2 = hi if hi2 is None else hi2
    recs = [
        OpRecord(
            path,
            lambda tf, x, y: resolve(tf, path)(x, y),
            (
                Arg((3, 4), lo=lo, hi=hi, special=special),
                Arg((4,), lo=lo2, hi=hi2, special=special2),
            ),
            dtypes=dtypes,
            variant=variant or "broadcast",
            bad=bad_binary(path) if bad is None else bad,
            **kw,
        )
    ]
    if tie:
        recs.append(
            OpRecord(
                path,
                lambda tf, x, y: resolve(tf, path)(x, y),
                (Arg((2, 3), lo=lo, hi=hi), Arg((2, 3), lo=lo2, hi=hi2, tie=0)),
                dtypes=dtypes,
                variant="ties",
                fd=False,
                **kw,
            )
        )
    return recs


_ROUND = {"float32": (0, 0), "float64": (0, 0)}

MATH: list[OpRecord] = [
    *binary("math.add", tie=False, dtypes=(*FLOAT_ALL, *COMPLEX)),
    OpRecord(
        "math.add",
        lambda tf, x: tf.math.add(x, 2),
        (Arg((3,)),),
        dtypes=INT,
        variant="int_python_scalar",
    ),
    *binary("math.subtract", dtypes=(*FLOAT, *COMPLEX)),
    *binary("math.multiply", dtypes=(*FLOAT_ALL, *COMPLEX)),
    OpRecord(
        "math.multiply",
        lambda tf, x, y: tf.math.multiply(x, y),
        (Arg((2, 3)), Arg((2, 3))),
        dtypes=INT,
        variant="int",
    ),
    *binary("math.divide", lo2=0.5, hi2=2.0, dtypes=(*FLOAT, *COMPLEX)),
    OpRecord(
        "math.divide",
        lambda tf, x, y: tf.math.divide(x, y),
        (Arg((4,), lo=-5, hi=5), Arg((4,), lo=1, hi=4)),
        dtypes=INT,
        variant="int_gives_float64",
    ),
    *binary("math.truediv", lo2=0.5, hi2=2.0),
    OpRecord(
        "math.truediv",
        lambda tf, x, y: tf.math.truediv(x, y),
        (Arg((4,), lo=1, hi=5), Arg((4,), lo=1, hi=4)),
        dtypes=("int8", "int16", "int32", "int64", "uint8"),
        variant="int",
        bad=(
            Bad(
                "int32 / float32", lambda tf: tf.math.truediv(tf.constant([1]), tf.constant([1.0]))
            ),
        ),
    ),
    *binary(
        "math.floordiv",
        lo2=0.5,
        hi2=2.0,
        grad=False,
        bad=(
            Bad(
                "integer division by zero",
                lambda tf: tf.math.floordiv(tf.constant([1, 2]), tf.constant([1, 0])),
            ),
            *bad_binary("math.floordiv"),
        ),
    ),
    OpRecord(
        "math.floordiv",
        lambda tf, x, y: tf.math.floordiv(x, y),
        (Arg((6,), lo=-9, hi=9), Arg((6,), lo=1, hi=4, special=(-3, -2))),
        dtypes=INT,
        variant="int",
    ),
    *binary(
        "math.floormod",
        lo2=0.5,
        hi2=2.0,
        special=(1.5, -1.5),
        bad=(
            Bad(
                "integer modulo by zero",
                lambda tf: tf.math.floormod(tf.constant([1, 2]), tf.constant([1, 0])),
            ),
            Bad("complex", lambda tf: tf.math.floormod(tf.constant([1j]), tf.constant([1j]))),
        ),
    ),
    OpRecord(
        "math.floormod",
        lambda tf, x, y: tf.math.floormod(x, y),
        (Arg((6,), lo=-9, hi=9), Arg((6,), lo=1, hi=4, special=(-3, -2))),
        dtypes=INT,
        variant="int",
    ),
    OpRecord(
        "math.mod",
        lambda tf, x, y: tf.math.mod(x, y),
        (Arg((4,), lo=-3, hi=3), Arg((4,), lo=0.5, hi=2)),
    ),
    *binary(
        "math.pow",
        lo=0.2,
        hi=2.0,
        lo2=-2.0,
        hi2=2.0,
        dtypes=(*FLOAT, *COMPLEX),
        bad=(
            Bad(
                "int to negative power", lambda tf: tf.math.pow(tf.constant([2]), tf.constant([-1]))
            ),
            *bad_binary("math.pow"),
        ),
    ),
    OpRecord(
        "math.pow",
        lambda tf, x, y: tf.math.pow(x, y),
        (
            Arg((6,), special=(0.0, 0.0, -1.5, -2.0, 0.0)),
            Arg((6,), special=(2.0, 0.5, 2.0, 3.0, 0.0)),
        ),
        variant="kinks",
        fd=False,
    ),
    OpRecord(
        "math.pow",
        lambda tf, x: tf.math.pow(2.0, x),
        (Arg((3,), special=(2.0,)),),
        dtypes=("float32",),
        variant="python_base",
    ),
    OpRecord(
        "math.pow",
        lambda tf, x, y: tf.math.pow(x, y),
        (Arg((4,), lo=0, hi=4), Arg((4,), lo=0, hi=3)),
        dtypes=INT,
        variant="int",
    ),
    *binary("math.squared_difference", dtypes=FLOAT),
    # TF's complex gradient 2 * g * (x - y) is not conjugated: no finite-difference check.
    *binary("math.squared_difference", dtypes=COMPLEX, variant="complex", fd=False),
    *binary(
        "math.maximum",
        tie=True,
        dtypes=FLOAT_ALL,
        bad=(
            *bad_binary("math.maximum"),
            Bad("complex", lambda tf: tf.math.maximum(tf.constant([1j]), tf.constant([1j]))),
        ),
    ),
    *binary("math.minimum", tie=True, dtypes=FLOAT_ALL),
    OpRecord(
        "math.maximum",
        lambda tf, x, y: tf.math.maximum(x, y),
        (Arg((4,), lo=-9, hi=9), Arg((4,), lo=-9, hi=9)),
        dtypes=INT,
        variant="int",
    ),
    *binary("math.atan2", special=(0.0, 0.0, -1.0), special2=(1.0, -1.0, 0.0)),
    *binary(
        "math.divide_no_nan",
        special2=(0.0, 0.0),
        dtypes=(*FLOAT, *COMPLEX),
        fd=False,
        bad=(
            Bad(
                MISMATCH,
                lambda tf: tf.math.divide_no_nan(
                    tf.constant([1.0]), tf.constant([1.0], tf.float64)
                ),
            ),
        ),
    ),
    OpRecord(
        "math.divide_no_nan",
        lambda tf, x, y: tf.math.divide_no_nan(x, y),
        (Arg((5,)), Arg((5,), lo=0.5, hi=2)),
    ),
    *binary(
        "math.multiply_no_nan",
        special2=(0.0, 0.0),
        bad=(
            Bad(
                MISMATCH,
                lambda tf: tf.math.multiply_no_nan(
                    tf.constant([1.0]), tf.constant([1.0], tf.float64)
                ),
            ),
        ),
    ),
    OpRecord(
        "math.multiply_no_nan",
        lambda tf, x, y: tf.math.multiply_no_nan(x, y),
        (Arg((3,), special=(np.inf, np.nan)), Arg((3,), special=(0.0, 0.0))),
        variant="nonfinite_times_zero",
        grad=False,
        fd=False,
    ),
    *binary("math.xlogy", lo2=0.2, hi2=3.0, special=(0.0, 0.0), dtypes=FLOAT, fd=False),
    OpRecord(
        "math.xlogy",
        lambda tf, x, y: tf.math.xlogy(x, y),
        (Arg((5,), lo=0.5), Arg((5,), lo=0.2, hi=3)),
    ),
    OpRecord(
        "math.add_n",
        lambda tf, a, b, c: tf.math.add_n([a, b, c]),
        (Arg((2, 3)), Arg((2, 3)), Arg((2, 3))),
        dtypes=(*FLOAT, "int32"),
        bad=(
            Bad("empty list", lambda tf: tf.math.add_n([])),
            Bad("shape mismatch", lambda tf: tf.math.add_n([tf.ones([2]), tf.ones([3])])),
        ),
    ),
    OpRecord("math.add_n", lambda tf, a: tf.math.add_n([a]), (Arg((2, 3)),), variant="one"),
    OpRecord(
        "math.accumulate_n",
        lambda tf, a, b: tf.math.accumulate_n([a, b]),
        (Arg((2, 3)), Arg((2, 3))),
    ),
    # -- unary -----------------------------------------------------------------------
    unary("math.negative", dtypes=(*FLOAT_ALL, *COMPLEX, "int32"), bad=()),
    unary(
        "math.abs",
        special=(0.0, -0.0),
        dtypes=(*FLOAT_ALL, "int32", "int64"),
        bad=(Bad("bool", lambda tf: tf.math.abs(tf.constant([True]))),),
    ),
    unary("math.abs", special=(0.0,), dtypes=COMPLEX, variant="complex", bad=()),
    unary(
        "math.sign",
        special=(0.0,),
        dtypes=(*FLOAT, "int32"),
        bad=(Bad("bool", lambda tf: tf.math.sign(tf.constant([True]))),),
    ),
    unary("math.sign", special=(0.0,), dtypes=COMPLEX, variant="complex", fd=False, bad=()),
    unary("math.sign", dtypes=COMPLEX, variant="complex_nonzero", bad=()),
    unary(
        "math.square",
        special=(0.0,),
        dtypes=(*FLOAT_ALL, *COMPLEX, "int32"),
        bad=(Bad("bool", lambda tf: tf.math.square(tf.constant([True]))),),
    ),
    unary("math.sqrt", lo=0.1, hi=4.0, special=(0.0,), dtypes=(*FLOAT_ALL, *COMPLEX), fd=False),
    unary("math.sqrt", lo=0.1, hi=4.0, variant="positive"),
    unary("math.rsqrt", lo=0.1, hi=4.0, dtypes=(*FLOAT_ALL, *COMPLEX)),
    unary(
        "math.reciprocal",
        lo=0.5,
        hi=3.0,
        dtypes=(*FLOAT, *COMPLEX),
        bad=(
            Bad(
                "int has no kernel", lambda tf: tf.math.reciprocal(tf.constant([2])), message=False
            ),
        ),
    ),
    unary("math.exp", dtypes=(*FLOAT_ALL, *COMPLEX)),
    unary("math.expm1", dtypes=(*FLOAT, *COMPLEX)),
    unary("math.log", lo=0.1, hi=4.0, special=(0.0,), dtypes=FLOAT_ALL, fd=False),
    unary("math.log", lo=0.1, hi=4.0, variant="positive", dtypes=(*FLOAT, *COMPLEX)),
    unary("math.log1p", lo=-0.9, hi=3.0, dtypes=(*FLOAT, *COMPLEX)),
    unary("math.log_sigmoid", lo=-5, hi=5, dtypes=FLOAT_ALL),
    unary("math.sigmoid", lo=-5, hi=5, dtypes=(*FLOAT_ALL, *COMPLEX)),
    unary("math.tanh", dtypes=(*FLOAT_ALL, *COMPLEX)),
    unary("math.sin", dtypes=(*FLOAT_ALL, *COMPLEX)),
    unary("math.cos", dtypes=(*FLOAT_ALL, *COMPLEX)),
    unary("math.tan", lo=-1.2, hi=1.2, dtypes=(*FLOAT, *COMPLEX)),
    unary("math.asin", lo=-0.9, hi=0.9, dtypes=(*FLOAT, *COMPLEX)),
    unary("math.acos", lo=-0.9, hi=0.9, dtypes=(*FLOAT, *COMPLEX)),
    unary("math.atan", dtypes=(*FLOAT, *COMPLEX)),
    unary("math.sinh", dtypes=(*FLOAT, *COMPLEX)),
    unary("math.cosh", dtypes=(*FLOAT, *COMPLEX)),
    unary("math.asinh", dtypes=(*FLOAT, *COMPLEX)),
    unary("math.acosh", lo=1.1, hi=4.0, dtypes=(*FLOAT, *COMPLEX)),
    unary("math.atanh", lo=-0.9, hi=0.9, dtypes=(*FLOAT, *COMPLEX)),
    unary("math.erf", dtypes=FLOAT_ALL),
    unary("math.erfc", dtypes=FLOAT_ALL),
    unary(
        "math.lgamma",
        lo=0.1,
        hi=5.0,
        special=(-0.5, -1.5),
        tol={"float32": (1e-4, 1e-5)},
        grad_tol={"float32": (2e-4, 1e-4)},
    ),
    unary(
        "math.digamma",
        lo=0.1,
        hi=5.0,
        special=(-0.5,),
        tol={"float32": (1e-4, 1e-5)},
        grad_tol={"float32": (1e-3, 1e-3), "float64": (1e-7, 1e-7)},
        fd_tol=1e-4,
    ),
    unary("math.floor", lo=-3, hi=3, special=(1.0, -1.5), grad=False, tol=_ROUND),
    unary("math.ceil", lo=-3, hi=3, special=(1.0, -1.5), grad=False, tol=_ROUND),
    unary(
        "math.round",
        lo=-3,
        hi=3,
        special=(0.5, 1.5, 2.5, -0.5, -2.5),
        grad=False,
        tol=_ROUND,
        bad=(),
    ),
    OpRecord(
        "math.round",
        lambda tf, x: tf.math.round(x),
        (Arg((3,), lo=-5, hi=5),),
        dtypes=INT,
        variant="int",
    ),
    unary("math.rint", lo=-3, hi=3, special=(0.5, 1.5, 2.5, -0.5), grad=False, tol=_ROUND),
    unary("math.softplus", lo=-5, hi=5, dtypes=FLOAT_ALL),
    unary("math.is_nan", special=(np.nan, np.inf, -np.inf), grad=False),
    unary("math.is_inf", special=(np.nan, np.inf, -np.inf), grad=False),
    unary("math.is_finite", special=(np.nan, np.inf, -np.inf), grad=False),
    # -- complex ---------------------------------------------------------------------
    OpRecord(
        "complex",
        lambda tf, a, b: tf.complex(a, b),
        (Arg((3, 2)), Arg((2,))),
        bad=(
            Bad(
                MISMATCH, lambda tf: tf.complex(tf.constant([1.0]), tf.constant([1.0], tf.float64))
            ),
            Bad("int", lambda tf: tf.complex(tf.constant([1]), tf.constant([1]))),
        ),
    ),
    unary("math.real", dtypes=(*COMPLEX, *FLOAT), bad=()),
    unary("math.imag", dtypes=(*COMPLEX, *FLOAT), bad=()),
    unary("math.conj", dtypes=(*COMPLEX, *FLOAT), bad=()),
    unary("math.angle", dtypes=COMPLEX, bad=()),
    unary("math.angle", dtypes=FLOAT, variant="real", bad=()),
    # -- comparisons and logic (not differentiable) ------------------------------------
    *[
        rec
        for p in (
            "math.equal",
            "math.not_equal",
            "math.less",
            "math.less_equal",
            "math.greater",
            "math.greater_equal",
        )
        for rec in binary(p, tie=True, grad=False, bad=bad_binary(p)[:1])
    ],
    OpRecord(
        "math.equal",
        lambda tf, x, y: tf.math.equal(x, y),
        (Arg((4,), lo=0, hi=3), Arg((4,), lo=0, hi=3)),
        dtypes=("int32", "bool"),
        variant="int_bool",
    ),
    *[
        OpRecord(
            p,
            lambda tf, x, y, p=p: resolve(tf, p)(x, y),
            (Arg((2, 3), dtype="bool"), Arg((3,), dtype="bool")),
            dtypes=("bool",),
        )
        for p in ("math.logical_and", "math.logical_or", "math.logical_xor")
    ],
    OpRecord(
        "math.logical_not",
        lambda tf, x: tf.math.logical_not(x),
        (Arg((2, 3), dtype="bool"),),
        dtypes=("bool",),
    ),
    # -- reductions ------------------------------------------------------------------
    *[
        OpRecord(
            p,
            lambda tf, x, p=p, ax=ax, kd=kd: resolve(tf, p)(x, axis=ax, keepdims=kd),
            (Arg((2, 3, 4)),),
            dtypes=dts,
            variant=v,
            bad=(Bad("axis out of range", lambda tf, p=p: resolve(tf, p)(tf.ones([2, 3]), axis=2)),)
            if v == "all"
            else (),
        )
        for p, dts in (
            ("math.reduce_sum", (*FLOAT_ALL, *COMPLEX, *INT)),
            ("math.reduce_mean", (*FLOAT, *COMPLEX, *INT)),
            ("math.reduce_prod", (*FLOAT, *COMPLEX)),
            ("math.reduce_euclidean_norm", FLOAT),
            ("math.reduce_logsumexp", FLOAT),
            ("math.reduce_variance", (*FLOAT, *COMPLEX)),
            ("math.reduce_std", (*FLOAT, *COMPLEX)),
        )
        for v, ax, kd in (
            ("all", None, False),
            ("axis1_keepdims", 1, True),
            ("axes_neg", [0, -1], False),
        )
    ],
    *[
        OpRecord(
            p,
            lambda tf, x, p=p, ax=ax: resolve(tf, p)(x, axis=ax),
            (Arg((3, 4), lo=0, hi=3),),
            dtypes=("float32", "float64", "int32"),
            variant=v,
            tol=_ROUND,
        )
        for p in ("math.reduce_max", "math.reduce_min")
        for v, ax in (("all", None), ("axis0", 0))
    ],
    OpRecord(
        "math.reduce_max",
        lambda tf, x: tf.math.reduce_max(x, axis=1),
        (Arg((2, 3), value=[[1.0, 5.0, 5.0], [2.0, 2.0, 2.0]]),),
        variant="ties",
        grad_vs_tf=True,
    ),
    OpRecord(
        "math.reduce_max",
        lambda tf, x: tf.math.reduce_max(x, axis=1),
        (Arg((2, 3), special=(1.0, 5.0, 5.0, 2.0, 2.0, 2.0)),),
        variant="ties_watched",
        fd=False,
    ),
    OpRecord(
        "math.reduce_min",
        lambda tf, x: tf.math.reduce_min(x),
        (Arg((4,), special=(1.0, 1.0, 3.0, 1.0)),),
        variant="ties",
        fd=False,
    ),
    OpRecord(
        "math.reduce_prod",
        lambda tf, x: tf.math.reduce_prod(x, axis=1),
        (Arg((3, 3), special=(0.0, 2.0, 3.0, 0.0, 0.0, 1.0)),),
        variant="zeros",
        fd=False,
    ),
    OpRecord(
        "math.reduce_euclidean_norm",
        lambda tf, x: tf.math.reduce_euclidean_norm(x, axis=1),
        (Arg((2, 3), special=(0.0, 0.0, 0.0)),),
        variant="zero_row",
        fd=False,
    ),
    # TF's complex gradient x * g / norm is not conjugated: no finite-difference check.
    OpRecord(
        "math.reduce_euclidean_norm",
        lambda tf, x: tf.math.reduce_euclidean_norm(x, axis=1),
        (Arg((2, 3)),),
        dtypes=COMPLEX,
        variant="complex",
        fd=False,
    ),
    OpRecord(
        "math.reduce_logsumexp",
        lambda tf, x: tf.math.reduce_logsumexp(x, axis=0),
        (Arg((3,), special=(-np.inf, -np.inf, -np.inf)),),
        variant="all_neg_inf",
        grad_vs_tf=False,
        fd=False,
    ),
    OpRecord(
        "math.reduce_all",
        lambda tf, x: tf.math.reduce_all(x, axis=1),
        (Arg((3, 4), dtype="bool"),),
        dtypes=("bool",),
    ),
    OpRecord(
        "math.reduce_any",
        lambda tf, x: tf.math.reduce_any(x, axis=0, keepdims=True),
        (Arg((3, 4), dtype="bool"),),
        dtypes=("bool",),
    ),
    OpRecord(
        "math.count_nonzero",
        lambda tf, x: tf.math.count_nonzero(x, axis=1),
        (Arg((3, 4), lo=0, hi=2, special=(0.0, 0.0)),),
        dtypes=("float32", "int32"),
    ),
    OpRecord(
        "math.count_nonzero",
        lambda tf, x: tf.math.count_nonzero(x, dtype=tf.int32, keepdims=True),
        (Arg((3, 4), lo=0, hi=2),),
        dtypes=("int32",),
        variant="dtype",
    ),
    # -- arg reductions, top_k, scans ---------------------------------------------------
    OpRecord(
        "math.argmax",
        lambda tf, x: tf.math.argmax(x, axis=1),
        (Arg((3, 4), lo=0, hi=3),),
        dtypes=("float32", "int32"),
        grad=False,
        bad=(
            Bad("axis out of range", lambda tf: tf.math.argmax(tf.ones([2, 3]), axis=2)),
            Bad("complex", lambda tf: tf.math.argmax(tf.constant([1j]))),
        ),
    ),
    OpRecord(
        "math.argmin",
        lambda tf, x: tf.math.argmin(x, output_type=tf.int32),
        (Arg((5,), lo=0, hi=3, special=(0, 0)),),
        dtypes=("float32", "int32"),
        grad=False,
    ),
    OpRecord(
        "math.top_k",
        lambda tf, x: tf.math.top_k(x, k=3),
        (Arg((2, 5), special=(1.0, 1.0, 1.0)),),
        dtypes=(*FLOAT, "int32"),
        fd=False,
        bad=(
            Bad("k too large", lambda tf: tf.math.top_k(tf.ones([2, 3]), k=4)),
            Bad("bool", lambda tf: tf.math.top_k(tf.constant([True]))),
        ),
    ),
    # TF's own _TopKGrad fails for index_type=int64 (it adds int32 offsets): no gradient check.
    OpRecord(
        "math.top_k",
        lambda tf, x: tf.math.top_k(x, k=2, sorted=True, index_type=tf.int64),
        (Arg((4,)),),
        variant="int64_index",
        grad_vs_tf=False,
    ),
    *[
        OpRecord(
            p,
            lambda tf, x, p=p, a=a, e=e, r=r: resolve(tf, p)(x, axis=a, exclusive=e, reverse=r),
            (Arg((3, 4), lo=0.5, hi=2.0),),
            dtypes=(*FLOAT, "int32"),
            variant=f"axis{a}_excl{int(e)}_rev{int(r)}",
            bad=(
                Bad("axis out of range", lambda tf, p=p: resolve(tf, p)(tf.ones([2, 3]), axis=2)),
                Bad("bool", lambda tf, p=p: resolve(tf, p)(tf.constant([True]))),
            )
            if (a, e, r) == (0, False, False)
            else (),
        )
        for p in ("math.cumsum", "math.cumprod")
        for a, e, r in ((0, False, False), (1, True, False), (-1, False, True), (0, True, True))
    ],
    OpRecord(
        "math.cumprod",
        lambda tf, x: tf.math.cumprod(x, axis=1),
        (Arg((2, 4), special=(1.5, 0.0, 2.0, -1.0, 0.0, 0.0)),),
        variant="zeros",
        fd=False,
    ),
    OpRecord(
        "math.cumprod",
        lambda tf, x: tf.math.cumprod(x, axis=0, exclusive=True, reverse=True),
        (Arg((5,), special=(2.0, 0.0, 3.0)),),
        variant="zeros_excl_rev",
        fd=False,
    ),
    # -- segments, bincount, polyval, confusion matrix ----------------------------------------
    OpRecord(
        "math.unsorted_segment_sum",
        lambda tf, d, i: tf.math.unsorted_segment_sum(d, i, 4),
        (Arg((5, 3)), Arg((5,), dtype="int32", value=[0, 2, 0, -1, 3])),
        dtypes=(*FLOAT, "int32"),
        bad=(
            Bad(
                "id out of range",
                lambda tf: tf.math.unsorted_segment_sum(tf.ones([3]), [0, 5, 1], 3),
            ),
            Bad(
                "prefix mismatch",
                lambda tf: tf.math.unsorted_segment_sum(tf.ones([3, 2]), [0, 1], 3),
            ),
        ),
    ),
    OpRecord(
        "math.unsorted_segment_sum",
        lambda tf, d, i: tf.math.unsorted_segment_sum(d, i, 3),
        (Arg((2, 3, 2)), Arg((2, 3), dtype="int64", value=[[0, 1, 2], [2, 1, 0]])),
        variant="2d_ids",
    ),
    OpRecord(
        "math.unsorted_segment_mean",
        lambda tf, d, i: tf.math.unsorted_segment_mean(d, i, 4),
        (Arg((5, 3)), Arg((5,), dtype="int32", value=[0, 2, 0, 2, 0])),
    ),
    OpRecord(
        "math.unsorted_segment_max",
        lambda tf, d, i: tf.math.unsorted_segment_max(d, i, 3),
        (
            Arg((5, 2), special=(1.0, 1.0, 2.0, 2.0, 1.0, 1.0)),
            Arg((5,), dtype="int32", value=[0, 1, 0, 1, 0]),
        ),
        fd=False,
    ),
    OpRecord(
        "math.unsorted_segment_min",
        lambda tf, d, i: tf.math.unsorted_segment_min(d, i, 3),
        (Arg((4,)), Arg((4,), dtype="int32", value=[0, 1, 0, 1])),
    ),
    OpRecord(
        "math.unsorted_segment_prod",
        lambda tf, d, i: tf.math.unsorted_segment_prod(d, i, 4),
        (Arg((6, 2)), Arg((6,), dtype="int32", value=[0, 1, 0, 1, 3, -1])),
    ),
    OpRecord(
        "math.unsorted_segment_prod",
        lambda tf, d, i: tf.math.unsorted_segment_prod(d, i, 3),
        (
            Arg((6,), special=(0.0, 2.0, 0.0, 0.0, 3.0, 0.0)),
            Arg((6,), dtype="int32", value=[0, 0, 1, 1, 2, 2]),
        ),
        variant="zeros",
        fd=False,
    ),
    OpRecord(
        "math.segment_sum",
        lambda tf, d, i: tf.math.segment_sum(d, i),
        (Arg((5, 2)), Arg((5,), dtype="int32", value=[0, 0, 1, 3, 3])),
        dtypes=(*FLOAT, "int32"),
        bad=(Bad("ids not sorted", lambda tf: tf.math.segment_sum(tf.ones([3]), [1, 0, 1])),),
    ),
    OpRecord(
        "math.bincount",
        lambda tf, a: tf.math.bincount(a),
        (Arg((8,), lo=0, hi=5),),
        dtypes=("int32",),
        bad=(Bad("negative", lambda tf: tf.math.bincount(tf.constant([1, -1]))),),
    ),
    OpRecord(
        "math.bincount",
        lambda tf, a, w: tf.math.bincount(a, weights=w, minlength=7),
        (Arg((8,), dtype="int32", lo=0, hi=5), Arg((8,))),
        variant="weights",
        grad=False,
        grad_vs_tf=False,
    ),
    OpRecord(
        "math.bincount",
        lambda tf, a: tf.math.bincount(a, maxlength=3, dtype=tf.float64),
        (Arg((8,), lo=0, hi=5),),
        dtypes=("int32",),
        variant="maxlength",
    ),
    OpRecord(
        "math.bincount",
        lambda tf, a: tf.math.bincount(a, binary_output=True),
        (Arg((8,), lo=0, hi=5),),
        dtypes=("int32",),
        variant="binary",
    ),
    OpRecord(
        "math.polyval",
        lambda tf, a, b, c, x: tf.math.polyval([a, b, c], x),
        (Arg(()), Arg(()), Arg(()), Arg((4,))),
    ),
    OpRecord(
        "math.confusion_matrix",
        lambda tf, lab, p: tf.math.confusion_matrix(lab, p),
        (Arg((6,), lo=0, hi=4), Arg((6,), lo=0, hi=4)),
        dtypes=("int32", "int64"),
        bad=(
            Bad(
                "negative label",
                lambda tf: tf.math.confusion_matrix([0, -1], [0, 1]),
                message=False,
            ),
        ),
    ),
    OpRecord(
        "math.confusion_matrix",
        lambda tf, lab, p, w: tf.math.confusion_matrix(
            lab, p, num_classes=5, weights=w, dtype=tf.float32
        ),
        (Arg((6,), dtype="int32", lo=0, hi=4), Arg((6,), dtype="int32", lo=0, hi=4), Arg((6,))),
        dtypes=("float32",),
        variant="weights",
        grad=False,
    ),
    # -- matmul and cast -----------------------------------------------------------------------
    OpRecord(
        "linalg.matmul",
        lambda tf, a, b: tf.linalg.matmul(a, b),
        (Arg((3, 4)), Arg((4, 2))),
        dtypes=(*FLOAT_ALL, *COMPLEX, "int32"),
        bad=(
            Bad(
                "inner mismatch",
                lambda tf: tf.linalg.matmul(tf.ones([2, 3]), tf.ones([2, 3])),
                message=False,
            ),
            Bad(
                MISMATCH,
                lambda tf: tf.linalg.matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.float64)),
                message=False,
            ),
            Bad(
                "rank 1", lambda tf: tf.linalg.matmul(tf.ones([2]), tf.ones([2, 2])), message=False
            ),
        ),
    ),
    *[
        OpRecord(
            "linalg.matmul",
            lambda tf, a, b, kw=kw: tf.linalg.matmul(a, b, **kw),
            (Arg(sa), Arg(sb)),
            dtypes=(*FLOAT, *COMPLEX),
            variant=v,
        )
        for v, sa, sb, kw in (
            ("transpose_a", (4, 3), (4, 2), {"transpose_a": True}),
            ("transpose_b", (3, 4), (2, 4), {"transpose_b": True}),
            ("adjoint_ab", (4, 3), (2, 4), {"adjoint_a": True, "adjoint_b": True}),
            ("batched_broadcast", (2, 1, 3, 4), (5, 4, 2), {}),
        )
    ],
    OpRecord(
        "cast", lambda tf, x: tf.cast(x, tf.float64), (Arg((3,)),), dtypes=("float32", "float16")
    ),
    OpRecord(
        "cast",
        lambda tf, x: tf.cast(x, tf.int32),
        (Arg((5,), lo=-3, hi=3, special=(2.7, -2.7)),),
        variant="to_int",
        grad=False,
    ),
    OpRecord(
        "cast",
        lambda tf, x: tf.cast(x, tf.float64),
        (Arg((3,)),),
        dtypes=COMPLEX,
        variant="complex_to_real",
    ),
    OpRecord(
        "cast",
        lambda tf, x: tf.cast(x, tf.complex128),
        (Arg((3,)),),
        dtypes=FLOAT,
        variant="real_to_complex",
    ),
    OpRecord(
        "cast",
        lambda tf, x: tf.cast(x, tf.float32),
        (Arg((3,), dtype="bool"),),
        dtypes=("bool",),
        variant="bool",
        bad=(Bad("string", lambda tf: tf.cast("a", tf.float32)),),
    ),
]


_IDS = [0, 0, 1, 3, 3]
MATH += [
    *[
        OpRecord(
            p,
            lambda tf, d, i, p=p: resolve(tf, p)(d, i),
            (Arg((5, 2), special=(1.0, 1.0, 2.0, 1.0, 2.0)), Arg((5,), dtype="int32", value=_IDS)),
            dtypes=(*FLOAT, "int32"),
            fd=False,
            bad=(Bad("ids not sorted", lambda tf, p=p: resolve(tf, p)(tf.ones([3]), [1, 0, 1])),),
        )
        for p in ("math.segment_mean", "math.segment_max", "math.segment_min", "math.segment_prod")
    ],
    *[
        OpRecord(
            p,
            lambda tf, d, i, p=p: resolve(tf, p)(d, i),
            (Arg((5, 2)), Arg((5,), dtype="int64", value=_IDS)),
            variant="smooth",
        )
        for p in ("math.segment_mean", "math.segment_max", "math.segment_min", "math.segment_prod")
    ],
    OpRecord(
        "math.unsorted_segment_sqrt_n",
        lambda tf, d, i: tf.math.unsorted_segment_sqrt_n(d, i, 4),
        (Arg((5, 3)), Arg((5,), dtype="int32", value=[0, 2, 0, 2, 0])),
    ),
    OpRecord(
        "math.in_top_k",
        lambda tf, t, p: tf.math.in_top_k(t, p, 2),
        (
            Arg((4,), dtype="int32", value=[0, 1, 2, 3]),
            Arg((4, 4), value=[[1, 2, 3, 4], [4, 4, 1, 1], [1, 1, 1, 1], [0, 5, 3, float("nan")]]),
        ),
        dtypes=("float32",),
        bad=(
            Bad(
                "float64 predictions",
                lambda tf: tf.math.in_top_k([0], tf.ones([1, 2], tf.float64), 1),
                message=False,
            ),
        ),
    ),
    *[
        OpRecord(
            "math.cumulative_logsumexp",
            lambda tf, x, a=a, e=e, r=r: tf.math.cumulative_logsumexp(
                x, axis=a, exclusive=e, reverse=r
            ),
            (Arg((3, 4)),),
            variant=f"axis{a}_excl{int(e)}_rev{int(r)}",
        )
        for a, e, r in ((0, False, False), (1, True, False), (-1, False, True))
    ],
]

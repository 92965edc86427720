"""Op records for `tf.debugging`: passing checks return None, failing ones raise TF's errors."""

from __future__ import annotations

from typing import Any

import numpy as np
from op_harness import FLOAT, Arg, Bad, OpRecord

NAN, INF = float("nan"), float("inf")


def rec(name: str, fn: Any, *args: Arg, **kw: Any) -> OpRecord:
    kw.setdefault("grad", False)
    kw.setdefault("grad_vs_tf", False)
    return OpRecord(name, fn, tuple(args), **kw)


def c(tf: Any, v: Any, dtype: Any = None) -> Any:
    return tf.constant(v, dtype)


DEBUGGING: list[OpRecord] = [
    rec(
        "debugging.check_numerics",
        lambda tf, x: tf.debugging.check_numerics(x, "msg"),
        Arg((3,)),
        dtypes=FLOAT,
        grad=True,
        grad_vs_tf=True,
        bad=(
            Bad("nan", lambda tf: tf.debugging.check_numerics(c(tf, [1.0, NAN]), "msg")),
            Bad("inf", lambda tf: tf.debugging.check_numerics(c(tf, [1.0, INF]), "msg")),
            Bad("int", lambda tf: tf.debugging.check_numerics(c(tf, [1, 2]), "msg")),
        ),
    ),
    rec(
        "debugging.assert_equal",
        lambda tf, x: tf.debugging.assert_equal(x, x),
        Arg((2, 3)),
        bad=(
            Bad("scalars", lambda tf: tf.debugging.assert_equal(1, 2)),
            Bad(
                "vectors",
                lambda tf: tf.debugging.assert_equal(c(tf, [1.0, 2.0, 3.0]), [1.0, 5.0, 3.0]),
            ),
            Bad(
                "message",
                lambda tf: tf.debugging.assert_equal(
                    c(tf, [1.0, 2.0]), [1.0, 3.0], message="custom"
                ),
            ),
            Bad(
                "summarize",
                lambda tf: tf.debugging.assert_equal(
                    c(tf, np.arange(6.0)), np.zeros(6), summarize=2
                ),
            ),
            Bad("shapes", lambda tf: tf.debugging.assert_equal(tf.ones([2]), tf.ones([3]))),
            Bad("dtypes", lambda tf: tf.debugging.assert_equal(c(tf, [1, 2]), c(tf, [1.0, 2.0]))),
        ),
    ),
    rec("assert_equal", lambda tf, x: tf.assert_equal(x, x), Arg((2,)), variant="toplevel"),
    rec(
        "debugging.assert_less",
        lambda tf, x: tf.debugging.assert_less(x, x + 1),
        Arg((3,)),
        bad=(Bad("fails", lambda tf: tf.debugging.assert_less(c(tf, [1, 5]), c(tf, [2, 4]))),),
    ),
    rec(
        "debugging.assert_less_equal",
        lambda tf, x: tf.debugging.assert_less_equal(x, x),
        Arg((3,)),
        bad=(Bad("fails", lambda tf: tf.debugging.assert_less_equal(c(tf, [3]), c(tf, [2]))),),
    ),
    rec(
        "debugging.assert_greater",
        lambda tf, x: tf.debugging.assert_greater(x + 1, x),
        Arg((3,)),
        bad=(Bad("fails", lambda tf: tf.debugging.assert_greater(c(tf, 1.0), c(tf, 1.0))),),
    ),
    rec(
        "debugging.assert_greater_equal",
        lambda tf, x: tf.debugging.assert_greater_equal(x, x),
        Arg((3,)),
    ),
    rec(
        "debugging.assert_positive",
        lambda tf, x: tf.debugging.assert_positive(x),
        Arg((3,), lo=0.5, hi=2),
        bad=(
            Bad("negative", lambda tf: tf.debugging.assert_positive(c(tf, [1.0, -2.0]))),
            Bad(
                "long",
                lambda tf: tf.debugging.assert_positive(
                    c(tf, [1.0, 2.0, 3.0, -4.0, 5.0]), message="m"
                ),
            ),
        ),
    ),
    rec(
        "debugging.assert_negative",
        lambda tf, x: tf.debugging.assert_negative(x),
        Arg((3,), lo=-2, hi=-0.5),
        bad=(Bad("positive", lambda tf: tf.debugging.assert_negative(c(tf, [1, -2]))),),
    ),
    rec(
        "debugging.assert_non_negative",
        lambda tf, x: tf.debugging.assert_non_negative(x),
        Arg((3,), lo=0, hi=2),
        bad=(Bad("negative", lambda tf: tf.debugging.assert_non_negative(c(tf, [0.0, -2.0]))),),
    ),
    rec(
        "debugging.assert_non_positive",
        lambda tf, x: tf.debugging.assert_non_positive(x),
        Arg((3,), lo=-2, hi=0),
    ),
    rec(
        "debugging.assert_near",
        lambda tf, x: tf.debugging.assert_near(x, x),
        Arg((3,)),
        bad=(
            Bad("far", lambda tf: tf.debugging.assert_near(c(tf, [1.0, 2.0]), [1.0, 2.1])),
            Bad(
                "tolerances",
                lambda tf: tf.debugging.assert_near(
                    c(tf, [1.0, 2.0, 3.0, 4.0]),
                    [1.0, 2.0, 3.0, 4.5],
                    rtol=0.01,
                    atol=0.1,
                    summarize=5,
                ),
            ),
        ),
    ),
    rec(
        "debugging.assert_rank",
        lambda tf, x: tf.debugging.assert_rank(x, 2),
        Arg((2, 3)),
        bad=(
            Bad("wrong rank", lambda tf: tf.debugging.assert_rank(tf.ones([2, 3]), 1)),
            Bad("message", lambda tf: tf.debugging.assert_rank(tf.ones([2]), 0, message="m")),
        ),
    ),
    rec(
        "debugging.assert_shapes",
        lambda tf, x, y: tf.debugging.assert_shapes([(x, ("N", "Q")), (y, ("N",))]),
        Arg((2, 3)),
        Arg((2,)),
        bad=(
            Bad(
                "size",
                lambda tf: tf.debugging.assert_shapes(
                    [(tf.ones([2, 3]), ("N", "Q")), (tf.ones([2, 4]), ("N", "Q"))]
                ),
            ),
            Bad("explicit", lambda tf: tf.debugging.assert_shapes([(tf.ones([2, 3]), (2, 4))])),
            Bad("rank", lambda tf: tf.debugging.assert_shapes([(tf.ones([2, 3]), ("N",))])),
            Bad(
                "ellipsis",
                lambda tf: tf.debugging.assert_shapes([(tf.ones([5, 2, 3]), (..., "A", 4))]),
            ),
        ),
    ),
    rec(
        "debugging.assert_shapes",
        lambda tf, x: tf.debugging.assert_shapes({x: (..., 3)} if False else [(x, (..., 3))]),
        Arg((4, 2, 3)),
        variant="ellipsis",
    ),
]

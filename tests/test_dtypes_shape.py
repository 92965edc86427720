"""`tf.DType`, `tf.as_dtype` and `tf.TensorShape` against TF 2.21.

Each case is a snippet `fn(tf)`; `test_matches_tensorflow` runs it on TensorFlow and on
tfcompat and compares everything (`tfcompare.assert_same`). Cases with an `expect` also
run without TensorFlow against that literal, taken from a TF 2.21 run.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from tfcompare import Raised, assert_same, capture

import tfcompat
import tfcompat as tf

_NO_EXPECTATION = object()


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    expect: Any = _NO_EXPECTATION


DTYPE_NAMES = [
    "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "bool", "complex64", "complex128", "string",
]  # fmt: skip


def _dtype_facts(tf: Any, name: str) -> dict[str, Any]:
    d = getattr(tf, name)
    facts: dict[str, Any] = {
        "repr": repr(d),
        "str": str(d),
        "name": d.name,
        "as_numpy_dtype": d.as_numpy_dtype.__name__,
        "enum": d.as_datatype_enum,
        "base": repr(d.base_dtype),
        "real": repr(d.real_dtype),
        "flags": [
            d.is_floating,
            d.is_integer,
            d.is_complex,
            d.is_bool,
            d.is_unsigned,
            d.is_quantized,
        ],
        "is_numpy_compatible": d.is_numpy_compatible,
        "is_numeric": d.is_numeric,
        "size": d.size,
        "eq_name": d == name,
        "eq_self": d == tf.as_dtype(name),
        "ne_other": d != tf.float32,
        "is": tf.as_dtype(name) is d,
        "eq_none": d == None,  # noqa: E711
        "pickle": repr(pickle.loads(pickle.dumps(d))),
    }
    for limit in ("min", "max"):
        try:
            v = getattr(d, limit)
            facts[limit] = (type(v).__name__, repr(v))
        except Exception as exc:
            facts[limit] = type(exc).__name__
    return facts


DTYPE_CASES = [Case(f"facts-{n}", lambda tf, n=n: _dtype_facts(tf, n)) for n in DTYPE_NAMES]

AS_DTYPE_INPUTS: list[tuple[str, Callable[[Any], Any]]] = [
    ("py-float", lambda tf: float),
    ("py-int", lambda tf: int),
    ("py-bool", lambda tf: bool),
    ("py-complex", lambda tf: complex),
    ("py-str", lambda tf: str),
    ("py-bytes", lambda tf: bytes),
    ("np.float32", lambda tf: np.float32),
    ("np.float64", lambda tf: np.float64),
    ("np.int64", lambda tf: np.int64),
    ("np.bool_", lambda tf: np.bool_),
    ("np.dtype-f16", lambda tf: np.dtype("float16")),
    ("np.dtype-u8", lambda tf: np.dtype("uint8")),
    ("ml_dtypes.bfloat16", lambda tf: ml_dtypes.bfloat16),
    ("np.str_", lambda tf: np.str_),
    ("np.object_", lambda tf: np.object_),
    ("np.dtype-U5", lambda tf: np.dtype("<U5")),
    ("name-half", lambda tf: "half"),
    ("name-double", lambda tf: "double"),
    ("name-float", lambda tf: "float"),
    ("name-bool", lambda tf: "bool"),
    ("name-string", lambda tf: "string"),
    ("name-bogus", lambda tf: "bogus"),
    ("none", lambda tf: None),
    ("list", lambda tf: [1]),
    ("dtype", lambda tf: tf.int16),
    ("int-enum-1", lambda tf: 1),
    ("int-enum-9", lambda tf: 9),
    ("np-array", lambda tf: np.array([1.0])),
    ("tensor", lambda tf: tf.constant(1.0)),
]

AS_DTYPE_CASES = [
    Case(f"as_dtype-{name}", lambda tf, f=f: tf.as_dtype(f(tf))) for name, f in AS_DTYPE_INPUTS
]

DTYPE_MISC_CASES = [
    Case("repr-float32", lambda tf: repr(tf.float32), "tf.float32"),
    Case("str-float32", lambda tf: str(tf.float32), "<dtype: 'float32'>"),
    Case("name", lambda tf: tf.float32.name, "float32"),
    Case("half-is-float16", lambda tf: tf.half is tf.float16, True),
    Case("double-repr", lambda tf: repr(tf.double), "tf.float64"),
    Case("eq-np-type", lambda tf: tf.float32 == np.float32, True),
    Case("eq-np-dtype", lambda tf: tf.float32 == np.dtype("float32"), True),
    Case("eq-name", lambda tf: tf.float32 == "float32", True),
    Case("eq-bad-name", lambda tf: tf.float32 == "bogus", False),
    Case("eq-int-enum", lambda tf: tf.float32 == 1, True),
    Case("ne-np-type", lambda tf: tf.float32 != np.float64, True),
    Case("as_numpy_dtype", lambda tf: tf.float32.as_numpy_dtype is np.float32, True),
    Case("as_dtype-float", lambda tf: repr(tf.as_dtype(float)), "tf.float32"),
    Case("hashable-dict", lambda tf: {tf.float32: 1, tf.int32: 2}[tf.as_dtype("int32")], 2),
    Case("hashable-set", lambda tf: len({tf.float32, tf.as_dtype("float32"), tf.float64}), 2),
    Case("min-float32", lambda tf: tf.float32.min, np.float32(-3.4028235e38)),
    Case("max-int8", lambda tf: tf.int8.max, 127),
    Case("limits-uint8", lambda tf: tf.uint8.limits, (0, 255)),
    Case(
        "is_compatible_with",
        lambda tf: [tf.float32.is_compatible_with(x) for x in ("float32", tf.float64, np.float32)],
    ),
    Case("dtypes-module-same", lambda tf: tf.dtypes.float32 is tf.float32, True),
    Case(
        "dtypes-DType-class",
        lambda tf: isinstance(tf.float32, tf.dtypes.DType) and tf.DType is tf.dtypes.DType,
        True,
    ),
    Case("dtype-of-constant", lambda tf: tf.constant([1, 2]).dtype, _NO_EXPECTATION),
    Case("bool-dtype-name", lambda tf: (tf.bool.name, repr(tf.bool)), ("bool", "tf.bool")),
    Case("string-as_numpy_dtype", lambda tf: tf.string.as_numpy_dtype is object, True),
    Case("bfloat16-numpy", lambda tf: tf.bfloat16.as_numpy_dtype.__name__, "bfloat16"),
]


def S(tf: Any, dims: Any) -> Any:
    return tf.TensorShape(dims)


def Dim(tf: Any, value: Any) -> Any:
    """`Dim(tf, value)`, reached through `TensorShape.dims`."""
    return type(tf.TensorShape([0]).dims[0])(value)


def _shape_cases() -> list[Case]:
    cases = [
        # construction, repr, str
        Case("repr-2x3", lambda tf: repr(S(tf, [2, 3])), "TensorShape([2, 3])"),
        Case("str-2x3", lambda tf: str(S(tf, [2, 3])), "(2, 3)"),
        Case("scalar", lambda tf: (repr(S(tf, [])), str(S(tf, []))), ("TensorShape([])", "()")),
        Case(
            "vector", lambda tf: (repr(S(tf, [1])), str(S(tf, [1]))), ("TensorShape([1])", "(1,)")
        ),
        Case(
            "unknown",
            lambda tf: (repr(S(tf, None)), str(S(tf, None))),
            ("TensorShape(None)", "<unknown>"),
        ),
        Case(
            "partial",
            lambda tf: (repr(S(tf, [None, 3])), str(S(tf, [None, 3]))),
            ("TensorShape([None, 3])", "(None, 3)"),
        ),
        Case("from-int", lambda tf: S(tf, 3), _NO_EXPECTATION),
        Case("from-tuple", lambda tf: S(tf, (4, 5))),
        Case("from-shape", lambda tf: S(tf, S(tf, [1, None]))),
        Case("from-np-int", lambda tf: S(tf, [np.int64(2), np.int32(3)])),
        Case("from-int-tensor", lambda tf: S(tf, tf.constant([1, 2]))),
        Case("from-scalar-tensor-dim", lambda tf: S(tf, [tf.constant(2)])),
        Case("from-str", lambda tf: S(tf, "ab")),
        Case("negative-dim", lambda tf: S(tf, [-1])),
        Case("float-dim", lambda tf: S(tf, [1.5])),
        Case("from-dimension", lambda tf: S(tf, [Dim(tf, 3), Dim(tf, None)])),
        # accessors
        Case("getitem-int", lambda tf: S(tf, [2, 3])[0], 2),
        Case("getitem-neg", lambda tf: S(tf, [2, 3])[-1], 3),
        Case("getitem-none-dim", lambda tf: S(tf, [None, 3])[0], None),
        Case("getitem-slice", lambda tf: repr(S(tf, [1, 2, 3])[1:]), "TensorShape([2, 3])"),
        Case("getitem-step", lambda tf: S(tf, [1, 2, 3])[::2]),
        Case("getitem-out-of-range", lambda tf: S(tf, [1, 2, 3])[5]),
        Case("getitem-unknown-int", lambda tf: S(tf, None)[0], None),
        Case("getitem-unknown-slice", lambda tf: S(tf, None)[1:3]),
        Case("getitem-unknown-open-slice", lambda tf: S(tf, None)[1:]),
        Case("getitem-unknown-neg-slice", lambda tf: S(tf, None)[-1:]),
        Case("as_list", lambda tf: S(tf, [2, 3]).as_list(), [2, 3]),
        Case("as_list-unknown", lambda tf: S(tf, None).as_list()),
        Case("tuple", lambda tf: tuple(S(tf, [2, 3])), (2, 3)),
        Case(
            "rank-ndims-len",
            lambda tf: (S(tf, [2, 3]).rank, S(tf, [2, 3]).ndims, len(S(tf, [2, 3]))),
            (2, 2, 2),
        ),
        Case("rank-unknown", lambda tf: (S(tf, None).rank, S(tf, None).ndims), (None, None)),
        Case("len-unknown", lambda tf: len(S(tf, None))),
        Case("iter-unknown", lambda tf: list(S(tf, None))),
        Case("dims", lambda tf: S(tf, [1, None]).dims),
        Case("dims-unknown", lambda tf: S(tf, None).dims, None),
        Case("num_elements", lambda tf: S(tf, [2, 3]).num_elements(), 6),
        Case("num_elements-scalar", lambda tf: S(tf, []).num_elements(), 1),
        Case("num_elements-partial", lambda tf: S(tf, [2, None]).num_elements(), None),
        Case("num_elements-unknown", lambda tf: S(tf, None).num_elements(), None),
        Case(
            "bool",
            lambda tf: [bool(S(tf, [])), bool(S(tf, [0])), bool(S(tf, None))],
            [True, True, False],
        ),
        # predicates and combinators
        Case(
            "is_fully_defined",
            lambda tf: [S(tf, d).is_fully_defined() for d in ([2], [None], None, [])],
        ),
        Case(
            "is_compatible_with",
            lambda tf: [
                S(tf, [2, 3]).is_compatible_with(d) for d in ([2, 3], [2, None], None, [2], (2, 4))
            ],
        ),
        Case(
            "is_compatible_with-unknown", lambda tf: S(tf, None).is_compatible_with([1, 2, 3]), True
        ),
        Case("is_compatible_with-str", lambda tf: S(tf, [1, 2]).is_compatible_with("ab")),
        Case(
            "assert_is_compatible_with", lambda tf: S(tf, [1, 2]).assert_is_compatible_with([1, 3])
        ),
        Case(
            "assert_is_compatible_with-ok",
            lambda tf: S(tf, [1, 2]).assert_is_compatible_with([None, 2]),
            None,
        ),
        Case("merge_with", lambda tf: S(tf, [1, None]).merge_with([None, 2])),
        Case("merge_with-unknown", lambda tf: S(tf, None).merge_with([3])),
        Case("merge_with-error", lambda tf: S(tf, [1, 2]).merge_with([1, 3])),
        Case("merge_with-rank-error", lambda tf: S(tf, [1, 2]).merge_with([1])),
        Case(
            "most_specific_compatible_shape",
            lambda tf: S(tf, [1, 2]).most_specific_compatible_shape([1, 3]),
        ),
        Case(
            "most_specific_compatible_shape-rank",
            lambda tf: S(tf, [1, 2]).most_specific_compatible_shape([1]),
        ),
        Case("concatenate", lambda tf: S(tf, [2, 3]).concatenate([4]), _NO_EXPECTATION),
        Case("concatenate-unknown", lambda tf: S(tf, None).concatenate([1])),
        Case("add", lambda tf: S(tf, [1, 2]) + S(tf, [3])),
        Case("add-list", lambda tf: S(tf, [1, 2]) + [3]),  # noqa: RUF005
        Case("radd-list", lambda tf: [3] + S(tf, [1, 2])),  # noqa: RUF005
        Case("add-none", lambda tf: S(tf, [1, 2]) + None),
        Case("assert_has_rank", lambda tf: S(tf, [1, 2]).assert_has_rank(3)),
        Case("assert_has_rank-ok", lambda tf: S(tf, [1, 2]).assert_has_rank(2), None),
        Case("with_rank", lambda tf: S(tf, [1, 2]).with_rank(3)),
        Case("with_rank-unknown", lambda tf: S(tf, None).with_rank(2)),
        Case("with_rank_at_least", lambda tf: S(tf, [1, 2]).with_rank_at_least(3)),
        Case("with_rank_at_least-ok", lambda tf: S(tf, [1, 2]).with_rank_at_least(1)),
        Case("with_rank_at_most", lambda tf: S(tf, [1, 2]).with_rank_at_most(1)),
        Case("with_rank_at_most-ok", lambda tf: S(tf, [1, 2]).with_rank_at_most(2)),
        Case("assert_same_rank", lambda tf: S(tf, [1, 2]).assert_same_rank([1])),
        Case("assert_same_rank-ok", lambda tf: S(tf, [1, 2]).assert_same_rank(None), None),
        Case("assert_is_fully_defined", lambda tf: S(tf, [None, 2]).assert_is_fully_defined()),
        Case(
            "is_subtype_of",
            lambda tf: [
                S(tf, [1, 2]).is_subtype_of(S(tf, d)) for d in ([1, None], [1, 2], None, [2, 2])
            ],
        ),
        # equality and hashing
        Case(
            "eq-tuple-list-shape",
            lambda tf: [S(tf, [2, 3]) == o for o in ((2, 3), [2, 3], S(tf, [2, 3]))],
            [True] * 3,
        ),
        Case("eq-partial", lambda tf: S(tf, [2, None]) == (2, None), True),
        Case("eq-unknown", lambda tf: (S(tf, None) == S(tf, None), S(tf, None) != S(tf, None))),
        Case("eq-none", lambda tf: (S(tf, [2, 3]) == None, S(tf, [2, 3]) != None)),  # noqa: E711
        Case("eq-other", lambda tf: [S(tf, [1, 2]) == o for o in ("ab", 3, [1, 2, 3], [1, None])]),
        Case("ne", lambda tf: [S(tf, [1, 2]) != o for o in ((1, 2), (1, 3), [1])]),
        Case("hash", lambda tf: hash(S(tf, [1, 2])) == hash(S(tf, (1, 2))), True),
        Case("dict-key", lambda tf: {S(tf, [1, 2]): "a"}[S(tf, [1, 2])], "a"),
        Case("pickle", lambda tf: pickle.loads(pickle.dumps(S(tf, [1, None])))),
        Case("pickle-unknown", lambda tf: pickle.loads(pickle.dumps(S(tf, None)))),
        # Dimension (tf.compat.v1.Dimension, what `TensorShape.dims` holds)
        Case("dimension", lambda tf: [repr(d) + "|" + str(d) for d in S(tf, [3, None]).dims]),
        Case("dimension-value", lambda tf: [d.value for d in S(tf, [3, None]).dims], [3, None]),
        Case("dimension-eq", lambda tf: [Dim(tf, 3) == o for o in (3, Dim(tf, 3), 4)]),
        Case("dimension-eq-unknown", lambda tf: Dim(tf, None) == 3, None),
        Case("dimension-int", lambda tf: int(Dim(tf, 3)), 3),
        Case("dimension-ne", lambda tf: [Dim(tf, 3) != o for o in (3, 4, None)]),
        Case(
            "dimension-arith",
            lambda tf: [
                Dim(tf, 6) + 1,
                Dim(tf, 6) - Dim(tf, 2),
                Dim(tf, 6) * Dim(tf, None),
                Dim(tf, 7) // 2,
                14 // Dim(tf, 4),
                Dim(tf, 7) % 4,
            ],
        ),
        Case("dimension-truediv", lambda tf: Dim(tf, 6) / 2),
        Case(
            "dimension-compare",
            lambda tf: [Dim(tf, 3) < 4, Dim(tf, 3) >= Dim(tf, None), Dim(tf, 3) > 4],
        ),
        Case(
            "dimension-merge", lambda tf: [Dim(tf, None).merge_with(3), Dim(tf, 3).merge_with(None)]
        ),
        Case("dimension-merge-error", lambda tf: Dim(tf, 3).merge_with(4)),
        Case("dimension-negative", lambda tf: Dim(tf, -2)),
        Case("dimension-hash", lambda tf: hash(Dim(tf, 3))),
        Case("dimension-pickle", lambda tf: pickle.loads(pickle.dumps(Dim(tf, 3)))),
    ]
    return cases


SHAPE_CASES = _shape_cases()

# `.shape`, `.ndim` and `tf.shape`/`tf.rank`/`tf.size` of tensors.
TENSOR_SHAPE_CASES = [
    Case("tensor-shape", lambda tf: tf.constant([[1, 2, 3], [4, 5, 6]]).shape),
    Case(
        "tensor-shape-repr",
        lambda tf: repr(tf.constant([[1, 2, 3], [4, 5, 6]]).shape),
        "TensorShape([2, 3])",
    ),
    Case("tensor-get_shape", lambda tf: tf.constant([1.0]).get_shape()),
    Case("tensor-ndim", lambda tf: (tf.constant([[1.0]]).ndim, tf.constant(1.0).ndim), (2, 0)),
    Case("tf.shape", lambda tf: tf.shape(tf.zeros([2, 3]))),
    Case("tf.rank", lambda tf: tf.rank(tf.zeros([2, 3]))),
    Case("tf.size", lambda tf: tf.size(tf.zeros([2, 3]))),
    Case("variable-shape", lambda tf: tf.Variable(tf.zeros([2, 3])).shape),
]

ALL_CASES = DTYPE_CASES + AS_DTYPE_CASES + DTYPE_MISC_CASES + SHAPE_CASES + TENSOR_SHAPE_CASES
LITERAL_CASES = [c for c in ALL_CASES if c.expect is not _NO_EXPECTATION]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn)


@pytest.mark.parametrize("case", LITERAL_CASES, ids=lambda c: c.id)
def test_matches_spec(case: Case) -> None:
    assert_same(case.expect, capture(case.fn, tfcompat))


# -- behaviour that needs no TensorFlow ---------------------------------------------------


def test_dtypes_are_singletons() -> None:
    for name in DTYPE_NAMES:
        assert tf.as_dtype(name) is getattr(tf, name)
        assert tf.as_dtype(getattr(tf, name)) is getattr(tf, name)


def test_as_dtype_rejects_unknown_with_tf_message() -> None:
    got = capture(lambda tf: tf.as_dtype(None), tfcompat)
    assert got == Raised(
        TypeError, "Cannot convert the argument `type_value`: None to a TensorFlow DType."
    )


def test_floating_and_trainable_sets() -> None:
    floating = {n for n in DTYPE_NAMES if getattr(tf, n).is_floating}
    assert floating == {"float16", "bfloat16", "float32", "float64"}
    integer = {n for n in DTYPE_NAMES if getattr(tf, n).is_integer}
    assert integer == {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


def test_shape_index_returns_int_and_slice_returns_shape() -> None:
    s = tf.TensorShape([2, 3, 4])
    assert type(s[1]) is int
    assert isinstance(s[1:], tf.TensorShape)
    assert s[1:] == (3, 4)


def test_shape_inequality_is_not_equality() -> None:
    assert tf.TensorShape([1, 2]) != tf.TensorShape([1, 3])
    assert (tf.TensorShape([1, 2]) != tf.TensorShape([1, 2])) is False

"""`tf.Variable` against TF 2.21.

Constructor and dtype inference (6.1), names (6.2), repr/str (6.3), `assign*` and the
live alias (6.4), reading (6.5), arithmetic (6.6), in-place operators (6.7) and the
Python protocols (6.8). Each case is a snippet `fn(tf)` run on TensorFlow and on tfcompat;
cases with an `expect` literal (from a TF 2.21 run) also run without TensorFlow.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np
import pytest
from tfcompare import (
    AMBIGUOUS,
    NONE_UNSUPPORTED,
    Raised,
    assert_same,
    capture,
    cpu_kernel,
    signature_of,
)

import tfcompat
import tfcompat as tf

_NO_EXPECTATION = object()
# TF's device string for the backend JAX runs on (TF was run on CPU).
DEVICE = "/job:localhost/replica:0/task:0/device:{}:0".format(
    {"cpu": "CPU", "gpu": "GPU", "cuda": "GPU", "rocm": "GPU", "tpu": "TPU"}[jax.default_backend()]
)
IAE = tfcompat.errors.InvalidArgumentError


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    expect: Any = _NO_EXPECTATION
    message: bool = True


def V(tf: Any, value: Any = 1.0, **kwargs: Any) -> Any:
    return tf.Variable(value, **kwargs)


def _mro(tf: Any) -> list[str]:
    return [c.__name__ for c in type(tf.Variable(1.0)).__mro__[:3]]


# -- 6.1 constructor ------------------------------------------------------------------
CONSTRUCTOR = [
    Case("signature", lambda tf: signature_of(tf.Variable.__init__)),
    Case("type", lambda tf: type(V(tf)).__name__, "ResourceVariable"),
    Case("mro", _mro, ["ResourceVariable", "BaseResourceVariable", "Variable"]),
    Case("type-is-not-Variable", lambda tf: type(V(tf)) is tf.Variable, False),
    Case("isinstance-Variable", lambda tf: isinstance(V(tf), tf.Variable), True),
    Case("isinstance-Tensor", lambda tf: isinstance(V(tf), tf.Tensor), False),
    Case("is_tensor", lambda tf: tf.is_tensor(V(tf)), True),
    Case(
        "no-initial-value",
        lambda tf: tf.Variable(),
        Raised(
            ValueError,
            "The `initial_value` arg to `tf.Variable` must be specified except when you are not "
            "providing a `variable_def`. You provided neither.",
        ),
    ),
    Case("callable", lambda tf: tf.Variable(lambda: tf.zeros(2))),
    Case("from-variable", lambda tf: tf.Variable(tf.Variable([1.0, 2.0], name="src"))),
    Case("from-tensor", lambda tf: tf.Variable(tf.constant([1, 2]))),
    Case("py-float", lambda tf: V(tf, 1.5).dtype.name, "float32"),
    Case("py-int", lambda tf: V(tf, 1).dtype.name, "int32"),
    Case("np-float64", lambda tf: V(tf, np.array([1.0])).dtype.name, "float64"),
    Case("bool", lambda tf: V(tf, True)),
    Case("int-as-float32", lambda tf: V(tf, 1, dtype=tf.float32)),
    Case("dtype-string", lambda tf: V(tf, 1, dtype="float32")),
    Case(
        "lossy",
        lambda tf: V(tf, 1.5, dtype=tf.int32),
        Raised(TypeError, "Cannot convert 1.5 to EagerTensor of dtype int32"),
    ),
    Case("tensor-other-dtype", lambda tf: tf.Variable(tf.constant(1.0), dtype=tf.float64)),
    Case("variable-other-dtype", lambda tf: tf.Variable(tf.Variable(1.0), dtype=tf.float64)),
    Case("np-as-float32", lambda tf: V(tf, np.array([1.5]), dtype=tf.float32)),
    Case("none-value-in-list", lambda tf: V(tf, [1.0, None])),
    Case("trainable-default", lambda tf: [V(tf, 1.0).trainable, V(tf, 1).trainable], [True, True]),
    Case("trainable-false", lambda tf: V(tf, trainable=False).trainable, False),
    Case("trainable-not-validated", lambda tf: V(tf, trainable="yes").trainable, "yes"),
    Case("shape-none-dim", lambda tf: repr(V(tf, [1.0], shape=[None]))),
    Case("shape-unknown", lambda tf: repr(V(tf, [1.0], shape=tf.TensorShape(None)))),
    Case("shape-property-relaxed", lambda tf: V(tf, [1.0], shape=[None]).shape),
    Case(
        "shape-incompatible",
        lambda tf: V(tf, [1.0, 2.0], shape=[3]),
        Raised(
            ValueError,
            "In this `tf.Variable` creation, the initial value's shape ((2,)) is not compatible "
            "with "
            "the explicitly supplied `shape` argument ([3]).",
        ),
    ),
    Case("shape-matching", lambda tf: V(tf, [1.0, 2.0], shape=[2])),
    Case(
        "initial_value",
        lambda tf: V(tf).initial_value,
        Raised(RuntimeError, "This property is not supported when eager execution is enabled."),
    ),
    Case("constraint", lambda tf: V(tf).constraint, None),
    Case(
        "synchronization",
        lambda tf: repr(V(tf).synchronization),
        "<VariableSynchronization.AUTO: 0>",
    ),
    Case("aggregation", lambda tf: repr(V(tf).aggregation), "<VariableAggregation.NONE: 0>"),
    Case("string-variable", lambda tf: V(tf, "abc")),
    Case("complex-variable", lambda tf: V(tf, 1 + 2j)),
    Case("float16-variable", lambda tf: V(tf, [0.1, 2.0], dtype=tf.float16)),
]

# -- 6.2 names --------------------------------------------------------------------------------
NAMES = [
    Case("name", lambda tf: V(tf, name="w").name, "w:0"),
    Case("not-uniquified", lambda tf: [V(tf, name="w").name, V(tf, name="w").name], ["w:0", "w:0"]),
    Case("default", lambda tf: V(tf).name, "Variable:0"),
    Case("colon-appended-again", lambda tf: V(tf, name="w:0").name, "w:0:0"),
    Case("slash-kept", lambda tf: V(tf, name="a/b").name, "a/b:0"),
    Case(
        "name-scope", lambda tf: _in_scope(tf, "outer", lambda: V(tf, name="w").name), "outer/w:0"
    ),
    Case(
        "nested-name-scope",
        lambda tf: _in_scope(tf, "a", lambda: _in_scope(tf, "b", lambda: V(tf).name)),
    ),
    Case("name-scope-value", lambda tf: _scope_value(tf)),
]


def _in_scope(tf: Any, name: str, fn: Callable[[], Any]) -> Any:
    with tf.name_scope(name):
        return fn()


def _scope_value(tf: Any) -> Any:
    with tf.name_scope("outer") as scope:
        return scope


# -- 6.3 repr and str -------------------------------------------------------------------------
def _text(v: Any) -> tuple[str, str]:
    return repr(v), str(v)


REPRS = [
    Case(
        "repr-scalar",
        lambda tf: _text(V(tf, 3.0)),
        (
            "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>",
            "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=3.0>",
        ),
    ),
    Case("repr-0.1", lambda tf: _text(V(tf, 0.1))),
    Case("repr-int", lambda tf: _text(V(tf, 3, name="i"))),
    Case("repr-bool", lambda tf: _text(V(tf, True))),
    Case("repr-vector", lambda tf: _text(V(tf, [1.0, 2.0], name="v"))),
    Case("repr-float64", lambda tf: _text(V(tf, np.array([1.0, 2.0])))),
    Case(
        "repr-matrix",
        lambda tf: _text(V(tf, tf.ones([3, 2]), name="w")),
        (
            "<tf.Variable 'w:0' shape=(3, 2) dtype=float32, numpy=\n"
            "array([[1., 1.],\n       [1., 1.],\n       [1., 1.]], dtype=float32)>",
        )
        * 2,
    ),
    Case("repr-string", lambda tf: _text(V(tf, "abc"))),
    Case("repr-relaxed-shape", lambda tf: _text(V(tf, [1.0], shape=[None]))),
    Case(
        "format-spec",
        lambda tf: f"{V(tf, 2.5):.2f}",
        Raised(TypeError, "unsupported format string passed to ResourceVariable.__format__"),
    ),
    Case("format-empty", lambda tf: f"{V(tf, 2.5)}"),
    Case("in-list", lambda tf: str([V(tf, 2.5)])),
]


# -- 6.4 assign / assign_add / assign_sub ----------------------------------------------------
def _alias(tf: Any) -> Any:
    v = V(tf, 1.0)
    r = v.assign(2.0)
    v.assign(9.0)
    r.assign_add(1.0)
    return [float(r.numpy()), float(v.numpy())]


def _chained(tf: Any) -> Any:
    v = V(tf, 1.0)
    r = v.assign(2.0).assign_add(1.0)
    return [r, v]


def _slice_assign(tf: Any) -> Any:
    v = V(tf, [1.0, 2.0, 3.0])
    out = v[0].assign(99.0)
    return [v, out]


def _slice_assign_2d(tf: Any) -> Any:
    v = V(tf, [[1.0, 2.0], [3.0, 4.0]])
    v[:, 1].assign([7.0, 8.0])
    return v


def _scatter(tf: Any) -> Any:
    v = V(tf, [1.0, 2.0, 3.0, 4.0])
    out = v.scatter_nd_update([[1], [3]], [10.0, 30.0])
    return [v, out]


ASSIGN = [
    Case("signature-assign", lambda tf: signature_of(V(tf).assign)),
    Case("signature-assign_add", lambda tf: signature_of(V(tf).assign_add)),
    Case("signature-assign_sub", lambda tf: signature_of(V(tf).assign_sub)),
    Case("returns-unread", lambda tf: type(V(tf).assign(2.0)).__name__, "_UnreadVariable"),
    Case("unread-is-variable", lambda tf: isinstance(V(tf).assign(2.0), tf.Variable), True),
    Case("unread-name", lambda tf: V(tf).assign(2.0).name, "UnreadVariable"),
    Case(
        "unread-repr",
        lambda tf: _text(V(tf, [1.0, 2.0]).assign([3.0, 4.0])),
        (
            "<tf.Variable 'UnreadVariable' shape=(2,) dtype=float32, "
            "numpy=array([3., 4.], dtype=float32)>",
        )
        * 2,
    ),
    Case("unread-trainable", lambda tf: V(tf, trainable=False).assign(2.0).trainable, True),
    Case("live-alias", _alias, [10.0, 10.0]),
    Case("read_value-false", lambda tf: V(tf).assign(2.0, read_value=False), None),
    Case("assign_add-read_value-false", lambda tf: V(tf).assign_add(2.0, read_value=False), None),
    Case("chained", _chained),
    Case("assign_sub", lambda tf: V(tf, [5.0, 6.0]).assign_sub([1.0, 2.0])),
    Case(
        "assign-shape-error",
        lambda tf: V(tf, [1.0, 2.0], name="v").assign([1.0, 2.0, 3.0]),
        Raised(
            ValueError,
            "Cannot assign value to variable ' v:0': Shape mismatch.The variable shape (2,), "
            "and the "
            "assigned value shape (3,) are incompatible.",
        ),
    ),
    Case("assign-scalar-not-broadcast", lambda tf: V(tf, [1.0, 2.0], name="v").assign(1.0)),
    Case(
        "assign_add-shape-error",
        lambda tf: V(tf, [1.0, 2.0]).assign_add([1.0, 2.0, 3.0]),
        Raised(
            IAE,
            cpu_kernel("AssignAddVariableOp")
            + "Cannot update variable with shape [2] using a Tensor with shape [3], "
            "shapes must be equal. "
            "[Op:AssignAddVariableOp] name: ",
        ),
    ),
    Case("assign_add-scalar", lambda tf: V(tf, [1.0, 2.0]).assign_add(1.0)),
    Case("assign_sub-shape-error", lambda tf: V(tf, [1.0, 2.0]).assign_sub([[1.0, 2.0]])),
    Case("assign-relaxed-shape", lambda tf: V(tf, [1.0], shape=[None]).assign([1.0, 2.0])),
    Case("assign-list", lambda tf: V(tf, [1.0, 2.0]).assign([3, 4])),
    Case("assign-np-float64", lambda tf: V(tf, [1.0, 2.0]).assign(np.array([3.0, 4.0]))),
    Case(
        "assign-tensor-other-dtype",
        lambda tf: V(tf, [1.0, 2.0]).assign(tf.constant([1.0, 2.0], tf.float64)),
        Raised(
            ValueError,
            "Tensor conversion requested dtype float32 for Tensor with dtype float64: "
            "<tf.Tensor: shape=(2,), dtype=float64, numpy=array([1., 2.])>",
        ),
    ),
    Case(
        "assign_add-tensor-other-dtype",
        lambda tf: V(tf, [1.0]).assign_add(tf.constant([1.0], tf.float64)),
    ),
    Case(
        "assign-variable-other-dtype",
        lambda tf: V(tf, [1.0]).assign(tf.Variable([1.0], dtype=tf.float64)),
    ),
    Case("assign-variable", lambda tf: V(tf, [1.0]).assign(tf.Variable([5.0]))),
    Case(
        "assign-lossy",
        lambda tf: V(tf, 1).assign(2.5),
        Raised(TypeError, "Cannot convert 2.5 to EagerTensor of dtype int32"),
    ),
    Case(
        "assign-string",
        lambda tf: V(tf, 1.0).assign("abc"),
        Raised(TypeError, "Cannot convert 'abc' to EagerTensor of dtype float"),
    ),
    Case("assign-none", lambda tf: V(tf, 1.0).assign(None)),
    Case("assign-int-overflow", lambda tf: V(tf, 1).assign(2**40)),
    Case("slice-assign", _slice_assign),
    Case("slice-assign-2d", _slice_assign_2d),
    Case(
        "setitem",
        lambda tf: V(tf, [1.0]).__setitem__(0, 1.0),
        Raised(AttributeError, "'ResourceVariable' object has no attribute '__setitem__'"),
    ),
    Case("scatter_nd_update", _scatter),
]


# -- 6.5 reading -------------------------------------------------------------------------------
READING = [
    Case("read_value", lambda tf: V(tf, [1.0]).read_value()),
    Case("value", lambda tf: V(tf, [1.0]).value()),
    Case("read-type", lambda tf: type(V(tf).read_value()).__name__, "EagerTensor"),
    Case("numpy-scalar", lambda tf: V(tf, 3.0).numpy(), np.float32(3.0)),
    Case("numpy-array", lambda tf: V(tf, [1, 2]).numpy()),
    Case("np-asarray", lambda tf: np.asarray(V(tf, 3.0))),
    Case("np-asarray-dtype", lambda tf: np.asarray(V(tf, [3.0]), dtype=np.float64)),
    Case("getitem", lambda tf: V(tf, [1.0, 2.0])[0]),
    Case("getitem-slice", lambda tf: V(tf, [[1.0, 2.0]])[:, 1:]),
    Case("list", lambda tf: list(V(tf, [1.0, 2.0]))),
    Case(
        "len",
        lambda tf: len(V(tf, [1.0, 2.0])),
        Raised(TypeError, "object of type 'ResourceVariable' has no len()"),
    ),
    Case("ndim", lambda tf: V(tf).ndim, message=False),
    Case("shape", lambda tf: V(tf, [[1.0]]).shape),
    Case("get_shape", lambda tf: V(tf, [[1.0]]).get_shape()),
    Case("dtype", lambda tf: V(tf, [[1.0]]).dtype),
    Case("device", lambda tf: V(tf).device, DEVICE),
    Case("iter-scalar", lambda tf: list(V(tf))),
    Case(
        "read-is-snapshot",
        lambda tf: (lambda v: (lambda r: (v.assign(5.0), r)[1])(v.read_value()))(V(tf, 1.0)),
    ),
]

# -- 6.6 arithmetic returns Tensors ------------------------------------------------------------
ARITHMETIC = [
    Case("add", lambda tf: V(tf, 2.0) + 1.0),
    Case("radd", lambda tf: 1.0 + V(tf, 2.0)),
    Case("mul", lambda tf: (lambda v: v * v)(V(tf, 2.0))),
    Case("neg", lambda tf: -V(tf, 2.0)),
    Case("pow", lambda tf: V(tf, 2.0) ** 2),
    Case("matmul", lambda tf: V(tf, [[1.0, 2.0]]) @ V(tf, [[3.0], [4.0]])),
    Case(
        "types", lambda tf: sorted({type(x).__name__ for x in _arith_results(tf)}), ["EagerTensor"]
    ),
    Case("int-scalar-takes-dtype", lambda tf: (V(tf, 2.0) + 1).dtype.name, "float32"),
    Case(
        "int-var-plus-float",
        lambda tf: V(tf, 1) + 1.0,
        Raised(
            IAE,
            "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor "
            "but is a float "
            "tensor [Op:AddV2] name: ",
        ),
    ),
    Case("f32-var-plus-f64-var", lambda tf: V(tf, 1.0) + V(tf, 1.0, dtype=tf.float64)),
    Case("abs", lambda tf: abs(V(tf, -2.0))),
    Case("compare", lambda tf: V(tf, [1.0, 3.0]) > 2.0),
    Case("tf-function-of-variable", lambda tf: tf.square(V(tf, 3.0))),
]


def _arith_results(tf: Any) -> list[Any]:
    v, w = V(tf, [[1.0, 2.0]]), V(tf, [[3.0], [4.0]])
    return [v + 1.0, 1.0 + v, v * v, -v, v**2, v @ w, v - v, v / 2.0]


# -- 6.7 in-place operators raise ---------------------------------------------------------------
def _inplace(op: str) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        v = V(tf, 4.0)
        getattr(operator, op)(v, 2.0)
        return v

    return fn


INPLACE = [
    # On CPU with oneDNN, TF's MatMul error names `_MklMatMul`: compare the class only.
    Case(f"inplace-{op}", _inplace(op), message=op != "imatmul")
    for op in (
        "iadd",
        "isub",
        "imul",
        "itruediv",
        "ipow",
        "ifloordiv",
        "imod",
        "imatmul",
        "iand",
        "ior",
    )
]

# -- 6.8 Python protocols --------------------------------------------------------------------
PROTOCOLS = [
    Case(
        "bool",
        lambda tf: [bool(V(tf, 0.0)), bool(V(tf, 2.0)), bool(V(tf, [1.0]))],
        [False, True, True],
    ),
    Case(
        "bool-many",
        lambda tf: bool(V(tf, [1.0, 2.0])),
        Raised(
            ValueError,
            AMBIGUOUS,
        ),
    ),
    Case("bool-empty", lambda tf: bool(V(tf, tf.zeros([0])))),
    Case("float", lambda tf: float(V(tf, 2.5)), 2.5),
    Case("int", lambda tf: int(V(tf, 2.7)), 2),
    Case(
        "float-vector",
        lambda tf: float(V(tf, [1.0, 2.0])),
        Raised(TypeError, "only 0-dimensional arrays can be converted to Python scalars"),
    ),
    Case(
        "no-index",
        lambda tf: [10, 20, 30][V(tf, 1)],
        Raised(TypeError, "list indices must be integers or slices, not ResourceVariable"),
    ),
    Case(
        "operator-index",
        lambda tf: operator.index(V(tf, 1)),
        Raised(TypeError, "'ResourceVariable' object cannot be interpreted as an integer"),
    ),
    Case(
        "hash",
        lambda tf: hash(V(tf, 1.0, name="h")),
        Raised(
            TypeError,
            "Variable is unhashable. Instead, use variable.ref() as the key. "
            "(Variable: <tf.Variable 'h:0' shape=() dtype=float32, numpy=1.0>)",
        ),
    ),
    Case("set", lambda tf: {V(tf, 1.0)}),
    Case("dict-key", lambda tf: {V(tf, 1.0): 1}),
    Case(
        "ref",
        lambda tf: (
            lambda v: [v.ref() == v.ref(), v.ref().deref() is v, hash(v.ref()) == hash(v.ref())]
        )(V(tf)),
        [True, True, True],
    ),
    Case("ref-other", lambda tf: V(tf).ref() == V(tf).ref(), False),
    Case("ref-dict", lambda tf: (lambda v: {v.ref(): "a"}[v.ref()])(V(tf)), "a"),
    Case("eq", lambda tf: V(tf, [1.0, 2.0]) == V(tf, [1.0, 3.0])),
    Case("ne", lambda tf: V(tf, [1.0, 2.0]) != [1.0, 3.0]),
    Case("eq-shape-mismatch", lambda tf: V(tf, [1.0, 2.0]) == V(tf, [1.0, 2.0, 3.0])),
    Case("ne-shape-mismatch", lambda tf: V(tf, [1.0, 2.0]) != tf.constant([1.0, 2.0, 3.0])),
    Case(
        "eq-none",
        lambda tf: V(tf, 1.0) == None,  # noqa: E711
        Raised(
            ValueError,
            NONE_UNSUPPORTED,
        ),
    ),
    Case("ne-none", lambda tf: V(tf, 1.0) != None),  # noqa: E711
    Case("eq-dtype-mismatch", lambda tf: V(tf, 1.0) == V(tf, 1)),
    Case("in-list", lambda tf: V(tf, 1.0) in [V(tf, 2.0)], False),
    Case("in-list-same", lambda tf: (lambda v: v in [V(tf, 2.0), v])(V(tf, 1.0)), True),
    Case("copy", lambda tf: (lambda v: copy.copy(v) is v)(V(tf)), True),
    Case(
        "deepcopy",
        lambda tf: (
            lambda v: (lambda c: [c is v, c.name, c.numpy(), c.trainable])(copy.deepcopy(v))
        )(V(tf, [1.0], name="d", trainable=False)),
    ),
    Case(
        "deepcopy-independent",
        lambda tf: (lambda v: (lambda c: (v.assign([5.0]), c)[1])(copy.deepcopy(v)))(V(tf, [1.0])),
    ),
]

ALL_CASES = CONSTRUCTOR + NAMES + REPRS + ASSIGN + READING + ARITHMETIC + INPLACE + PROTOCOLS
LITERAL_CASES = [c for c in ALL_CASES if c.expect is not _NO_EXPECTATION]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, message=case.message)


@pytest.mark.parametrize("case", LITERAL_CASES, ids=lambda c: c.id)
def test_matches_spec(case: Case) -> None:
    assert_same(case.expect, capture(case.fn, tfcompat), message=case.message)


# -- behaviour that needs no TensorFlow ------------------------------------------------------


def test_inplace_add_raises_and_leaves_variable() -> None:
    v = tf.Variable(1.0)
    with pytest.raises(
        RuntimeError, match=r"`variable \+= value` with `tf.Variable`s is not supported"
    ):
        v += 1.0
    assert isinstance(v, tf.Variable) and float(v) == 1.0


def test_assign_alias_shares_storage() -> None:
    v = tf.Variable([1.0, 2.0])
    alias = v.assign_add([1.0, 1.0])
    v.assign([0.0, 0.0])
    assert alias.numpy().tolist() == [0.0, 0.0]


def test_variable_is_not_a_tensor_but_converts() -> None:
    v = tf.Variable([1.0, 2.0])
    assert not isinstance(v, tf.Tensor)
    assert isinstance(tf.convert_to_tensor(v), tf.Tensor)

"""Retracing keys as TF 2.21 builds them: built-in trace types of Python values and the
`tf.types.experimental.TraceType` protocol (`__tf_tracing_type__`), compared with real TF
by tracing counts, results and exception classes/messages."""

from __future__ import annotations

import collections
import dataclasses
import enum
from typing import Any

import numpy as np
import pytest

P = collections.namedtuple("P", "x y")
Q = collections.namedtuple("Q", "x y")


@dataclasses.dataclass(frozen=True)
class FrozenDC:
    a: int


@dataclasses.dataclass
class MutableDC:
    a: int


class Hashable:
    def __init__(self, a: int) -> None:
        self.a = a

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hashable) and other.a == self.a

    def __hash__(self) -> int:
        return hash(self.a)


class Color(enum.Enum):
    R = 1
    G = 2


_OBJ = object()


def _count(tf: Any, calls: list[tuple[Any, ...]]) -> Any:
    @tf.function
    def f(*a):
        return tf.constant(1)

    for c in calls:
        f(*c)
    return f.experimental_get_tracing_count()


_CASES: dict[str, Any] = {
    "int_bool": lambda tf: [(1,), (True,)],
    "int_float": lambda tf: [(1,), (1.0,)],
    "int_2": lambda tf: [(1,), (2,)],
    "str": lambda tf: [("a",), ("a",), ("b",)],
    "none": lambda tf: [(None,), (None,)],
    "tuple_list": lambda tf: [((1, 2),), ([1, 2],)],
    "namedtuple_same": lambda tf: [(P(1, 2),), (P(1, 2),)],
    "namedtuple_other": lambda tf: [(P(1, 2),), (Q(1, 2),)],
    "namedtuple_tuple": lambda tf: [(P(1, 2),), ((1, 2),)],
    "frozen_dataclass_equal": lambda tf: [(FrozenDC(1),), (FrozenDC(1),)],
    "frozen_dataclass_other": lambda tf: [(FrozenDC(1),), (FrozenDC(2),)],
    "hashable_by_value": lambda tf: [(Hashable(1),), (Hashable(1),), (Hashable(2),)],
    "object_same": lambda tf: [(_OBJ,), (_OBJ,)],
    "object_new": lambda tf: [(object(),), (object(),)],
    "enum": lambda tf: [(Color.R,), (Color.R,), (Color.G,)],
    "dict_order": lambda tf: [({"a": 1, "b": 2},), ({"b": 2, "a": 1},)],
    "tensor_numpy": lambda tf: [(tf.constant([1.0]),), (np.array([1.0], dtype="float32"),)],
    "list_length": lambda tf: [([tf.constant(1.0)],), ([tf.constant(1.0), tf.constant(1.0)],)],
    "function": lambda tf: [(len,), (len,), (abs,)],
    "dtype": lambda tf: [(tf.float32,), (tf.float32,), (tf.int32,)],
    "tensor_shape": lambda tf: [
        (tf.TensorShape([2]),),
        (tf.TensorShape([2]),),
        (tf.TensorShape([3]),),
    ],
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_builtin_trace_types(run_both: Any, name: str) -> None:
    run_both(lambda tf: _count(tf, _CASES[name](tf)))


def test_variables_by_shape_trainable_and_aliasing(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v1, v2 = tf.Variable(1.0), tf.Variable(2.0)
        v3, v4 = tf.Variable([1.0]), tf.Variable(1.0, trainable=False)
        return [
            _count(tf, [(v1,), (v2,)]),
            _count(tf, [(v1,), (v3,)]),
            _count(tf, [(v1,), (v4,)]),
            _count(tf, [(v1, v1), (v1, v2)]),
            _count(tf, [(v1, v2), (v2, v1)]),
        ]

    run_both(fn)


def test_aliased_variable_argument_updates(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v = tf.Variable(1.0)

        @tf.function
        def f(a, b):
            a.assign_add(1.0)
            return b.read_value()

        return [f(v, v), v.read_value(), f.experimental_get_tracing_count()]

    run_both(fn)


def test_unhashable_argument_is_type_error(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def f(x):
            return tf.constant(1)

        return f([MutableDC(1)])

    run_both(fn)


def test_tensor_spec_as_call_argument(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def f(x):
            return x

        return f(tf.TensorSpec([2]))

    # TF names its own TensorSpec class in the message
    result = run_both(fn, message=False)
    assert "Attempt to convert a value (TensorSpec(shape=(2,)" in result.message


def _fruit_classes(tf: Any) -> Any:
    """The example of TF's `TraceType` documentation."""

    class FruitTraceType(tf.types.experimental.TraceType):
        def __init__(self, fruit):
            self.fruit_type = type(fruit)
            self.fruit_value = fruit

        def is_subtype_of(self, other):
            return type(other) is FruitTraceType and self.fruit_type is other.fruit_type

        def most_specific_common_supertype(self, others):
            return self if all(self == other for other in others) else None

        def placeholder_value(self, placeholder_context=None):
            return self.fruit_value

        def __eq__(self, other):
            return self is other

        def __hash__(self):
            return id(self)

    class Fruit:
        flavor = tf.constant([0, 0])

        def __tf_tracing_type__(self, context):
            return FruitTraceType(self)

    class Apple(Fruit):
        flavor = tf.constant([1, 2])

    class Mango(Fruit):
        flavor = tf.constant([3, 4])

    return Apple, Mango


def test_trace_type_protocol_fruit_example(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        Apple, Mango = _fruit_classes(tf)

        @tf.function
        def get_mixed_flavor(fruit_a, fruit_b):
            return fruit_a.flavor + fruit_b.flavor

        out = [get_mixed_flavor(Apple(), Mango()), get_mixed_flavor(Apple(), Mango())]
        out.append(get_mixed_flavor.experimental_get_tracing_count())
        out.append(get_mixed_flavor(Mango(), Apple()))
        out.append(get_mixed_flavor.experimental_get_tracing_count())
        return out

    run_both(fn)


def _dimension_type(tf: Any) -> Any:
    class Dim(tf.types.experimental.TraceType):
        def __init__(self, value):
            self.value = value

        def is_subtype_of(self, other):
            return isinstance(other, Dim) and (self.value == other.value or other.value is None)

        def most_specific_common_supertype(self, others):
            if all(isinstance(o, Dim) and o.value == self.value for o in others):
                return self
            return Dim(None)

        def placeholder_value(self, placeholder_context=None):
            return self.value

        def __eq__(self, other):
            return isinstance(other, Dim) and self.value == other.value

        def __hash__(self):
            return hash(self.value)

    class Size:
        def __init__(self, n):
            self.n = n

        def __tf_tracing_type__(self, context):
            return Dim(self.n)

    return Size


def test_trace_type_subtypes_and_reduce_retracing(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        Size = _dimension_type(tf)
        seen = []

        def body(s):
            seen.append(s)
            return tf.constant(0 if s is None else s)

        exact = tf.function(body)
        relaxed = tf.function(body, reduce_retracing=True)
        out = []
        for f in (exact, relaxed):
            out.append([f(Size(n)) for n in (1, 1, 2, 3, 2)])
            out.append(f.experimental_get_tracing_count())
        out.append(seen)
        return out

    run_both(fn)


def test_trace_type_to_tensors(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        class BoxType(tf.types.experimental.TraceType):
            def __init__(self, dtype):
                self.dtype = dtype

            def is_subtype_of(self, other):
                return self == other

            def most_specific_common_supertype(self, others):
                return self if all(self == o for o in others) else None

            def placeholder_value(self, placeholder_context=None):
                return None

            def to_tensors(self, value):
                return [value.t]

            def from_tensors(self, tensors):
                return Box(next(tensors))

            def __eq__(self, other):
                return isinstance(other, BoxType) and self.dtype == other.dtype

            def __hash__(self):
                return hash(self.dtype)

        class Box:
            def __init__(self, t):
                self.t = t

            def __tf_tracing_type__(self, context):
                return BoxType(self.t.dtype)

        @tf.function
        def f(b):
            return b is None  # the body sees placeholder_value, not the Box

        out = [f(Box(tf.constant(1.0))), f(Box(tf.constant(5.0)))]
        out.append(f.experimental_get_tracing_count())
        return out

    run_both(fn)


def test_trace_type_is_abstract(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        class Incomplete(tf.types.experimental.TraceType):
            pass

        return Incomplete()

    run_both(fn, message=False)


def test_jax_arrays_are_tensor_arguments() -> None:
    """A JAX array argument is a tensor input (keyed by shape and dtype), as TF treats
    array-likes, not a constant of the trace."""
    import jax.numpy as jnp

    import tfcompat as tf

    @tf.function
    def f(x):
        return x * 2.0

    assert float(f(jnp.ones((), jnp.float32))) == 2.0
    assert float(f(jnp.full((), 3.0, jnp.float32))) == 6.0
    assert f.experimental_get_tracing_count() == 1

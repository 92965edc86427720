"""Concrete functions as TF 2.21 prints and binds them (compared with real TF).

`str(cf)`, `repr(cf)`, `pretty_printed_signature()` and
`Function.pretty_printed_concrete_signatures()` are compared as text (memory addresses
normalized); calls to concrete functions with only their tensor arguments, and TF's
`TypeError` when a Python literal differs, are compared by value, class and message.
"""

from __future__ import annotations

import collections
import re
from typing import Any

import pytest

_ADDR = re.compile(r"0x[0-9a-fA-F]+|\b\d{9,}\b")

P = collections.namedtuple("P", ["x", "y"])


def _norm(text: str) -> str:
    return _ADDR.sub("ADDR", text)


class Obj:
    pass


_OBJ = Obj()


def _add_pair(tf: Any) -> Any:
    @tf.function
    def add_pair(a, b, c=3, *, d=True):
        return a + b

    return add_pair


def test_str_repr_and_pretty_printed(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        f = _add_pair(tf)
        cf = f.get_concrete_function(tf.constant(1.0), tf.constant([2.0, 3.0]))
        return [
            _norm(str(cf)),
            _norm(repr(cf)),
            cf.pretty_printed_signature(),
            cf.pretty_printed_signature(verbose=False),
        ]

    run_both(fn)


def test_pretty_printed_concrete_signatures(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        f = _add_pair(tf)
        f(tf.constant(1.0), tf.constant(2.0))
        f(tf.constant(1), tf.constant(2), c=5)
        f(tf.constant(1), tf.constant(2), c=5)  # no new trace
        return [
            f.pretty_printed_concrete_signatures(),
            f.pretty_printed_concrete_signatures(verbose=False),
        ]

    run_both(fn)


def test_input_signature_names_and_nested_output(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function(
            input_signature=[
                tf.TensorSpec([None, 3], tf.float32, name="x"),
                tf.TensorSpec([], tf.int32),
            ]
        )
        def g(x, n):
            return {"b": x, "a": (n, n * 2)}

        cf = g.get_concrete_function()
        return [str(cf), _norm(repr(cf))]

    run_both(fn)


def test_named_spec_structures_variables_and_captures(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v = tf.Variable([1.0, 2.0])
        w = tf.Variable(1, trainable=False)

        @tf.function
        def f(p, d, *args, **kw):
            return P(p.x, 1)

        cf = f.get_concrete_function(
            P(tf.constant(1.0), 2),
            {"b": tf.constant([1]), "a": None},
            v,
            w,
            v,
            7,
            z=tf.constant(1.0),
            y=3,
        )
        u = tf.Variable(2.0)

        @tf.function
        def h(t, pair, flag):
            u.assign_add(1.0)

        cf2 = h.get_concrete_function(tf.TensorSpec([2], name="zz"), [1, 2.5], "s")

        @tf.function
        def k(x, o, t, e):
            return [x]

        cf3 = k.get_concrete_function(tf.constant(1), _OBJ, (), [])
        return [_norm(str(c)) for c in (cf, cf2, cf3)] + [
            _norm(cf3.pretty_printed_signature(False))
        ]

    run_both(fn)


def test_closed_over_tensors_are_captures(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        c = tf.constant([1.0, 2.0])
        s = tf.constant(3.0)

        @tf.function
        def f(a, *, z=1, b=2):
            return a + c + s, 1, None, ()

        return _norm(str(f.get_concrete_function(tf.constant(1.0))))

    run_both(fn)


def test_call_with_only_tensors_and_literal_mismatch(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def g(x, n):
            return x * n

        cf = g.get_concrete_function(tf.constant(1.0), 3)
        out: list[Any] = [
            cf(tf.constant(2.0)),
            cf(tf.constant(2.0), 3),
            cf(x=tf.constant(2.0), n=3),
        ]
        for call in (lambda: cf(tf.constant(2.0), 4), lambda: cf(2.0)):
            try:
                call()
            except TypeError as e:
                out.append(str(e))
        return out

    run_both(fn)


def test_structured_binding_errors(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v = tf.Variable([1.0, 2.0])
        w = tf.Variable(1, trainable=False)

        @tf.function
        def f(p, d, *args, **kw):
            return P(p.x, 1)

        args = (P(tf.constant(1.0), 2), {"b": tf.constant([1]), "a": None}, v, w, v, 7)
        cf = f.get_concrete_function(*args, z=tf.constant(1.0), y=3)
        out: list[Any] = [cf(*args, z=tf.constant(1.0), y=3)]
        bad = [
            ((P(tf.constant(1.0), 3), *args[1:]), {"z": tf.constant(1.0), "y": 3}),
            (
                (args[0], {"b": tf.constant([1.0]), "a": None}, *args[2:]),
                {"z": tf.constant(1.0), "y": 3},
            ),
            ((tf.constant(1.0), tf.constant([1])), {}),
        ]
        for a, k in bad:
            try:
                cf(*a, **k)
            except TypeError as e:
                out.append(_norm(str(e)))
        return out

    run_both(fn)


def test_flat_call_with_variables(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v = tf.Variable(2.0)

        @tf.function
        def f(x, var, scale):
            var.assign_add(x)
            return var * scale

        cf = f.get_concrete_function(tf.constant(1.0), v, 10)
        out: list[Any] = [cf(tf.constant(1.0), v, 10), v.read_value()]
        try:  # TF's flat signature takes tensors only, not the variable
            cf(tf.constant(1.0), v)
        except TypeError as e:
            out.append(str(e))
        return out

    run_both(fn)


def test_reduce_retracing_prints_none_dims(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function(reduce_retracing=True)
        def f(x):
            return x * 2

        f(tf.ones([2]))
        f(tf.ones([3]))
        return f.pretty_printed_concrete_signatures()

    run_both(fn)


@pytest.mark.parametrize("verbose", [True, False])
def test_no_tf_needed_shape(verbose: bool) -> None:
    """The printed form without TensorFlow installed (TF 2.21's text)."""
    import tfcompat as tf

    f = _add_pair(tf)
    cf = f.get_concrete_function(tf.constant(1.0), tf.constant([2.0, 3.0]))
    spec = "TensorSpec(shape={}, dtype=tf.float32, name=None)"
    if verbose:
        assert cf.pretty_printed_signature() == (
            "Input Parameters:\n"
            f"  a (POSITIONAL_OR_KEYWORD): {spec.format('()')}\n"
            f"  b (POSITIONAL_OR_KEYWORD): {spec.format('(2,)')}\n"
            "  c (POSITIONAL_OR_KEYWORD): Literal[3]\n"
            "  d (KEYWORD_ONLY): Literal[True]\n"
            "Output Type:\n"
            f"  {spec.format('(2,)')}\n"
            "Captures:\n"
            "  None"
        )
    else:
        assert cf.pretty_printed_signature(verbose=False) == (
            f"(a: {spec.format('()')}, b: {spec.format('(2,)')}, c: Literal[3], *, "
            f"d: Literal[True]) -> {spec.format('(2,)')}"
        )


def test_guide_double_example(run_both: Any) -> None:
    """The "Better performance with tf.function" guide's `double` and its signatures."""

    def fn(tf: Any) -> Any:
        @tf.function
        def double(a):
            return a + a

        out = [double(tf.constant(1)), double(tf.constant(1.1)), double(tf.constant("a"))]
        return [out, double.pretty_printed_concrete_signatures()]

    run_both(fn)

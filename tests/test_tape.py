"""`tf.GradientTape` against TF 2.21.

Construction, context and lifetime (1), `watch`/`watched_variables`/`stop_recording`/
`reset` (2), and `gradient` (3): structures, summed targets, unconnected sources,
`output_gradients`, object identity, assignments, gradient dtypes and TF's edge-point
conventions. Each case is a snippet `fn(tf)` run on TensorFlow and on tfcompat; cases with
an `expect` literal (from a TF 2.21 run) also run without TensorFlow. Warnings TF logs
through the "tensorflow" logger are compared in `test_logs_match_tensorflow`.
"""

from __future__ import annotations

import enum
import gc
import inspect
import logging
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from tfcompare import NONE_UNSUPPORTED, Raised, assert_same, capture, signature_of

import tfcompat
import tfcompat as tf

_NO_EXPECTATION = object()
IAE = tfcompat.errors.InvalidArgumentError
NON_PERSISTENT = (
    "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"
)


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    expect: Any = _NO_EXPECTATION
    rtol: float | None = None
    message: bool = True


# -- 1. construction, context, lifetime ------------------------------------------------------
def _members(tf: Any) -> list[str]:
    return sorted(n for n in dir(tf.GradientTape) if not n.startswith("_"))


def _positional(tf: Any) -> Any:
    t = tf.GradientTape(True, False)
    return [t._persistent, t._watch_accessed_variables]


def _enter_returns_self(tf: Any) -> Any:
    t = tf.GradientTape()
    out = t.__enter__()
    t.__exit__(None, None, None)
    return out is t


def _exit_returns_none(tf: Any) -> Any:
    t = tf.GradientTape()
    t.__enter__()
    return t.__exit__(None, None, None)


def _exception_stops_recording(tf: Any) -> Any:
    x = tf.Variable(1.0)
    tape = tf.GradientTape()
    try:
        with tape:
            y = x * 2.0
            raise KeyError("boom")
    except KeyError:
        pass
    return [tape._recording, tape.gradient(y, x)]


def _reenter(tf: Any) -> Any:
    t = tf.GradientTape()
    with t, t:
        pass


def _reuse_accumulates(tf: Any) -> Any:
    tape = tf.GradientTape()
    x = tf.Variable(3.0)
    with tape:
        y = x**2
    with tape:
        z = x**3
    return tape.gradient([y, z], x)


def _reuse_after_consumed(tf: Any) -> Any:
    tape = tf.GradientTape()
    x = tf.Variable(3.0)
    with tape:
        y = x**2
    g = tape.gradient(y, x)
    with tape:
        z = x**3
    return [g, tape.gradient(z, x)]


def _after_exit_not_recorded(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        pass
    y = x * x
    return tape.gradient(y, x)


def _watch_partway(tf: Any) -> Any:
    x = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = x * x
        t.watch(x)
        z = y * x
    return t.gradient(z, x)


def _variable_op_before_tape(tf: Any) -> Any:
    v = tf.Variable(3.0)
    y = v * v
    with tf.GradientTape() as t:
        z = y * v
    return t.gradient(z, v)


def _persistent_inside(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as t:
        y = x * x
        g = t.gradient(y, x)
    return [g, t.gradient(y, x)]


def _non_persistent_inside(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
        g = t.gradient(y, x)
        z = y * x  # not recorded any more
    second = capture(lambda _: t.gradient(z, x), tf)
    return [g, t._recording, t._tape is None, second]


def _second_gradient(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x)
    return t.gradient(y, x)


def _persistent_twice(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as t:
        y = x * x
    return [t.gradient(y, x), t.gradient(y, x)]


def _jacobian_after_gradient(tf: Any) -> Any:
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x)
    return t.jacobian(y, x)


def _batch_jacobian_after_use(tf: Any) -> Any:
    x = tf.Variable([[1.0, 2.0]])
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x)
    return t.batch_jacobian(y, x)


def _watch_after_exit(tf: Any) -> Any:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x * x
    w = tf.constant(5.0)
    t.watch(w)
    return [t.gradient(y, x), t.gradient(y, w)]


def _watch_after_consumed(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x * x
    t.gradient(y, x)
    t.watch(x)


def _stop_recording_after_exit(tf: Any) -> Any:
    t = tf.GradientTape()
    with t:
        pass
    with t.stop_recording():
        pass


def _reset_outside(tf: Any) -> Any:
    t = tf.GradientTape()
    with t:
        pass
    t.reset()


CONTEXT = [
    Case("signature-init", lambda tf: signature_of(tf.GradientTape.__init__)),
    Case("signature-gradient", lambda tf: signature_of(tf.GradientTape.gradient)),
    Case("signature-jacobian", lambda tf: signature_of(tf.GradientTape.jacobian)),
    Case("signature-batch_jacobian", lambda tf: signature_of(tf.GradientTape.batch_jacobian)),
    Case("signature-watch", lambda tf: signature_of(tf.GradientTape.watch)),
    Case("signature-stop_recording", lambda tf: signature_of(tf.GradientTape.stop_recording)),
    Case("signature-reset", lambda tf: signature_of(tf.GradientTape.reset)),
    Case("signature-watched_variables", lambda tf: signature_of(tf.GradientTape.watched_variables)),
    Case(
        "members",
        _members,
        [
            "batch_jacobian",
            "gradient",
            "jacobian",
            "reset",
            "stop_recording",
            "watch",
            "watched_variables",
        ],
    ),
    Case("autodiff-alias", lambda tf: tf.GradientTape is tf.autodiff.GradientTape, True),
    Case("positional-args", _positional, [True, False]),
    Case("too-many-args", lambda tf: tf.GradientTape(True, True, True)),
    Case("unknown-kwarg", lambda tf: tf.GradientTape(foo=1)),
    Case(
        "default-repr",
        lambda tf: " GradientTape object at 0x" in repr(tf.GradientTape()).replace(".", " "),
        True,
    ),
    Case("enter-returns-self", _enter_returns_self, True),
    Case("exit-returns-none", _exit_returns_none, None),
    Case("exception-stops-recording", _exception_stops_recording),
    Case(
        "reenter",
        _reenter,
        Raised(
            ValueError,
            "Tape is still recording, This can happen if you try to re-enter an already-active "
            "tape.",
        ),
    ),
    Case("reuse-accumulates", _reuse_accumulates),
    Case("reuse-after-consumed", _reuse_after_consumed),
    Case("after-exit-not-recorded", _after_exit_not_recorded, None),
    Case("watch-partway", _watch_partway),
    Case("variable-op-before-tape", _variable_op_before_tape),
    Case("persistent-inside", _persistent_inside),
    Case("non-persistent-inside", _non_persistent_inside),
    Case("second-gradient", _second_gradient, Raised(RuntimeError, NON_PERSISTENT)),
    Case(
        "never-entered",
        lambda tf: tf.GradientTape().gradient(tf.constant(1.0), tf.constant(1.0)),
        Raised(RuntimeError, NON_PERSISTENT),
    ),
    Case("persistent-twice", _persistent_twice),
    Case("jacobian-after-gradient", _jacobian_after_gradient, Raised(RuntimeError, NON_PERSISTENT)),
    Case("batch-jacobian-after-use", _batch_jacobian_after_use),
    Case(
        "watch-never-entered",
        lambda tf: tf.GradientTape().watch(tf.constant(1.0)),
        Raised(AttributeError, "'NoneType' object has no attribute '_tape'"),
    ),
    Case("watch-after-exit", _watch_after_exit),
    Case("watch-after-consumed", _watch_after_consumed),
    Case(
        "stop-recording-never-entered",
        lambda tf: tf.GradientTape().stop_recording().__enter__(),
        Raised(RuntimeError, "Trying to stop recording a tape which is not recording."),
    ),
    Case(
        "stop-recording-after-exit",
        _stop_recording_after_exit,
        Raised(ValueError, "Tape is not recording."),
    ),
    Case("reset-outside", _reset_outside, Raised(ValueError, "Tape is not recording.")),
    Case("reset-never-entered", lambda tf: tf.GradientTape().reset()),
]


# -- 2. watch, watched_variables, stop_recording, reset ------------------------------------
def _watch_nested(tf: Any) -> Any:
    x, y = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch({"x": x, "y": [y]})
        z = x * y
    return t.gradient(z, [x, y])


def _watch_bad(value: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        with tf.GradientTape() as t:
            t.watch(value(tf))

    return fn


def _watch_int(tf: Any) -> Any:
    x = tf.constant(3)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x * x
    return t.gradient(y, x)


def _watch_nontrainable(tf: Any) -> Any:
    b = tf.Variable(1.0, name="b", trainable=False)
    with tf.GradientTape() as t:
        t.watch(b)
        y = b * b
    return [[v.name for v in t.watched_variables()], t.gradient(y, b)]


def _identity(tf: Any) -> Any:
    c = tf.constant(2.0)
    w = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(w)
        y = c * c + w * w
    return [t.gradient(y, c), t.gradient(y, w)]


def _auto_watch(read: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        v = tf.Variable(2.0, name="v")
        with tf.GradientTape() as t:
            read(tf, v)
        return [x.name for x in t.watched_variables()]

    return fn


def _nontrainable_not_watched(tf: Any) -> Any:
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as t:
        y = v * v
    return [t.watched_variables(), t.gradient(y, v)]


def _int_variable(tf: Any) -> Any:
    v = tf.Variable(1, name="i")
    with tf.GradientTape() as t:
        y = v * v
    return [[x.name for x in t.watched_variables()], t.gradient(y, v)]


def _created_inside(tf: Any) -> Any:
    with tf.GradientTape() as t:
        v = tf.Variable(2.0)
        y = v * v
    return t.gradient(y, v)


def _no_auto_watch(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape(watch_accessed_variables=False) as t:
        y = x**2
    return [t.gradient(y, x), t.watched_variables()]


def _no_auto_watch_explicit(tf: Any) -> Any:
    x = tf.Variable(2.0, name="x")
    with tf.GradientTape(watch_accessed_variables=False) as t:
        t.watch(x)
        y = x**2
    return [[v.name for v in t.watched_variables()], t.gradient(y, x)]


def _creation_order(tf: Any) -> Any:
    q = tf.Variable(1.0, name="q")
    p = tf.Variable(2.0, name="p")
    with tf.GradientTape() as tape:
        p * q
    return [v.name for v in tape.watched_variables()]


def _creation_order_mixed(tf: Any) -> Any:
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b", trainable=False)
    c = tf.Variable(1.0, name="c")
    d = tf.Variable(1.0, name="d")
    with tf.GradientTape() as tape:
        c * 2 + a + b
        d.assign(5.0)
    return [v.name for v in tape.watched_variables()]


def _watched_empty(tf: Any) -> Any:
    with tf.GradientTape() as tape:
        pass
    return tape.watched_variables()


def _watched_type(tf: Any) -> Any:
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as tape:
        a * a
    return type(tape.watched_variables()).__name__


def _watched_after_consumed(tf: Any) -> Any:
    a = tf.Variable(1.0, name="a")
    c = tf.Variable(1.0, name="c")
    with tf.GradientTape() as tape:
        y = a * c
    tape.gradient(y, a)
    return [[v.name for v in tape.watched_variables()], type(tape.watched_variables()).__name__]


def _watched_constants_excluded(tf: Any) -> Any:
    x = tf.constant(1.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        x * x
    return tape.watched_variables()


def _watched_duplicates(tf: Any) -> Any:
    a = tf.Variable(1.0, name="a")
    with tf.GradientTape() as tape:
        a * a + a
        tape.watch(a)
    return [v.name for v in tape.watched_variables()]


def _watched_via_alias(tf: Any) -> Any:
    a = tf.Variable(1.0, name="a")
    alias = a.assign(2.0)
    with tf.GradientTape() as tape:
        alias * 2.0
    return [v.name for v in tape.watched_variables()]


def _stop_recording(tf: Any) -> Any:
    x = tf.constant(4.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        with tape.stop_recording():
            y = x**2
        z = x * 3
    return tape.gradient([y, z], x)


def _stop_recording_is_paused(tf: Any) -> Any:
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            inside = tape._recording
        after = tape._recording
    return [inside, after]


def _reset(tf: Any) -> Any:
    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = x**2
        t.reset()
        t.watch(x)
        z = x**3
    return t.gradient([y, z], x)


def _reset_without_rewatch(tf: Any) -> Any:
    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as t:
        t.watch(x)
        y = x**2
        t.reset()
        z = x**3
    return [t.gradient(z, x), t.gradient(y, x)]


def _reset_variables_rewatched(tf: Any) -> Any:
    v = tf.Variable(2.0, name="v")
    with tf.GradientTape() as t:
        y = v * v
        t.reset()
        z = v * 3.0
    return [[x.name for x in t.watched_variables()], t.gradient([y, z], v)]


WATCH = [
    Case("watch-nested", _watch_nested),
    Case(
        "watch-float",
        _watch_bad(lambda tf: 3.0),
        Raised(
            ValueError,
            "Passed in object 3.0 of type 'float', not tf.Tensor or tf.Variable or ExtensionType.",
        ),
    ),
    Case("watch-none", _watch_bad(lambda tf: None)),
    Case("watch-ndarray", _watch_bad(lambda tf: np.array([1.0]))),
    Case("watch-list-with-float", _watch_bad(lambda tf: [tf.constant(1.0), 2.0])),
    Case("watch-int-tensor", _watch_int, None),
    Case("watch-nontrainable-variable", _watch_nontrainable),
    Case("identity-unwatched-constant-is-none", _identity),
    Case("auto-watch-numpy", _auto_watch(lambda tf, v: v.numpy()), ["v:0"]),
    Case("auto-watch-value", _auto_watch(lambda tf, v: v.value()), ["v:0"]),
    Case("auto-watch-read_value", _auto_watch(lambda tf, v: v.read_value()), ["v:0"]),
    Case("auto-watch-arithmetic", _auto_watch(lambda tf, v: v * 2.0), ["v:0"]),
    Case("auto-watch-assign", _auto_watch(lambda tf, v: v.assign(1.0)), ["v:0"]),
    Case("auto-watch-assign_add", _auto_watch(lambda tf, v: v.assign_add(1.0)), ["v:0"]),
    Case("auto-watch-repr", _auto_watch(lambda tf, v: repr(v))),
    Case("auto-watch-shape", _auto_watch(lambda tf, v: v.shape)),
    Case("auto-watch-convert", _auto_watch(lambda tf, v: tf.convert_to_tensor(v))),
    Case("nontrainable-not-watched", _nontrainable_not_watched),
    Case("int-variable-listed-but-none", _int_variable),
    Case("created-inside", _created_inside),
    Case("no-auto-watch", _no_auto_watch),
    Case("no-auto-watch-explicit", _no_auto_watch_explicit),
    Case("watched-creation-order", _creation_order, ["q:0", "p:0"]),
    Case("watched-creation-order-mixed", _creation_order_mixed, ["a:0", "c:0", "d:0"]),
    Case("watched-type", _watched_type, "tuple"),
    Case("watched-empty", _watched_empty, ()),
    Case("watched-never-entered", lambda tf: tf.GradientTape().watched_variables(), ()),
    Case("watched-after-consumed", _watched_after_consumed, [["a:0", "c:0"], "tuple"]),
    Case("watched-constants-excluded", _watched_constants_excluded, ()),
    Case("watched-no-duplicates", _watched_duplicates, ["a:0"]),
    Case("watched-via-alias", _watched_via_alias),
    Case("stop-recording", _stop_recording),
    Case("stop-recording-pauses", _stop_recording_is_paused),
    Case("reset", _reset),
    Case("reset-without-rewatch", _reset_without_rewatch),
    Case("reset-variables-rewatched", _reset_variables_rewatched),
]


# -- 3. gradient ------------------------------------------------------------------------------
def _xw(tf: Any) -> tuple[Any, Any, Any, Any]:
    x = tf.Variable(3.0, name="x")
    w = tf.Variable(tf.ones([2, 2]), name="w")
    with tf.GradientTape(persistent=True) as tape:
        y = x * x + tf.reduce_sum(w)
    return tape, x, w, y


def _sources(structure: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        tape, x, w, y = _xw(tf)
        return tape.gradient(y, structure(x, w))

    return fn


def _targets(make: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            target = make(tf, x)
        return tape.gradient(target, x)

    return fn


def _bad_source(source: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        tape, _, _, y = _xw(tf)
        return tape.gradient(y, source(tf))

    return fn


def _gradient_of(make: Callable[[Any], tuple[Any, Any]], **kwargs: Any) -> Callable[[Any], Any]:
    """`make(tf)` returns (target_fn, source); the target is built inside a tape."""

    def fn(tf: Any) -> Any:
        target_fn, source = make(tf)
        with tf.GradientTape() as tape:
            if not isinstance(source, tf.Variable):
                tape.watch(source)
            target = target_fn(source)
        return tape.gradient(target, source, **kwargs)

    return fn


def _unconnected(mode: Any) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        x = tf.Variable(3.0)
        unused = tf.Variable([1.0, 2.0])
        c = tf.constant([1, 2])
        d = tf.constant(2.0, tf.float64)
        with tf.GradientTape() as tape:
            y = x * x
        return tape.gradient(y, [x, unused, c, d], unconnected_gradients=mode(tf))

    return fn


def _non_scalar(tf: Any) -> Any:
    w = tf.Variable(tf.ones([2, 2]))
    with tf.GradientTape() as tape:
        y = w * 2
    g = tape.gradient(y, w)
    return [g, type(g).__name__]


def _output_gradients(seed: Callable[[Any], Any], target: str = "x2") -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        x = tf.Variable(3.0)
        v = tf.Variable([1.0, 2.0])
        with tf.GradientTape() as tape:
            y = x * 2 if target == "x2" else v * v
        return tape.gradient(y, x if target == "x2" else v, output_gradients=seed(tf))

    return fn


def _output_gradients_list_target(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        a, b = x * 2, x * x
    return tape.gradient([a, b], x, output_gradients=[tf.constant(10.0), tf.constant(1.0)])


def _identity_cases(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape(persistent=True) as tape:
        y = x + 1
        z = y * y
    return [tape.gradient(z, y), tape.gradient(y, x + 1)]


def _rebinding_seed(tf: Any) -> Any:
    x = tf.Variable(2.0)
    out = []
    for _ in range(2):
        with tf.GradientTape() as tape:
            y = x + 1
        out.append((type(x).__name__, tape.gradient(y, x)))
        x = x + 1
    return out


def _tensor_before_tape(tf: Any) -> Any:
    x = tf.Variable(3.0)
    y = x + 1
    with tf.GradientTape() as tape:
        z = y * y
    return tape.gradient(z, y)


def _read_value_is_new(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, [x, x.read_value()])


def _numpy_round_trip(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as tape:
        a = tf.constant(x.numpy()) ** 2
        b = x.numpy() * x
    return [tape.gradient(a, x), tape.gradient(b, x)]


def _assign_not_differentiable(tf: Any) -> Any:
    x = tf.Variable(1.0)
    v = tf.Variable(0.0)
    with tf.GradientTape() as tape:
        v.assign(x * 2)
        y = v * 3
    return tape.gradient(y, [x, v])


def _reads_before_and_after_assign(tf: Any) -> Any:
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        a = v * v
        v.assign_add(1.0)
        b = v * 10.0
    return tape.gradient(a + b, v)


def _cast_source_dtype(src: str, dst: str) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        v = tf.Variable(2.0, dtype=getattr(tf, src))
        with tf.GradientTape() as tape:
            y = tf.cast(v, getattr(tf, dst)) ** 2
        return tape.gradient(y, v)

    return fn


def _complex(expr: Callable[[Any, Any], Any]) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        c = tf.Variable(2 + 3j)
        with tf.GradientTape() as tape:
            y = expr(tf, c)
        return tape.gradient(y, c)

    return fn


def _int_source(tf: Any) -> Any:
    v = tf.Variable(3)
    with tf.GradientTape() as tape:
        y = v * v
    return tape.gradient(y, v)


def _through_int_cast(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * 2
    return tape.gradient(y, x)


def _int_target(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.cast(x, tf.int32)
    return tape.gradient(y, x)


def _dtype_grad(dtype: str) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        v = tf.Variable(3.0, dtype=getattr(tf, dtype))
        with tf.GradientTape() as tape:
            y = v * v
        return tape.gradient(y, v)

    return fn


def _edge(make: Callable[[Any, Any], Any], at: Any) -> Callable[[Any], Any]:
    def fn(tf: Any) -> Any:
        v = tf.Variable(at)
        with tf.GradientTape() as tape:
            y = make(tf, v)
        return tape.gradient(y, v)

    return fn


def _extra_seeds(tf: Any) -> Any:
    # A seed list longer than the targets: TF uses the first. (A shorter one crashes TF.)
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        a = x * 2
    return tape.gradient(a, x, output_gradients=[tf.constant(10.0), tf.constant(1.0)])


def _none_seed(tf: Any) -> Any:
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        a, b = x * 2, x * x
    return tape.gradient([a, b], x, output_gradients=[None, tf.constant(1.0)])


def _watch_inside_stop_recording(tf: Any) -> Any:
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        with tape.stop_recording():
            tape.watch(x)
        y = x * x
    return tape.gradient(y, x)


def _python_if(tf: Any) -> Any:
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x if x > 1.0 else x
    return tape.gradient(y, x)


def _maximum_tie(tf: Any) -> Any:
    a = tf.Variable(2.0)
    b = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.maximum(a, b)
    return tape.gradient(y, [a, b])


def _connected_zero(tf: Any) -> Any:
    x = tf.Variable(3.0)
    c = tf.constant(1.0)
    with tf.GradientTape() as tape:
        y = c * 0 + x * 0
    return tape.gradient(y, x)


def _same_source_twice(tf: Any) -> Any:
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * 2.0
    return tape.gradient(y, [x, x])


def _gradient_of_constant_target(tf: Any) -> Any:
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        x * 2.0
        y = tf.constant(5.0)
    return tape.gradient(y, x)


def _source_is_target(tf: Any) -> Any:
    x = tf.Variable(3.0)
    c = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as tape:
        pass
    return [tape.gradient(x, x), tape.gradient(c, c)]


def _pow_edges(tf: Any) -> Any:
    """x**y against both operands, and x**2.0 whose square overflows (a finite gradient)."""
    out = []
    for xv, yv in [(3.0, 2.0), (0.0, 2.0), (-2.0, 3.0), (0.0, 0.0), (1e30, 2.0), (-1.0, 0.5)]:
        x, y = tf.Variable(xv), tf.Variable(yv)
        with tf.GradientTape(persistent=True) as t:
            z = x**y
            z_const = x**yv
        out.append((t.gradient(z, [x, y]), t.gradient(z_const, x)))
    return out


GRADIENT = [
    Case("sources-list", _sources(lambda x, w: [x, w])),
    Case("sources-tuple", _sources(lambda x, w: (x, w))),
    Case("sources-dict", _sources(lambda x, w: {"b": x, "a": {"w": w, "l": [x]}})),
    Case("sources-empty-list", _sources(lambda x, w: []), []),
    Case("sources-repeated", _sources(lambda x, w: [x, x])),
    Case("sources-single", _sources(lambda x, w: x)),
    Case(
        "source-none",
        _bad_source(lambda tf: None),
        Raised(TypeError, "Cannot convert the argument `type_value`: None to a TensorFlow DType."),
    ),
    Case("source-dict-none", _bad_source(lambda tf: {"a": None})),
    Case(
        "source-float",
        _bad_source(lambda tf: 3.0),
        Raised(AttributeError, "'float' object has no attribute 'dtype'"),
    ),
    Case("source-ndarray", _bad_source(lambda tf: np.array([1.0]))),
    Case("target-list-summed", _targets(lambda tf, x: [x**2, 5 * x]), _NO_EXPECTATION),
    Case("target-dict-summed", _targets(lambda tf, x: {"a": x**2, "b": (5 * x,)})),
    Case("target-same-twice", _targets(lambda tf, x: (lambda y: [y, y])(x**2))),
    Case(
        "target-none",
        _targets(lambda tf, x: None),
        Raised(
            TypeError,
            "Argument `target` should be a list or nested structure of Tensors, Variables or "
            "CompositeTensors to be differentiated, but received None.",
        ),
    ),
    # TF reads a non-tensor target as a dtype first: 1.0 is float32 (trainable), so TF's
    # tape then fails on `_id`; 3.0 is int32 (untrainable), and TF's vlog reads `.dtype`.
    Case(
        "target-float",
        _targets(lambda tf, x: 1.0),
        Raised(AttributeError, "'float' object has no attribute '_id'"),
    ),
    Case(
        "target-float-3",
        _targets(lambda tf, x: 3.0),
        Raised(AttributeError, "'float' object has no attribute 'dtype'"),
    ),
    Case(
        "target-float-2.5",
        _targets(lambda tf, x: 2.5),
        Raised(TypeError, "Cannot convert the argument `type_value`: 2.5 to a TensorFlow DType."),
    ),
    Case("target-string", _targets(lambda tf, x: [x * 1.0, "s"])),
    Case("source-float-1", _bad_source(lambda tf: 1.0)),
    Case("source-float-2.5", _bad_source(lambda tf: 2.5)),
    Case("target-is-source", _source_is_target),
    Case("non-scalar-target", _non_scalar),
    Case("unconnected-none", _unconnected(lambda tf: tf.UnconnectedGradients.NONE)),
    Case("unconnected-zero", _unconnected(lambda tf: tf.UnconnectedGradients.ZERO)),
    Case("unconnected-zero-string", _unconnected(lambda tf: "zero")),
    Case("unconnected-none-string", _unconnected(lambda tf: "none")),
    Case(
        "unconnected-bogus",
        _unconnected(lambda tf: "bogus"),
        Raised(ValueError, "Unknown value for unconnected_gradients: 'bogus'"),
    ),
    Case("unconnected-None", _unconnected(lambda tf: None)),
    Case(
        "unconnected-enum-repr",
        lambda tf: [repr(m) for m in tf.UnconnectedGradients],
        ["<UnconnectedGradients.NONE: 'none'>", "<UnconnectedGradients.ZERO: 'zero'>"],
    ),
    Case(
        "unconnected-enum-values",
        lambda tf: [m.value for m in tf.UnconnectedGradients],
        ["none", "zero"],
    ),
    Case(
        "unconnected-enum-is-enum", lambda tf: issubclass(tf.UnconnectedGradients, enum.Enum), True
    ),
    Case("connected-but-zero", _connected_zero),
    Case("same-source-twice", _same_source_twice),
    Case("constant-target", _gradient_of_constant_target, None),
    Case("output-gradients-scalar", _output_gradients(lambda tf: tf.constant(3.0))),
    Case(
        "output-gradients-list",
        _output_gradients(lambda tf: [tf.constant([1.0, 10.0])], target="v*v"),
    ),
    Case("output-gradients-python-float", _output_gradients(lambda tf: 3.0)),
    Case("output-gradients-python-int", _output_gradients(lambda tf: 3)),
    Case("output-gradients-variable", _output_gradients(lambda tf: tf.Variable(3.0))),
    Case("output-gradients-python-list", _output_gradients(lambda tf: [1.0, 10.0], target="v*v")),
    Case("output-gradients-numpy", _output_gradients(lambda tf: np.float32(3.0))),
    Case("output-gradients-per-target", _output_gradients_list_target),
    Case(
        "output-gradients-float64",
        _output_gradients(lambda tf: tf.constant(3.0, tf.float64)),
        # The operand order in TF's text depends on the target's gradient function (here
        # Mul(seed, 2.0): "expected double but is float"); the class is what matters.
        Raised(IAE, ""),
        message=False,
    ),
    Case(
        "output-gradients-shape",
        _output_gradients(lambda tf: tf.constant([1.0, 2.0, 3.0]), target="v*v"),
    ),
    Case(
        "output-gradients-broadcast", _output_gradients(lambda tf: tf.constant(2.0), target="v*v")
    ),
    Case(
        "output-gradients-none-entry",
        _output_gradients(lambda tf: [None]),
        Raised(ValueError, NONE_UNSUPPORTED),
    ),
    Case("identity-intermediate", _identity_cases),
    Case("rebinding-seed", _rebinding_seed),
    Case("tensor-before-tape", _tensor_before_tape, None),
    Case("read-value-is-new", _read_value_is_new),
    Case("numpy-round-trip", _numpy_round_trip),
    Case("assign-not-differentiable", _assign_not_differentiable),
    Case("reads-around-assign", _reads_before_and_after_assign),
    Case("float64", _dtype_grad("float64")),
    Case("float16", _dtype_grad("float16")),
    Case("bfloat16", _dtype_grad("bfloat16")),
    Case("cast-f64-to-f32", _cast_source_dtype("float64", "float32")),
    Case("cast-f32-to-f64", _cast_source_dtype("float32", "float64")),
    Case("complex-square", _complex(lambda tf, c: c * c)),
    Case("complex-abs2", _complex(lambda tf, c: tf.math.real(c * tf.math.conj(c)))),
    Case("complex-exp", _complex(lambda tf, c: tf.exp(c)), rtol=1e-12),
    Case("int-source", _int_source, None),
    Case("through-int-cast", _through_int_cast, None),
    Case("int-target", _int_target, None),
    Case("stop-gradient", _edge(lambda tf, v: tf.stop_gradient(v * v) + v, 2.0)),
    Case("relu-at-0", _edge(lambda tf, v: tf.nn.relu(v), 0.0)),
    Case("relu-at-minus-1", _edge(lambda tf, v: tf.nn.relu(v), -1.0)),
    Case("abs-at-0", _edge(lambda tf, v: tf.abs(v), 0.0)),
    Case("reduce-max-ties", _edge(lambda tf, v: tf.reduce_max(v), [1.0, 5.0, 5.0])),
    Case("reduce-min-ties", _edge(lambda tf, v: tf.reduce_min(v), [1.0, 1.0, 5.0])),
    Case("maximum-tie", _maximum_tie),
    Case("sqrt-at-0", _edge(lambda tf, v: tf.sqrt(v), 0.0)),
    Case("pow-half-at-0", _edge(lambda tf, v: v**0.5, 0.0)),
    Case("pow-2-at-0", _edge(lambda tf, v: v**2, 0.0)),
    Case("2-pow-v", _edge(lambda tf, v: 2**v, 2.0)),
    Case("pow-edges", _pow_edges),
    Case("divide_no_nan", _edge(lambda tf, v: tf.math.divide_no_nan(1.0, v - 3.0), 3.0)),
    Case("python-if", _python_if),
    Case("extra-seeds-ignored", _extra_seeds),
    Case("none-seed-among-targets", _none_seed, Raised(ValueError, NONE_UNSUPPORTED)),
    Case("watch-inside-stop-recording", _watch_inside_stop_recording),
    Case("slice-gradient", _edge(lambda tf, v: v[0] * 3.0, [1.0, 2.0])),
    Case(
        "matmul-gradient",
        _edge(lambda tf, v: tf.reduce_sum(tf.matmul(v, v)), [[1.0, 2.0], [3.0, 4.0]]),
    ),
]

ALL_CASES = CONTEXT + WATCH + GRADIENT
LITERAL_CASES = [c for c in ALL_CASES if c.expect is not _NO_EXPECTATION]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, rtol=case.rtol, message=case.message)


@pytest.mark.parametrize("case", LITERAL_CASES, ids=lambda c: c.id)
def test_matches_spec(case: Case) -> None:
    assert_same(case.expect, capture(case.fn, tfcompat), message=case.message)


# -- warnings TF logs through the "tensorflow" logger ---------------------------------------
def _log_watch_int(tf: Any) -> None:
    with tf.GradientTape() as t:
        for _ in range(7):  # logged at most 5 times
            t.watch(tf.constant(1))


def _log_watch_float(tf: Any) -> None:
    with tf.GradientTape() as t:
        t.watch(tf.constant(1.0))
        t.watch(tf.Variable(1.0))


def _log_persistent_inside(tf: Any) -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape(persistent=True) as t:
        y = x * x
        for _ in range(3):  # logged once
            t.gradient(y, x)


def _log_non_persistent_inside(tf: Any) -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x * x
        t.gradient(y, x)


def _log_int_gradient(tf: Any) -> None:
    v = tf.Variable(3)
    with tf.GradientTape() as t:
        y = v * v
    t.gradient(y, v)


LOG_CASES = {
    "watch-int": _log_watch_int,
    "watch-float": _log_watch_float,
    "persistent-inside": _log_persistent_inside,
    "non-persistent-inside": _log_non_persistent_inside,
    "int-gradient": _log_int_gradient,
}

WATCH_INT_MESSAGE = (
    "WARNING:tensorflow:The dtype of the watched tensor must be floating (e.g. tf.float32), "
    "got tf.int32"
)
PERSISTENT_MESSAGE = (
    "WARNING:tensorflow:Calling GradientTape.gradient on a persistent tape inside its context is "
    "significantly less efficient than calling it outside the context (it causes the gradient ops "
    "to be recorded on the tape, leading to increased CPU and memory usage). Only call "
    "GradientTape.gradient inside the context if you actually want to trace the gradient in order "
    "to compute higher order derivatives."
)
EXPECTED_LOGS = {
    "watch-int": [WATCH_INT_MESSAGE] * 5,
    "watch-float": [],
    "persistent-inside": [PERSISTENT_MESSAGE],
    "non-persistent-inside": [],
    "int-gradient": [],
}


def _logged(caplog: pytest.LogCaptureFixture, fn: Callable[[Any], None], tf: Any) -> list[str]:
    caplog.clear()
    fn(tf)
    return [
        f"{r.levelname}:{r.name}:{r.getMessage()}" for r in caplog.records if r.name == "tensorflow"
    ]


def _reset_log_counters() -> None:
    tfcompat._tape.record._log_counts.clear()
    tf_logging = sys.modules.get("tensorflow.python.platform.tf_logging")
    if tf_logging is not None:
        tf_logging._log_counter_per_token.clear()


@pytest.mark.parametrize("name", list(LOG_CASES))
def test_logs_match_tensorflow(name: str, real_tf: Any, tf_log: pytest.LogCaptureFixture) -> None:
    expected = _logged(tf_log, LOG_CASES[name], real_tf)
    _reset_log_counters()
    actual = _logged(tf_log, LOG_CASES[name], tfcompat)
    assert actual == expected


@pytest.mark.parametrize("name", list(LOG_CASES))
def test_logs_match_spec(name: str, tf_log: pytest.LogCaptureFixture) -> None:
    assert _logged(tf_log, LOG_CASES[name], tfcompat) == EXPECTED_LOGS[name]


# -- behaviour that needs no TensorFlow ------------------------------------------------------


def test_gradient_tape_signatures_are_tfs() -> None:
    params = inspect.signature(tf.GradientTape.gradient).parameters
    assert list(params) == [
        "self",
        "target",
        "sources",
        "output_gradients",
        "unconnected_gradients",
    ]
    assert params["unconnected_gradients"].default is tf.UnconnectedGradients.NONE
    assert list(inspect.signature(tf.GradientTape.batch_jacobian).parameters)[2] == "source"


def test_unwatched_constant_gives_none() -> None:
    c = tf.constant(3.0)
    with tf.GradientTape() as t:
        y = c * c
    assert t.gradient(y, c) is None


def test_zero_gradients_take_source_dtype() -> None:
    c = tf.constant([1, 2])
    with tf.GradientTape() as t:
        t.watch(tf.constant(1.0))
    g = t.gradient(tf.constant(1.0), c, unconnected_gradients="zero")
    assert g.dtype is tf.int32 and g.numpy().tolist() == [0, 0]


def test_complex_gradient_is_conjugate_of_jax() -> None:
    c = tf.Variable(2 + 3j)
    with tf.GradientTape() as t:
        y = c * c
    assert complex(t.gradient(y, c)) == 4 - 6j


def test_non_persistent_tape_releases_graph() -> None:
    x = tf.Variable(2.0)
    with tf.GradientTape() as t:
        y = x * x
        z = y * 3.0
    ref = weakref.ref(y)
    assert float(t.gradient(z, x)) == 12.0  # gradients are lazy: computed here
    del y
    gc.collect()
    assert ref() is None


def test_tape_log_uses_tensorflow_logger(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tensorflow")
    _reset_log_counters()
    with tf.GradientTape() as t:
        t.watch(tf.constant(1))
    assert [r.name for r in caplog.records] == ["tensorflow"]

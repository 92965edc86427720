"""Control flow against TF 2.21, eagerly and inside `tf.function` (lax primitives).

Each snippet `fn(tf)` runs on TensorFlow and tfcompat (`run_both`). Snippets named
`*_in_function` wrap the construct in `tf.function`, where tfcompat traces the Python
functions into `lax.cond` / `lax.switch` / `lax.while_loop` / `lax.scan` / `jax.vmap`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tfcompat as tf


@dataclass(frozen=True)
class Case:
    id: str
    fn: Callable[[Any], Any]
    rtol: float | None = None
    message: bool = True


def _fn(tf: Any, f: Callable[..., Any], *args: Any) -> Any:
    return tf.function(f)(*args)


# -- cond, case, switch_case -------------------------------------------------------------


def _cond(tf: Any) -> Any:
    x = tf.constant(2.0)
    return (
        tf.cond(x > 0, lambda: x * 2, lambda: x * 3),
        tf.cond(x < 0, lambda: x * 2, lambda: x * 3),
        tf.cond(True, lambda: x * 2, lambda: x * 3),
        tf.cond(x > 0, lambda: 1, lambda: 2),
        tf.cond(x < 0, lambda: (x, [x]), lambda: (x + 1, [x - 1])),
        tf.cond(x > 0, lambda: None, lambda: None),
        tf.cond(tf.constant(1), lambda: x, lambda: -x),
    )


def _cond_errors(tf: Any) -> Any:
    x = tf.constant(2.0)
    out = []
    for args in (
        (x > 0, lambda: x),
        (x > 0, x, lambda: x),
        (tf.constant([True, False]), lambda: x, lambda: x),
    ):
        try:
            tf.cond(*args)
        except (TypeError, ValueError) as e:
            out.append((type(e).__name__, str(e)))
    return out


def _cond_in_function(tf: Any) -> Any:
    def f(x: Any) -> Any:
        return tf.cond(x > 0, lambda: x * 2, lambda: x * 3), tf.cond(
            x < 0, lambda: (x, [x]), lambda: (x + 1, [x - 1])
        )

    g = tf.function(f)
    return g(tf.constant(2.0)), g(tf.constant(-2.0)), g.experimental_get_tracing_count()


def _case(tf: Any) -> Any:
    def run(x: Any) -> Any:
        return tf.case(
            [(x < 0, lambda: tf.constant(-1.0)), (x > 1, lambda: tf.constant(1.0))],
            default=lambda: tf.constant(0.0),
        )

    out = [run(tf.constant(v)) for v in (-2.0, 0.5, 2.0)]
    out += [_fn(tf, run, tf.constant(v)) for v in (-2.0, 0.5, 2.0)]
    x = tf.constant(2.0)
    out.append(tf.case([(x > 0, lambda: tf.constant(-1.0)), (x > 1, lambda: tf.constant(1.0))]))
    out.append(
        tf.case(
            [(x > 0, lambda: tf.constant(-1.0)), (x > 1, lambda: tf.constant(1.0))], exclusive=True
        )
    )
    return out


def _case_no_default_none_true(tf: Any) -> Any:
    x = tf.constant(2.0)
    return tf.case([(x < 0, lambda: tf.constant(-1.0))])


def _switch_case(tf: Any) -> Any:
    branches = [lambda: tf.constant(10), lambda: tf.constant(20), lambda: tf.constant(30)]
    out = [tf.switch_case(tf.constant(i), branches) for i in (0, 2, 7, -1)]
    out.append(tf.switch_case(tf.constant(5), branches[:1], default=lambda: tf.constant(99)))
    f = tf.function(lambda i: tf.switch_case(i, branches))
    out += [f(tf.constant(i)) for i in (0, 2, 7, -1)]
    g = tf.function(lambda i: tf.switch_case(i, branches[:1], default=lambda: tf.constant(99)))
    out += [g(tf.constant(0)), g(tf.constant(-3))]
    return out


def _switch_case_errors(tf: Any) -> Any:
    branches = [lambda: tf.constant(10), lambda: tf.constant(20)]
    out = []
    for index, fns in (
        (1, branches),
        (tf.constant(1.0), branches),
        (tf.constant(3), {1: branches[0], 3: branches[1]}),
    ):
        try:
            tf.switch_case(index, fns)
        except (TypeError, ValueError) as e:
            out.append((type(e).__name__, str(e)))
    return out


# -- while_loop ------------------------------------------------------------------------------


def _while_loop(tf: Any) -> Any:
    def loop(n: Any) -> Any:
        return tf.while_loop(
            lambda i, s: i < n,
            lambda i, s: (i + 1, s + tf.cast(i, tf.float32)),
            (tf.constant(0), tf.constant(0.0)),
        )

    capped = tf.while_loop(
        lambda i: i < 100, lambda i: [i + 1], [tf.constant(0)], maximum_iterations=7
    )
    struct = tf.while_loop(
        lambda d: d["i"] < 3,
        lambda d: [{"i": d["i"] + 1, "v": d["v"] * 2}],
        [{"i": tf.constant(0), "v": tf.constant([1.0])}],
    )
    return (
        loop(tf.constant(5)),
        _fn(tf, loop, tf.constant(5)),
        capped,
        struct,
        tf.while_loop(lambda i: i < 3, lambda i: [i + 1], [0]),
    )


def _while_loop_in_function_capped(tf: Any) -> Any:
    f = tf.function(
        lambda n: tf.while_loop(
            lambda i: i < n, lambda i: [i + 1], [tf.constant(0)], maximum_iterations=7
        )
    )
    return f(tf.constant(100)), f(tf.constant(3))


def _while_loop_errors(tf: Any) -> Any:
    out = []
    for args in (
        (lambda i: i < 5, lambda i: i + 2, [tf.constant(0)]),
        (lambda i: i < 5, lambda i: i + 2, tf.constant(0)),
        (lambda i: i < 5, lambda i: (i + 1, i), [tf.constant(0)]),
        (1, lambda i: i, [tf.constant(0)]),
    ):
        try:
            tf.while_loop(*args)
        except (TypeError, ValueError) as e:
            out.append((type(e).__name__, str(e).splitlines()[0]))
    return out


def _while_loop_assigns_variable_in_function(tf: Any) -> Any:
    c = tf.Variable(0)

    @tf.function
    def count(n: Any) -> Any:
        def body(i: Any) -> Any:
            c.assign_add(2)
            return [i + 1]

        return tf.while_loop(lambda i: i < n, body, [tf.constant(0)])

    return count(tf.constant(4)), c.numpy(), count(tf.constant(1)), c.numpy()


def _cond_assigns_variable_in_function(tf: Any) -> Any:
    v = tf.Variable(1.0)

    @tf.function
    def f(x: Any) -> Any:
        return tf.cond(x > 0, lambda: v.assign_add(1.0) * 1.0, lambda: v * 0.0)

    return f(tf.constant(1.0)), v.numpy(), f(tf.constant(-1.0)), v.numpy()


# -- map_fn, scan, foldl, foldr, vectorized_map ------------------------------------------------


def _map_fn(tf: Any) -> Any:
    e = tf.constant([1.0, 2.0, 3.0])
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    out = [
        tf.map_fn(lambda t: t * 2, e),
        tf.map_fn(
            lambda t: tf.cast(t, tf.int32), tf.constant([1.5, 2.5]), fn_output_signature=tf.int32
        ),
        tf.map_fn(lambda ab: ab[0] * ab[1], (a, b), fn_output_signature=tf.float32),
        tf.map_fn(lambda t: (t, t * 2), a, fn_output_signature=(tf.float32, tf.float32)),
        tf.map_fn(lambda t: t * 2, tf.constant([1, 2]), dtype=tf.int32),
    ]
    f = tf.function(lambda e: tf.map_fn(lambda t: t * t + 1.0, e))
    out.append(f(tf.constant([[1.0, 2.0], [3.0, 4.0]])))
    return out


def _map_fn_wrong_dtype(tf: Any) -> Any:
    return tf.map_fn(lambda t: tf.cast(t, tf.int32), tf.constant([1.5, 2.5]))


def _scan_and_folds(tf: Any) -> Any:
    e = tf.constant([1.0, 2.0, 3.0, 4.0])
    i = tf.constant([1, 2, 3])

    def all_of(e: Any, i: Any) -> Any:
        return (
            tf.scan(lambda a, t: a + t, e),
            tf.scan(lambda a, t: a + t, e, initializer=tf.constant(10.0)),
            tf.scan(lambda a, t: a + t, e, reverse=True),
            tf.scan(
                lambda a, t: (a[0] + t, a[1] * t),
                e,
                initializer=(tf.constant(0.0), tf.constant(1.0)),
            ),
            tf.foldl(lambda a, t: a + t, e),
            tf.foldl(lambda a, t: a * 10 + t, i, initializer=tf.constant(0)),
            tf.foldr(lambda a, t: a * 10 + t, i, initializer=tf.constant(0)),
            tf.foldr(lambda a, t: a * 10 + t, i),
        )

    return all_of(e, i), _fn(tf, all_of, e, i)


def _foldl_empty(tf: Any) -> Any:
    return tf.foldl(lambda a, t: a + t, tf.zeros((0,)))


def _vectorized_map(tf: Any) -> Any:
    m = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    a, b = tf.constant([1.0, 2.0]), tf.constant([3.0, 4.0])
    w = tf.constant([[0.5], [2.0]])
    return (
        tf.vectorized_map(lambda t: tf.reduce_sum(t * t), m),
        tf.vectorized_map(lambda ab: ab[0] + ab[1], (a, b)),
        tf.vectorized_map(lambda row: tf.matmul(tf.reshape(row, (1, 2)), w), m),
        _fn(tf, lambda m: tf.vectorized_map(lambda t: tf.reduce_sum(t * t), m), m),
    )


# -- gradients ---------------------------------------------------------------------------------


def _gradients_eager(tf: Any) -> Any:
    v = tf.Variable(3.0)
    w = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as t:
        c = tf.cond(v > 0, lambda: v * v, lambda: -v)
        _, wl = tf.while_loop(
            lambda i, a: i < 3, lambda i, a: (i + 1, a * v), (tf.constant(0), tf.constant(1.0))
        )
        m = tf.reduce_sum(tf.map_fn(lambda e: e * e, w))
        s = tf.reduce_sum(tf.scan(lambda a, e: a * e, w))
        f = tf.foldl(lambda a, e: a * e + v, w, initializer=tf.constant(1.0))
        vm = tf.reduce_sum(tf.vectorized_map(lambda e: e * e * v, w))
    return (
        t.gradient(c, v),
        t.gradient(wl, v),
        t.gradient(m, w),
        t.gradient(s, w),
        t.gradient(f, [w, v]),
        t.gradient(vm, [w, v]),
    )


def _gradients_in_function(tf: Any) -> Any:
    w = tf.Variable(1.5)

    @tf.function
    def grads(x: Any, e: Any, n: Any) -> Any:
        with tf.GradientTape(persistent=True) as t:
            t.watch([x, e])
            c = tf.cond(x > 0, lambda: tf.sqrt(x) * w, lambda: tf.zeros_like(x))
            _, wl = tf.while_loop(
                lambda i, a: i < n,
                lambda i, a: (i + 1, a * w),
                (tf.constant(0), tf.constant(1.0)),
                maximum_iterations=10,
            )
            s = tf.reduce_sum(tf.scan(lambda a, q: a * q, e))
            m = tf.reduce_sum(tf.map_fn(lambda q: q * q * w, e))
            vm = tf.reduce_sum(tf.vectorized_map(lambda q: q * q * w, e))
        return (
            t.gradient(c, [x, w]),
            t.gradient(wl, w),
            t.gradient(s, e),
            t.gradient(m, [e, w]),
            t.gradient(vm, [e, w]),
        )

    e = tf.constant([1.0, 2.0, 3.0])
    return grads(tf.constant(4.0), e, tf.constant(3)), grads(tf.constant(-4.0), e, tf.constant(2))


def _function_with_cond_inside_tape(tf: Any) -> Any:
    w = tf.Variable(1.5)
    f = tf.function(lambda: tf.cond(w > 0, lambda: w * w, lambda: -w))
    with tf.GradientTape() as t:
        y = f()
    return y, t.gradient(y, w)


CASES = [
    Case("cond", _cond),
    Case("cond_errors", _cond_errors),
    Case("cond_in_function", _cond_in_function),
    Case("case", _case),
    Case("case_no_default_none_true", _case_no_default_none_true),
    Case("switch_case", _switch_case),
    Case("switch_case_errors", _switch_case_errors),
    Case("while_loop", _while_loop),
    Case("while_loop_in_function_capped", _while_loop_in_function_capped),
    Case("while_loop_errors", _while_loop_errors),
    Case("while_loop_assigns_variable_in_function", _while_loop_assigns_variable_in_function),
    Case("cond_assigns_variable_in_function", _cond_assigns_variable_in_function),
    Case("map_fn", _map_fn),
    Case("map_fn_wrong_dtype", _map_fn_wrong_dtype),
    Case("scan_and_folds", _scan_and_folds),
    Case("foldl_empty", _foldl_empty),
    Case("vectorized_map", _vectorized_map),
    Case("gradients_eager", _gradients_eager, rtol=1e-6),
    Case("gradients_in_function", _gradients_in_function, rtol=1e-6),
    Case("function_with_cond_inside_tape", _function_with_cond_inside_tape),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_matches_tensorflow(case: Case, run_both: Any) -> None:
    run_both(case.fn, rtol=case.rtol, message=case.message)


def test_cond_in_function_is_one_lax_cond_and_skips_the_untaken_gradient() -> None:
    # sqrt at a negative x is NaN: the untaken branch must not leak NaN into the gradient.
    @tf.function
    def g(x: Any) -> Any:
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.cond(x > 0, lambda: tf.sqrt(x), lambda: tf.zeros_like(x))
        return t.gradient(y, x)

    assert float(g(tf.constant(-4.0))) == 0.0
    assert float(g(tf.constant(4.0))) == 0.25
    assert g.experimental_get_tracing_count() == 1


def test_mismatched_branches_in_function_raise() -> None:
    f = tf.function(lambda x: tf.cond(x > 0, lambda: x, lambda: (x, x)))
    with pytest.raises(ValueError, match="same number, type, and overall structure"):
        f(tf.constant(1.0))


def _while_without_maximum_iterations_under_a_tape(tf: Any) -> Any:
    w = tf.Variable(2.0)

    @tf.function
    def inside(n: Any) -> Any:
        with tf.GradientTape() as t:
            _, y = tf.while_loop(lambda i, a: i < n, lambda i, a: (i + 1, a * w), (0, 1.0))
        return t.gradient(y, w)

    @tf.function
    def loop(x: Any) -> Any:
        return tf.while_loop(lambda y: y < 100.0, lambda y: y * 1.5 + 1.0, [x])[0]

    x = tf.constant(2.0)
    with tf.GradientTape() as t:
        t.watch(x)
        y = loop(x)
    outside = t.gradient(y, x)
    return [inside(tf.constant(n)) for n in (0, 1, 3, 5, 9)], y, outside


def test_while_loop_without_maximum_iterations_under_a_tape(run_both: Any) -> None:
    """The trip count is known only at run time; the gradient is TF's, with the tape
    inside the function and outside it; the buckets (1, 2, 4, 8, 16 steps) all run."""
    run_both(_while_without_maximum_iterations_under_a_tape)


def test_map_fn_values_without_tf() -> None:
    out = tf.map_fn(lambda t: t * 2, tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out.numpy(), [2.0, 4.0, 6.0])
    out = tf.function(lambda e: tf.scan(lambda a, t: a + t, e))(tf.constant([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(out.numpy(), [1.0, 3.0, 6.0])

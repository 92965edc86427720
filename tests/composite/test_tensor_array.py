"""`tf.TensorArray` against TensorFlow 2.21: eager, under tapes, in tf.function and loops."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat

EAGER_CASES = {
    "write_read": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, [1.0, 2.0]).read(0),
    "unwritten_reads_zeros": lambda tf: (
        tf.TensorArray(tf.float32, size=3).write(0, [1.0, 2.0]).read(1)
    ),
    "stack_zero_fills": lambda tf: tf.TensorArray(tf.float32, size=3).write(1, [1.0, 2.0]).stack(),
    "write_twice_overwrites": lambda tf: (
        tf.TensorArray(tf.float32, size=2).write(0, [1.0]).write(0, [3.0]).write(1, [2.0]).stack()
    ),
    "size": lambda tf: tf.TensorArray(tf.int32, size=4).size(),
    "dynamic_grows": lambda tf: (lambda ta: (ta.size(), ta.stack()))(
        tf.TensorArray(tf.float32, size=0, dynamic_size=True).write(3, 1.0)
    ),
    "element_shape": lambda tf: (
        tf.TensorArray(tf.float32, size=2).write(0, [[1.0, 2.0]]).element_shape
    ),
    "element_shape_given": lambda tf: (
        tf.TensorArray(tf.float32, size=2, element_shape=[None, 3]).element_shape
    ),
    "dtype": lambda tf: tf.TensorArray(tf.int64, size=1).dtype,
    "dynamic_size_prop": lambda tf: (
        tf.TensorArray(tf.int64, size=1, dynamic_size=True).dynamic_size
    ),
    "unstack_read": lambda tf: (
        tf.TensorArray(tf.float32, size=2).unstack([[1.0, 2.0], [3.0, 4.0]]).read(1)
    ),
    "unstack_dynamic": lambda tf: (
        tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        .unstack([[1.0, 2.0], [3.0, 4.0]])
        .stack()
    ),
    "gather": lambda tf: (
        tf.TensorArray(tf.float32, size=3).unstack([[1.0], [2.0], [3.0]]).gather([2, 0])
    ),
    "scatter": lambda tf: (
        tf.TensorArray(tf.float32, size=3).scatter([2, 0], [[1.0], [2.0]]).write(1, [0.0]).stack()
    ),
    "split_concat": lambda tf: (
        tf.TensorArray(tf.float32, size=3).split([1.0, 2.0, 3.0, 4.0, 5.0], [2, 2, 1]).concat()
    ),
    "split_read": lambda tf: (
        tf.TensorArray(tf.float32, size=3).split([1.0, 2.0, 3.0, 4.0, 5.0], [2, 2, 1]).read(1)
    ),
    "concat_ragged_elements": lambda tf: (
        tf.TensorArray(tf.float32, size=2, infer_shape=False)
        .write(0, [1.0])
        .write(1, [2.0, 3.0])
        .concat()
    ),
    "empty_stack_known_shape": lambda tf: tf.TensorArray(
        tf.float32, size=0, element_shape=[2]
    ).stack(),
    "empty_stack": lambda tf: tf.TensorArray(tf.float32, size=0).stack(),
    "python_int_as_float": lambda tf: tf.TensorArray(tf.float32, size=1).write(0, 3).stack(),
    "int_array": lambda tf: tf.TensorArray(tf.int32, size=2).write(0, 3).write(1, 4).stack(),
    "identity": lambda tf: tf.TensorArray(tf.float32, size=1).write(0, 1.0).identity().stack(),
    "flow": lambda tf: tf.TensorArray(tf.float32, size=1).flow,
    "scalar_concat": lambda tf: tf.TensorArray(tf.float32, size=2).write(0, 1.0).concat(),
}

ERROR_CASES = {
    "read_past_end": lambda tf: tf.TensorArray(tf.float32, size=3).read(5),
    "read_negative": lambda tf: tf.TensorArray(tf.float32, size=3).read(-1),
    "write_past_end": lambda tf: tf.TensorArray(tf.float32, size=3).write(5, [1.0]),
    "write_negative": lambda tf: tf.TensorArray(tf.float32, size=3).write(-1, [1.0]),
    "write_wrong_shape": lambda tf: (
        tf.TensorArray(tf.float32, size=3).write(0, [1.0, 2.0]).write(1, [1.0, 2.0, 3.0])
    ),
    "write_wrong_dtype": lambda tf: tf.TensorArray(tf.float32, size=3).write(
        0, tf.constant([1, 2])
    ),
    "element_shape_mismatch": lambda tf: tf.TensorArray(
        tf.float32, size=2, element_shape=[3]
    ).write(0, [1.0, 2.0]),
    "stack_unknown_shape": lambda tf: tf.TensorArray(tf.float32, size=2).stack(),
    "stack_mismatched_shapes": lambda tf: (
        tf.TensorArray(tf.float32, size=2, infer_shape=False)
        .write(0, [1.0])
        .write(1, [2.0, 3.0])
        .stack()
    ),
    "unstack_too_many": lambda tf: tf.TensorArray(tf.float32, size=2).unstack(
        [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    ),
    "split_bad_sum": lambda tf: tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [1, 1]),
    "split_bad_count": lambda tf: tf.TensorArray(tf.float32, size=2).split([1.0, 2.0, 3.0], [3]),
    "split_scalar": lambda tf: tf.TensorArray(tf.float32, size=1).split(1.0, [1]),
    "no_size": lambda tf: tf.TensorArray(tf.float32),
    "grad_eager": lambda tf: tf.TensorArray(tf.float32, size=1).grad("x"),
}


@pytest.mark.parametrize("case", list(EAGER_CASES), ids=list(EAGER_CASES))
def test_eager_matches_tf(run_both: Any, case: str) -> None:
    run_both(EAGER_CASES[case])


@pytest.mark.parametrize("case", list(ERROR_CASES), ids=list(ERROR_CASES))
def test_errors_match_tf(run_both: Any, case: str) -> None:
    run_both(ERROR_CASES[case])


def test_clear_after_read(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ta = tf.TensorArray(tf.float32, size=2).unstack([[1.0, 2.0], [3.0, 4.0]])
        first = ta.read(0)
        return first, ta.read(0)

    run_both(fn)

    def keep(tf: Any) -> Any:
        ta = tf.TensorArray(tf.float32, size=2, clear_after_read=False)
        ta = ta.unstack([[1.0, 2.0], [3.0, 4.0]])
        return ta.read(0), ta.read(0)

    run_both(keep)


def test_class_name_module_and_spec(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ta = tf.TensorArray(tf.float32, size=2)
        t = type(ta)
        spec = tf.TensorArraySpec([2], tf.float32)
        return (
            t.__name__,
            t.__module__,
            repr(ta).split(" object at")[0],
            repr(spec),
            spec == tf.TensorArraySpec([2], tf.float32),
            spec == tf.TensorArraySpec([3], tf.float32),
            spec.is_compatible_with(tf.TensorArraySpec([None], tf.float32)),
            tf.TensorArraySpec.from_value(ta.write(0, [1.0, 2.0])) == spec,
        )

    run_both(fn)


def test_gradient_eager_tape(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        x = tf.Variable([1.0, 2.0, 3.0])
        with tf.GradientTape() as t:
            ta = tf.TensorArray(tf.float32, size=3)
            for i in range(3):
                ta = ta.write(i, x[i] * x)
            y = tf.reduce_sum(ta.stack() ** 2) + tf.reduce_sum(ta.gather([0, 2]))
        return y, t.gradient(y, x)

    run_both(fn)


def test_gradient_through_unstack_read_concat(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        x = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        with tf.GradientTape() as t:
            t.watch(x)
            ta = tf.TensorArray(tf.float32, size=3, clear_after_read=False).unstack(x)
            y = tf.reduce_sum(ta.read(1) * ta.read(2)) + tf.reduce_sum(ta.concat() ** 2)
        return y, t.gradient(y, x)

    run_both(fn)


def _lstm_step(tf: Any, x_t: Any, h: Any, c: Any, w: Any, u: Any, b: Any) -> Any:
    z = tf.matmul(x_t, w) + tf.matmul(h, u) + b
    i, f, g, o = tf.split(z, 4, axis=1)
    c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
    h = tf.sigmoid(o) * tf.tanh(c)
    return h, c


def _lstm_params(tf: Any) -> tuple[Any, ...]:
    rng = np.random.default_rng(0)
    batch, steps, d_in, d_h = 2, 5, 3, 4
    xs = tf.constant(rng.normal(size=(steps, batch, d_in)).astype(np.float32))
    w = tf.Variable(rng.normal(size=(d_in, 4 * d_h)).astype(np.float32) * 0.5)
    u = tf.Variable(rng.normal(size=(d_h, 4 * d_h)).astype(np.float32) * 0.5)
    b = tf.Variable(np.zeros((4 * d_h,), np.float32))
    return xs, w, u, b


def test_lstm_loop_in_function_under_tape(run_both: Any) -> None:
    """An LSTM written with tf.TensorArray and tf.while_loop in a tf.function, tape inside."""

    def fn(tf: Any) -> Any:
        xs, w, u, b = _lstm_params(tf)

        @tf.function
        def loss_and_grads(xs: Any) -> Any:
            with tf.GradientTape() as tape:
                steps = xs.shape[0]
                inputs = tf.TensorArray(tf.float32, size=steps).unstack(xs)
                outputs = tf.TensorArray(tf.float32, size=steps)
                h = tf.zeros([xs.shape[1], 4])
                c = tf.zeros([xs.shape[1], 4])

                def body(t: Any, outputs: Any, h: Any, c: Any) -> Any:
                    h, c = _lstm_step(tf, inputs.read(t), h, c, w, u, b)
                    return t + 1, outputs.write(t, h), h, c

                _, outputs, h, c = tf.while_loop(
                    lambda t, *_: t < steps, body, (0, outputs, h, c), maximum_iterations=steps
                )
                seq = outputs.stack()
                loss = tf.reduce_mean(seq**2) + tf.reduce_sum(c)
            return loss, seq, tape.gradient(loss, [w, u, b])

        return loss_and_grads(xs)

    run_both(fn, rtol=1e-4)


def test_lstm_loop_called_under_outer_tape(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        xs, w, u, b = _lstm_params(tf)

        @tf.function
        def forward(xs: Any) -> Any:
            steps = xs.shape[0]
            outputs = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
            h = tf.zeros([xs.shape[1], 4])
            c = tf.zeros([xs.shape[1], 4])

            def body(t: Any, outputs: Any, h: Any, c: Any) -> Any:
                h, c = _lstm_step(tf, tf.gather(xs, t), h, c, w, u, b)
                return t + 1, outputs.write(t, h), h, c

            _, outputs, h, c = tf.while_loop(
                lambda t, *_: t < steps, body, (0, outputs, h, c), maximum_iterations=steps
            )
            return outputs.stack()

        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(forward(xs) ** 2)
        return loss, tape.gradient(loss, [w, u, b])

    run_both(fn, rtol=1e-4)


def test_unrolled_python_loop_in_function(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def f(x: Any) -> Any:
            ta = tf.TensorArray(tf.float32, size=3)
            for i in range(3):
                ta = ta.write(i, x * float(i))
            return ta.stack(), ta.size()

        return f(tf.constant([1.0, 2.0]))

    run_both(fn)


def test_eager_while_loop_with_tensor_array(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
        _, ta = tf.while_loop(
            lambda i, ta: i < 4, lambda i, ta: (i + 1, ta.write(i, i * i)), (0, ta)
        )
        return ta.stack()

    run_both(fn)


def test_traced_dynamic_array_needs_maximum_iterations() -> None:
    tf = tfcompat

    @tf.function
    def f(n: Any) -> Any:
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[])
        _, ta = tf.while_loop(lambda i, ta: i < n, lambda i, ta: (i + 1, ta.write(i, 1.0)), (0, ta))
        return ta.stack()

    with pytest.raises(tf.errors.UnimplementedError, match="maximum_iterations"):
        f(tf.constant(3))


def test_tensor_array_is_pytree() -> None:
    import jax

    tf = tfcompat
    ta = tf.TensorArray(tf.float32, size=2).unstack([[1.0], [2.0]])
    leaves, treedef = jax.tree_util.tree_flatten(ta)
    assert len(leaves) == 1
    back = jax.tree_util.tree_unflatten(treedef, leaves)
    np.testing.assert_array_equal(back.stack().numpy(), [[1.0], [2.0]])


def test_constructor_signature_matches_tf(real_tf: Any) -> None:
    import inspect

    def sig(f: Any) -> list[tuple[str, Any]]:
        return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]

    assert sig(tfcompat.TensorArray.__init__) == sig(real_tf.TensorArray.__init__)
    assert sig(tfcompat.TensorArraySpec.__init__) == sig(real_tf.TensorArraySpec.__init__)
    for name in ("read", "write", "stack", "unstack", "gather", "scatter", "concat", "split"):
        assert sig(getattr(tfcompat.TensorArray, name)) == sig(getattr(real_tf.TensorArray, name))


def test_keras_rnn_loop_pattern(run_both: Any) -> None:
    """Keras's TF-backend RNN loop: input arrays read from the body's closure, a tuple of
    output arrays as a loop variable, maximum_iterations a tensor, a tape outside."""

    def fn(tf: Any) -> Any:
        x = tf.constant(np.random.default_rng(0).normal(size=(4, 2, 3)).astype(np.float32))
        w = tf.Variable(np.full((3, 3), 0.1, np.float32))

        @tf.function
        def rnn(x: Any) -> Any:
            steps = x.shape[0]
            input_ta = (tf.TensorArray(dtype=x.dtype, size=steps, tensor_array_name="in"),)
            input_ta = tuple(ta.unstack(x) for ta in input_ta)
            out0 = tf.zeros([2, 3])
            output_ta = (tf.TensorArray(out0.dtype, size=steps, element_shape=out0.shape),)
            time = tf.constant(0, dtype="int32", name="time")

            def _step(time: Any, output_ta_t: Any, *states: Any) -> Any:
                cur = tuple(ta.read(time) for ta in input_ta)
                h = tf.tanh(tf.matmul(cur[0], w) + states[0])
                output_ta_t = tuple(ta.write(time, h) for ta in output_ta_t)
                return (time + 1, output_ta_t, h)

            final = tf.while_loop(
                body=_step,
                loop_vars=(time, output_ta, out0),
                cond=lambda time, *_: time < steps,
                maximum_iterations=tf.constant(steps),
                parallel_iterations=32,
                swap_memory=True,
            )
            return final[1][0].stack(), final[2]

        with tf.GradientTape() as tape:
            seq, h = rnn(x)
            loss = tf.reduce_sum(seq) + tf.reduce_sum(h)
        return seq, loss, tape.gradient(loss, w)

    run_both(fn, rtol=1e-5)

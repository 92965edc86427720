"""The workloads, written once against the public TensorFlow 2 API.

Each ``build_*`` takes the module to run on (``tensorflow`` or ``tfcompat``), creates its
variables and converts its data once, and returns a :class:`Job`: ``fn(*args)`` runs one
step (eagerly, or wrapped in ``tf.function`` by the harness) and returns what must be
computed before the step counts as done (the loss, or the gradients). Variables are
captured by closure and data is passed as arguments, as in TensorFlow's training guides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from benchmarks import data


@dataclass(frozen=True)
class Job:
    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


def _sgd(variables: list[Any], grads: list[Any], lr: float) -> None:
    for variable, grad in zip(variables, grads, strict=True):
        variable.assign_sub(lr * grad)


def build_w1(tf: ModuleType) -> Job:
    """W1: the seed's scalar tape: ``y = x**2``, ``tape.gradient(y, x)``."""
    x = tf.Variable(3.0)

    def step() -> Any:
        with tf.GradientTape() as tape:
            y = x**2
        return tape.gradient(y, x)

    return Job(step)


def build_w2(tf: ModuleType) -> Job:
    """W2: linear regression with scalar ``w, b`` on 1000 points (TF's training guide)."""
    x_np, y_np = data.linear_regression()
    w = tf.Variable(data.W2_INIT_W)
    b = tf.Variable(data.W2_INIT_B)
    lr = data.W2_LR

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(y - (w * x + b)))
        dw, db = tape.gradient(loss, [w, b])
        w.assign_sub(lr * dw)
        b.assign_sub(lr * db)
        return loss

    return Job(step, (tf.constant(x_np), tf.constant(y_np)))


def _mlp_forward(tf: ModuleType, params: list[Any], x: Any) -> Any:
    """Dense layers with relu between them (none after the last)."""
    h = x
    for i in range(0, len(params), 2):
        h = tf.matmul(h, params[i]) + params[i + 1]
        if i + 2 < len(params):
            h = tf.nn.relu(h)
    return h


def build_w3(tf: ModuleType) -> Job:
    """W3: MLP 784-256-10, batch 128, mean softmax cross-entropy, SGD lr 0.1."""
    params_np, x_np, labels_np = data.classifier_mlp()
    params = [tf.Variable(p) for p in params_np]

    def step(x: Any, labels: Any) -> Any:
        with tf.GradientTape() as tape:
            logits = _mlp_forward(tf, params, x)
            loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
        _sgd(params, tape.gradient(loss, params), data.MLP_LR)
        return loss

    return Job(step, (tf.constant(x_np), tf.constant(labels_np)))


def build_w4(tf: ModuleType) -> Job:
    """W4: compute-bound MLP 1024-4096-1024, batch 1024, mean squared error."""
    params_np, x_np, y_np = data.wide_mlp()
    params = [tf.Variable(p) for p in params_np]

    def step(x: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(_mlp_forward(tf, params, x) - y))
        _sgd(params, tape.gradient(loss, params), data.W4_LR)
        return loss

    return Job(step, (tf.constant(x_np), tf.constant(y_np)))


def build_w5(tf: ModuleType) -> Job:
    """W5: conv2d 3x3x32 SAME + relu + max_pool2d 2 + flatten + dense 10, batch 64."""
    params_np, x_np, labels_np = data.cnn()
    kernel, conv_bias, dense_w, dense_b = params = [tf.Variable(p) for p in params_np]

    def step(x: Any, labels: Any) -> Any:
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=1, padding="SAME") + conv_bias)
            h = tf.nn.max_pool2d(h, ksize=2, strides=2, padding="VALID")
            logits = tf.matmul(tf.reshape(h, (64, -1)), dense_w) + dense_b
            loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
            )
        _sgd(params, tape.gradient(loss, params), data.MLP_LR)
        return loss

    return Job(step, (tf.constant(x_np), tf.constant(labels_np)))


def build_w6(tf: ModuleType) -> Job:
    """W6: ``batch_jacobian`` of an 8-32-4 tanh MLP (batch 16) and a 32x32 Hessian.

    The Hessian is ``tape.jacobian`` of a gradient taken under an outer tape, of
    ``f(v) = sum(tanh(A v)**2)``.
    """
    params_np, x_np, a_np, v_np = data.jacobian_inputs()
    w1, b1, w2, b2 = (tf.constant(p) for p in params_np)
    a = tf.constant(a_np)

    def step(x: Any, v: Any) -> Any:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.matmul(tf.tanh(tf.matmul(x, w1) + b1), w2) + b2
        jacobian = tape.batch_jacobian(y, x)
        with tf.GradientTape() as outer:
            outer.watch(v)
            with tf.GradientTape() as inner:
                inner.watch(v)
                f = tf.reduce_sum(tf.square(tf.tanh(tf.matmul(a, tf.reshape(v, (32, 1))))))
            grad = inner.gradient(f, v)
        hessian = outer.jacobian(grad, v)
        return jacobian, hessian

    return Job(step, (tf.constant(x_np), tf.constant(v_np)))


R1_OPS = 1000


def build_r1(tf: ModuleType) -> Job:
    """R1: record a 1,000-op elementwise chain on a tape; no ``gradient`` call.

    The step returns nothing to wait for: what is timed is the ``with tape:`` block alone
    (on tfcompat, recording builds pending tensors and computes nothing).
    """
    x = tf.Variable(tf.ones((64,)))

    def step() -> None:
        with tf.GradientTape():
            y = x
            for _ in range(R1_OPS // 2):
                y = y * 0.999
                y = y + 0.001

    return Job(step)

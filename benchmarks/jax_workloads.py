"""Hand-written JAX versions of the workloads: the baseline every ratio is taken against.

Written as a JAX user would: a pure loss, ``jax.jit(jax.value_and_grad(...))`` with the SGD
update inside the jitted step, parameters threaded through as a list of arrays. Each
``build_*`` returns a zero-argument callable that runs one step, keeps the new parameters
and returns what must be waited for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from benchmarks import data

Params = list[jax.Array]


def _stateful(step: Callable[..., tuple[Params, jax.Array]], params: Params, *batch: Any) -> Any:
    """Close over the parameters so each call runs one step and keeps the result."""
    state = [params]

    def call() -> jax.Array:
        state[0], loss = step(state[0], *batch)
        return loss

    return call


def _sgd(params: Params, grads: Params, lr: float) -> Params:
    return [p - lr * g for p, g in zip(params, grads, strict=True)]


def _mlp_forward(params: Params, x: jax.Array) -> jax.Array:
    h = x
    for i in range(0, len(params), 2):
        h = h @ params[i] + params[i + 1]
        if i + 2 < len(params):
            h = jax.nn.relu(h)
    return h


def _softmax_xent(logits: jax.Array, labels: jax.Array) -> jax.Array:
    return jnp.mean(-jnp.sum(labels * jax.nn.log_softmax(logits, axis=-1), axis=-1))


def _f32(arrays: list[np.ndarray]) -> Params:
    return [jnp.asarray(a, dtype=jnp.float32) for a in arrays]


def build_w1() -> Callable[[], Any]:
    grad = jax.jit(jax.grad(lambda x: x**2))
    x = jnp.float32(3.0)
    return lambda: grad(x)


def build_w2() -> Callable[[], Any]:
    x, y = _f32(list(data.linear_regression()))

    def loss_fn(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
        w, b = params
        return jnp.mean(jnp.square(y - (w * x + b)))

    @jax.jit
    def step(params: Params, x: jax.Array, y: jax.Array) -> tuple[Params, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return _sgd(params, grads, data.W2_LR), loss

    params = [jnp.float32(data.W2_INIT_W), jnp.float32(data.W2_INIT_B)]
    return _stateful(step, params, x, y)


def build_w3() -> Callable[[], Any]:
    params, x, labels = data.classifier_mlp()

    def loss_fn(params: Params, x: jax.Array, labels: jax.Array) -> jax.Array:
        return _softmax_xent(_mlp_forward(params, x), labels)

    @jax.jit
    def step(params: Params, x: jax.Array, labels: jax.Array) -> tuple[Params, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, labels)
        return _sgd(params, grads, data.MLP_LR), loss

    return _stateful(step, _f32(params), *_f32([x, labels]))


def build_w4() -> Callable[[], Any]:
    params, x, y = data.wide_mlp()

    def loss_fn(params: Params, x: jax.Array, y: jax.Array) -> jax.Array:
        return jnp.mean(jnp.square(_mlp_forward(params, x) - y))

    @jax.jit
    def step(params: Params, x: jax.Array, y: jax.Array) -> tuple[Params, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return _sgd(params, grads, data.W4_LR), loss

    return _stateful(step, _f32(params), *_f32([x, y]))


def build_w5() -> Callable[[], Any]:
    params, x, labels = data.cnn()

    def loss_fn(params: Params, x: jax.Array, labels: jax.Array) -> jax.Array:
        kernel, conv_bias, dense_w, dense_b = params
        h = jax.lax.conv_general_dilated(
            x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        h = jax.nn.relu(h + conv_bias)
        h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        logits = h.reshape(h.shape[0], -1) @ dense_w + dense_b
        return _softmax_xent(logits, labels)

    @jax.jit
    def step(params: Params, x: jax.Array, labels: jax.Array) -> tuple[Params, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, labels)
        return _sgd(params, grads, data.MLP_LR), loss

    return _stateful(step, _f32(params), *_f32([x, labels]))


def build_w6() -> Callable[[], Any]:
    params_np, x_np, a_np, v_np = data.jacobian_inputs()
    params, (x, a, v) = _f32(params_np), _f32([x_np, a_np, v_np])

    def mlp_one(params: Params, xi: jax.Array) -> jax.Array:
        w1, b1, w2, b2 = params
        return jnp.tanh(xi @ w1 + b1) @ w2 + b2

    def f(v: jax.Array, a: jax.Array) -> jax.Array:
        return jnp.sum(jnp.square(jnp.tanh(a @ v)))

    @jax.jit
    def step(params: Params, x: jax.Array, a: jax.Array, v: jax.Array) -> Any:
        jacobian = jax.vmap(jax.jacrev(mlp_one, argnums=1), in_axes=(None, 0))(params, x)
        return jacobian, jax.hessian(f)(v, a)

    return lambda: step(params, x, a, v)

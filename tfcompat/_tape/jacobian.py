"""`GradientTape.jacobian` and `GradientTape.batch_jacobian`.

TF computes a Jacobian with `pfor`: the gradient of each element of the flattened target,
vectorized. tfcompat does the same with `jax.vmap` over the gradient program the engine
already compiles for `tape.gradient` (`GradPlan.fn(leaf_vals, seeds)`): the seeds are the
rows of an identity matrix, so one compiled call computes every row of the Jacobian.

The Jacobian is itself a raw op applied to the recorded graph's leaves, like the
gradient op: it stays pending until its value is needed, and a tape recording around the
call records it, so Hessians (`jacobian` of a `gradient`) and Jacobians of Jacobians
compose.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._engine.caches import OpCache
from tfcompat._engine.deps import jaxpr_deps
from tfcompat._engine.variable import Variable
from tfcompat._ops.registry import RawOp
from tfcompat._tape import engine
from tfcompat._tape import record as tape_mod
from tfcompat._tape.record import UnconnectedGradients
from tfcompat._util import nest

__all__ = ["batch_jacobian", "jacobian"]

_NO_PFOR = (
    "GradientTape must be created with persistent=True to compute the {} with eager "
    "execution enabled and with  experimental_use_pfor set to False."
)
# TF's batch_jacobian message puts the double space before "with" instead (backprop.py).
_NO_PFOR_BATCH = (
    "GradientTape must be created with persistent=True to compute the batch_jacobian with "
    "eager execution enabled and  with experimental_use_pfor set to False."
)
_VECTORIZE_FAILED = (
    "Encountered an exception while vectorizing the {} computation. Vectorization can be "
    "disabled by setting experimental_use_pfor to False."
)
# TF's batch_jacobian check has no space between "to" and "compute" (backprop.py).
_NON_PERSISTENT_USED_BATCH = (
    "A non-persistent GradientTape can only be used tocompute one set of gradients (or jacobians)"
)


def jacobian(
    tape: Any,
    target: Any,
    sources: Any,
    unconnected_gradients: Any = UnconnectedGradients.NONE,
    parallel_iterations: Any = None,
    experimental_use_pfor: bool = True,
) -> Any:
    """tfcompat implementation of `tf.GradientTape.jacobian`: `vmap` over the gradient."""
    if tape._tape is None:
        raise RuntimeError(tape_mod._NON_PERSISTENT_USED)
    flat_sources = nest.flatten(sources)
    target_shape = _dims(target.shape)  # a list target raises TF's AttributeError
    if not experimental_use_pfor and not tape._persistent:
        raise RuntimeError(_NO_PFOR.format("jacobian"))

    persistent = tape._persistent
    grads = _run(
        tape, target, flat_sources, _JacobianKind(target_shape, target.dtype), unconnected_gradients
    )
    if experimental_use_pfor:
        _check_parallel_iterations(
            "jacobian", parallel_iterations, math.prod(target_shape), persistent
        )
    out: list[Any] = []
    for g, s in zip(grads, flat_sources, strict=True):
        if g is None and _unconnected_mode(unconnected_gradients) is UnconnectedGradients.ZERO:
            g = _zeros(target_shape + _dims(s.shape), s.dtype)
        out.append(g)
    return nest.pack_sequence_as(sources, out)


def batch_jacobian(
    tape: Any,
    target: Any,
    source: Any,
    unconnected_gradients: Any = UnconnectedGradients.NONE,
    parallel_iterations: Any = None,
    experimental_use_pfor: bool = True,
) -> Any:
    """tfcompat implementation of `tf.GradientTape.batch_jacobian`.

    Differences from TensorFlow:
      As in TF, the result is only meaningful when `target[i]` depends on `source[i]`
      alone: row i of the result is the gradient of `target[:, j]` summed over the batch.
    """
    if tape._tape is None:
        raise RuntimeError(_NON_PERSISTENT_USED_BATCH)
    target_static = TensorShape(target.shape)
    source_static = TensorShape(source.shape)
    target_static.with_rank_at_least(2)
    source_static.with_rank_at_least(2)
    if target_static[0] != source_static[0]:
        raise ValueError(
            f"Need first dimension of target shape ({target_static}) and source shape "
            f"({source_static}) to match."
        )
    target_shape = _dims(target_static)
    source_shape = _dims(source_static)
    if not experimental_use_pfor and not tape._persistent:
        raise RuntimeError(_NO_PFOR_BATCH)

    persistent = tape._persistent
    kind = _BatchJacobianKind(target_shape, source_shape, target.dtype)
    (g,) = _run(tape, target, [source], kind, unconnected_gradients)
    if experimental_use_pfor:
        _check_parallel_iterations(
            "batch_jacobian", parallel_iterations, math.prod(target_shape[1:]), persistent
        )
    if g is None:
        # TF returns zeros of the *target* dtype here, even with UnconnectedGradients.NONE.
        return _zeros(target_shape + source_shape[1:], target.dtype)
    return g


# --------------------------------------------------------------------------------------
# The shared machinery
# --------------------------------------------------------------------------------------


def _check_parallel_iterations(
    what: str, parallel_iterations: Any, iters: int, persistent: bool
) -> None:
    """TF's pfor checks, made after the (first) gradient call, as in TF.

    With `parallel_iterations` at most the number of rows, TF's pfor tiles the loop and
    calls the gradient twice, which a non-persistent tape refuses: TF 2.21 fails there.
    """
    if parallel_iterations is None:
        return
    if parallel_iterations < 1:
        cause = ValueError(
            _in_user_code(
                "ValueError",
                "Argument `parallel_iterations` must be None or a positive integer. "
                f"Received: {parallel_iterations}.",
            )
        )
    elif parallel_iterations == 1:
        cause = ValueError(
            _in_user_code("ValueError", "Found `parallel_iterations == 1`. Use `for_loop` instead.")
        )
    elif iters >= parallel_iterations and not persistent:
        if what == "batch_jacobian":
            raise RuntimeError(
                _in_user_code(
                    "RuntimeError",
                    "GradientTape must be created with persistent=True to compute the "
                    "batch_jacobian with parallel_iterations.",
                )
            )
        cause = ValueError(_in_user_code("ValueError", "None values not supported."))
    else:
        return
    raise ValueError(_VECTORIZE_FAILED.format(what)) from cause


def _in_user_code(cls: str, message: str) -> str:
    # TF raises these from inside pfor's traced function, whose errors carry this prefix.
    return f"in user code:\n\n\n    {cls}: {message}\n"


def _unconnected_mode(value: Any) -> UnconnectedGradients:
    return tape_mod._unconnected_mode(value)


def _run(
    tape: Any, target: Any, flat_sources: list[Any], kind: Any, unconnected_gradients: Any
) -> list[Any]:
    """The gradient preamble and epilogue of `GradientTape.gradient`, around a Jacobian op."""
    if tape._recording:
        if not tape._persistent:
            tape._pop_tape()
        else:
            tape_mod._log_first_n("persistent_inside", 1, tape_mod._PERSISTENT_INSIDE_WARNING)
    record = tape._tape
    target_t = tape_mod._target_tensor(target)
    for s in flat_sources:
        tape_mod._check_source(s)
    _unconnected_mode(unconnected_gradients)
    sources = [s._origin() if isinstance(s, Variable) else s for s in flat_sources]

    # The seed list only selects a plan whose program takes seeds; the op below makes its own.
    req = engine.GradientRequest(record, [target_t], sources, [target_t])
    plan, w = engine.plan_gradient(req)
    grads: list[Any] = [None] * len(sources)
    if plan.op is not None:
        op = _jacobian_op(plan, kind)
        outs = engine.execute_op(op, tuple(w.leaves))
        it = iter(outs)
        for i, connected in enumerate(plan.connected):
            if connected:
                grads[i] = next(it)

    if not tape._persistent:
        tape._mark_consumed(record)
        engine.retire(record)
        engine.release([target_t])
    return grads


class _JacobianKind:
    """Seeds: the rows of the identity over the flattened target; result `t.shape + s.shape`."""

    name = "Jacobian"

    def __init__(self, target_shape: tuple[int, ...], target_dtype: Any) -> None:
        self.target_shape = target_shape
        self.target_dtype = target_dtype

    def key(self) -> Any:
        return ("jacobian", self.target_shape, self.target_dtype)

    def seeds(self, dtype: Any) -> Any:
        n = math.prod(self.target_shape)
        return jnp.eye(n, dtype=dtype).reshape((n, *self.target_shape))

    def finish(self, g: Any) -> Any:
        return g.reshape(self.target_shape + g.shape[1:])


class _BatchJacobianKind:
    """Seeds: one-hot over a target row, the same for every batch entry."""

    name = "BatchJacobian"

    def __init__(
        self, target_shape: tuple[int, ...], source_shape: tuple[int, ...], target_dtype: Any
    ) -> None:
        self.target_shape = target_shape
        self.source_shape = source_shape
        self.target_dtype = target_dtype

    def key(self) -> Any:
        return ("batch_jacobian", self.target_shape, self.source_shape, self.target_dtype)

    def seeds(self, dtype: Any) -> Any:
        b, row = self.target_shape[0], self.target_shape[1:]
        m = math.prod(row)
        eye = jnp.eye(m, dtype=dtype).reshape((m, 1, *row))
        return jnp.broadcast_to(eye, (m, b, *row))

    def finish(self, g: Any) -> Any:
        # g: (m, b, *source_shape[1:]) -> (b, *target_shape[1:], *source_shape[1:])
        g = jnp.moveaxis(g, 0, 1)
        return g.reshape(self.target_shape + self.source_shape[1:])


# (plan, op) by (plan id, kind) (cleared by clear_caches(), bounded by set_cache_size).
_OPS = OpCache("jacobian")


def _jacobian_op(plan: Any, kind: Any) -> RawOp:
    """The raw op computing the Jacobian of `plan`'s target: `vmap` of its program over seeds.

    Cached per (plan, kind) so that a loop taking the same Jacobian reuses one op, hence
    one abstract evaluation and one compiled program.
    """
    key = (id(plan), kind.key())
    hit = _OPS.get(key)
    if hit is not None and hit[0] is plan:
        return hit[1]
    fn = plan.fn
    target_dtype = kind.target_dtype.as_numpy_dtype

    def jacobian_fn(*leaf_vals: Any) -> tuple[Any, ...]:
        leaves = list(leaf_vals)

        def row(seed: Any) -> Any:
            return fn(leaves, [seed])[1]

        grads = jax.vmap(row)(kind.seeds(target_dtype))
        return tuple(kind.finish(g) for g in grads)

    barriers = engine.BARRIERS in plan.op.tags  # a segmented program (engine.Program)
    op = RawOp(
        kind.name,
        engine.jit_program(jacobian_fn, barriers),
        differentiable=True,
        num_outputs=None,
        lazy=True,
        deps=jaxpr_deps(jacobian_fn),  # TF's None when an outer tape differentiates it
        tags=plan.op.tags,
    )
    _OPS.put(key, (plan, op))
    return op


def _dims(shape: Any) -> tuple[int, ...]:
    """An eager (fully defined) TensorShape as a tuple of ints."""
    return tuple(int(d) for d in shape.as_list())


def _zeros(shape: tuple[int, ...], dtype: Any) -> Tensor:
    return EagerTensor(np.zeros(shape, dtype.as_numpy_dtype), shape, dtype)

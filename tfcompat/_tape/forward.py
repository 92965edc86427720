"""`tf.autodiff.ForwardAccumulator` on `jax.jvp`.

The accumulator is a tape record that watches its primals: ops run inside its context on
watched values are recorded on it like on a `GradientTape`. `jvp(target)` replays the
recorded graph under `jax.jvp`, with the given tangents on the primal leaves and zeros
elsewhere, in one compiled program cached per graph structure. The JVP is a raw op applied
to the graph's leaves, so a tape (or another accumulator) recording around the call
differentiates through it: forward-over-reverse Hessian-vector products (`jvp` of a
`tape.gradient` taken inside the accumulator) and reverse-over-forward both compose.

Differences from TensorFlow:
  TF computes JVPs as the ops run; tfcompat computes them when `jvp()` is called (from the
  values the ops saw, so the results are the same).
"""

from __future__ import annotations

import logging
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._engine.caches import OpCache
from tfcompat._engine.convert import convert_to_tensor
from tfcompat._engine.deps import jaxpr_deps
from tfcompat._engine.variable import Variable
from tfcompat._ops.registry import RawOp
from tfcompat._tape import engine
from tfcompat._tape.tape import TapeRecord, UnconnectedGradients
from tfcompat._util import nest

__all__ = ["ForwardAccumulator"]

_tf_logger = logging.getLogger("tensorflow")
_warned = [0]


class ForwardAccumulator:
    """tfcompat implementation of `tf.autodiff.ForwardAccumulator`.

    Watches `primals` (tensors or variables) with the given `tangents`; ops run inside
    the `with` block are forward-differentiated, and `jvp(t)` gives the Jacobian-vector
    product for a tensor `t` computed there.
    """

    def __init__(self, primals: Any, tangents: Any) -> None:
        self._record = TapeRecord(True, False)
        self._recording = False
        seen: set[int] = set()
        for primal in nest.flatten(primals):
            if id(primal) in seen:
                raise ValueError(
                    "Tensor {} was specified as a primal multiple times. This may indicate an "
                    "error. If it was intended, please sum the corresponding tangents."
                )
            seen.add(id(primal))
        # id(primal tensor) or ("var", handle uid) -> tangent Tensor
        self._tangents: dict[Any, Tensor] = {}
        flat_p = nest.flatten(primals)
        flat_t = nest.flatten(tangents)
        if len(flat_p) != len(flat_t):
            raise ValueError(
                "The two structures don't have the same nested structure.\n\nFirst structure: "
                f"{primals}\n\nSecond structure: {tangents}"
            )
        for primal, tangent in zip(flat_p, flat_t, strict=True):
            self._watch(primal, tangent)

    def _watch(self, primal: Any, tangent: Any) -> None:
        if not primal.dtype.is_floating and _warned[0] < 5:
            _warned[0] += 1
            _tf_logger.warning(
                "The dtype of the watched primal must be floating (e.g. tf.float32), got %r",
                primal.dtype,
            )
        t = convert_to_tensor(tangent, dtype=primal.dtype)
        record = self._record
        if isinstance(primal, Variable):
            var = primal._origin()
            record.watched_vars[var._handle.uid] = var
            self._tangents[("var", var._handle.uid)] = t
        else:
            if record not in primal._tapes:
                engine.add_tape(primal, record)
            self._tangents[id(primal)] = t
            self._keep = [*getattr(self, "_keep", []), primal]  # ids stay valid

    # -- context ---------------------------------------------------------------------
    def __enter__(self) -> ForwardAccumulator:
        engine.state.recording.append(self._record)
        self._recording = True
        return self

    def __exit__(self, typ: Any, value: Any, traceback: Any) -> None:
        if self._recording:
            rec = engine.state.recording
            for i in range(len(rec) - 1, -1, -1):
                if rec[i] is self._record:
                    del rec[i]
                    break
            self._recording = False
            # The record's list of recorded tensors serves retiring tapes only, and an
            # accumulator is never retired: drop it (the tensors refer to the record, so
            # keeping it would make a reference cycle).
            self._record.recorded = []

    # -- results ----------------------------------------------------------------------
    def jvp(self, primals: Any, unconnected_gradients: Any = UnconnectedGradients.NONE) -> Any:
        """The JVPs for `primals` (a tensor or structure): tensors, or None where unconnected."""
        mode = UnconnectedGradients(unconnected_gradients)
        flat = nest.flatten(primals)
        targets = [_target(x) for x in flat]
        results = self._compute(targets)
        for i, x in enumerate(flat):  # a watched variable itself: its tangent
            if isinstance(x, Variable) and results[i] is None:
                results[i] = self._tangents.get(("var", x._origin()._handle.uid))
        out = []
        for t, r in zip(targets, results, strict=True):
            if r is None and mode is UnconnectedGradients.ZERO:
                r = EagerTensor(np.zeros(t._shape, t._dtype.as_numpy_dtype), t._shape, t._dtype)
            out.append(r)
        return nest.pack_sequence_as(primals, out)

    def _tangent_of(self, leaf: Tensor) -> Tensor | None:
        t = self._tangents.get(id(leaf))
        if t is not None and self._record in leaf._tapes:
            return t
        if leaf._var is not None and self._record in leaf._tapes:
            return self._tangents.get(("var", leaf._var.uid))
        return None

    def _compute(self, targets: list[Tensor]) -> list[Tensor | None]:
        record = self._record
        w = engine.walk(targets, record, frozenset())
        tangent_pos: list[int] = []
        tangents: list[Tensor] = []
        for i, leaf in enumerate(w.leaves):
            tan = self._tangent_of(leaf)
            if tan is not None and leaf._dtype._trainable:
                tangent_pos.append(i)
                tangents.append(tan)
        # Forward connectivity: which refs carry a tangent.
        connected: set[int] = {-i - 1 for i in tangent_pos}
        for node, spec in zip(w.nodes, w.specs, strict=True):
            if spec[1] != engine.FLOW:
                continue
            if any(r in connected for r in spec[2:]):
                base = w.node_base[id(node)]
                connected.update(base + k for k in range(node.nout))
        target_refs = [w.ref(t) for t in targets]
        live = tuple(
            i
            for i, (t, r) in enumerate(zip(targets, target_refs, strict=True))
            if r is not None and r in connected and t._dtype._trainable
        )
        results: list[Tensor | None] = [None] * len(targets)
        if not live:
            return results
        key = (tuple(w.specs), tuple(target_refs), tuple(tangent_pos), live)
        op = _jvp_op(key, w, target_refs, tangent_pos, live)
        outs = engine.execute_op(op, (*w.leaves, *tangents))
        for i, o in zip(live, outs, strict=True):
            results[i] = o
        return results


def _target(x: Any) -> Tensor:
    if isinstance(x, Variable):
        return x._tfcompat_read()
    if isinstance(x, Tensor):
        return x
    return convert_to_tensor(x)


# Ops by structure (cleared by clear_caches(), bounded by set_cache_size).
_OPS = OpCache("forward")


def _jvp_op(
    key: Any, w: Any, target_refs: list[Any], tangent_pos: list[int], live: tuple[int, ...]
) -> RawOp:
    """The raw op `(*leaves, *tangents) -> JVPs of the live targets`, cached by structure."""
    op = _OPS.get(key)
    if op is not None:
        return op
    program = w.program()
    n_leaves = len(w.leaves)
    refs = [target_refs[i] for i in live]

    def jvp_fn(*args: Any) -> tuple[Any, ...]:
        leaf_vals = list(args[:n_leaves])
        tans = list(args[n_leaves:])
        # Values recorded off this accumulator are constants of the JVP, computed
        # outside the differentiated function (an outer tape still sees through them).
        pre = program.run(leaf_vals) if program.has_off_tape else None

        def f(primals: list[Any]) -> list[Any]:
            vals = list(leaf_vals)
            for i, v in zip(tangent_pos, primals, strict=True):
                vals[i] = v
            env = program.run(vals, None, pre)
            return [vals[-r - 1] if r < 0 else env[r] for r in refs]

        primals = [jnp.asarray(leaf_vals[i]) for i in tangent_pos]
        _, out = jax.jvp(f, (primals,), (tans,))
        return tuple(out)

    op = RawOp(
        "ForwardAccumulatorJvp",
        jvp_fn,
        differentiable=True,
        num_outputs=None,
        lazy=True,
        deps=jaxpr_deps(jvp_fn),
        tags=frozenset({engine.BARRIERS}) if program.barriers else frozenset(),
    )
    _OPS.put(key, op)
    return op


ForwardAccumulator.__module__ = "tfcompat.autodiff"

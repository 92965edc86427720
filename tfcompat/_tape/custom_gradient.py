"""`tf.custom_gradient` and `tf.recompute_grad`.

TF runs `f` eagerly, then records one op from `f`'s inputs (positional tensors and the
variables `f` read) to its outputs (passed through `identity`) whose gradient function is
the user's `grad_fn`. tfcompat does the same with one raw op whose JAX function is a
`jax.custom_vjp`:

* forward: a replay of the graph that `f` recorded, from the op's inputs to `f`'s
  outputs (the part of it that does not depend on the inputs comes in as extra inputs,
  "captures", behind a `StopGradient` so that no gradient reaches them, as in TF);
* backward: the user's `grad_fn`, run at trace time on tensors whose values are the
  JAX tracers of the backward pass. Before the call, every tensor of `f`'s graph (and
  every tensor `grad_fn` closes over) and every variable `f` read gets the traced value
  that corresponds to it; afterwards the old values come back. So `grad_fn` computes
  from the values of the current step, and the compiled gradient program is reused
  across steps like any other.

The op is cached by the structure of `f`'s graph and the Python values `grad_fn`
closes over, so a training loop compiles once. As with `tf.function`, Python code in
`grad_fn` runs when a gradient program is traced, not at every step.

Differences from TensorFlow:
  Errors raised by `grad_fn` (or by the checks on what it returns) surface when the
  gradient's value is computed, not inside `tape.gradient()`: gradients are lazy.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._engine.caches import OpCache
from tfcompat._engine.convert import convert_to_tensor
from tfcompat._engine.variable import Variable
from tfcompat._ops.registry import RawOp
from tfcompat._tape import engine
from tfcompat._tape.record import TapeRecord
from tfcompat._util import nest

__all__ = ["VariableWatcher", "custom_gradient", "paused_recording", "recompute_grad"]


# --------------------------------------------------------------------------------------
# Recording helpers shared with tf.function
# --------------------------------------------------------------------------------------


class VariableWatcher:
    """A record on the recording stack that only notes which variables are accessed.

    TF's `record.VariableWatcher`: it never appears in a tensor's `_tapes`, so no op is
    recorded on it; `Variable` reads and writes call `accessed`.
    """

    __slots__ = ("__weakref__", "variables")

    def __init__(self) -> None:
        self.variables: dict[int, Variable] = {}

    def accessed(self, var: Variable) -> bool:
        self.variables.setdefault(var._handle.uid, var)
        return False

    def watches(self, var: Variable) -> bool:
        return self.accessed(var._origin())

    @contextmanager
    def watching(self) -> Iterator[VariableWatcher]:
        rec = engine.state.recording
        rec.append(self)
        try:
            yield self
        finally:
            for i in range(len(rec) - 1, -1, -1):
                if rec[i] is self:
                    del rec[i]
                    break


def _identity(x: Any) -> Tensor:
    """`tf.identity` (the raw op; this layer does not import the public API)."""
    return engine.execute("Identity", (x if isinstance(x, Tensor) else convert_to_tensor(x),))


@contextmanager
def paused_recording() -> Iterator[None]:
    """No tape records inside (TF's `record.stop_recording()`): ops run on values.

    Records that are not tapes (variable watchers, a `tf.function` trace) stay active.
    """
    state = engine.state
    saved = state.recording
    state.recording = [r for r in saved if not isinstance(r, TapeRecord)]
    try:
        yield
    finally:
        state.recording = saved


def recording_tapes() -> list[Any]:
    """The tape records now recording (not watchers or traces)."""
    return [r for r in engine.state.recording if isinstance(r, TapeRecord)]


# --------------------------------------------------------------------------------------
# tf.custom_gradient
# --------------------------------------------------------------------------------------


def custom_gradient(f: Any = None) -> Any:
    """tfcompat implementation of `tf.custom_gradient`.

    `f(*args, **kwargs)` returns `(result, grad_fn)`; `grad_fn(*upstream)` returns one
    gradient per positional argument (and, when `f` reads variables that are not
    arguments, `(input_grads, variable_grads)` given the keyword `variables`).

    Differences from TensorFlow:
      `grad_fn` runs when the gradient program is traced (once per graph structure),
      and its errors surface when the gradient's value is first needed.
    """
    if f is None:
        return lambda f: custom_gradient(f=f)

    @functools.wraps(f)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        return _eager_mode_decorator(f, args, kwargs)

    return decorated


def _eager_mode_decorator(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    with VariableWatcher().watching() as watcher:
        result, grad_fn = f(*args, **kwargs)
    flat_args = nest.flatten(args)
    all_inputs = flat_args + nest.flatten(kwargs)
    variables = [v for v in watcher.variables.values() if all(v is not i for i in all_inputs)]
    if variables and not _accepts_variables(grad_fn):
        raise TypeError(
            "@tf.custom_gradient grad_fn must accept keyword argument 'variables', since function "
            f"uses variables: {variables}"
        )
    flat_result = [convert_to_tensor(r) for r in nest.flatten(result)]

    input_tensors = [convert_to_tensor(x) for x in flat_args] + [
        v._tfcompat_read() for v in variables
    ]
    recording = recording_tapes()
    if not any(r in t._tapes for t in input_tensors for r in recording):
        # No tape watches an input: nothing to record (TF's record_operation is a no-op).
        return nest.pack_sequence_as(result, [_identity(r) for r in flat_result])

    op, no_grad, captures = _custom_op(
        f, grad_fn, args, kwargs, flat_args, input_tensors, variables, flat_result
    )
    # Inputs that grad_fn gives no gradient (None), and the captures, go through
    # StopGradient: the tape then sees them as unconnected, as TF does.
    inputs = [
        engine.execute("StopGradient", (t,)) if none else t
        for t, none in zip(input_tensors, no_grad, strict=True)
    ]
    for c in captures:
        inputs.append(engine.execute("StopGradient", (c,)))
    outs = engine.execute_op(op, tuple(inputs))
    return nest.pack_sequence_as(result, list(outs))


def _accepts_variables(grad_fn: Any) -> bool:
    try:
        spec = inspect.getfullargspec(grad_fn)
    except TypeError:
        return True
    return "variables" in spec.args or "variables" in spec.kwonlyargs or spec.varkw is not None


# --------------------------------------------------------------------------------------
# The forward graph of f and the custom op
# --------------------------------------------------------------------------------------


class _Graph:
    """The replayable part of `f`'s recorded graph, from the op's inputs to the roots.

    `program` reads leaf j from `leaf_src[j]`: an op input position. `bind` lists
    `(tensor, ref)` for every tensor object whose value `grad_fn` may read: `ref < 0` is
    leaf `-ref - 1`, `ref >= 0` a node output position.
    """

    def __init__(self) -> None:
        self.nodes: list[Any] = []  # (op, attrs, in_refs)
        self.node_base: dict[int, int] = {}
        self.leaf_ref: dict[int, int] = {}
        self.leaf_src: list[int] = []
        self.captures: list[Tensor] = []
        self.bind: list[tuple[Tensor, int]] = []
        self.npos = 0
        self.spec: list[Any] = []


def _forward_graph(
    roots: list[Tensor],
    arg_pos: dict[int, int],
    var_pos: dict[int, int],
    n_inputs: int,
) -> tuple[_Graph, list[int]]:
    """Walk `f`'s graph from `roots`, stopping at the op's inputs.

    `arg_pos` maps `id(tensor)` of positional inputs to their input position, `var_pos`
    maps a variable handle's uid to its input position. Subgraphs that do not depend on
    any input become captures (leaves fed as extra inputs).
    """
    g = _Graph()
    # Pass 1: post-order over pending nodes, noting which tensors depend on an input.
    order: list[Tensor] = []
    depends: dict[int, bool] = {}
    expanded: dict[int, bool] = {}
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(t, False) for t in reversed(roots)]
    while stack:
        t, done = stack.pop()
        tid = id(t)
        if done:
            node = t._node
            depends[tid] = any(depends[id(i)] for i in node.inputs)  # type: ignore[union-attr]
            order.append(t)
            continue
        if tid in seen:
            continue
        seen.add(tid)
        is_input = _is_input(t, arg_pos, var_pos)
        if is_input or t._node is None or t._value is not None:
            depends[tid] = is_input
            expanded[tid] = False
            order.append(t)
            continue
        expanded[tid] = True
        stack.append((t, True))
        for inp in reversed(t._node.inputs):
            if id(inp) not in seen:
                stack.append((inp, False))

    # Pass 2: what the roots need. A tensor that depends on no input is a leaf (a
    # capture), so the graph below it is not replayed.
    needed = {id(t) for t in roots}
    for t in reversed(order):
        tid = id(t)
        if tid in needed and expanded[tid] and depends[tid]:
            for inp in t._node.inputs:  # type: ignore[union-attr]
                needed.add(id(inp))

    # Pass 3: emit leaves and nodes in topological order.
    for t in order:
        tid = id(t)
        if tid not in needed or tid in g.leaf_ref:
            continue
        if not (expanded[tid] and depends[tid]):
            r = -len(g.leaf_src) - 1
            g.leaf_ref[tid] = r
            if tid in arg_pos:
                src = arg_pos[tid]
            elif t._var is not None and t._var.uid in var_pos:
                src = var_pos[t._var.uid]
            else:
                src = n_inputs + len(g.captures)
                g.captures.append(t)
            g.leaf_src.append(src)
            g.bind.append((t, r))
            g.spec.append(("leaf", src, t._shape, t._dtype))
            continue
        node = t._node
        assert node is not None
        if id(node) in g.node_base:
            continue
        refs = []
        for inp in node.inputs:
            leaf = g.leaf_ref.get(id(inp))
            refs.append(leaf if leaf is not None else g.node_base[id(inp._node)] + inp._index)
        base = g.npos
        g.node_base[id(node)] = base
        g.npos += node.nout
        g.nodes.append((node.op, node.attrs, tuple(refs)))
        g.spec.append((node.key, tuple(refs)))
        outs = [o() for o in node.outs] if node.outs is not None else [t]
        for i, o in enumerate(outs):
            if o is not None:
                g.bind.append((o, base + i))
    root_refs = [
        g.leaf_ref[id(t)] if id(t) in g.leaf_ref else g.node_base[id(t._node)] + t._index
        for t in roots
    ]
    return g, root_refs


def _is_input(t: Tensor, arg_pos: dict[int, int], var_pos: dict[int, int]) -> bool:
    return id(t) in arg_pos or (t._var is not None and t._var.uid in var_pos)


# (op, no_grad) by structure (cleared by clear_caches(), bounded by set_cache_size).
_OPS = OpCache("custom_gradient")


def _custom_op(
    f: Any,
    grad_fn: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    flat_args: list[Any],
    input_tensors: list[Tensor],
    variables: list[Variable],
    flat_result: list[Tensor],
) -> tuple[RawOp, tuple[bool, ...], list[Tensor]]:
    """The raw op for one call of a custom-gradient function, which of its inputs get no
    gradient from `grad_fn`, and its captures."""
    n_args = len(flat_args)
    arg_pos: dict[int, int] = {}
    var_pos: dict[int, int] = {}
    for i, (a, t) in enumerate(zip(flat_args, input_tensors, strict=False)):
        arg_pos[id(t)] = i
        if isinstance(a, Tensor):
            arg_pos[id(a)] = i
        elif isinstance(a, Variable):
            var_pos[a._handle.uid] = i
    for j, v in enumerate(variables):
        var_pos.setdefault(v._handle.uid, n_args + j)
        arg_pos[id(input_tensors[n_args + j])] = n_args + j
    n_inputs = len(input_tensors)

    closure_tensors, closure_key = _closure(grad_fn)
    closure_ids = {id(t) for t in closure_tensors}
    roots = flat_result + [t for t in closure_tensors if all(t is not r for r in flat_result)]
    g, root_refs = _forward_graph(roots, arg_pos, var_pos, n_inputs)
    out_refs = root_refs[: len(flat_result)]
    # Tensor arguments that f's graph does not reach can still be read by grad_fn.
    for a, t in zip(flat_args, input_tensors, strict=False):
        for obj in (a, t):
            if isinstance(obj, Tensor) and id(obj) not in g.leaf_ref:
                g.bind.append((obj, _INPUT_BASE - arg_pos[id(t)]))

    key = (
        getattr(f, "__code__", f),
        tuple(g.spec),
        tuple(out_refs),
        tuple((t._shape, t._dtype) for t in input_tensors),
        tuple(r for t, r in g.bind if id(t) in closure_ids),
        closure_key,
        _python_key(args),
        _python_key(kwargs),
        len(variables),
    )
    hit = _OPS.get(key)
    if hit is not None:
        return hit[0], hit[1], g.captures

    in_avals = [(t._shape, t._dtype) for t in input_tensors] + [
        (c._shape, c._dtype) for c in g.captures
    ]
    out_avals = [(t._shape, t._dtype) for t in flat_result]
    handles = [(a._handle, i) for i, a in enumerate(flat_args) if isinstance(a, Variable)]
    handles += [(v._handle, n_args + j) for j, v in enumerate(variables)]
    fn = _make_custom_vjp(
        tuple(g.nodes),
        g,
        out_refs,
        n_args,
        variables,
        handles,
        grad_fn,
        in_avals,
        out_avals,
    )
    op = RawOp(getattr(f, "__name__", "CustomGradient"), fn, differentiable=True, num_outputs=None)
    no_grad = _probe_none_gradients(fn, in_avals, out_avals, len(input_tensors))
    _OPS.put(key, (op, no_grad))
    return op, no_grad, g.captures


def _probe_none_gradients(
    fn: Any, in_avals: list[Any], out_avals: list[Any], n_inputs: int
) -> tuple[bool, ...]:
    """Which inputs `grad_fn` returns None for, found by tracing the VJP abstractly once.

    If that trace fails (grad_fn raises), every input counts as connected: the error is
    raised again, for real, when the gradient is computed.
    """
    record: list[tuple[bool, ...]] = []
    _NONE_PROBE.record = record
    try:
        structs = [jax.ShapeDtypeStruct(shape, dtype.as_numpy_dtype) for shape, dtype in in_avals]

        def vjp_of(*ins: Any) -> Any:
            _, vjp = jax.vjp(fn, *ins)
            cts = tuple(
                jnp.ones(shape, dtype.as_numpy_dtype)
                if dtype._trainable
                else np.zeros(shape, jax.dtypes.float0)
                for shape, dtype in out_avals
            )
            return vjp(cts)

        jax.eval_shape(vjp_of, *structs)
    except Exception:
        record.clear()
    finally:
        _NONE_PROBE.record = None
    if not record:
        return (False,) * n_inputs
    return record[0][:n_inputs]


class _Probe(threading.local):
    record: list[tuple[bool, ...]] | None = None


_NONE_PROBE = _Probe()


# Refs below this stand for op inputs that are not leaves of f's graph: input i is
# `_INPUT_BASE - i`.
_INPUT_BASE = -(1 << 40)


def _closure(fn: Any) -> tuple[list[Tensor], Any]:
    """Tensors `fn` closes over, and a hashable key of its other closed-over Python values."""
    tensors: list[Tensor] = []
    parts: list[Any] = []
    cells = getattr(fn, "__closure__", None) or ()
    for cell in cells:
        try:
            value = cell.cell_contents
        except ValueError:  # an empty cell
            parts.append(("empty",))
            continue
        parts.append(_value_key(value, tensors))
    func = getattr(fn, "__func__", fn)
    return tensors, (getattr(func, "__code__", None), tuple(parts))


def _value_key(value: Any, tensors: list[Tensor]) -> Any:
    if isinstance(value, Tensor):
        tensors.append(value)
        return ("tensor",)
    if isinstance(value, Variable):
        return ("variable", value._handle.uid)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_value_key(v, tensors) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple((k, _value_key(v, tensors)) for k, v in value.items()))
    if callable(value) and hasattr(value, "__code__"):
        return ("function", value.__code__)
    try:
        hash(value)
    except TypeError:
        return ("object", id(value))
    if isinstance(value, (int, float, complex, str, bytes, bool, type(None))):
        return ("value", type(value), value)
    return ("object", id(value))


def _python_key(args: Any) -> Any:
    return tuple(_value_key(a, []) for a in nest.flatten(args))


def _zero_cotangent(shape: tuple[int, ...], dtype: Any) -> Any:
    if dtype._trainable:
        return jnp.zeros(shape, dtype.as_numpy_dtype)
    return np.zeros(shape, jax.dtypes.float0)


def _replay(nodes: tuple[Any, ...], leaf_vals: list[Any]) -> list[Any]:
    """Evaluate recorded nodes `(op, attrs, in_refs)` on leaf values (refs as in `_Graph`)."""
    env: list[Any] = []
    for op, attrs, in_refs in nodes:
        args = [leaf_vals[-r - 1] if r < 0 else env[r] for r in in_refs]
        out = op.fn(*args, **dict(attrs)) if attrs else op.fn(*args)
        if op.num_outputs == 1:
            env.append(out)
        else:
            env.extend(out)
    return env


def _make_custom_vjp(
    program: tuple[Any, ...],
    g: _Graph,
    out_refs: list[int],
    n_args: int,
    variables: list[Variable],
    handles: list[tuple[Any, int]],
    grad_fn: Callable[..., Any],
    in_avals: list[Any],
    out_avals: list[Any],
) -> Callable[..., Any]:
    leaf_src = list(g.leaf_src)
    bind = list(g.bind)
    n_vars = len(variables)

    def forward(ins: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[Any]]:
        leaf_vals = [ins[i] for i in leaf_src]
        env = _replay(program, leaf_vals)
        outs = tuple(leaf_vals[-r - 1] if r < 0 else env[r] for r in out_refs)
        return outs, env

    @jax.custom_vjp
    def op_fn(*ins: Any) -> tuple[Any, ...]:
        return forward(ins)[0]

    def fwd(*ins: Any) -> Any:
        outs, env = forward(ins)
        return outs, (ins, env)

    def bwd(res: Any, cts: Any) -> tuple[Any, ...]:
        ins, env = res
        leaf_vals = [ins[i] for i in leaf_src]

        def value(r: int) -> Any:
            if r <= _INPUT_BASE:
                return ins[_INPUT_BASE - r]
            return leaf_vals[-r - 1] if r < 0 else env[r]

        saved_t = [(t, t._value) for t, _ in bind]
        saved_v = [(h, h._value, h.pending) for h, _ in handles]
        try:
            for t, r in bind:
                t._value = value(r)
            for h, i in handles:
                h.value = ins[i]
            with paused_recording():
                upstream: list[Tensor] = []
                for ct, (shape, dtype) in zip(cts, out_avals, strict=True):
                    if not dtype._trainable:
                        ct = jnp.zeros(shape, dtype.as_numpy_dtype)
                    elif dtype.is_complex:
                        ct = jnp.conj(ct)  # TF's gradients are the conjugate of JAX's
                    upstream.append(EagerTensor(ct, shape, dtype))
                input_grads, var_grads = _call_grad_fn(grad_fn, upstream, variables, n_args)
                grads = [_grad_array(x) for x in list(input_grads) + list(var_grads)]
                if _NONE_PROBE.record is not None:
                    _NONE_PROBE.record.append(tuple(x is None for x in grads))
        finally:
            for t, old in saved_t:
                t._value = old
            for h, old_value, old_pending in saved_v:
                h._value, h.pending = old_value, old_pending
        out: list[Any] = []
        for i, (shape, dtype) in enumerate(in_avals):
            gi = grads[i] if i < n_args + n_vars else None
            if gi is None or not dtype._trainable:
                out.append(_zero_cotangent(shape, dtype))
                continue
            gi = jnp.broadcast_to(jnp.asarray(gi, dtype.as_numpy_dtype), shape)
            out.append(jnp.conj(gi) if dtype.is_complex else gi)
        return tuple(out)

    op_fn.defvjp(fwd, bwd)
    return op_fn


def _call_grad_fn(
    grad_fn: Callable[..., Any], upstream: list[Tensor], variables: list[Variable], n_args: int
) -> tuple[list[Any], list[Any]]:
    """Call `grad_fn` as TF's `actual_grad_fn` does, with TF's checks on what it returns."""
    if variables:
        input_grads, variable_grads = grad_fn(*upstream, variables=variables)
        if len(variable_grads) != len(variables):
            raise ValueError(
                "Must return gradient for each variable from @custom_gradient grad_fn."
            )
    else:
        input_grads = grad_fn(*upstream)
        variable_grads = []
    flat_grads = nest.flatten(input_grads)
    if len(flat_grads) != n_args:
        raise ValueError(
            f"custom_gradient function expected to return {n_args} gradients, but returned "
            f"{len(flat_grads)} instead."
        )
    return flat_grads, list(variable_grads)


def _grad_array(g: Any) -> Any:
    if g is None:
        return None
    if isinstance(g, Tensor):
        return g._array()
    return convert_to_tensor(g)._array()


# --------------------------------------------------------------------------------------
# tf.recompute_grad
# --------------------------------------------------------------------------------------


def recompute_grad(f: Any) -> Any:
    """tfcompat implementation of `tf.recompute_grad`.

    The forward pass runs without recording; the gradient runs `f` again under a tape.
    """
    from tfcompat._tape.tape import GradientTape, UnconnectedGradients

    @custom_gradient
    def inner(*args: Any, **kwargs: Any) -> Any:
        with paused_recording():
            result = f(*args, **kwargs)

        def grad_wrapper(*dresult: Any, variables: Any = None) -> Any:
            with GradientTape() as t:
                id_args = nest.map_structure(_identity, args)
                t.watch(id_args)
                if variables is not None:
                    t.watch(variables)
                recomputed = f(*id_args, **kwargs)
            kw_vars = list(variables) if variables is not None else []
            grads = t.gradient(
                recomputed,
                list(id_args) + kw_vars,
                output_gradients=list(dresult),
                unconnected_gradients=UnconnectedGradients.ZERO,
            )
            return grads[: len(id_args)], grads[len(id_args) :]

        return result, grad_wrapper

    return functools.wraps(f)(inner)

"""Control flow: `tf.cond`, `tf.case`, `tf.switch_case`, `tf.while_loop`, `tf.map_fn`,
`tf.scan`, `tf.foldl`, `tf.foldr`, `tf.vectorized_map`.

Two regimes, as in TF (eager vs. graph):

* **Eagerly** (values are concrete) the Python functions are called as TF eager does:
  `cond` calls one branch, `while_loop` loops in Python, `map_fn`/`scan` iterate over the
  elements and stack the results. Tapes record the ops that run, so gradients need no
  special code.
* **While a `tf.function` is traced** the predicate or loop values are JAX tracers, so
  each Python function is traced once into a jaxpr (`_function.trace_python`) and the
  construct becomes one `lax.cond`/`lax.switch`/`lax.while_loop`/`lax.scan`/`jax.vmap`
  raw op. Its operands are the explicit values, the tensors the functions close over
  (their values are swapped for the traced operands during tracing) and the variables
  they touch; variables they assign come back as outputs (carried through loops). The op
  is recorded on any tape that watches an operand, so tapes inside a `tf.function`
  differentiate through it.

`tf.vectorized_map` always traces `fn` once and applies `jax.vmap` (TF's pfor also
vectorizes a trace of `fn`).

A traced `while_loop` without `maximum_iterations` is reverse-differentiable: its
gradient re-runs the loop as a masked `lax.scan` of the next power-of-two length
(`_dynamic_loop`; up to 2**16 iterations, see docs/autograph.md for the cost).

Differences from TensorFlow:
  Shapes of loop variables must not change (`shape_invariants` is accepted, not used).
  Forward-mode differentiation (`tf.autodiff.ForwardAccumulator`) of a traced
  `while_loop` without `maximum_iterations` is not supported.
  Closed-over tensors are found in the functions' closures (not through attributes of
  objects: those are constants of the trace).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import api_util, core, lax

from tfcompat._composite.base import is_composite
from tfcompat._composite.base import while_loop as composite_while
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor
from tfcompat._core.variable import Variable
from tfcompat._engine import jax_internals
from tfcompat._ops.registry import RawOp
from tfcompat._tape import engine
from tfcompat._tape.custom_gradient import recording_tapes
from tfcompat._util import nest

__all__ = [
    "case",
    "cond",
    "foldl",
    "foldr",
    "map_fn",
    "scan",
    "switch_case",
    "vectorized_map",
    "while_loop",
]

_NO_VARIABLES = (
    "tfcompat does not support creating tf.Variables inside a control-flow function "
    "(tf.cond branch, tf.while_loop body, tf.map_fn/tf.scan function) traced by tf.function; "
    "create them outside."
)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _is_tracer(x: Any) -> bool:
    if isinstance(x, Variable):
        x = x._handle._value
    elif isinstance(x, Tensor):
        x = x._value
    return isinstance(x, jax.core.Tracer)


def _tracing(*values: Any) -> bool:
    """True inside a JAX trace (a tf.function) or when a value is a tracer."""
    if not jax_internals.trace_state_clean():
        return True
    return any(_is_tracer(v) for v in nest.flatten(list(values)))


def _as_tensor(x: Any) -> Tensor:
    if isinstance(x, Variable):
        return x._tfcompat_read()
    return convert_to_tensor(x)


def _at(t: Tensor, index: Any) -> Tensor:
    """`t[index]` (Tensor's indexing operator is attached at import, unseen by mypy)."""
    from tfcompat._api.array_ops import getitem

    return getitem(t, index)


def _converted(fn: Any) -> Any:
    """A user function given to a control-flow op, converted by AutoGraph while a converted
    tf.function is traced (as TF converts them)."""
    from tfcompat.autograph._conversion import convert_if_active

    return convert_if_active(fn)


def _no_args(f: Callable[[], Any]) -> Callable[[list[Tensor]], Any]:
    return lambda _: f()


def _closure_tensors(fns: Sequence[Any]) -> list[Tensor]:
    """Tensors the functions close over (cells, containers in cells, bound partials)."""
    found: dict[int, Tensor] = {}

    def visit(obj: Any, depth: int) -> None:
        if isinstance(obj, Tensor):
            found.setdefault(id(obj), obj)
        elif hasattr(type(obj), "_tfcompat_closure_tensors"):  # a TensorArray the body reads
            for t in obj._tfcompat_closure_tensors():
                found.setdefault(id(t), t)
        elif depth < 3 and isinstance(obj, (list, tuple)):
            for item in obj:
                visit(item, depth + 1)
        elif depth < 3 and isinstance(obj, Mapping):
            for item in obj.values():
                visit(item, depth + 1)
        elif depth < 3 and callable(obj) and getattr(obj, "__closure__", None):
            cells(obj, depth + 1)

    def cells(fn: Any, depth: int) -> None:
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                visit(cell.cell_contents, depth)
            except ValueError:
                continue
        for part in (getattr(fn, "args", ()), getattr(fn, "keywords", None) or {}):
            visit(part, depth)

    for fn in fns:
        cells(getattr(fn, "__func__", fn), 0)
    return list(found.values())


class _Traced:
    """A Python function traced for a lax primitive: jaxpr over (explicit, closures, vars)."""

    def __init__(self, tr: Any, n_explicit: int, n_subst: int) -> None:
        self.tr = tr
        self.n_explicit = n_explicit
        self.n_subst = n_subst
        self.variables: list[Variable] = list(tr.captured)
        self.written = [self.variables[j] for j in tr.written]

    def call(
        self, explicit: Sequence[Any], subst: Sequence[Any], var_vals: Mapping[int, Any]
    ) -> tuple[list[Any], dict[int, Any]]:
        """Evaluate: (tensor outputs, {variable uid: new value})."""
        inputs = [*explicit, *subst, *[var_vals[v._handle.uid] for v in self.variables]]
        outs = core.eval_jaxpr(self.tr.jaxpr, self.tr.consts, *inputs)
        n = self.tr.n_outs
        new = {
            v._handle.uid: val
            for v, val in zip(self.written, outs[n : n + len(self.written)], strict=True)
        }
        return list(outs[:n]), new


def _trace(
    fn: Callable[[list[Tensor]], Any],
    in_avals: list[tuple[tuple[int, ...], dtypes.DType]],
    subst: list[Tensor],
    name: str,
    src: Any,
) -> _Traced:
    from tfcompat._function import trace_python

    dbg = api_util.debug_info(name, src, (), {})
    tr, _ = trace_python(fn, in_avals, [], subst, _NO_VARIABLES, dbg, all_outputs=True)
    return _Traced(tr, len(in_avals), len(subst))


def _union_variables(traced: Sequence[_Traced]) -> tuple[list[Variable], list[Variable]]:
    """All variables the traced functions touch, and those some of them assign."""
    seen: dict[int, Variable] = {}
    written: dict[int, Variable] = {}
    for t in traced:
        for v in t.variables:
            seen.setdefault(v._handle.uid, v)
        for v in t.written:
            written.setdefault(v._handle.uid, v)
    return list(seen.values()), list(written.values())


def _run(
    name: str,
    fn: Callable[..., tuple[Any, ...]],
    inputs: list[Tensor],
    written: list[Variable],
) -> list[Tensor]:
    """Apply `fn` as one raw op (recorded if a tape watches an input); write variables."""
    op = RawOp(name, fn, differentiable=True, num_outputs=None)
    outs = list(engine.execute_op(op, tuple(inputs)))
    n = len(outs) - len(written)
    for v, value in zip(written, outs[n:], strict=True):
        engine.assign_lazy(v._handle, value)
    return outs[:n]


def _pack(template: Any, kinds: list[Any], outs: list[Tensor]) -> Any:
    leaves = []
    for kind in kinds:
        if kind[0] == "t":
            leaves.append(outs[kind[1]])
        elif kind[0] == "c":
            leaves.append(kind[1])
        else:
            leaves.append(None)
    if template is None:
        return leaves[0]
    return nest.pack_sequence_as(template, leaves)


def _watched(tensors: Sequence[Tensor]) -> bool:
    tapes = recording_tapes()
    return any(t._dtype._trainable and any(r in t._tapes for r in tapes) for t in tensors)


# --------------------------------------------------------------------------------------
# tf.cond, tf.case, tf.switch_case
# --------------------------------------------------------------------------------------

_COND_MISMATCH = (
    "true_fn and false_fn arguments to tf.cond must have the same number, type, and overall "
    "structure of return values."
)


def cond(pred: Any, true_fn: Any = None, false_fn: Any = None, name: Any = None) -> Any:
    """tfcompat implementation of `tf.cond`.

    Eagerly calls the branch `pred` selects; inside `tf.function` both branches are traced
    and the result is one `lax.cond` (see the module docstring).
    """
    if true_fn is None:
        raise TypeError("cond(): 'true_fn' argument required")
    if false_fn is None:
        raise TypeError("cond(): 'false_fn' argument required")
    if not callable(true_fn):
        raise TypeError("'true_fn' must be callable.")
    if not callable(false_fn):
        raise TypeError("'false_fn' must be callable.")
    true_fn, false_fn = _converted(true_fn), _converted(false_fn)
    if not _tracing(pred):
        return true_fn() if builtins.bool(pred) else false_fn()
    p = _as_tensor(pred)
    if p._shape:
        raise ValueError(f"Shape must be rank 0 but is rank {len(p._shape)} for 'cond' (op: 'If').")
    return _switch([false_fn, true_fn], p, "cond", _COND_MISMATCH, is_bool=True)


def switch_case(
    branch_index: Any, branch_fns: Any, default: Any = None, name: str = "switch_case"
) -> Any:
    """tfcompat implementation of `tf.switch_case`: an index out of range runs `default`
    (or, without one, the last branch), as TF."""
    if not isinstance(branch_index, (Tensor, Variable)):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if not branch_index.dtype.is_integer:
        raise TypeError(f"'branch_index' must be an integer Tensor, got {branch_index.dtype}")
    fns = [_converted(f) for f in _branch_list(branch_fns)]
    if default is not None:
        fns = [*fns, _converted(default)]
    if not _tracing(branch_index):
        i = int(_as_tensor(branch_index))
        n = len(fns) - (1 if default is not None else 0)
        return fns[i]() if 0 <= i < n else fns[-1]()
    idx = _as_tensor(branch_index)
    n_real = len(fns) - (1 if default is not None else 0)
    return _switch(
        fns,
        idx,
        "switch_case",
        "branch_fns must return the same number, type, and overall structure of values.",
        n_real=n_real,
    )


def _branch_list(branch_fns: Any) -> list[Any]:
    if isinstance(branch_fns, Mapping):
        items = sorted(branch_fns.items())
    elif isinstance(branch_fns, (list, tuple)) and branch_fns and isinstance(branch_fns[0], tuple):
        items = sorted(branch_fns)
    else:
        fns = list(branch_fns)
        for f in fns:
            if not callable(f):
                raise TypeError("fn for branch_fns must be callable")
        return fns
    keys = [k for k, _ in items]
    if keys != list(range(len(keys))):
        found = "{" + ",".join(str(k) for k in sorted(keys)) + "}"
        raise ValueError(
            f"branch indices (keys) must form contiguous range of [0 to {len(keys)}) but "
            f"found {found}"
        )
    return [f for _, f in items]


def case(
    pred_fn_pairs: Any,
    default: Any = None,
    exclusive: bool = False,
    strict: bool = False,
    name: str = "case",
) -> Any:
    """tfcompat implementation of `tf.case`: nested `tf.cond`s, as TF builds it.

    The first pair whose predicate holds runs; without `default`, the last pair's function
    is the default and its predicate must hold (TF's assertion). As TF 2.21 eagerly,
    `exclusive` does not raise.
    """
    if isinstance(pred_fn_pairs, Mapping):
        pairs = list(pred_fn_pairs.items())
    elif isinstance(pred_fn_pairs, (list, tuple)):
        pairs = list(pred_fn_pairs)
    else:
        raise TypeError(f"pred_fn_pairs must be a list or dictionary. Received: {pred_fn_pairs}")
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple. Received {pair}.")
        if not callable(pair[1]):
            raise TypeError(f"fn for pred {getattr(pair[0], 'name', '?')} must be callable.")
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    predicates = [p for p, _ in pairs]
    actions = [f for _, f in pairs]
    if default is None:
        k = len(predicates) - 1
        last_pred, last_action = predicates[k], actions[k]
        all_preds = list(predicates)
        predicates, actions = predicates[:k], actions[:k]

        def default() -> Any:
            if not _tracing(last_pred) and not builtins.bool(last_pred):
                values = " ".join(str(builtins.bool(p)) for p in all_preds)
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"Expected '{_as_tensor(last_pred)!s}' to be true. Summarized data: "
                    f"b'Input error: None of conditions evaluated as True:'\n{values}",
                )
            return last_action()

    fn = default
    for pred, action in reversed(list(zip(predicates, actions, strict=True))):
        fn = _partial_cond(pred, action, fn)
    return fn()


def _partial_cond(pred: Any, true_fn: Any, false_fn: Any) -> Callable[[], Any]:
    return lambda: cond(pred, true_fn, false_fn)


def _switch(
    fns: list[Any],
    index: Tensor,
    name: str,
    mismatch: str,
    is_bool: bool = False,
    n_real: int | None = None,
) -> Any:
    subst = [t for t in _closure_tensors(fns) if t is not index]
    traced = [_trace(_no_args(f), [], subst, name, f) for f in fns]
    first = traced[0].tr
    for t in traced[1:]:
        if (
            t.tr.out_kinds.__len__() != first.out_kinds.__len__()
            or [k[0] for k in t.tr.out_kinds] != [k[0] for k in first.out_kinds]
            or t.tr.out_avals != first.out_avals
            or _structure(t.tr.out_template) != _structure(first.out_template)
        ):
            raise ValueError(mismatch)
    variables, written = _union_variables(traced)
    reads = [v._tfcompat_read() for v in variables]
    n_sub = len(subst)
    uids = [v._handle.uid for v in variables]

    def branch(t: _Traced) -> Callable[..., Any]:
        def run(*ops: Any) -> tuple[Any, ...]:
            var_vals = dict(zip(uids, ops[n_sub:], strict=True))
            outs, new = t.call([], ops[:n_sub], var_vals)
            return (*outs, *[new.get(v._handle.uid, var_vals[v._handle.uid]) for v in written])

        return run

    branches = [branch(t) for t in traced]
    n = len(fns)

    def op_fn(i: Any, *ops: Any) -> tuple[Any, ...]:
        if is_bool:
            return tuple(lax.cond(i, branches[1], branches[0], *ops))
        i = i.astype(jnp.int32)
        limit = n if n_real is None else n_real
        i = jnp.where((i < 0) | (i >= limit), n - 1, i)
        return tuple(lax.switch(i, branches, *ops))

    outs = _run(name, op_fn, [index, *subst, *reads], written)
    return _pack(first.out_template, first.out_kinds, outs)


def _structure(template: Any) -> Any:
    if template is None:
        return None
    return nest.map_structure(lambda _: 0, template) if nest.is_nested(template) else 0


# --------------------------------------------------------------------------------------
# tf.while_loop
# --------------------------------------------------------------------------------------


def while_loop(
    cond: Any,
    body: Any,
    loop_vars: Any,
    shape_invariants: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    maximum_iterations: Any = None,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.while_loop` (TF 2's: the body returns the same
    structure as `loop_vars`)."""
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if parallel_iterations < 1:
        raise TypeError("'parallel_iterations' must be a positive integer.")
    cond, body = _converted(cond), _converted(body)
    loop_vars = nest.map_structure(
        lambda v: v._tfcompat_read() if isinstance(v, Variable) else v, loop_vars
    )
    if not loop_vars:
        raise ValueError("'loop_vars' must be provided.")
    if maximum_iterations is not None:
        m = _as_tensor(maximum_iterations)
        if m._shape:
            raise ValueError(f"'maximum_iterations' must be a scalar. Received shape: {m.shape}")
    if _tracing(loop_vars, maximum_iterations):
        if any(map(is_composite, nest.flatten(loop_vars))):  # TensorArray, SparseTensor...
            limit = maximum_iterations
            static = None if limit is None or _is_tracer(limit) else int(_as_tensor(limit))
            probe = lambda fn, avals: _trace(fn, avals, [], "while_loop", body)  # noqa: E731
            return composite_while(while_loop, cond, body, loop_vars, limit, static, probe)
        return _while_traced(cond, body, loop_vars, maximum_iterations)
    return _while_eager(cond, body, loop_vars, maximum_iterations)


def _while_eager(cond: Any, body: Any, loop_vars: Any, maximum_iterations: Any) -> Any:
    if maximum_iterations is not None:
        limit = int(_as_tensor(maximum_iterations))
        orig_cond, orig_body = cond, body
        loop_vars = (0, loop_vars)

        def cond(i: Any, lv: Any) -> Any:
            from tfcompat._api import math_ops

            return math_ops.logical_and(i < limit, orig_cond(*lv))

        def body(i: Any, lv: Any) -> Any:
            return (i + 1, orig_body(*lv))

    structure = nest.map_structure(_spec_of, list(loop_vars))
    while cond(*loop_vars):
        loop_vars = body(*loop_vars)
        _assert_same_structure(structure, list(loop_vars))
    loop_vars = nest.map_structure(
        lambda v: v if is_composite(v) else convert_to_tensor(v), loop_vars
    )
    if maximum_iterations is not None:
        return loop_vars[1]
    return loop_vars


def _one_var(out: Any, loop_vars: Any) -> Any:
    """A body returning one value for one loop variable: TF's graph mode wraps it in a list
    (eagerly it raises while iterating the value, as `_while_eager` does)."""
    if isinstance(loop_vars, (list, tuple)) and len(loop_vars) == 1 and not nest.is_nested(out):
        return [out]
    return out


def _spec_of(x: Any) -> Any:
    if isinstance(x, Tensor):
        from tfcompat._function import TensorSpec

        return TensorSpec(x._shape, x._dtype)
    return x


def _assert_same_structure(a: Any, b: Any) -> None:
    try:
        nest.pack_sequence_as(a, nest.flatten(b))
        same = _structure_of(a) == _structure_of(b)
    except (ValueError, TypeError):
        same = False
    if not same:
        raise ValueError(
            "The two structures don't have the same nested structure.\n\n"
            f"First structure: type={type(a).__name__} str={a}\n\n"
            f"Second structure: type={type(b).__name__} str={b}"
        )


def _structure_of(x: Any) -> Any:
    if isinstance(x, Mapping):
        return ("dict", tuple((k, _structure_of(x[k])) for k in sorted(x)))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_structure_of(i) for i in x))
    return None


def _while_traced(cond_fn: Any, body_fn: Any, loop_vars: Any, maximum_iterations: Any) -> Any:
    flat = [_as_tensor(v) for v in nest.flatten(loop_vars)]
    avals = [(t._shape, t._dtype) for t in flat]
    structure = loop_vars

    def call_cond(w: list[Tensor]) -> Any:
        return cond_fn(*nest.pack_sequence_as(structure, w))

    def call_body(w: list[Tensor]) -> Any:
        out = _one_var(body_fn(*nest.pack_sequence_as(structure, w)), structure)
        _assert_same_structure(nest.map_structure(lambda _: 0, list(structure)), list(out))
        return list(out) if isinstance(structure, list) else tuple(out)

    subst = _closure_tensors([cond_fn, body_fn])
    subst = [t for t in subst if all(t is not f for f in flat)]
    tc = _trace(call_cond, avals, subst, "while_loop", cond_fn)
    tb = _trace(call_body, avals, subst, "while_loop", body_fn)
    if tb.tr.out_avals != avals:
        raise ValueError(
            "Input tensor shapes and dtypes must stay the same across tf.while_loop iterations "
            f"under tf.function (tfcompat compiles with XLA): loop_vars {avals}, body returned "
            f"{tb.tr.out_avals}."
        )
    variables, written = _union_variables([tc, tb])
    reads = [v._tfcompat_read() for v in variables]
    uids = [v._handle.uid for v in variables]
    w_uids = [v._handle.uid for v in written]
    n_lv, n_sub = len(flat), len(subst)
    limit = None if maximum_iterations is None else _as_tensor(maximum_iterations)
    static_limit = None
    if limit is not None and not _is_tracer(limit):
        static_limit = int(limit)  # a constant: the differentiable form can use it
    inputs = [*flat, *subst, *reads] + ([limit] if limit is not None else [])
    # A tape outside the tf.function being traced may differentiate the whole function
    # later, so a loop over floating values with a static bound takes the differentiable
    # (scan) form whenever a trace is under way.
    outer = not jax_internals.trace_state_clean() and any(t._dtype._trainable for t in inputs)
    differentiable = static_limit is not None and (_watched(inputs) or outer)

    def unpack(ops: Sequence[Any]) -> tuple[list[Any], list[Any], Any, Any]:
        """(loop values, variable values carried, keep_going, step) for these operands."""
        lv0 = list(ops[:n_lv])
        sub = ops[n_lv : n_lv + n_sub]
        var0 = dict(zip(uids, ops[n_lv + n_sub : n_lv + n_sub + len(uids)], strict=True))
        w0 = [var0[u] for u in w_uids]

        def values(carry_w: list[Any]) -> dict[int, Any]:
            vals = dict(var0)
            vals.update(zip(w_uids, carry_w, strict=True))
            return vals

        def keep_going(lv: list[Any], cw: list[Any]) -> Any:
            (c,), _ = tc.call(lv, sub, values(cw))
            return jnp.asarray(c, bool).reshape(())

        def step(lv: list[Any], cw: list[Any]) -> tuple[list[Any], list[Any]]:
            vals = values(cw)
            outs, new = tb.call(lv, sub, vals)
            return outs, [new.get(u, vals[u]) for u in w_uids]

        return lv0, w0, keep_going, step

    def counted(ops: Sequence[Any]) -> tuple[list[Any], list[Any], Any]:
        """The loop as `lax.while_loop`: final values and the number of iterations."""
        lv0, w0, keep_going, step = unpack(ops)
        m = ops[-1] if limit is not None else None

        def c(carry: Any) -> Any:
            i, lv, cw = carry
            go = keep_going(lv, cw)
            return go if m is None else (i < m) & go

        def b(carry: Any) -> Any:
            i, lv, cw = carry
            lv, cw = step(lv, cw)
            return i + 1, lv, cw

        n, lv, cw = lax.while_loop(c, b, (jnp.zeros((), jnp.int32), lv0, w0))
        return lv, cw, n

    def bounded(ops: Sequence[Any], n: Any, length: int) -> tuple[Any, ...]:
        """`n` steps of the loop as a `lax.scan` of `length >= n` masked steps."""
        lv0, w0, _, step = unpack(ops)

        def scan_step(carry: Any, i: Any) -> Any:
            lv, cw = carry
            go = i < n
            nlv, ncw = _masked_step(go, step, lv, cw)
            lv = [jnp.where(go, a, b) for a, b in zip(nlv, lv, strict=True)]
            cw = [jnp.where(go, a, b) for a, b in zip(ncw, cw, strict=True)]
            return (lv, cw), None

        (lv, cw), _ = lax.scan(scan_step, (lv0, w0), jnp.arange(length, dtype=jnp.int32))
        return (*lv, *cw)

    if differentiable:
        assert static_limit is not None

        def op_fn(*ops: Any) -> tuple[Any, ...]:
            # A fixed number of masked steps: reverse-differentiable (lax.scan).
            lv0, w0, keep_going, step = unpack(ops)

            def scan_step(c: Any, _: Any) -> Any:
                done, lv, cw = c
                go = jnp.logical_and(jnp.logical_not(done), keep_going(lv, cw))
                nlv, ncw = _masked_step(go, step, lv, cw)
                lv = [jnp.where(go, a, b) for a, b in zip(nlv, lv, strict=True)]
                cw = [jnp.where(go, a, b) for a, b in zip(ncw, cw, strict=True)]
                return (jnp.logical_not(go), lv, cw), None

            (_, lv, cw), _ = lax.scan(
                scan_step, (jnp.array(False), lv0, w0), None, length=static_limit
            )
            return (*lv, *cw)

    elif any(t._dtype._trainable for t in inputs):

        def advance(ops: Sequence[Any], steps: Any) -> tuple[Any, ...]:
            """The loop state after `steps` unmasked steps (fewer than the loop's)."""
            lv0, w0, _, step = unpack(ops)
            lv, cw = lax.fori_loop(0, steps, lambda _, s: step(*s), (lv0, w0))
            return (*lv, *cw)

        # Where the loop state (loop values, then written variables) sits among the ops.
        state_at = [*range(n_lv), *(n_lv + n_sub + uids.index(u) for u in w_uids)]
        op_fn = _dynamic_loop(counted, bounded, advance, state_at)
    else:

        def op_fn(*ops: Any) -> tuple[Any, ...]:
            lv, cw, _ = counted(ops)
            return (*lv, *cw)

    outs = _run("While", op_fn, inputs, written)
    return nest.pack_sequence_as(structure, outs)


def _masked_step(go: Any, step: Any, lv: list[Any], cw: list[Any]) -> tuple[Any, Any]:
    """One step of a loop run as a fixed number of masked steps: the body runs only where
    `go` holds (`lax.cond`), so a step TF would never run computes nothing and raises
    nothing (an out-of-range read of the step after the last one)."""

    def fixed(vals: list[Any]) -> list[Any]:
        return [lax.convert_element_type(v, jnp.result_type(v)) for v in vals]

    def run(c: Any) -> Any:
        a, b = step(list(c[0]), list(c[1]))
        return fixed(list(a)), fixed(list(b))

    def keep(c: Any) -> Any:
        return fixed(list(c[0])), fixed(list(c[1]))

    a, b = lax.cond(go, run, keep, (fixed(lv), fixed(cw)))
    return list(a), list(b)


# Buckets of the reverse pass of a loop of unknown length: 2**0 ... 2**_MAX_BUCKET steps.
_MAX_BUCKET = 16


def _dynamic_loop(
    counted: Callable[[Sequence[Any]], tuple[list[Any], list[Any], Any]],
    bounded: Callable[[Sequence[Any], Any, int], tuple[Any, ...]],
    advance: Callable[[Sequence[Any], Any], tuple[Any, ...]],
    state_at: list[int],
) -> Callable[..., tuple[Any, ...]]:
    """A `lax.while_loop` of unknown length with a reverse-mode gradient (`jax.custom_vjp`).

    The forward pass is the loop, counting its iterations `n`. The backward pass runs the
    loop again as a `lax.scan` of 2**k masked steps (the smallest power of two >= n,
    chosen at run time by `lax.switch` among the compiled buckets) and differentiates
    that: one extra forward run and the scan's stored states (as TF's stack) per gradient.
    Loops longer than 2**_MAX_BUCKET steps are differentiated in segments of that length,
    last first (`_segmented_vjp`), each segment's start state recomputed from the inputs.
    """

    @jax.custom_vjp
    def loop(*ops: Any) -> tuple[Any, ...]:
        lv, cw, _ = counted(ops)
        return (*lv, *cw)

    def fwd(*ops: Any) -> tuple[tuple[Any, ...], Any]:
        lv, cw, n = counted(ops)
        return (*lv, *cw), (ops, n)

    def bwd(res: Any, cts: tuple[Any, ...]) -> tuple[Any, ...]:
        ops, n = res

        def bucket(length: int) -> Callable[..., Any]:
            def run(ops: Any, cts: Any) -> Any:
                _, vjp = jax.vjp(lambda *o: bounded(o, n, length), *ops)
                return vjp(tuple(cts))

            return run

        branches = [bucket(2**k) for k in range(_MAX_BUCKET + 1)]
        k = jnp.ceil(jnp.log2(jnp.maximum(n, 1).astype(jnp.float32))).astype(jnp.int32)
        branches.append(lambda ops, cts: _segmented_vjp(bounded, advance, state_at, ops, n, cts))
        # Longer loops: segments of 2**_MAX_BUCKET steps (the last branch).
        return tuple(lax.switch(jnp.clip(k, 0, _MAX_BUCKET + 1), branches, ops, cts))

    loop.defvjp(fwd, bwd)
    return loop


def _segmented_vjp(
    bounded: Callable[[Sequence[Any], Any, int], tuple[Any, ...]],
    advance: Callable[[Sequence[Any], Any], tuple[Any, ...]],
    state_at: list[int],
    ops: Sequence[Any],
    n: Any,
    cts: Sequence[Any],
) -> tuple[Any, ...]:
    """The VJP of `n > 2**_MAX_BUCKET` loop steps, one segment of that length at a time.

    Segment j (last first) starts from the state after `j * B` steps, recomputed by running
    the loop forward from the inputs; the VJP of its masked scan maps the cotangent of its
    end state to that of its start state (carried to the previous segment) and adds the
    contributions of the loop's other inputs (captured tensors, variables read). Extra
    cost: about n**2 / (2 * B) forward steps, and one segment's stored states of memory.
    """
    seg = 2**_MAX_BUCKET
    ops = tuple(ops)
    n_segments = (n + seg - 1) // seg
    state = set(state_at)
    inexact = [jnp.issubdtype(jnp.result_type(o), jnp.inexact) for o in ops]
    # Carried cotangents: those of the state (in `state_at` order) and the accumulated
    # ones of the other inexact inputs; integer inputs have float0 cotangents (zeros).
    ct_state = [c for c, i in zip(cts, state_at, strict=True) if inexact[i]]
    others = [i for i in range(len(ops)) if i not in state and inexact[i]]
    acc = [jnp.zeros_like(ops[i]) for i in others]

    def segment(r: Any, carry: Any) -> Any:
        ct_state, acc = carry
        j = n_segments - 1 - r
        start = advance(ops, j * seg)
        seg_ops = list(ops)
        for pos, value in zip(state_at, start, strict=True):
            seg_ops[pos] = value
        steps = jnp.minimum(seg, n - j * seg)
        _, vjp = jax.vjp(lambda *o: bounded(o, steps, seg), *seg_ops)
        it = iter(ct_state)
        full = [next(it) if inexact[i] else c for c, i in zip(cts, state_at, strict=True)]
        grads = vjp(tuple(full))
        new_state = [grads[i] for i in state_at if inexact[i]]
        new_acc = [a + grads[i] for a, i in zip(acc, others, strict=True)]
        return new_state, new_acc

    ct_state, acc = lax.fori_loop(0, n_segments, segment, (ct_state, acc))
    out: list[Any] = [None] * len(ops)
    it_state = iter(ct_state)
    for i in state_at:
        if inexact[i]:
            out[i] = next(it_state)
    for i, a in zip(others, acc, strict=True):
        out[i] = a
    for i, o in enumerate(ops):
        if out[i] is None:
            out[i] = np.zeros(np.shape(o), dtype=jax.dtypes.float0)
    return tuple(out)


# --------------------------------------------------------------------------------------
# tf.map_fn, tf.scan, tf.foldl, tf.foldr
# --------------------------------------------------------------------------------------


def _elems(elems: Any) -> tuple[list[Tensor], int]:
    flat = [_as_tensor(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors.")
    for t in flat:
        if not t._shape:
            raise ValueError(
                f"Elements in elems must be 1+ dimensional Tensors, not scalars. Received: {t!r}"
            )
    return flat, flat[0]._shape[0]


def map_fn(
    fn: Any,
    elems: Any,
    dtype: Any = None,
    parallel_iterations: Any = None,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    name: Any = None,
    fn_output_signature: Any = None,
) -> Any:
    """tfcompat implementation of `tf.map_fn`: `fn` on each element along axis 0, stacked.

    Without `fn_output_signature` (or `dtype`) the outputs must have `elems`' structure
    and dtypes, as TF."""
    from tfcompat._api import array_ops

    if not callable(fn):
        raise TypeError(f"fn must be callable. Received: {fn}")
    fn = _converted(fn)
    signature = fn_output_signature if fn_output_signature is not None else dtype
    flat, n = _elems(elems)
    expected = (
        None
        if signature is None
        else [dtypes.as_dtype(getattr(s, "dtype", s)) for s in nest.flatten(signature)]
    )
    if expected is None:
        expected = [t._dtype for t in flat]
    if not _tracing(flat):
        results = []
        for i in range(n):
            item = nest.pack_sequence_as(elems, [_at(t, i) for t in flat])
            out = fn(item)
            outs = [_as_tensor(o) for o in nest.flatten(out)]
            for o, want in zip(outs, expected, strict=False):
                if o._dtype is not want:
                    raise errors.InvalidArgumentError(
                        None,
                        None,
                        f"TensorArray dtype is {want.name} but Op is trying to write dtype "
                        f"{o._dtype.name} ",
                    )
            results.append(outs)
        template = signature if signature is not None else elems
        if not results:
            return nest.pack_sequence_as(template, [_empty((0,), d) for d in expected])
        stacked = [array_ops.stack([r[k] for r in results]) for k in range(len(results[0]))]
        return nest.pack_sequence_as(
            template if len(nest.flatten(template)) == len(stacked) else out, stacked
        )
    return _scan_traced(
        lambda c, x: ((), fn(x)), (), elems, flat, n, False, "map_fn", fn, stack_only=True
    )


def _empty(shape: tuple[int, ...], dtype: Any) -> Tensor:
    return convert_to_tensor(np.zeros(shape, dtypes.as_dtype(dtype).as_numpy_dtype))


def scan(
    fn: Any,
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    infer_shape: bool = True,
    reverse: bool = False,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.scan`: the stacked accumulators `fn(a, x)`."""
    return _scan(fn, elems, initializer, reverse, "scan", stack=True)


def foldl(
    fn: Any,
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.foldl`."""
    return _scan(fn, elems, initializer, False, "foldl", stack=False)


def foldr(
    fn: Any,
    elems: Any,
    initializer: Any = None,
    parallel_iterations: int = 10,
    back_prop: bool = True,
    swap_memory: bool = False,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.foldr`."""
    return _scan(fn, elems, initializer, True, "foldr", stack=False)


def _scan(fn: Any, elems: Any, initializer: Any, reverse: bool, name: str, stack: bool) -> Any:
    from tfcompat._api import array_ops

    if not callable(fn):
        raise TypeError(f"{fn} is not callable. Please provide a callable function.")
    fn = _converted(fn)
    flat, n = _elems(elems)
    order = list(range(n - 1, -1, -1)) if reverse else list(range(n))
    if initializer is None:
        if n == 0:
            raise errors.OutOfRangeError(
                None, None, "Tried to read from index 0 but array size is: 0 "
            )
        first = order[0]
        init = nest.pack_sequence_as(elems, [_at(t, first) for t in flat])
        order = order[1:]
        init_flat_struct = elems
    else:
        init = initializer
        init_flat_struct = initializer
    if not _tracing(flat, init):
        acc = init
        history = [] if initializer is not None else [acc]
        for i in order:
            acc = fn(acc, nest.pack_sequence_as(elems, [_at(t, i) for t in flat]))
            history.append(acc)
        if not stack:
            return nest.map_structure(convert_to_tensor, acc)
        if reverse:
            history = history[::-1]
        leaves = [nest.flatten(h) for h in history]
        if not leaves:
            return nest.map_structure(
                lambda t: _empty((0, *_as_tensor(t)._shape), _as_tensor(t)._dtype), init
            )
        stacked = [
            array_ops.stack([_as_tensor(lv[k]) for lv in leaves]) for k in range(len(leaves[0]))
        ]
        return nest.pack_sequence_as(init_flat_struct, stacked)
    # Traced.
    if initializer is None:
        idx = [t for t in flat]
        rest = [_slice_rest(t, reverse) for t in idx]
        out = _scan_traced(
            fn, init, elems, rest, n - 1, reverse, name, fn, stack_only=False, keep_init=stack
        )
    else:
        out = _scan_traced(fn, init, elems, flat, n, reverse, name, fn, stack_only=False)
    if stack:
        return out
    return out


def _slice_rest(t: Tensor, reverse: bool) -> Tensor:
    return _at(t, slice(None, -1) if reverse else slice(1, None))


def _scan_traced(
    fn: Any,
    init: Any,
    elems: Any,
    flat: list[Tensor],
    n: int,
    reverse: bool,
    name: str,
    src: Any,
    stack_only: bool,
    keep_init: bool = False,
) -> Any:
    """One `lax.scan` op: carry = accumulator leaves (+ assigned variables)."""
    init_flat = [_as_tensor(v) for v in nest.flatten(init)]
    n_c = len(init_flat)
    c_avals = [(t._shape, t._dtype) for t in init_flat]
    x_avals = [(t._shape[1:], t._dtype) for t in flat]

    def call(w: list[Tensor]) -> Any:
        carry = nest.pack_sequence_as(init, w[:n_c]) if n_c else ()
        x = nest.pack_sequence_as(elems, w[n_c:])
        out = fn(carry, x)
        if stack_only:
            return out[1]
        return out

    subst = [t for t in _closure_tensors([src]) if all(t is not f for f in flat)]
    tr = _trace(call, [*c_avals, *x_avals], subst, name, src)
    variables, written = _union_variables([tr])
    reads = [v._tfcompat_read() for v in variables]
    uids = [v._handle.uid for v in variables]
    w_uids = [v._handle.uid for v in written]
    n_sub = len(subst)
    n_x = len(flat)
    if not stack_only and tr.tr.out_avals != c_avals:
        raise ValueError(
            f"The accumulator's shapes and dtypes must not change in tf.{name}: initializer "
            f"{c_avals}, fn returned {tr.tr.out_avals}."
        )
    n_y = tr.tr.n_outs

    def op_fn(*ops: Any) -> tuple[Any, ...]:
        c0 = list(ops[:n_c])
        xs = list(ops[n_c : n_c + n_x])
        sub = ops[n_c + n_x : n_c + n_x + n_sub]
        var0 = dict(zip(uids, ops[n_c + n_x + n_sub :], strict=True))
        w0 = [var0[u] for u in w_uids]

        def body(carry: Any, x: Any) -> Any:
            c, cw = carry
            vals = dict(var0)
            vals.update(zip(w_uids, cw, strict=True))
            outs, new = tr.call([*c, *x], sub, vals)
            cw = [new.get(u, vals[u]) for u in w_uids]
            if stack_only:
                return (c, cw), outs
            return (outs, cw), outs

        (c, cw), ys = lax.scan(body, (c0, w0), xs, length=n, reverse=reverse)
        if keep_init:
            ys = [
                jnp.concatenate([y, c0i[None]]) if reverse else jnp.concatenate([c0i[None], y])
                for y, c0i in zip(ys, c0, strict=True)
            ]
        result = ys if (stack_only or keep_init or name == "scan") else c
        return (*result, *cw)

    outs = _run(name, op_fn, [*init_flat, *flat, *subst, *reads], written)
    template = init if not stack_only else None
    if stack_only:
        return _pack(tr.tr.out_template, tr.tr.out_kinds, outs[:n_y])
    return nest.pack_sequence_as(template, outs[:n_c])


# --------------------------------------------------------------------------------------
# tf.vectorized_map
# --------------------------------------------------------------------------------------


def vectorized_map(
    fn: Any, elems: Any, fallback_to_while_loop: bool = True, warn: bool = True
) -> Any:
    """tfcompat implementation of `tf.vectorized_map`: `fn` traced once, `jax.vmap`ped.

    Differences from TensorFlow: `fn` must be traceable (no Python branching on values);
    there is no while-loop fallback.
    """
    flat, _ = _elems(elems)
    x_avals = [(t._shape[1:], t._dtype) for t in flat]

    def call(w: list[Tensor]) -> Any:
        return fn(nest.pack_sequence_as(elems, w))

    subst = [t for t in _closure_tensors([fn]) if all(t is not f for f in flat)]
    from tfcompat._api.logging_ops import unordered_prints

    with unordered_prints():  # tf.print in fn: a callback that jax.vmap can batch
        tr = _trace(call, x_avals, subst, "vectorized_map", fn)
    if tr.written:
        raise ValueError("tf.vectorized_map: fn must not assign variables.")
    variables = tr.variables
    reads = [v._tfcompat_read() for v in variables]
    uids = [v._handle.uid for v in variables]
    n_x, n_sub = len(flat), len(subst)

    def op_fn(*ops: Any) -> tuple[Any, ...]:
        xs = ops[:n_x]
        sub = ops[n_x : n_x + n_sub]
        var_vals = dict(zip(uids, ops[n_x + n_sub :], strict=True))

        def one(*x: Any) -> Any:
            outs, _ = tr.call(list(x), sub, var_vals)
            return tuple(outs)

        return tuple(jax.vmap(one)(*xs))

    outs = _run("VectorizedMap", op_fn, [*flat, *subst, *reads], [])
    return _pack(tr.tr.out_template, tr.tr.out_kinds, outs)

"""`tf.function` on `jax.jit` (docs/design.md, the execution model), `tf.TensorSpec`.

A call looks up a *concrete function* by TF's retracing key: tensors (and NumPy arrays)
by shape and dtype, variables by shape and dtype, Python scalars and strings by value,
other objects by identity, containers by structure; `input_signature` fixes the key and
`reduce_retracing` generalizes shapes as TF does. On a miss the Python function is traced
once into a jaxpr: its arguments are JAX tracers wrapped in tfcompat tensors, and every
variable it touches is *lifted* at its first access: a new input of the jaxpr is created
and swapped into the variable's handle (the pattern Keras, Objax and Flax NNX use), so the
compiled program reads current values and returns the new values of the variables it
assigns. The concrete function keeps the flat list of those variables; a call passes their
values in and writes the results back. Nothing walks object graphs per call.

Tapes work inside functions (the gradient runs on tracers), and a function called while a
tape records is recorded on it as one op whose replay is the compiled program.

AutoGraph (tfcompat.autograph, docs/autograph.md) converts the Python function before
its first trace unless `autograph=False`: Python `if`/`while`/`for` on tensors become
`tf.cond`/`tf.while_loop`. Without it, Python control flow on a tensor value raises
`OperatorNotAllowedInGraphError` naming the construct to use.

A key with `None` dimensions (`input_signature`, `reduce_retracing`) is traced once with
JAX symbolic dimensions and exported (`jax.export`), then compiled per concrete shape.

Differences from TensorFlow (see docs/advanced_autodiff.md):
  * A tensor of unknown rank is traced per concrete shape.
  * Variables created during a trace but never read or assigned in it are not lifted.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, cast

import jax
import numpy as np
from jax import api_util, core
from jax.extend import linear_util as lu
from jax.extend import source_info_util

from tfcompat import (
    _concrete_printing,
    _function_eager,
    _host_callbacks,
    _leaks,
    _nonstrict,
    _trace_types,
)
from tfcompat._composite import base as composite
from tfcompat._composite.base import CompositeTensor
from tfcompat._core import dtypes, errors, hooks
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._core.variable import Variable, _Handle
from tfcompat._engine import jax_internals
from tfcompat._ops import checks
from tfcompat._ops.registry import RawOp
from tfcompat._tape import engine
from tfcompat._tape.higher_order import differentiable_inputs
from tfcompat._util import nest

__all__ = ["ConcreteFunction", "Function", "TensorSpec", "function", "is_concrete"]

_tf_logger = logging.getLogger("tensorflow")


def is_concrete(value: Any) -> bool:
    """Whether `value` (an array or a Tensor) holds a concrete value, not a JAX tracer.

    Checks that read values (e.g. `pow` rejecting negative integer exponents) must be
    skipped while a `tf.function` is traced.
    """
    if isinstance(value, Tensor):
        value = value._value
    return value is not None and not isinstance(value, jax.core.Tracer)


# --------------------------------------------------------------------------------------
# tf.TensorSpec
# --------------------------------------------------------------------------------------


class TensorSpec:
    """tfcompat implementation of `tf.TensorSpec`: a shape (dims may be None) and a dtype."""

    __slots__ = ("_dtype", "_name", "_shape")

    def __init__(self, shape: Any, dtype: Any = dtypes.float32, name: Any = None) -> None:
        self._shape = TensorShape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._name = name

    @classmethod
    def from_tensor(cls, tensor: Any, name: Any = None) -> TensorSpec:
        return cls(tensor.shape, tensor.dtype, name)

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def name(self) -> Any:
        return self._name

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        other = spec_or_value
        if not isinstance(other, TensorSpec):
            other = TensorSpec(other.shape, other.dtype)
        return self._dtype is other._dtype and self._shape.is_compatible_with(other._shape)

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self._shape}, dtype={self._dtype!r}, name={self._name!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TensorSpec):
            return False
        if self._dtype is not other._dtype or self._name != other._name:
            return False
        if self._shape.rank is None or other._shape.rank is None:
            return self._shape.rank == other._shape.rank
        return bool(self._shape.as_list() == other._shape.as_list())

    def __hash__(self) -> int:
        dims = None if self._shape.rank is None else tuple(self._shape.as_list())
        return hash((dims, self._dtype, self._name))


TensorSpec.__module__ = "tfcompat"


# --------------------------------------------------------------------------------------
# Retracing keys
# --------------------------------------------------------------------------------------

# A key part for a tensor argument: ("T", dims or None for unknown rank, dtype).
_LITERALS = (bool, int, float, complex, str, bytes, type(None))


class _Flat:
    """The flattened arguments of one call: the retracing key and the runtime inputs."""

    __slots__ = ("has_specs", "key", "tensors", "variables")

    def __init__(self) -> None:
        self.key: list[Any] = []
        self.tensors: list[Any] = []  # Tensors (TensorSpecs for get_concrete_function)
        self.variables: list[Variable] = []
        self.has_specs = False  # a TensorSpec among the arguments


def _flatten_arg(x: Any, flat: _Flat) -> None:
    if isinstance(x, Tensor) and x._dtype is dtypes.string:
        # Strings never enter XLA: a string tensor is a constant of the trace, keyed by value.
        flat.key.append(("S", x._shape, tuple(np.asarray(x._value).reshape(-1).tolist())))
    elif isinstance(x, Tensor):
        flat.key.append(("T", x._shape, x._dtype))
        flat.tensors.append(x)
    elif isinstance(x, Variable):
        # TF keys variables by shape, dtype, trainable and aliasing (alias: the position
        # of the first argument that is the same variable).
        alias = len(flat.variables)
        for i, other in enumerate(flat.variables):
            if other is x:
                alias = i
                break
        flat.key.append(("V", x._handle.shape, x._handle.dtype, x.trainable, alias))
        flat.variables.append(x)
    elif isinstance(x, _LITERALS):
        flat.key.append(("L", x))
    elif isinstance(x, (np.ndarray, np.generic, jax.Array)):
        t = convert_to_tensor(x)
        flat.key.append(("T", t._shape, t._dtype))
        flat.tensors.append(t)
    elif isinstance(x, TensorSpec):
        dims = None if x.shape.rank is None else tuple(x.shape.as_list())
        flat.key.append(("T", dims, x.dtype))
        flat.tensors.append(x)  # a placeholder (get_concrete_function)
        flat.has_specs = True
    elif isinstance(x, (list, tuple)):
        kind = type(x) if hasattr(x, "_fields") else type(x).__name__
        flat.key.append(("(", kind, len(x)))
        for item in x:
            _flatten_arg(item, flat)
    elif isinstance(x, Mapping):
        keys = _sorted_keys(x)
        flat.key.append(("{", type(x).__name__, tuple(keys)))
        for k in keys:
            _flatten_arg(x[k], flat)
    elif isinstance(x, CompositeTensor):  # SparseTensor, RaggedTensor...: by spec + parts
        spec = x._type_spec
        flat.key.append(("C", spec))
        for part in spec._to_components(x):
            _flatten_arg(part, flat)
    else:  # __tf_tracing_type__, by value if hashable, else TF's TypeError
        _trace_types.flatten_object(x, flat.key, _flatten_arg, flat)


def _sorted_keys(d: Mapping[Any, Any]) -> list[Any]:
    try:
        return sorted(d)
    except TypeError:
        return list(d)


def _generalize(a: tuple[Any, ...], b: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """TF's `reduce_retracing`: the most specific key both `a` and `b` fit, if any."""
    if len(a) != len(b):
        return None
    out = []
    for pa, pb in zip(a, b, strict=True):
        if pa == pb:
            out.append(pa)
        elif pa[0] == "T" and pb[0] == "T" and pa[2] is pb[2]:
            da, db = pa[1], pb[1]
            if da is None or db is None or len(da) != len(db):
                out.append(("T", None, pa[2]))
            else:
                out.append(
                    ("T", tuple(x if x == y else None for x, y in zip(da, db, strict=True)), pa[2])
                )
        elif pa[0] == "TT":
            sup = _trace_types.supertype(pa, pb)
            if sup is None:
                return None
            out.append(sup)
        else:
            return None
    return tuple(out)


def _fits(key: tuple[Any, ...], spec: tuple[Any, ...]) -> bool:
    """Whether a concrete call key fits a (possibly relaxed) traced key."""
    if len(key) != len(spec):
        return False
    for pk, ps in zip(key, spec, strict=True):
        if pk == ps or (pk[0] == "TT" and _trace_types.is_subtype(pk, ps)):
            continue
        if pk[0] != "T" or ps[0] != "T" or pk[2] is not ps[2]:
            return False
        dims = ps[1]
        if dims is None:
            continue
        if len(dims) != len(pk[1]) or any(
            d is not None and d != e for d, e in zip(dims, pk[1], strict=True)
        ):
            return False
    return True


def _is_relaxed(key: tuple[Any, ...]) -> bool:
    return any(p[0] == "T" and (p[1] is None or None in p[1]) for p in key)


# --------------------------------------------------------------------------------------
# Tracing: the Python function to a jaxpr, with lifted variables
# --------------------------------------------------------------------------------------

_SINGLETON_VARIABLES = (
    "tf.function only supports singleton tf.Variables created on the first call. Make sure the "
    "tf.Variable is only created once or created outside tf.function. See "
    "https://www.tensorflow.org/guide/function#creating_tfvariables for more information."
)
_NON_FIRST_CALL_VARIABLES = (
    "Creating variables on a non-first call to a function decorated with tf.function."
)

_BOOL_NOT_ALLOWED = (
    "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. You can attempt the following "
    "resolutions to the problem: If you are running in Graph mode, use Eager execution mode or "
    "decorate this function with @tf.function. If you are using AutoGraph, you can try decorating "
    "this function with @tf.function. If that does not work, then you may be using an unsupported "
    "feature or your source code may not be visible to AutoGraph. See "
    "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/"
    "reference/limitations.md#access-to-source-code for more information."
)
_NO_AUTOGRAPH = (
    "\n\nThis code runs without AutoGraph (autograph=False, do_not_convert, or source code "
    "AutoGraph cannot read), so Python control flow cannot depend on a tensor's value{where}. "
    "Use tf.cond(pred, true_fn, false_fn) (or tf.where) instead of `if`, "
    "tf.while_loop(cond, body, loop_vars) instead of `while`, and tf.map_fn / tf.scan / "
    "tf.foldl instead of a `for` loop over values; or compute the condition outside the function "
    "and pass it as a Python value."
)


class _Lifted:
    __slots__ = ("handle", "saved_pending", "saved_value", "tracer", "var")

    def __init__(
        self, var: Variable, handle: _Handle, tracer: Any, saved_value: Any, saved_pending: Any
    ) -> None:
        self.var = var
        self.handle = handle
        self.tracer = tracer
        self.saved_value = saved_value
        self.saved_pending = saved_pending


class _TraceScope:
    """The record on the recording stack while a function is traced.

    Variables are lifted on their first access (`Variable` calls `accessed` before it
    reads or writes the handle): a new input of the jaxpr is created and swapped into
    the handle. Variables created during the trace (handles newer than the trace) are
    noted, not lifted.
    """

    __slots__ = ("__weakref__", "allow_creation", "created", "lifted", "start_uid", "trace")

    def __init__(self, trace: Any, start_uid: int, allow_creation: str | None) -> None:
        self.trace = trace
        self.start_uid = start_uid
        self.allow_creation = allow_creation  # None: allowed; else the error message
        self.lifted: dict[int, _Lifted] = {}
        self.created: dict[int, tuple[Variable, Any]] = {}

    def accessed(self, var: Variable) -> bool:
        h = var._handle
        uid = h.uid
        if uid in self.lifted or uid in self.created:
            return False
        if uid > self.start_uid:
            if self.allow_creation is not None:
                raise ValueError(self.allow_creation)
            self.created[uid] = (var, h._value)
            return False
        if h.dtype is dtypes.string:
            return False
        self.lift(var, None)
        return False

    def watches(self, var: Variable) -> bool:
        # A read through an `assign*` alias: the handle is lifted all the same.
        return self.accessed(var)

    def lift(self, var: Variable, tracer: Any) -> None:
        h = var._handle
        if h.uid in self.lifted:  # the same variable passed twice: its first input
            return
        saved_value, saved_pending = h._value, h.pending
        if tracer is None:
            aval = core.ShapedArray(h.shape, np.dtype(h.dtype.as_numpy_dtype))
            tracer = self.trace.new_arg(aval, source_info_util.current())
        h.value = tracer
        self.lifted[h.uid] = _Lifted(var, h, tracer, saved_value, saved_pending)

    def restore(self) -> None:
        for lf in self.lifted.values():
            lf.handle._value, lf.handle.pending = lf.saved_value, lf.saved_pending


def _current_trace() -> Any:
    return jax_internals.current_trace()


def _new_start_uid() -> int:
    # Handles created after this one were created during the trace.
    return _Handle(None, (), dtypes.float32).uid


class _Traced:
    """One traced program: a jaxpr over (tensor args, variable args, lifted variables)."""

    __slots__ = (
        "captured",
        "check_spec",
        "connected",
        "consts",
        "fid",
        "jaxpr",
        "jitted",
        "n_outs",
        "n_var_args",
        "op",
        "out_avals",
        "out_kinds",
        "out_template",
        "written",
    )

    def __init__(self) -> None:
        self.captured: list[Variable] = []
        self.connected: list[bool] | None = None  # per input: reaches an output differentiably
        self.written: list[int] = []  # indices into var_args + captured whose value is output
        self.out_template: Any = None
        self.out_kinds: list[Any] = []  # per output leaf: ("t", i) | ("c", tensor) | ("n",)
        self.out_avals: list[tuple[tuple[int, ...], dtypes.DType]] = []
        self.n_outs = 0
        self.n_var_args = 0
        self.jaxpr: Any = None
        self.consts: Any = None
        self.jitted: Any = None
        self.op: RawOp | None = None
        # Runtime checks (tfcompat/_ops/checks.py): outputs after the written variables.
        self.check_spec = checks.Spec(())
        self.fid = 0  # TF's function number in error messages


def _dims(shape: Any) -> tuple[int, ...]:
    """A fully defined TensorShape as a tuple of ints."""
    return tuple(int(d) for d in shape.as_list())


def _tensor_aval(t: Any) -> core.ShapedArray:
    return core.ShapedArray(tuple(t._shape), np.dtype(t._dtype.as_numpy_dtype))


def _trace(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    flat: _Flat,
    allow_creation: str | None,
    name: str,
    avals: list[tuple[tuple[Any, ...], dtypes.DType]] | None = None,
) -> tuple[_Traced, dict[int, tuple[Variable, Any]]]:
    """Trace `fn(*args, **kwargs)` into a `_Traced`; also return the variables it created.

    `avals` overrides the argument tensors' shapes (symbolic dimensions)."""
    engine.flush_variables()  # pending updates from outside must not run inside the trace
    _materialize_closure(fn)

    named: list[int] = []

    def call(wrapped: list[Tensor]) -> Any:
        call_args, call_kwargs = _substitute(args, kwargs, flat, wrapped)
        named.extend(_name_arguments(fn, call_args, call_kwargs))
        return fn(*call_args, **call_kwargs)

    dbg = api_util.debug_info("tf.function", fn, args, kwargs)
    try:
        tr, created = trace_python(
            call,
            avals if avals is not None else [(t._shape, t._dtype) for t in flat.tensors],
            flat.variables,
            [],
            allow_creation,
            dbg,
            runtime_checks=True,
        )
    finally:
        for key in named:
            _ARG_NAMES.pop(key, None)
    tr.fid = checks.function_id()
    return tr, created


# Symbolic tensors' names while tracing (TF's graph names: "x:0", "mul:0", "mul_1:0").
# Argument tracers are named by their parameter, keyed by the tracer's id.
_ARG_NAMES: dict[int, str] = {}

# JAX primitive -> the node name TF's Python API gives the op.
_TF_NODE_NAMES = {
    "mul": "mul",
    "add": "add",
    "add_any": "add",
    "sub": "sub",
    "div": "truediv",
    "neg": "Neg",
    "gt": "Greater",
    "lt": "Less",
    "ge": "GreaterEqual",
    "le": "LessEqual",
    "eq": "Equal",
    "ne": "NotEqual",
    "reduce_sum": "Sum",
    "reduce_max": "Max",
    "reduce_min": "Min",
    "reduce_prod": "Prod",
    "dot_general": "MatMul",
    "convert_element_type": "Cast",
    "reshape": "Reshape",
    "transpose": "transpose",
    "select_n": "SelectV2",
    "pow": "pow",
    "integer_pow": "pow",
    "sqrt": "Sqrt",
    "rsqrt": "Rsqrt",
    "abs": "Abs",
    "max": "Maximum",
    "min": "Minimum",
    "and": "LogicalAnd",
    "or": "LogicalOr",
    "not": "LogicalNot",
    "concatenate": "concat",
    "while": "while",
    "cond": "cond",
    "scan": "while",
    "broadcast_in_dim": "BroadcastTo",
}


def _name_arguments(fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[int]:
    """Names the argument tensors of a trace by their parameters; returns the keys."""
    try:
        params = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        params = []
    used: dict[str, int] = {}

    def name(base: str, value: Any) -> None:
        for leaf in nest.flatten(value) if nest.is_nested(value) else [value]:
            if isinstance(leaf, Tensor) and isinstance(leaf._value, jax.core.Tracer):
                k = used.get(base, 0)
                used[base] = k + 1
                _ARG_NAMES[id(leaf._value)] = base if k == 0 else f"{base}_{k}"
                keys.append(id(leaf._value))

    keys: list[int] = []
    for i, a in enumerate(args):
        name(params[i] if i < len(params) else f"args_{i}", a)
    for key, value in kwargs.items():
        name(key, value)
    return keys


def _producer_base(eqn: Any, var: Any) -> str:
    """The TF node name for the op computing `var`: the primitive inside jit wrappers."""
    prim = str(eqn.primitive.name)
    own = eqn.params.get("name") if prim in ("pjit", "jit") else None
    if isinstance(own, str) and own[:1].isupper() and own.isidentifier():
        return own  # an op jitted under its TF name (Sum, Mean, Max)
    inner = (
        eqn.params.get("jaxpr")
        if prim in ("pjit", "jit", "closed_call")
        else eqn.params.get("call_jaxpr")
        if prim in ("custom_jvp_call", "custom_vjp_call")
        else None
    )
    if inner is not None:
        jaxpr = getattr(inner, "jaxpr", inner)
        try:
            k = [id(x) for x in eqn.outvars].index(id(var))
            target = jaxpr.outvars[k]
        except (ValueError, IndexError, AttributeError):
            target = None
        for e in reversed(jaxpr.eqns):
            if target is None or any(o is target for o in e.outvars):
                return _producer_base(e, target)
        return "Identity"
    return _TF_NODE_NAMES.get(prim, prim[:1].upper() + prim[1:])


def _graph_name(t: Tensor) -> str:
    """TF's name of a symbolic tensor: its parameter's, or its op's with TF's `_N` suffix."""
    v = t._array()
    arg = _ARG_NAMES.get(id(v))
    if arg is not None:
        return f"{arg}:0"
    var = getattr(v, "val", None)
    try:
        eqns = list(v._trace.frame.get_eqns()) or _leaks.finished_eqns(v._trace)
    except (AttributeError, TypeError):
        return "Const:0"
    mine = None
    for e in eqns:
        if any(x is var for x in e.outvars):
            mine = e
            break
    if mine is None:
        return "Const:0"
    base = _producer_base(mine, var)
    index = 0
    for e in eqns:
        if e is mine:
            break
        if e.outvars and _producer_base(e, e.outvars[0]) == base:
            index += 1
    out = [id(x) for x in mine.outvars].index(id(var))
    return f"{base if index == 0 else f'{base}_{index}'}:{out}"


hooks.register("graph_name", _graph_name)


def trace_python(
    call: Callable[[list[Tensor]], Any],
    in_avals: list[tuple[tuple[int, ...], dtypes.DType]],
    pre_lift: list[Variable],
    substitute: list[Tensor],
    allow_creation: str | None,
    dbg: Any,
    all_outputs: bool = False,
    runtime_checks: bool = False,
) -> tuple[_Traced, dict[int, tuple[Variable, Any]]]:
    """Trace Python code on tfcompat tensors into a jaxpr (tf.function and control flow).

    The jaxpr's inputs are, in order: `in_avals` (given to `call` as tensors), the values
    of the `pre_lift` variables, the values of the `substitute` tensors (whose `_value`
    is swapped for the traced input during the call: a closure then computes from it),
    then every other variable the code touches, lifted at its first access. Outputs: the
    tensor leaves of the result (with `all_outputs`, constants too), then the new values
    of the variables it assigned (in `_Traced.written` order), then the initial values of
    variables it created. Tapes recording outside do not see the trace. With
    `runtime_checks` (a tf.function), the outputs of the kernel checks registered during
    the trace come between the written variables and the initial values; otherwise checks
    registered while `call` runs (in a control-flow body) are dropped.
    """
    avals = [core.ShapedArray(tuple(sh), np.dtype(dt.as_numpy_dtype)) for sh, dt in in_avals]
    avals += [
        core.ShapedArray(v._handle.shape, np.dtype(v._handle.dtype.as_numpy_dtype))
        for v in pre_lift
    ]
    avals += [_tensor_aval(t) for t in substitute]
    n_t, n_v = len(in_avals), len(pre_lift)
    result: dict[str, Any] = {}
    state = engine.state
    start_uid = _new_start_uid()
    saved_subst = [(t, t._value) for t in substitute]

    def traced(*vals: Any) -> list[Any]:
        scope = _TraceScope(_current_trace(), start_uid, allow_creation)
        result["scope"] = scope
        saved_recording = state.recording
        state.recording = [scope]
        try:
            wrapped: list[Tensor] = [
                EagerTensor(v, sh, dt) for v, (sh, dt) in zip(vals[:n_t], in_avals, strict=True)
            ]
            for v, var in zip(vals[n_t : n_t + n_v], pre_lift, strict=True):
                scope.lift(var, v)
            for v, t in zip(vals[n_t + n_v :], substitute, strict=True):
                t._value = v
            collector = checks.Collector(_current_trace()) if runtime_checks else None
            with checks.collecting(collector):
                try:
                    out = call(wrapped)
                except (
                    jax.errors.ConcretizationTypeError,
                    jax.errors.TracerArrayConversionError,
                ) as exc:
                    raise _concretization_error(exc) from None
                return _collect_outputs(out, scope, pre_lift, result, all_outputs, collector)
        finally:
            state.recording = saved_recording

    try:
        wrapped = lu.wrap_init(traced, debug_info=dbg)
        jaxpr, _, consts = jax_internals.trace_to_jaxpr_dynamic(wrapped, avals)
    finally:
        for t, old in saved_subst:
            t._value = old
        scope = result.get("scope")
        if scope is not None:
            scope.restore()
    if scope is not None:  # leaked tensors keep their names and origins
        _leaks.finished(scope.trace, jaxpr, dbg)
    tr: _Traced = result["traced"]
    if "nonstrict" in result:  # drop the checks of dead ops (TF's non-strict execution)
        jaxpr, consts, tr.check_spec = _nonstrict.prune(jaxpr, consts, result["nonstrict"])
    tr.jaxpr, tr.consts = jaxpr, consts
    return tr, scope.created if scope is not None else {}


def _materialize_closure(fn: Any) -> None:
    """Compute pending tensors the function closes over before tracing it (else their
    values would be computed inside the trace, as tracers)."""
    pending = []
    for cell in getattr(getattr(fn, "__func__", fn), "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        for x in nest.flatten(value) if nest.is_nested(value) else [value]:
            if isinstance(x, Tensor) and x._value is None:
                pending.append(x)
    if pending:
        engine.materialize_many(pending)


def _substitute(args: Any, kwargs: Any, flat: _Flat, wrapped: list[Tensor]) -> tuple[Any, Any]:
    """`args`/`kwargs` with each tensor argument replaced by its traced tensor."""
    it = iter(wrapped)
    types = iter([p[1] for p in flat.key if p[0] == "TT"])

    def sub(x: Any) -> Any:
        if isinstance(x, Tensor) and x._dtype is dtypes.string:
            return x  # a constant of the trace (see _flatten_arg)
        if isinstance(x, (Tensor, np.ndarray, np.generic, jax.Array, TensorSpec)):
            return next(it)
        if isinstance(x, CompositeTensor):
            spec = x._type_spec
            return spec._from_components([sub(c) for c in spec._to_components(x)])
        if isinstance(x, (list, tuple)) and not isinstance(x, str):
            items = [sub(i) for i in x]
            if hasattr(x, "_fields"):
                return type(x)(*items)
            return type(x)(items)
        if isinstance(x, Mapping):
            keys = _sorted_keys(x)
            done = {k: sub(x[k]) for k in keys}
            return (
                cast(Any, type(x))((k, done[k]) for k in x)
                if type(x) is not dict
                else {k: done[k] for k in x}
            )
        return _trace_types.placeholder(x, types)  # x itself unless it has a TraceType

    new_args = tuple(sub(a) for a in args)
    done = {k: sub(kwargs[k]) for k in sorted(kwargs)}  # the order _flatten_arg keys them
    new_kwargs = {k: done[k] for k in kwargs}
    return new_args, new_kwargs


def _collect_outputs(
    out: Any,
    scope: _TraceScope,
    pre_lift: list[Variable],
    result: dict[str, Any],
    all_outputs: bool = False,
    collector: checks.Collector | None = None,
) -> list[Any]:
    """Flat jaxpr outputs: traced output leaves, new values of written variables, then
    the runtime checks' outputs."""
    tr = _Traced()
    out = composite.expand(out)[0]  # composite outputs as their components
    leaves = nest.flatten(out)
    values: list[Any] = []
    tensors: list[Tensor] = []
    for leaf in leaves:
        if leaf is None:
            tr.out_kinds.append(("n",))
            continue
        t = leaf._tfcompat_read() if isinstance(leaf, Variable) else convert_to_tensor(leaf)
        tensors.append(t)
        tr.out_kinds.append(("t", t))
    pending = [t for t in tensors if t._value is None]
    if pending:
        engine.materialize_many(pending)
    for i, kind in enumerate(tr.out_kinds):
        if kind[0] != "t":
            continue
        t = kind[1]
        if t._dtype is dtypes.string or (is_concrete(t._value) and not all_outputs):
            tr.out_kinds[i] = ("c", t)
        else:
            tr.out_kinds[i] = ("t", len(values))
            values.append(t._value)
            tr.out_avals.append((t._shape, t._dtype))
    tr.n_outs = len(values)
    tr.out_template = (
        nest.pack_sequence_as(out, [None] * len(leaves)) if nest.is_nested(out) else None
    )

    # Variables: the arguments first (by position), then the captured ones, in order.
    n_var_args = len(pre_lift)
    arg_uids = [v._handle.uid for v in pre_lift]
    ordered = [scope.lifted[u] for u in arg_uids]
    ordered += [lf for u, lf in scope.lifted.items() if u not in set(arg_uids)]
    tr.n_var_args = n_var_args
    tr.captured = [lf.var for lf in ordered[n_var_args:]]
    for j, lf in enumerate(ordered):
        h = lf.handle
        current = h.value  # computes pending updates made inside the trace
        if current is not lf.tracer:
            tr.written.append(j)
            values.append(current)
    if collector is not None:  # raw checks, pruned after the trace (_nonstrict.py)
        values.extend(_nonstrict.check_outputs(collector, len(values), result))
    # Variables created in the trace: their initial values, to compute after the trace.
    init = []
    for _var, initial in scope.created.values():
        init.append(initial)
    result["n_init"] = len(init)
    values.extend(x for x in init if not is_concrete(x))
    values.extend(_nonstrict.subject_outputs(result))
    result["traced"] = tr
    return values


def _concretization_error(exc: BaseException) -> BaseException:
    """TF's error for a Python construct that needs a tensor's value during tracing."""
    where = None
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if (
            code.co_filename.endswith(("tensor.py", "variable.py"))
            and code.co_name in _VALUE_METHODS
        ):
            where = code.co_name
        tb = tb.tb_next
    if where == "__bool__":
        return errors.OperatorNotAllowedInGraphError(
            _BOOL_NOT_ALLOWED + _NO_AUTOGRAPH.format(where=" (`if`, `while`, `and`, `or`, `not`)")
        )
    if where == "numpy":
        return AttributeError("'SymbolicTensor' object has no attribute 'numpy'")
    what = {
        "__float__": "float()",
        "__int__": "int()",
        "__index__": "an index",
        "__array__": "NumPy",
    }.get(where or "", "a Python value")
    return errors.OperatorNotAllowedInGraphError(
        f"Using a symbolic `tf.Tensor` as {what} is not allowed inside tf.function."
        + _NO_AUTOGRAPH.format(where="")
    )


_VALUE_METHODS = frozenset(
    {
        "__bool__",
        "numpy",
        "__float__",
        "__int__",
        "__index__",
        "__array__",
        "_scalar",
        "__complex__",
    }
)


def _finish(tr: _Traced, name: str) -> None:
    """Compile the traced jaxpr: the jitted call and the raw op used under tapes."""
    jaxpr, consts = tr.jaxpr, tr.consts

    def flat_fn(*vals: Any) -> tuple[Any, ...]:
        return tuple(core.eval_jaxpr(jaxpr, consts, *vals))

    tr.jitted = jax.jit(flat_fn)
    tr.op = RawOp(name, flat_fn, differentiable=True, num_outputs=None)


def _initial_values(jaxpr: Any, consts: Any, n_init: int, inputs: list[Any]) -> list[Any]:
    """Evaluate only the initial values of variables created in a trace (its last outputs)."""
    used = [False] * (len(jaxpr.outvars) - n_init) + [True] * n_init
    # The constants become leading inputs: the debug info's argument names (which do not
    # count them) would no longer match the inputs, so they are marked unknown.
    with_consts = jax_internals.convert_constvars_jaxpr(
        jaxpr.replace(debug_info=jaxpr.debug_info.with_unknown_names())
    )
    dce, _ = jax_internals.dce_jaxpr(with_consts, used, instantiate=True)
    return list(jax.jit(lambda *v: core.eval_jaxpr(dce, (), *v))(*consts, *inputs))


# --------------------------------------------------------------------------------------
# Concrete functions
# --------------------------------------------------------------------------------------


class ConcreteFunction:
    """tfcompat implementation of a TF `ConcreteFunction`: one traced signature.

    A key with unknown dimensions (from `input_signature` or `reduce_retracing`) is traced
    once with symbolic dimensions and holds one compiled program per concrete shape seen.
    """

    def __init__(
        self, function: Function, key: tuple[Any, ...], structured_input_signature: Any
    ) -> None:
        self._function = function
        self._key = key
        self._instances: dict[tuple[Any, ...], _Traced] = {}
        self._counted = False  # whether this concrete function's trace was counted
        self._symbolic: _Symbolic | None = None  # traced once with symbolic dimensions
        self.structured_input_signature = structured_input_signature
        self.structured_outputs: Any = None
        self._template: Any = None  # the traced parameters (tfcompat/_concrete_printing.py)

    @property
    def function_type(self) -> Any:
        return self._function._signature

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._template is not None:  # TF's binding: literals fixed at trace time
            args, kwargs = _concrete_printing.bind_call(self, args, kwargs)
        bound_args, bound_kwargs = self._function._bind(args, kwargs)
        flat = _Flat()
        for a in bound_args:
            _flatten_arg(a, flat)
        for k in sorted(bound_kwargs):
            _flatten_arg(bound_kwargs[k], flat)
        key = tuple(flat.key)
        if not _fits(key, self._key):
            raise TypeError(
                f"Binding inputs to tf.function failed: the arguments do not match the concrete "
                f"function's signature {self.structured_input_signature}."
            )
        return self._call(key, bound_args, bound_kwargs, flat)

    def _instance(self, key: tuple[Any, ...], args: Any, kwargs: Any, flat: _Flat) -> _Traced:
        if key is not self._key and any(p[0] == "TT" for p in key):
            # A subtype of the traced TraceType runs the program traced for it (and a
            # trace sees the placeholder of the concrete function's type).
            key = tuple(ps if ps[0] == "TT" else p for p, ps in zip(key, self._key, strict=True))
            flat.key = list(key)
        tr = self._instances.get(key)
        if tr is None:
            tr = self._function._trace_instance(self, args, kwargs, flat)
            self._instances[key] = tr
            if self.structured_outputs is None:
                self.structured_outputs = tr.out_template
        return tr

    def _call(self, key: tuple[Any, ...], args: Any, kwargs: Any, flat: _Flat) -> Any:
        tr = self._instance(key, args, kwargs, flat)
        try:
            return _run(tr, flat)
        except _host_callbacks.ShapeChanged:  # a guessed callback shape: trace again
            self._drop(key)
            return self._call(key, args, kwargs, flat)

    def _drop(self, key: tuple[Any, ...]) -> None:
        """Forget the program traced for `key` (tf.py_function shapes, _host_callbacks)."""
        self._instances.pop(key, None)
        self._symbolic = None

    @property
    def graph(self) -> Any:
        """A TF-shaped view of the traced program (tfcompat/_graph_view.py)."""
        from tfcompat import _graph_view

        tr = _concrete_printing._traced(self)
        if tr is None:
            raise ValueError("This concrete function has not been traced for concrete shapes.")
        names = _concrete_printing.tensor_names(self)
        return _graph_view.build(
            tr,
            self._function._name,
            names,
            len(tr.jaxpr.invars) - len([*tr.captured]) - tr.n_var_args,
        )

    # -- TF's printed forms (tfcompat/_concrete_printing.py) --------------------------
    def pretty_printed_signature(self, verbose: bool = True) -> str:
        return _concrete_printing.pretty_signature(self, verbose)

    def __str__(self) -> str:
        return f"ConcreteFunction {self.pretty_printed_signature()}"

    def __repr__(self) -> str:
        return f"<ConcreteFunction {self.pretty_printed_signature(False)} at 0x{id(self):X}>"


class _Symbolic:
    """A program traced once with symbolic dimensions, exported for concrete shapes."""

    __slots__ = ("call", "exported", "name", "tr")

    def __init__(self, tr: _Traced, exported: Any, name: str) -> None:
        self.tr = tr
        self.exported = exported
        self.name = name
        self.call = jax.jit(exported.call)


def _concrete_instance(sym: _Symbolic, flat: _Flat) -> _Traced:
    """The symbolic program for the concrete shapes of `flat`'s tensors."""
    src = sym.tr
    tr = _Traced()
    for attr in ("captured", "written", "out_template", "out_kinds", "n_outs", "n_var_args"):
        setattr(tr, attr, getattr(src, attr))
    tr.jaxpr, tr.consts = src.jaxpr, src.consts
    structs = [jax.ShapeDtypeStruct(tuple(t._shape), t._dtype.as_numpy_dtype) for t in flat.tensors]
    structs += [
        jax.ShapeDtypeStruct(v._handle.shape, v._handle.dtype.as_numpy_dtype)
        for v in [*flat.variables, *src.captured]
    ]
    outs = jax.eval_shape(sym.call, *structs)
    tr.out_avals = [(tuple(o.shape), dtypes.from_numpy(o.dtype)) for o in outs[: src.n_outs]]
    tr.jitted = sym.call
    tr.op = RawOp(sym.name, sym.exported.call, differentiable=True, num_outputs=None)
    return tr


def _name(tr: _Traced) -> str:
    return tr.op.name if tr.op is not None else ""


def _run(tr: _Traced, flat: _Flat) -> Any:
    """Call a traced program: values in, outputs and written variables out."""
    variables = flat.variables + tr.captured
    state = engine.state
    if state.recording:
        outs = _run_recorded(tr, flat, variables)
    else:
        tensors = flat.tensors
        pending = [t for t in tensors if t._value is None]
        if pending:
            engine.materialize_many(pending)
        vals = [t._value for t in tensors] + [v._handle.value for v in variables]
        raw = tr.jitted(*vals)
        if tr.jaxpr is not None and tr.jaxpr.effects:  # host callbacks (_host_callbacks.py)
            _host_callbacks.after_run(raw, _name(tr), tr.fid)
        n_checks = tr.check_spec.n_outputs
        if n_checks:
            start = tr.n_outs + len(tr.written)
            checks.raise_first(tr.check_spec, raw[start : start + n_checks], _name(tr), tr.fid)
        outs = [EagerTensor(raw[i], shape, dtype) for i, (shape, dtype) in enumerate(tr.out_avals)]
        for j, value in zip(tr.written, raw[tr.n_outs : tr.n_outs + len(tr.written)], strict=True):
            variables[j]._handle.value = value
    return _pack_outputs(tr, outs)


def _run_recorded(tr: _Traced, flat: _Flat, variables: list[Variable]) -> list[Tensor]:
    """Call under recording tapes or an outer trace: one raw op, recorded if watched."""
    reads = [v._tfcompat_read() for v in variables]  # notifies tapes and outer traces
    inputs = [*flat.tensors, *reads]
    if tr.connected is None:
        tr.connected = differentiable_inputs(tr.jaxpr)
    # TF gives None for an input no output depends on differentiably (and zeros for an
    # input that only some outputs depend on): StopGradient makes the former unconnected.
    for i, connected in enumerate(tr.connected):
        if not connected and inputs[i]._dtype._trainable:
            inputs[i] = engine.execute("StopGradient", (inputs[i],))
    assert tr.op is not None
    res = engine.execute_op(tr.op, tuple(inputs))
    res = list(res)
    if tr.jaxpr is not None and tr.jaxpr.effects and res and res[0]._value is None:
        # host callbacks run at the call, as TF's ops do (_host_callbacks.py)
        _host_callbacks.run_now(res, _name(tr), tr.fid)
    n_checks = tr.check_spec.n_outputs
    if n_checks:
        start = tr.n_outs + len(tr.written)
        recorded = res[start]._value is None  # TF then runs the `__forward_` function
        values = [t._array() for t in res[start : start + n_checks]]
        if isinstance(values[0], jax.core.Tracer):  # called while another function traces
            checks.reregister(tr.check_spec, values)
        else:
            kind = "forward" if recorded else "inference"
            checks.raise_first(tr.check_spec, values, _name(tr), tr.fid, kind)
    for j, value in zip(tr.written, res[tr.n_outs : tr.n_outs + len(tr.written)], strict=True):
        engine.assign_lazy(variables[j]._handle, value)
    return res[: tr.n_outs]


def _pack_outputs(tr: _Traced, outs: list[Tensor]) -> Any:
    leaves = []
    for kind in tr.out_kinds:
        if kind[0] == "t":
            leaves.append(outs[kind[1]])
        elif kind[0] == "c":
            c = kind[1]
            leaves.append(EagerTensor(c._value, c._shape, c._dtype))
        else:
            leaves.append(None)
    if tr.out_template is None:
        return leaves[0]
    return composite.rebuild(nest.pack_sequence_as(tr.out_template, leaves))


# --------------------------------------------------------------------------------------
# Frequent-retracing warning (TF's _FrequentTracingDetector, polymorphic_function.py)
# --------------------------------------------------------------------------------------

_MAX_CALL_HISTORY = 10
_WARNING_THRESHOLD = 5
_MAX_WARNINGS = 2


_RETRACING_WARNING = (
    "{} out of the last {} calls to {} triggered tf.function retracing. Tracing is expensive "
    "and the excessive number of tracings could be due to (1) creating @tf.function repeatedly "
    "in a loop, (2) passing tensors with different shapes, (3) passing Python objects instead "
    "of tensors. For (1), please define your @tf.function outside of the loop. For (2), "
    "@tf.function has reduce_retracing=True option that can avoid unnecessary retracing. For "
    "(3), please refer to https://www.tensorflow.org/guide/function#controlling_retracing and "
    "https://www.tensorflow.org/api_docs/python/tf/function for  more details."
)


class _TracingDetector:
    __slots__ = ("call_count", "calls_per_tracing", "warnings")

    def __init__(self) -> None:
        self.calls_per_tracing: list[int] = []
        self.warnings = 0
        self.call_count = 0

    def called_with_tracing(self, function_name: Any) -> None:
        self.call_count += 1
        self.calls_per_tracing.append(1)
        while self.calls_per_tracing:
            if self.call_count - self.calls_per_tracing[0] > _MAX_CALL_HISTORY:
                self.call_count -= self.calls_per_tracing.pop(0)
            else:
                break
        if self.warnings >= _MAX_WARNINGS:
            return
        if len(self.calls_per_tracing) >= _WARNING_THRESHOLD:
            self.warnings += 1
            _tf_logger.warning(
                _RETRACING_WARNING.format(
                    len(self.calls_per_tracing), self.call_count, function_name
                )
            )

    def called_without_tracing(self) -> None:
        if not self.calls_per_tracing:
            self.calls_per_tracing = [0]
        self.calls_per_tracing[-1] += 1
        self.call_count += 1


_DETECTORS: dict[Any, _TracingDetector] = {}
_DETECTORS_LOCK = threading.Lock()


def _detector(key: Any) -> _TracingDetector:
    with _DETECTORS_LOCK:
        d = _DETECTORS.get(key)
        if d is None:
            d = _DETECTORS[key] = _TracingDetector()
        return d


def _stats_key(fn: Any) -> Any:
    target = fn
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    target = getattr(target, "__func__", target)
    return getattr(target, "__code__", fn)


# --------------------------------------------------------------------------------------
# tf.function
# --------------------------------------------------------------------------------------


class Function:
    """tfcompat implementation of TF's `PolymorphicFunction` (what `tf.function` returns).

    Calls are compiled with `jax.jit`, one program per retracing key; see the module
    docstring for the differences from TensorFlow.
    """

    def __init__(
        self,
        python_function: Callable[..., Any],
        name: str | None = None,
        input_signature: Any = None,
        autograph: bool = True,
        jit_compile: Any = None,
        reduce_retracing: bool = False,
    ) -> None:
        self._python_function = python_function
        self._name: str = name or str(getattr(python_function, "__name__", "function"))
        self._input_signature = None if input_signature is None else tuple(input_signature)
        self._autograph = autograph
        self._jit_compile = jit_compile
        self._reduce_retracing = reduce_retracing
        self._concrete: dict[tuple[Any, ...], ConcreteFunction] = {}
        self._relaxed: list[tuple[tuple[Any, ...], ConcreteFunction]] = []
        self._tracing_count = 0
        self._created_variables: bool | None = None  # None: not called yet
        self._lock = threading.RLock()
        self._descriptor_cache: weakref.WeakKeyDictionary[Any, Function] = (
            weakref.WeakKeyDictionary()
        )
        self._stats_key = _stats_key(python_function)
        try:
            self._signature: inspect.Signature | None = inspect.signature(python_function)
        except (TypeError, ValueError):
            self._signature = None
        self._fast_arity = _fast_arity(self._signature)
        self._converted: Callable[..., Any] | None = None
        functools.update_wrapper(self, python_function)

    # -- public API -------------------------------------------------------------------
    @property
    def python_function(self) -> Callable[..., Any]:
        return self._python_function

    @property
    def input_signature(self) -> Any:
        return self._input_signature

    @property
    def function_spec(self) -> Any:
        return self._signature

    def experimental_get_tracing_count(self) -> int:
        """The number of times the Python function was traced (as TF counts)."""
        return self._tracing_count

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _function_eager.RUN_FUNCTIONS_EAGERLY:  # tf.config.run_functions_eagerly
            return self._python_function(*args, **kwargs)
        bound_args, bound_kwargs = self._bind(args, kwargs)
        flat = _Flat()
        for a in bound_args:
            _flatten_arg(a, flat)
        for k in sorted(bound_kwargs):
            _flatten_arg(bound_kwargs[k], flat)
        key = tuple(flat.key)
        if flat.has_specs:
            spec = next(t for t in flat.tensors if isinstance(t, TensorSpec))
            raise ValueError(
                f"Attempt to convert a value ({spec}) with an unsupported type ({type(spec)}) to "
                "a Tensor."
            )
        cf = self._concrete.get(key)
        if cf is not None and key in cf._instances:
            _detector(self._stats_key).called_without_tracing()
            try:
                return _run(cf._instances[key], flat)
            except _host_callbacks.ShapeChanged:  # a guessed callback shape: trace again
                cf._drop(key)
                return self(*args, **kwargs)
        count = self._tracing_count
        with self._lock:
            cf = self._lookup(key, bound_args, bound_kwargs)
            try:
                tr = cf._instance(key, bound_args, bound_kwargs, flat)
            except BaseException:
                if not cf._instances:  # never traced successfully: forget it
                    self._forget(cf)
                raise
        try:
            result = _run(tr, flat)
        except _host_callbacks.ShapeChanged:  # a guessed callback shape: trace again
            cf._drop(key)
            return self(*args, **kwargs)
        if self._tracing_count != count:
            _detector(self._stats_key).called_with_tracing(self._python_function)
        else:
            _detector(self._stats_key).called_without_tracing()
        return result

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The concrete function for these arguments (tensors or `tf.TensorSpec`s)."""
        if not args and not kwargs and self._input_signature is not None:
            args = self._input_signature
        bound_args, bound_kwargs = self._bind(args, kwargs, allow_specs=True)
        flat = _Flat()
        for a in bound_args:
            _flatten_arg(a, flat)
        for k in sorted(bound_kwargs):
            _flatten_arg(bound_kwargs[k], flat)
        key = tuple(flat.key)
        with self._lock:
            cf = self._lookup(key, bound_args, bound_kwargs)
            if not _is_relaxed(key) and not any(isinstance(t, TensorSpec) for t in flat.tensors):
                cf._instance(key, bound_args, bound_kwargs, flat)
            elif not _is_relaxed(key):
                placeholders: list[Tensor] = [
                    EagerTensor(None, _dims(t.shape), t.dtype) for t in flat.tensors
                ]
                cf._instance(
                    key,
                    *_with_placeholders(bound_args, bound_kwargs, placeholders),
                    _spec_flat(flat),
                )
            elif cf._symbolic is None and self._created_variables is not True:
                # TF traces once with unknown dimensions: so does tfcompat (symbolically).
                from tfcompat.autograph._conversion import active

                fn = self._traced_function()
                with active(bool(self._autograph)):
                    self._try_symbolic(cf, fn, bound_args, bound_kwargs, flat)
                if all(c is not cf for _, c in self._relaxed):
                    self._relaxed.append((key, cf))  # calls that fit the specs reuse it
            if not cf._counted:  # a tensor of unknown rank: traced per shape on call
                self._tracing_count += 1
                cf._counted = True
        return cf

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        distinct = {id(cf): cf for cf in self._concrete.values() if cf._counted}
        sep = "\n\n" if verbose else "\n"
        return sep.join(cf.pretty_printed_signature(verbose) for cf in distinct.values())

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        try:
            bound = self._descriptor_cache.get(instance)
        except TypeError:
            bound = None
        if bound is None:
            bound = Function(
                self._python_function.__get__(instance, owner),
                name=self._name,
                input_signature=self._input_signature,
                autograph=self._autograph,
                jit_compile=self._jit_compile,
                reduce_retracing=self._reduce_retracing,
            )
            with contextlib.suppress(TypeError):  # not weakly referenceable: no cache
                self._descriptor_cache[instance] = bound
        return bound

    def __repr__(self) -> str:
        return f"<tfcompat.Function {self._name} at 0x{id(self):x}>"

    # -- internals --------------------------------------------------------------------
    def _bind(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], allow_specs: bool = False
    ) -> tuple[Any, Any]:
        """Canonical arguments: positional values in parameter order, then extra keywords."""
        if self._input_signature is not None:
            return self._bind_signature(args, kwargs, allow_specs)
        if not kwargs and len(args) == self._fast_arity:
            return args, {}
        sig = self._signature
        if sig is None:
            return args, kwargs
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        return _split_bound(bound)

    def _bind_signature(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], allow_specs: bool
    ) -> tuple[Any, Any]:
        spec = self._input_signature
        assert spec is not None
        sig_text = self._signature_text()
        try:
            sig = self._signature
            if sig is not None:
                params = [
                    p
                    for p in sig.parameters.values()
                    if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                ]
                if len(args) > len(spec):
                    raise TypeError("too many positional arguments")
                values = list(args)
                for p in params[len(args) : len(spec)]:
                    if p.name in kwargs:
                        values.append(kwargs.pop(p.name))
                    else:
                        raise TypeError(f"missing a required argument: '{p.name}'")
                if kwargs:
                    raise TypeError(f"got an unexpected keyword argument '{next(iter(kwargs))}'")
            else:
                values = list(args)
            converted = [_to_spec(v, sp, allow_specs) for v, sp in zip(values, spec, strict=True)]
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"Binding inputs to tf.function failed due to `{exc}`. Received args: {args} and "
                f"kwargs: {kwargs} for signature: {sig_text}."
            ) from None
        return tuple(converted), {}

    def _signature_text(self) -> str:
        spec = self._input_signature or ()
        names = []
        if self._signature is not None:
            names = [p.name for p in self._signature.parameters.values()]
        parts = [f"{n}: {s}" for n, s in zip(names, spec, strict=False)]
        return "(" + ", ".join(parts) + ")"

    def _lookup(self, key: tuple[Any, ...], args: Any, kwargs: Any) -> ConcreteFunction:
        cf = self._concrete.get(key)
        if cf is not None:
            return cf
        if self._input_signature is not None:
            spec_key = self._spec_key()
            cf = self._concrete.get(spec_key)
            if cf is None:
                cf = self._concrete[spec_key] = self._new_concrete(spec_key, args, kwargs)
            self._concrete[key] = cf
            return cf
        for relaxed_key, relaxed in reversed(self._relaxed):
            if _fits(key, relaxed_key):
                self._concrete[key] = relaxed
                return relaxed
        if any(p[0] == "TT" for p in key):  # a concrete function traced for a supertype
            for old in reversed(list({id(c): c for c in self._concrete.values()}.values())):
                if _fits(key, old._key):
                    self._concrete[key] = old
                    return old
        target = key
        if self._reduce_retracing:
            for old in reversed(list(self._concrete)):
                general = _generalize(key, old)
                if general is not None:
                    target = general
                    break
        cf = self._new_concrete(target, args, kwargs)
        self._concrete[key] = cf
        if target is not key:
            self._relaxed.append((target, cf))
        return cf

    def _forget(self, cf: ConcreteFunction) -> None:
        self._concrete = {k: c for k, c in self._concrete.items() if c is not cf}
        self._relaxed = [(k, c) for k, c in self._relaxed if c is not cf]

    def _spec_key(self) -> tuple[Any, ...]:
        flat = _Flat()
        for s in self._input_signature or ():
            _flatten_arg(s, flat)
        return tuple(flat.key)

    def _new_concrete(self, key: tuple[Any, ...], args: Any, kwargs: Any) -> ConcreteFunction:
        cf = ConcreteFunction(self, key, _describe_key(key))
        _concrete_printing.attach(self, cf, args, kwargs)
        return cf

    def _trace_instance(self, cf: ConcreteFunction, args: Any, kwargs: Any, flat: _Flat) -> _Traced:
        """Trace for concrete shapes, with TF's variable-creation and trace-counting rules.

        A concrete function counts once, when first traced; a first call that creates
        variables traces twice (TF traces again once they exist). A failed trace does not
        count; a later trace that creates variables counts and then raises, as in TF.
        """
        fn = self._traced_function()
        from tfcompat.autograph._conversion import active

        try:
            with active(bool(self._autograph)):
                return self._trace_counted(cf, fn, args, kwargs, flat)
        except Exception as exc:
            from tfcompat.autograph._errors import in_user_code

            new = in_user_code(exc, converted=fn is not self._python_function)
            if new is exc:
                raise
            raise new from None

    def _trace_counted(
        self, cf: ConcreteFunction, fn: Callable[..., Any], args: Any, kwargs: Any, flat: _Flat
    ) -> _Traced:
        if cf._symbolic is not None:
            return _concrete_instance(cf._symbolic, flat)
        if self._created_variables is not True and _is_relaxed(cf._key):
            symbolic = self._try_symbolic(cf, fn, args, kwargs, flat)
            if symbolic is not None:
                return _concrete_instance(symbolic, flat)
        count = not cf._counted
        if self._created_variables is None:
            tr, created = _trace(fn, args, kwargs, flat, None, self._name)
            if created:
                self._initialize(tr, created, flat)
                if count:
                    self._tracing_count += 1  # the first trace
                tr, _ = _trace(fn, args, kwargs, flat, _SINGLETON_VARIABLES, self._name)
                self._created_variables = True
            else:
                self._created_variables = False
        elif self._created_variables:
            tr, _ = _trace(fn, args, kwargs, flat, _SINGLETON_VARIABLES, self._name)
        else:
            tr, created = _trace(fn, args, kwargs, flat, None, self._name)
            if created:
                if count:
                    self._tracing_count += 1
                    cf._counted = True
                raise ValueError(_NON_FIRST_CALL_VARIABLES)
        if count:
            self._tracing_count += 1
            cf._counted = True
        _finish(tr, self._name)
        return tr

    def _traced_function(self) -> Callable[..., Any]:
        """The function to trace: AutoGraph's conversion of the Python function (cached),
        or the function itself with `autograph=False`."""
        fn = self._converted
        if fn is None:
            fn = self._python_function
            if self._autograph:
                from tfcompat.autograph._conversion import maybe_convert

                fn = maybe_convert(fn)
            self._converted = fn
        return fn

    def _try_symbolic(
        self, cf: ConcreteFunction, fn: Callable[..., Any], args: Any, kwargs: Any, flat: _Flat
    ) -> _Symbolic | None:
        """`_trace_symbolic`, or None when the function cannot be traced with symbolic
        dimensions (an op that needs a constant size, such as `tf.shape` used as Python
        ints): such a key is then traced per concrete shape, as tfcompat did before."""
        try:
            return self._trace_symbolic(cf, fn, args, kwargs, flat)
        except Exception as exc:
            if not _symbolic_failure(exc):
                raise
            cf._symbolic = None
            return None

    def _trace_symbolic(
        self, cf: ConcreteFunction, fn: Callable[..., Any], args: Any, kwargs: Any, flat: _Flat
    ) -> _Symbolic | None:
        """Trace once for a key with unknown dimensions, as TF does: each `None` dimension
        is a JAX symbolic dimension (`x.shape` shows None), and the program is exported
        (`jax.export`) to compile per concrete shape without running Python again. None
        when the key has a tensor of unknown rank (it is then traced per concrete shape).
        """
        parts = [p for p in cf._key if p[0] == "T"]
        if len(parts) != len(flat.tensors) or any(p[1] is None for p in parts):
            return None
        # One symbol per unknown dimension; unknown dimensions that have the same size in
        # the call being traced share it (a batch dimension of inputs and labels), so ops
        # combining them trace as TF's shape inference lets them.
        labels: list[Any] = []
        for p, t in zip(parts, flat.tensors, strict=True):
            concrete = tuple(t.shape) if isinstance(t, Tensor) else (None,) * len(p[1])
            for i, d in enumerate(p[1]):
                if d is None:
                    size = concrete[i] if i < len(concrete) else None
                    labels.append(("size", size) if size is not None else ("own", len(labels)))
        names_of: dict[Any, str] = {}
        for label in labels:
            names_of.setdefault(label, f"d{len(names_of)}")
        spelled = ", ".join(names_of.values())
        found = jax.export.symbolic_shape(spelled) if names_of else ()
        symbols = dict(zip(names_of.values(), found, strict=True))
        dims = iter(symbols[names_of[label]] for label in labels)
        avals = [(tuple(next(dims) if d is None else d for d in p[1]), p[2]) for p in parts]
        if self._created_variables is None:
            tr, created = _trace(fn, args, kwargs, flat, None, self._name, avals)
            if created:
                if any(not is_concrete(init) for _, init in created.values()):
                    raise errors.UnimplementedError(
                        None,
                        None,
                        "tfcompat traces a tf.function whose input_signature has None "
                        "dimensions once, with symbolic dimensions; variables it creates must "
                        "have initial values that do not depend on its inputs.",
                    )
                self._initialize(tr, created, flat)
                self._tracing_count += 1  # the first trace
                tr, _ = _trace(fn, args, kwargs, flat, _SINGLETON_VARIABLES, self._name, avals)
                self._created_variables = True
            else:
                self._created_variables = False
        else:
            tr, created = _trace(fn, args, kwargs, flat, None, self._name, avals)
            if created:
                raise ValueError(_NON_FIRST_CALL_VARIABLES)
        if not cf._counted:
            self._tracing_count += 1
            cf._counted = True
        jaxpr, consts = tr.jaxpr, tr.consts

        def flat_fn(*vals: Any) -> tuple[Any, ...]:
            return tuple(core.eval_jaxpr(jaxpr, consts, *vals))

        structs = [jax.ShapeDtypeStruct(v.aval.shape, v.aval.dtype) for v in jaxpr.invars]
        exported = jax.export.export(jax.jit(flat_fn))(*structs)
        cf._symbolic = _Symbolic(tr, exported, self._name)
        if cf.structured_outputs is None:
            cf.structured_outputs = tr.out_template
        return cf._symbolic

    def _initialize(
        self, tr: _Traced, created: dict[int, tuple[Variable, Any]], flat: _Flat
    ) -> None:
        """Give variables created in the first trace their initial values (computed once)."""
        traced_inits = [(var, init) for var, init in created.values() if not is_concrete(init)]
        if traced_inits:
            n_args = len(tr.jaxpr.invars)
            inputs = [t._array() for t in flat.tensors] + [v._handle.value for v in flat.variables]
            inputs += [v._handle.value for v in tr.captured]
            inputs = inputs[:n_args]
            values = _initial_values(tr.jaxpr, tr.consts, len(traced_inits), inputs)
            for (var, _), value in zip(traced_inits, values, strict=True):
                var._handle.value = value
        for var, init in created.values():
            if is_concrete(init):
                var._handle.value = init


def _symbolic_failure(exc: BaseException) -> bool:
    """Whether `exc` (or what caused it) comes from JAX's symbolic shapes."""
    seen: BaseException | None = exc
    while seen is not None:
        if "shape_poly" in type(seen).__module__ or "symbolic" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _fast_arity(sig: inspect.Signature | None) -> int:
    """How many positional arguments a call can pass without binding (-1: always bind)."""
    if sig is None:
        return -1
    n = 0
    for p in sig.parameters.values():
        if p.kind is not p.POSITIONAL_OR_KEYWORD or p.default is not p.empty:
            return -1
        n += 1
    return n


def _split_bound(bound: inspect.BoundArguments) -> tuple[tuple[Any, ...], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for name, value in bound.arguments.items():
        p = bound.signature.parameters[name]
        if p.kind is p.VAR_POSITIONAL:
            args.extend(value)
        elif p.kind is p.VAR_KEYWORD:
            kwargs.update(value)
        elif p.kind is p.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return tuple(args), kwargs


def _to_spec(value: Any, spec: Any, allow_specs: bool) -> Any:
    """`value` converted to the structure of `spec` (tensors where specs are TensorSpecs)."""
    if isinstance(spec, TensorSpec):
        return _cast_to_spec(value, spec, allow_specs)
    if isinstance(spec, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(spec):
            raise TypeError(f"Can not cast {value!r} to {spec}")
        items = [_to_spec(v, s, allow_specs) for v, s in zip(value, spec, strict=True)]
        return type(spec)(items) if not hasattr(spec, "_fields") else type(spec)(*items)
    if isinstance(spec, Mapping):
        return {k: _to_spec(value[k], spec[k], allow_specs) for k in spec}
    return value


def _cast_to_spec(x: Any, spec: Any, allow_specs: bool) -> Any:
    if not isinstance(spec, TensorSpec):
        return x
    if isinstance(x, TensorSpec):
        if not allow_specs:
            raise TypeError(f"Can not cast {x} to {spec}")
        return spec
    if isinstance(x, Variable):
        x = x._tfcompat_read()
    if not isinstance(x, Tensor):
        try:
            t = convert_to_tensor(x, dtype=spec.dtype)
        except (TypeError, ValueError):
            raise TypeError(
                f"Cannot convert {x!r} to EagerTensor of dtype {spec.dtype._tf_type_name}"
            ) from None
    else:
        t = x
    given = TensorSpec(t._shape, t._dtype)
    if not spec.is_compatible_with(given):
        raise TypeError(f"Can not cast {given} to {spec}")
    return t


def _with_placeholders(args: Any, kwargs: Any, placeholders: list[Tensor]) -> tuple[Any, Any]:
    flat = _Flat()
    for a in args:
        _flatten_arg(a, flat)
    return _substitute(args, kwargs, flat, placeholders)


def _spec_flat(flat: _Flat) -> _Flat:
    out = _Flat()
    out.key = flat.key
    out.variables = flat.variables
    out.tensors = [
        EagerTensor(None, _dims(t.shape), t.dtype) if isinstance(t, TensorSpec) else t
        for t in flat.tensors
    ]
    return out


def _describe_key(key: tuple[Any, ...]) -> str:
    parts = []
    for p in key:
        if p[0] == "T":
            shape = TensorShape(None if p[1] is None else list(p[1]))
            parts.append(f"TensorSpec(shape={shape}, dtype={p[2]!r}, name=None)")
        elif p[0] == "V":
            parts.append(
                f"VariableSpec(shape={TensorShape(list(p[1]))}, dtype={p[2]!r}, "
                f"trainable={p[3]}, alias_id={p[4]})"
            )
        elif p[0] == "L":
            parts.append(f"Literal[{p[1]!r}]")
    return "(" + ", ".join(parts) + ")"


def function(
    func: Any = None,
    input_signature: Any = None,
    autograph: bool = True,
    jit_compile: Any = None,
    reduce_retracing: bool = False,
    experimental_implements: Any = None,
    experimental_autograph_options: Any = None,
    experimental_attributes: Any = None,
    experimental_relax_shapes: Any = None,
    experimental_compile: Any = None,
    experimental_follow_type_hints: Any = None,
) -> Any:
    """tfcompat implementation of `tf.function`: compiles `func` with `jax.jit`.

    Usable as `@tf.function`, `@tf.function(...)` or `tf.function(f, ...)`.

    With `autograph=True` (the default) the function is converted by AutoGraph
    (docs/autograph.md) before it is traced.

    Differences from TensorFlow:
      one XLA program per concrete shape; `jit_compile` is accepted (everything is
      compiled).
    """
    if experimental_relax_shapes is not None:
        reduce_retracing = bool(experimental_relax_shapes)
    if experimental_compile is not None:
        jit_compile = experimental_compile

    def decorate(fn: Callable[..., Any]) -> Function:
        if isinstance(fn, Function):
            fn = fn.python_function
        return Function(
            fn,
            input_signature=input_signature,
            autograph=autograph,
            jit_compile=jit_compile,
            reduce_retracing=reduce_retracing,
        )

    if func is None:
        return decorate
    return decorate(func)

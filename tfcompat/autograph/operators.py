"""AutoGraph's operators: what converted code calls (`ag__.if_stmt`, `ag__.while_stmt`...).

Each statement-level operator dispatches on the type of its condition or iterable, as TF's
`autograph.operators` does: a tfcompat tensor (or variable) stages the statement as
`tf.cond` / `tf.while_loop`; any other value runs it as Python.

The converted statement's blocks are local functions whose parameters are the names the
statement modifies: `state` (the names used after it, which the operator returns) then
`extra` (names it modifies that are dead afterwards; passed in unchanged). A staged `if`
outputs `state` from both branches; a staged loop carries `state` as its loop variables.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor
from tfcompat._core.variable import Variable
from tfcompat._util import nest
from tfcompat.autograph._conversion import autograph_artifact, converted_call

__all__ = [
    "Undefined",
    "UndefinedReturnValue",
    "and_",
    "autograph_artifact",
    "converted_call",
    "for_iterable",
    "for_stmt",
    "if_exp",
    "if_stmt",
    "ld_attr",
    "not_",
    "or_",
    "retval",
    "st_attr",
    "while_stmt",
]

_LIMITATIONS = (
    "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/autograph/g3doc/"
    "reference/limitations.md"
)
_LEGAL_LOOP_TYPES = "Tensor, int, float, bool or a list, tuple or dict thereof"


class Undefined:
    """A name not bound yet where a converted statement needs its value (TF's class)."""

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name: str) -> None:
        self.symbol_name = symbol_name

    def __repr__(self) -> str:
        return self.symbol_name

    def __getattribute__(self, name: str) -> Any:
        if name in ("symbol_name", "__class__", "__repr__", "__slots__"):
            return object.__getattribute__(self, name)
        return self

    def __getitem__(self, i: Any) -> Any:
        return self


def ld_attr(obj: Any, attr: str, symbol_name: str) -> Any:
    """`obj.attr` as a converted statement's state: `Undefined` when it is not set."""
    try:
        return getattr(obj, attr)
    except AttributeError:
        return Undefined(symbol_name)


def st_attr(obj: Any, attr: str, value: Any) -> None:
    """Set `obj.attr` from a converted statement's state (`Undefined`: not set)."""
    if isinstance(value, Undefined):
        if hasattr(obj, attr):
            delattr(obj, attr)
        return
    if getattr(obj, attr, _MISSING) is not value:
        setattr(obj, attr, value)


_MISSING = object()


class UndefinedReturnValue:
    """The return value of a converted function before a `return` ran (TF's class)."""


def retval(value: Any) -> Any:
    """The function's result: `None` when no `return` ran."""
    return None if isinstance(value, UndefinedReturnValue) else value


def assert_same_structure(a: Any, b: Any) -> None:
    """Raises ValueError when `a` and `b` nest differently (tensors and scalars are leaves)."""
    if _shape_of(a) != _shape_of(b):
        raise ValueError(
            "The two structures don't have the same nested structure.\n\n"
            f"First structure: {a}\n\nSecond structure: {b}"
        )


def _shape_of(x: Any) -> Any:
    if isinstance(x, dict):
        return ("dict", tuple((k, _shape_of(x[k])) for k in sorted(x, key=str)))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, tuple(_shape_of(i) for i in x))
    return None


def _is_tensor(x: Any) -> bool:
    return isinstance(x, (Tensor, Variable))


# --------------------------------------------------------------------------------------
# Logical operators and conditional expressions
# --------------------------------------------------------------------------------------


def not_(a: Any) -> Any:
    """`not a`: `tf.logical_not` for a tensor."""
    if _is_tensor(a):
        from tfcompat._api import math_ops

        return math_ops.logical_not(a)
    return not a


def and_(a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """`a and b`, lazily: a tensor `a` gives `tf.cond(a, b, lambda: a)`."""
    a_val = a()
    if _is_tensor(a_val):
        return _tf_lazy(a_val, b, lambda: a_val)
    return b() if a_val else a_val


def or_(a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """`a or b`, lazily: a tensor `a` gives `tf.cond(a, lambda: a, b)`."""
    a_val = a()
    if _is_tensor(a_val):
        return _tf_lazy(a_val, lambda: a_val, b)
    return a_val if a_val else b()


def _tf_lazy(cond: Any, true_fn: Callable[[], Any], false_fn: Callable[[], Any]) -> Any:
    from tfcompat._api import control_flow

    pred = _verify_condition(cond, "logical expression")
    return control_flow.cond(
        pred, lambda: convert_to_tensor(true_fn()), lambda: convert_to_tensor(false_fn())
    )


def if_exp(cond: Any, if_true: Callable[[], Any], if_false: Callable[[], Any]) -> Any:
    """`if_true() if cond else if_false()`: `tf.cond` for a tensor condition."""
    if _is_tensor(cond):
        from tfcompat._api import control_flow

        pred = _verify_condition(cond, "if expression")
        return control_flow.cond(pred, if_true, if_false)
    return if_true() if cond else if_false()


def _verify_condition(cond: Any, tag: str) -> Tensor:
    """TF's checks on a staged condition: a boolean scalar (or one-element) tensor."""
    t = cond._tfcompat_read() if isinstance(cond, Variable) else cond
    hint = "to check for None, use `is not None`"
    if t.dtype is not dtypes.bool_:
        raise ValueError(
            f"condition of {tag} expected to be `tf.bool` scalar, got {t}; to use as boolean "
            f"Tensor, use `tf.cast`; {hint}"
        )
    if t.shape.rank:
        if int(np.prod([d or 1 for d in t.shape.as_list()])) > 1:
            raise ValueError(f"condition of {tag} expected to be `tf.bool` scalar, got {t}; {hint}")
        from tfcompat._api import array_ops

        t = array_ops.reshape(t, ())
    return t


# --------------------------------------------------------------------------------------
# if
# --------------------------------------------------------------------------------------


def if_stmt(
    cond: Any,
    body: Callable[..., tuple[Any, ...]],
    orelse: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """An `if` statement: `tf.cond` for a tensor condition, else Python's `if`."""
    if _is_tensor(cond):
        return _tf_if(cond, body, orelse, state, extra, names)
    return body(*state, *extra) if cond else orelse(*state, *extra)


def _tf_if(
    cond: Any,
    body: Callable[..., tuple[Any, ...]],
    orelse: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    from tfcompat._api import control_flow

    pred = _verify_condition(cond, "if statement")
    outs: dict[str, tuple[Any, ...]] = {}

    def branch(fn: Callable[..., tuple[Any, ...]], which: str, other: str) -> Callable[[], Any]:
        def run() -> Any:
            values = tuple(fn(*state, *extra))
            _verify_branch(values, names, which)
            values = tuple(nest.map_structure(_to_tensor_leaf, v) for v in values)
            outs[which] = values
            if other in outs:
                main, orelse_ = (values, outs[other]) if which == "main" else (outs[other], values)
                _verify_cond_vars(main, orelse_, names)
            return values if values else (convert_to_tensor(0),)

        return run

    result = control_flow.cond(pred, branch(body, "main", "else"), branch(orelse, "else", "main"))
    return tuple(result)[: len(names)]


def _to_tensor_leaf(x: Any) -> Any:
    if isinstance(x, (bool, int, float, np.ndarray, np.generic)):
        return convert_to_tensor(x)
    if isinstance(x, Variable):
        return x._tfcompat_read()
    return x


def _verify_branch(values: tuple[Any, ...], names: tuple[str, ...], branch: str) -> None:
    for name, v in zip(names, values, strict=True):
        if isinstance(v, Undefined):
            raise ValueError(f"'{name}' must also be initialized in the {branch} branch")
        if isinstance(v, UndefinedReturnValue):
            raise ValueError(f"the {branch} branch must also have a return statement.")


def _verify_cond_vars(main: tuple[Any, ...], orelse: tuple[Any, ...], names: Sequence[str]) -> None:
    for name, a, b in zip(names, main, orelse, strict=True):
        try:
            assert_same_structure(a, b)
        except (ValueError, TypeError) as e:
            raise TypeError(
                f"'{name}' must have the same nested structure in the main and else branches:\n\n"
                f"{e}"
            ) from e
        for x, y in zip(nest.flatten(a), nest.flatten(b), strict=True):
            if x is None:
                raise ValueError(f"'{name}' is None at the end of the main branch.")
            if y is None:
                raise ValueError(f"'{name}' is None at the end of the else branch.")
            if isinstance(x, Tensor) and isinstance(y, Tensor) and x.dtype is not y.dtype:
                raise TypeError(
                    f"'{name}' has dtype {x.dtype.name} in the main branch, but dtype "
                    f"{y.dtype.name} in the else branch"
                )


# --------------------------------------------------------------------------------------
# while
# --------------------------------------------------------------------------------------


def while_stmt(
    test: Callable[..., Any],
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """A `while` statement: `tf.while_loop` when the first test is a tensor, else Python."""
    first = test(*state, *extra)
    if _is_tensor(first):
        return _tf_loop(lambda s: test(*s, *extra), lambda s: body(*s, *extra), state, names, None)
    if not _py_bool(first, _WHILE_CHANGED):
        return state
    while True:
        state = tuple(body(*state, *extra))
        if not _py_bool(test(*state, *extra), _WHILE_CHANGED):
            return state


_WHILE_CHANGED = (
    "The condition of while loop started as non-Tensor, then changed to Tensor. This may happen "
    "either because variables changed type, or when a break or return statement inside the loop "
    "depends on a Tensor condition. In both cases, changing to a TF loop should remove the "
    f"error.\nSee {_LIMITATIONS}#consistency-of-control-flow-types for more info."
)
_FOR_TENSOR_BREAK = (
    "break and return statements which depend on a TF condition are not supported in Python "
    f"for loops. Did you intend to make it a TF loop?\nSee {_LIMITATIONS}"
    "#consistency-of-control-flow-types for more info."
)


def _py_bool(value: Any, message: str) -> bool:
    if _is_tensor(value):
        raise NotImplementedError(message)
    return builtins.bool(value)


def _tf_loop(
    test: Callable[[tuple[Any, ...]], Any],
    body: Callable[[tuple[Any, ...]], tuple[Any, ...]],
    state: tuple[Any, ...],
    names: tuple[str, ...],
    maximum_iterations: int | None,
    counters: tuple[Any, ...] = (),
) -> tuple[Any, ...]:
    """Stage a loop as `tf.while_loop` over `counters + state` (`counters` are tensors
    the caller's `test`/`body` use first)."""
    from tfcompat._api import control_flow

    n_c = len(counters)
    n = n_c + len(names)
    if any(isinstance(v, Undefined) for v in state):
        state = _placeholders(body, counters, state, names)
    _verify_loop_init(state, names)
    init = tuple(nest.map_structure(_to_tensor_leaf, v) for v in state)

    def cond_fn(*vs: Any) -> Any:
        return _verify_condition(test(vs[:n]), "while loop")

    def body_fn(*vs: Any) -> Any:
        new = tuple(body(vs[:n]))
        out = new[:n_c] + tuple(nest.map_structure(_to_tensor_leaf, v) for v in new[n_c:])
        _verify_loop_vars(init, out[n_c:], names)
        return out if out else (convert_to_tensor(0),)

    loop_vars = (*counters, *init) if (counters or init) else (convert_to_tensor(0),)
    result = control_flow.while_loop(
        cond_fn, body_fn, loop_vars, maximum_iterations=maximum_iterations
    )
    return tuple(result)[n_c : n_c + len(names)]


def _placeholders(
    body: Callable[[tuple[Any, ...]], tuple[Any, ...]],
    counters: tuple[Any, ...],
    state: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """Initial values for loop variables first bound inside the loop (TF's placeholders):
    one iteration is traced apart to learn their types, and they start as zeros of that
    type. (TF also checks at run time that such a loop runs at least once.)"""
    from tfcompat._api import array_ops, control_flow

    defined = [
        (i, _to_tensor_leaf(v))
        for i, v in enumerate((*counters, *state))
        if not isinstance(v, Undefined) and isinstance(_to_tensor_leaf(v), Tensor)
    ]
    avals = [(t._shape, t._dtype) for _, t in defined]
    template = list((*counters, *state))

    def one(ts: list[Tensor]) -> Any:
        vals = list(template)
        for (i, _), t in zip(defined, ts, strict=True):
            vals[i] = t
        out = tuple(body(tuple(vals)))
        return tuple(
            _UNDEF_LEAF if isinstance(v, Undefined) else nest.map_structure(_to_tensor_leaf, v)
            for v in out
        )

    try:
        tr = control_flow._trace(one, avals, [], "while_loop", body).tr
    except (UnboundLocalError, TypeError, ValueError, KeyError) as e:
        message = (
            "Note: AutoGraph tried to define it automatically, but ran into a "
            f"{type(e).__name__}: {e}"
        )
        for name, v in zip(names, state, strict=True):
            if isinstance(v, Undefined):
                raise ValueError(f"'{name}' must be defined before the loop\n{message}") from None
        raise
    leaves: list[Any] = []
    for kind in tr.out_kinds:
        if kind[0] == "t":
            shape, dtype = tr.out_avals[kind[1]]
            leaves.append(array_ops.zeros(shape, dtype))
        elif kind[0] == "c":
            c = kind[1]
            leaves.append(array_ops.zeros(c._shape, c._dtype))
        else:
            leaves.append(None)
    first = (
        nest.pack_sequence_as(tr.out_template, leaves) if tr.out_template is not None else leaves
    )
    n_c = len(counters)
    return tuple(first[n_c + k] if isinstance(v, Undefined) else v for k, v in enumerate(state))


_UNDEF_LEAF = None


def _verify_loop_init(state: tuple[Any, ...], names: tuple[str, ...]) -> None:
    for name, v in zip(names, state, strict=True):
        if isinstance(v, UndefinedReturnValue):
            raise NotImplementedError(
                "a return statement cannot be placed inside this TensorFlow loop; this may happen "
                "if a return statement depends on a static Python condition such as a "
                "hyperparameter"
            )
        if v is None:
            raise ValueError(f"'{name}' is not allowed to be None before the loop")
        if isinstance(v, Undefined):
            raise ValueError(f"'{name}' must be defined before the loop")


def _verify_loop_vars(init: tuple[Any, ...], new: tuple[Any, ...], names: tuple[str, ...]) -> None:
    for name, a, b in zip(names, init, new, strict=True):
        try:
            assert_same_structure(a, b)
        except (ValueError, TypeError) as e:
            raise TypeError(
                f"'{name}' does not have the same nested structure after one iteration.\n\n{e}"
            ) from e
        for x, y in zip(nest.flatten(a), nest.flatten(b), strict=True):
            if y is None:
                raise ValueError(f"'{name}' is None at the end of the iteration.")
            if not (isinstance(x, Tensor) and isinstance(y, Tensor)):
                continue
            if x.dtype is not y.dtype:
                raise TypeError(
                    f"'{name}' has dtype {x.dtype.name} before the loop, but dtype "
                    f"{y.dtype.name} after one iteration"
                )
            if x.shape != y.shape:
                raise ValueError(
                    f"'{name}' has shape {x.shape} before the loop, but shape {y.shape} after "
                    "one iteration. Use tf.autograph.experimental.set_loop_options to set shape "
                    "invariants."
                )


# --------------------------------------------------------------------------------------
# for
# --------------------------------------------------------------------------------------


class _Range:
    """`tf.range(...)` as a loop's iterable: iterated with a counter, never materialized
    (so its bounds may be tensors known only when the function runs)."""

    __slots__ = ("delta", "dtype", "limit", "start")

    def __init__(self, start: Any, limit: Any, delta: Any, dtype: Any) -> None:
        self.start, self.limit, self.delta, self.dtype = start, limit, delta, dtype


def for_iterable(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The iterable of a `for` loop written as a call: `tf.range(...)` (and Python's
    `range` given a tensor) becomes a counter; other calls are `converted_call`s."""
    from tfcompat._api import array_ops

    if f is array_ops.range or (
        f is builtins.range and any(_is_tensor(a) for a in (*args, *kwargs.values()))
    ):
        return _range_of(*args, **kwargs)
    return converted_call(f, args, kwargs)


def _range_of(
    start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None, name: Any = None
) -> _Range:
    if limit is None:
        start, limit = 0, start
    values = [start, limit, delta]
    if dtype is not None:
        d = dtypes.as_dtype(dtype)
    else:
        kinds = [
            (v.dtype if _is_tensor(v) else (dtypes.float32 if isinstance(v, float) else None))
            for v in values
        ]
        known = [k for k in kinds if k is not None]
        order = ["int32", "int64", "float16", "bfloat16", "float32", "float64"]
        d = (
            max(known, key=lambda k: order.index(k.name) if k.name in order else 0)
            if known
            else dtypes.int32
        )
    from tfcompat._api import math_ops

    start, limit, delta = (math_ops.cast(convert_to_tensor(v), d) for v in values)
    return _Range(start, limit, delta, d)


def _static(x: Any) -> Any:
    from tfcompat._function import is_concrete

    if is_concrete(x):
        return x.numpy().item()
    return None


def for_stmt(
    iter_: Any,
    extra_test: Callable[..., Any] | None,
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """A `for` statement: staged over a `tf.range`, a tensor (its first dimension) or a
    dataset (anything with `reduce`); Python's `for` over anything else."""
    if isinstance(iter_, _Range):
        return _tf_range_for(iter_, extra_test, body, state, extra, names)
    if _is_tensor(iter_):
        return _tf_tensor_for(iter_, extra_test, body, state, extra, names)
    if (
        hasattr(iter_, "reduce")
        and hasattr(iter_, "__iter__")
        and not isinstance(iter_, (list, tuple, dict))
    ):
        return _dataset_for(iter_, extra_test, body, state, extra, names)
    if extra_test is not None and not _py_bool(extra_test(*state, *extra), _FOR_TENSOR_BREAK):
        return state
    for item in iter_:
        state = tuple(body(item, *state, *extra))
        if extra_test is not None and not _py_bool(extra_test(*state, *extra), _FOR_TENSOR_BREAK):
            break
    return state


def _with_extra_test(
    extra_test: Callable[..., Any] | None, extra: tuple[Any, ...], state: tuple[Any, ...]
) -> Any:
    if extra_test is None:
        return True
    return extra_test(*state, *extra)


def _tf_range_for(
    r: _Range,
    extra_test: Callable[..., Any] | None,
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    from tfcompat._api import math_ops

    s, lim, d = _static(r.start), _static(r.limit), _static(r.delta)
    n_max = None
    if s is not None and lim is not None and d is not None:
        if d == 0:
            raise errors.InvalidArgumentError(None, None, "Requires delta != 0")
        n_max = max(0, int(np.ceil((lim - s) / d)))

    def test(vs: tuple[Any, ...]) -> Any:
        i = vs[0]
        if d is not None:
            in_range = math_ops.less(i, r.limit) if d > 0 else math_ops.greater(i, r.limit)
        else:
            in_range = math_ops.logical_or(
                math_ops.logical_and(r.delta > 0, i < r.limit),
                math_ops.logical_and(r.delta < 0, i > r.limit),
            )
        more = _with_extra_test(extra_test, extra, vs[1:])
        if _is_tensor(more) or not isinstance(more, bool) or not more:
            return math_ops.logical_and(in_range, more)
        return in_range

    def step(vs: tuple[Any, ...]) -> tuple[Any, ...]:
        i = vs[0]
        new = tuple(body(i, *vs[1:], *extra))
        return (i + r.delta, *new)

    return _tf_loop(test, step, state, names, n_max, counters=(r.start,))


def _tf_tensor_for(
    t: Any,
    extra_test: Callable[..., Any] | None,
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    from tfcompat._api import array_ops, math_ops

    if isinstance(t, Variable):
        t = t._tfcompat_read()
    if not t.shape.rank:
        raise TypeError("Cannot iterate over a scalar tensor.")
    n = int(t.shape[0])

    def test(vs: tuple[Any, ...]) -> Any:
        in_range = math_ops.less(vs[0], n)
        more = _with_extra_test(extra_test, extra, vs[1:])
        if _is_tensor(more) or not more:
            return math_ops.logical_and(in_range, more)
        return in_range

    def step(vs: tuple[Any, ...]) -> tuple[Any, ...]:
        i = vs[0]
        new = tuple(body(array_ops.gather(t, i), *vs[1:], *extra))
        return (i + 1, *new)

    return _tf_loop(test, step, state, names, n, counters=(convert_to_tensor(0),))


def _dataset_for(
    ds: Any,
    extra_test: Callable[..., Any] | None,
    body: Callable[..., tuple[Any, ...]],
    state: tuple[Any, ...],
    extra: tuple[Any, ...],
    names: tuple[str, ...],
) -> tuple[Any, ...]:
    """A loop over a dataset: `ds.reduce(state, step)`, as TF stages it; with `break` or
    `return`, the remaining elements run a `tf.cond` that leaves the state unchanged."""
    from tfcompat._api import control_flow

    _verify_loop_init(state, names)
    init = tuple(nest.map_structure(_to_tensor_leaf, v) for v in state)
    if not init:
        init = (convert_to_tensor(0),)

    def reduce_fn(carry: Any, elem: Any) -> Any:
        vs = tuple(carry)[: len(names)]
        if extra_test is None:
            new = tuple(body(elem, *vs, *extra))
        else:
            more = extra_test(*vs, *extra)
            if _is_tensor(more):
                new = tuple(
                    control_flow.cond(
                        _verify_condition(more, "for loop"),
                        lambda: tuple(
                            nest.map_structure(_to_tensor_leaf, v) for v in body(elem, *vs, *extra)
                        ),
                        lambda: vs,
                    )
                )
            elif more:
                new = tuple(body(elem, *vs, *extra))
            else:
                new = vs
        new = tuple(nest.map_structure(_to_tensor_leaf, v) for v in new)
        _verify_loop_vars(init[: len(names)], new, names)
        return new if new else (convert_to_tensor(0),)

    result = ds.reduce(init, reduce_fn)
    return tuple(result)[: len(names)]

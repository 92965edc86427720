"""`tf.debugging`: eager assertions with TF's exception classes and message layout.

The checks run at the call, on concrete values (a pending tensor is computed first), as
TF's eager mode does; they return None. The message builders port TF's
`check_ops._make_assert_msg_data`, `_pretty_print` and the eager `Assert` summary.

Inside `tf.function` the binary assertions (`assert_equal`, `assert_less`, ...) are
runtime checks of the compiled program (tfcompat/_ops/checks.py): like TF's stateful
`Assert` op they run on every call whether or not anything uses them, and raise
`InvalidArgumentError` ("assertion failed: ...") when the call returns.

Differences from TensorFlow:
  Inside `tf.function` the other assertions (`assert_rank`, `Assert`, ...) check only
  what is known at trace time; the function's failure message names `x` and `y`
  without their graph tensor names.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from tfcompat._api import math_ops
from tfcompat._api._args import (
    as_tensor,
    check_type,
    concrete,
    execute,
    is_concrete,
    kernel_error,
)
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor
from tfcompat._core.tensor import Tensor
from tfcompat._ops import checks
from tfcompat._tape import engine

__all__ = [
    "assert_equal",
    "assert_greater",
    "assert_greater_equal",
    "assert_less",
    "assert_less_equal",
    "assert_near",
    "assert_negative",
    "assert_non_negative",
    "assert_non_positive",
    "assert_positive",
    "assert_rank",
    "assert_shapes",
    "check_numerics",
    "disable_check_numerics",
    "enable_check_numerics",
]


def _message_prefix(message: Any) -> str:
    return f"{message}.  " if message else ""


def _shape_and_dtype(x: Tensor) -> str:
    return f"shape={x.shape} dtype={x.dtype.name}"


def _pretty(item: Any, summarize: float) -> str:
    """TF's `check_ops._pretty_print`."""
    if isinstance(item, Tensor):
        arr = item.numpy()
        if np.isscalar(arr):
            return str(arr)
        flat = np.asarray(arr).reshape(-1)
        lst = [str(v) for v in flat[: int(min(summarize, flat.size))]]
        if len(lst) < flat.size:
            lst.append("...")
        return str(lst)
    return str(item)


def _summarize_eager(item: Any, summarize: Any) -> str:
    """TF's `control_flow_assert._summarize_eager` (the eager `tf.Assert` message)."""
    t = convert_to_tensor(item)
    n = 3 if summarize is None else (int(np.prod(t._shape)) if summarize < 0 else summarize)
    arr = t.numpy()
    if t._shape:
        flat = np.asarray(arr).reshape(-1)
        lst = [str(v) for v in flat[:n]]
        if len(lst) < flat.size:
            lst.append("...")
    else:
        lst = [str(arr)] if n != 0 else []
    return ", ".join(lst)


def _assert_failed(data: list[Any], summarize: Any) -> errors.OpError:
    text = "\n".join(_summarize_eager(d, summarize) for d in data)
    return errors.InvalidArgumentError(
        None,
        None,
        f"Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: {text}",
    )


_ASSERT_NAMES = {
    "==": "assert_equal",
    "!=": "assert_none_equal",
    "<": "assert_less",
    "<=": "assert_less_equal",
    ">": "assert_greater",
    ">=": "assert_greater_equal",
}


def _assert_in_function(
    sym: str, test: Tensor, tx: Tensor, ty: Tensor, message: Any, summarize: Any
) -> None:
    """Inside tf.function: TF's `Assert` op is stateful, so it runs whether or not its
    result is used; a runtime check (never pruned) raises TF's error after the call."""
    from tfcompat._api.logging_ops import _format_tensor

    if not checks.enabled() or tx._dtype is dtypes.string or ty._dtype is dtypes.string:
        return  # (nested control-flow bodies: not checked, see checks.py)
    n = 3 if summarize is None else summarize
    dx, dy = tx._dtype, ty._dtype
    prefix = "" if message is None else f"[{message}] "

    def text(info: list[np.ndarray]) -> str:
        return (
            f"assertion failed: {prefix}[Condition x {sym} y did not hold element-wise:] "
            f"[x = ] [{_format_tensor(info[0], dx, n)}] "
            f"[y = ] [{_format_tensor(info[1], dy, n)}]"
        )

    bad = ~jnp.all(test._array())
    name = _ASSERT_NAMES.get(sym, "Assert")
    checks.check(bad, (tx._array(), ty._array()), text, f"{name}/Assert/Assert")


def _binary_assert(
    sym: str, op: Any, x: Any, y: Any, data: Any, summarize: Any, message: Any
) -> None:
    """TF's `check_ops._binary_assert` in eager mode."""
    tx, ty = as_tensor(x), as_tensor(y)
    test = op(tx, ty)
    if not is_concrete(test):
        _assert_in_function(sym, test, tx, ty, message, summarize)
        return
    if bool(math_ops.reduce_all(test)):
        return
    n: float = 3 if summarize is None else (1e9 if summarize < 0 else summarize)
    if data is None:
        data = [f"Condition x {sym} y did not hold."]
        if n > 0:
            if tx._shape == ty._shape and tx._shape:
                mask = ~np.asarray(test.numpy())
                idx = np.argwhere(mask)
                k = int(min(n, idx.shape[0]))
                data += [
                    f"Indices of first {k} different values:",
                    idx[:k],
                    "Corresponding x values:",
                    np.asarray(tx.numpy())[mask].reshape(-1)[:k],
                    "Corresponding y values:",
                    np.asarray(ty.numpy())[mask].reshape(-1)[:k],
                ]
            xs = np.asarray(tx.numpy()).reshape(-1)
            ys = np.asarray(ty.numpy()).reshape(-1)
            kx, ky = int(min(xs.size, n)), int(min(ys.size, n))
            data += [f"First {kx} elements of x:", xs[:kx], f"First {ky} elements of y:", ys[:ky]]
    if message is not None:
        data = [message, *data]
    raise errors.InvalidArgumentError(None, None, "\n".join(_pretty(d, n) for d in data))


def assert_equal(
    x: Any, y: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_equal`."""
    _binary_assert("==", math_ops.equal, x, y, None, summarize, message)


def assert_less(
    x: Any, y: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_less`."""
    _binary_assert("<", math_ops.less, x, y, None, summarize, message)


def assert_less_equal(
    x: Any, y: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_less_equal`."""
    _binary_assert("<=", math_ops.less_equal, x, y, None, summarize, message)


def assert_greater(
    x: Any, y: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_greater`."""
    _binary_assert(">", math_ops.greater, x, y, None, summarize, message)


def assert_greater_equal(
    x: Any, y: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_greater_equal`."""
    _binary_assert(">=", math_ops.greater_equal, x, y, None, summarize, message)


def _unary_assert(sym: str, op: Any, flip: bool, x: Any, message: Any, summarize: Any) -> None:
    t = as_tensor(x)
    data = [
        _message_prefix(message),
        f"Condition x {sym} 0 did not hold element-wise:",
        f"x ({_shape_and_dtype(t)}) = ",
        t,
    ]
    zero = as_tensor(0, t.dtype)
    _binary_assert("", op, zero if flip else t, t if flip else zero, data, summarize, None)


def assert_positive(x: Any, message: Any = None, summarize: Any = None, name: Any = None) -> None:
    """tfcompat implementation of `tf.debugging.assert_positive`."""
    _unary_assert(">", math_ops.less, True, x, message, summarize)


def assert_negative(x: Any, message: Any = None, summarize: Any = None, name: Any = None) -> None:
    """tfcompat implementation of `tf.debugging.assert_negative`."""
    _unary_assert("<", math_ops.less, False, x, message, summarize)


def assert_non_negative(
    x: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_non_negative`."""
    _unary_assert(">=", math_ops.less_equal, True, x, message, summarize)


def assert_non_positive(
    x: Any, message: Any = None, summarize: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_non_positive`."""
    _unary_assert("<=", math_ops.less_equal, False, x, message, summarize)


def assert_near(
    x: Any,
    y: Any,
    rtol: Any = None,
    atol: Any = None,
    message: Any = None,
    summarize: Any = None,
    name: Any = None,
) -> None:
    """tfcompat implementation of `tf.debugging.assert_near` (`|x - y| < atol + rtol |y|`)."""
    tx = as_tensor(x)
    ty = as_tensor(y, tx.dtype) if not isinstance(y, Tensor) else y
    if ty.dtype is not tx.dtype:
        raise ValueError(
            f"Tensor conversion requested dtype {tx.dtype.name} for Tensor with dtype "
            f"{ty.dtype.name}: {ty!r}"
        )
    real = tx.dtype.real_dtype
    eps = np.finfo(real.as_numpy_dtype).eps
    rt = as_tensor(10 * eps if rtol is None else rtol, real)
    at = as_tensor(10 * eps if atol is None else atol, real)
    tol = math_ops.add(at, math_ops.multiply(rt, math_ops.abs(ty)))
    diff = math_ops.abs(math_ops.subtract(tx, ty))
    ok = math_ops.reduce_all(math_ops.less(diff, tol))
    if not is_concrete(ok) or bool(ok):
        return
    data = [
        _message_prefix(message),
        f"x and y not equal to tolerance rtol = {rt!s}, atol = {at!s}",
        f"x ({_shape_and_dtype(tx)}) = ",
        tx,
        f"y ({_shape_and_dtype(ty)}) = ",
        ty,
    ]
    raise _assert_failed(data, summarize)


def assert_rank(x: Any, rank: Any, message: Any = None, name: Any = None) -> None:
    """tfcompat implementation of `tf.debugging.assert_rank`."""
    t = as_tensor(x)
    r = np.asarray(as_tensor(rank).numpy())
    if r.ndim != 0:
        raise ValueError("Rank must be a scalar.")
    if len(t._shape) != int(r):
        raise ValueError(
            f"{_message_prefix(message)}Tensor  must have rank {int(r)}.  Received rank "
            f"{len(t._shape)}, shape {t.shape}"
        )


def assert_shapes(
    shapes: Any, data: Any = None, summarize: Any = None, message: Any = None, name: Any = None
) -> None:
    """tfcompat implementation of `tf.debugging.assert_shapes` (symbols, ints, `...`/`*` prefix)."""
    prefix = _message_prefix(message)
    if isinstance(shapes, dict):
        shapes = shapes.items()
    specs: dict[Any, tuple[int, Tensor, int]] = {}
    for x, spec in shapes:
        if spec is None:
            continue
        t = as_tensor(x)
        if not (hasattr(spec, "__iter__") or hasattr(spec, "__getitem__")):
            raise ValueError(
                f"{prefix}Tensor {_shape_and_dtype(t)}.  Specified shape must be an iterable.  "
                "An iterable has the "
                f"attribute `__iter__` or `__getitem__`.  Received specified shape: {spec}"
            )
        sym = tuple(spec)
        open_prefix = False
        for i, s in enumerate(sym):
            if s in (Ellipsis, "*"):
                if i != 0:
                    raise ValueError(
                        f"{prefix}Tensor {_shape_and_dtype(t)} specified shape index {i}.  "
                        "Symbol `...` or `*` for a "
                        "variable number of unspecified dimensions is only allowed as the first "
                        "entry"
                    )
                open_prefix = True
        sizes = sym[1:] if open_prefix else sym
        actual = t._shape if t._shape else (1,)
        rank = len(sizes)
        if open_prefix:
            if rank > 1 and len(t._shape) < rank:
                raise ValueError(
                    f"{prefix}Tensor  must have rank at least {rank}.  Received rank "
                    f"{len(t._shape)}, shape {t.shape}"
                )
        elif rank in (0, 1):
            if len(t._shape) not in (0, 1):
                raise ValueError(
                    f"{prefix}Tensor  must have rank in (0, 1).  Received rank {len(t._shape)}, "
                    f"shape {t.shape}"
                )
        elif len(t._shape) != rank:
            raise ValueError(
                f"{prefix}Tensor  must have rank {rank}.  Received rank {len(t._shape)}, shape "
                f"{t.shape}"
            )
        for i, s in enumerate(sizes):
            if s in (None, ".", "_") or (isinstance(s, str) and s in ("*",)):
                continue
            dim = i - len(sizes) if open_prefix else i
            size = actual[dim]
            known = isinstance(s, (int, np.integer)) and not isinstance(s, bool)
            if known or s in specs:
                if known:
                    want, how = int(s), "Specified explicitly"
                else:
                    want, by, at = specs[s]
                    how = f"Specified by tensor {_shape_and_dtype(by)} dimension {at}"
                if size != want:
                    raise ValueError(
                        f"{prefix}{how}.  Tensor {_shape_and_dtype(t)} dimension {dim} must "
                        f"have size {want}.  "
                        f"Received size {size}, shape {t.shape}"
                    )
            else:
                specs[s] = (size, t, dim)


def check_numerics(tensor: Any, message: str, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.debugging.check_numerics` (computes the value to check it)."""
    t = as_tensor(tensor)
    check_type("CheckNumerics", t)
    if not is_concrete(t):  # inside tf.function: checked when the program returns
        checks.finite("CheckNumerics", t._array(), str(message))
    v = concrete(t) if is_concrete(t) else np.zeros(0)
    has_nan, has_inf = bool(np.any(np.isnan(v))), bool(np.any(np.isinf(v)))
    if has_nan or has_inf:
        # TF's CheckNumerics kernel names both when both occur.
        what = "Inf and NaN" if has_nan and has_inf else "NaN" if has_nan else "Inf"
        raise kernel_error("CheckNumerics", f"{message} : Tensor had {what} values", name="")
    return execute("Identity", (t,))


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """tfcompat implementation of `tf.debugging.enable_check_numerics`.

    Every op then runs as soon as it is called (recorded ops keep their graph, so
    gradients still work), and an op whose floating output holds NaN or Inf raises TF's
    `InvalidArgumentError` ("Detected Infinity or NaN in output ...") at that line.

    Differences from TensorFlow:
      The message has TF's text without TF's stack-trace section; ops inside
      `tf.function` are checked when the function runs eagerly, not inside its program.
    """
    engine.set_modes(check_numerics=True)


def disable_check_numerics() -> None:
    """tfcompat implementation of `tf.debugging.disable_check_numerics`."""
    engine.set_modes(check_numerics=False)

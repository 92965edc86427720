"""Runtime checks that survive compilation: TF's kernel errors from inside `tf.function`.

TF's CPU kernels check values while they run: an out-of-range `gather` index, an integer
division by zero, a singular matrix to invert. Eagerly, the public wrappers check the
concrete values before the op runs. While a `tf.function` is traced the values are JAX
tracers, so a wrapper instead registers a *check* with the trace's `Collector`: a boolean
scalar computed in the program (the error condition) and a few small arrays that describe
the first failure (its position and value). The traced program returns them as extra
outputs, folded into one int32 code (0: no failure, k: check k failed); after the
program returns, `raise_first` reads the code (one scalar) and, only when it is not 0,
the failing check's arrays, and raises TF's exception with TF's message for an error in a
function (`{{function_node __inference_f_N}} ... [[{{node GatherV2}}]]`).

Programs without checks have no extra output; a program with checks costs a few fused
reductions and one scalar read per call.

Inside the bodies of `tf.cond`, `tf.while_loop`, the map functions and other nested JAX
traces (AutoGraph's converted `if`/`while` included) a check cannot become an output of
the top-level program, so it is a `jax.debug.callback` in the nested body instead: it
runs when the body runs (only the branch taken, every iteration of a loop), and when
its condition holds it records TF's message for the program's token; `raise_first`
raises the recorded error after the program returns, as for a top-level check. A
function whose trace registered nested checks always has the code output, so the
caller looks. Two threads calling the same function at once share its token.

Checks run on the CPU backend only: on GPU, TF's kernels do not raise
either (its GPU gather gives zeros for an out-of-range index, which tfcompat's raw ops
do on every backend other than the CPU).

`TFCOMPAT_RUNTIME_CHECKS=0` in the environment (read when a function is traced) turns the
checks of compiled programs off: an out-of-range index inside a `tf.function` then gives
XLA's clamped value instead of TF's error. Eager checks of concrete values stay on.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from tfcompat._core import errors
from tfcompat._engine import jax_internals

__all__ = [
    "Collector",
    "Spec",
    "check",
    "collecting",
    "enabled",
    "function_id",
    "outputs",
    "raise_first",
    "reregister",
]

Message = Callable[[list[np.ndarray]], str]


@dataclass(frozen=True)
class _Check:
    bad: Any  # bool scalar (a tracer)
    info: tuple[Any, ...]  # small arrays read only when the check fails
    message: Message  # formats TF's message from the info arrays (as NumPy)
    node: str  # TF's node name in the function's graph ("GatherV2", "floordiv")
    cls: Any  # an OpError subclass taking (node_def, op, message)
    # The array the guarded op consumes (indices, divisor, matrix): the check is dropped
    # when no op outside the checks that consumes it is live (TF's non-strict execution,
    # tfcompat/_nonstrict.py). None: always kept.
    subject: Any = None


@dataclass(frozen=True)
class Spec:
    """What a compiled program's check outputs mean: per check, its info count and text;
    `tokens`: the keys under which its nested checks record failures at run time."""

    checks: tuple[tuple[int, Message, str, Any], ...]
    tokens: tuple[int, ...] = ()

    @property
    def n_outputs(self) -> int:
        if self.checks:
            return 1 + sum(n for n, *_ in self.checks)
        return 1 if self.tokens else 0


class Collector:
    """The checks registered while one `tf.function` is traced."""

    __slots__ = ("checks", "token", "tokens", "trace")

    def __init__(self, trace: Any) -> None:
        self.trace = trace
        self.checks: list[_Check] = []
        self.token = next(_tokens)
        self.tokens: list[int] = []  # this trace's token once a nested check uses it


_tokens = itertools.count(1)
# token -> (message, node, cls) of the first failure recorded by a nested check.
_failures: dict[int, tuple[str, str, Any]] = {}
_failures_lock = threading.Lock()


_state = threading.local()
_ids = itertools.count(1)


def function_id() -> int:
    """A new number for a traced function (TF's `__inference_f_N` suffix)."""
    return next(_ids)


def _stack() -> list[Collector | None]:
    s: list[Collector | None] | None = getattr(_state, "stack", None)
    if s is None:
        s = _state.stack = []
    return s


@contextmanager
def collecting(collector: Collector | None) -> Iterator[None]:
    """Make `collector` current (None: a nested trace, whose checks go to the enclosing
    function's collector as nested checks, or are dropped outside any function)."""
    s = _stack()
    s.append(collector)
    try:
        yield
    finally:
        s.pop()


def _current() -> Collector | None:
    # The innermost function trace's collector; a None above it is a nested trace of
    # that function's body (a cond branch, a loop body), whose checks are nested ones.
    collector = next((c for c in reversed(_stack()) if c is not None), None)
    if collector is None:
        return None
    if os.environ.get("TFCOMPAT_RUNTIME_CHECKS", "1") == "0" or jax.default_backend() != "cpu":
        return None
    return collector


def enabled() -> bool:
    """Whether a check registered now would be collected (the CPU backend, inside a
    function trace: at the trace's own level, or in a nested body)."""
    return _current() is not None


def check(
    bad: Any,
    info: tuple[Any, ...],
    message: Message,
    node: str,
    cls: Any = errors.InvalidArgumentError,
    subject: Any = None,
) -> None:
    """Register a runtime check: when `bad` is true the program's caller raises
    `cls(message(info))`. A no-op outside a function trace. `subject`: the array the
    guarded op reads (the check is pruned with the op when the op's result is dead)."""
    collector = _current()
    if collector is None:
        return
    if collector.trace is jax_internals.current_trace():
        flag = jnp.asarray(bad).reshape(())
        collector.checks.append(_Check(flag, tuple(info), message, node, cls, subject))
        return
    # A nested body (cond branch, loop body, map function): record at run time.
    if collector.token not in collector.tokens:
        collector.tokens.append(collector.token)
    token = collector.token

    def record(flag: Any, *values: Any) -> None:
        flag = np.asarray(flag)
        if not flag.any():
            return
        if flag.ndim:  # batched (vmap): the first failing element
            first = int(np.argmax(flag.reshape(-1)))
            values = tuple(
                np.asarray(v).reshape(flag.size, *np.shape(v)[flag.ndim :])[first] for v in values
            )
        text = message([np.asarray(v) for v in values])
        with _failures_lock:
            _failures.setdefault(token, (text, node, cls))

    jax.debug.callback(record, jnp.asarray(bad), *info)


def fold(flags: list[Any]) -> Any:
    """The int32 code of a program's check flags (0: none failed, k: check k failed)."""
    stacked = jnp.stack(flags)
    return jnp.where(jnp.any(stacked), jnp.argmax(stacked).astype(jnp.int32) + 1, 0)


def outputs(collector: Collector) -> tuple[list[Any], Spec]:
    """The extra program outputs for `collector`'s checks, and their `Spec`."""
    tokens = tuple(collector.tokens)
    if not collector.checks:
        return ([jnp.int32(0)], Spec((), tokens)) if tokens else ([], Spec(()))
    values: list[Any] = [fold([c.bad for c in collector.checks])]
    for c in collector.checks:
        values.extend(jnp.asarray(v) for v in c.info)
    spec = Spec(tuple((len(c.info), c.message, c.node, c.cls) for c in collector.checks), tokens)
    return values, spec


def _info_of(spec: Spec, k: int, values: list[Any]) -> list[Any]:
    offset = 1 + sum(n for n, *_ in spec.checks[:k])
    return values[offset : offset + spec.checks[k][0]]


def raise_first(
    spec: Spec, values: list[Any], function_name: str, fid: int, kind: str = "inference"
) -> None:
    """Raise TF's error for the first failed check, if any (`values`: the check outputs).

    `kind` is "inference", or "forward" for a call recorded on a tape."""
    code = int(np.asarray(values[0]))
    nested = None
    if spec.tokens:
        with _failures_lock:
            for t in spec.tokens:
                found = _failures.pop(t, None)
                nested = nested or found
    if code == 0 and nested is None:
        return
    name = f"__{kind}_{function_name}_{fid}"
    if code:
        _, message, node, cls = spec.checks[code - 1]
        text = message([np.asarray(v) for v in _info_of(spec, code - 1, values)])
    else:
        assert nested is not None
        text, node, cls = nested
    raise cls(
        None,
        None,
        f"{{{{function_node {name}}}}} {text}\n\t [[{{{{node {node}}}}}]] [Op:{name}]",
    )


def reregister(spec: Spec, values: list[Any]) -> None:
    """A function called while another is traced: its checks become the outer's."""
    for k, (_, message, node, cls) in enumerate(spec.checks):
        check(values[0] == k + 1, tuple(_info_of(spec, k, values)), message, node, cls)
    collector = _current()
    if collector is not None:  # the inner program's nested checks record under its tokens
        collector.tokens.extend(t for t in spec.tokens if t not in collector.tokens)


# -- the checks of TF's kernels ---------------------------------------------------------------
def _position(flat_pos: Any, shape: tuple[int, ...]) -> str:
    return ",".join(str(int(k)) for k in np.unravel_index(int(flat_pos), shape))


def indices_in_range(node: str, indices: Any, limit: int, scalar_text: bool = True) -> None:
    """GatherV2's check: every index in [0, limit)."""
    if not enabled():
        return
    shape = tuple(indices.shape)
    flat = indices.reshape(-1)
    bad = (flat < 0) | (flat >= limit)
    pos = jnp.argmax(bad) if flat.size else jnp.int32(0)
    val = flat[pos] if flat.size else jnp.zeros((), indices.dtype)

    def message(info: list[np.ndarray]) -> str:
        if not shape and scalar_text:
            return f"indices = {int(info[1])} is not in [0, {limit})"
        return f"indices[{_position(info[0], shape)}] = {int(info[1])} is not in [0, {limit})"

    check(jnp.any(bad), (pos, val), message, node, subject=indices)


def rows_in_shape(node: str, indices: Any, shape: tuple[int, ...], text: str) -> None:
    """GatherNd/ScatterNd's check: every index row addresses an element of `shape`.

    `text` is the message after the row, e.g. "does not index into shape [3]".
    """
    if not enabled():
        return
    k = indices.shape[-1]
    outer = tuple(indices.shape[:-1])
    rows = indices.reshape(-1, k)
    if rows.shape[0] == 0 or k == 0:
        return
    limits = jnp.asarray(shape[:k], indices.dtype)
    bad = jnp.any((rows < 0) | (rows >= limits), axis=1)
    pos = jnp.argmax(bad)

    def message(info: list[np.ndarray]) -> str:
        row = ", ".join(str(int(v)) for v in info[1])
        where = list(np.unravel_index(int(info[0]), outer)) if outer else []
        return f"indices{[int(w) for w in where]} = [{row}] {text}"

    check(jnp.any(bad), (pos, rows[pos]), message, node, subject=indices)


def segment_ids_in_range(node: str, ids: Any, n: int) -> None:
    """UnsortedSegment*'s check: ids below `num_segments` (negative ids are dropped)."""
    if not enabled():
        return
    shape = tuple(ids.shape)
    flat = ids.reshape(-1)
    if flat.size == 0:
        return
    bad = flat >= n
    pos = jnp.argmax(bad)

    def message(info: list[np.ndarray]) -> str:
        return f"segment_ids[{_position(info[0], shape)}] = {int(info[1])} is out of range [0, {n})"

    check(jnp.any(bad), (pos, flat[pos]), message, node, subject=ids)


def nonzero_divisor(node: str, y: Any) -> None:
    """Integer FloorDiv/FloorMod's check."""
    if not enabled():
        return
    check(jnp.any(y == 0), (), lambda info: "Integer division by zero", node, subject=y)


def invertible(node: str, a: Any, text: str) -> None:
    """MatrixInverse/MatrixSolve's check: LU with partial pivoting has no zero pivot."""
    if not enabled() or a.shape[-1] == 0:
        return
    check(_singular(a), (), lambda info: text, node, subject=a)


def _singular(a: Any) -> Any:
    lu, _, _ = jax.lax.linalg.lu(a)
    return jnp.any(jnp.diagonal(lu, axis1=-2, axis2=-1) == 0)


def singular_now(a: Any) -> bool:
    """Eagerly: whether LU with partial pivoting of `a` (concrete) has a zero pivot."""
    return bool(_singular_jit(a))


_singular_jit = jax.jit(_singular)


def finite(node: str, x: Any, prefix: str) -> None:
    """CheckNumerics's check."""
    if not enabled():
        return
    has_nan, has_inf = jnp.any(jnp.isnan(x)), jnp.any(jnp.isinf(x))

    def message(info: list[np.ndarray]) -> str:
        nan, inf = bool(info[0]), bool(info[1])
        what = "Inf and NaN" if nan and inf else "NaN" if nan else "Inf"
        return f"{prefix} : Tensor had {what} values"

    check(has_nan | has_inf, (has_nan, has_inf), message, node)

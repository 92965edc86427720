"""The raw-op registry: one entry per TF op type ("AddV2", "MatMul", "Sum").

A raw op is a pure function of `jax.Array`s: arrays positional, static attributes
keyword-only and hashable. Only raw ops are recorded on tapes and replayed under
`jax.jit`; the public `tf.*` functions are thin wrappers that canonicalize arguments and
call `execute(op_name, inputs, **attrs)`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ELEMENTWISE", "OPS", "RawOp", "get", "positional", "register"]

# Tag of ops that map inputs of one floating dtype to one output of that dtype, with the
# inputs' broadcast shape: their abstract evaluation needs no trace.
ELEMENTWISE = "elementwise"


@dataclass(frozen=True, eq=False)
class RawOp:
    """A registered TF op type.

    Attributes:
      name: TF's op type name, as in TF's `*_grad.py` registrations.
      fn: the pure JAX implementation `fn(*arrays, **attrs)`; returns an array, or a
        tuple of arrays when `num_outputs` > 1.
      differentiable: False where TF registers the op as not differentiable
        (`ops.NotDifferentiable`): gradients through it are unconnected (`None`).
      num_outputs: number of outputs (None: `fn` returns a tuple whose length follows
        from abstract evaluation).
      error: optional `error(exc, in_avals, attrs) -> Exception | None` that maps a
        failure of abstract evaluation to TF's exception.
      tags: markers the engine reads (`ELEMENTWISE`; `engine.BARRIERS`).
      lazy: the op never runs on its own: its outputs stay pending until a value is
        needed, so it fuses into a later compiled program (the gradient op).
      deps: optional `deps(node, live_outputs) -> frozenset of input positions`: the
        inputs that the given outputs depend on differentiably (None: all of them). Ops
        that wrap a whole program (a gradient, a Jacobian) use it so that an outer
        gradient gives TF's `None` where no path connects (`_tape/higher_order.py`).
    """

    name: str
    fn: Callable[..., Any]
    differentiable: bool = True
    num_outputs: int | None = 1
    error: Callable[..., BaseException | None] | None = None
    tags: frozenset[str] = field(default_factory=frozenset)
    lazy: bool = False
    deps: Callable[[Any, list[int]], frozenset[int]] | None = None
    operands: tuple[str, ...] = ()
    host: Callable[..., Any] | None = None


OPS: dict[str, RawOp] = {}


def register(
    name: str,
    *,
    differentiable: bool = True,
    num_outputs: int | None = 1,
    error: Callable[..., BaseException | None] | None = None,
    tags: frozenset[str] = frozenset(),
    operands: tuple[str, ...] = (),
    host: Callable[..., Any] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering `fn` as the implementation of TF op type `name`.

    `operands` names the keyword attributes of `fn` that are value operands (see
    `RawOp.operands`); `host` is an optional NumPy implementation (`RawOp.host`).
    """

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        if name in OPS:
            raise ValueError(f"raw op {name!r} registered twice")
        OPS[name] = RawOp(
            name,
            positional(fn, operands) if operands else fn,
            differentiable,
            num_outputs,
            error,
            tags,
            operands=operands,
            host=positional(host, operands) if host is not None and operands else host,
        )
        return fn

    return deco


def positional(fn: Callable[..., Any], names: tuple[str, ...]) -> Callable[..., Any]:
    """`fn(*arrays, **attrs)` taking its value operands `names` as the last positional
    arrays (the form the engine calls), from `fn(*arrays, **attrs, **operands)`."""
    k = len(names)

    def call(*args: Any, **attrs: Any) -> Any:
        attrs.update(zip(names, args[-k:], strict=True))
        return fn(*args[:-k], **attrs)

    call.__name__ = getattr(fn, "__name__", "op")
    call.__doc__ = fn.__doc__
    return call


def get(name: str) -> RawOp:
    return OPS[name]

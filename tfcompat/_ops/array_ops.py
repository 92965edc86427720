"""Raw array ops: shape manipulation, slicing, constants-like ops."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
from jax import lax

from tfcompat._core import errors
from tfcompat._ops.registry import register


def _reshape_error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
    shape = attrs["shape"]
    n = 1
    for d in in_avals[0][0]:
        n *= d
    if -1 in shape:
        known = 1
        for d in shape:
            if d != -1:
                known *= d
        return errors.kernel_error(
            "Reshape",
            f"Input to reshape is a tensor with {n} values, but the requested shape requires a multiple of {known}",
            name=None,
        )
    m = 1
    for d in shape:
        m *= d
    return errors.kernel_error(
        "Reshape", f"Input to reshape is a tensor with {n} values, but the requested shape has {m}", name=None
    )


@register("Reshape", error=_reshape_error)
def _reshape(x: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.reshape(x, shape)


@register("Transpose")
def _transpose(x: Any, *, perm: tuple[int, ...]) -> Any:
    return jnp.transpose(x, perm)


@register("Identity")
def _identity(x: Any) -> Any:
    return x


@register("StopGradient", differentiable=False)
def _stop_gradient(x: Any) -> Any:
    return lax.stop_gradient(x)


@register("ZerosLike")
def _zeros_like(x: Any) -> Any:
    return jnp.zeros_like(x)


@register("OnesLike")
def _ones_like(x: Any) -> Any:
    return jnp.ones_like(x)


@register("Fill")
def _fill(value: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.broadcast_to(value, shape)


@register("BroadcastTo")
def _broadcast_to(x: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.broadcast_to(x, shape)


@register("ExpandDims")
def _expand_dims(x: Any, *, axis: int) -> Any:
    return jnp.expand_dims(x, axis)


@register("Squeeze")
def _squeeze(x: Any, *, axis: tuple[int, ...] | None) -> Any:
    return jnp.squeeze(x, axis)


@register("StridedSlice")
def _strided_slice(x: Any, *, index: tuple[Any, ...]) -> Any:
    """`index` is a canonical tuple of ints, ('s', start, stop, step), None, Ellipsis."""
    key = tuple(slice(i[1], i[2], i[3]) if isinstance(i, tuple) else i for i in index)
    return x[key]

"""Raw array ops: shape manipulation, slicing, gathers and scatters, padding.

Indices, axes, shapes and paddings are static attributes (hashable tuples), so a recorded
graph's signature covers them; value-dependent checks (out-of-range indices) are made by
the public wrappers on concrete values, where TF's CPU kernels make them.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
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
            f"Input to reshape is a tensor with {n} values, but the requested shape requires a "
            f"multiple of {known}",
            name=None,
        )
    m = 1
    for d in shape:
        m *= d
    return errors.kernel_error(
        "Reshape",
        f"Input to reshape is a tensor with {n} values, but the requested shape has {m}",
        name=None,
    )


@register("Reshape", error=_reshape_error, host=lambda x, *, shape: np.reshape(x, shape))
def _reshape(x: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.reshape(x, shape)


@register("Transpose", host=lambda x, *, perm: np.transpose(x, perm))
def _transpose(x: Any, *, perm: tuple[int, ...]) -> Any:
    return jnp.transpose(x, perm)


@register("Identity")
def _identity(x: Any) -> Any:
    return x


@register("StopGradient", differentiable=False)
def _stop_gradient(x: Any) -> Any:
    return lax.stop_gradient(x)


@register("ZerosLike", differentiable=False)  # ops.NotDifferentiable("ZerosLike")
def _zeros_like(x: Any) -> Any:
    return jnp.zeros_like(x)


@register("OnesLike", differentiable=False)  # ops.NotDifferentiable("OnesLike")
def _ones_like(x: Any) -> Any:
    return jnp.ones_like(x)


@register("Fill", host=lambda value, *, shape: np.broadcast_to(value, shape))
def _fill(value: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.broadcast_to(value, shape)


@register("BroadcastTo", host=lambda x, *, shape: np.broadcast_to(x, shape))
def _broadcast_to(x: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.broadcast_to(x, shape)


@register("ExpandDims", host=lambda x, *, axis: np.expand_dims(x, axis))
def _expand_dims(x: Any, *, axis: int) -> Any:
    return jnp.expand_dims(x, axis)


@register("Squeeze", host=lambda x, *, axis: np.squeeze(x, axis))
def _squeeze(x: Any, *, axis: tuple[int, ...] | None) -> Any:
    return jnp.squeeze(x, axis)


def _slice_window(
    shape: tuple[int, ...], index: tuple[Any, ...], begin: Any
) -> tuple[list[Any], list[int], list[int], list[int]]:
    """The window a canonical index reads: per input dim its start (a Python 0 or an
    element of the `begin` operand), length and step; and the sizes the window's strided
    elements have per input dim (1 for an integer index)."""
    starts: list[Any] = []
    lengths: list[int] = []
    steps: list[int] = []
    sizes: list[int] = []
    # (static starts take the operand's dtype: dynamic_slice wants one index type)
    zero = np.zeros((), begin.dtype)
    k = 0
    for item in index:
        if item is None:
            continue
        if item[0] == "i":
            starts.append(begin[k])
            k += 1
            lengths.append(1)
            steps.append(1)
            sizes.append(1)
            continue
        kind, size, step = item
        if kind == "s":
            starts.append(begin[k])
            k += 1
        else:
            starts.append(zero)
        lengths.append((size - 1) * abs(step) + 1 if size else 0)
        steps.append(step)
        sizes.append(size)
    for n in shape[len(starts) :]:
        starts.append(zero)
        lengths.append(n)
        steps.append(1)
        sizes.append(n)
    return starts, lengths, steps, sizes


def slice_shape(shape: tuple[int, ...], index: tuple[Any, ...]) -> tuple[int, ...]:
    """The shape of `x[index]` for a canonical index (see `_strided_slice`)."""
    out: list[int] = []
    d = 0
    for item in index:
        if item is None:
            out.append(1)
            continue
        if item[0] != "i":
            out.append(item[1])
        d += 1
    return (*out, *shape[d:])


def _host_strided_slice(x: Any, index: tuple[Any, ...], begin: Any) -> Any:
    """StridedSlice in NumPy (the same window, steps and reversal)."""
    starts, lengths, steps, _ = _slice_window(x.shape, index, begin)
    y = x[tuple(slice(int(s), int(s) + n) for s, n in zip(starts, lengths, strict=True))]
    y = y[tuple(slice(None, None, abs(st)) for st in steps)]
    rev = tuple(d for d, st in enumerate(steps) if st < 0)
    if rev:
        y = np.flip(y, rev)
    return y.reshape(slice_shape(x.shape, index))


@register(
    "StridedSlice",
    operands=("begin",),
    host=lambda x, *, index, begin: _host_strided_slice(x, index, begin),
)
def _strided_slice(x: Any, *, index: tuple[Any, ...], begin: Any) -> Any:
    """`x[...]` for a canonical index: per item `None` (a new axis), `("i",)` (an integer
    index), `("s", size, step)` (a slice of static size whose window starts at a run-time
    position) or `("a", size, step)` (a slice whose window starts at 0: empty, or spanning
    the dimension); dimensions past the index are taken whole. `begin` (a value operand)
    holds the window starts of the `"i"` and `"s"` items, in order, already in range."""
    starts, lengths, steps, _ = _slice_window(x.shape, index, begin)
    if begin.shape[0]:
        y = lax.dynamic_slice(x, starts, lengths)
    else:
        y = lax.slice(x, [0] * x.ndim, lengths)
    if any(abs(st) > 1 for st in steps):
        y = lax.slice(y, [0] * y.ndim, y.shape, [abs(st) for st in steps])
    rev = tuple(d for d, st in enumerate(steps) if st < 0)
    if rev:
        y = lax.rev(y, rev)
    return y.reshape(slice_shape(x.shape, index))


@register("TensorStridedSliceUpdate", operands=("begin",))
def _strided_slice_update(x: Any, value: Any, *, index: tuple[Any, ...], begin: Any) -> Any:
    """`x` with `x[index]` set to `value` (broadcast); `index` and `begin` as StridedSlice's."""
    starts, lengths, steps, sizes = _slice_window(x.shape, index, begin)
    update = jnp.broadcast_to(value, slice_shape(x.shape, index)).reshape(sizes)
    rev = tuple(d for d, st in enumerate(steps) if st < 0)
    if rev:
        update = lax.rev(update, rev)
    if any(abs(st) > 1 for st in steps):
        window = lax.dynamic_slice(x, starts, lengths)
        key = tuple(slice(None, None, abs(st)) for st in steps)
        update = window.at[key].set(update)
    return lax.dynamic_update_slice(x, update, starts)


@register(
    "Slice",
    operands=("begin",),
    host=lambda x, *, begin, size: x[
        tuple(slice(int(b), int(b) + s) for b, s in zip(begin, size, strict=True))
    ],
)
def _slice(x: Any, *, begin: Any, size: tuple[int, ...]) -> Any:
    """`begin` (a value operand) is in range: the wrapper checks it, as TF's kernel."""
    if not size:
        return x
    return lax.dynamic_slice(x, [begin[k] for k in range(len(size))], size)


@register("ConcatV2", host=lambda *values, axis: np.concatenate(values, axis))
def _concat(*values: Any, axis: int) -> Any:
    return jnp.concatenate(values, axis=axis)


@register("Pack", host=lambda *values, axis: np.stack(values, axis))
def _pack(*values: Any, axis: int) -> Any:
    return jnp.stack(values, axis=axis)


@register("Unpack", num_outputs=None)
def _unpack(x: Any, *, axis: int) -> Any:
    return tuple(jnp.moveaxis(x, axis, 0))


@register("SplitV", num_outputs=None)
def _split(x: Any, *, sizes: tuple[int, ...], axis: int) -> Any:
    out, start = [], 0
    for s in sizes:
        out.append(lax.slice_in_dim(x, start, start + s, axis=axis))
        start += s
    return tuple(out)


@register("Tile", host=lambda x, *, multiples: np.tile(x, multiples))
def _tile(x: Any, *, multiples: tuple[int, ...]) -> Any:
    return jnp.tile(x, multiples)


@register("Repeat")
def _repeat(x: Any, *, repeats: tuple[int, ...], axis: int | None) -> Any:
    """TF composes `tf.repeat` from gathers; one `jnp.repeat` has the same gradient."""
    if len(repeats) == 1:
        return jnp.repeat(x, repeats[0], axis=axis)
    return jnp.repeat(x, jnp.asarray(repeats), axis=axis, total_repeat_length=sum(repeats))


@register("PadV2", operands=("constant_value",))
def _pad(x: Any, *, paddings: tuple[tuple[int, int], ...], constant_value: Any) -> Any:
    return jnp.pad(
        x, paddings, mode="constant", constant_values=jnp.asarray(constant_value, x.dtype)
    )


@register("MirrorPad")
def _mirror_pad(x: Any, *, paddings: tuple[tuple[int, int], ...], mode: str) -> Any:
    return jnp.pad(x, paddings, mode="reflect" if mode == "REFLECT" else "symmetric")


@register("ReverseV2", host=lambda x, *, axis: np.flip(x, axis) if axis else x)
def _reverse(x: Any, *, axis: tuple[int, ...]) -> Any:
    return jnp.flip(x, axis) if axis else x


@register("Roll", operands=("shift",))
def _roll(x: Any, *, shift: Any, axis: tuple[int, ...]) -> Any:
    """`shift` (a value operand) holds one shift per axis in `axis`."""
    for k, a in enumerate(axis):
        n = x.shape[a]
        if n:
            x = jnp.roll(x, shift[k] % n, a)
    return x


@register("SelectV2")
def _select(cond: Any, x: Any, y: Any) -> Any:
    return jnp.where(cond, x, y)


def _batched(fn: Any, batch_dims: int) -> Any:
    for _ in range(batch_dims):
        fn = jax.vmap(fn)
    return fn


@register("GatherV2")
def _gather(params: Any, indices: Any, *, axis: int, batch_dims: int) -> Any:
    def take(p: Any, i: Any) -> Any:
        return jnp.take(p, i, axis=axis - batch_dims, mode="clip")

    return _batched(take, batch_dims)(params, indices)


def _nd_key(indices: Any) -> tuple[Any, ...]:
    return tuple(jnp.moveaxis(indices, -1, 0))


@register("GatherNd")
def _gather_nd(params: Any, indices: Any, *, batch_dims: int) -> Any:
    def take(p: Any, i: Any) -> Any:
        return p[_nd_key(i)]

    return _batched(take, batch_dims)(params, indices)


@register("ScatterNd")
def _scatter_nd(indices: Any, updates: Any, *, shape: tuple[int, ...]) -> Any:
    return jnp.zeros(shape, updates.dtype).at[_nd_key(indices)].add(updates, mode="drop")


@register("TensorScatterUpdate")
def _tensor_scatter_update(tensor: Any, indices: Any, updates: Any) -> Any:
    return tensor.at[_nd_key(indices)].set(updates, mode="drop")


@register("TensorScatterAdd")
def _tensor_scatter_add(tensor: Any, indices: Any, updates: Any) -> Any:
    return tensor.at[_nd_key(indices)].add(updates, mode="drop")


@register("TensorScatterSub")
def _tensor_scatter_sub(tensor: Any, indices: Any, updates: Any) -> Any:
    return tensor.at[_nd_key(indices)].add(-updates, mode="drop")


@register("TensorScatterMax")
def _tensor_scatter_max(tensor: Any, indices: Any, updates: Any) -> Any:
    return tensor.at[_nd_key(indices)].max(updates, mode="drop")


@register("TensorScatterMin")
def _tensor_scatter_min(tensor: Any, indices: Any, updates: Any) -> Any:
    return tensor.at[_nd_key(indices)].min(updates, mode="drop")


@register("OneHot", differentiable=False)
def _one_hot(indices: Any, on_value: Any, off_value: Any, *, depth: int, axis: int) -> Any:
    hot = jnp.expand_dims(indices, axis) == jnp.expand_dims(
        jnp.arange(depth, dtype=indices.dtype),
        tuple(a for a in range(indices.ndim + 1) if a != axis % (indices.ndim + 1)),
    )
    return jnp.where(hot, on_value, off_value)


@register("LinSpace")
def _linspace(start: Any, stop: Any, *, num: int, axis: int) -> Any:
    return jnp.linspace(start, stop, num, axis=axis, dtype=start.dtype)


def _searchsorted(side: str) -> Any:
    def raw(sorted_inputs: Any, values: Any, *, out_type: Any) -> Any:
        def one(s: Any, v: Any) -> Any:
            return jnp.searchsorted(s, v, side=side, method="compare_all")

        return _batched(one, sorted_inputs.ndim - 1)(sorted_inputs, values).astype(out_type)

    return raw


register("LowerBound", differentiable=False)(_searchsorted("left"))
register("UpperBound", differentiable=False)(_searchsorted("right"))


@register("Einsum")
def _einsum(*inputs: Any, equation: str) -> Any:
    return jnp.einsum(equation, *inputs)


@register("MatrixBandPart")
def _band_part(x: Any, *, num_lower: int, num_upper: int) -> Any:
    m, n = x.shape[-2:]
    i = jnp.arange(m)[:, None]
    j = jnp.arange(n)[None, :]
    keep = jnp.ones((m, n), bool)
    if num_lower >= 0:
        keep &= i - j <= num_lower
    if num_upper >= 0:
        keep &= j - i <= num_upper
    return jnp.where(keep, x, jnp.zeros((), x.dtype))

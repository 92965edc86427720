"""Raw random ops: TF's Philox kernels as pure functions of a key and a counter.

Every op takes TF's V2 stateless representation of a generator: `key` (uint64 `[1]`)
and `counter` (uint64 `[2]`, least significant first). Stateful TF kernels (whose
generator lives in the kernel, in a `tf.random.Generator` variable, or in the eager
kernel cache) are these ops with the key and counter their state gives, so one op
serves `tf.random.uniform`, `stateless_uniform` and `Generator.uniform` alike.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

from tfcompat._ops import philox
from tfcompat._ops.registry import register

_U32 = jnp.uint32
_U64 = jnp.uint64
_MASK = np.uint64(0xFFFFFFFF)


def words(key: Any, counter: Any) -> tuple[Any, Any]:
    """TF's uint64 key `[1]` and counter `[2]` as Philox words (2 and 4 uint32)."""
    k = jnp.asarray(key, _U64).reshape(-1)[0]
    c = jnp.asarray(counter, _U64).reshape(-1)
    kw = jnp.stack([(k & _MASK).astype(_U32), (k >> 32).astype(_U32)])
    cw = jnp.stack(
        [
            (c[0] & _MASK).astype(_U32),
            (c[0] >> 32).astype(_U32),
            (c[1] & _MASK).astype(_U32),
            (c[1] >> 32).astype(_U32),
        ]
    )
    return kw, cw


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


@register("StatelessRandomGetKeyCounter", differentiable=False, num_outputs=2)
def _get_key_counter(seed: Any) -> tuple[Any, Any]:
    kw, cw = philox.stateless_key_counter(seed)
    key = (kw[0].astype(_U64) | (kw[1].astype(_U64) << 32)).reshape(1)
    counter = jnp.stack(
        [
            cw[0].astype(_U64) | (cw[1].astype(_U64) << 32),
            cw[2].astype(_U64) | (cw[3].astype(_U64) << 32),
        ]
    )
    return key, counter


@register("StatelessRandomUniformV2", differentiable=False)
def _uniform(key: Any, counter: Any, *, shape: tuple[int, ...], dtype: Any) -> Any:
    n = _size(shape)
    kw, cw = words(key, counter)
    w = philox.sample_words(kw, cw, n, dtype)
    return philox.bits_to_uniform(w, dtype)[:n].reshape(shape)


@register("StatelessRandomNormalV2", differentiable=False)
def _normal(key: Any, counter: Any, *, shape: tuple[int, ...], dtype: Any) -> Any:
    n = _size(shape)
    kw, cw = words(key, counter)
    w = philox.sample_words(kw, cw, n, dtype)
    return philox.box_muller(w, dtype)[:n].reshape(shape)


@register("StatelessTruncatedNormalV2", differentiable=False)
def _truncated_normal(key: Any, counter: Any, *, shape: tuple[int, ...], dtype: Any) -> Any:
    kw, cw = words(key, counter)
    return philox.truncated_normal_groups(kw, cw, _size(shape), dtype).reshape(shape)


@register("StatelessRandomUniformIntV2", differentiable=False)
def _uniform_int(
    key: Any, counter: Any, minval: Any, maxval: Any, *, shape: tuple[int, ...]
) -> Any:
    n = _size(shape)
    kw, cw = words(key, counter)
    w = philox.sample_words(kw, cw, n, minval.dtype)
    return philox.bits_to_int_range(w, minval, maxval, minval.dtype)[:n].reshape(shape)


@register("StatelessRandomUniformFullIntV2", differentiable=False)
def _uniform_full_int(key: Any, counter: Any, *, shape: tuple[int, ...], dtype: Any) -> Any:
    n = _size(shape)
    kw, cw = words(key, counter)
    w = philox.sample_words(kw, cw, n, dtype)
    return philox.bits_to_full_int(w, dtype)[:n].reshape(shape)


@register("Multinomial", differentiable=False)
def _multinomial(logits: Any, key: Any, counter: Any, *, num_samples: int, dtype: Any) -> Any:
    """TF's CPU multinomial kernel: per row, an unnormalized CDF in double over the
    finite logits (`exp(logit - max)`), and for each sample the count of CDF entries
    `<= u * total` with `u` a two-word double; rows take their words in order."""
    batch, classes = logits.shape
    kw, cw = words(key, counter)
    n = batch * num_samples
    blocks = -(-2 * n // 4)
    w = philox.philox_blocks(kw, cw, blocks).reshape(-1)[: 2 * n]
    u = philox.bits_to_uniform(w, np.float64).reshape(batch, num_samples)
    lg = logits.astype(jnp.float64)
    finite = jnp.isfinite(lg)
    mx = jnp.max(jnp.where(finite, lg, -jnp.inf), axis=1, keepdims=True)
    mx = jnp.where(jnp.isfinite(mx), mx, jnp.float64(np.finfo(logits.dtype).min))
    p = jnp.where(finite, jnp.exp(lg - mx), 0.0)
    cdf = lax.associative_scan(jnp.add, p, axis=1) if classes else p
    total = cdf[:, -1:] if classes else jnp.zeros((batch, 1))
    target = u * total
    out = jnp.sum(cdf[:, None, :] <= target[:, :, None], axis=-1)
    return out.astype(dtype)


@register("RandomShuffle", differentiable=False)
def _shuffle(value: Any, key: Any, counter: Any) -> Any:
    """TF's Fisher-Yates: for `i < n - 1` swap `i` with `i + word_i % (n - i)`."""
    n = value.shape[0]
    if n <= 1:
        return value
    kw, cw = words(key, counter)
    w = philox.philox_blocks(kw, cw, -(-(n - 1) // 4)).reshape(-1)
    if n > 2**32 - 1:  # pragma: no cover  (TF then uses 64-bit draws)
        raise NotImplementedError("tfcompat: shuffle of more than 2**32 rows")

    def body(i: Any, perm: Any) -> Any:
        j = i + (w[i] % (n - i).astype(_U32)).astype(jnp.int32)
        a, b = perm[i], perm[j]
        return perm.at[i].set(b).at[j].set(a)

    perm = lax.fori_loop(0, n - 1, body, jnp.arange(n, dtype=jnp.int32))
    return value[perm]


@register("RngReadAndSkip", differentiable=False, num_outputs=3)
def _read_and_skip(state: Any, delta: Any) -> tuple[Any, Any, Any]:
    """A Philox generator state `[counter_lo, counter_hi, key]` (int64): its key and
    counter (uint64, TF's V2 layout) and the state after `delta` blocks (`Skip`)."""
    s = lax.bitcast_convert_type(state, _U64)
    d = jnp.asarray(delta, _U64)
    lo = s[0] + d
    hi = s[1] + (lo < d).astype(_U64)
    new = lax.bitcast_convert_type(jnp.stack([lo, hi, s[2]]), jnp.int64)
    return s[2:3], s[0:2], new


# -- index shuffle ------------------------------------------------------------------------
# TF's `random_index_shuffle`: a cycle-walking Simon block cipher on blocks of `B` bits
# (`B = max(ceil(log2(max_index)) rounded up to even, 16)`, 64 past 62), words of
# `W = B / 2` bits, a three-word key and `rounds` (even, >= 4) Feistel rounds; the
# image of `index` is re-encrypted until it is `<= max_index`.
_SIMON_C = 0xFFFFFFFC
_SIMON_Z = 0x7369F885192C0EF5


def _block_bits(max_index: Any) -> Any:
    """`B` for each `max_index` (uint64): TF computes `ceil(log2(double(max_index)))`;
    read off the double's exponent and mantissa so no `log2` rounding can creep in."""
    bits = lax.bitcast_convert_type(max_index.astype(jnp.float64), _U64)
    exp = (bits >> 52).astype(jnp.int32) - 1023
    frac = bits & _U64((1 << 52) - 1)
    ceil_log2 = jnp.where(max_index == 0, 0, exp + (frac != 0).astype(jnp.int32))
    b = ceil_log2 + ceil_log2 % 2
    b = jnp.maximum(b, 16)
    return jnp.where(b > 62, 64, b)


def _rotl(x: Any, r: int, w: Any, mask: Any) -> Any:
    return ((x << _U64(r)) | (x >> (w - r).astype(_U64))) & mask


def _rotr(x: Any, r: int, w: Any, mask: Any) -> Any:
    return ((x >> _U64(r)) | (x << (w - r).astype(_U64))) & mask


def index_shuffle(index: Any, key: Any, max_index: Any, rounds: int) -> Any:
    """The positions of `index` (uint64) in the permutations given by `key` (uint32
    `[..., 3]`) and `max_index` (uint64), broadcast together; TF's algorithm."""
    w = (_block_bits(max_index) // 2).astype(jnp.int32)
    mask = (_U64(1) << w.astype(_U64)) - _U64(1)  # W <= 32
    k = key.astype(_U64)
    rk = [k[..., 0] & mask, k[..., 1] & mask, k[..., 2] & mask]
    z = _U64(_SIMON_Z) & mask
    for _ in range(3, rounds):
        nxt = (_U64(_SIMON_C) & mask) ^ (z & _U64(1)) ^ rk[-3]
        nxt = nxt ^ _rotr(rk[-1], 3, w, mask) ^ _rotr(rk[-1], 4, w, mask)
        rk.append(nxt)
        z = z >> _U64(1)

    def f(x: Any) -> Any:
        return (_rotl(x, 1, w, mask) & _rotl(x, 8, w, mask)) ^ _rotl(x, 2, w, mask)

    def encrypt(v: Any) -> Any:
        left = (v >> w.astype(_U64)) & mask
        right = v & mask
        for i in range(0, rounds, 2):
            left = left ^ f(right) ^ rk[i]
            right = right ^ f(left) ^ rk[i + 1]
        return (left << w.astype(_U64)) | right

    def cond(state: tuple[Any, Any]) -> Any:
        _, todo = state
        return jnp.any(todo)

    def body(state: tuple[Any, Any]) -> tuple[Any, Any]:
        v, todo = state
        v = jnp.where(todo, encrypt(v), v)
        return v, todo & (v > max_index)

    v = encrypt(index)
    v, _ = lax.while_loop(cond, body, (v, v > max_index))
    return jnp.where(max_index == 0, _U64(0), v)


@register("RandomIndexShuffle", differentiable=False)
def _random_index_shuffle(index: Any, seed: Any, max_index: Any, *, rounds: int) -> Any:
    dt = index.dtype
    key = seed.astype(_U32) if seed.dtype.itemsize == 4 else seed.astype(_U64).astype(_U32)
    # C++'s `static_cast<uint64_t>`: signed values sign-extend, unsigned zero-extend.
    wide = jnp.int64 if jnp.issubdtype(dt, jnp.signedinteger) else _U64
    idx = index.astype(wide).astype(_U64)
    mx = max_index.astype(wide).astype(_U64)
    if seed.ndim == 2:
        n = seed.shape[0]
        idx, mx = jnp.broadcast_to(idx, (n,)), jnp.broadcast_to(mx, (n,))
    else:
        shape = jnp.broadcast_shapes(idx.shape, mx.shape)
        idx, mx = jnp.broadcast_to(idx, shape), jnp.broadcast_to(mx, shape)
    return index_shuffle(idx, key, mx, rounds).astype(dt)

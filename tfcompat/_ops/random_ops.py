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

"""Philox-4x32-10 and TensorFlow's conversions from random bits to samples, in JAX.

Everything here is a pure, jittable JAX function of arrays; it runs unchanged on any
backend and fuses into the program that uses it.

Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", 2011)
maps a 128-bit counter (four uint32 words, word 0 least significant) and a 64-bit key
(two words) to four uint32 words. TensorFlow's generator (`PhiloxRandom`) returns the
block of its current counter and then increments the counter by one; `Skip(n)` adds `n`
to the 128-bit counter. The random stream of a generator is therefore the blocks of
counters `c, c + 1, c + 2, ...`, each block giving four words in order.

TF's samplers turn that stream into values as follows (a "group" is what one call of a
distribution produces; except where noted a group takes one block):

* uniform float32: 4 per block, 23 random mantissa bits `1.m - 1`;
  float16 / bfloat16: 4 per block, 10 / 7 mantissa bits from the low half of a word;
  float64: 2 per block, 52 bits from two words (the first gives the top 20).
* integer in `[lo, lo + range)`: `lo + word % range` (int32: 4 per block), int64 takes
  `word[2i] | word[2i + 1] << 32` (2 per block). Full-range integers are the words
  themselves (int64: the same two-word combination).
* normal float32/16: Box-Muller on word pairs: `u1 = max(uniform(w0), 1e-7)`,
  `v = float(2 * pi * uniform(w1))` (the product in double), `r = sqrt(-2 log u1)`,
  outputs `sin(v) * r, cos(v) * r`; float64 uses two-word uniforms (2 per block).
* truncated normal: for every group of 4 outputs (2 for float64) a generator skipped
  by `256 * group` blocks feeds Box-Muller pairs one word at a time, keeping outputs
  with `|x| < 2` in order until the group is full.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = [
    "bits_to_int_range",
    "bits_to_uniform",
    "box_muller",
    "counter_add",
    "philox_blocks",
    "philox_one",
    "stateless_key_counter",
    "truncated_normal_groups",
]

_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint32(0x9E3779B9)
_W1 = np.uint32(0xBB67AE85)
_LO = np.uint64(0xFFFFFFFF)
_U32 = jnp.uint32
_U64 = jnp.uint64

# The groups of TF's variable-sample distributions (truncated normal) start this many
# blocks apart (`kReservedSamplesPerOutput` 256 samples per output, 4 outputs per group,
# 4 samples per block). Stateful kernels skip `256 * num_outputs` blocks per call.
RESERVED_SAMPLES_PER_OUTPUT = 256


def philox_one(ctr: tuple[Any, Any, Any, Any], key: tuple[Any, Any]) -> tuple[Any, ...]:
    """Philox-4x32-10 of counter words `ctr` (uint32 arrays, broadcast) under `key`."""
    c0, c1, c2, c3 = ctr
    k0, k1 = key
    for r in range(10):
        p0 = c0.astype(_U64) * _M0
        p1 = c2.astype(_U64) * _M1
        hi0, lo0 = (p0 >> 32).astype(_U32), (p0 & _LO).astype(_U32)
        hi1, lo1 = (p1 >> 32).astype(_U32), (p1 & _LO).astype(_U32)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
        if r < 9:
            k0 = k0 + _W0
            k1 = k1 + _W1
    return c0, c1, c2, c3


def counter_add(counter: Any, n: Any) -> Any:
    """The 128-bit counter `counter` (4 uint32 words, least significant first) plus
    `n` (a uint64 array); returns 4 word arrays of `n`'s shape (TF's `Skip`)."""
    counter = jnp.asarray(counter, _U32)
    n = jnp.asarray(n, _U64)
    lo = counter[0].astype(_U64) | (counter[1].astype(_U64) << 32)
    hi = counter[2].astype(_U64) | (counter[3].astype(_U64) << 32)
    s = lo + n
    hi = hi + (s < n).astype(_U64)
    return (
        (s & _LO).astype(_U32),
        (s >> 32).astype(_U32),
        (hi & _LO).astype(_U32),
        (hi >> 32).astype(_U32),
    )


def philox_blocks(key: Any, counter: Any, n_blocks: int, offset: Any = 0) -> Any:
    """`(n_blocks, 4)` uint32: the blocks of counters `counter + offset + i`.

    `key` is 2 uint32 words, `counter` 4 (both arrays, traced or not)."""
    # The barriers keep XLA from fusing the block computation into its consumers: fused,
    # each element of every consumer (a dropout mask is read by the forward and the
    # backward pass) recomputes its whole 10-round chain and the seed's key derivation,
    # which made a training step with dropout about 3.8x slower than with threefry; with
    # the words computed once it is about 1.3x (see docs/random.md, Costs).
    key, counter = lax.optimization_barrier((jnp.asarray(key, _U32), jnp.asarray(counter, _U32)))
    idx = jnp.arange(n_blocks, dtype=_U64) + jnp.asarray(offset, _U64)
    out = philox_one(counter_add(counter, idx), (key[0], key[1]))
    return lax.optimization_barrier(jnp.stack(out, axis=-1))


def stateless_key_counter(seed: Any) -> tuple[Any, Any]:
    """TF's `GenerateKey` for stateless Philox ops: seed (2 int64) -> key (2 words),
    counter (4 words). One Philox block of the seed under a fixed key gives both."""
    s = jnp.asarray(seed).astype(jnp.int64).astype(_U64)
    ctr = (
        (s[0] & _LO).astype(_U32),
        (s[0] >> 32).astype(_U32),
        (s[1] & _LO).astype(_U32),
        (s[1] >> 32).astype(_U32),
    )
    m = philox_one(ctr, (_U32(0x3EC8F720), _U32(0x02461E29)))
    key = jnp.stack([m[0], m[1]])
    counter = jnp.stack([jnp.zeros((), _U32), jnp.zeros((), _U32), m[2], m[3]])
    return key, counter


# -- bits -> values -------------------------------------------------------------------
def _u32_to_f32(w: Any) -> Any:
    bits = (w & _U32(0x7FFFFF)) | _U32(127 << 23)
    return lax.bitcast_convert_type(bits, jnp.float32) - jnp.float32(1.0)


def _u32_to_f64(w0: Any, w1: Any) -> Any:
    man = ((w0 & _U32(0xFFFFF)).astype(_U64) << 32) | w1.astype(_U64)
    bits = man | (_U64(1023) << 52)
    return lax.bitcast_convert_type(bits, jnp.float64) - jnp.float64(1.0)


def _u16_to_half(w: Any, dtype: Any) -> Any:
    if dtype == jnp.float16:
        bits = ((w & _U32(0x3FF)) | _U32(15 << 10)).astype(jnp.uint16)
    else:  # bfloat16
        bits = ((w & _U32(0x7F)) | _U32(127 << 7)).astype(jnp.uint16)
    return lax.bitcast_convert_type(bits, dtype) - jnp.asarray(1.0, dtype)


def per_block(dtype: Any) -> int:
    """Outputs per Philox block of the uniform/normal samplers for `dtype`."""
    return 2 if np.dtype(dtype).itemsize == 8 else 4


def bits_to_uniform(words: Any, dtype: Any) -> Any:
    """Uniform `[0, 1)` samples from the flat word stream `words` (`per_block` per 4)."""
    dt = np.dtype(dtype)
    if dt == np.float32:
        return _u32_to_f32(words)
    if dt == np.float64:
        return _u32_to_f64(words[0::2], words[1::2])
    return _u16_to_half(words, dt)


def bits_to_int_range(words: Any, lo: Any, hi: Any, dtype: Any) -> Any:
    """TF's `UniformDistribution` for integers: `lo + bits % (hi - lo)`, unsigned range."""
    dt = np.dtype(dtype)
    if dt.itemsize == 8:
        bits = words[0::2].astype(_U64) | (words[1::2].astype(_U64) << 32)
        rng = jnp.asarray(hi, dt).astype(_U64) - jnp.asarray(lo, dt).astype(_U64)
        return (jnp.asarray(lo, dt).astype(_U64) + bits % rng).astype(dt)
    rng = jnp.asarray(hi, dt).astype(_U32) - jnp.asarray(lo, dt).astype(_U32)
    return (jnp.asarray(lo, dt).astype(_U32) + words % rng).astype(dt)


def bits_to_full_int(words: Any, dtype: Any) -> Any:
    """TF's `UniformFullIntDistribution`: the words themselves (64-bit: two combined)."""
    dt = np.dtype(dtype)
    if dt.itemsize == 8:
        bits = words[0::2].astype(_U64) | (words[1::2].astype(_U64) << 32)
        return lax.bitcast_convert_type(bits, dt) if dt != np.uint64 else bits
    return lax.bitcast_convert_type(words, dt) if dt != np.uint32 else words


def box_muller(words: Any, dtype: Any) -> Any:
    """TF's Box-Muller normal samples from the word stream: float32/16/bfloat16 use word
    pairs (4 per block), float64 word quadruples (2 per block)."""
    dt = np.dtype(dtype)
    if dt == np.float64:
        u1 = _u32_to_f64(words[0::4], words[1::4])
        u1 = jnp.maximum(u1, 1.0e-7)
        v = (2.0 * np.pi) * _u32_to_f64(words[2::4], words[3::4])
        r = jnp.sqrt(-2.0 * jnp.log(u1))
        out = jnp.stack([jnp.sin(v) * r, jnp.cos(v) * r], axis=-1)
        return out.reshape(-1)
    # float32 arithmetic as TF's kernel; each transcendental is computed in float64 and
    # rounded once, which gives the correctly rounded float32 result that the C
    # library's logf/sinf/cosf return.
    u1 = jnp.maximum(_u32_to_f32(words[0::2]), jnp.float32(1.0e-7))
    v = ((2.0 * np.pi) * _u32_to_f32(words[1::2]).astype(jnp.float64)).astype(jnp.float32)
    lg = jnp.log(u1.astype(jnp.float64)).astype(jnp.float32)
    r = jnp.sqrt(jnp.float32(-2.0) * lg)
    v64 = v.astype(jnp.float64)
    s = jnp.sin(v64).astype(jnp.float32) * r
    c = jnp.cos(v64).astype(jnp.float32) * r
    out = jnp.stack([s, c], axis=-1).reshape(-1)
    return out if dt == np.float32 else out.astype(dt)


def truncated_normal_groups(
    key: Any, counter: Any, n: int, dtype: Any, first_pass_blocks: int = 3
) -> Any:
    """`n` truncated-normal samples as TF's `TruncatedNormalDistribution` fills them.

    Group `g` (4 outputs; 2 for float64) reads the blocks from `counter + 256 g` on,
    one word at a time, and keeps Box-Muller outputs with `|x| < 2` in order. All groups
    first take `first_pass_blocks` blocks at once (a group is short of outputs after 3
    blocks with probability about 2e-10); while any group is short, one more block is
    drawn for every group."""
    dt = np.dtype(dtype)
    per = per_block(dt)
    groups = -(-n // per)
    if groups == 0:
        return jnp.zeros((0,), dt)
    stride = _U64(RESERVED_SAMPLES_PER_OUTPUT * per // 4)
    base = jnp.arange(groups, dtype=_U64) * stride
    key = jnp.asarray(key, _U32)
    k = (key[0], key[1])

    def candidates(first: int, count: int) -> Any:
        # (groups, count * 4 words) -> (groups, count * per candidates)
        offs = base[:, None] + jnp.arange(first, first + count, dtype=_U64)[None, :]
        w = jnp.stack(philox_one(counter_add(counter, offs), k), axis=-1)
        w = w.reshape(groups, count * 4)
        if dt == np.float64:
            vals = box_muller(w.reshape(-1), dt).reshape(groups, -1)
            keep = jnp.abs(vals) < 2.0
        else:
            f32 = box_muller(w.reshape(-1), np.float32).reshape(groups, -1)
            keep = jnp.abs(f32) < jnp.float32(2.0)
            vals = f32.astype(dt)
        return vals, keep

    def take(vals: Any, keep: Any, out: Any, filled: Any) -> tuple[Any, Any]:
        # Append the kept candidates of each row after its `filled` outputs.
        pos = filled[:, None] + jnp.cumsum(keep, axis=1) - 1
        ok = keep & (pos < per)
        rows = jnp.broadcast_to(jnp.arange(groups)[:, None], pos.shape)
        out = out.at[jnp.where(ok, rows, groups), jnp.where(ok, pos, 0)].set(vals, mode="drop")
        return out, jnp.minimum(filled + keep.sum(axis=1), per)

    out = jnp.zeros((groups, per), dt)
    filled = jnp.zeros((groups,), jnp.int32)
    vals, keep = candidates(0, first_pass_blocks)
    out, filled = take(vals, keep, out, filled)

    def cond(state: tuple[Any, Any, Any]) -> Any:
        _, filled, _ = state
        return jnp.any(filled < per)

    def body(state: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        out, filled, b = state
        offs = base + b.astype(_U64)
        w = jnp.stack(philox_one(counter_add(counter, offs), k), axis=-1).reshape(-1)
        if dt == np.float64:
            v = box_muller(w, dt).reshape(groups, -1)
            kp = jnp.abs(v) < 2.0
        else:
            f32 = box_muller(w, np.float32).reshape(groups, -1)
            kp, v = jnp.abs(f32) < jnp.float32(2.0), f32.astype(dt)
        kp = kp & (filled < per)[:, None]
        out, filled = take(v, kp, out, filled)
        return out, filled, b + 1

    out, filled, _ = lax.while_loop(cond, body, (out, filled, jnp.int32(first_pass_blocks)))
    return out.reshape(-1)[:n]


def words_for(n: int, dtype: Any) -> tuple[int, int]:
    """(blocks, words) a one-block-per-group sampler uses for `n` outputs of `dtype`."""
    per = per_block(dtype)
    blocks = -(-n // per)
    return blocks, blocks * 4


def sample_words(key: Any, counter: Any, n: int, dtype: Any, offset: Any = 0) -> Any:
    """The flat word stream for `n` outputs of a one-block-per-group sampler."""
    blocks, _ = words_for(n, dtype)
    return philox_blocks(key, counter, blocks, offset).reshape(-1)

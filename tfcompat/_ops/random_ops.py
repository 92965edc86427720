"""Raw random ops: TF's Philox kernels as pure functions of a key and a counter.

Every op takes TF's V2 stateless representation of a generator: `key` (uint64 `[1]`)
and `counter` (uint64 `[2]`, least significant first). Stateful TF kernels (whose
generator lives in the kernel, in a `tf.random.Generator` variable, or in the eager
kernel cache) are these ops with the key and counter their state gives, so one op
serves `tf.random.uniform`, `stateless_uniform` and `Generator.uniform` alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np
from jax import lax

from tfcompat._ops import libm, philox
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


# -- gamma ------------------------------------------------------------------------------
def _per_output_blocks(key: Any, counter: Any, n: int) -> Any:
    """A function `b -> 4 word arrays`: block `b` of each of `n` outputs' streams, which
    start `RESERVED_SAMPLES_PER_OUTPUT` blocks apart (TF's per-output `Skip`)."""
    kw, cw = words(key, counter)
    base = jnp.arange(n, dtype=_U64) * _U64(philox.RESERVED_SAMPLES_PER_OUTPUT)

    def block(b: Any) -> tuple[Any, ...]:
        return philox.philox_one(philox.counter_add(cw, base + b), (kw[0], kw[1]))

    return block


def _normal_pair(w: tuple[Any, ...]) -> tuple[Any, Any]:
    """TF's double Box-Muller of one block: `(sin(v) r, cos(v) r)`."""
    u1 = jnp.maximum(philox._u32_to_f64(w[0], w[1]), 1.0e-7)
    v = (2.0 * np.pi) * philox._u32_to_f64(w[2], w[3])
    r = jnp.sqrt(-2.0 * jnp.log(u1))
    return jnp.sin(v) * r, jnp.cos(v) * r


def _uniform_pair(w: tuple[Any, ...]) -> tuple[Any, Any]:
    return philox._u32_to_f64(w[0], w[1]), philox._u32_to_f64(w[2], w[3])


class _Buffer:
    """TF's `SampleBuffer` per lane: a pair from one block, handed out last first."""

    def __init__(self, pair: Callable[[tuple[Any, ...]], tuple[Any, Any]]) -> None:
        self.pair = pair

    def draw(self, state: dict[str, Any], name: str, want: Any, block: Any) -> Any:
        """The next sample of the lanes in `want` (refilling from the lane's next block
        where its buffer is empty); `state` holds `b` (blocks used) and the buffers."""
        a, b, rem = state[name]
        need = want & (rem == 0)
        fa, fb = self.pair(block(state["b"]))
        a, b = jnp.where(need, fa, a), jnp.where(need, fb, b)
        rem = jnp.where(need, 2, rem) - want.astype(jnp.int32)
        state["b"] = state["b"] + need.astype(_U64)
        state[name] = (a, b, rem)
        return jnp.where(rem == 1, b, a)


def gamma_samples(key: Any, counter: Any, alpha: Any, samples_per_alpha: int) -> Any:
    """TF's gamma sampler (Marsaglia-Tsang with TF's buffers and per-output streams):
    float64 samples, `[samples_per_alpha, alpha.size]` flattened."""
    alpha_flat = alpha.reshape(-1).astype(jnp.float64)
    num_alphas = alpha_flat.shape[0]
    n = num_alphas * samples_per_alpha
    if n == 0:
        return jnp.zeros((0,), jnp.float64)
    a = jnp.repeat(alpha_flat, samples_per_alpha)  # output index is alpha-major
    block = _per_output_blocks(key, counter, n)
    less = a < 1
    d = a + jnp.where(less, 2.0 / 3, -1.0 / 3)
    c = 1.0 / 3 / libm.alone(jnp.sqrt(d))
    normal, uniform = _Buffer(_normal_pair), _Buffer(_uniform_pair)

    # alpha == 1: an exponential from the second uniform of the first block
    expo = -libm.log1p(-_uniform_pair(block(_U64(0)))[1])

    zeros = jnp.zeros((n,), jnp.float64)
    empty = (zeros, zeros, jnp.zeros((n,), jnp.int32))
    init = {"b": jnp.zeros((n,), _U64), "n": empty, "u": empty}

    def cond(carry: tuple[Any, Any, Any]) -> Any:
        return ~jnp.all(carry[1])

    def body(carry: tuple[Any, Any, Any]) -> tuple[Any, Any, Any]:
        state, done, res = carry
        state = dict(state)
        active = ~done
        x = normal.draw(state, "n", active, block)
        v = 1 + libm.alone(c * x)
        ok = active & (v > 0)
        v = v * v * v
        u = uniform.draw(state, "u", ok, block)
        accept = ok & (
            (u < 1 - libm.alone(0.0331 * (x * x) * (x * x)))
            | (jnp.log(u) < libm.alone(0.5 * x * x) + libm.alone(d * (1 - v + jnp.log(v))))
        )
        value = d * v
        extra = uniform.draw(state, "u", accept & less, block)
        value = jnp.where(less, value * jnp.power(extra, 1 / a), value)
        return state, done | accept, jnp.where(accept, value, res)

    _, _, res = lax.while_loop(cond, body, (init, a == 1, zeros))
    res = jnp.where(a == 1, expo, res)
    return res.reshape(num_alphas, samples_per_alpha).T.reshape(-1)


def _narrow(x64: Any, dtype: Any) -> Any:
    """C++'s `static_cast<T>(double)`; Eigen's half types convert through float."""
    dt = np.dtype(dtype)
    return x64.astype(dt) if dt.itemsize >= 4 else x64.astype(jnp.float32).astype(dt)


@register("StatelessRandomGammaV3", differentiable=False)
def _stateless_gamma(
    key: Any, counter: Any, alpha: Any, *, shape: tuple[int, ...], dtype: Any
) -> Any:
    size = _size(shape)
    per = size // max(alpha.size, 1) if alpha.size else 0
    return _narrow(gamma_samples(key, counter, alpha, per), dtype).reshape(shape)


# -- poisson ------------------------------------------------------------------------------
def poisson_samples(key: Any, counter: Any, rate: Any, samples_per_rate: int) -> Any:
    """TF's Poisson sampler in double: Knuth's product of uniforms for rates below 10,
    Hormann's transformed rejection from 10 on; each output on its own stream, uniforms
    handed out as TF's buffer does. float64 counts, `[samples_per_rate, rate.size]`
    flattened. Non-finite rates give NaN (TF's kernel never returns for them)."""
    rate_flat = rate.reshape(-1).astype(jnp.float64)
    num_rates = rate_flat.shape[0]
    n = num_rates * samples_per_rate
    if n == 0:
        return jnp.zeros((0,), jnp.float64)
    r = jnp.repeat(rate_flat, samples_per_rate)
    block = _per_output_blocks(key, counter, n)
    uniform = _Buffer(_uniform_pair)
    knuth = r < 10
    exp_neg_rate = jnp.exp(-r)
    log_rate = jnp.log(r)
    b = 0.931 + libm.alone(2.53 * jnp.sqrt(r))
    a = -0.059 + libm.alone(0.02483 * b)
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    v_r = 0.9277 - 3.6224 / (b - 2)

    zeros = jnp.zeros((n,), jnp.float64)
    init = {"b": jnp.zeros((n,), _U64), "u": (zeros, zeros, jnp.zeros((n,), jnp.int32))}

    def cond(carry: tuple[Any, ...]) -> Any:
        return ~jnp.all(carry[1])

    def body(carry: tuple[Any, ...]) -> tuple[Any, ...]:
        state, done, res, prod, x = carry
        state = dict(state)
        active = ~done
        # Knuth: one uniform per step
        kn = active & knuth
        u = uniform.draw(state, "u", kn, block)
        prod = jnp.where(kn, prod * u, prod)
        stop = kn & (prod <= exp_neg_rate)
        res = jnp.where(stop, x, res)
        x = jnp.where(kn & ~stop, x + 1, x)
        # Hormann: two uniforms per attempt
        ho = active & ~knuth
        u = uniform.draw(state, "u", ho, block) - 0.5
        v = uniform.draw(state, "u", ho, block)
        us = 0.5 - jnp.abs(u)
        k = jnp.floor(libm.alone((2 * a / us + b) * u) + r + 0.43)
        quick = (us >= 0.07) & (v <= v_r)
        reject = (k < 0) | ((us < 0.013) & (v > us))
        s = jnp.log(v * inv_alpha / (a / (us * us) + b))
        t = -r + libm.alone(k * log_rate) - jax.scipy.special.gammaln(k + 1)
        take = ho & (quick | (~reject & (s <= t)))
        res = jnp.where(take, k, res)
        return state, done | stop | take, res, prod, x

    bad = ~jnp.isfinite(r)
    start = (init, bad, jnp.where(bad, jnp.nan, zeros), jnp.ones((n,), jnp.float64), zeros)
    _, _, res, _, _ = lax.while_loop(cond, body, start)
    return res.reshape(num_rates, samples_per_rate).T.reshape(-1)


@register("RandomPoissonSamples", differentiable=False)
def _poisson(key: Any, counter: Any, rate: Any, *, shape: tuple[int, ...], dtype: Any) -> Any:
    """Poisson counts of `shape` (ending with `rate`'s shape) in `dtype`; TF's
    `static_cast` of the double count (NaN to an integer type as TF's casts give it)."""
    size = _size(shape)
    per = size // rate.size if rate.size else 0
    res = poisson_samples(key, counter, rate, per)
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        from tfcompat._ops.math_ops import _float_to_int

        return _float_to_int(res, dt).reshape(shape)
    return _narrow(res, dt).reshape(shape)


# -- binomial -----------------------------------------------------------------------------
_STIRLING_TAIL = np.array(
    [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ]
)


def _stirling_tail(k: Any) -> Any:
    """TF's `stirling_approx_tail`: a table up to 9, the series past it."""
    kp1sq = (k + 1) * (k + 1)
    series = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
    table = jnp.asarray(_STIRLING_TAIL)[jnp.clip(k, 0, 9).astype(jnp.int32)]
    return jnp.where(k <= 9, table, series)


def binomial_samples(
    key: Any, counter: Any, counts: Any, probs: Any, samples_per_batch: int
) -> Any:
    """TF's binomial sampler: inversion (sums of geometric variables) where the mean is
    below 10, Hormann's BTRS from 10 on, run on `min(p, 1 - p)`; float64 results,
    `[samples_per_batch, batch]` flattened. `counts`, `probs`: the broadcast batch, in
    the op's type `T` (the branch tests are made in `T`, as TF's)."""
    t = counts.dtype
    cnt = jnp.repeat(counts.reshape(-1), samples_per_batch)
    prob = jnp.repeat(probs.reshape(-1), samples_per_batch)
    num_batches = counts.size
    n = num_batches * samples_per_batch
    if n == 0:
        return jnp.zeros((0,), jnp.float64)
    dcount = cnt.astype(jnp.float64)
    zero = (dcount <= 0.0) | (prob <= jnp.asarray(0, t))
    full = ~zero & (prob >= jnp.asarray(1, t))
    low = ~zero & ~full & (prob <= jnp.asarray(0.5, t))
    high = ~zero & ~full & (prob > jnp.asarray(0.5, t))
    q = jnp.asarray(1, t) - prob
    p_eff = jnp.where(high, q, prob)  # in T
    use_btrs = (low | high) & (cnt * p_eff >= jnp.asarray(10, t))
    p = p_eff.astype(jnp.float64)
    stride = jnp.where(use_btrs, _U64(256), _U64(42))

    kw, cw = words(key, counter)
    base = jnp.arange(n, dtype=_U64) * stride

    def block(b: Any) -> tuple[Any, ...]:
        return philox.philox_one(philox.counter_add(cw, base + b), (kw[0], kw[1]))

    uniform = _Buffer(_uniform_pair)
    # inversion
    log1p_neg_p = libm.log1p(-p)
    # BTRS constants
    stddev = jnp.sqrt(dcount * p * (1 - p))
    b_ = 1.15 + libm.alone(2.53 * stddev)
    a_ = -0.0873 + libm.alone(0.0248 * b_) + libm.alone(0.01 * p)
    c_ = libm.alone(dcount * p) + 0.5
    v_r = 0.92 - 4.2 / b_
    r_ = p / (1 - p)
    alpha = (2.83 + 5.1 / b_) * stddev
    m = jnp.floor((dcount + 1) * p)

    zeros = jnp.zeros((n,), jnp.float64)
    init = {"b": jnp.zeros((n,), _U64), "u": (zeros, zeros, jnp.zeros((n,), jnp.int32))}
    sampled = low | high

    def cond(carry: tuple[Any, ...]) -> Any:
        return ~jnp.all(carry[1])

    def body(carry: tuple[Any, ...]) -> tuple[Any, ...]:
        state, done, res, geom_sum, num_geom = carry
        state = dict(state)
        active = ~done
        # inversion: one uniform per step
        inv = active & ~use_btrs
        u = uniform.draw(state, "u", inv, block)
        geom = jnp.ceil(jnp.log(u) / log1p_neg_p)
        geom_sum = jnp.where(inv, geom_sum + geom, geom_sum)
        stop = inv & (geom_sum > dcount)
        res = jnp.where(stop, num_geom, res)
        num_geom = jnp.where(inv & ~stop, num_geom + 1, num_geom)
        # BTRS: two uniforms per attempt
        bt = active & use_btrs
        u = uniform.draw(state, "u", bt, block)
        v = uniform.draw(state, "u", bt, block)
        u = u - 0.5
        us = 0.5 - jnp.abs(u)
        k = jnp.floor(libm.alone((2 * a_ / us + b_) * u) + c_)
        quick = (us >= 0.07) & (v <= v_r)
        sane = (k >= 0) & (k <= dcount)
        lv = jnp.log(v * alpha / (a_ / (us * us) + b_))
        upper = (
            libm.alone((m + 0.5) * jnp.log((m + 1) / (r_ * (dcount - m + 1))))
            + libm.alone((dcount + 1) * jnp.log((dcount - m + 1) / (dcount - k + 1)))
            + libm.alone((k + 0.5) * jnp.log(r_ * (dcount - k + 1) / (k + 1)))
            + _stirling_tail(m)
            + _stirling_tail(dcount - m)
            - _stirling_tail(k)
            - _stirling_tail(dcount - k)
        )
        take = bt & (quick | (sane & (lv <= upper)))
        res = jnp.where(take, k, res)
        return state, done | stop | take, res, geom_sum, num_geom

    start = (init, ~sampled, zeros, zeros, zeros)
    _, _, res, _, _ = lax.while_loop(cond, body, start)
    res = jnp.where(high, dcount - res, res)
    res = jnp.where(zero, 0.0, jnp.where(full, dcount, res))
    res = jnp.where(zero | full | sampled, res, jnp.nan)  # NaN probability
    return res.reshape(num_batches, samples_per_batch).T.reshape(-1)


@register("RandomBinomialSamples", differentiable=False)
def _binomial(
    key: Any, counter: Any, counts: Any, probs: Any, *, shape: tuple[int, ...], dtype: Any
) -> Any:
    """Binomial draws of `shape` (ending with the broadcast batch shape) in `dtype`."""
    batch = jnp.broadcast_shapes(counts.shape, probs.shape)
    counts = jnp.broadcast_to(counts, batch)
    probs = jnp.broadcast_to(probs, batch)
    size = _size(shape)
    per = size // counts.size if counts.size else 0
    res = binomial_samples(key, counter, counts, probs, per)
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        from tfcompat._ops.math_ops import _float_to_int

        return _float_to_int(res, dt).reshape(shape)
    return _narrow(res, dt).reshape(shape)

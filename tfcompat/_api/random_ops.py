"""`tf.random`: TF's Philox random numbers, its seed rules, stateless ops, `Generator`.

Values are TensorFlow's (CPU) bit for bit: the same Philox-4x32-10 streams, key and
counter derivations and bits-to-value conversions (`tfcompat/_ops/philox.py`), run as
JAX programs. See docs/random.md.

TF's seed rules (`tf.random.set_seed`, `random_seed.get_seed`):

* global seed set, no op seed: the op seed is drawn from `random.Random(global_seed)`
  (eager) or counts 0, 1, 2, ... per traced function (tf.function);
* an op seed without a global seed uses TF's default global seed (87654321);
* neither: non-deterministic;
* a stateful op's kernel, one per (op type, seeds, dtype), keeps its Philox counter:
  repeated calls continue one stream (A1, A2, ...); `set_seed` resets every kernel.

Differences from TensorFlow:
  float32 (and half, bfloat16) normal and truncated normal values use correctly rounded
  `log`, `sin` and `cos`; TF's kernel calls the C library's `logf`/`sinf`/`cosf`, which
  are off by one ulp for about 1 value in 70, so those values differ by one float32 ulp.
"""

from __future__ import annotations

import enum
import random as _pyrandom
import threading
import weakref
from typing import Any

import jax.numpy as jnp
import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._api._args import (
    as_tensor,
    concrete,
    is_concrete,
    kernel_error,
    shape_arg,
    shape_str,
)
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import convert_to_tensor, from_array
from tfcompat._core.tensor import Tensor
from tfcompat._engine import jax_internals
from tfcompat._tape import engine
from tfcompat._tape.engine import execute

__all__ = [
    "Algorithm",
    "Generator",
    "categorical",
    "create_rng_state",
    "gamma",
    "get_global_generator",
    "get_seed",
    "index_shuffle",
    "normal",
    "poisson",
    "set_global_generator",
    "set_seed",
    "shuffle",
    "stateless_binomial",
    "stateless_categorical",
    "stateless_fold_in",
    "stateless_gamma",
    "stateless_normal",
    "stateless_poisson",
    "stateless_shuffle",
    "stateless_split",
    "stateless_truncated_normal",
    "stateless_uniform",
    "truncated_normal",
    "uniform",
]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1
_RESERVED = 256  # Philox blocks a stateful kernel skips per output (TF's multiplier)


class Algorithm(enum.Enum):
    """tfcompat implementation of `tf.random.Algorithm` (the values TF uses)."""

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


_PHILOX, _THREEFRY, _AUTO_SELECT = 1, 2, 3


def _alg_int(alg: Any) -> int:
    """TF's `convert_alg_to_int`."""
    if alg is None:
        return _AUTO_SELECT
    if isinstance(alg, Algorithm):
        return int(alg.value)
    if isinstance(alg, int):
        return alg
    if isinstance(alg, str):
        canon = alg.strip().lower().replace("-", "").replace("_", "")
        table = {"philox": 1, "threefry": 2, "autoselect": 3}
        if canon in table:
            return table[canon]
        raise ValueError(
            f"Argument `alg` got unsupported value {alg}. Supported values are philox for the "
            "Philox algorithm, threefry for the ThreeFry algorithm, and auto_select for "
            "auto-selection."
        )
    if isinstance(alg, Tensor):
        return int(concrete(alg))
    raise TypeError(f"Can't convert argument `alg` (of value {alg} and type {type(alg)}) to int.")


# -- seeds -------------------------------------------------------------------------------
class _SeedState:
    """The process-wide seed state of TF's eager context."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.global_seed: int | None = None
        self.rng = _pyrandom.Random(None)
        # Eager kernel cache: (op, seed, seed2, attrs) -> Philox blocks used so far.
        self.kernels: dict[tuple[Any, ...], int] = {}
        # Unseeded kernels take random seeds once, as TF's GuardedPhiloxRandom.
        self.random_seeds: dict[tuple[Any, ...], tuple[int, int]] = {}
        self.sysrand = _pyrandom.SystemRandom()


_state = _SeedState()


def set_seed(seed: Any) -> None:
    """tfcompat implementation of `tf.random.set_seed`: also resets every kernel's stream."""
    with _state.lock:
        _state.global_seed = None if seed is None else seed
        try:
            hash(seed)
            _state.rng = _pyrandom.Random(seed)
        except TypeError:
            _state.rng = _pyrandom.Random(int(np.array(seed)))
        _state.kernels.clear()
        _state.random_seeds.clear()
    if _KERNEL_POOL:
        _KERNEL_POOL[0].assign(np.zeros((_POOL_SIZE,), np.int64))


class _GraphSeeds:
    """The seed state of one traced function: its graph seed and op-seed counter."""

    def __init__(self, seed: Any) -> None:
        self.seed = seed
        self.next_op_seed = 0


_GRAPHS: weakref.WeakKeyDictionary[Any, _GraphSeeds] = weakref.WeakKeyDictionary()


def _trace_scope() -> Any:
    """The innermost tf.function trace being built, or None when running eagerly."""
    rec = engine.state.recording
    if rec and _tracing():
        for r in reversed(rec):
            if type(r).__name__ == "_TraceScope":
                return r
    return None


def get_seed(op_seed: Any) -> tuple[int | None, int | None]:
    """TF's `random_seed.get_seed`: the (global, op) seed pair of one random op."""
    scope = _trace_scope()
    g: _GraphSeeds | None = None
    with _state.lock:
        if scope is not None:
            g = _GRAPHS.get(scope)
            if g is None:
                g = _GRAPHS[scope] = _GraphSeeds(_state.global_seed)
            global_seed = g.seed
        else:
            global_seed = _state.global_seed
        if global_seed is not None:
            if op_seed is None:
                if g is not None:
                    op_seed = g.next_op_seed
                    g.next_op_seed += 1
                else:
                    op_seed = _state.rng.randint(0, _MAXINT32)
            seeds: tuple[Any, Any] = (int(global_seed) % _MAXINT32, int(op_seed) % _MAXINT32)
        elif op_seed is not None:
            seeds = (DEFAULT_GRAPH_SEED, int(op_seed) % _MAXINT32)
        else:
            return None, None
    if seeds == (0, 0):
        return (0, _MAXINT32)
    return seeds


_trace_state_clean = jax_internals.trace_state_clean


def _tracing() -> bool:
    """True while a tf.function is traced (values are JAX tracers)."""
    return not _trace_state_clean()


# Inside tf.function each stateful random op is a kernel whose counter must persist
# across calls of the function: one slot of an int64 pool Variable (threaded through
# the function's calls like any variable), reset by `set_seed`.
_POOL_SIZE = 4096
_KERNEL_POOL: list[Any] = []
_POOL_NEXT = [0]


def _u64(x: int) -> np.uint64:
    return np.uint64(x % 2**64)


def _key_counter_tensors(key: int, c0: Any, c1: int) -> tuple[Tensor, Tensor]:
    k = from_array(np.asarray([_u64(key)], np.uint64), dtypes.uint64)
    if isinstance(c0, (int, np.integer)):
        c = from_array(np.asarray([_u64(int(c0)), _u64(c1)], np.uint64), dtypes.uint64)
    else:  # a traced counter word
        c = from_array(jnp.stack([c0.astype(jnp.uint64), jnp.uint64(c1 % 2**64)]), dtypes.uint64)
    return k, c


def _kernel(op: str, seed: Any, attrs: tuple[Any, ...], blocks: int) -> tuple[Tensor, Tensor]:
    """Key and counter of one call of stateful kernel `op` (TF's GuardedPhiloxRandom):
    key = seed, counter = (blocks used so far, seed2); the kernel then skips `blocks`."""
    s1, s2 = get_seed(seed)
    if s1 is None or s2 is None:
        with _state.lock:
            rs = _state.random_seeds.get((op, attrs))
            if rs is None:
                rs = (_state.sysrand.getrandbits(64), _state.sysrand.getrandbits(64))
                _state.random_seeds[(op, attrs)] = rs
        k1, k2 = rs
        kernel_key: tuple[Any, ...] = (op, None, None, attrs)
    else:
        k1, k2 = s1, s2
        kernel_key = (op, s1, s2, attrs)
    if _tracing():
        from tfcompat._core.variable import Variable

        if not _KERNEL_POOL:
            _KERNEL_POOL.append(
                Variable(
                    np.zeros((_POOL_SIZE,), np.int64),
                    trainable=False,
                    dtype=dtypes.int64,
                    name="random_kernels",
                )
            )
        pool = _KERNEL_POOL[0]
        slot = _POOL_NEXT[0] % _POOL_SIZE
        _POOL_NEXT[0] += 1
        offs = pool.read_value()._array()
        used = offs[slot]
        pool.assign(from_array(offs.at[slot].add(blocks), dtypes.int64))
        return _key_counter_tensors(k1, used, k2)
    with _state.lock:
        used = _state.kernels.get(kernel_key, 0)
        _state.kernels[kernel_key] = used + blocks
    return _key_counter_tensors(k1, used, k2)


# -- helpers -----------------------------------------------------------------------------
def _float_dtype(dtype: Any, op: str) -> dtypes.DType:
    d = dtypes.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"Invalid dtype {d!r} for {op}: must be a floating point type")
    return d


def _np(d: dtypes.DType) -> Any:
    return np.dtype(d.as_numpy_dtype)


def _size(shape: tuple[int, ...]) -> int:
    return int(np.prod(shape, dtype=np.int64))


def _draw(op: str, key: Tensor, counter: Tensor, shape: tuple[int, ...], d: dtypes.DType) -> Tensor:
    out: Tensor = execute(op, (key, counter), (("shape", shape), ("dtype", _np(d))))
    return out


def _affine(rnd: Tensor, mean: Any, stddev: Any, d: dtypes.DType) -> Tensor:
    """TF's `add(rnd * stddev, mean)` in dtype `d`."""
    return math_ops.add(math_ops.multiply(rnd, as_tensor(stddev, d)), as_tensor(mean, d))


def _int_range(lo: Tensor, hi: Tensor, op: str, name: str | None = None) -> None:
    if is_concrete(lo) and is_concrete(hi):
        a, b = concrete(lo), concrete(hi)
        if np.any(a >= b):
            raise kernel_error(op, f"Need minval < maxval, got {a} >= {b}", name=name)


def _sample_shape(op: str, shape: Any) -> tuple[int, ...]:
    """The shape of a stateful op's sample; a negative size raises TF's kernel error."""
    shp = shape_arg(shape)
    for dim in shp:
        if dim < 0:
            raise kernel_error(op, f"Dimension {dim} must be >= 0", name="")
    return shp


# -- stateful ops --------------------------------------------------------------------------
def normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.normal` (TF's values: RandomStandardNormal)."""
    d = dtypes.as_dtype(dtype)
    m, s = as_tensor(mean, d), as_tensor(stddev, d)
    d = _float_dtype(d, "normal")
    shp = _sample_shape("RandomStandardNormal", shape)
    key, ctr = _kernel("RandomStandardNormal", seed, (d,), _size(shp) * _RESERVED)
    return _affine(_draw("StatelessRandomNormalV2", key, ctr, shp, d), m, s, d)


def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.truncated_normal` (redrawn beyond 2 stddev)."""
    d = dtypes.as_dtype(dtype)
    m, s = as_tensor(mean, d), as_tensor(stddev, d)
    d = _float_dtype(d, "truncated_normal")
    shp = _sample_shape("TruncatedNormal", shape)
    key, ctr = _kernel("TruncatedNormal", seed, (d,), _size(shp) * _RESERVED)
    return _affine(_draw("StatelessTruncatedNormalV2", key, ctr, shp, d), m, s, d)


def uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.uniform` (`[minval, maxval)`; ints need `maxval`)."""
    d = dtypes.as_dtype(dtype)
    if d not in (
        dtypes.float16,
        dtypes.bfloat16,
        dtypes.float32,
        dtypes.float64,
        dtypes.int32,
        dtypes.int64,
    ):
        raise ValueError(
            f"Argument `dtype` got invalid value {d!r}. Accepted dtypes are "
            "(tf.float16, tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64)."
        )
    if maxval is None:
        if d.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {d!r}")
        maxval = 1
    shp = _sample_shape("RandomUniformInt" if d.is_integer else "RandomUniform", shape)
    min_zero = isinstance(minval, int) and minval == 0
    max_one = isinstance(maxval, int) and maxval == 1
    if not min_zero or not max_one or d.is_integer:
        minval, maxval = as_tensor(minval, d), as_tensor(maxval, d)
    n = _size(shp)
    if d.is_integer:
        _int_range(minval, maxval, "RandomUniformInt", name="")
        key, ctr = _kernel("RandomUniformInt", seed, (d,), n * _RESERVED)
        out: Tensor = execute(
            "StatelessRandomUniformIntV2", (key, ctr, minval, maxval), (("shape", shp),)
        )
        return out
    key, ctr = _kernel("RandomUniform", seed, (d,), n * _RESERVED)
    rnd = _draw("StatelessRandomUniformV2", key, ctr, shp, d)
    if min_zero:
        return rnd if max_one else math_ops.multiply(rnd, maxval)
    return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(maxval, minval)), minval)


def categorical(
    logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.categorical`: `[batch, num_samples]` class indices."""
    lg = as_tensor(logits)
    _check_logits(lg, "Multinomial")
    n = int(concrete(as_tensor(num_samples)))
    batch = lg._shape[0]
    # TF's CPU kernel reserves 2 words per sample, rows padded to 4 samples.
    blocks = batch * ((n + 3) // 4 * 4) * 2 * _RESERVED
    key, ctr = _kernel("Multinomial", seed, (lg.dtype,), blocks)
    return _multinomial(lg, n, key, ctr, dtype)


def _check_logits(lg: Tensor, op: str) -> None:
    if len(lg._shape) != 2:
        raise kernel_error(
            op, f"logits should be a matrix, got shape {shape_str(lg._shape)}", name=""
        )


def _multinomial(lg: Tensor, n: int, key: Tensor, ctr: Tensor, dtype: Any) -> Tensor:
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64
    out: Tensor = execute("Multinomial", (lg, key, ctr), (("num_samples", n), ("dtype", _np(d))))
    return out


def shuffle(value: Any, seed: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.random.shuffle` (along the first dimension)."""
    t = as_tensor(value)
    if not t._shape:
        return t
    n = t._shape[0]
    if n <= 1 or _size(t._shape) <= 1:
        get_seed(seed)
        return t
    key, ctr = _kernel("RandomShuffle", seed, (t.dtype,), (n - 1 + 3) // 4)
    out: Tensor = execute("RandomShuffle", (t, key, ctr))
    return out


_GAMMA_OPDEFS = {
    "RandomGamma": (
        "T",
        "Op<name=RandomGamma; signature=shape:S, alpha:T -> output:T; attr=seed:int,default=0; "
        "attr=seed2:int,default=0; attr=S:type,allowed=[DT_INT32, DT_INT64]; attr=T:type,"
        "allowed=[DT_HALF, DT_FLOAT, DT_DOUBLE]; is_stateful=true>",
    ),
    "StatelessRandomGammaV3": (
        "dtype",
        "Op<name=StatelessRandomGammaV3; signature=shape:shape_dtype, key:uint64, "
        "counter:uint64, alg:int32, alpha:dtype -> output:dtype; attr=dtype:type,allowed="
        "[DT_HALF, DT_FLOAT, DT_DOUBLE]; attr=shape_dtype:type,default=DT_INT32,allowed="
        "[DT_INT32, DT_INT64]>",
    ),
}


def _gamma_dtype(d: dtypes.DType, op: str) -> None:
    """The gamma kernels exist for half, float and double only (not bfloat16)."""
    if d in (dtypes.float16, dtypes.float32, dtypes.float64):
        return
    attr, opdef = _GAMMA_OPDEFS[op]
    raise errors.InvalidArgumentError(
        None,
        None,
        f"Value for attr '{attr}' of {d._tf_type_name} is not in the list of allowed values: "
        f"half, float, double\n\t; NodeDef: {{{{node {op}}}}}; {opdef} [Op:{op}] name: ",
    )


def _gamma_alpha(alpha: Any, beta: Any, d: dtypes.DType) -> tuple[Tensor, Tensor]:
    """TF's alpha broadcast against beta (beta defaults to 1), both in dtype `d`."""
    a = as_tensor(alpha, d)
    b = as_tensor(1 if beta is None else beta, d)
    shape = tuple(np.broadcast_shapes(a._shape, b._shape))
    return array_ops.broadcast_to(a, shape), b


def _gamma_result(rnd: Tensor, b: Tensor, d: dtypes.DType) -> Tensor:
    """TF's `maximum(finfo.tiny, rnd / beta)`."""
    tiny = as_tensor(np.finfo(_np(d)).tiny, d)
    return math_ops.maximum(tiny, math_ops.divide(rnd, b))


def gamma(
    shape: Any,
    alpha: Any,
    beta: Any = None,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.gamma`: shape `shape + broadcast(alpha, beta)`,
    TF's values (its `RandomGamma` kernel and seed rules)."""
    d = _float_dtype(dtype, "gamma")
    a, b = _gamma_alpha(alpha, beta, d)
    _gamma_dtype(d, "RandomGamma")
    out_shape = _sample_shape("RandomGamma", shape) + a._shape
    key, ctr = _kernel("RandomGamma", seed, (d,), _size(out_shape) * _RESERVED)
    rnd: Tensor = execute(
        "StatelessRandomGammaV3", (key, ctr, a), (("shape", out_shape), ("dtype", _np(d)))
    )
    return _gamma_result(rnd, b, d)


def stateless_gamma(
    shape: Any,
    seed: Any,
    alpha: Any,
    beta: Any = None,
    dtype: Any = dtypes.float32,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_gamma` (TF's values)."""
    d = _float_dtype(dtype, "stateless_gamma")
    a, b = _gamma_alpha(alpha, beta, d)
    _gamma_dtype(d, "StatelessRandomGammaV3")
    shp = shape_arg(shape)
    if shp[len(shp) - len(a._shape) :] != a._shape or len(a._shape) > len(shp):
        raise kernel_error(
            "StatelessRandomGammaV3", "Shape passed in must end with broadcasted shape.", name=""
        )
    if _size(shp) and not _size(a._shape):
        raise kernel_error(
            "StatelessRandomGammaV3",
            f"Input alpha should have non-zero element count, got: {_size(a._shape)}",
            name="",
        )
    key, ctr = stateless_key_counter(seed, None, "StatelessRandomGammaV3")
    rnd: Tensor = execute(
        "StatelessRandomGammaV3", (key, ctr, a), (("shape", shp), ("dtype", _np(d)))
    )
    return _gamma_result(rnd, b, d)


def _poisson_draw(
    key: Tensor, ctr: Tensor, lam: Tensor, shape: tuple[int, ...], d: dtypes.DType
) -> Tensor:
    out: Tensor = execute(
        "RandomPoissonSamples", (key, ctr, lam), (("shape", shape), ("dtype", _np(d)))
    )
    return out


def poisson(
    shape: Any, lam: Any, dtype: Any = dtypes.float32, seed: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.poisson`: shape `shape + lam.shape`, TF's
    values (its `RandomPoissonV2` kernel and seed rules)."""
    d = dtypes.as_dtype(dtype)
    lm = as_tensor(lam)
    shp = _sample_shape("RandomPoissonV2", shape)
    out_shape = shp + lm._shape
    if _size(shp) and not _size(lm._shape):
        raise kernel_error(
            "RandomPoissonV2",
            f"Input rate should have non-zero element count, got: {_size(lm._shape)}",
            name="",
        )
    key, ctr = _kernel("RandomPoissonV2", seed, (lm.dtype, d), _size(out_shape) * _RESERVED)
    return _poisson_draw(key, ctr, lm, out_shape, d)


def stateless_poisson(
    shape: Any, seed: Any, lam: Any, dtype: Any = dtypes.int32, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_poisson` (TF's values)."""
    d = dtypes.as_dtype(dtype)
    lm = as_tensor(lam)
    shp = shape_arg(shape)
    if shp[len(shp) - len(lm._shape) :] != lm._shape or len(lm._shape) > len(shp):
        raise kernel_error(
            "StatelessRandomPoisson", "Shape passed in must end with broadcasted shape.", name=""
        )
    key, ctr = stateless_key_counter(seed, None, "StatelessRandomPoisson")
    return _poisson_draw(key, ctr, lm, shp, d)


# -- stateless ---------------------------------------------------------------------------
_V2_OPS = {
    "uniform": "StatelessRandomUniformV2",
    "normal": "StatelessRandomNormalV2",
    "truncated_normal": "StatelessTruncatedNormalV2",
    "int": "StatelessRandomUniformIntV2",
    "full_int": "StatelessRandomUniformFullIntV2",
}


def _seed_tensor(seed: Any, op: str) -> Tensor:
    s = as_tensor(seed)
    if s.dtype not in (dtypes.int32, dtypes.int64):
        raise errors.InvalidArgumentError(
            None,
            None,
            f"cannot compute {op} as input #0(zero-based) was expected to be a int64 tensor "
            f"but is a {s.dtype.name} tensor [Op:{op}]",
        )
    if s._shape != (2,):
        raise kernel_error(
            "StatelessRandomGetKeyCounter", f"seed must have shape [2], not {shape_str(s._shape)}"
        )
    return s


def stateless_key_counter(seed: Any, alg: Any = None, op: str = "") -> tuple[Tensor, Tensor]:
    """TF's `get_key_counter_alg`: the V2 key (uint64 `[1]`) and counter (uint64 `[2]`)
    of a stateless op's `seed` (int32/int64 `[2]`, a Python value or a traced tensor).

    AUTO_SELECT resolves to Philox on the CPU, as TF's; ThreeFry is refused as TF's CPU
    kernels refuse it. Helpers for other modules (`tf.image.stateless_random_*`) call this
    and `stateless_uniform`/`stateless_normal` below."""
    a = _alg_int(alg)
    if a not in (_PHILOX, _THREEFRY, _AUTO_SELECT):
        raise ValueError(
            f"Argument `alg` got unsupported value {a}. Supported values are 1 for the Philox "
            "algorithm, 2 for the ThreeFry algorithm, and 3 for auto-selection."
        )
    s = _seed_tensor(seed, "StatelessRandomGetKeyCounter")
    if a == _THREEFRY:
        raise kernel_error(
            op or "StatelessRandomUniformV2",
            "counter must be a vector with length at least 2; got shape: [1]. (Note that "
            "batched counters are not supported yet.)",
            name="",
        )
    key, ctr = execute("StatelessRandomGetKeyCounter", (s,))
    return key, ctr


def stateless_uniform(
    shape: Any,
    seed: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = dtypes.float32,
    name: Any = None,
    alg: Any = "auto_select",
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_uniform` (TF's values)."""
    d = dtypes.as_dtype(dtype)
    if d not in (
        dtypes.float16,
        dtypes.bfloat16,
        dtypes.float32,
        dtypes.float64,
        dtypes.int32,
        dtypes.int64,
        dtypes.uint32,
        dtypes.uint64,
    ):
        raise ValueError(
            f"Argument `dtype` got invalid value {d!r}. Accepted dtypes are (tf.float16, "
            "tf.bfloat16, tf.float32, tf.float64, tf.int32, tf.int64, tf.uint32, tf.uint64)."
        )
    if d.is_integer:
        if (minval is None) != (maxval is None):
            raise ValueError(
                f"For integer `dtype` argument {d!s}, argument `minval` and `maxval` must be "
                f"both None or not None. Got `minval`={minval} and `maxval`={maxval}."
            )
        if minval is not None and d in (dtypes.uint32, dtypes.uint64):
            raise ValueError(
                f"Argument `dtype` got invalid value {d!s} when argument `minval` is not None. "
                "Please don't use unsigned integers in this case."
            )
    elif maxval is None:
        maxval = 1
    shp = shape_arg(shape)
    if d.is_integer and minval is None:
        key, ctr = stateless_key_counter(seed, alg, "StatelessRandomUniformFullIntV2")
        return _draw("StatelessRandomUniformFullIntV2", key, ctr, shp, d)
    lo, hi = as_tensor(minval, d), as_tensor(maxval, d)
    if d.is_integer:
        key, ctr = stateless_key_counter(seed, alg, "StatelessRandomUniformIntV2")
        _int_range(lo, hi, "StatelessRandomUniformIntV2")
        out: Tensor = execute("StatelessRandomUniformIntV2", (key, ctr, lo, hi), (("shape", shp),))
        return out
    key, ctr = stateless_key_counter(seed, alg, "StatelessRandomUniformV2")
    rnd = _draw("StatelessRandomUniformV2", key, ctr, shp, d)
    return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(hi, lo)), lo)


def stateless_normal(
    shape: Any,
    seed: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    name: Any = None,
    alg: Any = "auto_select",
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_normal` (TF's values)."""
    d = dtypes.as_dtype(dtype)
    m, s = as_tensor(mean, d), as_tensor(stddev, d)
    d = _float_dtype(d, "stateless_normal")
    shp = shape_arg(shape)
    key, ctr = stateless_key_counter(seed, alg, "StatelessRandomNormalV2")
    return _affine(_draw("StatelessRandomNormalV2", key, ctr, shp, d), m, s, d)


def stateless_truncated_normal(
    shape: Any,
    seed: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    name: Any = None,
    alg: Any = "auto_select",
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_truncated_normal` (TF's values)."""
    d = dtypes.as_dtype(dtype)
    m, s = as_tensor(mean, d), as_tensor(stddev, d)
    d = _float_dtype(d, "stateless_truncated_normal")
    shp = shape_arg(shape)
    key, ctr = stateless_key_counter(seed, alg, "StatelessTruncatedNormalV2")
    return _affine(_draw("StatelessTruncatedNormalV2", key, ctr, shp, d), m, s, d)


def stateless_categorical(
    logits: Any, num_samples: Any, seed: Any, dtype: Any = dtypes.int64, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_categorical` (TF's values)."""
    lg = as_tensor(logits)
    _check_logits(lg, "StatelessMultinomial")
    key, ctr = stateless_key_counter(seed, None, "StatelessMultinomial")
    return _multinomial(lg, int(concrete(as_tensor(num_samples))), key, ctr, dtype)


def stateless_shuffle(value: Any, seed: Any, alg: Any = "auto_select", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.random.experimental.stateless_shuffle`: TF's
    Fisher-Yates shuffle of the first dimension on the stream of `seed` (TF's values)."""
    t = as_tensor(value)
    key, ctr = stateless_key_counter(seed, alg, "StatelessShuffle")
    if not t._shape or t._shape[0] <= 1:
        return t
    out: Tensor = execute("RandomShuffle", (t, key, ctr))
    return out


_INDEX_SHUFFLE_PAD = 498247692  # TF pads the 2-word seed to the op's 3 words with this
_INDEX_DTYPES = (dtypes.int32, dtypes.int64, dtypes.uint32, dtypes.uint64)


def index_shuffle(index: Any, seed: Any, max_index: Any) -> Tensor:
    """tfcompat implementation of `tf.random.experimental.index_shuffle`: the position of
    `index` in the permutation of `[0, ..., max_index]` that `seed` picks (TF's values)."""
    op = "RandomIndexShuffle"
    s = as_tensor(seed)
    if s.dtype not in _INDEX_DTYPES:
        raise errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'Tseed' of {s.dtype._tf_type_name} is not in the list of allowed "
            f"values: int32, uint32, int64, uint64\n\t; NodeDef: {{{{node {op}}}}}; Op<name={op}; "
            "signature=index:dtype, seed:Tseed, max_index:dtype -> output:dtype; "
            "attr=rounds:int,default=4; attr=dtype:type,allowed=[DT_INT32, DT_UINT32, DT_INT64, "
            "DT_UINT64]; attr=Tseed:type,allowed=[DT_INT32, DT_UINT32, DT_INT64, DT_UINT64]> "
            f"[Op:{op}]",
        )
    i = as_tensor(index)
    m = as_tensor(max_index, i.dtype) if not isinstance(max_index, Tensor) else max_index
    if i.dtype not in _INDEX_DTYPES:
        raise TypeError(
            f"Value passed to parameter 'index' has DataType {i.dtype.name} not in list of "
            "allowed values: int32, int64, uint32, uint64"
        )
    if m.dtype != i.dtype:
        raise TypeError(
            f"Input 'max_index' of '{op}' Op has type {m.dtype.name} that does not match "
            f"type {i.dtype.name} of argument 'index'."
        )
    pad = [[1, 0]] + [[0, 0]] * (len(s._shape) - 1)
    s = array_ops.pad(s, pad, constant_values=_INDEX_SHUFFLE_PAD)
    n = max(_size(i._shape), _size(m._shape), _size(s._shape) // 3)
    if i._shape and (len(i._shape) != 1 or i._shape[0] != n):
        raise kernel_error(op, "Index bust be a scalar or vector.", name="")
    if not (s._shape == (3,) or s._shape == (n, 3)):
        raise kernel_error(
            op,
            f"Seed must be a vector of size [3] or a matrix of size [{n}, 3] but got "
            f"{shape_str(s._shape)}.",
            name="",
        )
    if m._shape and (len(m._shape) != 1 or m._shape[0] != n):
        raise kernel_error(
            op,
            "Maxval must be a scalar or a vector of the same size as index but got "
            f"{shape_str(m._shape)}",
            name="",
        )
    out: Tensor = execute(op, (i, s, m), (("rounds", 4),))
    return out


def _binomial_shapes(
    shape: Any, counts: Tensor, probs: Tensor, op: str
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The sample shape and the broadcast batch shape, checked as TF's binomial kernels."""
    if counts.dtype != probs.dtype:
        raise TypeError(
            f"Input 'probs' of '{op}' Op has type {probs.dtype.name} that does not match "
            f"type {counts.dtype.name} of argument 'counts'."
        )
    try:
        batch = tuple(np.broadcast_shapes(counts._shape, probs._shape))
    except ValueError:
        raise kernel_error(
            op,
            "counts and probs must have compatible batch dimensions: "
            f"{shape_str(counts._shape)} vs. {shape_str(probs._shape)}",
            name="",
        ) from None
    shp = shape_arg(shape)
    if len(batch) > len(shp) or shp[len(shp) - len(batch) :] != batch:
        raise kernel_error(op, "Shape passed in must end with broadcasted shape.", name="")
    return shp, batch


def _binomial_draw(
    key: Tensor, ctr: Tensor, counts: Tensor, probs: Tensor, shape: tuple[int, ...], d: Any
) -> Tensor:
    out: Tensor = execute(
        "RandomBinomialSamples", (key, ctr, counts, probs), (("shape", shape), ("dtype", _np(d)))
    )
    return out


def stateless_binomial(
    shape: Any,
    seed: Any,
    counts: Any,
    probs: Any,
    output_dtype: Any = dtypes.int32,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_binomial` (TF's values)."""
    pr = (
        as_tensor(probs)
        if isinstance(probs, Tensor)
        else convert_to_tensor(probs, dtype_hint=dtypes.float32)
    )
    c = (
        as_tensor(counts)
        if isinstance(counts, Tensor)
        else convert_to_tensor(counts, dtype_hint=pr.dtype)
    )
    shp, _ = _binomial_shapes(shape, c, pr, "StatelessRandomBinomial")
    key, ctr = stateless_key_counter(seed, None, "StatelessRandomBinomial")
    return _binomial_draw(key, ctr, c, pr, shp, dtypes.as_dtype(output_dtype))


def stateless_split(seed: Any, num: Any = 2, alg: Any = "auto_select") -> Tensor:
    """tfcompat implementation of `tf.random.experimental.stateless_split` (`tf.random.split`)."""
    s = as_tensor(seed)
    return stateless_uniform([num, 2], s, dtype=s.dtype, minval=None, maxval=None, alg=alg)


def stateless_fold_in(seed: Any, data: Any, alg: Any = "auto_select") -> Tensor:
    """tfcompat implementation of `tf.random.experimental.stateless_fold_in`."""
    dt = as_tensor(data)
    s1 = stateless_uniform([], seed, dtype=dt.dtype, minval=None, maxval=None, alg=alg)
    return array_ops.stack([s1, dt])


def stateless_dropout(
    x: Any,
    rate: Any,
    seed: Any,
    rng_alg: Any = None,
    noise_shape: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.nn.experimental.stateless_dropout` (TF's masks)."""
    import numbers

    is_number = isinstance(rate, numbers.Real)
    if is_number and (rate < 0 or rate >= 1):
        raise ValueError(
            f"`rate` must be a scalar tensor or a float in the range [0, 1). Received: rate={rate}"
        )
    t = as_tensor(x)
    if not t.dtype.is_floating:
        raise ValueError(
            "`x.dtype` must be a floating point tensor as `x` will be scaled. Received: "
            f"x_dtype={t.dtype!s}"
        )
    if is_number and rate == 0:
        return t
    if is_number:
        ret = math_ops.multiply(t, as_tensor(1 / (1 - rate), t.dtype))
    else:
        r = math_ops.cast(as_tensor(rate), t.dtype)
        ret = math_ops.truediv(t, math_ops.subtract(as_tensor(1, t.dtype), r))
        rate = r
    shape = (
        t._shape
        if noise_shape is None
        else tuple(
            d if d is not None else t._shape[i]
            for i, d in enumerate(np.asarray(noise_shape).tolist())
        )
    )
    rnd = stateless_uniform(shape, seed, dtype=t.dtype, alg=rng_alg)
    keep = math_ops.greater_equal(rnd, rate)
    return array_ops.where(keep, ret, as_tensor(0, t.dtype))


# -- Generator ------------------------------------------------------------------------------
_STATE_SIZE = 3  # Philox: [counter_lo, counter_hi, key]


def _make_1d_state(seed: Any) -> np.ndarray:
    """TF's `_make_1d_state`: a Python int is cut into 64-bit words (low first); a vector
    is cast to int64, cut to 3 and left-padded with zeros."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        s = int(seed)
        words = []
        for _ in range(_STATE_SIZE):
            words.append(s & (2**64 - 1))
            s >>= 64
        arr = np.asarray([w - 2**64 if w > 2**63 - 1 else w for w in words], np.int64)
    else:
        arr = np.asarray(concrete(as_tensor(seed)) if isinstance(seed, Tensor) else seed)
        arr = arr.astype(np.int64).reshape(-1)[:_STATE_SIZE]
    return np.concatenate([np.zeros(_STATE_SIZE - arr.size, np.int64), arr])


def create_rng_state(seed: Any, alg: Any) -> Tensor:
    """tfcompat implementation of `tf.random.create_rng_state`."""
    _check_alg(_alg_int(alg))
    return from_array(_make_1d_state(seed), dtypes.int64)


def _check_alg(a: int) -> None:
    if a not in (_PHILOX, _THREEFRY, _AUTO_SELECT):
        raise ValueError(
            f"Argument `alg` got unsupported value {a}. Supported values are 1 for the Philox "
            "algorithm, 2 for the ThreeFry algorithm, and 3 for auto-selection."
        )


class Generator:
    """tfcompat implementation of `tf.random.Generator`: a Philox stream whose state is an
    int64 Variable `[counter_lo, counter_hi, key]`, with TF's values.

    Every draw of `n` values reads the state's key and counter and advances the counter
    by `256 n` blocks (TF's `rng_read_and_skip`), so draws inside a `tf.function` follow
    the same sequence as eager ones.
    """

    def __init__(self, copy_from: Any = None, state: Any = None, alg: Any = None) -> None:
        from tfcompat._core.variable import Variable

        if copy_from is not None:
            if state is not None or alg is not None:
                raise ValueError("When `copy_from` is not None, `state` and `alg` must be None")
            value: Any = copy_from.state.read_value()
            alg = copy_from.algorithm
        else:
            if state is None or alg is None:
                raise ValueError("When `copy_from` is None, `state` and `alg` must be given")
            value = as_tensor(state, dtypes.int64) if not isinstance(state, Tensor) else state
            if value.dtype != dtypes.int64:
                value = math_ops.cast(value, dtypes.int64)
            if value._shape != (_STATE_SIZE,):
                raise ValueError(
                    f"Shapes {tuple(value._shape)} and ({_STATE_SIZE},) are incompatible"
                )
        self._alg = _alg_int(alg)
        _check_alg(self._alg)
        self._state_var = Variable(value, trainable=False, dtype=dtypes.int64, name="Variable")

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        """A generator whose state is made from `seed` (TF's `create_rng_state`)."""
        a = _PHILOX if alg is None else _alg_int(alg)
        return cls(state=_make_1d_state(seed), alg=a)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        """A generator seeded from the operating system's entropy."""
        a = _PHILOX if alg is None else _alg_int(alg)
        words = [_state.sysrand.getrandbits(64) - 2**63 for _ in range(_STATE_SIZE)]
        return cls(state=np.asarray(words, np.int64), alg=a)

    @classmethod
    def from_state(cls, state: Any, alg: Any) -> Generator:
        return cls(state=state, alg=alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> Generator:
        c = np.asarray(concrete(as_tensor(counter, dtypes.int64))).reshape(-1)
        k = np.asarray(concrete(as_tensor(key, dtypes.int64))).reshape(-1)
        return cls(state=np.concatenate([c, k]).astype(np.int64), alg=alg)

    @property
    def state(self) -> Any:
        """The state Variable (int64 `[3]`)."""
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg

    @property
    def key(self) -> Tensor:
        return array_ops.getitem(self._state_var.read_value(), -1)

    def reset(self, state: Any) -> None:
        self._state_var.assign(as_tensor(state, dtypes.int64))

    def reset_from_seed(self, seed: Any) -> None:
        self._state_var.assign(_make_1d_state(seed))

    def reset_from_key_counter(self, key: Any, counter: Any) -> None:
        c = math_ops.cast(as_tensor(counter), dtypes.int64)
        k = array_ops.reshape(math_ops.cast(as_tensor(key), dtypes.int64), [1])
        self._state_var.assign(array_ops.concat([c, k], 0))

    def _read_and_skip(self, delta: Any) -> tuple[Tensor, Tensor, Tensor]:
        if self._alg == _THREEFRY:
            raise kernel_error(
                "RngReadAndSkip", "Unsupported algorithm id: 2", cls=errors.InvalidArgumentError
            )
        d = delta if isinstance(delta, Tensor) else as_tensor(int(delta) * _RESERVED, dtypes.uint64)
        if isinstance(delta, Tensor):
            d = math_ops.multiply(
                math_ops.cast(delta, dtypes.uint64), as_tensor(_RESERVED, dtypes.uint64)
            )
        key, ctr, new = execute("RngReadAndSkip", (self._state_var.read_value(), d))
        self._state_var.assign(new)
        return key, ctr, new

    def skip(self, delta: Any) -> Tensor:
        """Advance the counter as `delta` draws would; returns the state before."""
        old = self._state_var.read_value()
        self._read_and_skip(delta)
        return old

    def _key_counter(self, shape: tuple[int, ...]) -> tuple[Tensor, Tensor]:
        key, ctr, _ = self._read_and_skip(_size(shape))
        return key, ctr

    def normal(
        self,
        shape: Any,
        mean: Any = 0.0,
        stddev: Any = 1.0,
        dtype: Any = dtypes.float32,
        name: Any = None,
    ) -> Tensor:
        d = dtypes.as_dtype(dtype)
        m, s = as_tensor(mean, d), as_tensor(stddev, d)
        d = _float_dtype(d, "normal")
        shp = shape_arg(shape)
        key, ctr = self._key_counter(shp)
        return _affine(_draw("StatelessRandomNormalV2", key, ctr, shp, d), m, s, d)

    def truncated_normal(
        self,
        shape: Any,
        mean: Any = 0.0,
        stddev: Any = 1.0,
        dtype: Any = dtypes.float32,
        name: Any = None,
    ) -> Tensor:
        d = dtypes.as_dtype(dtype)
        m, s = as_tensor(mean, d), as_tensor(stddev, d)
        d = _float_dtype(d, "truncated_normal")
        shp = shape_arg(shape)
        key, ctr = self._key_counter(shp)
        return _affine(_draw("StatelessTruncatedNormalV2", key, ctr, shp, d), m, s, d)

    def uniform(
        self,
        shape: Any,
        minval: Any = 0,
        maxval: Any = None,
        dtype: Any = dtypes.float32,
        name: Any = None,
    ) -> Tensor:
        d = dtypes.as_dtype(dtype)
        if d.is_integer:
            if (minval is None) != (maxval is None):
                raise ValueError(
                    f"For integer dtype {d!s}, minval and maxval must be both `None` or both "
                    f"non-`None`; got minval={minval} and maxval={maxval}"
                )
        elif maxval is None:
            maxval = 1
        shp = shape_arg(shape)
        if d.is_integer and minval is None:
            return self.uniform_full_int(shp, d)
        lo, hi = as_tensor(minval, d), as_tensor(maxval, d)
        key, ctr = self._key_counter(shp)
        if d.is_integer:
            _int_range(lo, hi, "StatelessRandomUniformIntV2")
            out: Tensor = execute(
                "StatelessRandomUniformIntV2", (key, ctr, lo, hi), (("shape", shp),)
            )
            return out
        rnd = _draw("StatelessRandomUniformV2", key, ctr, shp, d)
        return math_ops.add(math_ops.multiply(rnd, math_ops.subtract(hi, lo)), lo)

    def uniform_full_int(self, shape: Any, dtype: Any = dtypes.uint64, name: Any = None) -> Tensor:
        d = dtypes.as_dtype(dtype)
        shp = shape_arg(shape)
        key, ctr = self._key_counter(shp)
        return _draw("StatelessRandomUniformFullIntV2", key, ctr, shp, d)

    def binomial(
        self, shape: Any, counts: Any, probs: Any, dtype: Any = dtypes.int32, name: Any = None
    ) -> Tensor:
        """Binomial draws as TF's `StatefulRandomBinomial` kernel: TF's values and state
        advance."""
        d = dtypes.as_dtype(dtype)
        c, pr = as_tensor(counts), as_tensor(probs)
        shp, batch = _binomial_shapes(shape, c, pr, "StatefulRandomBinomial")
        per = _size(shp) // max(_size(batch), 1) if _size(batch) else 0
        n_batches = _size(batch)
        key, ctr, _ = self._read_and_skip(n_batches * 2 * 100 * (per + 3) // 4)
        return _binomial_draw(key, ctr, c, pr, shp, d)

    def make_seeds(self, count: int = 1) -> Tensor:
        keys = self.uniform_full_int([count], dtypes.int64)
        return array_ops.stack([keys, array_ops.zeros_like(keys)])

    def split(self, count: int = 1) -> list[Generator]:
        """`count` new generators whose keys are this one's next int64 draws, counters 0."""
        keys = np.asarray(concrete(self.uniform_full_int([count], dtypes.int64)))
        return [Generator(state=np.asarray([0, 0, k], np.int64), alg=self._alg) for k in keys]


Generator.__module__ = "tfcompat.random"

_GLOBAL_GENERATOR: list[Generator] = []


def get_global_generator() -> Generator:
    """tfcompat implementation of `tf.random.get_global_generator`."""
    if not _GLOBAL_GENERATOR:
        _GLOBAL_GENERATOR.append(Generator.from_non_deterministic_state())
    return _GLOBAL_GENERATOR[0]


def set_global_generator(generator: Generator) -> None:
    """tfcompat implementation of `tf.random.set_global_generator`."""
    _GLOBAL_GENERATOR[:] = [generator]

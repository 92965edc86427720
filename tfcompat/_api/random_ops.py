"""`tf.random`: random tensors with TF's global/op seed rules, stateless ops, `Generator`.

TF's seed rules (`tf.random.set_seed`, `random_seed.get_seed`):

* global seed set, no op seed: each op draws the next op seed from a counter that
  `set_seed` resets, so a program's random sequence repeats after `set_seed`;
* an op seed without a global seed uses TF's default global seed (87654321);
* neither: non-deterministic;
* in eager mode the kernel for one (global, op) seed pair keeps state, so repeated calls
  with the same seeds give *different* values (A1, A2, ...), reset by `set_seed`.

Values differ from TF's (JAX's threefry generators instead of TF's Philox); shapes,
dtypes, distributions and the seeding behaviour are TF's.

Differences from TensorFlow:
  Random values are not TF's bit for bit, for stateful, stateless and Generator ops.
"""

from __future__ import annotations

import threading
from typing import Any

import jax
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
from tfcompat._core.convert import from_array
from tfcompat._core.tensor import Tensor

__all__ = [
    "Generator",
    "categorical",
    "gamma",
    "get_seed",
    "normal",
    "poisson",
    "set_seed",
    "shuffle",
    "stateless_categorical",
    "stateless_normal",
    "stateless_truncated_normal",
    "stateless_uniform",
    "truncated_normal",
    "uniform",
]

DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1


class _SeedState:
    """The process-wide seed state of TF's eager context."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.global_seed: int | None = None
        self.op_counter = 0
        self.kernel_calls: dict[tuple[int, int], int] = {}
        self.entropy = int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]
        self.unseeded = 0


_state = _SeedState()


def set_seed(seed: Any) -> None:
    """tfcompat implementation of `tf.random.set_seed`: resets the op-seed counter too."""
    with _state.lock:
        _state.global_seed = None if seed is None else int(seed)
        _state.op_counter = 0
        _state.kernel_calls.clear()
    for var in _TRACED_COUNTER:
        var.assign(np.int64(0))


def get_seed(op_seed: Any) -> tuple[int | None, int | None]:
    """TF's `random_seed.get_seed`: the (global, op) seed pair of one random op."""
    with _state.lock:
        g = _state.global_seed
        if g is not None:
            if op_seed is None:
                op_seed = _state.op_counter
                _state.op_counter += 1
            seeds = (g, int(op_seed))
        elif op_seed is not None:
            seeds = (DEFAULT_GRAPH_SEED, int(op_seed))
        else:
            return None, None
    if seeds == (0, 0):  # TF avoids the all-zero pair, which means "non-deterministic"
        seeds = (0, _MAXINT32)
    return seeds


try:
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # pragma: no cover  (a future jax): treat every call as eager

    def _trace_state_clean() -> bool:
        return True


def _tracing() -> bool:
    """True while a tf.function is traced (values are JAX tracers)."""
    return not _trace_state_clean()


# Inside tf.function the call counter must be runtime state, or every call of the
# compiled function would repeat the values drawn at trace time: one int64 Variable
# (created once, at the first traced random op), which tf.function threads through its
# calls; `set_seed` resets it.
_TRACED_COUNTER: list[Any] = []


def _traced_key(g: int | None, o: int | None) -> jax.Array:
    from tfcompat._core.variable import Variable

    if not _TRACED_COUNTER:
        _TRACED_COUNTER.append(
            Variable(np.int64(0), trainable=False, dtype=dtypes.int64, name="rng_counter")
        )
    var = _TRACED_COUNTER[0]
    pair = (_state.entropy, _MAXINT32) if g is None or o is None else (g, o)
    n = var.read_value()._array()
    var.assign_add(np.int64(1))
    key = jax.random.fold_in(jax.random.key(pair[0] % 2**32), pair[1] % 2**32)
    return jax.random.fold_in(key, n)


def _next_key(seed: Any) -> jax.Array:
    """The key of one stateful random op call, following TF's seed rules."""
    g, o = get_seed(seed)
    if _tracing():
        return _traced_key(g, o)
    with _state.lock:
        if g is None or o is None:
            _state.unseeded += 1
            return jax.random.fold_in(jax.random.key(_state.entropy), _state.unseeded)
        n = _state.kernel_calls.get((g, o), 0)
        _state.kernel_calls[(g, o)] = n + 1
    key = jax.random.fold_in(jax.random.key(g % 2**32), o % 2**32)
    return jax.random.fold_in(key, n)


_SAMPLERS: dict[Any, Any] = {}


def _sampler(kind: str, shape: tuple[int, ...], dtype: Any) -> Any:
    k = (kind, shape, np.dtype(dtype))
    fn = _SAMPLERS.get(k)
    if fn is None:
        if kind == "normal":
            fn = jax.jit(lambda key: jax.random.normal(key, shape, dtype))
        elif kind == "uniform":
            fn = jax.jit(lambda key: jax.random.uniform(key, shape, dtype))
        elif kind == "truncated_normal":
            fn = jax.jit(lambda key: jax.random.truncated_normal(key, -2.0, 2.0, shape, dtype))
        else:  # pragma: no cover
            raise AssertionError(kind)
        _SAMPLERS[k] = fn
    return fn


def _float_dtype(dtype: Any, op: str) -> dtypes.DType:
    d = dtypes.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"Invalid dtype {d!r} for {op}: must be a floating point type")
    return d


def _moments(mean: Any, stddev: Any, d: dtypes.DType) -> tuple[Any, Any]:
    """Convert `mean`, `stddev` to `d` first, as TF (`TypeError` for an int dtype)."""
    plain = (
        isinstance(mean, (int, float))
        and isinstance(stddev, (int, float))
        and mean == 0
        and stddev == 1
    )
    if plain and d.is_floating:
        return mean, stddev
    return as_tensor(mean, d), as_tensor(stddev, d)


def _scale(sample: Tensor, mean: Any, stddev: Any, d: dtypes.DType) -> Tensor:
    if (
        isinstance(mean, (int, float))
        and isinstance(stddev, (int, float))
        and mean == 0
        and stddev == 1
    ):
        return sample
    return math_ops.add(math_ops.multiply(sample, as_tensor(stddev, d)), as_tensor(mean, d))


def _dims(op: str, shape: Any) -> tuple[int, ...]:
    """The shape of a sample; a negative size raises TF's kernel error."""
    s = shape_arg(shape)
    for dim in s:
        if dim < 0:
            raise errors.kernel_error(op, f"Dimension {dim} must be >= 0")
    return s


def normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.normal`."""
    d = dtypes.as_dtype(dtype)
    m, s = _moments(mean, stddev, d)
    sample = from_array(
        _sampler(
            "normal", _dims("RandomStandardNormal", shape), _float_dtype(d, "normal").as_numpy_dtype
        )(_next_key(seed)),
        d,
    )
    return _scale(sample, m, s, d)


def truncated_normal(
    shape: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.truncated_normal` (resampled beyond 2 stddev)."""
    d = dtypes.as_dtype(dtype)
    m, s = _moments(mean, stddev, d)
    d = _float_dtype(d, "truncated_normal")
    sample = from_array(
        _sampler("truncated_normal", _dims("TruncatedNormal", shape), d.as_numpy_dtype)(
            _next_key(seed)
        ),
        d,
    )
    return _scale(sample, m, s, d)


def _uniform_from_key(
    key: Any, shape: tuple[int, ...], minval: Any, maxval: Any, d: dtypes.DType
) -> Tensor:
    if d.is_integer:
        tlo, thi = as_tensor(minval, d), as_tensor(maxval, d)
        if is_concrete(tlo) and is_concrete(thi):
            lo, hi = concrete(tlo), concrete(thi)
            if np.any(lo >= hi):
                raise kernel_error(
                    "RandomUniformInt", f"Need minval < maxval, got {lo} >= {hi}", name=""
                )
        ints = jax.random.randint(key, shape, tlo._array(), thi._array(), d.as_numpy_dtype)
        return from_array(ints, d)
    sample = from_array(_sampler("uniform", shape, d.as_numpy_dtype)(key), d)
    if maxval is None:
        maxval = 1
    lo = as_tensor(minval, d) if not isinstance(minval, Tensor) else minval
    hi = as_tensor(maxval, d) if not isinstance(maxval, Tensor) else maxval
    return math_ops.add(math_ops.multiply(sample, math_ops.subtract(hi, lo)), lo)


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
    if d.is_integer and maxval is None:
        raise ValueError(f"Must specify maxval for integer dtype {d!r}")
    if not (d.is_integer or d.is_floating):
        raise ValueError(f"Invalid dtype {d!r} for uniform")
    op = "RandomUniformInt" if d.is_integer else "RandomUniform"
    return _uniform_from_key(_next_key(seed), _dims(op, shape), minval, maxval, d)


def categorical(
    logits: Any, num_samples: Any, dtype: Any = None, seed: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.categorical`: `[batch, num_samples]` class indices."""
    lg = as_tensor(logits)
    if len(lg._shape) != 2:
        raise kernel_error(
            "Multinomial", f"logits should be a matrix, got shape {shape_str(lg._shape)}", name=""
        )
    return _categorical(_next_key(seed), lg, num_samples, dtype)


def _categorical(key: Any, lg: Tensor, num_samples: Any, dtype: Any) -> Tensor:
    d = dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64
    n = int(concrete(as_tensor(num_samples)))
    batch = lg._shape[0]
    out = jax.random.categorical(key, jnp.asarray(lg._array()), axis=-1, shape=(n, batch)).T
    return from_array(out.astype(d.as_numpy_dtype), d)


def shuffle(value: Any, seed: Any = None, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.random.shuffle` (along the first dimension)."""
    t = as_tensor(value)
    if not t._shape:
        return t
    perm = jax.random.permutation(_next_key(seed), t._shape[0])
    return from_array(jnp.asarray(t._array())[perm], t.dtype)


def gamma(
    shape: Any,
    alpha: Any,
    beta: Any = None,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.gamma`: shape `shape + broadcast(alpha, beta)`."""
    d = _float_dtype(dtype, "gamma")
    a = as_tensor(alpha, d) if not isinstance(alpha, Tensor) else alpha
    b = None if beta is None else (as_tensor(beta, d) if not isinstance(beta, Tensor) else beta)
    extra = a._shape if b is None else np.broadcast_shapes(a._shape, b._shape)
    out_shape = shape_arg(shape) + tuple(extra)
    av = jnp.broadcast_to(jnp.asarray(a._array()), out_shape)
    sample = jax.random.gamma(_next_key(seed), av, out_shape, d.as_numpy_dtype)
    if b is not None:
        sample = sample / jnp.broadcast_to(jnp.asarray(b._array()), out_shape)
    return from_array(sample.astype(d.as_numpy_dtype), d)


def poisson(
    shape: Any, lam: Any, dtype: Any = dtypes.float32, seed: Any = None, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.poisson`: shape `shape + lam.shape`."""
    d = dtypes.as_dtype(dtype)
    lm = as_tensor(lam)
    out_shape = shape_arg(shape) + lm._shape
    lv = jnp.broadcast_to(jnp.asarray(lm._array()), out_shape)
    sample = jax.random.poisson(_next_key(seed), lv, out_shape)
    return from_array(sample.astype(d.as_numpy_dtype), d)


# -- stateless ----------------------------------------------------------------------------
def _stateless_key(seed: Any, op: str) -> jax.Array:
    s = np.asarray(concrete(as_tensor(seed))).reshape(-1)
    if s.shape != (2,):
        raise kernel_error(
            "StatelessRandomGetKeyCounter", f"seed must have shape [2], not [{s.size}]"
        )
    key = jax.random.key(int(s[0]) % 2**32)
    return jax.random.fold_in(key, int(s[1]) % 2**32)


def stateless_normal(
    shape: Any,
    seed: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    name: Any = None,
    alg: str = "auto_select",
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_normal` (the same seed, the same values)."""
    d = _float_dtype(dtype, "stateless_normal")
    key = _stateless_key(seed, "StatelessRandomNormalV2")
    return _scale(
        from_array(_sampler("normal", shape_arg(shape), d.as_numpy_dtype)(key), d), mean, stddev, d
    )


def stateless_truncated_normal(
    shape: Any,
    seed: Any,
    mean: Any = 0.0,
    stddev: Any = 1.0,
    dtype: Any = dtypes.float32,
    name: Any = None,
    alg: str = "auto_select",
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_truncated_normal`."""
    d = _float_dtype(dtype, "stateless_truncated_normal")
    key = _stateless_key(seed, "StatelessTruncatedNormalV2")
    return _scale(
        from_array(_sampler("truncated_normal", shape_arg(shape), d.as_numpy_dtype)(key), d),
        mean,
        stddev,
        d,
    )


def stateless_uniform(
    shape: Any,
    seed: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = dtypes.float32,
    name: Any = None,
    alg: str = "auto_select",
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_uniform`."""
    d = dtypes.as_dtype(dtype)
    if d.is_integer and (minval is None) != (maxval is None):
        raise ValueError(
            f"For integer `dtype` argument {d!s}, argument `minval` and `maxval` must be both "
            "None or not None. "
            f"Got `minval`={minval} and `maxval`={maxval}."
        )
    if d.is_integer and minval is None:
        minval, maxval = d.min, d.max  # TF: the full range (maxval inclusive); here [min, max)
    return _uniform_from_key(
        _stateless_key(seed, "StatelessRandomUniformV2"), shape_arg(shape), minval, maxval, d
    )


def stateless_categorical(
    logits: Any, num_samples: Any, seed: Any, dtype: Any = dtypes.int64, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.random.stateless_categorical`."""
    return _categorical(
        _stateless_key(seed, "StatelessMultinomial"), as_tensor(logits), num_samples, dtype
    )


# -- Generator ------------------------------------------------------------------------------
class Generator:
    """tfcompat implementation of `tf.random.Generator`: a random stream whose state is a Variable.

    The state is an int64 Variable `[counter, key]`; every draw advances the counter, so
    two generators created `from_seed` with the same seed give the same sequence.
    """

    def __init__(self, copy_from: Any = None, state: Any = None, alg: Any = None) -> None:
        from tfcompat._core.variable import Variable

        if copy_from is not None:
            value = np.asarray(copy_from.state.numpy())
            alg = copy_from.algorithm
        elif state is not None:
            value = np.asarray(concrete(as_tensor(state)), np.int64).reshape(-1)
        else:
            raise ValueError(
                "Generator needs either `copy_from` or `state`; use Generator.from_seed."
            )
        self._alg = alg if alg is not None else 1
        if value.size == 2:  # [counter, seed] -> TF's three-element Philox layout
            value = np.asarray([value[0], 0, value[1]], np.int64)
        self._state_var = Variable(
            value.astype(np.int64), trainable=False, dtype=dtypes.int64, name="StateVar"
        )

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        """A generator seeded deterministically by `seed` (an int)."""
        s = int(concrete(as_tensor(seed)))
        return cls(state=[0, s], alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        """A generator seeded from the operating system's entropy."""
        s = int(np.random.SeedSequence().entropy % (2**62))  # type: ignore[operator]
        return cls(state=[0, s], alg=alg)

    @classmethod
    def from_state(cls, state: Any, alg: Any) -> Generator:
        return cls(state=state, alg=alg)

    @property
    def state(self) -> Any:
        """The state Variable."""
        return self._state_var

    @property
    def algorithm(self) -> Any:
        return self._alg

    @property
    def key(self) -> Tensor:
        return array_ops.getitem(self._state_var.read_value(), 2)

    def reset_from_seed(self, seed: Any) -> None:
        self._state_var.assign(np.asarray([0, 0, int(concrete(as_tensor(seed)))], np.int64))

    def _key(self) -> jax.Array:
        # Array ops only (no Python ints), so the state is threaded through tf.function.
        state = jnp.asarray(self._state_var.read_value()._array())
        self._state_var.assign(from_array(state.at[0].add(1), dtypes.int64))
        seed = state[2].astype(jnp.uint64)
        key = jax.random.key((seed & 0xFFFFFFFF).astype(jnp.uint32))
        key = jax.random.fold_in(key, (seed >> 32).astype(jnp.uint32))
        return jax.random.fold_in(key, state[0].astype(jnp.uint32))

    def normal(
        self,
        shape: Any,
        mean: Any = 0.0,
        stddev: Any = 1.0,
        dtype: Any = dtypes.float32,
        name: Any = None,
    ) -> Tensor:
        d = dtypes.as_dtype(dtype)
        m, s = _moments(mean, stddev, d)
        d = _float_dtype(d, "normal")
        return _scale(
            from_array(_sampler("normal", shape_arg(shape), d.as_numpy_dtype)(self._key()), d),
            m,
            s,
            d,
        )

    def truncated_normal(
        self,
        shape: Any,
        mean: Any = 0.0,
        stddev: Any = 1.0,
        dtype: Any = dtypes.float32,
        name: Any = None,
    ) -> Tensor:
        d = _float_dtype(dtype, "truncated_normal")
        sample = from_array(
            _sampler("truncated_normal", shape_arg(shape), d.as_numpy_dtype)(self._key()), d
        )
        return _scale(sample, mean, stddev, d)

    def uniform(
        self,
        shape: Any,
        minval: Any = 0,
        maxval: Any = None,
        dtype: Any = dtypes.float32,
        name: Any = None,
    ) -> Tensor:
        d = dtypes.as_dtype(dtype)
        if d.is_integer and maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {d!r}")
        return _uniform_from_key(self._key(), shape_arg(shape), minval, maxval, d)

    def split(self, count: int = 1) -> list[Generator]:
        """`count` new generators, each seeded from this one's stream."""
        seeds = np.asarray(jax.random.randint(self._key(), (count,), 0, _MAXINT32))
        return [Generator(state=[0, int(s)], alg=self._alg) for s in seeds]


Generator.__module__ = "tfcompat.random"

"""`tf.random`: seeded random tensors with TF's global/op seed rules.

With a global seed (`tf.random.set_seed`), each random op without an op seed draws the
next op seed from a counter, so a program's random sequence repeats after `set_seed`.
Values need not equal TF's (different generators), only the seeding behaviour.
"""

from __future__ import annotations

import threading
from typing import Any

import jax
import numpy as np

from tfcompat._api._args import as_tensor, shape_arg
from tfcompat._core import dtypes
from tfcompat._core.convert import from_array
from tfcompat._core.tensor import Tensor

__all__ = ["set_seed", "normal", "uniform"]

_DEFAULT_OP_SEED = 87654321


class _SeedState(threading.local):
    def __init__(self) -> None:
        self.global_seed: int | None = None
        self.counter = 0
        self.entropy = int(np.random.SeedSequence().entropy % (2**31))  # type: ignore[operator]


_seed = _SeedState()


def set_seed(seed: Any) -> None:
    """tfcompat implementation of `tf.random.set_seed`."""
    _seed.global_seed = None if seed is None else int(seed)
    _seed.counter = 0


def get_seed(op_seed: Any) -> tuple[Any, Any]:
    """tfcompat implementation of `tf.compat.v1.get_seed`: TF's (global, op) seed pair."""
    g = _seed.global_seed
    if g is not None:
        if op_seed is None:
            op_seed = _seed.counter
            _seed.counter += 1
        return g, int(op_seed)
    if op_seed is not None:
        return _DEFAULT_OP_SEED, int(op_seed)
    _seed.counter += 1
    return None, None


def _key(seed: Any) -> jax.Array:
    g, o = get_seed(seed)
    if g is None:
        return jax.random.fold_in(jax.random.key(_seed.entropy), _seed.counter)
    return jax.random.fold_in(jax.random.key(g), o)


_SAMPLERS: dict[Any, Any] = {}


def _sampler(kind: str, shape: tuple[int, ...], dtype: Any) -> Any:
    k = (kind, shape, dtype)
    fn = _SAMPLERS.get(k)
    if fn is None:
        if kind == "normal":
            fn = jax.jit(lambda key: jax.random.normal(key, shape, dtype))
        elif kind == "uniform":
            fn = jax.jit(lambda key: jax.random.uniform(key, shape, dtype))
        _SAMPLERS[k] = fn
    return fn


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
    sample = from_array(_sampler("normal", shape_arg(shape), d.as_numpy_dtype)(_key(seed)), d)
    if (
        isinstance(mean, (int, float))
        and isinstance(stddev, (int, float))
        and mean == 0
        and stddev == 1
    ):
        return sample
    return sample * as_tensor(stddev, d) + as_tensor(mean, d)


def uniform(
    shape: Any,
    minval: Any = 0,
    maxval: Any = None,
    dtype: Any = dtypes.float32,
    seed: Any = None,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.random.uniform` (float dtypes; ints need `maxval`)."""
    d = dtypes.as_dtype(dtype)
    s = shape_arg(shape)
    if d.is_integer:
        if maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {d!r}")
        key = _key(seed)
        lo, hi = int(as_tensor(minval).numpy()), int(as_tensor(maxval).numpy())
        return from_array(jax.random.randint(key, s, lo, hi, d.as_numpy_dtype), d)
    if maxval is None:
        maxval = 1
    sample = from_array(_sampler("uniform", s, d.as_numpy_dtype)(_key(seed)), d)
    return sample * (as_tensor(maxval, d) - as_tensor(minval, d)) + as_tensor(minval, d)

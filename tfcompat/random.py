"""`tf.random`: re-exports only."""

import types

from tfcompat._api import random_ops as _random_ops
from tfcompat._api.random_ops import (
    Algorithm,
    Generator,
    categorical,
    create_rng_state,
    gamma,
    get_global_generator,
    normal,
    poisson,
    set_global_generator,
    set_seed,
    shuffle,
    stateless_binomial,
    stateless_categorical,
    stateless_gamma,
    stateless_normal,
    stateless_poisson,
    stateless_truncated_normal,
    stateless_uniform,
    truncated_normal,
    uniform,
)
from tfcompat._api.random_ops import stateless_fold_in as fold_in
from tfcompat._api.random_ops import stateless_split as split

experimental = types.ModuleType("tfcompat.random.experimental", "`tf.random.experimental`.")
for _name, _obj in {
    "Algorithm": Algorithm,
    "Generator": Generator,
    "create_rng_state": create_rng_state,
    "get_global_generator": get_global_generator,
    "index_shuffle": _random_ops.index_shuffle,
    "set_global_generator": set_global_generator,
    "stateless_fold_in": fold_in,
    "stateless_shuffle": _random_ops.stateless_shuffle,
    "stateless_split": split,
}.items():
    setattr(experimental, _name, _obj)
del _name, _obj

__all__ = [
    "Algorithm",
    "Generator",
    "categorical",
    "create_rng_state",
    "experimental",
    "fold_in",
    "gamma",
    "get_global_generator",
    "normal",
    "poisson",
    "set_global_generator",
    "set_seed",
    "shuffle",
    "split",
    "stateless_binomial",
    "stateless_categorical",
    "stateless_gamma",
    "stateless_normal",
    "stateless_poisson",
    "stateless_truncated_normal",
    "stateless_uniform",
    "truncated_normal",
    "uniform",
]

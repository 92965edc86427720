"""`tf.data.Options` and its option groups, with TF's fields and defaults.

Options are recorded and merged as in TF (`Dataset.with_options`, `Dataset.options`).
tfcompat's pipeline has no graph rewrites, so the optimization and autotune fields have
no effect; `deterministic=False` lets a parallel `map` keep its (deterministic) order,
which TF allows.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

__all__ = [
    "AutoShardPolicy",
    "AutotuneAlgorithm",
    "AutotuneOptions",
    "DistributeOptions",
    "ExternalStatePolicy",
    "OptimizationOptions",
    "Options",
    "ServiceOptions",
    "ThreadingOptions",
]

_MODULE = "tensorflow.python.data.ops.options"


class AutoShardPolicy(enum.IntEnum):
    """tfcompat implementation of `tf.data.experimental.AutoShardPolicy`."""

    OFF = -1
    AUTO = 0
    FILE = 1
    DATA = 2
    HINT = 3


class ExternalStatePolicy(enum.Enum):
    """tfcompat implementation of `tf.data.experimental.ExternalStatePolicy`."""

    WARN = 0
    IGNORE = 1
    FAIL = 2


class AutotuneAlgorithm(enum.Enum):
    """tfcompat implementation of `tf.data.experimental.AutotuneAlgorithm`."""

    DEFAULT = 0
    HILL_CLIMB = 1
    GRADIENT_DESCENT = 2
    MAX_PARALLELISM = 3
    STAGE_BASED = 4


class _OptionsBase:
    """Fixed fields with defaults; setting an unknown field raises AttributeError, as TF."""

    _fields: ClassVar[dict[str, Any]] = {}
    _nested: ClassVar[dict[str, type[_OptionsBase]]] = {}

    def __init__(self) -> None:
        values: dict[str, Any] = dict(self._fields)
        for name, cls in self._nested.items():
            values[name] = cls()
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._values:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        if name in self._nested and not isinstance(value, self._nested[name]):
            raise TypeError(
                f"Property {name} must be of type {self._nested[name].__name__}, "
                f"but is {type(value).__name__}."
            )
        self._values[name] = value

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self._values == other._values)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = None  # type: ignore[assignment]

    def _merged(self, other: _OptionsBase) -> _OptionsBase:
        """`self` updated by the fields `other` sets (nested groups merged recursively)."""
        out = type(self)()
        for name in self._values:
            mine, theirs = self._values[name], other._values[name]
            if name in self._nested:
                out._values[name] = mine._merged(theirs)
            elif theirs != self._fields[name]:
                out._values[name] = theirs
            else:
                out._values[name] = mine
        return out


class AutotuneOptions(_OptionsBase):
    """tfcompat implementation of `tf.data.experimental.AutotuneOptions` (recorded only)."""

    _fields: ClassVar[dict[str, Any]] = {
        "autotune_algorithm": None,
        "cpu_budget": None,
        "enabled": None,
        "initial_parallelism": None,
        "min_parallelism": None,
        "ram_budget": None,
    }


class DistributeOptions(_OptionsBase):
    """tfcompat implementation of `tf.data.experimental.DistributeOptions`."""

    _fields: ClassVar[dict[str, Any]] = {
        "auto_shard_policy": AutoShardPolicy.AUTO,
        "num_devices": None,
    }


class OptimizationOptions(_OptionsBase):
    """tfcompat implementation of `tf.data.experimental.OptimizationOptions` (recorded
    only: tfcompat's pipeline has no graph rewrites)."""

    _fields: ClassVar[dict[str, Any]] = {
        "apply_default_optimizations": None,
        "filter_fusion": None,
        "filter_parallelization": None,
        "inject_prefetch": None,
        "map_and_batch_fusion": None,
        "map_and_filter_fusion": None,
        "map_fusion": None,
        "map_parallelization": None,
        "noop_elimination": None,
        "parallel_batch": None,
        "seq_interleave_prefetch": None,
        "shuffle_and_repeat_fusion": None,
    }


class ServiceOptions(_OptionsBase):
    """tfcompat implementation of `tf.data.experimental.ServiceOptions` (recorded only)."""

    _fields: ClassVar[dict[str, Any]] = {"pinned": None}


class ThreadingOptions(_OptionsBase):
    """tfcompat implementation of `tf.data.ThreadingOptions`.

    `private_threadpool_size` bounds the threads of a parallel `map` (see docs/data.md).
    """

    _fields: ClassVar[dict[str, Any]] = {
        "max_intra_op_parallelism": None,
        "private_threadpool_size": None,
    }


class Options(_OptionsBase):
    """tfcompat implementation of `tf.data.Options`."""

    _fields: ClassVar[dict[str, Any]] = {
        "dataset_name": None,
        "deterministic": None,
        "experimental_external_state_policy": None,
        "experimental_slack": None,
        "experimental_symbolic_checkpoint": None,
        "experimental_warm_start": None,
        "framework_type": None,
    }
    _nested: ClassVar[dict[str, type[_OptionsBase]]] = {
        "autotune": AutotuneOptions,
        "experimental_distribute": DistributeOptions,
        "experimental_optimization": OptimizationOptions,
        "experimental_service": ServiceOptions,
        "threading": ThreadingOptions,
    }

    # TF's deprecated aliases.
    @property
    def experimental_deterministic(self) -> Any:
        return self._values["deterministic"]

    @experimental_deterministic.setter
    def experimental_deterministic(self, value: Any) -> None:
        self._values["deterministic"] = value

    @property
    def experimental_threading(self) -> Any:
        return self._values["threading"]

    @experimental_threading.setter
    def experimental_threading(self, value: Any) -> None:
        self.threading = value

    def __setattr__(self, name: str, value: Any) -> None:
        prop = getattr(type(self), name, None)
        if isinstance(prop, property):
            assert prop.fset is not None
            prop.fset(self, value)
            return
        super().__setattr__(name, value)

    def merge(self, options: Options) -> Options:
        """`self` with the fields that `options` sets (TF's `Options.merge`)."""
        return self._merged(options)  # type: ignore[return-value]


for _cls in (
    AutoShardPolicy,
    ExternalStatePolicy,
    AutotuneAlgorithm,
    AutotuneOptions,
    DistributeOptions,
    OptimizationOptions,
    ServiceOptions,
    ThreadingOptions,
    Options,
):
    _cls.__module__ = _MODULE

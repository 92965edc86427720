"""`tf.data.experimental`."""

from __future__ import annotations

from tfcompat._core.tensor import EagerTensor
from tfcompat.data._dataset import AUTOTUNE, DatasetV2
from tfcompat.data._options import (
    AutoShardPolicy,
    AutotuneAlgorithm,
    AutotuneOptions,
    DistributeOptions,
    ExternalStatePolicy,
    OptimizationOptions,
    ServiceOptions,
    ThreadingOptions,
)

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def cardinality(dataset: DatasetV2) -> EagerTensor:
    """tfcompat implementation of `tf.data.experimental.cardinality`."""
    return dataset.cardinality()


__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "AutoShardPolicy",
    "AutotuneAlgorithm",
    "AutotuneOptions",
    "DistributeOptions",
    "ExternalStatePolicy",
    "OptimizationOptions",
    "ServiceOptions",
    "ThreadingOptions",
    "cardinality",
]

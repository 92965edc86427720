"""`tf.data.experimental`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from tfcompat.data._readers import make_csv_dataset

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


def cardinality(dataset: DatasetV2) -> EagerTensor:
    """tfcompat implementation of `tf.data.experimental.cardinality`."""
    return dataset.cardinality()


def get_single_element(dataset: DatasetV2) -> Any:
    """tfcompat implementation of `tf.data.experimental.get_single_element`."""
    return dataset.get_single_element()


# The functional forms: each returns a function for `Dataset.apply`.


def enumerate_dataset(start: Any = 0) -> Callable[[DatasetV2], DatasetV2]:
    return lambda dataset: dataset.enumerate(start)


def unbatch() -> Callable[[DatasetV2], DatasetV2]:
    return lambda dataset: dataset.unbatch()


def take_while(predicate: Callable[..., Any]) -> Callable[[DatasetV2], DatasetV2]:
    return lambda dataset: dataset.take_while(predicate)


def scan(initial_state: Any, scan_func: Callable[..., Any]) -> Callable[[DatasetV2], DatasetV2]:
    return lambda dataset: dataset.scan(initial_state, scan_func)


def group_by_window(
    key_func: Callable[..., Any],
    reduce_func: Callable[..., Any],
    window_size: Any = None,
    window_size_func: Any = None,
) -> Callable[[DatasetV2], DatasetV2]:
    return lambda dataset: dataset.group_by_window(
        key_func, reduce_func, window_size, window_size_func
    )


def bucket_by_sequence_length(
    element_length_func: Callable[..., Any],
    bucket_boundaries: Any,
    bucket_batch_sizes: Any,
    padded_shapes: Any = None,
    padding_values: Any = None,
    pad_to_bucket_boundary: bool = False,
    no_padding: bool = False,
    drop_remainder: bool = False,
) -> Callable[[DatasetV2], DatasetV2]:
    return lambda dataset: dataset.bucket_by_sequence_length(
        element_length_func,
        bucket_boundaries,
        bucket_batch_sizes,
        padded_shapes,
        padding_values,
        pad_to_bucket_boundary,
        no_padding,
        drop_remainder,
    )


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
    "bucket_by_sequence_length",
    "cardinality",
    "enumerate_dataset",
    "get_single_element",
    "group_by_window",
    "make_csv_dataset",
    "scan",
    "take_while",
    "unbatch",
]

"""`tf.ragged`: re-exports only."""

from tfcompat._composite.ragged import RaggedTensor, RaggedTensorSpec
from tfcompat._composite.ragged_ops import (
    constant,
    map_flat_values,
    range,
    row_splits_to_segment_ids,
    segment_ids_to_row_splits,
    stack,
)

__all__ = [
    "RaggedTensor",
    "RaggedTensorSpec",
    "constant",
    "map_flat_values",
    "range",
    "row_splits_to_segment_ids",
    "segment_ids_to_row_splits",
    "stack",
]

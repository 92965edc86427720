"""`tf.data`: input pipelines (see docs/data.md)."""

from tfcompat.data import experimental
from tfcompat.data._dataset import AUTOTUNE, DatasetV2
from tfcompat.data._iterator import IteratorBase, NumpyIterator
from tfcompat.data._options import Options, ThreadingOptions

Dataset = DatasetV2
Iterator = IteratorBase
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2

__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "Dataset",
    "Iterator",
    "NumpyIterator",
    "Options",
    "ThreadingOptions",
    "experimental",
]

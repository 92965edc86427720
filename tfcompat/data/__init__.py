"""`tf.data`: input pipelines (see docs/data.md)."""

from tfcompat.data import experimental
from tfcompat.data._dataset import AUTOTUNE, DatasetV2
from tfcompat.data._iterator import IteratorBase, NumpyIterator
from tfcompat.data._options import Options, ThreadingOptions
from tfcompat.data._readers import FixedLengthRecordDatasetV2 as FixedLengthRecordDataset
from tfcompat.data._readers import TextLineDatasetV2 as TextLineDataset
from tfcompat.data._readers import TFRecordDatasetV2 as TFRecordDataset
from tfcompat.data._structure import DatasetSpec

Dataset = DatasetV2
Iterator = IteratorBase
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2

__all__ = [
    "AUTOTUNE",
    "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY",
    "Dataset",
    "DatasetSpec",
    "FixedLengthRecordDataset",
    "Iterator",
    "NumpyIterator",
    "Options",
    "TFRecordDataset",
    "TextLineDataset",
    "ThreadingOptions",
    "experimental",
]

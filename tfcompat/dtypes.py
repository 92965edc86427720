"""`tf.dtypes`: re-exports only."""

from tfcompat._api.math_ops import cast  # noqa: F401
from tfcompat._core.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bfloat16,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from tfcompat._core.dtypes import bool_ as bool  # noqa: F401

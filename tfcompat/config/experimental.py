"""`tf.config.experimental`: re-exports only."""

from tfcompat._api.config_ops import (
    enable_tensor_float_32_execution,
    list_logical_devices,
    list_physical_devices,
    set_memory_growth,
    tensor_float_32_execution_enabled,
)

__all__ = [
    "enable_tensor_float_32_execution",
    "list_logical_devices",
    "list_physical_devices",
    "set_memory_growth",
    "tensor_float_32_execution_enabled",
]

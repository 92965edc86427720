"""`tf.config`: re-exports only."""

from tfcompat._api.config_ops import (
    LogicalDevice,
    PhysicalDevice,
    list_logical_devices,
    list_physical_devices,
)
from tfcompat._function_eager import (
    experimental_functions_run_eagerly,
    experimental_run_functions_eagerly,
    functions_run_eagerly,
    run_functions_eagerly,
)
from tfcompat.config import experimental

__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "experimental",
    "experimental_functions_run_eagerly",
    "experimental_run_functions_eagerly",
    "functions_run_eagerly",
    "list_logical_devices",
    "list_physical_devices",
    "run_functions_eagerly",
]

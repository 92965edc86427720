"""`tf.config`: re-exports only."""

from tfcompat._api.config_ops import (
    LogicalDevice,
    PhysicalDevice,
    list_logical_devices,
    list_physical_devices,
)
from tfcompat.config import experimental

__all__ = [
    "LogicalDevice",
    "PhysicalDevice",
    "experimental",
    "list_logical_devices",
    "list_physical_devices",
]

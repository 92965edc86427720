"""`tf.config.experimental`: re-exports only."""

from tfcompat._api.config_ops import (
    enable_tensor_float_32_execution,
    tensor_float_32_execution_enabled,
)
from tfcompat.config._devices import (
    LogicalDeviceConfiguration,
    get_logical_device_configuration,
    get_memory_growth,
    get_memory_info,
    get_visible_devices,
    list_logical_devices,
    list_physical_devices,
    reset_memory_stats,
    set_logical_device_configuration,
    set_memory_growth,
    set_visible_devices,
)

VirtualDeviceConfiguration = LogicalDeviceConfiguration
get_virtual_device_configuration = get_logical_device_configuration
set_virtual_device_configuration = set_logical_device_configuration

__all__ = [
    "VirtualDeviceConfiguration",
    "enable_tensor_float_32_execution",
    "get_memory_growth",
    "get_memory_info",
    "get_virtual_device_configuration",
    "get_visible_devices",
    "list_logical_devices",
    "list_physical_devices",
    "reset_memory_stats",
    "set_logical_device_configuration",
    "set_memory_growth",
    "set_virtual_device_configuration",
    "set_visible_devices",
    "tensor_float_32_execution_enabled",
]

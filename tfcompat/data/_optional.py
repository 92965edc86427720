"""`tf.experimental.Optional`: a value that may be absent (tf.data's optional values).

tfcompat implementation of `tf.experimental.Optional`, eager: an Optional holds a
structure of tensors or nothing. `Iterator.get_next_as_optional()` returns one.
"""

from __future__ import annotations

from typing import Any

from tfcompat._core import errors
from tfcompat._core.convert import constant

__all__ = ["Optional"]


class Optional:
    """A structure of tensors, or nothing (tfcompat implementation of
    `tf.experimental.Optional`)."""

    def __init__(self, value: Any, has_value: bool, element_spec: Any) -> None:
        self._value = value
        self._has_value = has_value
        self._element_spec = element_spec

    @staticmethod
    def from_value(value: Any) -> Optional:
        """An Optional holding `value` (a structure of tensors)."""
        from tfcompat._function import TensorSpec
        from tfcompat._util import nest
        from tfcompat.data import _structure as st

        def spec(leaf: Any) -> Any:
            t = st.to_tensor(leaf)
            return TensorSpec(t.shape, t.dtype)

        return _OptionalImpl(value, True, nest.map_structure(spec, value))

    @staticmethod
    def empty(element_spec: Any) -> Optional:
        """An Optional holding nothing, for elements of `element_spec`."""
        return _OptionalImpl(None, False, element_spec)

    def has_value(self, name: Any = None) -> Any:
        """A scalar `tf.bool` tensor: whether this Optional holds a value."""
        return constant(self._has_value)

    def get_value(self, name: Any = None) -> Any:
        """The value; `InvalidArgumentError` when the Optional is empty, as TF."""
        if not self._has_value:
            raise errors.InvalidArgumentError(
                None,
                None,
                "{{function_node __wrapped__OptionalGetValue_output_types_1_device_/job:"
                "localhost/replica:0/task:0/device:CPU:0}} The given optional does not have "
                "a value. [Op:OptionalGetValue] name: ",
            )
        return self._value

    @property
    def element_spec(self) -> Any:
        return self._element_spec


class _OptionalImpl(Optional):
    """The concrete Optional that `from_value` and `empty` return (TF's class name)."""


Optional.__module__ = _OptionalImpl.__module__ = "tensorflow.python.data.ops.optional_ops"

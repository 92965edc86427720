"""`tensorflow.python.trackable.data_structures`: the list and dict tracking wrappers."""

from tfcompat._tracking import (
    ListWrapper,
    NoDependency,
    _DictWrapper,
    sticky_attribute_assignment,
    wrap_or_unwrap,
)

__all__ = [
    "ListWrapper",
    "NoDependency",
    "_DictWrapper",
    "sticky_attribute_assignment",
    "wrap_or_unwrap",
]

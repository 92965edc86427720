"""`tf.types.experimental.TraceType`: how Python objects enter `tf.function`'s retracing key.

The built-in rules (tfcompat/_function.py `_flatten_arg`) follow TF 2.21's: tensors by shape
and dtype; variables by shape, dtype, `trainable` and aliasing (which arguments are the
same variable); Python scalars and strings by value; lists, tuples, namedtuples and
mappings by structure. This module holds the rest, TF's default for any other object:

* an object whose class defines `__tf_tracing_type__(context)` returning a `TraceType`
  is keyed by that type: a call reuses a concrete function whose type it
  `is_subtype_of`, `reduce_retracing` generalizes with `most_specific_common_supertype`,
  and the traced function sees the concrete function's type's `placeholder_value` (as
  in TF; `to_tensors`/`from_tensors` are not called);
* any other hashable object is keyed by its own equality and hash (two equal frozen
  dataclasses share a trace; plain objects compare by identity);
* an unhashable one raises TF's `TypeError` ("Could not generate a generic TraceType").
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["PlaceholderContext", "TraceType", "TracingContext", "flatten_object"]


class TraceType(metaclass=abc.ABCMeta):
    """tfcompat implementation of `tf.types.experimental.TraceType`."""

    @abc.abstractmethod
    def is_subtype_of(self, other: TraceType) -> bool:
        """Whether a value of this type can be used where `other` was traced."""

    @abc.abstractmethod
    def most_specific_common_supertype(self, others: Sequence[TraceType]) -> TraceType | None:
        """The most specific type that this one and `others` are subtypes of, or None."""

    @abc.abstractmethod
    def placeholder_value(self, placeholder_context: Any) -> Any:
        """The value the traced function sees for an argument of this type."""

    def to_tensors(self, value: Any) -> list[Any]:
        """The tensors a value of this type passes to the compiled program."""
        del value
        return []

    def from_tensors(self, tensors: Iterator[Any]) -> Any:
        """A value of this type from tensors (as many as `to_tensors` gives)."""
        del tensors
        return self.placeholder_value(PlaceholderContext())

    def flatten(self) -> list[TraceType]:
        """The trace types of the tensors `to_tensors` gives."""
        return []

    def cast(self, value: Any, cast_context: Any) -> Any:
        """`value` cast to this type (tfcompat: the value itself)."""
        del cast_context
        return value

    @abc.abstractmethod
    def __eq__(self, other: object) -> bool: ...

    @abc.abstractmethod
    def __hash__(self) -> int: ...


TraceType.__module__ = "tfcompat.types.experimental"


class TracingContext:
    """What `__tf_tracing_type__` receives (TF's `TracingContext`)."""

    __slots__ = ()


class PlaceholderContext:
    """What `placeholder_value` receives (TF's `PlaceholderContext`)."""

    __slots__ = ()


_TRACING_CONTEXT = TracingContext()
_PLACEHOLDER_CONTEXT = PlaceholderContext()


class _ByValue:
    """A hashable object in a key: equal when the objects are equal (`==` that does
    not give a bool, such as an elementwise comparison, falls back to identity)."""

    __slots__ = ("hash", "obj")

    def __init__(self, obj: Any, h: int) -> None:
        self.obj = obj
        self.hash = h

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _ByValue):
            return False
        if self.obj is other.obj:
            return True
        if type(self.obj) is not type(other.obj):
            return False
        try:
            return bool(self.obj == other.obj)
        except Exception:  # an == that is not a Python truth value
            return False

    def __hash__(self) -> int:
        return self.hash


def trace_type_of(x: Any) -> TraceType | None:
    """`x.__tf_tracing_type__(context)` when it is a `TraceType`, else None."""
    method = getattr(type(x), "__tf_tracing_type__", None)
    if method is None:
        return None
    tt = method(x, _TRACING_CONTEXT)
    return tt if isinstance(tt, TraceType) else None


def flatten_object(x: Any, key: list[Any], flatten: Any, flat: Any) -> None:
    """Key parts (and runtime tensors) for an object the built-in rules do not cover."""
    tt = trace_type_of(x)
    if tt is not None:
        key.append(("TT", tt, 0))  # 0: no key parts of its own follow
        return
    if getattr(type(x), "__hash__", None) is getattr(object, "__hash__", None):
        key.append(("O", x))  # identity
        return
    try:
        h = hash(x)
    except TypeError:
        raise TypeError(
            f"Could not generate a generic TraceType for {x!r}.Please verify that it is "
            "immutable/hashable. Otherwise, consider implementing the Tracing Protocol for it."
        ) from None
    key.append(("O", _ByValue(x, h)))


def placeholder(x: Any, types: Iterator[Any]) -> Any:
    """What the traced function sees for an object keyed by a `TraceType`: the
    `placeholder_value` of the concrete function's type (`types` yields them in key
    order; a generalized type when `reduce_retracing` relaxed the key)."""
    if trace_type_of(x) is None:
        return x
    return next(types).placeholder_value(_PLACEHOLDER_CONTEXT)


def is_subtype(a: Any, b: Any) -> bool:
    return bool(a[0] == "TT" and b[0] == "TT" and a[2] == b[2] and a[1].is_subtype_of(b[1]))


def supertype(a: Any, b: Any) -> Any:
    """TF's generalization of two trace-type key parts (None: none exists)."""
    if a[0] != "TT" or b[0] != "TT" or a[2] != b[2]:
        return None
    sup = a[1].most_specific_common_supertype([b[1]])
    return None if sup is None else ("TT", sup, a[2])

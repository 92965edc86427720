"""tfcompat implementation of `tf.types.experimental`: the tracing protocol's types."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tfcompat._function import ConcreteFunction, Function
from tfcompat._trace_types import TraceType, TracingContext

__all__ = [
    "ConcreteFunction",
    "GenericFunction",
    "PolymorphicFunction",
    "SupportsTracingProtocol",
    "TraceType",
]

PolymorphicFunction = Function
GenericFunction = Function


@runtime_checkable
class SupportsTracingProtocol(Protocol):
    """A class whose instances say how `tf.function` keys them (`__tf_tracing_type__`)."""

    def __tf_tracing_type__(self, context: TracingContext) -> TraceType: ...

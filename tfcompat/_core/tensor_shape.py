"""`tf.TensorShape` and `tf.compat.v1.Dimension` with TF 2.21's (v2) behaviour.

Dimensions are stored as `int` or `None`; indexing gives `int`/`None`, slicing gives a
`TensorShape`, and `.dims` gives `Dimension` objects, as in TF. The methods follow TF's
`tensor_shape.py` line by line, including its error messages.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["Dimension", "TensorShape", "as_dimension", "as_shape", "unknown_shape"]

_DIM_TYPE_ERROR = (
    "Dimension value must be integer or None or have an __index__ method, "
    "got value '{0!r}' with type '{1!r}'"
)
_SHAPE_TYPE_ERROR = (
    "Failed to convert '{0!r}' to a shape: '{1!r}'could not be converted to a dimension. "
    "A shape should either be single dimension (e.g. 10), or an iterable of dimensions "
    "(e.g. [1, 10, None])."
)
_TRUEDIV_ERROR = "unsupported operand type(s) for /: '{}' and '{}', please use // instead"


def _dim_value(value: Any) -> int | None:
    """The `int`/`None` value of a dimension-like `value` (TF's `as_dimension(v).value`)."""
    if type(value) is int:  # the common case
        if value < 0:
            raise ValueError(f"Dimension {value} must be >= 0")
        return value
    if type(value).__name__ == "_DimExpr":  # a dimension known only when the function runs
        return None
    return Dimension(value)._value


class Dimension:
    """tfcompat implementation of `tf.compat.v1.Dimension` (what `TensorShape.dims` holds).

    An unknown dimension compares as `None` (neither equal nor unequal), as in TF.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        if isinstance(value, int):
            if value < 0:
                raise ValueError(f"Dimension {value:d} must be >= 0")
            self._value: int | None = value
        elif value is None:
            self._value = None
        elif isinstance(value, Dimension):
            self._value = value._value
        else:
            try:
                self._value = int(value.__index__())
            except AttributeError:
                raise TypeError(_DIM_TYPE_ERROR.format(value, type(value))) from None
            if self._value < 0:
                raise ValueError(f"Dimension {self._value:d} must be >= 0")

    @property
    def value(self) -> int | None:
        return self._value

    def __repr__(self) -> str:
        return f"Dimension({self._value!r})"

    def __str__(self) -> str:
        return "?" if self._value is None else str(self._value)

    def __eq__(self, other: object) -> Any:
        try:
            o = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or o._value is None:
            return None
        return self._value == o._value

    def __ne__(self, other: object) -> Any:
        try:
            o = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or o._value is None:
            return None
        return self._value != o._value

    # TF's Dimension is unhashable (it defines __eq__ only).
    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        return bool(self._value)

    def __int__(self) -> int:
        return self._value  # type: ignore[return-value]

    def __index__(self) -> int:
        return self._value  # type: ignore[return-value]

    def is_compatible_with(self, other: Any) -> bool:
        o = as_dimension(other)
        return self._value is None or o._value is None or self._value == o._value

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Dimensions {self} and {other} are not compatible")

    def merge_with(self, other: Any) -> Dimension:
        o = as_dimension(other)
        self.assert_is_compatible_with(o)
        return Dimension(o._value if self._value is None else self._value)

    def _arith(self, other: Any, fn: Any, reverse: bool = False) -> Any:
        try:
            o = as_dimension(other)
        except (TypeError, ValueError):
            return NotImplemented
        if self._value is None or o._value is None:
            return Dimension(None)
        return Dimension(fn(o._value, self._value) if reverse else fn(self._value, o._value))

    def __add__(self, other: Any) -> Any:
        return self._arith(other, operator.add)

    def __radd__(self, other: Any) -> Any:
        return self._arith(other, operator.add)

    def __sub__(self, other: Any) -> Any:
        return self._arith(other, operator.sub)

    def __rsub__(self, other: Any) -> Any:
        return self._arith(other, operator.sub, reverse=True)

    def __mul__(self, other: Any) -> Any:
        return self._arith(other, operator.mul)

    def __rmul__(self, other: Any) -> Any:
        return self._arith(other, operator.mul)

    def __floordiv__(self, other: Any) -> Any:
        return self._arith(other, operator.floordiv)

    def __rfloordiv__(self, other: Any) -> Any:
        return self._arith(other, operator.floordiv, reverse=True)

    def __mod__(self, other: Any) -> Any:
        return self._arith(other, operator.mod)

    def __rmod__(self, other: Any) -> Any:
        return self._arith(other, operator.mod, reverse=True)

    def __truediv__(self, other: Any) -> Any:
        raise TypeError(_TRUEDIV_ERROR.format("Dimension", type(other).__name__))

    def __rtruediv__(self, other: Any) -> Any:
        raise TypeError(_TRUEDIV_ERROR.format(type(other).__name__, "Dimension"))

    def _compare(self, other: Any, fn: Any) -> bool | None:
        o = as_dimension(other)
        if self._value is None or o._value is None:
            return None
        return bool(fn(self._value, o._value))

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, operator.lt)

    def __le__(self, other: Any) -> Any:
        return self._compare(other, operator.le)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, operator.gt)

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, operator.ge)

    def __reduce__(self) -> Any:
        return Dimension, (self._value,)


def as_dimension(value: Any) -> Dimension:
    return value if isinstance(value, Dimension) else Dimension(value)


class TensorShape:
    """tfcompat implementation of `tf.TensorShape`."""

    __slots__ = ("_dims",)

    def __init__(self, dims: Any) -> None:
        self._dims: tuple[int | None, ...] | None
        if isinstance(dims, (tuple, list)):
            self._dims = tuple([_dim_value(d) for d in dims])
        elif dims is None:
            self._dims = None
        elif isinstance(dims, TensorShape):
            self._dims = dims._dims
        else:
            try:
                dims_iter = iter(dims)
            except TypeError:
                self._dims = (_dim_value(dims),)
                return
            values = []
            for d in dims_iter:
                try:
                    values.append(_dim_value(d))
                except TypeError as e:
                    raise TypeError(_SHAPE_TYPE_ERROR.format(dims, d)) from e
            self._dims = tuple(values)

    # -- accessors ------------------------------------------------------------------
    @property
    def rank(self) -> int | None:
        return None if self._dims is None else len(self._dims)

    @property
    def ndims(self) -> int | None:
        return self.rank

    @property
    def dims(self) -> list[Dimension] | None:
        return None if self._dims is None else [Dimension(d) for d in self._dims]

    def as_list(self) -> list[int | None]:
        if self._dims is None:
            raise ValueError("as_list() is not defined on an unknown TensorShape.")
        return list(self._dims)

    def num_elements(self) -> int | None:
        if not self.is_fully_defined():
            return None
        return functools.reduce(operator.mul, self._dims or (), 1)

    def is_fully_defined(self) -> bool:
        return self._dims is not None and all(d is not None for d in self._dims)

    def assert_is_fully_defined(self) -> None:
        if not self.is_fully_defined():
            raise ValueError(f"Shape {self} is not fully defined")

    # -- compatibility ----------------------------------------------------------------
    def is_compatible_with(self, other: Any) -> bool:
        o = as_shape(other)
        if self._dims is not None and o._dims is not None:
            if len(self._dims) != len(o._dims):
                return False
            for a, b in zip(self._dims, o._dims, strict=True):
                if a is not None and b is not None and a != b:
                    return False
        return True

    def assert_is_compatible_with(self, other: Any) -> None:
        if not self.is_compatible_with(other):
            raise ValueError(f"Shapes {self} and {other} are incompatible")

    def merge_with(self, other: Any) -> TensorShape:
        o = as_shape(other)
        if self._dims is None:
            return o
        if o._dims is None:
            return self
        if not self.is_compatible_with(o):
            raise ValueError(f"Shapes {self} and {o} are not compatible")
        return TensorShape(
            [b if a is None else a for a, b in zip(self._dims, o._dims, strict=True)]
        )

    def most_specific_compatible_shape(self, other: Any) -> TensorShape:
        o = as_shape(other)
        if self._dims is None or o._dims is None or len(self._dims) != len(o._dims):
            return unknown_shape()
        return TensorShape(
            [
                a if a is not None and a == b else None
                for a, b in zip(self._dims, o._dims, strict=True)
            ]
        )

    def is_subtype_of(self, other: Any) -> bool:
        if not isinstance(other, TensorShape):
            return False
        if other._dims is None:
            return True
        if self._dims is None or len(self._dims) != len(other._dims):
            return False
        return all(o is None or s == o for s, o in zip(self._dims, other._dims, strict=True))

    def most_specific_common_supertype(self, others: Sequence[Any]) -> TensorShape | None:
        if any(not isinstance(o, TensorShape) for o in others):
            return None
        if self._dims is None or any(
            o._dims is None or len(o._dims) != len(self._dims) for o in others
        ):
            return unknown_shape()
        return TensorShape(
            [d if all(d == o._dims[i] for o in others) else None for i, d in enumerate(self._dims)]
        )

    def concatenate(self, other: Any) -> TensorShape:
        o = as_shape(other)
        if self._dims is None or o._dims is None:
            return unknown_shape()
        return TensorShape(self._dims + o._dims)

    # -- rank checks ------------------------------------------------------------------
    def assert_same_rank(self, other: Any) -> None:
        o = as_shape(other)
        if self.rank is not None and o.rank is not None and self.rank != o.rank:
            raise ValueError(f"Shapes {self} and {o} must have the same rank")

    def assert_has_rank(self, rank: int) -> None:
        if self.rank not in (None, rank):
            raise ValueError(f"Shape {self} must have rank {rank:d}")

    def with_rank(self, rank: int) -> TensorShape:
        try:
            return self.merge_with(unknown_shape(rank=rank))
        except ValueError:
            raise ValueError(f"Shape {self} must have rank {rank:d}") from None

    def with_rank_at_least(self, rank: int) -> TensorShape:
        if self.rank is not None and self.rank < rank:
            raise ValueError(f"Shape {self} must have rank at least {rank:d}")
        return self

    def with_rank_at_most(self, rank: int) -> TensorShape:
        if self.rank is not None and self.rank > rank:
            raise ValueError(f"Shape {self} must have rank at most {rank:d}")
        return self

    # -- protocols ------------------------------------------------------------------
    def __len__(self) -> int:
        if self._dims is None:
            raise ValueError("Cannot take the length of shape with unknown rank.")
        return len(self._dims)

    def __bool__(self) -> bool:
        return self._dims is not None

    def __iter__(self) -> Iterator[int | None]:
        if self._dims is None:
            raise ValueError("Cannot iterate over a shape with unknown rank.")
        return iter(self._dims)

    def __getitem__(self, key: Any) -> Any:
        if self._dims is not None:
            if isinstance(key, slice):
                return TensorShape(self._dims[key])
            return self._dims[key]
        if isinstance(key, slice):
            start = key.start if key.start is not None else 0
            stop = key.stop
            if key.step is not None:
                raise ValueError("Steps are not yet handled")
            if stop is None or start < 0 or stop < 0:
                return unknown_shape()
            return unknown_shape(rank=stop - start)
        return None

    def __eq__(self, other: object) -> bool:
        try:
            o = as_shape(other)
        except TypeError:
            return NotImplemented
        return self._dims == o._dims

    def __hash__(self) -> int:
        return hash(self._dims)

    def __add__(self, other: Any) -> TensorShape:
        return self.concatenate(other)

    def __radd__(self, other: Any) -> TensorShape:
        return as_shape(other).concatenate(self)

    def __concat__(self, other: Any) -> TensorShape:
        return self.concatenate(other)

    def __reduce__(self) -> Any:
        return TensorShape, (self.dims,)

    def __repr__(self) -> str:
        if self._dims is None:
            return "TensorShape(None)"
        return f"TensorShape({list(self._dims)!r})"

    def __str__(self) -> str:
        if self._dims is None:
            return "<unknown>"
        if len(self._dims) == 1:
            return f"({self._dims[0]},)"
        return "(" + ", ".join(str(d) for d in self._dims) + ")"


def as_shape(shape: Any) -> TensorShape:
    return shape if isinstance(shape, TensorShape) else TensorShape(shape)


def unknown_shape(rank: int | None = None) -> TensorShape:
    return TensorShape(None) if rank is None else TensorShape([None] * rank)

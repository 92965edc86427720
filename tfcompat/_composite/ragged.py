"""`tf.RaggedTensor`, `tf.RaggedTensorSpec` and the `tf.ragged` namespace.

A RaggedTensor is `values` (a Tensor or another RaggedTensor) partitioned into rows by
`row_splits` (int64 by default): row `i` is `values[row_splits[i]:row_splits[i + 1]]`.
Ops on the values (elementwise math, `map_flat_values`) are ordinary recorded ops on
`flat_values`, so gradients flow through them as in TF. Ops that move rows (`gather`,
`concat`, slicing, `to_tensor`, reductions along ragged axes) compute positions from
concrete row splits on the host and move the values with recorded `gather`/`scatter`/
`unsorted_segment_*` ops.

Differences from TensorFlow:
  Ops that restructure rows need concrete row splits: inside a `tf.function` that
  receives a RaggedTensor as an argument, only ops on the values work (others raise
  `UnimplementedError`). Reductions along a ragged axis are supported for
  `ragged_rank == 1` (axis 0 or 1) and for `axis=None`.
"""

from __future__ import annotations

import builtins
from typing import Any

import jax
import numpy as np

from tfcompat._api import array_ops, math_ops
from tfcompat._composite.base import CompositeTensor, TypeSpec, register_pytree
from tfcompat._core import dtypes, errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.tensor_shape import TensorShape, as_shape

__all__ = ["RaggedTensor", "RaggedTensorSpec"]


def _host(t: Tensor) -> np.ndarray:
    arr = t._array()
    if isinstance(arr, jax.core.Tracer):
        raise errors.UnimplementedError(
            None,
            None,
            "tfcompat computes ragged row positions on the host, from concrete row splits; "
            "they are traced values here (a RaggedTensor argument of a tf.function). Use "
            "tf.ragged.map_flat_values, or call this outside the tf.function.",
        )
    return np.asarray(arr)


def _invalid(msg: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, None, msg)


class RaggedTensor(CompositeTensor):
    """tfcompat implementation of `tf.RaggedTensor`."""

    def __init__(self, values: Any, row_partition: Any, internal: bool = False) -> None:
        if not internal:
            raise ValueError(
                "RaggedTensor constructor is private; please use one of the factory methods "
                "instead (e.g., RaggedTensor.from_row_lengths())"
            )
        self._values = values
        self._row_splits: Tensor = row_partition
        # The length of every row when known to be uniform (from_tensor): a static dim.
        self._uniform: int | None = None

    # -- factories -----------------------------------------------------------------------
    @classmethod
    def _make(cls, values: Any, splits: Tensor) -> RaggedTensor:
        return cls(values, splits, internal=True)

    @classmethod
    def from_row_splits(
        cls, values: Any, row_splits: Any, name: Any = None, validate: bool = True
    ) -> RaggedTensor:
        values = _as_values(values)
        splits = _splits(row_splits)
        if validate and not isinstance(splits._array(), jax.core.Tracer):
            s = np.asarray(splits._array())
            if s.shape[0] == 0 or s[0] != 0:
                raise _invalid(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:zero\n"
                    "Condition x == y did not hold.\nFirst 1 elements of x:\n"
                    f"[{s[0] if s.shape[0] else ''}]\nFirst 1 elements of y:\n[0]"
                )
            diffs = np.diff(s)
            if np.any(diffs < 0):
                raise _invalid(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:monotonic.  "
                    "\nCondition x >= 0 did not hold element-wise:\n"
                    f"x (shape={diffs.shape} dtype=int64) = \n{[str(d) for d in diffs]}"
                )
            nvals = _nrows_of(values)
            if s[-1] != nvals:
                raise _invalid(
                    "Arguments to from_row_splits do not form a valid RaggedTensor:nvals\n"
                    f"Condition x == y did not hold.\nFirst 1 elements of x:\n[{s[-1]}]\n"
                    f"First 1 elements of y:\n[{nvals}]"
                )
        return cls._make(values, splits)

    @classmethod
    def from_row_lengths(
        cls, values: Any, row_lengths: Any, name: Any = None, validate: bool = True
    ) -> RaggedTensor:
        values = _as_values(values)
        lengths = _splits(row_lengths)
        lens = _host(lengths)
        if validate and lens.sum() != _nrows_of(values):
            raise _invalid(
                "Arguments to _from_row_partition do not form a valid RaggedTensor\n"
                "Condition x == y did not hold.\nFirst 1 elements of x:\n"
                f"[{lens.sum()}]\nFirst 1 elements of y:\n[{_nrows_of(values)}]"
            )
        splits = np.concatenate([[0], np.cumsum(lens)]).astype(lengths.dtype.as_numpy_dtype)
        return cls._make(values, convert_to_tensor(splits))

    @classmethod
    def from_row_starts(
        cls, values: Any, row_starts: Any, name: Any = None, validate: bool = True
    ) -> RaggedTensor:
        values = _as_values(values)
        starts = _splits(row_starts)
        s = np.concatenate([_host(starts), [_nrows_of(values)]]).astype(starts.dtype.as_numpy_dtype)
        return cls.from_row_splits(values, s, validate=validate)

    @classmethod
    def from_row_limits(
        cls, values: Any, row_limits: Any, name: Any = None, validate: bool = True
    ) -> RaggedTensor:
        limits = _splits(row_limits)
        s = np.concatenate([[0], _host(limits)]).astype(limits.dtype.as_numpy_dtype)
        return cls.from_row_splits(values, s, validate=validate)

    @classmethod
    def from_value_rowids(
        cls,
        values: Any,
        value_rowids: Any,
        nrows: Any = None,
        name: Any = None,
        validate: bool = True,
    ) -> RaggedTensor:
        values = _as_values(values)
        ids_t = _splits(value_rowids)
        ids = _host(ids_t)
        if validate and len(ids) and np.any(np.diff(ids) < 0):
            raise _invalid(
                "Arguments to from_value_rowids do not form a valid RaggedTensor:monotonic"
            )
        n = (int(ids[-1]) + 1 if len(ids) else 0) if nrows is None else int(nrows)
        counts = np.bincount(ids, minlength=n)[:n] if len(ids) else np.zeros(n, np.int64)
        splits = np.concatenate([[0], np.cumsum(counts)]).astype(ids_t.dtype.as_numpy_dtype)
        return cls._make(values, convert_to_tensor(splits))

    @classmethod
    def from_nested_row_splits(
        cls, flat_values: Any, nested_row_splits: Any, name: Any = None, validate: bool = True
    ) -> RaggedTensor:
        result = _as_values(flat_values)
        for splits in reversed(list(nested_row_splits)):
            result = cls.from_row_splits(result, splits, validate=validate)
        return result

    @classmethod
    def from_nested_row_lengths(
        cls, flat_values: Any, nested_row_lengths: Any, name: Any = None, validate: bool = True
    ) -> RaggedTensor:
        result = _as_values(flat_values)
        for lengths in reversed(list(nested_row_lengths)):
            result = cls.from_row_lengths(result, lengths, validate=validate)
        return result

    @classmethod
    def from_nested_value_rowids(
        cls,
        flat_values: Any,
        nested_value_rowids: Any,
        nested_nrows: Any = None,
        name: Any = None,
        validate: bool = True,
    ) -> RaggedTensor:
        ids = list(nested_value_rowids)
        nrows = [None] * len(ids) if nested_nrows is None else list(nested_nrows)
        result = _as_values(flat_values)
        for rowids, n in reversed(list(zip(ids, nrows, strict=True))):
            result = cls.from_value_rowids(result, rowids, n, validate=validate)
        return result

    @classmethod
    def from_tensor(
        cls,
        tensor: Any,
        lengths: Any = None,
        padding: Any = None,
        ragged_rank: int = 1,
        name: Any = None,
        row_splits_dtype: Any = dtypes.int64,
    ) -> RaggedTensor:
        t = convert_to_tensor(tensor)
        if lengths is not None and padding is not None:
            raise ValueError("Specify argument `lengths` or `padding`, but not both.")
        if len(t._shape) < 2:
            raise ValueError(f"tensor must have rank >= 2, got shape {t.shape}")
        if ragged_rank > 1:
            inner = cls.from_tensor(
                array_ops.reshape(t, [t._shape[0] * t._shape[1], *t._shape[2:]]),
                ragged_rank=ragged_rank - 1,
                row_splits_dtype=row_splits_dtype,
            )
            splits = np.arange(0, t._shape[0] * t._shape[1] + 1, t._shape[1])
            sdt = dtypes.as_dtype(row_splits_dtype).as_numpy_dtype
            out = cls._make(inner, convert_to_tensor(splits.astype(sdt)))
            out._uniform = t._shape[1]
            return out
        nrows, ncols = t._shape[0], t._shape[1]
        if lengths is not None:
            lens = np.minimum(np.asarray(convert_to_tensor(lengths)._array()), ncols)
        elif padding is not None:
            arr = _host(t)
            pad = np.asarray(convert_to_tensor(padding, dtype=t.dtype)._array())
            is_pad = arr == pad
            if is_pad.ndim > 2:
                is_pad = is_pad.reshape(nrows, ncols, -1).all(axis=2)
            keep = ~is_pad
            lens = np.array(
                [(np.nonzero(row)[0].max() + 1) if row.any() else 0 for row in keep], np.int64
            )
        else:
            lens = np.full(nrows, ncols, np.int64)
        pos = np.concatenate([np.arange(lens[i]) + i * ncols for i in builtins.range(nrows)])
        flat = array_ops.reshape(t, [nrows * ncols, *t._shape[2:]])
        values = take(flat, pos.astype(np.int64)) if nrows * ncols else flat
        sdt = dtypes.as_dtype(row_splits_dtype).as_numpy_dtype
        splits = np.concatenate([[0], np.cumsum(lens)]).astype(sdt)
        out = cls._make(values, convert_to_tensor(splits))
        if lengths is None and padding is None:
            out._uniform = ncols
        return out

    @classmethod
    def from_sparse(
        cls, st_input: Any, name: Any = None, row_splits_dtype: Any = dtypes.int64
    ) -> RaggedTensor:
        idx = _host(st_input.indices)
        if idx.shape[1] != 2:
            raise ValueError("rank(st_input) must be 2.")
        nrows = int(_host(st_input.dense_shape)[0])
        return cls.from_value_rowids(
            st_input.values,
            convert_to_tensor(idx[:, 0].astype(dtypes.as_dtype(row_splits_dtype).as_numpy_dtype)),
            nrows,
        )

    # -- properties ----------------------------------------------------------------------
    @property
    def values(self) -> Any:
        return self._values

    @property
    def row_splits(self) -> Tensor:
        return self._row_splits

    @property
    def flat_values(self) -> Tensor:
        v = self._values
        while isinstance(v, RaggedTensor):
            v = v._values
        return v

    @property
    def nested_row_splits(self) -> tuple[Tensor, ...]:
        out = [self._row_splits]
        v = self._values
        while isinstance(v, RaggedTensor):
            out.append(v._row_splits)
            v = v._values
        return tuple(out)

    @property
    def ragged_rank(self) -> int:
        return len(self.nested_row_splits)

    @property
    def dtype(self) -> dtypes.DType:
        return self.flat_values.dtype

    @property
    def row_splits_dtype(self) -> dtypes.DType:
        return self._row_splits.dtype

    @property
    def shape(self) -> TensorShape:
        n = self._row_splits._shape[0] - 1
        dims: list[int | None] = [n]
        v: Any = self
        while isinstance(v, RaggedTensor):
            dims.append(v._uniform)
            v = v._values
        return TensorShape(dims + list(v._shape[1:]))

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def _type_spec(self) -> RaggedTensorSpec:
        return RaggedTensorSpec(self.shape, self.dtype, self.ragged_rank, self.row_splits_dtype)

    def nrows(self, out_type: Any = None, name: Any = None) -> Tensor:
        dt = self.row_splits_dtype if out_type is None else dtypes.as_dtype(out_type)
        return constant(self._row_splits._shape[0] - 1, dt)

    def row_lengths(self, axis: int = 1, name: Any = None) -> Any:
        if axis == 0:
            return self.nrows()
        if axis == 1:
            s = self._row_splits
            return s[1:] - s[:-1]  # type: ignore[index]
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.row_lengths(axis - 1))
        raise ValueError(f"axis={axis} out of bounds: expected -{self.ragged_rank} <= axis < ...")

    def row_starts(self, name: Any = None) -> Tensor:
        return self._row_splits[:-1]  # type: ignore[index]

    def row_limits(self, name: Any = None) -> Tensor:
        return self._row_splits[1:]  # type: ignore[index]

    def value_rowids(self, name: Any = None) -> Tensor:
        s = _host(self._row_splits)
        ids = np.repeat(np.arange(len(s) - 1), np.diff(s)).astype(s.dtype)
        return convert_to_tensor(ids)

    def nested_row_lengths(self, name: Any = None) -> tuple[Tensor, ...]:
        out = []
        rt: Any = self
        while isinstance(rt, RaggedTensor):
            out.append(rt.row_lengths())
            rt = rt._values
        return tuple(out)

    def nested_value_rowids(self, name: Any = None) -> tuple[Tensor, ...]:
        out = []
        rt: Any = self
        while isinstance(rt, RaggedTensor):
            out.append(rt.value_rowids())
            rt = rt._values
        return tuple(out)

    def bounding_shape(self, axis: Any = None, name: Any = None, out_type: Any = None) -> Tensor:
        dims = _bounding(self)
        dt = self.row_splits_dtype if out_type is None else dtypes.as_dtype(out_type)
        out = np.asarray(dims, dt.as_numpy_dtype)
        if axis is not None:
            out = out[axis]
        return convert_to_tensor(out)

    def with_values(self, new_values: Any) -> RaggedTensor:
        out = RaggedTensor._make(_as_values(new_values), self._row_splits)
        out._uniform = self._uniform
        return out

    def with_flat_values(self, new_values: Any) -> RaggedTensor:
        if isinstance(self._values, RaggedTensor):
            return self.with_values(self._values.with_flat_values(new_values))
        return self.with_values(new_values)

    def with_row_splits_dtype(self, dtype: Any) -> RaggedTensor:
        dt = dtypes.as_dtype(dtype)
        values = self._values
        if isinstance(values, RaggedTensor):
            values = values.with_row_splits_dtype(dt)
        return RaggedTensor._make(values, math_ops.cast(self._row_splits, dt))

    # -- conversions ---------------------------------------------------------------------
    def to_list(self) -> list[Any]:
        s = _host(self._row_splits)
        inner: Any
        if isinstance(self._values, RaggedTensor):
            inner = self._values.to_list()
        else:
            inner = _host(self._values).tolist()
        return [inner[s[i] : s[i + 1]] for i in builtins.range(len(s) - 1)]

    def numpy(self) -> np.ndarray:
        """The values as NumPy: ragged rows in an object array (TF's layout)."""
        values = (
            self._values.numpy() if isinstance(self._values, RaggedTensor) else _host(self._values)
        )
        splits = _host(self._row_splits)
        rows = [values[splits[i] : splits[i + 1]] for i in builtins.range(len(splits) - 1)]
        if not rows:
            return np.zeros((0, 0, *values.shape[1:]), dtype=values.dtype)
        if any(len(row) != len(rows[0]) for row in rows):
            out = np.empty(len(rows), object)
            for i, r in enumerate(rows):
                out[i] = r
            return out
        return np.array(rows)

    def to_tensor(self, default_value: Any = None, name: Any = None, shape: Any = None) -> Tensor:
        dims = _bounding(self)
        if shape is not None:
            want = as_shape(shape).as_list()
            dims = [d if w is None else w for d, w in zip(dims, want, strict=False)]
        flat = self.flat_values
        positions = _positions(self)  # per flat value, its index in the dense tensor
        keep = np.all(positions < np.asarray(dims[: positions.shape[1]]), axis=1)
        base_shape = dims
        if default_value is None:
            base = array_ops.zeros(base_shape, flat.dtype)
        else:
            base = array_ops.fill(base_shape, convert_to_tensor(default_value, dtype=flat.dtype))
        if not keep.any():
            return base
        sel = np.nonzero(keep)[0].astype(np.int64)
        # A row gather of the values (even all of them): TF's gradient of to_tensor w.r.t.
        # the values is an IndexedSlices, as this gather's.
        vals = array_ops.gather(flat, sel)
        return array_ops.tensor_scatter_nd_update(base, positions[sel].astype(np.int64), vals)

    def to_sparse(self, name: Any = None) -> Any:
        from tfcompat._composite.sparse import _from_host

        if self.flat_values._shape[1:]:
            raise ValueError("to_sparse requires scalar flat values")
        return _from_host(_positions(self), self.flat_values, _bounding(self))

    def merge_dims(self, outer_axis: int, inner_axis: int) -> Any:
        rank = len(self.shape)
        outer = outer_axis % rank
        inner = inner_axis % rank
        if outer > inner:
            raise ValueError(
                f"Expected outer_axis ({outer_axis}) to be less than or equal to inner_axis "
                f"({inner_axis})"
            )
        if outer == inner:
            return self
        if outer == 0:
            values = self._values
            for _ in builtins.range(inner - 1):
                if isinstance(values, RaggedTensor):
                    values = values._values
                else:
                    break
            if isinstance(values, RaggedTensor):
                return values
            if inner > self.ragged_rank:
                flat = self.flat_values
                extra = inner - self.ragged_rank
                return array_ops.reshape(flat, [-1, *flat._shape[1 + extra :]])
            return values
        assert isinstance(self._values, RaggedTensor)
        if outer > 1:
            return self.with_values(self._values.merge_dims(outer - 1, inner - 1))
        # outer == 1: each row keeps its place; its children's rows are merged.
        splits = _host(self._row_splits)
        child = self._values.merge_dims(0, inner - 1)
        level: Any = self._values
        for _ in builtins.range(inner - 1):
            if not isinstance(level, RaggedTensor):
                break
            splits = _host(level._row_splits)[splits]
            level = level._values
        return RaggedTensor._make(child, convert_to_tensor(splits))

    # -- printing ------------------------------------------------------------------------
    def __repr__(self) -> str:
        if isinstance(self.flat_values._array(), jax.core.Tracer):
            return f"tf.RaggedTensor(values={self._values!r}, row_splits={self._row_splits!r})"
        with np.printoptions(formatter={"all": _formatter}):
            value_text = _formatter(self.numpy())
        return f"<tf.RaggedTensor {value_text}>"

    __str__ = __repr__

    def __bool__(self) -> bool:
        raise TypeError("RaggedTensor may not be used as a boolean.")

    # -- indexing ------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if not isinstance(key, tuple):
            key = (key,)
        if not key:
            return self
        first, rest = key[0], key[1:]
        if isinstance(first, Tensor):
            first = int(_host(first))
        if isinstance(first, (int, np.integer)):
            n = self._row_splits._shape[0] - 1
            i = int(first)
            if not -n <= i < n:
                raise IndexError(f"Row key {first} out of bounds")
            i %= n
            s = _host(self._row_splits)
            row = _slice_values(self._values, int(s[i]), int(s[i + 1]))
            return _index_values(row, rest)
        if isinstance(first, builtins.slice):
            s = _host(self._row_splits)
            rows = builtins.range(len(s) - 1)[first]
            if first.step not in (None, 1):
                result = _gather_rows(self, np.asarray(list(rows), np.int64))
            else:
                start, stop = (rows.start, rows.stop) if len(rows) else (0, 0)
                vals = _slice_values(
                    self._values, int(s[start]), int(s[stop] if len(rows) else s[0])
                )
                new = (s[start : stop + 1] - s[start]) if len(rows) else np.zeros(1, s.dtype)
                result = RaggedTensor._make(vals, convert_to_tensor(new.astype(s.dtype)))
            if not rest:
                return result
            return _index_inner(result, rest)
        if first is Ellipsis:
            return self.__getitem__(rest) if rest else self
        raise TypeError(f"Unsupported RaggedTensor key: {first!r}")

    # -- operators: elementwise on flat values -------------------------------------------
    def _binary(self, other: Any, fn: Any, reverse: bool = False) -> Any:
        if isinstance(other, RaggedTensor):
            _check_same_splits(self, other)
            b: Any = other.flat_values
        else:
            b = convert_to_tensor(other, dtype_hint=self.dtype)
            if b._shape:
                dense = RaggedTensor.from_tensor(array_ops.broadcast_to(b, _bounding(self)))
                del dense
                raise errors.UnimplementedError(
                    None,
                    None,
                    "tfcompat broadcasts a RaggedTensor only with scalars and RaggedTensors of "
                    "the same row partition.",
                )
        a = self.flat_values
        return self.with_flat_values(fn(b, a) if reverse else fn(a, b))

    def __add__(self, other: Any) -> Any:
        return self._binary(other, math_ops.add)

    def __radd__(self, other: Any) -> Any:
        return self._binary(other, math_ops.add, reverse=True)

    def __sub__(self, other: Any) -> Any:
        return self._binary(other, math_ops.subtract)

    def __rsub__(self, other: Any) -> Any:
        return self._binary(other, math_ops.subtract, reverse=True)

    def __mul__(self, other: Any) -> Any:
        return self._binary(other, math_ops.multiply)

    def __rmul__(self, other: Any) -> Any:
        return self._binary(other, math_ops.multiply, reverse=True)

    def __truediv__(self, other: Any) -> Any:
        return self._binary(other, math_ops.truediv)

    def __rtruediv__(self, other: Any) -> Any:
        return self._binary(other, math_ops.truediv, reverse=True)

    def __pow__(self, other: Any) -> Any:
        return self._binary(other, math_ops.pow)

    def __neg__(self) -> RaggedTensor:
        return self.with_flat_values(math_ops.negative(self.flat_values))

    def __abs__(self) -> RaggedTensor:
        return self.with_flat_values(math_ops.abs(self.flat_values))

    def __lt__(self, other: Any) -> Any:
        return self._binary(other, math_ops.less)

    def __le__(self, other: Any) -> Any:
        return self._binary(other, math_ops.less_equal)

    def __gt__(self, other: Any) -> Any:
        return self._binary(other, math_ops.greater)

    def __ge__(self, other: Any) -> Any:
        return self._binary(other, math_ops.greater_equal)

    __hash__ = None  # type: ignore[assignment]


RaggedTensor.__module__ = "tensorflow.python.ops.ragged.ragged_tensor"


class RaggedTensorSpec(TypeSpec):
    """tfcompat implementation of `tf.RaggedTensorSpec`."""

    __slots__ = ("_dtype", "_flat_values_spec", "_ragged_rank", "_row_splits_dtype", "_shape")

    def __init__(
        self,
        shape: Any = None,
        dtype: Any = dtypes.float32,
        ragged_rank: Any = None,
        row_splits_dtype: Any = dtypes.int64,
        flat_values_spec: Any = None,
    ) -> None:
        self._shape = as_shape(shape)
        self._dtype = dtypes.as_dtype(dtype)
        self._row_splits_dtype = dtypes.as_dtype(row_splits_dtype)
        rank = self._shape.rank
        if ragged_rank is None:
            if rank is None:
                raise ValueError("Must specify ragged_rank or a shape with a known rank.")
            ragged_rank = rank - 1
        self._ragged_rank = int(ragged_rank)
        self._flat_values_spec = flat_values_spec

    @property
    def value_type(self) -> type:
        return RaggedTensor

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> dtypes.DType:
        return self._dtype

    @property
    def ragged_rank(self) -> int:
        return self._ragged_rank

    @property
    def row_splits_dtype(self) -> dtypes.DType:
        return self._row_splits_dtype

    def _serialize(self) -> tuple[Any, ...]:
        return (self._shape, self._dtype, self._ragged_rank, self._row_splits_dtype)

    def __hash__(self) -> int:
        dims = None if self._shape.rank is None else tuple(self._shape.as_list())
        return hash(("RaggedTensorSpec", dims, self._dtype, self._ragged_rank))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RaggedTensorSpec) and self._serialize() == other._serialize()

    @property
    def _component_specs(self) -> list[Any]:
        return [None] * (self._ragged_rank + 1)

    def _to_components(self, value: Any) -> list[Any]:
        return [value.flat_values, *value.nested_row_splits]

    def _from_components(self, components: list[Any]) -> RaggedTensor:
        flat, *splits = (_wrap(c) for c in components)
        result: Any = flat
        for s in reversed(splits):
            result = RaggedTensor._make(result, s)
        return result

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        other = spec_or_value
        if not isinstance(other, TypeSpec):
            other = getattr(other, "_type_spec", None)
        return (
            isinstance(other, RaggedTensorSpec)
            and self._dtype.is_compatible_with(other._dtype)
            and self._shape.is_compatible_with(other._shape)
            and self._ragged_rank == other._ragged_rank
        )

    @classmethod
    def from_value(cls, value: Any) -> RaggedTensorSpec:
        return value._type_spec


RaggedTensorSpec.__module__ = "tensorflow.python.ops.ragged.ragged_tensor"


def _wrap(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return EagerTensor(x, tuple(x.shape), dtypes.as_dtype(np.dtype(x.dtype)))


register_pytree(RaggedTensor)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def take(values: Tensor, positions: Any) -> Tensor:
    """`values[positions]` along axis 0, whose gradient is dense as TF's ragged kernels'
    (a plain row gather's gradient would be an IndexedSlices)."""
    pos = convert_to_tensor(positions)
    wide = array_ops.expand_dims(values, 0)
    return array_ops.squeeze(array_ops.gather(wide, pos, axis=1), [0])


def _as_values(values: Any) -> Any:
    if isinstance(values, RaggedTensor):
        return values
    return convert_to_tensor(values)


def _splits(x: Any) -> Tensor:
    t = convert_to_tensor(x, dtype_hint=dtypes.int64)
    if t.dtype not in (dtypes.int32, dtypes.int64):
        raise ValueError(f"row partition must be int32 or int64, got {t.dtype.name}")
    return t


def _nrows_of(values: Any) -> int:
    if isinstance(values, RaggedTensor):
        return int(values._row_splits._shape[0] - 1)
    return int(values._shape[0])


def _slice_values(values: Any, start: int, stop: int) -> Any:
    if isinstance(values, RaggedTensor):
        s = _host(values._row_splits)
        inner = _slice_values(values._values, int(s[start]), int(s[stop]))
        new = (s[start : stop + 1] - s[start]).astype(s.dtype)
        return RaggedTensor._make(inner, convert_to_tensor(new))
    return values[start:stop]


def _index_values(row: Any, rest: tuple[Any, ...]) -> Any:
    if not rest:
        return row
    if isinstance(row, RaggedTensor):
        return row[rest]
    return row[rest]


def _index_inner(rt: RaggedTensor, rest: tuple[Any, ...]) -> Any:
    """`rt[:, key...]`: the key applied to every row."""
    key = rest[0]
    if isinstance(key, builtins.slice) and key == builtins.slice(None):
        if len(rest) == 1:
            return rt
        return rt.with_values(_index_inner_values(rt._values, rest[1:]))
    if isinstance(rt._values, RaggedTensor) or not isinstance(key, (int, np.integer)):
        if isinstance(key, builtins.slice) and not isinstance(rt._values, RaggedTensor):
            s = _host(rt._row_splits)
            pos, lens = [], []
            for i in builtins.range(len(s) - 1):
                sel = list(builtins.range(int(s[i]), int(s[i + 1])))[key]
                pos.extend(sel)
                lens.append(len(sel))
            vals = take(rt._values, np.asarray(pos, np.int64))
            out = RaggedTensor.from_row_lengths(vals, np.asarray(lens, np.int64))
            return _index_values(out, rest[1:]) if len(rest) > 1 else out
        raise ValueError("Cannot index into an inner ragged dimension.")
    raise ValueError("Cannot index into an inner ragged dimension.")


def _index_inner_values(values: Any, rest: tuple[Any, ...]) -> Any:
    if isinstance(values, RaggedTensor):
        return _index_inner(values, rest)
    return values[(builtins.slice(None), *rest)]


def _gather_rows(rt: RaggedTensor, rows: np.ndarray) -> RaggedTensor:
    s = _host(rt._row_splits)
    n = len(s) - 1
    bad = rows[(rows < -n) | (rows >= n)] if len(rows) else rows
    if len(bad):
        raise errors.InvalidArgumentError(
            None, None, f"indices[0] = {int(bad[0])} is not in [0, {n})"
        )
    rows = rows % builtins.max(n, 1)
    lens = (s[rows + 1] - s[rows]).astype(s.dtype)
    if isinstance(rt._values, RaggedTensor):
        pos = np.concatenate(
            [np.arange(s[r], s[r + 1]) for r in rows] or [np.zeros(0, np.int64)]
        ).astype(np.int64)
        inner = _gather_rows(rt._values, pos)
        return RaggedTensor._make(
            inner, convert_to_tensor(np.concatenate([[0], np.cumsum(lens)]).astype(s.dtype))
        )
    pos = np.concatenate(
        [np.arange(s[r], s[r + 1]) for r in rows] or [np.zeros(0, np.int64)]
    ).astype(np.int64)
    vals = array_ops.gather(rt._values, pos)  # TF's gradient: IndexedSlices, as this
    splits = np.concatenate([[0], np.cumsum(lens)]).astype(s.dtype)
    return RaggedTensor._make(vals, convert_to_tensor(splits))


def _check_same_splits(a: RaggedTensor, b: RaggedTensor) -> None:
    for x, y in zip(a.nested_row_splits, b.nested_row_splits, strict=False):
        xs, ys = _host(x), _host(y)
        if xs.shape != ys.shape:
            raise errors.InvalidArgumentError(
                None, None, f"Condition x == y did not hold.\nx: {xs}\ny: {ys}"
            )
        if np.any(xs != ys):  # TF's assert_equal text (summarize=3)
            bad = np.nonzero(xs != ys)[0][:3]
            raise errors.InvalidArgumentError(
                None,
                None,
                f"Condition x == y did not hold.\nIndices of first {len(bad)} different values:"
                f"\n{bad.reshape(-1, 1)}\nCorresponding x values:\n{xs[bad]}\n"
                f"Corresponding y values:\n{ys[bad]}\nFirst 3 elements of x:\n{xs[:3]}\n"
                f"First 3 elements of y:\n{ys[:3]}",
            )
    if a.ragged_rank != b.ragged_rank:
        raise errors.InvalidArgumentError(None, None, "RaggedTensors have different ragged ranks.")


def _bounding(rt: RaggedTensor) -> list[int]:
    dims = [int(rt._row_splits._shape[0] - 1)]
    v: Any = rt
    while isinstance(v, RaggedTensor):
        s = _host(v._row_splits)
        lens = np.diff(s)
        dims.append(int(lens.max()) if len(lens) else 0)
        v = v._values
    dims.extend(int(d) for d in v._shape[1:])
    return dims


def _positions(rt: RaggedTensor) -> np.ndarray:
    """For each element of `rt.values`'s rows: (row, position in row); recursively."""
    s = _host(rt._row_splits)
    rows = np.repeat(np.arange(len(s) - 1), np.diff(s))
    cols = np.arange(s[-1]) - s[rows] if len(rows) else np.zeros(0, np.int64)
    outer = np.stack([rows, cols], axis=1).astype(np.int64)
    if isinstance(rt._values, RaggedTensor):
        inner = _positions(rt._values)
        return np.concatenate([outer[inner[:, 0]], inner[:, 1:]], axis=1)
    return outer


def _formatter(x: Any) -> str:
    """TF's ragged repr: NumPy's text with comma separators."""
    if isinstance(x, np.ndarray):
        if x.size != 0:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)

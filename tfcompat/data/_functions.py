"""User functions of `map`, `filter`, `flat_map`...: traced once, or run eagerly.

A function given to a transformation is wrapped in a tfcompat `tf.function` over the
element's flat components, and traced when the transformation is built (as TF traces
it then), with the input's `element_spec`; its output structure and specs become the new
`element_spec`, and errors raised while tracing are raised by `map()` itself, as in TF.
Each element then costs one call of the compiled program.

A function that cannot be traced without AutoGraph (Python `if`/`while` on a tensor
value: `OperatorNotAllowedInGraphError`), or whose input holds strings (NumPy object
arrays, which XLA cannot carry), runs eagerly on each element instead: TF would
AutoGraph-convert the former and run string kernels for the latter.

Input dimensions that are unknown (`None`, e.g. after `batch`) are traced with two probe
sizes; output dimensions that differ between the probes are `None` in the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import jax
import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.hooks import HOOKS
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._core.variable import Variable
from tfcompat._engine import jax_internals
from tfcompat._function import Function, TensorSpec
from tfcompat._tape import engine
from tfcompat.data import _composites as comp
from tfcompat.data import _structure as st

__all__ = ["StructuredFunction", "isolated"]

_PROBES = (2, 3)


_trace_state_clean = jax_internals.trace_state_clean


class isolated:
    """Run pipeline code outside any tape or `tf.function` trace of the calling thread.

    Iterating a dataset inside a traced `tf.function` computes its elements concretely
    (they enter the trace as constants). Outside tapes and traces (the common case) this
    costs two checks.
    """

    __slots__ = ("_ctx", "_saved")

    def __enter__(self) -> None:
        state = engine.state
        self._saved = state.recording
        if not self._saved and _trace_state_clean():
            self._ctx = None
            return
        state.recording = []
        self._ctx = jax.ensure_compile_time_eval()
        self._ctx.__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(*exc)
            engine.state.recording = self._saved


def _call_with_element(func: Callable[..., Any], element: Any) -> Any:
    """TF's calling convention: a tuple element is unpacked into positional arguments."""
    if type(element) is tuple:
        return func(*element)
    return func(element)


def _to_tensor(x: Any) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, Variable):
        return x._tfcompat_read()
    return st.to_tensor(x)


def normalize_output(ret: Any) -> Any:
    """A function's output as a tf.data structure of tensors (a top-level list becomes a
    tuple, as TF)."""
    if isinstance(ret, list):
        ret = tuple(ret)
    leaves = st.flatten(ret)
    if any(x is None for x in leaves):
        raise TypeError(
            "Failed to convert elements of None to Tensor. Consider casting elements to a "
            "supported type."
            if len(leaves) == 1
            else "None values not supported."
        )
    return st.pack(ret, [_to_tensor(x) for x in leaves])


class _CompositeOutput(Exception):
    """A traced function returned a composite tensor (it then runs eagerly)."""


class _NotADataset(AttributeError):
    """A function that must return a dataset returned something else (TF fails with an
    AttributeError reading the dataset's attributes)."""


class StructuredFunction:
    """A user function over elements of `input_spec`, with its output `output_spec`."""

    def __init__(
        self,
        func: Callable[..., Any],
        input_spec: Any,
        transformation: str,
        *,
        trace: bool = True,
        returns_dataset: bool = False,
    ) -> None:
        self._func = func
        self._input_spec = input_spec
        self._transformation = transformation
        self._in_flat: list[TensorSpec] = st.flatten(input_spec)
        self._has_datasets = any(isinstance(s, st.DatasetSpec) for s in self._in_flat)
        self._in_dtypes = [
            None if isinstance(s, st.DatasetSpec) else s.dtype for s in self._in_flat
        ]
        self._wrappers = [st.leaf_wrapper(s) for s in self._in_flat]
        self._out_structure: Any = None
        self._out_specs: list[TensorSpec] | None = None
        self._last_specs: list[TensorSpec] = []
        self._returns_dataset = returns_dataset
        self._has_composites = any(
            not isinstance(s, (st.DatasetSpec, TensorSpec)) for s in self._in_flat
        )
        self._eager = (
            not trace
            or returns_dataset
            or self._has_datasets
            or self._has_composites
            or any(d is dtypes.string for d in self._in_dtypes)
        )
        self._function: Function | None = None
        if not self._eager:
            self._function = Function(self._body, name=getattr(func, "__name__", "fn"))
            try:
                self._out_specs = self._trace_specs()
            except (errors.OperatorNotAllowedInGraphError, _CompositeOutput):
                self._eager = True
                self._function = None
            except errors.InvalidArgumentError as exc:
                # TF reports shape errors while building the function's graph: ValueError.
                raise ValueError(exc.message) from None
        if self._eager:
            self._out_specs = self._eager_specs()

    # -- tracing --------------------------------------------------------------------------
    def _body(self, *flat: Tensor) -> tuple[Tensor, ...]:
        element = st.pack(self._input_spec, flat)
        ret = _call_with_element(self._func, element)
        if self._returns_dataset:
            # (flat_map, interleave...): the specs of the dataset the function returns
            if not hasattr(ret, "_flat_iter"):
                raise _NotADataset(
                    f"The `map_func` argument must return a `Dataset` object. Got {type(ret)!r}."
                )
            spec = ret.element_spec
            if self._out_structure is None:
                self._out_structure = spec
            self._last_specs = st.flatten(spec)
            return ()
        out = normalize_output(ret)
        flat_out = tuple(st.flatten(out))
        composite = [isinstance(t, st.CompositeTensor) for t in flat_out]
        if any(composite) and self._function is not None:
            # Composite outputs are carried as objects: the function runs eagerly.
            raise _CompositeOutput
        if self._out_structure is None:
            self._out_structure = out
        self._last_specs = [
            t._type_spec if c else TensorSpec(t._shape, t._dtype)
            for t, c in zip(flat_out, composite, strict=True)
        ]
        return flat_out

    def _probe_shapes(self, size: int) -> list[tuple[int, ...]]:
        shapes: list[tuple[int, ...]] = []
        for s in self._in_flat:
            if isinstance(s, st.DatasetSpec) or comp.is_composite(s):
                shapes.append(())
                continue
            dims = st.shape_dims(s.shape)
            if dims is None:
                raise ValueError("unknown rank")
            shapes.append(tuple(size if d is None else d for d in dims))
        return shapes

    def _has_unknown_dims(self) -> bool:
        return any(
            st.shape_dims(s.shape) is None or None in st.shape_dims(s.shape)  # type: ignore[operator]
            for s in self._in_flat
            if not isinstance(s, st.DatasetSpec)
        )

    def _trace_specs(self) -> list[TensorSpec]:
        assert self._function is not None
        probes = _PROBES if self._has_unknown_dims() else _PROBES[:1]
        traced: list[list[TensorSpec]] = []
        for size in probes:
            specs = [
                TensorSpec(sh, d)
                for sh, d in zip(self._probe_shapes(size), self._in_dtypes, strict=True)
                if d is not None
            ]
            self._last_specs = []
            with isolated():
                self._function.get_concrete_function(*specs)
            traced.append(self._last_specs)
        return _merge_probes(traced)

    def _eager_specs(self) -> list[TensorSpec] | None:
        """Output specs of an eagerly run function, from two calls on placeholder inputs
        (zeros of probe size 2, then ones of size 3; empty strings; empty datasets): output
        dims that differ are None. None when those calls fail (the specs then come from
        the first element computed)."""
        traced = []
        try:
            for fill, size in enumerate(_PROBES):  # zeros, then ones: values may set shapes
                flat: list[Any] = []
                for sh, d, spec in zip(
                    self._probe_shapes(size), self._in_dtypes, self._in_flat, strict=True
                ):
                    if comp.is_composite(spec):
                        wrap = self._wrappers[len(flat)]
                        flat.append(wrap(comp.placeholder(spec, size, fill)))
                        continue
                    if d is None:
                        assert HOOKS.empty_dataset is not None
                        flat.append(HOOKS.empty_dataset(cast(Any, spec).element_spec))
                        continue
                    if d is dtypes.string:
                        arr: Any = np.full(sh, _PROBE_STRINGS[fill], dtype=object)
                    else:
                        arr = np.full(sh, fill, dtype=d.as_numpy_dtype)
                    flat.append(EagerTensor(arr, sh, d))
                with isolated():
                    self._body(*flat)
                traced.append(self._last_specs)
        except _NotADataset as exc:
            raise AttributeError(str(exc)) from None
        except Exception:
            self._out_structure = None
            return None
        return _merge_probes(traced)

    # -- results --------------------------------------------------------------------------
    @property
    def output_structure(self) -> Any:
        """The output as a structure of TensorSpecs (None until known)."""
        if self._out_specs is None or self._out_structure is None:
            return None
        return st.pack(self._out_structure, self._out_specs)

    def set_output_from(self, flat_out: list[Any]) -> None:
        """Fix the output specs from the first computed element (eager fallback)."""
        if self._out_specs is None:
            self._out_specs = [st.spec_of_array(a) for a in flat_out]

    @property
    def is_eager(self) -> bool:
        return self._eager

    def __call__(self, flat: tuple[Any, ...]) -> list[Any]:
        """Apply to one flat element (arrays); return the flat output arrays."""
        tensors = [w(a) for w, a in zip(self._wrappers, flat, strict=True)]
        with isolated():
            outs = self._function(*tensors) if self._function is not None else self._body(*tensors)
        return [st.array_of(t) for t in outs]

    def call_python(self, flat: tuple[Any, ...]) -> Any:
        """Call the Python function eagerly on one element; return its raw result."""
        tensors = [w(a) for w, a in zip(self._wrappers, flat, strict=True)]
        element = st.pack(self._input_spec, tensors)
        with isolated():
            return _call_with_element(self._func, element)


# The string placeholders of the two probes: an empty string, then one with the usual
# separators, so that the lengths of split-like results differ between probes (and
# become None) as they would be unknown in a traced TF function.
_PROBE_STRINGS = (b"", b"0 1/2,3")


def _merge_probes(traced: list[list[TensorSpec]]) -> list[TensorSpec]:
    first = traced[0]
    out = list(first)
    for other in traced[1:]:
        out = [
            s if s == o else (st.most_specific_compatible(s, o) or s)
            for s, o in zip(out, other, strict=True)
        ]
    return out

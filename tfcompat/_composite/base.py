"""Composite tensors: Python objects made of dense component tensors, and their TypeSpecs.

A composite (`tf.SparseTensor`, `tf.RaggedTensor`, `tf.TensorArray`, `tf.IndexedSlices`)
has a `TypeSpec` that splits it into a flat list of component tensors
(`spec._to_components(value)`) and rebuilds it from them (`spec._from_components(list)`).
That is all tfcompat needs to carry composites through `tf.while_loop` traced in a
`tf.function` (each becomes its components as loop variables), through `tf.nest` with
`expand_composites=True`, through `tf.function` arguments (the spec is part of the
retracing key) and through `jax.jit` (each class is a JAX pytree of its components).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from tfcompat._core import hooks
from tfcompat._util import nest

__all__ = ["CompositeTensor", "TypeSpec", "is_composite", "register_pytree", "while_loop"]


class TypeSpec:
    """Base of the composite tensors' specs (`tf.TypeSpec`): equal specs, same trace."""

    __slots__ = ()

    @property
    def value_type(self) -> type:
        raise NotImplementedError

    def _serialize(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _to_components(self, value: Any) -> list[Any]:
        raise NotImplementedError

    def _from_components(self, components: list[Any]) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._serialize() == other._serialize()

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash((type(self).__name__, _hashable(self._serialize())))

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._serialize()!r}"

    def is_compatible_with(self, spec_or_value: Any) -> bool:
        other = spec_or_value
        if not isinstance(other, TypeSpec):
            other = getattr(other, "_type_spec", None)
        return type(other) is type(self) and self == other


def _hashable(x: Any) -> Any:
    if isinstance(x, (list, tuple)):
        return tuple(_hashable(i) for i in x)
    try:
        hash(x)
    except TypeError:
        return repr(x)
    return x


class CompositeTensor:
    """Base of the composite tensor classes: `_type_spec` splits and rebuilds them."""

    __slots__ = ()

    @property
    def _type_spec(self) -> TypeSpec:
        raise NotImplementedError


def is_composite(x: Any) -> bool:
    return isinstance(x, CompositeTensor)


def register_pytree(cls: type) -> None:
    """Make `cls` a JAX pytree whose leaves are its components' arrays or tensors."""

    def flatten(value: Any) -> tuple[list[Any], TypeSpec]:
        spec = value._type_spec
        return spec._to_components(value), spec

    def unflatten(spec: TypeSpec, leaves: Any) -> Any:
        return spec._from_components(list(leaves))

    jax.tree_util.register_pytree_node(cls, flatten, unflatten)


# --------------------------------------------------------------------------------------
# tf.nest with expand_composites
# --------------------------------------------------------------------------------------


def expand(structure: Any) -> tuple[Any, bool]:
    """`structure` with each composite replaced by a list of its components (whose class
    carries the composite's spec), and whether there was any."""
    leaves = nest.flatten(structure)
    if not any(isinstance(x, CompositeTensor) for x in leaves):
        return structure, False
    out = []
    for x in leaves:
        if isinstance(x, CompositeTensor):
            spec = x._type_spec
            out.append(_expanded_class(spec)(expand(spec._to_components(x))[0]))
        else:
            out.append(x)
    if not nest.is_nested(structure):
        return out[0], True
    return nest.pack_sequence_as(structure, out), True


class _Expanded(list[Any]):
    """A composite's components in a nested structure; subclasses carry its spec."""

    spec: TypeSpec


_EXPANDED: dict[TypeSpec, type[_Expanded]] = {}


def _expanded_class(spec: TypeSpec) -> type[_Expanded]:
    """A list class for the components of composites of `spec` (rebuilt by any container
    code that copies lists as `type(x)(items)`, as tf.nest does)."""
    cls = _EXPANDED.get(spec)
    if cls is None:
        cls = type("_Expanded", (_Expanded,), {"spec": spec})
        if len(_EXPANDED) < 4096:
            _EXPANDED[spec] = cls
    return cls


def rebuild(packed: Any) -> Any:
    """`packed` with each components list of `expand` turned back into its composite."""
    if isinstance(packed, _Expanded):
        return packed.spec._from_components([rebuild(p) for p in packed])
    if isinstance(packed, dict):
        return type(packed)((k, rebuild(v)) for k, v in packed.items())
    if isinstance(packed, tuple) and hasattr(packed, "_fields"):
        return type(packed)(*[rebuild(p) for p in packed])
    if isinstance(packed, (list, tuple)):
        items = [rebuild(p) for p in packed]
        if all(a is b for a, b in zip(items, packed, strict=True)):
            return packed
        return type(packed)(items)
    return packed


def flatten(structure: Any) -> list[Any]:
    """`tf.nest.flatten(structure, expand_composites=True)`."""
    expanded, _ = expand(structure)
    return nest.flatten(expanded)


def pack_sequence_as(structure: Any, flat_sequence: Any) -> Any:
    """`tf.nest.pack_sequence_as(structure, flat, expand_composites=True)`."""
    expanded, has = expand(structure)
    packed = nest.pack_sequence_as(expanded, list(flat_sequence))
    return rebuild(packed) if has else packed


# --------------------------------------------------------------------------------------
# tf.while_loop with composite loop variables
# --------------------------------------------------------------------------------------


def while_loop(
    loop: Callable[..., Any],
    cond: Any,
    body: Any,
    loop_vars: Any,
    maximum_iterations: Any,
    static_limit: int | None,
    probe: Callable[[Callable[[list[Any]], Any], list[Any]], Any],
) -> Any:
    """Run the traced `tf.while_loop` with each composite loop variable as its components.

    `tf.TensorArray`s become preallocated buffers: a `dynamic_size` array gets room for
    `static_limit` more elements (TF grows it on write; an XLA loop cannot).
    """
    leaves = nest.flatten(loop_vars)
    if any(getattr(x, "_tfcompat_needs_probe", lambda: False)() for x in leaves):
        _probe_shapes(body, loop_vars, leaves, probe)
    specs: list[TypeSpec | None] = []
    flat: list[Any] = []
    for x in leaves:
        if isinstance(x, CompositeTensor):
            loop_form = getattr(x, "_tfcompat_loop_form", None)
            if loop_form is not None:
                x = loop_form(static_limit)
            spec = x._type_spec
            comps = spec._to_components(x)
            specs.append(spec)
            flat.extend(comps)
        else:
            specs.append(None)
            flat.append(x)

    def unflatten(values: Any) -> Any:
        it = iter(values)
        out = []
        for spec in specs:
            if spec is None:
                out.append(next(it))
            else:
                n = len(spec._component_specs)  # type: ignore[attr-defined]
                out.append(spec._from_components([next(it) for _ in range(n)]))
        return nest.pack_sequence_as(loop_vars, out)

    def reflatten(result: Any) -> list[Any]:
        res_leaves = nest.flatten(result)
        if len(res_leaves) != len(specs):
            return list(res_leaves)  # the loop reports the structure mismatch
        out: list[Any] = []
        for spec, x in zip(specs, res_leaves, strict=True):
            if spec is None:
                out.append(x)
            else:
                if not isinstance(x, spec.value_type):
                    raise TypeError(
                        f"The body of tf.while_loop returned {type(x).__name__} where the loop "
                        f"variable is a {spec.value_type.__name__}."
                    )
                loop_form = getattr(x, "_tfcompat_loop_form", None)
                if loop_form is not None:
                    x = loop_form(None)
                out.extend(spec._to_components(x))
        return out

    def cond2(*values: Any) -> Any:
        return cond(*unflatten(values))

    def body2(*values: Any) -> Any:
        return reflatten(body(*unflatten(values)))

    result = loop(cond2, body2, flat, maximum_iterations=maximum_iterations)
    return unflatten(result)


def _probe_shapes(body: Any, loop_vars: Any, leaves: list[Any], probe: Any) -> None:
    """Trace `body` once to learn the element shapes of the TensorArrays it writes."""
    from tfcompat._core.convert import convert_to_tensor

    avals = []
    for x in leaves:
        if not isinstance(x, CompositeTensor):
            t = convert_to_tensor(x)
            avals.append((t._shape, t._dtype))
    probes = [
        getattr(x, "_tfcompat_probe", lambda x=x: x)() if isinstance(x, CompositeTensor) else None
        for x in leaves
    ]

    def run(w: list[Any]) -> Any:
        it = iter(w)
        args = [p if p is not None else next(it) for p in probes]
        body(*nest.pack_sequence_as(loop_vars, args))
        return list(w[:1])

    probe(run, avals)
    for x, p in zip(leaves, probes, strict=True):
        if p is not None and p is not x:
            x._tfcompat_learn_shape(p)


hooks.register("composite_flatten", flatten)
hooks.register("composite_pack", pack_sequence_as)

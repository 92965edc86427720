"""Concrete functions as TF prints and binds them (`str(cf)`, `pretty_printed_signature`).

A concrete function keeps a *template* of the arguments it was traced for: per parameter
(named and of the kind TF gives it), a tree of nodes mirroring the argument's structure,
whose leaves are TF's trace types: `TensorSpec` (shape from the concrete function's key, so
`None` where the key is relaxed; name from the `tf.TensorSpec` given), `VariableSpec`
(`alias_id` numbering distinct variables), `Literal[...]` for Python values, and
`Weakref[...]` for other objects. The template prints TF's "Input Parameters / Output Type
/ Captures" block and its one-line form, and binds a call to the concrete function as TF's
does: the full structured call, or (TF's "flat signature" fallback) only the tensors and
variables, in order, the Python literals then being the ones fixed at trace time.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Mapping
from typing import Any

from tfcompat._core import dtypes
from tfcompat._core.tensor import Tensor
from tfcompat._core.tensor_shape import TensorShape
from tfcompat._core.variable import Variable

__all__ = ["Template", "attach", "bind_call", "describe_output", "pretty_signature"]

_POS_ONLY = "POSITIONAL_ONLY"
_POS_OR_KW = "POSITIONAL_OR_KEYWORD"
_KW_ONLY = "KEYWORD_ONLY"
_RESOURCE_SPEC = "TensorSpec(shape=(), dtype=tf.resource, name=None)"


# --------------------------------------------------------------------------------------
# Nodes: ("T", dims|None, dtype, name) ("S", shape) ("V", shape, dtype, trainable, alias)
# ("L", value) ("seq", kind, [nodes]) ("map", kind, [(key, node)]) ("C", spec) ("O", obj)
# ("TT", trace_type, obj)
# --------------------------------------------------------------------------------------


def _shape_text(dims: Any) -> str:
    if dims is None:
        return str(TensorShape(None))
    return str(TensorShape([d if isinstance(d, int) else None for d in dims]))


def _spec_text(dims: Any, dtype: dtypes.DType, name: Any = None) -> str:
    return f"TensorSpec(shape={_shape_text(dims)}, dtype={dtype!r}, name={name!r})"


def node_text(node: tuple[Any, ...]) -> str:
    tag = node[0]
    if tag == "T":
        return _spec_text(node[1], node[2], node[3])
    if tag == "S":
        return _spec_text(node[1], dtypes.string)
    if tag == "V":
        return (
            f"VariableSpec(shape={_shape_text(node[1])}, dtype={node[2]!r}, "
            f"trainable={node[3]}, alias_id={node[4]})"
        )
    if tag == "L":
        return f"Literal[{node[1]!r}]"
    if tag == "seq":
        kind = node[1]
        items = node[2]
        if isinstance(kind, type):  # a namedtuple: its fields by name
            fields: tuple[str, ...] = kind._fields  # type: ignore[attr-defined]
            inner = ", ".join(
                f"[{f!r}, {node_text(n)}]" for f, n in zip(fields, items, strict=True)
            )
            return f"{kind.__name__}[{inner}]"
        return f"{kind}[{', '.join(node_text(n) for n in items)}]"
    if tag == "map":
        inner = ", ".join(f"[{k!r}, {node_text(n)}]" for k, n in node[2])
        return f"Dict[{inner}]"
    if tag in ("C", "TT"):
        return repr(node[1])
    # Any other object: TF keys it by a weak reference (with TF's unbalanced bracket).
    obj = node[1]
    try:
        return f"Weakref[{weakref.ref(obj)!r}])"
    except TypeError:
        return f"Literal[{obj!r}]"


class _Builder:
    """Builds nodes from argument values, taking tensor shapes from the key's parts."""

    def __init__(self, parts: Any) -> None:
        self.parts = iter(parts)
        self.aliases: dict[int, int] = {}

    def build(self, x: Any) -> tuple[Any, ...]:
        from tfcompat._function import TensorSpec

        part = next(self.parts)
        tag = part[0]
        if tag == "T":
            name = x.name if isinstance(x, TensorSpec) else None
            return ("T", part[1], part[2], name)
        if tag == "S":
            return ("S", tuple(part[1]) if part[1] is not None else None)
        if tag == "V":
            alias = self.aliases.setdefault(id(x), len(self.aliases))
            return ("V", tuple(part[1]), part[2], bool(part[3]), alias)
        if tag == "TT":  # a user TraceType, then the parts of its tensors
            for _ in range(part[2]):
                _skip(self.parts)
            return ("TT", part[1], x)
        if tag == "L":
            return ("L", part[1])
        if tag == "(":
            kind = part[1]
            if not isinstance(kind, type):
                kind = "List" if isinstance(x, list) else "Tuple"
            return ("seq", kind, [self.build(i) for i in x])
        if tag == "{":
            from tfcompat._function import _sorted_keys

            done = {k: self.build(x[k]) for k in _sorted_keys(x)}
            return ("map", type(x), [(k, done[k]) for k in x])
        if tag == "C":
            for _ in part[1]._to_components(x):
                _skip(self.parts)
            return ("C", part[1])
        return ("O", x)


def _skip(parts: Any) -> None:
    """Skip one subtree of key parts (a composite's components)."""
    part = next(parts)
    if part[0] == "TT" or part[0] == "(":
        for _ in range(part[2]):
            _skip(parts)
    elif part[0] == "{":
        for _ in part[2]:
            _skip(parts)


class Template:
    """The parameters a concrete function was traced for: (name, kind, node) each."""

    __slots__ = ("params",)

    def __init__(self, params: list[tuple[str, str, tuple[Any, ...]]]) -> None:
        self.params = params

    def line(self) -> str:
        """The parameter list of TF's one-line signature: `(a: ..., /, *, k: ...)`."""
        out: list[str] = []
        pos_only = False
        star = False
        for name, kind, node in self.params:
            if kind == _POS_ONLY:
                pos_only = True
            elif pos_only:
                out.append("/")
                pos_only = False
            if kind == _KW_ONLY and not star:
                out.append("*")
                star = True
            out.append(f"{name}: {node_text(node)}")
        if pos_only:
            out.append("/")
        return "(" + ", ".join(out) + ")"

    def leaves(self) -> list[tuple[str, tuple[Any, ...]]]:
        """TF's flat signature: tensors in order, then each distinct variable once."""
        found: list[tuple[str, tuple[Any, ...]]] = []
        var_pos: dict[int, int] = {}

        def walk(name: str, node: tuple[Any, ...]) -> None:
            tag = node[0]
            if tag == "T":
                found.append((name, node))
            elif tag == "V":
                alias = node[4]
                if alias in var_pos:  # TF names a shared variable by its last use
                    found[var_pos[alias]] = (name, node)
                else:
                    var_pos[alias] = len(found)
                    found.append((name, node))
            elif tag == "seq":
                for n in node[2]:
                    walk(name, n)
            elif tag == "map":
                for _, n in node[2]:
                    walk(name, n)

        for name, _, node in self.params:
            walk(name, node)
        return found


def attach(function: Any, cf: Any, args: Any, kwargs: Any) -> None:
    """Give a new concrete function its template (from the bound call that created it)."""
    try:
        cf._template = _template(function, cf._key, args, kwargs)
    except (StopIteration, TypeError, AttributeError, ValueError):  # a key it cannot mirror
        cf._template = None


def _template(function: Any, key: Any, args: Any, kwargs: Any) -> Template:
    sig: inspect.Signature | None = function._signature
    spec = function._input_signature
    if spec is not None:
        args, kwargs = tuple(spec), {}
    builder = _Builder(key)
    params: list[tuple[str, str, tuple[Any, ...]]] = []
    plist = list(sig.parameters.values()) if sig is not None else []
    positional = [p for p in plist if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    var_pos = next((p for p in plist if p.kind is p.VAR_POSITIONAL), None)
    has_var = var_pos is not None and spec is None
    for i, value in enumerate(args):
        if i < len(positional):
            p = positional[i]
            kind = _POS_ONLY if has_var or p.kind is p.POSITIONAL_ONLY else _POS_OR_KW
            name = p.name
        else:
            base = var_pos.name if var_pos is not None else "args"
            name, kind = f"{base}_{i - len(positional)}", _POS_ONLY
        params.append((name, kind, builder.build(value)))
    # Keywords are keyed in sorted order; TF prints the declared keyword-only parameters
    # in their order, then the others (`**kwargs`) sorted.
    built = {k: builder.build(kwargs[k]) for k in sorted(kwargs)}
    declared = [p.name for p in plist if p.kind is p.KEYWORD_ONLY and p.name in built]
    for k in declared + [k for k in sorted(built) if k not in declared]:
        params.append((k, _KW_ONLY, built[k]))
    return Template(params)


# --------------------------------------------------------------------------------------
# Outputs and captures
# --------------------------------------------------------------------------------------


def _traced(cf: Any) -> Any:
    if cf._symbolic is not None:
        return cf._symbolic.tr
    for tr in cf._instances.values():
        return tr
    return None


def describe_output(cf: Any) -> str:
    tr = _traced(cf)
    if tr is None:
        return "Literal[None]"
    from tfcompat._function import _sorted_keys

    kinds = iter(tr.out_kinds)

    def leaf() -> str:
        kind = next(kinds)
        if kind[0] == "t":
            dims, dtype = tr.out_avals[kind[1]]
            return _spec_text(_plain_dims(dims), dtype)
        if kind[0] == "c":
            t = kind[1]
            return _spec_text(_plain_dims(t._shape), t._dtype)
        return "Literal[None]"

    def render(x: Any) -> str:
        if x is None:
            return leaf()
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            inner = ", ".join(f"[{f!r}, {render(v)}]" for f, v in zip(x._fields, x, strict=True))
            return f"{type(x).__name__}[{inner}]"
        if isinstance(x, (list, tuple)):
            return (
                f"{'List' if isinstance(x, list) else 'Tuple'}[{', '.join(render(v) for v in x)}]"
            )
        if isinstance(x, Mapping):
            done = {k: render(x[k]) for k in _sorted_keys(x)}
            return "Dict[" + ", ".join(f"[{k!r}, {done[k]}]" for k in x) + "]"
        return leaf()

    if tr.out_template is None:
        return leaf() if tr.out_kinds else "Literal[None]"
    return render(tr.out_template)


def _plain_dims(shape: Any) -> Any:
    if isinstance(shape, TensorShape):
        if shape.rank is None:
            return None
        shape = shape.as_list()
    return tuple(d if isinstance(d, int) else None for d in shape)


def captures(cf: Any) -> list[str]:
    """TF's capture lines: closed-over eager tensors, then the variables the trace read."""
    tr = _traced(cf)
    if tr is None:
        return []
    lines = []
    for t in _captured_tensors(cf._function._python_function, tr):
        lines.append(f"  {id(t)}: {_spec_text(_plain_dims(t._shape), t._dtype)}")
    for var in tr.captured:
        lines.append(f"  {id(var._handle)}: {_RESOURCE_SPEC}")
    return lines


def _captured_tensors(fn: Any, tr: Any) -> list[Tensor]:
    """Eager tensors the Python function names (globals, closure cells) whose values the
    traced program holds as constants: what TF captures by reference."""
    consts = {id(c) for c in (tr.consts or ())}
    if not consts:
        return []
    fn = getattr(fn, "__func__", fn)
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    candidates: list[Any] = []
    globs = getattr(fn, "__globals__", {})
    candidates += [globs[n] for n in code.co_names if n in globs]
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            candidates.append(cell.cell_contents)
        except ValueError:
            continue
    found: list[Tensor] = []
    for c in candidates:
        if isinstance(c, Tensor) and id(c._value) in consts and all(c is not f for f in found):
            found.append(c)
    return found


# --------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------


def pretty_signature(cf: Any, verbose: bool = True) -> str:
    template: Template | None = getattr(cf, "_template", None)
    out = describe_output(cf)
    if template is None:
        params_line = str(cf.structured_input_signature)
        params_block = [f"  {params_line}"]
    else:
        params_line = template.line()
        params_block = [f"  {n} ({k}): {node_text(node)}" for n, k, node in template.params]
    if not verbose:
        return f"{params_line} -> {out}"
    caps = captures(cf) or ["  None"]
    return "\n".join(
        ["Input Parameters:", *params_block, "Output Type:", f"  {out}", "Captures:", *caps]
    )


# --------------------------------------------------------------------------------------
# Binding a call to a concrete function
# --------------------------------------------------------------------------------------


class _BindError(TypeError):
    pass


def _cast(value: Any, node: tuple[Any, ...], out: list[Any]) -> Any:
    """`value` checked against `node` (TF's `Can not cast X to Y`); the rebuilt value."""
    from tfcompat._function import TensorSpec

    tag = node[0]
    if tag in ("T", "S"):
        if isinstance(value, Variable):
            value = value._tfcompat_read()
        if not isinstance(value, Tensor):
            from tfcompat._core.convert import convert_to_tensor

            try:
                value = convert_to_tensor(value, dtype=node[2] if tag == "T" else dtypes.string)
            except (TypeError, ValueError):
                raise _BindError(f"Can not cast {value!r} to {node_text(node)}") from None
        dims = node[1]
        want = TensorSpec(
            dims if dims is None else list(dims), node[2] if tag == "T" else dtypes.string
        )
        if not want.is_compatible_with(value):
            got = _spec_text(_plain_dims(value._shape), value._dtype)
            raise _BindError(f"Can not cast {got} to {node_text(node)}")
        return value
    if tag == "V":
        if not isinstance(value, Variable):
            raise _BindError(f"Can not cast {value!r} to {node_text(node)}")
        return value
    if tag == "L":
        if type(value) is not type(node[1]) or value != node[1]:
            raise _BindError(f"Can not cast {value!r} to {node_text(node)}")
        return value
    if tag == "seq":
        kind, items = node[1], node[2]
        ok = (
            isinstance(value, kind)
            if isinstance(kind, type)
            else isinstance(value, list if kind == "List" else tuple)
        )
        if not ok or len(value) != len(items):
            raise _BindError(f"Can not cast {value!r} to {node_text(node)}")
        done = [_cast(v, n, out) for v, n in zip(value, items, strict=True)]
        if isinstance(kind, type):
            return kind(*done)
        return done if kind == "List" else tuple(done)
    if tag == "map":
        if not isinstance(value, Mapping) or set(value) != {k for k, _ in node[2]}:
            raise _BindError(f"Can not cast {value!r} to {node_text(node)}")
        return {k: _cast(value[k], n, out) for k, n in node[2]}
    return value


def bind_call(cf: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """The structured (args, kwargs) for a call to `cf`, as TF binds a concrete function:
    the full call checked against the traced types, or else only its tensors and
    variables (TF's flat signature), the Python literals being the traced ones."""
    template: Template = cf._template
    try:
        return _bind_structured(template, args, kwargs)
    except (_BindError, TypeError) as exc:
        primary = str(exc)
    try:
        return _bind_flat(cf, template, args, kwargs)
    except _BindError as exc:
        flat_error = str(exc)
    sig = f"{template.line()} -> {describe_output(cf)}"
    raise TypeError(
        f"Binding inputs to tf.function failed due to `{primary}`. Received args: {args} and "
        f"kwargs: {kwargs} for signature: {sig}.\n"
        f"Fallback to flat signature also failed due to: {flat_error}"
    )


def _bind_structured(template: Template, args: Any, kwargs: Any) -> tuple[Any, Any]:
    kwargs = dict(kwargs)
    positional = [p for p in template.params if p[1] != _KW_ONLY]
    if len(args) > len(positional):
        raise _BindError("too many positional arguments")
    # Python's binding first (arity, names), then each value against its trace type.
    values = []
    for i, (name, kind, _) in enumerate(positional):
        if i < len(args):
            values.append(args[i])
        elif kind == _POS_OR_KW and name in kwargs:
            values.append(kwargs.pop(name))
        else:
            raise _BindError(f"missing a required argument: {name!r}")
    keywords = {}
    for name, kind, _ in template.params:
        if kind != _KW_ONLY:
            continue
        if name not in kwargs:
            raise _BindError(f"missing a required argument: {name!r}")
        keywords[name] = kwargs.pop(name)
    if kwargs:
        raise _BindError(f"got an unexpected keyword argument {next(iter(kwargs))!r}")
    out: list[Any] = []
    new_args = [_cast(v, p[2], out) for v, p in zip(values, positional, strict=True)]
    new_kwargs = {
        name: _cast(keywords[name], node, out)
        for name, kind, node in template.params
        if kind == _KW_ONLY
    }
    return tuple(new_args), new_kwargs


def _bind_flat(cf: Any, template: Template, args: Any, kwargs: Any) -> tuple[Any, Any]:
    leaves = template.leaves()
    names = [n for n, _ in leaves]
    fname = cf._function._name
    head = f"{fname}({', '.join(names)})"
    if len(args) > len(leaves):
        raise _BindError(f"{head} takes {len(leaves)} positional arguments, got {len(args)}.")
    if kwargs:
        raise _BindError(f"{head} got unexpected keyword arguments: {', '.join(kwargs)}.")
    if len(args) < len(leaves):
        raise _BindError(
            f"{head} missing required arguments: {', '.join(sorted(names[len(args) :]))}."
        )
    for i, value in enumerate(args):
        if not isinstance(value, (Tensor, Variable)):
            raise _BindError(
                f"{head}: expected argument #{i}(zero-based) to be a Tensor; got "
                f"{type(value).__name__} ({value})."
            )
    for i, value in enumerate(args):
        # TF's flat calls take tensors only (a variable's resource handle, which tfcompat
        # variables do not expose): a variable parameter cannot be bound this way.
        if isinstance(value, Variable) or leaves[i][1][0] == "V":
            kind = "ResourceVariable" if isinstance(value, Variable) else "EagerTensor"
            raise _BindError(
                "provided list of inputs contains objects other than 'EagerTensor'. Item "
                f"{i} is type: {kind}"
            )
    given = {id(node): value for (_, node), value in zip(leaves, args, strict=True)}

    def fill(node: tuple[Any, ...]) -> Any:
        tag = node[0]
        if tag == "T":
            return given[id(node)]
        if tag == "L":
            return node[1]
        if tag == "seq":
            items = [fill(n) for n in node[2]]
            kind = node[1]
            if isinstance(kind, type):
                return kind(*items)
            return items if kind == "List" else tuple(items)
        if tag == "map":
            return {k: fill(n) for k, n in node[2]}
        if tag == "O":
            return node[1]
        if tag == "TT":
            return node[2]
        raise _BindError(f"{head}: an argument of type {node_text(node)} must be passed")

    new_args = tuple(fill(n) for _, k, n in template.params if k != _KW_ONLY)
    new_kwargs = {name: fill(n) for name, k, n in template.params if k == _KW_ONLY}
    out: list[Any] = []
    try:
        new_args = tuple(
            _cast(v, n, out)
            for v, (_, k, n) in zip(
                new_args, [p for p in template.params if p[1] != _KW_ONLY], strict=True
            )
        )
    except _BindError as exc:
        raise _BindError(f"{head}: {exc}") from None
    return new_args, new_kwargs


def tensor_names(cf: Any) -> list[str]:
    """The graph names of a concrete function's tensor arguments (`x`, `x_1`, ...), in
    the order the program takes them (positional, then keywords sorted; mappings by
    sorted keys)."""
    from tfcompat._function import _sorted_keys

    template: Template | None = getattr(cf, "_template", None)
    if template is None:
        return []
    used: dict[str, int] = {}
    names: list[str] = []

    def walk(name: str, node: tuple[Any, ...]) -> None:
        tag = node[0]
        if tag == "T":
            k = used.get(name, 0)
            used[name] = k + 1
            names.append(name if k == 0 else f"{name}_{k}")
        elif tag == "seq":
            for n in node[2]:
                walk(name, n)
        elif tag == "map":
            items = dict(node[2])
            for key in _sorted_keys(items):
                walk(name, items[key])

    positional = [p for p in template.params if p[1] != _KW_ONLY]
    keywords = sorted((p for p in template.params if p[1] == _KW_ONLY), key=lambda p: p[0])
    for name, _, node in positional + keywords:
        walk(name, node)
    return names

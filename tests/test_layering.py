"""The package's structure, checked by reading the source (AST), not by running it.

* Layers: every import (module level or inside a function) points down or sideways in
  `LAYERS`; a module of a listed layer never imports one of a higher layer, nor anything
  not listed (the public API, tf.function, Keras, ...), which is above them all.
* Inside the tape layer the modules import one another in one direction (`TAPE_ORDER`).
* No module assigns another module's global (`othermodule.name = ...`): a lower layer
  reaches a higher one through the named hooks of `tfcompat._core.hooks`.
* Private JAX (`jax._src`) is imported only by `tfcompat/_engine/jax_internals.py`.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tfcompat"
JAX_INTERNALS = "tfcompat/_engine/jax_internals.py"


@functools.cache
def _modules() -> dict[str, ast.Module]:
    return {
        p.relative_to(ROOT.parent).as_posix(): ast.parse(p.read_text(), str(p))
        for p in sorted(ROOT.rglob("*.py"))
    }


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import in `tree`, at any depth (function-level too)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


# Bottom first. A module belongs to the layer of the longest prefix that names it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "tfcompat._util",
            "tfcompat._tracking",
            "tfcompat._core",
            "tfcompat._engine.jax_internals",
            "tfcompat._device",  # device names and placement (imports only JAX)
        ),
    ),
    ("ops", ("tfcompat._ops",)),
    ("engine", ("tfcompat._engine", "tfcompat._tape.engine", "tfcompat._tape.cache_warning")),
    (
        "values",
        (
            "tfcompat._engine.convert",
            "tfcompat._engine.variable",
            # re-export shims of the two modules above (their old import paths)
            "tfcompat._core.convert",
            "tfcompat._core.variable",
        ),
    ),
    ("tape", ("tfcompat._tape",)),
]
TOP = len(LAYERS)  # everything not listed

# The tape layer's modules, bottom first (each imports only those before it).
TAPE_ORDER = [
    "tfcompat._tape.record",
    "tfcompat._tape.jacobian",
    "tfcompat._tape.tape",
    "tfcompat._tape.custom_gradient",
    "tfcompat._tape.forward",
    "tfcompat._tape.interop",
    "tfcompat._tape.higher_order",
]


def _module_name(path: str) -> str:
    name = path.removesuffix(".py").replace("/", ".")
    return name.removesuffix(".__init__")


def layer_of(module: str) -> int:
    best, level = -1, TOP
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > best:
                best, level = len(p), i
    return level


def _tfcompat_imports(path: str, tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of each tfcompat module `tree` imports, at any depth: `from pkg
    import name` gives `pkg.name` when that is a module, else `pkg`."""
    modules = {_module_name(p) for p in _modules()}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            full = [f"{node.module}.{a.name}" for a in node.names]
            names = [n if n in modules else node.module for n in full]
        else:
            continue
        for name in names:
            if not name.startswith("tfcompat"):
                continue
            while name not in modules and "." in name:
                name = name.rsplit(".", 1)[0]
            if (node.lineno, name) not in out:
                out.append((node.lineno, name))
    return out


def test_imports_point_down() -> None:
    offenders = []
    for path, tree in _modules().items():
        me = _module_name(path)
        mine = layer_of(me)
        if mine == TOP:
            continue
        for line, name in _tfcompat_imports(path, tree):
            if name in ("tfcompat", me) or me.startswith(name + "."):
                continue  # (a package's own __init__ on the way to a submodule)
            theirs = layer_of(name)
            if theirs > mine:
                offenders.append(
                    f"{path}:{line}: {LAYERS[mine][0]} imports {name} "
                    f"({LAYERS[theirs][0] if theirs < TOP else 'above the engine'})"
                )
    assert offenders == []


def test_tape_layer_is_one_way() -> None:
    offenders = []
    trees = _modules()
    for me in TAPE_ORDER:
        path = me.replace(".", "/") + ".py"
        for line, name in _tfcompat_imports(path, trees[path]):
            if name in TAPE_ORDER and TAPE_ORDER.index(name) >= TAPE_ORDER.index(me):
                offenders.append(f"{path}:{line}: imports {name}")
    assert offenders == []
    assert {p for p in trees if p.startswith("tfcompat/_tape/") and "__init__" not in p} == {
        m.replace(".", "/") + ".py" for m in [*TAPE_ORDER, "tfcompat._tape.engine"]
    } | {"tfcompat/_tape/cache_warning.py"}


def _module_aliases(tree: ast.AST, modules: set[str]) -> set[str]:
    """Names that the imports of `tree` bind to tfcompat modules."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("tfcompat"):
                    names.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                if f"{node.module}.{a.name}" in modules:
                    names.add(a.asname or a.name)
    return names


def test_no_module_assigns_another_modules_globals() -> None:
    trees = _modules()
    modules = {_module_name(p) for p in trees}
    offenders = []
    for path, tree in trees.items():
        aliases = _module_aliases(tree, modules)
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            for t in targets:
                if (
                    isinstance(t, ast.Attribute)
                    and isinstance(t.value, ast.Name)
                    and t.value.id in aliases
                ):
                    offenders.append(f"{path}:{node.lineno}: {t.value.id}.{t.attr} = ...")
    assert offenders == []


def test_the_checks_can_fail() -> None:
    """The helpers see what they look for (so the tests above are not vacuous)."""
    tree = ast.parse("from tfcompat._api import array_ops\narray_ops.x = 1\n")
    assert _tfcompat_imports("x.py", tree) == [(1, "tfcompat._api.array_ops")]
    assert layer_of("tfcompat._api.array_ops") == TOP
    assert layer_of("tfcompat._core.tensor") == 0
    assert layer_of("tfcompat._core.variable") == 3
    assert layer_of("tfcompat._engine.jax_internals") == 0
    assert _module_aliases(tree, {"tfcompat._api.array_ops"}) == {"array_ops"}


def test_private_jax_only_in_jax_internals() -> None:
    offenders = [
        f"{path}:{line}: {name}"
        for path, tree in _modules().items()
        if path != JAX_INTERNALS
        for line, name in _imported_names(tree)
        if name == "jax._src" or name.startswith("jax._src.")
    ]
    assert offenders == []


def test_jax_internals_names_resolve() -> None:
    """Each private name resolves on this JAX (else its documented fallback is in use)."""
    from tfcompat._engine import jax_internals as ji

    assert ji._trace_state_clean is not None
    assert ji._EvalTrace is not None
    assert ji._pe is not None
    assert ji.trace_state_clean() is True
    assert ji.is_eval_trace(ji.current_trace())
    import jax

    seen = []

    @jax.jit
    def f(x):
        seen.append((ji.trace_state_clean(), ji.is_eval_trace(ji.current_trace())))
        return x

    f(1.0)
    assert seen == [(False, False)]

"""The package's structure, checked by reading the source (AST), not by running it.

* Private JAX (`jax._src`) is imported only by `tfcompat/_engine/jax_internals.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "tfcompat"
JAX_INTERNALS = "tfcompat/_engine/jax_internals.py"


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

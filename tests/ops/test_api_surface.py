"""Every public function of the op families has TF 2.21's signature, in TF's namespaces.

Signatures are compared with `inspect.signature` (parameter names, kinds and defaults;
TF's generated-op type annotations are ignored). Known differences are data below, each
with its reason.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from test_op_coverage import NAMESPACES, public_functions

import tfcompat

# path -> why tfcompat's signature differs from TF's (empty: none known).
KNOWN_SIGNATURE_DIFFERENCES: dict[str, str] = {}

# Public classes of the op families, compared by their constructors.
CLASSES = ("IndexedSlices", "random.Generator")


def _strip(sig: inspect.Signature) -> inspect.Signature:
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return sig.replace(parameters=params, return_annotation=inspect.Signature.empty)


def _resolve(mod: Any, path: str) -> Any:
    obj = mod
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _paths() -> list[str]:
    return sorted(public_functions())


@pytest.mark.tf
@pytest.mark.parametrize("path", _paths())
def test_signature_matches_tf(tf: Any, path: str) -> None:
    ours = _resolve(tfcompat, path)
    try:
        theirs = _resolve(tf, path)
    except AttributeError:
        pytest.fail(f"tf.{path} does not exist in TF 2.21: tfcompat must not export it")
    if path in KNOWN_SIGNATURE_DIFFERENCES:
        pytest.skip(KNOWN_SIGNATURE_DIFFERENCES[path])
    assert str(_strip(inspect.signature(ours))) == str(_strip(inspect.signature(theirs)))


@pytest.mark.tf
@pytest.mark.parametrize("path", CLASSES)
def test_class_constructor_matches_tf(tf: Any, path: str) -> None:
    ours, theirs = _resolve(tfcompat, path), _resolve(tf, path)
    assert str(_strip(inspect.signature(ours.__init__))) == str(
        _strip(inspect.signature(theirs.__init__))
    )


@pytest.mark.tf
def test_namespaces_export_what_tf_exports(tf: Any) -> None:
    """A function TF exports in several namespaces is exported by tfcompat in all of them."""
    ours = public_functions()
    by_function: dict[int, set[str]] = {}
    for path, fn in ours.items():
        by_function.setdefault(id(fn), set()).add(path)
    missing = []
    for paths in by_function.values():
        name = next(iter(paths)).rsplit(".", 1)[-1]
        tf_fn = _resolve(tf, next(iter(paths)))
        for ns in NAMESPACES:
            tf_ns = _resolve(tf, ns) if ns else tf
            path = f"{ns}.{name}" if ns else name
            if getattr(tf_ns, name, None) is tf_fn and path not in paths:
                missing.append(path)
    assert not missing, f"TF exports these aliases, tfcompat does not: {sorted(missing)}"


@pytest.mark.tf
@pytest.mark.slow
def test_coverage_doc_is_current(tf: Any) -> None:
    """docs/coverage.md and README's count are regenerated with the code (tools/gen_coverage.py)."""
    import pathlib
    import sys

    root = pathlib.Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "tools"))
    try:
        import gen_coverage
    finally:
        sys.path.remove(str(root / "tools"))
    doc, line = gen_coverage.render(tf)
    assert (root / "docs" / "coverage.md").read_text() == doc, "run tools/gen_coverage.py"
    assert line in (root / "README.md").read_text(), "run tools/gen_coverage.py"

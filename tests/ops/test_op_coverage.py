"""Every registered raw op and every public function of the op families has a record."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from op_harness import make_arrays, run_forward
from op_records import EXEMPT_PUBLIC, EXEMPT_RAW_OPS, RECORDS
from records_math import resolve

import tfcompat
from tfcompat._engine import dispatch
from tfcompat._ops.registry import OPS
from tfcompat._tape import engine

# The public modules whose functions must all have records.
FAMILY_MODULES = (
    "tfcompat._api.math_ops",
    "tfcompat._api.array_ops",
    "tfcompat._api.nn_ops",
    "tfcompat._api.linalg_ops",
    "tfcompat._api.random_ops",
    "tfcompat._api.debugging_ops",
)
NAMESPACES = ("", "math", "nn", "linalg", "random", "debugging")


def public_functions() -> dict[str, Any]:
    """`path -> function` for every function the namespaces export from the op families."""
    out: dict[str, Any] = {}
    for ns in NAMESPACES:
        mod = resolve(tfcompat, ns) if ns else tfcompat
        for name in dir(mod):
            obj = getattr(mod, name)
            if (
                callable(obj)
                and getattr(obj, "__module__", "") in FAMILY_MODULES
                and not name.startswith("_")
            ):
                out[f"{ns}.{name}" if ns else name] = obj
    return out


def test_every_registered_raw_op_is_exercised_by_a_record(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[str] = set()
    real = engine.execute_op

    def spy(op: Any, inputs: Any, attrs: Any = ()) -> Any:
        seen.add(op.name)
        return real(op, inputs, attrs)

    monkeypatch.setattr(engine, "execute_op", spy)
    monkeypatch.setattr(dispatch, "execute_op", spy)  # (what `execute` calls)
    for rec in RECORDS:
        for dtype in rec.dtypes:
            run_forward(tfcompat, rec, make_arrays(rec, dtype))
    missing = sorted(set(OPS) - seen - set(EXEMPT_RAW_OPS))
    assert not missing, f"raw ops without a record that runs them: {missing}"
    stale = sorted(set(EXEMPT_RAW_OPS) & seen)
    assert not stale, f"exempt raw ops that records do run (drop the exemption): {stale}"


def test_every_public_function_has_a_record() -> None:
    covered = {id(resolve(tfcompat, rec.name)) for rec in RECORDS}
    missing = sorted(
        p
        for p, fn in public_functions().items()
        if id(fn) not in covered and p not in EXEMPT_PUBLIC
    )
    assert not missing, f"public functions without an op record: {missing}"


def test_exemptions_name_real_functions_and_tests() -> None:
    funcs = public_functions()
    for path, reason in EXEMPT_PUBLIC.items():
        assert path in funcs, f"exempt {path!r} is not a public function"
        assert reason.startswith("tests/"), f"{path}: the reason must name the test that covers it"
    for name in EXEMPT_RAW_OPS:
        assert (name in OPS and inspect.isfunction(OPS[name].fn)) or callable(OPS[name].fn)

"""The benchmark commands run end to end (tiny settings): their tables and JSON hold up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import first_step
from benchmarks import run as bench


def test_run_writes_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.json"
    argv = ["--quick", "--repeats", "3", "--workloads", "W1,R1", "--json", str(out)]
    assert bench.main([*argv, "--systems", "jax-jit,tfcompat-eager"]) == 0
    assert "| W1 | tfcompat-eager |" in capsys.readouterr().out
    report = json.loads(out.read_text())
    assert report["environment"]["jax_cpu_async_dispatch"] is False  # tfcompat imported
    rows = {(r["workload"], r["system"]): r for r in report["results"]}
    assert rows["W1", "jax-jit"]["ratio_vs_jax"] == 1.0
    assert rows["W1", "tfcompat-eager"]["status"] == "ok"
    assert rows["W1", "tfcompat-eager"]["ratio_vs_jax"] > 0
    assert rows["R1", "tfcompat-eager"]["extra"]["us_per_op"] > 0


def test_first_step_runs_each_pair_in_a_fresh_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "f.json"
    argv = ["--runs", "1", "--workloads", "W1", "--systems", "jax-jit,tfcompat-eager"]
    assert first_step.main([*argv, "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "| W1 | jax-jit |" in table and "| W1 | tfcompat-eager |" in table
    rows = json.loads(out.read_text())["results"]
    assert [r["system"] for r in rows] == ["jax-jit", "tfcompat-eager"]
    assert all(len(r["first_step_s"]) == 1 and r["median_s"] > 0 for r in rows)


def test_first_step_reports_a_failing_child() -> None:
    assert isinstance(first_step.measure("W1", "no-such-system", 1), str)


def test_phases_profile_a_step_and_restore_the_engine() -> None:
    from benchmarks import phases
    from tfcompat._tape import engine

    walk = engine.walk
    rows = {name: (calls, us) for name, calls, us in phases.profile("W2", 20)}
    assert engine.walk is walk  # uninstrumented again
    assert rows["step"][0] == rows["read"][0] == 1.0
    assert rows["(jitted call)"][0] == 1.0  # one program per step
    assert rows["walk"][0] == 2.0  # the gradient's and the read's
    assert rows["read"][1] >= rows["(jitted call)"][1] > 0

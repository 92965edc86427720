"""benchmarks/data_pipeline.py runs end to end (tiny settings)."""

from __future__ import annotations

import pytest

from benchmarks import data_pipeline


def test_data_pipeline_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert data_pipeline.main(["--quick", "--no-tf", "--rows", "512"]) == 0
    out = capsys.readouterr().out
    assert "| D1 slices.shuffle.batch | tfcompat |" in out
    assert "| D2 tf.data pipeline (prefetch) | tfcompat |" in out


def test_image_pipeline_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("PIL")
    from benchmarks import image_pipeline

    assert image_pipeline.main(["--quick", "--no-tf", "--images", "40", "--size", "16"]) == 0
    out = capsys.readouterr().out
    assert "| I1 png decode.resize.batch | tfcompat |" in out

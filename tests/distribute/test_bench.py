"""benchmarks/distribute_bench.py runs, and tfcompat's MirroredStrategy step compiles one
program for its first step and none after (compile counts, never times)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.distribute._common import ROOT

ARGS = ["--devices", "2", "--runs", "1", "--steps", "2", "--no-tf"]


def test_distribute_bench_compiles_one_program_per_step() -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    env.pop("XLA_FLAGS", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.distribute_bench", *ARGS],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "over 2 cpu devices" in proc.stdout
    for name in ("jax-sharding", "tfcompat-mirrored", "tfcompat-1device"):
        assert name in proc.stdout
    assert "tfcompat-mirrored XLA compiles: first step 1, later steps 0" in proc.stdout

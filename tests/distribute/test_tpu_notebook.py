"""notebooks/tpu_colab.py (the TPUStrategy notebook's source) runs on 4 virtual CPU
devices, and the .ipynb is generated from it."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.distribute._common import ROOT, run_script


def test_tpu_notebook_trains_on_virtual_devices() -> None:
    proc = run_script((ROOT / "notebooks" / "tpu_colab.py").read_text(encoding="utf-8"))
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "replicas: 4" in proc.stdout
    epochs = re.findall(r"epoch (\d): loss ([\d.]+) accuracy ([\d.]+)", proc.stdout)
    assert [e[0] for e in epochs] == ["0", "1", "2"]
    losses = [float(e[1]) for e in epochs]
    assert losses[0] > losses[1] > losses[2]
    assert float(epochs[-1][2]) > 0.9


def test_tpu_notebook_is_generated_from_the_script() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "notebooks" / "build_ipynb.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout

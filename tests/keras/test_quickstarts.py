"""TensorFlow's beginner and advanced quickstarts, run unchanged on TF 2.21 and on tfcompat.

The scripts (tests/keras/quickstarts/*.txt) are the tutorials' code cells as published on
tensorflow.org. `launch.py` only replaces the MNIST download with synthetic data of the
same shapes; the tfcompat side runs through `python -m tfcompat run`, so the tutorials'
`import tensorflow` is tfcompat. Weights are initialized randomly and the beginner model
has Dropout, so the two sides' numbers differ: the printed text is compared with numbers
and timings masked, and both must learn the (easy) synthetic task.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.keras.kerasrun import ROOT, needs_keras_fit

pytestmark = needs_keras_fit

HERE = Path(__file__).parent / "quickstarts"


def _run(side: str, script: str, tmp_path: Path) -> str:
    if side == "tf":
        pytest.importorskip("tensorflow")
        cmd = [sys.executable, str(HERE / "launch.py"), str(HERE / script)]
    else:
        cmd = [sys.executable, "-m", "tfcompat", "run", str(HERE / "launch.py"), str(HERE / script)]
    env = dict(os.environ)
    env.update({"TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"})
    env.pop("KERAS_BACKEND", None)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env=env, cwd=str(tmp_path)
    )
    assert proc.returncode == 0, f"{side} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _mask(text: str) -> str:
    text = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?(:\d+)?(s|ms|us)?(/step)?", "N", text)
    return "\n".join(
        re.sub(r"\s+", " ", line).strip() for line in text.splitlines() if line.strip()
    )


def _masked(out: str) -> str:
    """The printed text with colors, numbers and timings masked. `fit`'s progress bar is
    rewritten in place as steps finish (how often depends on timing): of each epoch's bar
    only the final state is kept."""
    out = re.sub(r"\x1b\[[0-9;]*m", "", out).replace("\r", "\n").replace("\x08", "")
    parts = re.split(r"(Epoch \d+/\d+)", out)
    kept = [_mask(parts[0])]
    for header, body in zip(parts[1::2], parts[2::2], strict=True):
        steps = list(re.finditer(r"\d+/\d+ ━+.*?loss: [\d.]+", body))
        assert steps, body
        kept += [_mask(header), _mask(steps[-1].group(0)), _mask(body[steps[-1].end() :])]
    return "\n".join(k for k in kept if k)


def _numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"\d+\.\d+", line)]


def test_beginner_quickstart_runs_unchanged(tmp_path: Path) -> None:
    got = _run("tfcompat", "beginner.txt", tmp_path)
    want = _run("tf", "beginner.txt", tmp_path)
    assert _masked(got) == _masked(want)
    # model.evaluate(x_test, y_test, verbose=2): "4/4 - 0s - 5ms/step - accuracy: A - loss: L"
    final = [line for line in got.splitlines() if "accuracy:" in line][-1]
    assert float(re.search(r"accuracy: ([\d.]+)", final).group(1)) > 0.9


def test_advanced_quickstart_runs_unchanged(tmp_path: Path) -> None:
    got = _run("tfcompat", "advanced.txt", tmp_path)
    want = _run("tf", "advanced.txt", tmp_path)
    assert _masked(got) == _masked(want)
    last = next(line for line in got.splitlines() if line.startswith("Epoch 5"))
    # Epoch 5, Loss: L, Accuracy: A, Test Loss: TL, Test Accuracy: TA
    assert _numbers(last)[3] > 90.0

"""The seed notebook (`notebooks/autodiff_tape_notebook.py`) under tfcompat and under TF.

The script prints each cell's header (`# In [N]:`) and what Jupyter shows for it. It runs
in a subprocess on tfcompat and, when TensorFlow is installed, on TensorFlow
(`TFCOMPAT_NOTEBOOK_BACKEND=tensorflow`). Cells without random values must print exactly
the same text, random weights included (tfcompat draws TF's Philox values). Without
TensorFlow, the cells are compared with TF 2.21's output recorded below.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "notebooks" / "autodiff_tape_notebook.py"

# Cells that print values derived from tf.random.normal: none any more, since tfcompat
# draws TF's Philox values (they are recorded in TF_DETERMINISTIC below).
RANDOM_CELLS: set[int] = set()

# TF 2.21's output for the deterministic cells (from TFCOMPAT_NOTEBOOK_BACKEND=tensorflow).
TF_DETERMINISTIC = {
    1: "",
    8: "",
    9: "<tf.Tensor: shape=(), dtype=float32, numpy=9.0>",
    10: "<tf.Tensor: shape=(), dtype=float32, numpy=6.0>",
    11: "np.float32(6.0)",
    14: "<tf.Variable 'b:0' shape=(2,) dtype=float32, numpy=array([0., 0.], dtype=float32)>",
    20: "<tf.Variable 'x0:0' shape=() dtype=float32, numpy=3.0>",
    21: "<tf.Variable 'x1:0' shape=() dtype=float32, numpy=3.0>",
    22: "<tf.Tensor: shape=(), dtype=float32, numpy=3.0>",
    23: "<tf.Tensor: shape=(), dtype=float32, numpy=3.0>",
    24: "tf.Tensor(6.0, shape=(), dtype=float32)\nNone\nNone\nNone",
    25: "(<tf.Variable 'x0:0' shape=() dtype=float32, numpy=3.0>,)",
    # cells with tf.random.normal weights (tf.random.set_seed(0)): TF's Philox values
    13: (
        "<tf.Variable 'w:0' shape=(3, 2) dtype=float32, numpy=\narray([[ 1.51106"
        "26 ,  0.42292204],\n       [-0.41969493, -1.0360372 ],\n       [-1.23682"
        "79 ,  0.47027302]], dtype=float32)>"
    ),
    15: "<tf.Tensor: shape=(), dtype=float32, numpy=4.6455864906311035>",
    16: (
        "<tf.Tensor: shape=(1, 2), dtype=float32, numpy=array([[-3.0388107 , -0"
        ".23833334]], dtype=float32)>"
    ),
    18: (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([-3.0388107 , -0.23"
        "833334], dtype=float32)>"
    ),
    19: (
        "{'w': <tf.Tensor: shape=(3, 2), dtype=float32, numpy=\n array([[-3.0388"
        "107 , -0.23833334],\n        [-6.0776215 , -0.4766667 ],\n        [-9.11"
        "6432  , -0.71500003]], dtype=float32)>,\n 'b': <tf.Tensor: shape=(2,), "
        "dtype=float32, numpy=array([-3.0388107 , -0.23833334], dtype=float32)>"
        "}"
    ),
    26: "",
    27: (
        "[<tf.Tensor: shape=(3, 2), dtype=float32, numpy=\n array([[-3.0388107 ,"
        " -0.23833334],\n        [-6.0776215 , -0.4766667 ],\n        [-9.116432 "
        " , -0.71500003]], dtype=float32)>,\n <tf.Tensor: shape=(2,), dtype=floa"
        "t32, numpy=array([-3.0388107 , -0.23833334], dtype=float32)>]"
    ),
    28: (
        "(<tf.Variable 'w:0' shape=(3, 2) dtype=float32, numpy=\n array([[ 1.511"
        "0626 ,  0.42292204],\n        [-0.41969493, -1.0360372 ],\n        [-1.2"
        "368279 ,  0.47027302]], dtype=float32)>,\n <tf.Variable 'b:0' shape=(2,"
        ") dtype=float32, numpy=array([0., 0.], dtype=float32)>)"
    ),
}

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?")


def run_notebook(backend: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TFCOMPAT_NOTEBOOK_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def cells(stdout: str) -> dict[int, str]:
    """Cell number -> the text it printed (without its header line)."""
    lines: dict[int, list[str]] = {}
    current: list[str] = []
    for line in stdout.splitlines():
        m = re.fullmatch(r"# In \[(\d+)\]:", line)
        if m:
            current = lines.setdefault(int(m.group(1)), [])
        else:
            current.append(line)
    return {k: "\n".join(v).strip("\n") for k, v in lines.items()}


def mask(text: str) -> str:
    """Numbers replaced by `#`, without the spaces NumPy pads them with."""
    return re.sub(r" *# *", "#", _NUMBER.sub("#", text))


@pytest.fixture(scope="module")
def tfcompat_cells() -> dict[int, str]:
    result = run_notebook("tfcompat")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return cells(result.stdout)


def test_notebook_runs_every_cell(tfcompat_cells: dict[int, str]) -> None:
    assert sorted(tfcompat_cells) == sorted(RANDOM_CELLS | set(TF_DETERMINISTIC))


@pytest.mark.parametrize("cell", sorted(TF_DETERMINISTIC))
def test_deterministic_cell_matches_recorded_tf(tfcompat_cells: dict[int, str], cell: int) -> None:
    assert tfcompat_cells[cell] == TF_DETERMINISTIC[cell]


@pytest.fixture(scope="module")
def tensorflow_cells() -> dict[int, str]:
    pytest.importorskip("tensorflow")
    result = run_notebook("tensorflow")
    assert result.returncode == 0, result.stderr
    return cells(result.stdout)


@pytest.mark.tf
def test_same_cells_as_tensorflow(
    tfcompat_cells: dict[int, str], tensorflow_cells: dict[int, str]
) -> None:
    assert sorted(tfcompat_cells) == sorted(tensorflow_cells)


@pytest.mark.tf
@pytest.mark.parametrize("cell", sorted(RANDOM_CELLS | set(TF_DETERMINISTIC)))
def test_cell_matches_tensorflow(
    tfcompat_cells: dict[int, str], tensorflow_cells: dict[int, str], cell: int
) -> None:
    ours, theirs = tfcompat_cells[cell], tensorflow_cells[cell]
    if cell in RANDOM_CELLS:
        assert mask(ours) == mask(theirs)
        assert ours.count("\n") == theirs.count("\n")
    else:
        assert ours == theirs


def test_mask_keeps_structure() -> None:
    a = "array([[ 1.5110626 ,  0.42292204],\n       [-0.41969493, -1.0360372 ]], dtype=float32)"
    b = "array([[ 1.0040143, -0.9063372],\n       [-0.7481722, -1.1713669]], dtype=float32)"
    assert mask(a) == mask(b)
    assert mask("shape=(3, 2)") != mask("shape=(3,)")
    assert mask("numpy=9.0>") != mask("numpy=array([9.])>")


def test_cells_parser() -> None:
    text = "# In [1]:\n# In [9]:\n<a>\n# In [24]:\nx\nNone\n"
    assert cells(text) == {1: "", 9: "<a>", 24: "x\nNone"}

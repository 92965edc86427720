"""Unchanged TensorFlow code on tfcompat: `tfcompat run`, the pytest plugin, `%load_ext`,
`tfcompat check`, `tf.test.TestCase`, and the errors for TF names tfcompat lacks.

The fixture project `tests/dropin_project/` is written as a TensorFlow user writes code
(`import tensorflow as tf` throughout). Each program runs in a subprocess on tfcompat and,
where TensorFlow is installed (marker `tf`), on TensorFlow, and the outputs are compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tfcompat
from tfcompat import _cli
from tfcompat._tf_api import UnsupportedAPIError

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "tests" / "dropin_project"


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **env)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, *args],
        cwd=PROJECT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _ok(args: list[str], **env: str) -> str:
    proc = _run(args, **env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


TRAIN_OUTPUT = "2.21.0\nw=3.011 b=1.977\ntf.Tensor(6.0, shape=(), dtype=float32)\n"
PKG_OUTPUT = "tf.Tensor([[2.]], shape=(1, 1), dtype=float32)\n"


def test_run_script_with_arguments() -> None:
    assert _ok(["-m", "tfcompat", "run", "train.py", "50"]) == TRAIN_OUTPUT


def test_run_module() -> None:
    assert _ok(["-m", "tfcompat", "run", "-m", "pkg"]) == PKG_OUTPUT


@pytest.mark.tf
def test_fixture_programs_print_the_same_under_tensorflow() -> None:
    assert _ok(["train.py", "50"]) == TRAIN_OUTPUT
    assert _ok(["-m", "pkg"]) == PKG_OUTPUT


def _notebook_outputs(path: Path) -> list[list[str]]:
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    return [
        [o.get("text") or o.get("data", {}).get("text/plain", "") for o in cell.outputs]
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


NOTEBOOK_OUTPUTS = [
    [],
    ["<tf.Tensor: shape=(), dtype=float32, numpy=12.0>"],
    ["tf.Tensor(5, shape=(), dtype=int32)\n"],
]


def test_run_notebook_in_a_kernel(tmp_path: Path) -> None:
    out = tmp_path / "executed.ipynb"
    _ok(["-m", "tfcompat", "run", "notebook.ipynb", "--output", str(out)])
    assert _notebook_outputs(out) == NOTEBOOK_OUTPUTS


@pytest.mark.tf
def test_notebook_outputs_equal_tensorflow(tmp_path: Path) -> None:
    out = tmp_path / "executed.ipynb"
    code = (
        "import nbclient, nbformat, sys\n"
        "nb = nbformat.read('notebook.ipynb', as_version=4)\n"
        "nbclient.NotebookClient(nb, kernel_name='python3').execute()\n"
        "nbformat.write(nb, sys.argv[1])\n"
    )
    _ok(["-c", code, str(out)])
    assert _notebook_outputs(out) == NOTEBOOK_OUTPUTS


def test_failing_notebook_cell_exits_nonzero(tmp_path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("import tensorflow as tf\ntf.saved_model")]
    path = tmp_path / "bad.ipynb"
    nbformat.write(notebook, str(path))
    proc = _run(["-m", "tfcompat", "run", str(path)])
    assert proc.returncode == 1
    assert "UnsupportedAPIError" in proc.stderr and "tf.saved_model" in proc.stderr


SUITE_SUMMARY = "9 passed, 1 skipped"


def test_suite_runs_unchanged_with_the_pytest_plugin() -> None:
    out = _ok(["-m", "pytest", "-p", "tfcompat.pytest_plugin", "suite", "-p", "no:cacheprovider"])
    assert "tfcompat 0.1.0: `import tensorflow` is tfcompat (following TensorFlow 2.21.0)" in out
    assert SUITE_SUMMARY in out.splitlines()[-1]


@pytest.mark.tf
def test_suite_passes_under_tensorflow() -> None:
    out = _ok(["-m", "pytest", "suite", "-p", "no:cacheprovider"])
    assert SUITE_SUMMARY in out.splitlines()[-1]


def test_seed_notebook_runs_unchanged_as_tensorflow_code() -> None:
    from test_notebook import TF_DETERMINISTIC, cells

    script = str(ROOT / "notebooks" / "autodiff_tape_notebook.py")
    out = _ok(["-m", "tfcompat", "run", script], TFCOMPAT_NOTEBOOK_BACKEND="tensorflow")
    shown = cells(out)
    assert {n: shown[n] for n in TF_DETERMINISTIC} == TF_DETERMINISTIC


def test_alias_pth_line_installs_the_alias_when_the_switch_is_set() -> None:
    code = _cli.PTH_LINE + "import tensorflow\nprint(tensorflow.__name__)\n"
    assert _ok(["-c", code], TFCOMPAT_ALIAS="1") == "tfcompat\n"
    code = _cli.PTH_LINE + "import sys\nprint('tensorflow' in sys.modules)\n"
    assert _ok(["-c", code], TFCOMPAT_ALIAS="0") == "False\n"


# -- tfcompat check ------------------------------------------------------------------

CHECK_REPORT = """\
notebook.ipynb:cell2:2  tf.math              supported
notebook.ipynb:cell3:1  tf.Variable          supported
notebook.ipynb:cell3:2  tf.GradientTape      supported
notebook.ipynb:cell4:1  tf.constant          supported
notebook.ipynb:cell4:1  tf.math.reduce_max   supported
pkg/__main__.py:5       tf.constant          supported
pkg/__main__.py:5       tf.ones              supported
pkg/layers.py:4         tf.nn                supported
pkg/layers.py:8         tf.matmul            supported
pkg/layers.py:8         tf.nn.relu           supported
saves_model.py:3        tf.Module            supported
saves_model.py:4        tf.saved_model.save  missing
suite/test_ops.py:8     tf.test.TestCase     supported
suite/test_ops.py:10    tf.Variable          supported
suite/test_ops.py:11    tf.GradientTape      supported
suite/test_ops.py:16    tf.int32             supported
suite/test_ops.py:16    tf.zeros             supported
suite/test_ops.py:22    tf.constant          supported
suite/test_ops.py:30    tf.constant          supported
suite/test_ops.py:34    tf.square            supported
suite/test_ops.py:36    tf.float32           supported
suite/test_ops.py:36    tf.float64           supported
suite/test_ops.py:38    tf.cast              supported
suite/test_ops.py:42    tf.test.main         supported
train.py:8              tf.Variable          supported
train.py:9              tf.Variable          supported
train.py:10             tf.constant          supported
train.py:14             tf.GradientTape      supported
train.py:15             tf.reduce_mean       supported
train.py:15             tf.square            supported
train.py:20             tf.__version__       supported
train.py:22             tf.math.reduce_sum   supported

32 uses: 1 missing, 31 supported
"""


def test_check_reports_every_name_with_file_and_line() -> None:
    proc = _run(["-m", "tfcompat", "check", "."])
    assert proc.stdout == CHECK_REPORT
    assert proc.returncode == 1  # something is missing


def test_check_exits_zero_when_everything_is_supported() -> None:
    proc = _run(["-m", "tfcompat", "check", "train.py", "pkg", "--json"])
    assert proc.returncode == 0
    report = json.loads(proc.stdout)
    assert {
        "file": "pkg/layers.py",
        "line": 8,
        "name": "tf.nn.relu",
        "status": "supported",
        "note": "",
    } in report
    assert {r["status"] for r in report} == {"supported"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import tensorflow as tf\ntf.math.abs(1)", [(2, "math.abs")]),
        ("import tensorflow\ntensorflow.nn.relu", [(2, "nn.relu")]),
        (
            "from tensorflow import keras as k\nk.layers.Dense",
            [(1, "keras"), (2, "keras.layers.Dense")],
        ),
        (
            "from tensorflow.keras import layers\nlayers.Dense(3)",
            [(1, "keras.layers"), (2, "keras.layers.Dense")],
        ),
        (
            "import tensorflow.experimental.numpy as tnp\ntnp.ones(2)",
            [(1, "experimental.numpy"), (2, "experimental.numpy.ones")],
        ),
        ("import numpy as np\nnp.ones(2)", []),
        ("import tensorflow as tf\ntf.constant(1.0).numpy()", [(2, "constant")]),
    ],
)
def test_scanner_resolves_names_through_imports(source: str, expected: Any) -> None:
    from tfcompat._check import scan_source

    assert scan_source(source) == expected


def test_check_statuses() -> None:
    from tfcompat._check import status_of

    assert status_of("float32.max") == ("float32", "supported", "")
    assert status_of("saved_model") == ("saved_model", "missing", "")
    assert status_of("no_such_thing")[1] == "unknown"


# -- names tfcompat lacks ------------------------------------------------------------


def test_unsupported_tf_name_is_an_attribute_error_that_names_it() -> None:
    with pytest.raises(UnsupportedAPIError, match=r"^tf\.saved_model is part of TensorFlow"):
        _ = tfcompat.saved_model
    assert issubclass(UnsupportedAPIError, AttributeError)
    assert not hasattr(tfcompat, "lite")
    assert not hasattr(tfcompat.config.experimental, "enable_op_determinism")
    with pytest.raises(UnsupportedAPIError, match="tfcompat check"):
        _ = tfcompat.math.bessel_i0


def test_unknown_name_gets_tensorflows_error(real_tf: Any) -> None:
    for module, name in ((tfcompat, "nonexistent"), (tfcompat.math, "nonexistent")):
        theirs = real_tf if module is tfcompat else real_tf.math
        with pytest.raises(AttributeError) as ours_exc:
            getattr(module, name)
        with pytest.raises(AttributeError) as tf_exc:
            getattr(theirs, name)
        assert type(ours_exc.value) is AttributeError
        assert str(ours_exc.value) == str(tf_exc.value)


def test_tf_api_list_is_current(real_tf: Any) -> None:
    # In a fresh interpreter: TF's lazily loaded namespaces depend on what ran before.
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_tf_api_names.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- tf.test.TestCase ------------------------------------------------------------------


class _Case(tfcompat.test.TestCase):
    __test__ = False  # a TestCase to call assertions on, not tests to collect

    def runTest(self) -> None:
        pass


def test_testcase_assertions_fail_on_bad_values() -> None:
    case = _Case()
    with pytest.raises(AssertionError):
        case.assertAllClose(tfcompat.constant([1.0, 2.0]), [1.0, 2.1])
    with pytest.raises(AssertionError):
        case.assertAllEqual(tfcompat.constant([1, 2]), [1, 3])
    with pytest.raises(AssertionError):
        case.assertAllClose([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(AssertionError):
        case.assertAllGreater(tfcompat.constant([1.0, 0.0]), 0.5)
    with pytest.raises(AssertionError):
        case.assertDTypeEqual(tfcompat.constant([1.0]), "float64")
    with pytest.raises(AssertionError), case.assertRaisesOpError("x"):
        pass  # nothing raised
    case.assertAllClose(tfcompat.constant(1.0, tfcompat.float16), 1.0005)  # half tolerance
    case.assertNotAllClose([1.0], [2.0])


def test_colab_notebook_runs_in_a_kernel_with_the_extension(tmp_path: Path) -> None:
    """The seed's .ipynb (its first cell: `%load_ext tfcompat`) in a real Jupyter kernel."""
    from test_notebook import TF_DETERMINISTIC

    out = tmp_path / "executed.ipynb"
    notebook = ROOT / "notebooks" / "autodiff_tape_notebook.ipynb"
    proc = subprocess.run(
        [sys.executable, "-c", _EXECUTE_PLAIN, str(notebook), str(out)],
        cwd=ROOT,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    outputs = _notebook_outputs(out)
    shown = [text for cell in outputs for text in cell]
    # every one-line display TF 2.21 shows for the seed appears among the cells' outputs
    expected = {v for v in TF_DETERMINISTIC.values() if v and "\n" not in v}
    assert expected <= {s.strip() for s in shown}
    assert outputs[-1] == ["tfcompat\n"]  # the test's own last cell: which tensorflow ran


# Runs a notebook in a plain kernel: only the notebook's own `%load_ext tfcompat` aliases.
_EXECUTE_PLAIN = (
    "import nbclient, nbformat, sys\n"
    "nb = nbformat.read(sys.argv[1], as_version=4)\n"
    "nb.cells.append(nbformat.v4.new_code_cell('import tensorflow; print(tensorflow.__name__)'))\n"
    "nbclient.NotebookClient(nb, kernel_name='python3', timeout=600).execute()\n"
    "nbformat.write(nb, sys.argv[2])\n"
)

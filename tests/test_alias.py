"""`tfcompat.alias`: `import tensorflow` resolves to tfcompat, and is undone cleanly.

Each case runs in a fresh interpreter: the alias changes `sys.modules`, and the test
process itself imports the real TensorFlow for the conformance tests.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _ok(code: str) -> str:
    proc = _run(code)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_tensorflow_is_tfcompat_under_every_spelling() -> None:
    out = _ok(
        """
        import tfcompat, tfcompat.alias
        tfcompat.alias.install()
        import tensorflow as tf
        import tensorflow.random
        from tensorflow import random as r
        import tensorflow.config.experimental as e
        assert tf is tfcompat and tensorflow.random is tfcompat.random is r
        assert e is tfcompat.config.experimental
        assert tfcompat.__spec__.name == "tfcompat"  # the alias keeps tfcompat's own spec
        print(tf.constant([1.0, 2.0]) * 2)
        """
    )
    assert out == "tf.Tensor([2. 4.], shape=(2,), dtype=float32)\n"


def test_missing_module_names_the_tensorflow_module() -> None:
    out = _ok(
        """
        import tfcompat.alias
        tfcompat.alias.install()
        try:
            import tensorflow.no_such_namespace
        except ModuleNotFoundError as exc:
            print(exc.name)
            print("docs/coverage.md" in str(exc))
        """
    )
    assert out == "tensorflow.no_such_namespace\nTrue\n"


def test_context_manager_undoes_the_alias() -> None:
    out = _ok(
        """
        import sys, tfcompat.alias
        with tfcompat.alias.installed():
            import tensorflow
            print(tfcompat.alias.is_installed(), tensorflow.__name__)
        print(tfcompat.alias.is_installed(), [m for m in sys.modules if m.startswith("tensorflow")])
        """
    )
    assert out == "True tfcompat\nFalse []\n"


@pytest.mark.tf
def test_real_tensorflow_imports_after_uninstall() -> None:
    out = _ok(
        """
        import tfcompat.alias
        tfcompat.alias.install()
        import tensorflow
        assert tensorflow.__name__ == "tfcompat"
        tfcompat.alias.uninstall()
        import tensorflow
        print(tensorflow.__name__, tensorflow.__version__.startswith("2.21"))
        """
    )
    assert out == "tensorflow True\n"


@pytest.mark.tf
def test_install_refuses_when_real_tensorflow_is_loaded() -> None:
    out = _ok(
        """
        import tensorflow, tfcompat.alias
        try:
            tfcompat.alias.install()
        except RuntimeError as exc:
            print("already imported" in str(exc), tfcompat.alias.is_installed())
        """
    )
    assert out == "True False\n"

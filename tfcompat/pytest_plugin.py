"""pytest plugin: an existing TensorFlow test suite runs unchanged on tfcompat.

    pytest -p tfcompat.pytest_plugin
    # or in pytest.ini / pyproject.toml:  addopts = "-p tfcompat.pytest_plugin"

Loading the plugin installs `tfcompat.alias` before pytest collects anything (conftest
files included), so the suite's `import tensorflow` is tfcompat and `tf.test.TestCase`
is tfcompat's. The plugin is opt-in: installing tfcompat does not register it.
"""

from __future__ import annotations

import pytest

import tfcompat
from tfcompat import alias

alias.install()


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"tfcompat {tfcompat.__tfcompat_version__}: `import tensorflow` is tfcompat "
        f"(following TensorFlow {alias.TF_VERSION})"
    )

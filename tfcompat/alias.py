"""Make `import tensorflow` resolve to tfcompat.

Nothing happens on `import tfcompat`: the conformance tests import the real TensorFlow in
the same process. `install()` puts a finder at the front of `sys.meta_path` that answers
every import of `tensorflow` or `tensorflow.<path>` with the tfcompat module at
`tfcompat.<path>`, the same module object under both names:

    import tfcompat.alias
    tfcompat.alias.install()
    import tensorflow as tf           # tfcompat
    from tensorflow import random     # tfcompat.random

`uninstall()` removes the finder and every `tensorflow*` entry it put in `sys.modules`, so
a later `import tensorflow` finds the real package again; `installed()` is the context
manager form. A module that tfcompat lacks raises `ModuleNotFoundError` naming the
TensorFlow module, as a missing module does.

The mapping is one rule (the `tensorflow` prefix becomes `tfcompat`), so every namespace
tfcompat grows is reachable under TF's name with no list to keep. TensorFlow's private
modules that libraries import (`tensorflow.python.*`) are real tfcompat modules at the
same relative path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

__all__ = ["TF_VERSION", "install", "installed", "is_installed", "uninstall"]

# The TensorFlow release tfcompat follows (`tensorflow.__version__` under the alias).
TF_VERSION = "2.21.0"

_TF = "tensorflow"
_OURS = "tfcompat"
_lock = threading.Lock()


def _target(fullname: str) -> str | None:
    """The tfcompat module that answers `fullname`, or None when it is not TF's."""
    if fullname == _TF:
        return _OURS
    if fullname.startswith(_TF + "."):
        return _OURS + fullname[len(_TF) :]
    return None


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an already imported tfcompat module."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module
        self._spec = module.__spec__

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        # The import system stamped the alias's spec on the module; it stays tfcompat's
        # own, so `importlib.reload` and `__spec__.name` keep meaning the tfcompat module.
        module.__spec__ = self._spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        name = _target(fullname)
        if name is None:
            return None
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: tfcompat (installed as `tensorflow` by "
                    f"tfcompat.alias) has no module {name!r}. See docs/coverage.md for "
                    "what tfcompat implements.",
                    name=fullname,
                ) from None
            raise
        return importlib.util.spec_from_loader(fullname, _AliasLoader(module))


_finder = _AliasFinder()


def is_installed() -> bool:
    """Whether `import tensorflow` currently resolves to tfcompat."""
    return _finder in sys.meta_path


def install() -> None:
    """Make `import tensorflow` and `import tensorflow.<path>` resolve to tfcompat.

    Raises:
      RuntimeError: the real TensorFlow is already imported in this process (its modules
        would stay in use beside tfcompat's).
    """
    with _lock:
        if is_installed():
            return
        loaded = sys.modules.get(_TF)
        if loaded is not None and not _is_ours(loaded):
            raise RuntimeError(
                "tfcompat.alias.install(): the real TensorFlow is already imported in this "
                "process, so `import tensorflow` cannot be redirected to tfcompat. Install "
                "the alias before anything imports tensorflow (for example first thing in "
                "the script, or with `tfcompat run`)."
            )
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Undo `install()`: `import tensorflow` finds the real package again."""
    with _lock:
        while _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
        for name in [n for n in sys.modules if _target(n) is not None]:
            if _is_ours(sys.modules[name]):
                del sys.modules[name]


@contextmanager
def installed() -> Iterator[None]:
    """`with tfcompat.alias.installed():` the alias for the block's duration."""
    was = is_installed()
    install()
    try:
        yield
    finally:
        if not was:
            uninstall()


def _is_ours(module: ModuleType) -> bool:
    name = getattr(module, "__name__", "")
    return name == _OURS or name.startswith(_OURS + ".")

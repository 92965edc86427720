"""`tf.name_scope`: in eager mode it only prefixes the names of new Variables."""

from __future__ import annotations

import threading
from types import TracebackType

__all__ = ["current_prefix", "name_scope"]


class _Scopes(threading.local):
    def __init__(self) -> None:
        # Full prefixes ("outer/inner/"), innermost last.
        self.stack: list[str] = []


_scopes = _Scopes()


def current_prefix() -> str:
    return _scopes.stack[-1] if _scopes.stack else ""


class name_scope:
    """tfcompat implementation of `tf.name_scope`."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        # As TF: a name ending in "/" is a full scope (what `with name_scope(...) as s`
        # returned), re-entered as is; any other name nests in the current scope.
        name = self._name
        if name.endswith("/"):
            scope = name
        elif name:
            scope = current_prefix() + name + "/"
        else:
            scope = ""
        _scopes.stack.append(scope)
        return scope

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _scopes.stack.pop()

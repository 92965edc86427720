"""`tf.name_scope`: in eager mode it only prefixes the names of new Variables."""

from __future__ import annotations

import threading
from types import TracebackType

__all__ = ["current_prefix", "name_scope"]


class _Scopes(threading.local):
    def __init__(self) -> None:
        self.stack: list[str] = []


_scopes = _Scopes()


def current_prefix() -> str:
    return "".join(s + "/" for s in _scopes.stack)


class name_scope:
    """tfcompat implementation of `tf.name_scope`."""

    def __init__(self, name: str) -> None:
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def __enter__(self) -> str:
        _scopes.stack.append(self._name.rstrip("/"))
        return current_prefix()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        _scopes.stack.pop()

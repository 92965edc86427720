"""`tf.io.gfile`: TF's file API on the local file system (Python's `os`, `shutil`, `glob`).

Errors are TF's: a missing path raises `tf.errors.NotFoundError`, an existing destination
`AlreadyExistsError`, a directory where a file is expected `FailedPreconditionError`,
with TF's messages. Only local paths are supported (no `gs://` or other schemes).
"""

from __future__ import annotations

import glob as _glob
import os
import shutil
from collections.abc import Iterator
from types import TracebackType
from typing import Any

from tfcompat._core import errors as _errors

__all__ = [
    "GFile",
    "copy",
    "exists",
    "glob",
    "isdir",
    "join",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "walk",
]


def _str(path: Any) -> str:
    if hasattr(path, "numpy"):
        path = path.numpy()
    return os.fsdecode(path)


def _not_found(path: str) -> _errors.OpError:
    return _errors.NotFoundError(None, None, f"{path}; No such file or directory")


def _is_dir(path: str) -> _errors.OpError:
    return _errors.FailedPreconditionError(None, None, f"{path}; Is a directory")


def exists(path: Any) -> bool:
    """tfcompat implementation of `tf.io.gfile.exists`."""
    return os.path.exists(_str(path))


def isdir(path: Any) -> bool:
    """tfcompat implementation of `tf.io.gfile.isdir`."""
    return os.path.isdir(_str(path))


def glob(pattern: Any) -> list[str]:
    """tfcompat implementation of `tf.io.gfile.glob` (`[]` when nothing matches)."""
    return sorted(_glob.glob(_str(pattern)))


def listdir(path: Any) -> list[str]:
    """tfcompat implementation of `tf.io.gfile.listdir` (entries in directory order)."""
    p = _str(path)
    if not os.path.isdir(p):
        raise _errors.NotFoundError(None, None, f"Could not find directory {p}")
    return os.listdir(p)


def makedirs(path: Any) -> None:
    """tfcompat implementation of `tf.io.gfile.makedirs`."""
    p = _str(path)
    try:
        os.makedirs(p, exist_ok=True)
    except FileExistsError:
        raise _errors.FailedPreconditionError(None, None, f"{p}; Not a directory") from None


def mkdir(path: Any) -> None:
    """tfcompat implementation of `tf.io.gfile.mkdir` (the parent must exist)."""
    p = _str(path)
    try:
        os.mkdir(p)
    except FileExistsError:
        if not os.path.isdir(p):
            raise _errors.FailedPreconditionError(None, None, f"{p}; Not a directory") from None
    except FileNotFoundError:
        raise _not_found(p) from None


def remove(path: Any) -> None:
    """tfcompat implementation of `tf.io.gfile.remove` (files only)."""
    p = _str(path)
    if os.path.isdir(p):
        raise _is_dir(p)
    try:
        os.remove(p)
    except FileNotFoundError:
        raise _not_found(p) from None


def rmtree(path: Any) -> None:
    """tfcompat implementation of `tf.io.gfile.rmtree`."""
    p = _str(path)
    if not os.path.exists(p):
        raise _errors.NotFoundError(None, None, f"{p} not found")
    if os.path.isdir(p):
        shutil.rmtree(p)
    else:
        os.remove(p)


def copy(src: Any, dst: Any, overwrite: bool = False) -> None:
    """tfcompat implementation of `tf.io.gfile.copy`."""
    s, d = _str(src), _str(dst)
    if not overwrite and os.path.exists(d):
        raise _errors.AlreadyExistsError(None, None, "file already exists")
    if not os.path.exists(s):
        raise _not_found(s)
    shutil.copyfile(s, d)


def rename(src: Any, dst: Any, overwrite: bool = False) -> None:
    """tfcompat implementation of `tf.io.gfile.rename`."""
    s, d = _str(src), _str(dst)
    if not overwrite and os.path.exists(d):
        raise _errors.AlreadyExistsError(None, None, "file already exists")
    if not os.path.exists(s):
        raise _not_found(s)
    os.replace(s, d)


class _FileStatistics:
    """What `tf.io.gfile.stat` returns: `length`, `mtime_nsec`, `is_directory`."""

    def __init__(self, length: int, mtime_nsec: int, is_directory: bool) -> None:
        self.length = length
        self.mtime_nsec = mtime_nsec
        self.is_directory = is_directory


def stat(path: Any) -> _FileStatistics:
    """tfcompat implementation of `tf.io.gfile.stat`."""
    p = _str(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise _not_found(p) from None
    return _FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(p))


def walk(
    top: Any, topdown: bool = True, onerror: Any = None
) -> Iterator[tuple[str, list[str], list[str]]]:
    """tfcompat implementation of `tf.io.gfile.walk`."""
    yield from os.walk(_str(top), topdown=topdown, onerror=onerror)


def join(path: Any, *paths: Any) -> str:
    """tfcompat implementation of `tf.io.gfile.join`."""
    return os.path.join(_str(path), *(_str(p) for p in paths))


class GFile:
    """tfcompat implementation of `tf.io.gfile.GFile`: a file object on the local disk.

    The file is opened on first use, as TF's; a missing file raises `NotFoundError` then.
    """

    def __init__(self, name: Any, mode: str = "r") -> None:
        self._name = _str(name)
        self._mode = mode
        self._binary = "b" in mode
        self._file: Any = None

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    def _f(self) -> Any:
        if self._file is None:
            if os.path.isdir(self._name):
                raise _is_dir(self._name)
            mode = self._mode if self._binary else self._mode + "b"
            try:
                self._file = open(self._name, mode)  # noqa: SIM115 (closed by close())
            except FileNotFoundError:
                raise _not_found(self._name) from None
        return self._file

    def _out(self, data: bytes) -> Any:
        return data if self._binary else data.decode("utf-8")

    def read(self, n: int = -1) -> Any:
        return self._out(self._f().read(n))

    def readline(self) -> Any:
        return self._out(self._f().readline())

    def readlines(self) -> list[Any]:
        return [self._out(line) for line in self._f().readlines()]

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def write(self, file_content: Any) -> None:
        data = file_content.encode("utf-8") if isinstance(file_content, str) else file_content
        self._f().write(bytes(data))

    def seek(self, offset: Any = None, whence: int = 0, position: Any = None) -> None:
        self._f().seek(position if offset is None else offset, whence)

    def tell(self) -> int:
        return int(self._f().tell())

    def size(self) -> int:
        return os.stat(self._name).st_size

    def seekable(self) -> bool:
        return True

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __del__(self) -> None:
        # TF's GFile closes its file when collected; so does this one (no ResourceWarning).
        self.close()

    def __enter__(self) -> GFile:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

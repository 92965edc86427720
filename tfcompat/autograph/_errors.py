"""TF's error reports for exceptions raised while a converted function is traced.

TF re-raises such an exception as the same class with the message

    in user code:

        File "model.py", line 9, in f  *
            return helper(y)
        File "model.py", line 4, in helper  *
            return tf.matmul(a, a)

        ValueError: Dimensions must be equal, ...

listing the frames of user code (not library code) from the traceback; `*` marks
frames of converted code. Converted code is compiled under the user's file name and line
numbers, so its frames are the user's lines; the local functions AutoGraph generates for
a statement's blocks are shown under the name of the function that contains them.

A static shape error found while tracing (an op's shape and dtype inference failing) is a
`ValueError`, as TF's graph-mode shape inference raises, with the op and input shapes.
"""

from __future__ import annotations

import linecache
import os
import re
import sysconfig
import traceback
import types
from typing import Any

from tfcompat._core import errors

__all__ = ["CONVERTED_CODE", "in_user_code", "register_code"]

# Code objects produced by AutoGraph (with their nested code objects).
CONVERTED_CODE: set[types.CodeType] = set()

_GENERATED = re.compile(r"^(if_body|else_body|loop_body|loop_test|extra_test)(_\d+)?$")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(
    p
    for p in {
        _PACKAGE_DIR + os.sep,
        sysconfig.get_paths().get("stdlib"),
        sysconfig.get_paths().get("platstdlib"),
        sysconfig.get_paths().get("purelib"),
        sysconfig.get_paths().get("platlib"),
    }
    if p
)
_FRAMED = "ag_error_metadata"


def register_code(code: types.CodeType) -> None:
    CONVERTED_CODE.add(code)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            register_code(c)


def _is_library_file(filename: str) -> bool:
    return filename.startswith("<") or os.path.abspath(filename).startswith(_LIBRARY_DIRS)


def _frames(tb: types.TracebackType | None) -> list[tuple[str, int, str, bool]]:
    """User frames: (file, line, function, converted). The line of a converted statement
    (`if x > 0:`) is left out when the frame of one of its blocks follows, as TF shows."""
    found: list[tuple[str, int, str, bool, bool]] = []
    enclosing = ""
    for frame, lineno in traceback.walk_tb(tb):
        code = frame.f_code
        converted = code in CONVERTED_CODE
        name = code.co_name
        generated = converted and bool(_GENERATED.match(name))
        if generated:
            name = enclosing or name
        elif converted:
            enclosing = name
        if _is_library_file(code.co_filename):
            continue
        found.append((code.co_filename, lineno, name, converted, generated))
    out = []
    for i, (filename, lineno, name, converted, _) in enumerate(found):
        following = found[i + 1] if i + 1 < len(found) else None
        if converted and following is not None and following[4] and following[0] == filename:
            continue
        out.append((filename, lineno, name, converted))
    return out


class _KeyError(KeyError):
    """KeyError whose text is the report (KeyError's own `str` quotes its argument)."""

    def __init__(self, message: str, key: Any) -> None:
        super().__init__(key)
        self._message = message

    def __str__(self) -> str:
        return self._message


_KeyError.__name__ = "KeyError"
_KeyError.__qualname__ = "KeyError"


def _shape_error(exc: BaseException) -> BaseException | None:
    """A ValueError for an op's static shape/dtype inference failing during the trace."""
    if not isinstance(exc, errors.InvalidArgumentError):
        return None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_name == "_abstract_miss" and "in_avals" in frame.f_locals:
            op = frame.f_locals.get("op")
            avals = frame.f_locals["in_avals"]
            name = getattr(op, "name", "?")
            text = re.sub(r"^\{\{function_node [^}]*\}\} ", "", exc.message)
            text = re.sub(r" \[Op:[^\]]*\]( name: ?\S*)?$", "", text)
            shapes = ", ".join("[" + ",".join(str(d) for d in shape) + "]" for shape, _ in avals)
            return ValueError(f"{text} for '{{{{node {name}}}}}' with input shapes: {shapes}.")
    return None


def in_user_code(exc: BaseException, converted: bool = True) -> BaseException:
    """The exception to raise for `exc` raised while tracing (framed when the traced code
    was converted by AutoGraph)."""
    if getattr(exc, _FRAMED, False):
        return exc
    shape = _shape_error(exc)
    frames = _frames(exc.__traceback__) if converted else []
    if not frames:
        return shape or exc
    base = shape or exc
    lines = ["in user code:", ""]
    for filename, lineno, name, converted in frames:
        lines.append(f'    File "{filename}", line {lineno}, in {name}{"  *" if converted else ""}')
        lines.append("        " + linecache.getline(filename, lineno).strip())
    lines.append("")
    lines.append(f"    {type(base).__name__}: {base}")
    message = "\n".join(lines) + "\n"
    new: BaseException
    cls = type(base)
    try:
        if isinstance(base, errors.OpError):
            new = cls(base.node_def, base.op, message)
        elif cls is KeyError:
            new = _KeyError(message, base.args[0] if base.args else None)
        else:
            new = cls(message)
    except Exception:  # a class that does not take a message: re-raised unchanged
        return base
    setattr(new, _FRAMED, True)
    return new

"""`tfcompat check`: which TensorFlow names a program uses, and whether tfcompat has them.

The scan is static (Python's `ast`; nothing is imported or run from the scanned code).
Names are resolved through the program's imports (`import tensorflow as tf`,
`from tensorflow import keras as k`, `from tensorflow.keras import layers`,
`import tensorflow.experimental.numpy as tnp`), and every use becomes a TF path such as
`math.reduce_sum`. Each path gets a status from the code itself, so the report cannot
drift from what tfcompat implements:

* ``supported``: tfcompat's namespace has the name (the `keras` subtree is resolved on
  the Keras that `tf.keras` gives);
* ``differs``: supported, and its docstring has a "Differences from TensorFlow" section
  (the note quotes its first line);
* ``missing``: TF 2.21 has the name (`_data/tf_api.txt`) and tfcompat does not;
* ``unknown``: TF 2.21 has no such public name either (a typo, or an API removed before
  2.21).

A use longer than a TF name (`tf.float32.max`) is reported as the TF name (`float32`).
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tfcompat._tf_api import tf_api

__all__ = ["Use", "check_paths", "format_table", "main", "scan_source"]

_TF = "tensorflow"


@dataclass(frozen=True, order=True)
class Use:
    file: str
    line: int
    name: str  # `tf.math.reduce_sum`
    status: str = ""
    note: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


# -- scanning ------------------------------------------------------------------------


def _tf_path(module: str) -> str | None:
    """`tensorflow.keras.layers` -> `keras.layers`; None for other modules."""
    if module == _TF:
        return ""
    if module.startswith(_TF + "."):
        return module[len(_TF) + 1 :]
    return None


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


class _Scanner(ast.NodeVisitor):
    """Collects (line, TF path) for every use of a TensorFlow name."""

    def __init__(self) -> None:
        self.bound: dict[str, str] = {}  # local name -> TF path it stands for
        self.uses: list[tuple[int, str]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            path = _tf_path(alias.name)
            if path is None:
                continue
            if alias.asname:
                self.bound[alias.asname] = path
            else:  # `import tensorflow.keras` binds `tensorflow`
                self.bound[alias.name.split(".")[0]] = ""
            if path:
                self.uses.append((node.lineno, path))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        path = _tf_path(node.module or "") if node.level == 0 else None
        if path is None:
            return
        for alias in node.names:
            if alias.name == "*":
                continue
            full = _join(path, alias.name)
            self.bound[alias.asname or alias.name] = full
            self.uses.append((node.lineno, full))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        chain: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            chain.append(base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id in self.bound:
            self.uses.append((node.lineno, _join(self.bound[base.id], *reversed(chain))))
            return  # the inner attributes are prefixes of this one
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        path = self.bound.get(node.id)
        if path and isinstance(node.ctx, ast.Load):
            self.uses.append((node.lineno, path))


def scan_source(source: str, filename: str = "<string>") -> list[tuple[int, str]]:
    """(line, TF path) for every TensorFlow name `source` uses, in source order."""
    scanner = _Scanner()
    scanner.visit(ast.parse(source, filename))
    return sorted(set(scanner.uses))


def _notebook_source(path: Path) -> tuple[str, list[tuple[str, int]]]:
    """A notebook's code cells as one program (later cells use earlier cells' imports),
    with each program line's (`file:cellN`, line in cell). Magics and shell lines blank."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    lines: list[str] = []
    where: list[tuple[str, int]] = []
    for index, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else source
        for number, line in enumerate(text.splitlines(), start=1):
            lines.append("" if line.lstrip().startswith(("%", "!")) else line)
            where.append((f"{path}:cell{index}", number))
    return "\n".join(lines), where


def _sources(paths: Iterable[str]) -> Iterator[tuple[str, str, list[tuple[str, int]] | None]]:
    """(file name, source, line map or None) for every .py / .ipynb under `paths`."""
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise SystemExit(f"tfcompat check: no such file or directory: {raw}")
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".py":
                yield str(file), file.read_text(encoding="utf-8"), None
            elif file.suffix == ".ipynb":
                yield (str(file), *_notebook_source(file))


# -- statuses -------------------------------------------------------------------------


def _longest_tf_name(path: str, api: dict[str, str]) -> str | None:
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        prefix = ".".join(parts[:end])
        if prefix in api:
            return prefix
    return None


def _resolve(path: str) -> tuple[bool, Any]:
    import tfcompat

    obj: Any = tfcompat
    for part in path.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            return False, None
    return True, obj


def _differences_note(obj: Any) -> str:
    doc = getattr(obj, "__doc__", None) or ""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip().rstrip(":") == "Differences from TensorFlow":
            rest = [ln.strip() for ln in lines[i + 1 :] if ln.strip()]
            return rest[0] if rest else "see the docstring"
    return ""


def status_of(path: str) -> tuple[str, str, str]:
    """(reported TF path, status, note) for a used TF path."""
    if path == "keras" or path.startswith("keras."):
        # `tf.keras` is the Keras package: its names are resolved on it, not on TF's list.
        if _resolve(path)[0]:
            return path, "supported", "Keras on tfcompat"
        if not _resolve("keras")[0]:
            return path, "missing", ""
        return path, "unknown", "not a name of the installed Keras"
    name = _longest_tf_name(path, tf_api())
    if name is None:
        if path.rsplit(".", 1)[-1].startswith("__") and _resolve(path)[0]:
            return path, "supported", ""  # module dunders: `tf.__version__`
        return path, "unknown", "not a public name of TensorFlow 2.21"
    found, obj = _resolve(name)
    if not found:
        return name, "missing", ""
    note = _differences_note(obj)
    return name, ("differs" if note else "supported"), note


def check_paths(paths: Sequence[str]) -> list[Use]:
    """Every TensorFlow name used by the `.py` and `.ipynb` files under `paths`."""
    uses: set[Use] = set()
    for filename, source, line_map in _sources(paths):
        try:
            found = scan_source(source, filename)
        except SyntaxError as exc:
            raise SystemExit(f"tfcompat check: cannot parse {filename}: {exc}") from None
        for line, path in found:
            name, status, note = status_of(path)
            file, number = line_map[line - 1] if line_map else (filename, line)
            uses.add(Use(file, number, f"tf.{name}" if name else "tensorflow", status, note))
    return sorted(uses)


# -- output ---------------------------------------------------------------------------


def format_table(uses: Sequence[Use]) -> str:
    if not uses:
        return "No TensorFlow names found."
    rows = [(u.where, u.name, u.status, u.note) for u in uses]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [
        f"{w:<{widths[0]}}  {n:<{widths[1]}}  {s:<{widths[2]}}  {note}".rstrip()
        for w, n, s, note in rows
    ]
    counts: dict[str, int] = {}
    for u in uses:
        counts[u.status] = counts.get(u.status, 0) + 1
    summary = ", ".join(f"{counts[k]} {k}" for k in sorted(counts))
    return "\n".join([*lines, "", f"{len(uses)} uses: {summary}"])


def main(argv: Sequence[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="tfcompat check",
        description="Report the TensorFlow names used by Python files and notebooks, "
        "and whether tfcompat supports them (exit code 1 when one is missing).",
    )
    parser.add_argument("paths", nargs="+", help=".py / .ipynb files or directories")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    uses = check_paths(args.paths)
    if args.json:
        print(json.dumps([asdict(u) for u in uses], indent=2))
    else:
        print(format_table(uses))
    return 1 if any(u.status == "missing" for u in uses) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

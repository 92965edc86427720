"""Generate a Colab-ready ``.ipynb`` from a percent-format notebook script.

Usage::

    python notebooks/build_ipynb.py                 # rewrite the .ipynb next to each script
    python notebooks/build_ipynb.py --check         # exit 1 if any .ipynb is out of date

The script is the source of truth (it is what the tests run). Its cells start with
``# %% [markdown]`` (comment lines become markdown) or ``# %% In [N]`` (code); text before
the first marker and ``# %% [script-only]`` cells are left out. In code cells the
script-only plumbing is undone:

* ``_in(N)`` lines (they print the ``# In [N]:`` header) are dropped;
* a last line ``display(EXPR)`` becomes ``EXPR``, which Jupyter displays itself;
* a line ending in ``# notebook: TEXT`` becomes ``TEXT``.

The notebook gets no outputs and starts with an install cell (the pip line commented
out) that loads tfcompat's IPython extension, so the notebook's own code says
``import tensorflow as tf`` and runs on tfcompat unchanged.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [HERE / "autodiff_tape_notebook.py", HERE / "tpu_colab.py"]

INSTALL_CELL = (
    "# On Colab, install tfcompat first (any accelerator runtime works):\n"
    '# !pip install "tfcompat @ git+<URL of the tfcompat repository>"\n'
    "# From here on `import tensorflow` is tfcompat (remove this line to run TensorFlow).\n"
    "%load_ext tfcompat"
)

_MARKER = re.compile(r"^# %%(?: (?P<tag>.*))?$")
_IN_CALL = re.compile(r"^_in\(\d+\)$")
_DISPLAY = re.compile(r"^display\((?P<expr>.*)\)$")
_NOTEBOOK_LINE = re.compile(r"^.*#\s*notebook:\s*(?P<text>.*)$")


def _cells(script: str) -> list[tuple[str, str]]:
    """Split ``script`` into (kind, source) pairs: kind is "markdown" or "code"."""
    cells: list[tuple[str, list[str]]] = []
    current: list[str] | None = None
    for line in script.splitlines():
        match = _MARKER.match(line)
        if match:
            tag = match.group("tag") or ""
            if tag == "[markdown]":
                current = []
                cells.append(("markdown", current))
            elif tag.startswith("In ["):
                current = []
                cells.append(("code", current))
            else:  # "[script-only]" or anything unknown: not in the notebook
                current = None
        elif current is not None:
            current.append(line)
    return [(kind, _convert(kind, lines)) for kind, lines in cells]


def _convert(kind: str, lines: list[str]) -> str:
    if kind == "markdown":
        out = [re.sub(r"^# ?", "", line) for line in lines]
    else:
        out = []
        for line in lines:
            if _IN_CALL.match(line):
                continue
            notebook_line = _NOTEBOOK_LINE.match(line)
            out.append(notebook_line.group("text") if notebook_line else line)
        while out and not out[-1].strip():
            out.pop()
        if out and (display := _DISPLAY.match(out[-1])):
            out[-1] = display.group("expr")
    return "\n".join(out).strip("\n")


def _source(text: str) -> list[str]:
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]


def build(script: Path) -> str:
    """Return the notebook JSON text for ``script``."""
    cells = [("code", INSTALL_CELL), *_cells(script.read_text(encoding="utf-8"))]
    notebook_cells = []
    for index, (kind, text) in enumerate(cells):
        cell: dict[str, object] = {
            "cell_type": kind,
            "id": f"cell-{index:02d}",
            "metadata": {},
            "source": _source(text),
        }
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        notebook_cells.append(cell)
    notebook = {
        "cells": notebook_cells,
        "metadata": {
            "colab": {"provenance": []},
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a notebook is stale")
    args = parser.parse_args(argv)
    stale = []
    for script in SCRIPTS:
        target = script.with_suffix(".ipynb")
        text = build(script)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(target)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent)}")
    for target in stale:
        print(f"{target.relative_to(HERE.parent)} is out of date: run notebooks/build_ipynb.py")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())

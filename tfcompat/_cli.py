"""The `tfcompat` command (also `python -m tfcompat`).

    tfcompat run SCRIPT.py [ARGS...]        run a TensorFlow script unchanged on tfcompat
    tfcompat run -m MODULE [ARGS...]        the same for `python -m MODULE`
    tfcompat run NOTEBOOK.ipynb [--output OUT.ipynb]
                                            execute a notebook in a Jupyter kernel
    tfcompat check PATH... [--json]         report the TensorFlow names code uses
    tfcompat alias-pth install|uninstall|status
                                            make TFCOMPAT_ALIAS=1 alias `tensorflow` in
                                            every interpreter of this environment

`run` installs `tfcompat.alias` first, so `import tensorflow` in the program is tfcompat.
"""

from __future__ import annotations

import argparse
import os
import runpy
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main"]

PTH_NAME = "tfcompat-alias.pth"
# A .pth line that starts with `import` is run by `site` at interpreter start-up.
PTH_LINE = (
    'import os; os.environ.get("TFCOMPAT_ALIAS", "") not in ("", "0") '
    'and __import__("tfcompat.alias").alias.install()\n'
)


def _run_python(target: str, args: Sequence[str], *, module: bool) -> int:
    from tfcompat import alias

    alias.install()
    if module:
        sys.argv = [target, *args]
        runpy.run_module(target, run_name="__main__", alter_sys=True)
    else:
        script = Path(target)
        if not script.is_file():
            print(f"tfcompat run: no such file: {target}", file=sys.stderr)
            return 2
        sys.argv = [target, *args]
        sys.path.insert(0, str(script.resolve().parent))
        runpy.run_path(target, run_name="__main__")
    return 0


def _run_notebook(path: str, output: str | None, timeout: int) -> int:
    try:
        import nbclient
        import nbformat
    except ImportError:
        print(
            "tfcompat run NOTEBOOK.ipynb needs nbclient and ipykernel: "
            "pip install 'tfcompat[notebook]'",
            file=sys.stderr,
        )
        return 2
    notebook = nbformat.read(path, as_version=4)
    setup = nbformat.v4.new_code_cell("%load_ext tfcompat")
    notebook.cells.insert(0, setup)
    client = nbclient.NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": "."}}
    )
    status = 0
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        print(str(exc), file=sys.stderr)
        status = 1
    finally:
        notebook.cells.remove(setup)
        if output:
            nbformat.write(notebook, output)
    return status


def _alias_pth(action: str) -> int:
    target = Path(sysconfig.get_paths()["purelib"]) / PTH_NAME
    if action == "install":
        target.write_text(PTH_LINE)
        print(f"wrote {target}: interpreters started with TFCOMPAT_ALIAS=1 alias tensorflow")
    elif action == "uninstall":
        target.unlink(missing_ok=True)
        print(f"removed {target}")
    else:
        print(f"{target}: {'installed' if target.exists() else 'not installed'}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="tfcompat", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a script, module or notebook on tfcompat")
    run.add_argument("-m", dest="module", help="run a module as `python -m` does")
    run.add_argument("--output", help="notebooks: write the executed notebook here")
    run.add_argument("--timeout", type=int, default=600, help="notebooks: seconds per cell")
    run.add_argument("target", nargs="?", help="SCRIPT.py or NOTEBOOK.ipynb")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the program")
    check = sub.add_parser("check", help="report the TensorFlow names code uses", add_help=False)
    check.add_argument("rest", nargs=argparse.REMAINDER)
    pth = sub.add_parser("alias-pth", help="opt in to TFCOMPAT_ALIAS=1 in this environment")
    pth.add_argument("action", choices=["install", "uninstall", "status"])

    if argv[:1] == ["check"]:  # `check` has its own parser (tfcompat/_check.py)
        from tfcompat import _check

        return _check.main(argv[1:])
    ns = parser.parse_args(argv)
    if ns.command == "alias-pth":
        return _alias_pth(ns.action)
    if ns.module:
        rest = ([ns.target] if ns.target else []) + ns.args
        return _run_python(ns.module, rest, module=True)
    if not ns.target:
        parser.error("run: give SCRIPT.py, NOTEBOOK.ipynb or -m MODULE")
    if ns.target.endswith(".ipynb"):  # options may also follow the notebook's name
        more = argparse.ArgumentParser(prog="tfcompat run NOTEBOOK.ipynb")
        more.add_argument("--output", default=ns.output)
        more.add_argument("--timeout", type=int, default=ns.timeout)
        nb_ns = more.parse_args(ns.args)
        return _run_notebook(ns.target, nb_ns.output, nb_ns.timeout)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return _run_python(ns.target, ns.args, module=False)

"""Write tfcompat/_data/tf_api.txt: every public name of TensorFlow 2.21's `tf` namespace.

    .venv/bin/python tools/gen_tf_api_names.py           # writes the file (needs TensorFlow)
    .venv/bin/python tools/gen_tf_api_names.py --check   # exits 1 if it is stale

One line per name, `path kind` (`kind` is module, class, function or value), sorted. The
`tf.compat.v1`/`v2` trees and `tf.keras` (the Keras package, not TensorFlow's API) are
listed as modules only. tfcompat reads the file to tell a TensorFlow name it does not
implement (an error that says so) from a name TensorFlow does not have either, and
`tfcompat check` reads it to report what a program uses.
"""

from __future__ import annotations

import inspect
import os
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tfcompat" / "_data" / "tf_api.txt"
# Subtrees recorded as a module only: their contents are not TensorFlow 2's own API.
OPAQUE = {"compat.v1", "compat.v2", "keras"}


def _kind(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "value"


def collect() -> list[str]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    lines: list[str] = []
    seen: set[int] = set()

    def walk(module: types.ModuleType, prefix: str) -> None:
        seen.add(id(module))
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            try:
                obj = getattr(module, name)
            except Exception:
                continue
            path = f"{prefix}{name}"
            kind = _kind(obj)
            lines.append(f"{path} {kind}")
            public = getattr(obj, "__name__", "").startswith("tensorflow._api.v2.")
            if kind == "module" and public and path not in OPAQUE and id(obj) not in seen:
                walk(obj, path + ".")

    walk(tf, "")
    return sorted(set(lines))


def main() -> int:
    text = "\n".join(collect()) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text() != text:
            print(f"stale: {OUT.relative_to(ROOT)}; run tools/gen_tf_api_names.py")
            return 1
        return 0
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(chr(10))} names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

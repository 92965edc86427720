"""Run a selection of Keras's own test files on tfcompat (Keras's TensorFlow backend).

The installed `keras` package ships its tests (`keras/src/**/*_test.py`). Each selected
file runs in its own `pytest` process with `-p tfcompat.pytest_plugin` (so Keras's
`import tensorflow` is tfcompat) and `KERAS_BACKEND=tensorflow`, under a per-file and a
total time budget. Prints one line per file (passed / failed / skipped / errors) and the
short reason of every failure, and with `--markdown` a table for docs/keras.md.

    python tools/run_keras_tests.py                       # the default selection
    python tools/run_keras_tests.py --budget 1800 layers/core/dense_test.py
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The selection named by issue #13 (paths under keras/src/).
SELECTION = [
    "layers/core/dense_test.py",
    "layers/convolutional/conv_test.py",
    "layers/normalization/batch_normalization_test.py",
    "optimizers/adam_test.py",
    "losses/losses_test.py",
    "metrics/accuracy_metrics_test.py",
    "trainers/trainer_test.py",
]


def keras_src() -> Path:
    dist = importlib.metadata.distribution("keras")
    return Path(str(dist.locate_file("keras/src")))


def run_file(path: Path, timeout: float) -> dict[str, object]:
    env = dict(os.environ)
    env.update(
        {
            "KERAS_BACKEND": "tensorflow",
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
    )
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "tfcompat.pytest_plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rfE",
        "--no-header",
        "-W",
        "ignore::DeprecationWarning",
        str(path),
    ]
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp
            )
            out = proc.stdout + proc.stderr
            timed_out = False
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
            timed_out = True
    counts = {k: 0 for k in ("passed", "failed", "skipped", "error", "xfailed", "xpassed")}
    summary = out.strip().splitlines()[-1] if out.strip() else ""
    for n, kind in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)", summary):
        counts["error" if kind.startswith("error") else kind] = int(n)
    failures = [line for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    return {
        "file": str(path.relative_to(keras_src())),
        "seconds": round(time.monotonic() - start, 1),
        "timed_out": timed_out,
        "failures": failures,
        **counts,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", help="paths under keras/src/ (default: the selection)")
    ap.add_argument("--budget", type=float, default=3600, help="total seconds")
    ap.add_argument("--per-file", type=float, default=900, help="seconds per file")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)
    src = keras_src()
    deadline = time.monotonic() + args.budget
    results = []
    for rel in args.files or SELECTION:
        left = deadline - time.monotonic()
        if left <= 10:
            print(f"{rel}: not run (budget spent)")
            continue
        r = run_file(src / rel, min(args.per_file, left))
        results.append(r)
        state = " (timed out)" if r["timed_out"] else ""
        print(
            f"{r['file']}: {r['passed']} passed, {r['failed']} failed, {r['skipped']} skipped, "
            f"{r['error']} errors in {r['seconds']}s{state}",
            flush=True,
        )
        for f in r["failures"]:
            print("   ", f[:300], flush=True)
    if args.markdown:
        print("\n| file | passed | failed | skipped | errors |\n|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['file']} | {r['passed']} | {r['failed']} | {r['skipped']} | {r['error']} |"
            )
    total_p = sum(int(r["passed"]) for r in results)  # type: ignore[call-overload]
    total = total_p + sum(int(r["failed"]) + int(r["error"]) for r in results)  # type: ignore[call-overload]
    print(f"total: {total_p}/{total} passed")
    return 0 if total and total_p == total else 1


if __name__ == "__main__":
    sys.exit(main())

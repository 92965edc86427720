"""Differential fuzzing against TF 2.21: example budgets and the run's tally.

CI runs a small, derandomized budget per test (`FUZZ_EXAMPLES_CI`); `--fuzz-long` runs
`FUZZ_EXAMPLES_LONG` random examples per test (env `TFCOMPAT_FUZZ_EXAMPLES`, default
400). At the end of the session the terminal summary lists, per op, the examples
compared and the divergences seen (known ones, from
`test_fuzz_vs_tf.KNOWN_DIVERGENCES`, and new ones).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES_CI = 6
FUZZ_EXAMPLES_LONG = int(os.environ.get("TFCOMPAT_FUZZ_EXAMPLES", "400"))

settings.register_profile(
    "tfcompat-fuzz-ci",
    max_examples=FUZZ_EXAMPLES_CI,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "tfcompat-fuzz-long",
    max_examples=FUZZ_EXAMPLES_LONG,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# (op, "forward" | "gradient") -> Counter(compared=..., known=..., new=..., skipped=...)
TALLY: dict[tuple[str, str], Counter[str]] = {}


@pytest.fixture(scope="session")
def fuzz_profile(request: pytest.FixtureRequest) -> str:
    return "tfcompat-fuzz-long" if request.config.getoption("--fuzz-long") else "tfcompat-fuzz-ci"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TALLY:
        return
    total: Counter[str] = Counter()
    rows = []
    for (op, kind), counts in sorted(TALLY.items()):
        total.update(counts)
        if counts["known"] or counts["new"]:
            rows.append(f"  {op:32s} {kind:8s} {dict(counts)}")
    tr = terminalreporter
    tr.section("differential fuzzing against TF 2.21")
    tr.write_line(
        f"{len(TALLY)} op/mode pairs; examples compared: {total['compared']}, "
        f"matched: {total['matched']}, known divergences: {total['known']}, "
        f"new divergences: {total['new']}, skipped (not in tfcompat): {total['skipped']}"
    )
    for row in rows:
        tr.write_line(row)

"""The edge-input fuzz (`tests/fuzz/edge_fuzz.py`) in pytest, against TF 2.21.

CI runs a fixed sample of the cases (the ones this work fixed: orderings, signed zeros,
NaN, gradients at zero, axis errors); `--fuzz-long` runs every case. A divergence
fails unless `edge_fuzz.KNOWN` explains it (a rounding reason only within 4 ulp).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import edge_fuzz

import tfcompat

SAMPLE = [
    ("sort", "float", "nan_first_ties", "eager"),
    ("argsort", "float", "signed_zeros", "function"),
    ("top_k", "float", "inf_and_nan", "eager"),
    ("unique", "float", "half_nan", "eager"),
    ("maximum_0", "float", "signed_zeros", "tape"),
    ("sign", "float", "bfloat16_ties", "eager"),
    ("where_sqrt", "float", "signed_zeros", "tape"),
    ("sqrt_times_zero", "float", "infs", "tape"),
    ("reverse_axis", "axis", "axis_neg_dup", "function"),
    ("cumsum_axis", "axis", "axis_dup", "eager"),
    ("argmax", "float", "empty", "function"),
    ("gather", "index", "too_large", "function"),
]


def _check(real_tf: Any, case: tuple[str, str, str, str]) -> None:
    ok, expected, actual = edge_fuzz.compare(real_tf, tfcompat, case)
    if ok:
        return
    reason = edge_fuzz.known(case)
    if reason and reason.startswith(edge_fuzz.ROUNDING) and not edge_fuzz._close(expected, actual):
        reason = None
    assert reason, f"{'/'.join(case)}: TF {expected!r}, tfcompat {actual!r}"


@pytest.mark.tf
@pytest.mark.parametrize("case", SAMPLE, ids=["/".join(c) for c in SAMPLE])
def test_edge_case_matches_tf(real_tf: Any, case: tuple[str, str, str, str]) -> None:
    _check(real_tf, case)


@pytest.mark.tf
@pytest.mark.slow
def test_every_edge_case(real_tf: Any, request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--fuzz-long"):
        pytest.skip("every case: run with --fuzz-long")
    for case in edge_fuzz.cases(full=True):
        _check(real_tf, case)

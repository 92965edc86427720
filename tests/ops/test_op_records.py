"""The four checks of every op record (op_harness.py), parametrized from op_records.py."""

from __future__ import annotations

from typing import Any

import pytest
from op_harness import (
    FD_DTYPES,
    Bad,
    OpRecord,
    check_bad_input,
    check_finite_differences,
    check_forward,
    check_gradient_vs_tf,
    diff_positions,
)
from op_records import RECORDS


def _cases(select: Any) -> list[Any]:
    return [
        pytest.param(rec, d, id=f"{rec.id}-{d}")
        for rec in RECORDS
        for d in rec.dtypes
        if select(rec, d)
    ]


@pytest.mark.tf
@pytest.mark.parametrize(("rec", "dtype"), _cases(lambda rec, d: True))
def test_forward_matches_tf(tf: Any, rec: OpRecord, dtype: str) -> None:
    check_forward(tf, rec, dtype)


@pytest.mark.tf
@pytest.mark.parametrize(
    ("rec", "dtype"), _cases(lambda rec, d: rec.grad_vs_tf and bool(diff_positions(rec, d)))
)
def test_gradient_matches_tf(tf: Any, rec: OpRecord, dtype: str) -> None:
    check_gradient_vs_tf(tf, rec, dtype)


@pytest.mark.parametrize(
    ("rec", "dtype"),
    _cases(lambda rec, d: rec.grad and rec.fd and d in FD_DTYPES and bool(diff_positions(rec, d))),
)
def test_gradient_matches_finite_differences(rec: OpRecord, dtype: str) -> None:
    check_finite_differences(rec, dtype)


_BAD = [
    pytest.param(bad, id=f"{rec.id}-{bad.why.replace(' ', '_')}")
    for rec in RECORDS
    for bad in rec.bad
]


@pytest.mark.tf
@pytest.mark.parametrize("bad", _BAD)
def test_bad_input_raises_tf_exception(tf: Any, bad: Bad) -> None:
    check_bad_input(tf, bad)

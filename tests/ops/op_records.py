"""The op-record table: every record of every family, in one list."""

from __future__ import annotations

from op_harness import OpRecord
from records_array import ARRAY
from records_debugging import DEBUGGING
from records_linalg import LINALG
from records_math import MATH
from records_nn import NN
from records_random import RANDOM

RECORDS: list[OpRecord] = [*MATH, *ARRAY, *NN, *LINALG, *DEBUGGING, *RANDOM]


def _check_unique() -> None:
    seen: set[str] = set()
    for rec in RECORDS:
        if rec.id in seen:
            raise AssertionError(f"duplicate record id {rec.id!r}: give it a distinct variant")
        seen.add(rec.id)


_check_unique()


# Public functions covered by dedicated tests instead of records (path -> the test).
EXEMPT_PUBLIC: dict[str, str] = {
    "random.set_seed": "tests/ops/test_random.py (seed rules: sequences repeat after set_seed)",
    "random.get_global_generator": (
        "tests/ops/records_random.py (the set_global_generator record calls it)"
    ),
    "random.Algorithm": "tests/ops/test_random.py (an enum: PHILOX, THREEFRY, AUTO_SELECT)",
    "debugging.enable_check_numerics": "tests/test_reliability_numerics.py (a mode, vs TF)",
    "debugging.disable_check_numerics": "tests/test_reliability_numerics.py (a mode, vs TF)",
}

# Raw ops no record runs (op -> why).
EXEMPT_RAW_OPS: dict[str, str] = {
    "Invert": "tests/ (operator `~` on integer tensors; owned by operators.py)",
    "BitwiseAnd": "tests/ (operator `&` on integer tensors; owned by operators.py)",
    "BitwiseOr": "tests/ (operator `|` on integer tensors; owned by operators.py)",
    "BitwiseXor": "tests/ (operator `^` on integer tensors; owned by operators.py)",
    "LeftShift": "tests/test_bitwise.py (tf.bitwise.left_shift, vs TF)",
    "RightShift": "tests/test_bitwise.py (tf.bitwise.right_shift, vs TF)",
    "Bitcast": "tests/test_bitwise.py (tf.bitcast, vs TF)",
}

"""Every op record gives the same values inside `tf.function` (one XLA program) as eagerly.

Value checks that TF's kernels make at run time are skipped while tracing; ops whose
output shape depends on input values cannot be traced by XLA and are listed below.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from op_harness import flatten, make_arrays, make_inputs, to_numpy
from op_records import RECORDS

import tfcompat

# Records whose inputs decide an output shape (or a static attribute): not traceable.
DYNAMIC_SHAPE = {
    "unique",
    "where[coordinates]",
    "where[coordinates_nonbool]",
    "boolean_mask",
    "boolean_mask[axis1]",
    "math.bincount",
    "math.bincount[weights]",
    "math.bincount[maxlength]",
    "math.bincount[binary]",
    "math.segment_sum",
    "math.confusion_matrix",
    "math.confusion_matrix[weights]",
    "unique[int64_idx]",
    "unique_with_counts",
    "sequence_mask",
}
# Records that create Variables (not allowed on later tf.function traces) or use
# random values (compared in test_random.py).
SKIP_PREFIX = ("random.", "nn.dropout")


def _cases() -> list[Any]:
    out = []
    for rec in RECORDS:
        if (
            rec.id in DYNAMIC_SHAPE
            or rec.name.startswith("math.segment_")  # output size: max(segment_ids) + 1
            or rec.name.startswith(SKIP_PREFIX)
            or any(a.var for a in rec.args)
        ):
            continue
        if "variable" in rec.variant:
            continue
        out.append(pytest.param(rec, id=rec.id))
    return out


@pytest.mark.parametrize("rec", _cases())
def test_record_in_tf_function_matches_eager(rec: Any) -> None:
    dtype = rec.dtypes[0]
    arrays = make_arrays(rec, dtype)
    eager = flatten(rec.fn(tfcompat, *make_inputs(tfcompat, rec, arrays)))
    traced_fn = tfcompat.function(lambda *xs: rec.fn(tfcompat, *xs))
    traced = flatten(traced_fn(*make_inputs(tfcompat, rec, arrays)))
    assert len(traced) == len(eager)
    for e, t in zip(eager, traced, strict=True):
        if e is None:
            assert t is None
            continue
        assert t.dtype == e.dtype and tuple(t.shape) == tuple(e.shape)
        np.testing.assert_allclose(to_numpy(t), to_numpy(e), rtol=1e-5, atol=1e-6, equal_nan=True)

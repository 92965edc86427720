"""Edge-input differential fuzz against TF 2.21: ops x edge inputs x modes.

Every op in `OPS` runs on every edge input of its kind (NaN, +-inf, +-0.0, ties, empty
and 0-sized dims, out-of-range indices, unsigned and half dtypes, duplicated and
negative axes), in three modes: eagerly, inside `tf.function`, and under a tape (the
gradient of `sum(op(x) * w)` for floating outputs). Values are compared bit for bit
(NaN matches NaN, -0.0 does not match 0.0), with dtype and shape; a raise must be the
same exception class. A divergence listed in `KNOWN` is counted with its reason; any
other is a failure.

    python tests/fuzz/edge_fuzz.py          # every case, prints the summary
    pytest tests/fuzz/test_fuzz_edges.py    # a CI sample; --fuzz-long --run-slow: all
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

NAN, INF = float("nan"), float("inf")

# Edge inputs by kind: name -> (values, dtype).
FLOATS: dict[str, tuple[Any, str]] = {
    "nan": ([NAN, 1.0, 2.0], "float32"),
    "nan_first_ties": ([NAN, 2.0, NAN, 2.0], "float32"),
    "infs": ([INF, -INF, 0.0, 1.0], "float32"),
    "inf_and_nan": ([INF, NAN, -INF], "float32"),
    "signed_zeros": ([0.0, -0.0, 0.0, -0.0], "float32"),
    "ties": ([1.0, 3.0, 1.0, 3.0, 2.0], "float32"),
    "empty": ([], "float32"),
    "half_overflow": ([60000.0, 60000.0, 1.0], "float16"),
    "half_nan": ([NAN, 1.0, -0.0], "float16"),
    "bfloat16_ties": ([1.0, 1.0, -0.0, 0.0], "bfloat16"),
    "float64_inf": ([-INF, 1e308, 1e308], "float64"),
    "zero_sized_2d": (np.zeros((0, 3)), "float32"),
}
INTS: dict[str, tuple[Any, str]] = {
    "uint8": ([0, 255, 7, 255], "uint8"),
    "int8_extremes": ([-128, 127, 0, -1], "int8"),
    "int32_ties": ([3, 1, 3, 1], "int32"),
    "int64_empty": ([], "int64"),
    "uint32": ([0, 4294967295, 5], "uint32"),
}
INDICES: dict[str, tuple[Any, str]] = {
    "in_range": ([0, 2, 1], "int32"),
    "negative": ([0, -1], "int32"),
    "too_large": ([1, 3], "int32"),
    "int64_too_large": ([7], "int64"),
    "empty_indices": ([], "int32"),
}
AXES: dict[str, Any] = {
    "axis_0": 0,
    "axis_-1": -1,
    "axis_dup": [0, 0],
    "axis_neg_dup": [1, -1],
    "axis_out_of_range": 2,
    "axis_list_empty": [],
}

Op = Callable[[Any, Any], Any]  # (tf, x) -> result


def _unary(path: str) -> Op:
    def op(tf: Any, x: Any) -> Any:
        fn = tf
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn(x)

    return op


# name -> (op, input kinds, differentiable)
OPS: dict[str, tuple[Op, tuple[str, ...], bool]] = {
    "sort": (lambda tf, x: tf.sort(x), ("float", "int"), False),
    "sort_descending": (lambda tf, x: tf.sort(x, direction="DESCENDING"), ("float", "int"), False),
    "argsort": (lambda tf, x: tf.argsort(x, stable=True), ("float", "int"), False),
    "top_k": (lambda tf, x: tuple(tf.math.top_k(x, min(2, x.shape[-1]))), ("float", "int"), False),
    "unique": (lambda tf, x: tuple(tf.unique(x)), ("float", "int"), False),
    "argmax": (lambda tf, x: tf.argmax(x), ("float", "int"), False),
    "argmin": (lambda tf, x: tf.argmin(x), ("float", "int"), False),
    "reduce_max": (lambda tf, x: tf.reduce_max(x), ("float", "int"), True),
    "reduce_min": (lambda tf, x: tf.reduce_min(x), ("float", "int"), True),
    "reduce_sum": (lambda tf, x: tf.reduce_sum(x), ("float", "int"), True),
    "reduce_mean": (lambda tf, x: tf.reduce_mean(x), ("float", "int"), True),
    "cumsum": (lambda tf, x: tf.math.cumsum(x), ("float", "int"), True),
    "cumprod": (lambda tf, x: tf.math.cumprod(x), ("float",), True),
    "softmax": (lambda tf, x: tf.nn.softmax(x), ("float",), True),
    "log_softmax": (lambda tf, x: tf.nn.log_softmax(x), ("float",), True),
    "logsumexp": (lambda tf, x: tf.reduce_logsumexp(x), ("float",), True),
    "sqrt": (_unary("math.sqrt"), ("float",), True),
    "rsqrt": (_unary("math.rsqrt"), ("float",), True),
    "reciprocal": (_unary("math.reciprocal"), ("float",), True),
    "where_sqrt": (lambda tf, x: tf.where(x > 0, tf.sqrt(x), tf.zeros_like(x)), ("float",), True),
    "sqrt_times_zero": (lambda tf, x: tf.sqrt(x) * 0, ("float",), True),
    "abs": (_unary("math.abs"), ("float",), True),
    "sign": (_unary("math.sign"), ("float",), True),
    "maximum_0": (lambda tf, x: tf.maximum(x, tf.zeros_like(x)), ("float", "int"), True),
    "relu": (_unary("nn.relu"), ("float",), True),
    "cast_int32": (lambda tf, x: tf.cast(x, tf.int32), ("float", "int"), False),
    "cast_uint8": (lambda tf, x: tf.cast(x, tf.uint8), ("float", "int"), False),
    "cast_int8": (lambda tf, x: tf.cast(x, tf.int8), ("float", "int"), False),
    "cast_float16": (lambda tf, x: tf.cast(x, tf.float16), ("float", "int"), False),
    "floordiv_by_self_minus_self": (lambda tf, x: x // (x - x), ("int",), False),
    "floormod_by_zero": (lambda tf, x: x % tf.zeros_like(x), ("int",), False),
    "gather": (lambda tf, i: tf.gather(tf.constant([1.0, 2.0, 3.0]), i), ("index",), False),
    "gather_nd": (
        lambda tf, i: tf.gather_nd(tf.constant([1.0, 2.0, 3.0]), tf.expand_dims(i, -1)),
        ("index",),
        False,
    ),
    "scatter_nd": (
        lambda tf, i: tf.scatter_nd(tf.expand_dims(i, -1), tf.ones_like(i), [3]),
        ("index",),
        False,
    ),
    "tensor_scatter_add": (
        lambda tf, i: tf.tensor_scatter_nd_add(
            tf.zeros([3], i.dtype), tf.expand_dims(i, -1), tf.ones_like(i)
        ),
        ("index",),
        False,
    ),
    "unsorted_segment_sum": (
        lambda tf, i: tf.math.unsorted_segment_sum(tf.ones_like(i), i, 3),
        ("index",),
        False,
    ),
    "one_hot": (lambda tf, i: tf.one_hot(i, 3), ("index",), False),
    "embedding_lookup": (
        lambda tf, i: tf.nn.embedding_lookup(tf.ones([3, 2]), i),
        ("index",),
        False,
    ),
    "reduce_sum_axis": (lambda tf, ax: tf.reduce_sum(tf.ones([2, 3]), axis=ax), ("axis",), False),
    "reduce_max_axis": (lambda tf, ax: tf.reduce_max(tf.ones([2, 3]), axis=ax), ("axis",), False),
    "reverse_axis": (lambda tf, ax: tf.reverse(tf.ones([2, 3]), axis=ax), ("axis",), False),
    "cumsum_axis": (lambda tf, ax: tf.math.cumsum(tf.ones([2, 3]), axis=ax), ("axis",), False),
    "argmax_axis": (lambda tf, ax: tf.argmax(tf.ones([2, 3]), axis=ax), ("axis",), False),
}  # fmt: skip

ROUNDING = "rounding: "  # a reason with this prefix holds only for values within 4 ulp
_UNIQUE_FN = (
    "tf.unique inside tf.function: its output length depends on the values and an XLA "
    "program's shapes are static; tfcompat raises NotImplementedError (eagerly it matches)"
)
_ZERO_SIGN = (
    "sign of a zero maximum/minimum: TF's Eigen reduction keeps whichever of -0.0/0.0 its "
    "SIMD lanes meet last; XLA's reduction tree picks another (the values are equal)"
)
_GRAD_ROUNDING = (
    ROUNDING + "TF's softmax/log_softmax/logsumexp gradient kernels sum in another order (and "
    "round half-type intermediates to the half type); XLA fuses with float32 intermediates"
)

# (op, input) or (op, input, mode) -> reason, for divergences that remain; "*" matches
# every input.
KNOWN: dict[tuple[str, ...], str] = {
    ("unique", "*", "function"): _UNIQUE_FN,
    ("reduce_max", "signed_zeros"): _ZERO_SIGN,
    ("reduce_min", "bfloat16_ties"): _ZERO_SIGN,
    ("softmax", "ties", "tape"): _GRAD_ROUNDING,
    ("log_softmax", "ties", "tape"): _GRAD_ROUNDING,
    ("softmax", "bfloat16_ties", "tape"): _GRAD_ROUNDING,
    ("log_softmax", "bfloat16_ties", "tape"): _GRAD_ROUNDING,
    ("logsumexp", "bfloat16_ties", "tape"): _GRAD_ROUNDING,
    ("softmax", "nan_first_ties"): "TF's oneDNN softmax (see below)",
    ("log_softmax", "nan_first_ties"): "TF's log_softmax kernel (see softmax)",
    ("softmax", "nan"): "TF's oneDNN softmax gives 0 for the finite entries of a row holding "
    "NaN; tfcompat gives NaN for the whole row",
    ("softmax", "infs"): "TF's oneDNN softmax: NaN only where +inf is, 0 elsewhere",
    ("softmax", "inf_and_nan"): "TF's oneDNN softmax (see above)",
    ("log_softmax", "nan"): "TF's log_softmax kernel on a row with NaN (see softmax)",
    ("log_softmax", "infs"): "TF's log_softmax kernel on a row with +inf (see softmax)",
    ("log_softmax", "inf_and_nan"): "TF's log_softmax kernel (see softmax)",
}


def _inputs(kind: str) -> dict[str, Any]:
    return {"float": FLOATS, "int": INTS, "index": INDICES, "axis": AXES}[kind]


def _make(tf: Any, kind: str, spec: Any) -> Any:
    if kind == "axis":
        return spec
    values, dtype = spec
    arr = np.asarray(values, dtype=np.float64 if kind == "float" else np.int64)
    return tf.cast(tf.constant(arr), dtype)


def _run(tf: Any, op: Op, kind: str, spec: Any, mode: str) -> Any:
    x = _make(tf, kind, spec)
    if mode == "eager":
        return op(tf, x)
    if mode == "function":
        if kind == "axis":
            return tf.function(lambda: op(tf, x))()
        return tf.function(lambda v: op(tf, v))(x)
    with tf.GradientTape() as tape:  # "tape"
        tape.watch(x)
        y = op(tf, x)
        w = tf.cast(tf.range(1, tf.size(y) + 1), y.dtype)
        loss = tf.reduce_sum(y * tf.reshape(w, tf.shape(y)))
    return y, tape.gradient(loss, x)


def _flat(r: Any) -> list[Any]:
    if isinstance(r, (tuple, list)):
        return [v for item in r for v in _flat(item)]
    return [r]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        if not (isinstance(a, BaseException) and isinstance(b, BaseException)):
            return False
        return type(a).__name__ == type(b).__name__
    fa, fb = _flat(a), _flat(b)
    if len(fa) != len(fb):
        return False
    for u, v in zip(fa, fb, strict=True):
        if (u is None) != (v is None):
            return False
        if u is None:
            continue
        if u.dtype.name != v.dtype.name:
            return False
        ua, va = np.asarray(u.numpy()), np.asarray(v.numpy())
        if ua.shape != va.shape:
            return False
        if ua.dtype.kind == "V" or ua.dtype.name == "bfloat16":
            ua, va = ua.astype(np.float32), va.astype(np.float32)
        if ua.tobytes() != va.tobytes():
            if ua.dtype.kind == "f":
                both_nan = np.isnan(ua) & np.isnan(va)
                ua_, va_ = np.where(both_nan, 0, ua), np.where(both_nan, 0, va)
                if np.atleast_1d(ua_).tobytes() == np.atleast_1d(va_).tobytes():
                    continue
            return False
    return True


def _capture(tf: Any, op: Op, kind: str, spec: Any, mode: str) -> Any:
    try:
        return _run(tf, op, kind, spec, mode)
    except Exception as exc:  # the exception is the result compared
        return exc


def cases(full: bool) -> list[tuple[str, str, str, str]]:
    """(op, kind, input, mode) tuples; the CI subset takes every third input."""
    out = []
    for name, (_, kinds, diff) in OPS.items():
        modes = ("eager", "function", "tape") if diff else ("eager", "function")
        for kind in kinds:
            inputs = list(_inputs(kind))
            if not full:
                inputs = inputs[::3]
            for inp in inputs:
                for mode in modes:
                    if mode == "tape" and kind != "float":
                        continue
                    out.append((name, kind, inp, mode))
    return out


def compare(tf: Any, tfc: Any, case: tuple[str, str, str, str]) -> tuple[bool, Any, Any]:
    name, kind, inp, mode = case
    op = OPS[name][0]
    spec = _inputs(kind)[inp]
    expected = _capture(tf, op, kind, spec, mode)
    actual = _capture(tfc, op, kind, spec, mode)
    return _same(expected, actual), expected, actual


def known(case: tuple[str, str, str, str]) -> str | None:
    name, _, inp, mode = case
    for key in ((name, inp, mode), (name, "*", mode), (name, inp), (name, "*")):
        if key in KNOWN:
            return KNOWN[key]
    return None


def _close(a: Any, b: Any) -> bool:
    """Values within 4 ulp of their dtype (for the `ROUNDING` reasons)."""
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return False
    fa, fb = _flat(a), _flat(b)
    if len(fa) != len(fb):
        return False
    for u, v in zip(fa, fb, strict=True):
        if u is None or v is None or u.dtype.name != v.dtype.name:
            return u is None and v is None
        eps = float(
            np.finfo(np.dtype(u.dtype.name) if u.dtype.name != "bfloat16" else np.float32).eps
        )
        if u.dtype.name == "bfloat16":
            eps = 2.0**-7
        ua = np.asarray(u.numpy()).astype(np.float64)
        va = np.asarray(v.numpy()).astype(np.float64)
        if ua.shape != va.shape or not np.allclose(
            ua, va, rtol=4 * eps, atol=4 * eps, equal_nan=True
        ):
            return False
    return True


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import logging

    import tensorflow as tf

    import tfcompat

    logging.getLogger("tensorflow").setLevel(logging.ERROR)

    tally: Counter[str] = Counter()
    new: list[str] = []
    explained: Counter[str] = Counter()
    all_cases = cases(full=True)
    for case in all_cases:
        ok, e, a = compare(tf, tfcompat, case)
        tally[case[3]] += 1
        if ok:
            continue
        reason = known(case)
        if reason and reason.startswith(ROUNDING) and not _close(e, a):
            reason = None
        if reason:
            explained[reason] += 1
        else:
            new.append(f"  {'/'.join(case)}:\n    TF:       {e!r}\n    tfcompat: {a!r}")
    ops = len(OPS)
    inputs = len(FLOATS) + len(INTS) + len(INDICES) + len(AXES)
    print(f"edge fuzz: {ops} ops x {inputs} edge inputs x 3 modes -> {len(all_cases)} cases")
    print("  per mode: " + ", ".join(f"{m} {n}" for m, n in sorted(tally.items())))
    print(f"  known divergences: {sum(explained.values())}")
    for reason, n in explained.most_common():
        print(f"    {n:3d}  {reason}")
    print(f"  new divergences: {len(new)}")
    for line in new:
        print(line)
    return 1 if new else 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    sys.exit(main())

"""Differential fuzzing of tfcompat against TF 2.21 (issue 6, part 1).

Hypothesis draws, per op in `OPS`: a dtype (bool, int8, uint8, int32, int64, float16,
bfloat16, float32, float64, complex64, complex128), shapes (rank 0-3, 0-sized included;
broadcastable pairs and, now and then, incompatible ones), values (NaN, +-inf, +-0,
huge, the smallest normal, ordinary numbers; no subnormals, which TF and XLA flush in
different kernels, see docs/reliability.md) and argument values (axes, keepdims,
transposes, target dtypes). Each example runs in TF and in tfcompat and must give the
same dtype, shape and values (NaN where NaN, the same infinities, finite values within
a per-dtype tolerance) or raise the same exception class. For floating inputs the
gradient through a tape, with a non-uniform upstream gradient, is compared too.

A divergence that `KNOWN_DIVERGENCES` explains is counted and accepted; any other fails
with the (shrunk) example. `--fuzz-long` runs many more random examples; the terminal
summary reports the counts. Set TFCOMPAT_FUZZ_SURVEY=1 to record new divergences
without failing (to list them).
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ml_dtypes
import numpy as np
import pytest
from conftest import TALLY
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tfcompare import Raised, _same_exception_class, capture

import tfcompat

pytestmark = pytest.mark.filterwarnings(
    # Fuzzing one op with ever new shapes is exactly a loop that keeps compiling.
    "ignore::tfcompat.experimental.RecompilationWarning"
)

SURVEY = os.environ.get("TFCOMPAT_FUZZ_SURVEY", "") not in ("", "0")
SURVEY_LOG: list[str] = []

INT_DTYPES = ("int8", "uint8", "int32", "int64")
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
ALL_DTYPES = ("bool", *INT_DTYPES, *FLOAT_DTYPES, *COMPLEX_DTYPES)
NUMERIC = (*INT_DTYPES, *FLOAT_DTYPES, *COMPLEX_DTYPES)
REAL = (*INT_DTYPES, *FLOAT_DTYPES)
INEXACT = (*FLOAT_DTYPES, *COMPLEX_DTYPES)
GRAD_DTYPES = ("float32", "float64")

# Finite-value tolerance per result dtype: (rtol, atol).
TOLERANCE = {
    "float16": (2e-3, 1e-4),
    "bfloat16": (1.6e-2, 1e-3),
    "float32": (2e-5, 1e-6),
    "float64": (1e-12, 1e-14),
    "complex64": (2e-5, 1e-6),
    "complex128": (1e-12, 1e-14),
}


# --------------------------------------------------------------------------------------
# The op table
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpSpec:
    """One public function to fuzz: its path under `tf`, how to draw its arguments."""

    name: str
    kind: str  # unary | binary | reduce | axis | matmul | cast | reshape | transpose
    dtypes: tuple[str, ...] = NUMERIC
    grad: bool = True
    extra: tuple[tuple[str, Any], ...] = ()  # fixed keyword arguments

    def __str__(self) -> str:
        return self.name


def _unary(names: str, dtypes: tuple[str, ...] = NUMERIC, grad: bool = True) -> list[OpSpec]:
    return [OpSpec(n, "unary", dtypes, grad) for n in names.split()]


def _binary(names: str, dtypes: tuple[str, ...] = NUMERIC, grad: bool = True) -> list[OpSpec]:
    return [OpSpec(n, "binary", dtypes, grad) for n in names.split()]


REDUCTIONS = (
    "math.reduce_sum",
    "math.reduce_mean",
    "math.reduce_max",
    "math.reduce_min",
    "math.reduce_prod",
    "math.reduce_logsumexp",
    "math.reduce_std",
    "math.reduce_variance",
    "math.reduce_euclidean_norm",
)
BOOL_REDUCTIONS = ("math.reduce_all", "math.reduce_any")
LOGICAL = ("math.logical_and", "math.logical_or", "math.logical_xor", "math.logical_not")

OPS: list[OpSpec] = [
    *_unary("math.abs math.negative math.sign math.square"),
    *_unary(
        "math.sqrt math.rsqrt math.reciprocal math.exp math.expm1 math.log math.log1p "
        "math.sin math.cos math.tan math.tanh math.sigmoid math.asinh math.atan",
        INEXACT,
    ),
    *_unary(
        "math.asin math.acos math.sinh math.cosh math.acosh math.atanh math.softplus "
        "math.erf math.erfc math.lgamma math.digamma math.log_sigmoid nn.relu nn.relu6 "
        "nn.elu nn.selu nn.leaky_relu nn.silu",
        FLOAT_DTYPES,
    ),
    *_unary("math.floor math.ceil math.round math.rint", FLOAT_DTYPES, grad=False),
    *_unary("math.is_nan math.is_inf math.is_finite", REAL, grad=False),
    *_unary("math.logical_not", ("bool", "int32", "float32"), grad=False),
    *_unary("math.real math.imag math.conj math.angle", NUMERIC),
    *_binary("math.add math.subtract math.multiply math.maximum math.minimum"),
    *_binary("math.divide math.truediv math.pow math.squared_difference"),
    *_binary("math.floordiv math.floormod", REAL, grad=False),
    *_binary("math.atan2 math.xlogy math.divide_no_nan math.multiply_no_nan", INEXACT),
    *_binary(
        "math.equal math.not_equal math.less math.less_equal math.greater math.greater_equal",
        ALL_DTYPES,
        grad=False,
    ),
    *_binary("math.logical_and math.logical_or math.logical_xor", ("bool", "int32"), False),
    *[OpSpec(n, "reduce") for n in REDUCTIONS],
    *[OpSpec(n, "reduce", ALL_DTYPES, False) for n in BOOL_REDUCTIONS],
    *[OpSpec(n, "axis", REAL, False) for n in ("math.argmax", "math.argmin")],
    *[OpSpec(n, "axis") for n in ("math.cumsum", "math.cumprod", "nn.softmax", "nn.log_softmax")],
    OpSpec("linalg.matmul", "matmul"),
    OpSpec("cast", "cast", ALL_DTYPES),
    OpSpec("reshape", "reshape", ALL_DTYPES),
    OpSpec("transpose", "transpose", ALL_DTYPES),
]

GRAD_OPS = [op for op in OPS if op.grad]


def _get(tf: Any, path: str) -> Callable[..., Any]:
    obj = tf
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


# --------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
SPECIALS = (np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e30, -3e38, 1.2e-38)


def _float_elements(width: int, finite: bool) -> st.SearchStrategy[float]:
    info = np.finfo({16: np.float16, 32: np.float32, 64: np.float64}[width])
    largest, tiny = float(info.max), float(info.tiny)

    def usable(v: float) -> bool:
        if not np.isfinite(v):
            return not finite
        return v == 0 or tiny <= abs(v) <= largest  # no subnormals, no overflow

    specials = [v for v in SPECIALS if usable(v)]
    return st.one_of(
        st.sampled_from(specials),
        st.floats(-4, 4, width=width, allow_subnormal=False),
        st.floats(
            width=width, allow_nan=not finite, allow_infinity=not finite, allow_subnormal=False
        ),
    )


def _values(dtype: str, shape: tuple[int, ...], finite: bool = False) -> st.SearchStrategy[Any]:
    if dtype == "bool":
        return hnp.arrays(np.bool_, shape)
    if dtype in INT_DTYPES:
        info = np.iinfo(dtype)
        elements = st.one_of(st.integers(-4, 4), st.integers(int(info.min), int(info.max)))
        elements = elements.filter(lambda v: info.min <= v <= info.max)
        return hnp.arrays(np.dtype(dtype), shape, elements=elements)
    if dtype in ("float16", "float32", "float64"):
        width = {"float16": 16, "float32": 32, "float64": 64}[dtype]
        return hnp.arrays(np.dtype(dtype), shape, elements=_float_elements(width, finite))
    if dtype == "bfloat16":
        f32 = hnp.arrays(np.float32, shape, elements=_float_elements(32, finite))
        return f32.map(lambda a: a.astype(ml_dtypes.bfloat16).astype(np.float32))
    width = 32 if dtype == "complex64" else 64
    part = hnp.arrays(np.dtype(f"float{width}"), shape, elements=_float_elements(width, finite))

    def assemble(ri: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        z = np.empty(shape, dtype)
        z.real, z.imag = ri
        return z

    return st.tuples(part, part).map(assemble)


@dataclass
class Case:
    """One drawn example: input arrays (with their TF dtype names) and keyword args."""

    arrays: list[np.ndarray]
    dtypes: list[str]
    kwargs: dict[str, Any]

    def __repr__(self) -> str:
        arrays = ", ".join(
            f"{d}{list(a.shape)}={a.tolist()!r}"
            for a, d in zip(self.arrays, self.dtypes, strict=True)
        )
        return f"Case({arrays}; {self.kwargs})"


def _axis(data: st.DataObject, rank: int, allow_none: bool = True) -> Any:
    choices: list[Any] = list(range(-rank - 1, rank + 1))  # includes invalid axes
    if allow_none:
        choices.append(None)
    return data.draw(st.sampled_from(choices), label="axis")


def draw_case(
    data: st.DataObject, op: OpSpec, dtypes: tuple[str, ...], finite: bool = False
) -> Case:
    dtype = data.draw(st.sampled_from(dtypes), label="dtype")
    kind = op.kind
    kwargs: dict[str, Any] = dict(op.extra)
    if kind == "binary":
        if data.draw(st.integers(0, 9), label="incompatible") == 0:
            shapes = (data.draw(SHAPES), data.draw(SHAPES))
        else:
            shapes = data.draw(
                hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
            ).input_shapes
        arrays = [data.draw(_values(dtype, s, finite)) for s in shapes]
        return Case(arrays, [dtype, dtype], kwargs)
    if kind == "matmul":
        n, k, m = (data.draw(st.integers(0, 4)) for _ in range(3))
        batch = data.draw(st.sampled_from([(), (2,)]))
        k2 = k if data.draw(st.integers(0, 9)) else data.draw(st.integers(0, 4))
        ta, tb = data.draw(st.booleans()), data.draw(st.booleans())
        a_shape = (*batch, k, n) if ta else (*batch, n, k)
        b_shape = (*batch, m, k2) if tb else (*batch, k2, m)
        arrays = [
            data.draw(_values(dtype, a_shape, finite)),
            data.draw(_values(dtype, b_shape, finite)),
        ]
        kwargs.update(transpose_a=ta, transpose_b=tb)
        return Case(arrays, [dtype, dtype], kwargs)
    shape = data.draw(SHAPES, label="shape")
    x = data.draw(_values(dtype, shape, finite), label="x")
    rank = len(shape)
    if kind == "reduce":
        kwargs.update(axis=_axis(data, rank), keepdims=data.draw(st.booleans(), label="keepdims"))
    elif kind == "axis":
        if op.name in ("math.argmax", "math.argmin"):
            kwargs["axis"] = _axis(data, rank, allow_none=False) if rank else None
        else:
            kwargs["axis"] = _axis(data, rank, allow_none=False)
    elif kind == "cast":
        kwargs["dtype"] = data.draw(st.sampled_from(ALL_DTYPES), label="to")
    elif kind == "reshape":
        size = int(np.prod(shape))
        target = [d for d in shape]
        data.draw(st.randoms()).shuffle(target)
        options = [[size], [-1], target, [size + 1], [-1, -1]]
        if size:
            options.append([-1, 1])
        kwargs["shape"] = data.draw(st.sampled_from(options), label="target")
    elif kind == "transpose":
        perm = list(range(rank))
        data.draw(st.randoms()).shuffle(perm)
        kwargs["perm"] = data.draw(st.sampled_from([None, perm, perm[:-1] or [0]]), label="perm")
    return Case([x], [dtype], kwargs)


# --------------------------------------------------------------------------------------
# Running and comparing
# --------------------------------------------------------------------------------------


def _tensor(tf: Any, array: np.ndarray, dtype: str) -> Any:
    if dtype == "bfloat16":
        return tf.cast(tf.constant(array), tf.bfloat16)
    return tf.constant(array, dtype=getattr(tf, dtype))


def _call(tf: Any, op: OpSpec, xs: list[Any], kwargs: dict[str, Any]) -> Any:
    fn = _get(tf, op.name)
    if op.kind == "cast":
        return fn(xs[0], getattr(tf, kwargs["dtype"]))
    if op.kind == "reshape":
        return fn(xs[0], kwargs["shape"])
    return fn(*xs, **kwargs)


def forward(op: OpSpec, case: Case) -> Callable[[Any], Any]:
    def snippet(tf: Any) -> Any:
        xs = [_tensor(tf, a, d) for a, d in zip(case.arrays, case.dtypes, strict=True)]
        return _call(tf, op, xs, case.kwargs)

    return snippet


def _seed(shape: Any, dtype: Any) -> np.ndarray:
    n = int(np.prod(shape)) if shape else 1
    return np.linspace(-1.5, 2.0, n).reshape(tuple(shape)).astype(dtype.as_numpy_dtype)


def gradient(op: OpSpec, case: Case) -> Callable[[Any], Any]:
    def snippet(tf: Any) -> Any:
        xs = [_tensor(tf, a, d) for a, d in zip(case.arrays, case.dtypes, strict=True)]
        with tf.GradientTape() as tape:
            for x in xs:
                tape.watch(x)
            y = _call(tf, op, xs, case.kwargs)
        seed = tf.constant(_seed(y.shape, y.dtype))
        return y, tape.gradient(y, xs, output_gradients=seed)

    return snippet


def mismatch(expected: Any, actual: Any, scale: float = 1.0, path: str = "") -> str | None:
    """Why `actual` (tfcompat) differs from `expected` (TF), or None if it does not."""
    if isinstance(expected, Raised) or isinstance(actual, Raised):
        if not (isinstance(expected, Raised) and isinstance(actual, Raised)):
            return f"{path} TF {expected!r}, tfcompat {actual!r}"
        if not _same_exception_class(expected.cls, actual.cls):
            return (
                f"{path} TF raised {expected.name}, tfcompat {actual.name}: {actual.message[:200]}"
            )
        return None
    if isinstance(expected, (list, tuple)):
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            why = mismatch(e, a, scale, f"{path}[{i}]")
            if why:
                return why
        return None
    if expected is None or actual is None:
        return None if expected is actual else f"{path} TF {expected!r}, tfcompat {actual!r}"
    if expected.dtype.name != actual.dtype.name:
        return f"{path} dtype {actual.dtype.name}, TF {expected.dtype.name}"
    e, a = np.asarray(expected.numpy()), np.asarray(actual.numpy())
    if e.shape != a.shape:
        return f"{path} shape {a.shape}, TF {e.shape}"
    if e.dtype.kind not in "fcV" and str(e.dtype) != "bfloat16":
        bad = e != a
    else:
        rtol, atol = TOLERANCE[expected.dtype.name]
        e64, a64 = e.astype(np.complex128), a.astype(np.complex128)
        bad = np.zeros(e.shape, bool)
        for part in (np.real, np.imag):
            pe, pa = part(e64), part(a64)
            both_nan = np.isnan(pe) & np.isnan(pa)
            close = np.isclose(pe, pa, rtol=rtol * scale, atol=atol * scale)
            bad |= ~(both_nan | (close & (np.isnan(pe) == np.isnan(pa))))
    if bad.any():
        idx = tuple(np.argwhere(bad)[0]) if bad.ndim else ()
        where = f"{list(idx)} ({int(bad.sum())} of {bad.size})"
        return f"{path} values differ at {where}: TF {e[idx]!r}, tfcompat {a[idx]!r}"
    return None


# --------------------------------------------------------------------------------------
# Known divergences: (op name or "*", mode or "*", predicate, reason)
# --------------------------------------------------------------------------------------

Predicate = Callable[[Case, str], bool]


def _has(case: Case, test: Callable[[np.ndarray], np.ndarray]) -> bool:
    return any(bool(np.any(test(np.asarray(a)))) for a in case.arrays if a.dtype.kind in "fc")


def _huge(case: Case) -> bool:
    return _has(case, lambda a: np.isfinite(a) & (np.abs(a) > 1e4))


def _nonfinite_complex(case: Case, why: str) -> bool:
    """Complex inputs with an infinite or NaN part, a part past 1e150 (|z|^2 overflows
    float64; TF's log gives NaN there), or an exact zero (1 / (-0-0j))."""
    return any(
        a.dtype.kind == "c"
        and not np.all(np.isfinite(a.real) & np.isfinite(a.imag) & (np.abs(a) < 1e150) & (a != 0))
        for a in case.arrays
    )


def _no_tf_kernel(case: Case, why: str) -> bool:
    return "NotFoundError" in why and "Could not find device" in why


def _huge_divisor(case: Case, why: str) -> bool:
    if len(case.arrays) < 2 or case.arrays[1].dtype.kind not in "fc":
        return False
    y = np.abs(np.asarray(case.arrays[1], np.complex128))
    limit = 1 / float(
        np.finfo(np.dtype(case.dtypes[1]) if case.dtypes[1] != "bfloat16" else np.float32).tiny
    )
    return bool(np.any(np.isfinite(y) & (y > limit)))


def _cast_out_of_range(case: Case, why: str) -> bool:
    target = case.kwargs.get("dtype", "")
    x = case.arrays[0]
    if target not in INT_DTYPES or x.dtype.kind not in "fc":
        return False
    info = np.iinfo(target)
    parts = [x.real, x.imag] if x.dtype.kind == "c" else [x]
    return any(
        bool(np.any(~np.isfinite(p) | (p < info.min) | (p > info.max + 1))) for p in parts[:1]
    )


def _scalar_axis(case: Case, why: str) -> bool:
    return case.arrays[0].ndim == 0 and case.kwargs.get("axis") is not None


def _huge_or_overflow(case: Case, why: str) -> bool:
    return _has(case, lambda a: np.isfinite(a) & (np.abs(a) > 1e15))


def _huge_or_infinite(case: Case, why: str) -> bool:
    return _has(case, lambda a: np.abs(a) > 1e15)


def _int_overflow(case: Case, why: str) -> bool:
    return all(a.dtype.kind in "iu" for a in case.arrays)


def _extreme(case: Case, why: str) -> bool:
    """Magnitudes where gradient formulas overflow (or divide by the smallest normal)."""
    return _has(
        case, lambda a: np.isfinite(a) & ((np.abs(a) > 1e15) | ((a != 0) & (np.abs(a) < 1e-30)))
    )


def _zero_seed_at_nan(case: Case, why: str) -> bool:
    """TF gives 0 where a zero upstream gradient meets a NaN/inf local derivative."""
    tf_part, _, ours = why.partition("tfcompat")
    return "(nan)" in ours and any(
        f"TF np.float{w}({z})" in tf_part for w in (32, 64) for z in ("0.0", "-0.0")
    )


def _tiny_complex(case: Case, why: str) -> bool:
    return any(
        a.dtype.kind == "c" and bool(np.any((a != 0) & (np.abs(a) < 1e-30))) for a in case.arrays
    )


def _empty_complex(case: Case, why: str) -> bool:
    return case.dtypes[0].startswith("complex") and case.arrays[0].size == 0


# (op or "*", mode or "*", predicate(case, why), reason). docs/reliability.md lists them.
KNOWN_DIVERGENCES: list[tuple[str, str, Predicate, str]] = [
    (
        "*",
        "*",
        _no_tf_kernel,
        "TF has no CPU kernel for this dtype (NotFoundError); tfcompat computes",
    ),
    (
        "*",
        "*",
        _nonfinite_complex,
        "complex inputs with an infinite or NaN part: Eigen's std::complex "
        "arithmetic and XLA's differ (C99 Annex G cases), e.g. (inf+nanj) * x",
    ),
    *[
        (
            name,
            "*",
            _huge_divisor,
            "XLA rewrites x / broadcast(y) as x * broadcast(1/y); 1/y "
            "is subnormal and flushed for |y| > 1/tiny",
        )
        for name in (
            "math.divide",
            "math.truediv",
            "math.divide_no_nan",
            "math.floordiv",
            "math.floormod",
            "math.xlogy",
            "math.pow",
            "math.reciprocal",
        )
    ],
    (
        "cast",
        "*",
        _cast_out_of_range,
        "casting NaN, inf or out-of-range floats to integers is "
        "undefined in C++: TF (x86) gives 0 or the wrapped value, XLA saturates",
    ),
    (
        "math.erf",
        "*",
        _huge_or_infinite,
        "TF's float64 erf returns NaN for |x| > ~1e16 and +-inf (tfcompat +-1)",
    ),
    (
        "math.pow",
        "forward",
        _int_overflow,
        "integer pow that overflows: TF and XLA wrap differently (repeated squaring orders differ)",
    ),
    (
        "math.pow",
        "gradient",
        _huge_or_overflow,
        "pow gradients at overflowing magnitudes: "
        "NaN in TF, 0 or inf in tfcompat (different formulas past overflow)",
    ),
    (
        "math.reduce_prod",
        "gradient",
        _huge_or_overflow,
        "reduce_prod gradient past overflow: "
        "TF multiplies exclusive cumulative products, JAX divides; -inf vs -1e188",
    ),
    (
        "nn.softmax",
        "*",
        _scalar_axis,
        "TF raises AbortedError for softmax of a scalar, tfcompat InvalidArgumentError",
    ),
    ("nn.log_softmax", "*", _scalar_axis, "as softmax"),
    (
        "*",
        "gradient",
        _extreme,
        "gradient formulas past overflow (|x| > 1e15, or dividing by "
        "~1e-38): TF and tfcompat give different ones of inf, NaN, 0 or a finite value",
    ),
    (
        "*",
        "gradient",
        _zero_seed_at_nan,
        "a zero upstream gradient at a point whose local "
        "derivative is NaN or inf: several TF kernels give 0, tfcompat (0 * NaN) NaN",
    ),
    (
        "math.sign",
        "*",
        _tiny_complex,
        "sign of a complex number near the smallest normal: TF 0 (|z| underflows), tfcompat z/|z|",
    ),
    (
        "math.multiply_no_nan",
        "*",
        _huge_or_overflow,
        "complex products past 1e30: rounding of the cross terms differs",
    ),
    (
        "math.reduce_mean",
        "*",
        _empty_complex,
        "mean of an empty complex tensor: TF 0, tfcompat NaN (0/0); for real dtypes both give NaN",
    ),
]


def _known(op: OpSpec, mode: str, case: Case, why: str) -> str | None:
    for name, m, predicate, reason in KNOWN_DIVERGENCES:
        if name in ("*", op.name) and m in ("*", mode):
            with np.errstate(all="ignore"):  # |z| of huge complex values overflows
                if predicate(case, why):
                    return reason
    return None


def _check(op: OpSpec, mode: str, case: Case, snippet: Callable[[Any], Any], real_tf: Any) -> None:
    counts = TALLY.setdefault((op.name, mode), Counter())
    expected = capture(snippet, real_tf)
    if (
        isinstance(expected, Raised)
        and expected.name == "AttributeError"
        and "module" in expected.message
    ):
        counts["skipped"] += 1
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tfcompat.experimental.RecompilationWarning)
        actual = capture(snippet, tfcompat)
    if (
        isinstance(actual, Raised)
        and actual.name == "AttributeError"
        and "tfcompat" in actual.message
    ):
        counts["skipped"] += 1
        return
    counts["compared"] += 1
    why = mismatch(expected, actual, scale=10.0 if mode == "gradient" else 1.0)
    if why is None:
        counts["matched"] += 1
        return
    if _known(op, mode, case, why):
        counts["known"] += 1
        return
    counts["new"] += 1
    report = f"{op.name} {mode}: {why}\n    {case!r}"
    if SURVEY:
        SURVEY_LOG.append(report)
        return
    raise AssertionError(report)


def _run(profile: str, body: Callable[[st.DataObject], None]) -> None:
    @settings(settings.get_profile(profile))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        body(data)

    run()


@pytest.mark.parametrize("op", OPS, ids=str)
def test_forward_matches_tf(real_tf: Any, fuzz_profile: str, op: OpSpec) -> None:
    def body(data: st.DataObject) -> None:
        case = draw_case(data, op, op.dtypes)
        _check(op, "forward", case, forward(op, case), real_tf)

    _run(fuzz_profile, body)


@pytest.mark.parametrize("op", GRAD_OPS, ids=str)
def test_gradient_matches_tf(real_tf: Any, fuzz_profile: str, op: OpSpec) -> None:
    dtypes = tuple(d for d in op.dtypes if d in GRAD_DTYPES) or ("float32",)

    def body(data: st.DataObject) -> None:
        case = draw_case(data, op, dtypes, finite=data.draw(st.booleans(), label="finite"))
        _check(op, "gradient", case, gradient(op, case), real_tf)

    _run(fuzz_profile, body)


def test_survey_report() -> None:
    """With TFCOMPAT_FUZZ_SURVEY=1: print the divergences recorded (runs last)."""
    if SURVEY and SURVEY_LOG:
        with open(os.environ.get("TFCOMPAT_FUZZ_SURVEY_FILE", "/dev/stdout"), "a") as f:
            f.write("\n".join(SURVEY_LOG) + "\n")

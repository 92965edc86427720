"""Comparing tfcompat with TensorFlow: `capture`, `Raised` and `assert_same`.

Used by `conftest.run_both` and directly by tests that compare with literal expectations
taken from TF 2.21 runs (so the core is still checked where TensorFlow is absent).
"""

from __future__ import annotations

import enum
import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

import tfcompat

__all__ = [
    "AMBIGUOUS",
    "NONE_UNSUPPORTED",
    "Mismatch",
    "Raised",
    "assert_same",
    "capture",
    "cpu_kernel",
    "signature_of",
]

# TF messages quoted by several test files.
NONE_UNSUPPORTED = (
    "Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a Tensor."
)
AMBIGUOUS = (
    "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()"
)


def cpu_kernel(op: str) -> str:
    """The prefix of TF's eager CPU kernel messages."""
    device = "/job:localhost/replica:0/task:0/device:CPU:0"
    return f"{{{{function_node __wrapped__{op}_device_{device}}}}} "


@dataclass(frozen=True)
class Raised:
    """What a snippet raised: the exception class and its message."""

    cls: type[BaseException]
    message: str

    @property
    def name(self) -> str:
        return self.cls.__name__


def capture(fn: Callable[[Any], Any], tf: Any) -> Any:
    """`fn(tf)`, or a `Raised` record when it raises."""
    try:
        return fn(tf)
    except Exception as exc:  # the exception is the result under test
        return Raised(type(exc), str(exc))


def _same_exception_class(expected: type[BaseException], actual: type[BaseException]) -> bool:
    """TF's `errors_impl.X` matches `tfcompat.errors.X`; any other class must be identical."""
    if expected.__module__.startswith("tensorflow"):
        return expected.__name__ == actual.__name__ and actual is getattr(
            tfcompat.errors, expected.__name__, None
        )
    return actual is expected


def _is_default_repr(x: Any) -> bool:
    return type(x).__repr__ is object.__repr__


def _same_float(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or repr(a) == repr(b)


class Mismatch(AssertionError):
    pass


def assert_same(
    expected: Any,
    actual: Any,
    *,
    rtol: float | None = None,
    message: bool = True,
    path: str = "result",
) -> None:
    """Assert that `actual` (tfcompat) is what `expected` (TensorFlow, or a literal) is.

    With `rtol`, tensor values are compared with that relative tolerance and their text
    (`repr`/`str`, which shows every digit) is not compared. With `message=False`,
    exception messages are not compared (only classes).
    """

    def fail(what: str) -> None:
        raise Mismatch(
            f"{path}: {what}\n  expected (TF): {expected!r}\n  actual (tfcompat): {actual!r}"
        )

    if isinstance(expected, Raised):
        if not isinstance(actual, Raised):
            fail("TensorFlow raised, tfcompat did not")
        if not _same_exception_class(expected.cls, actual.cls):
            got, want = actual.cls, expected.cls
            fail(f"class {got.__module__}.{got.__name__} is not {want.__module__}.{want.__name__}")
        if message and expected.message != actual.message:
            fail(f"message differs:\n  TF:       {expected.message!r}\n  tfc: {actual.message!r}")
        return
    if isinstance(actual, Raised):
        fail(f"tfcompat raised {actual.name}: {actual.message}")

    if type(expected).__name__ != type(actual).__name__:
        fail(f"type {type(actual).__name__} is not {type(expected).__name__}")

    if isinstance(expected, (list, tuple)):
        if len(expected) != len(actual):
            fail("lengths differ")
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_same(e, a, rtol=rtol, message=message, path=f"{path}[{i}]")
        return
    if isinstance(expected, Mapping):
        if list(expected) != list(actual):
            fail(f"keys {list(actual)} are not {list(expected)} (order matters)")
        for k in expected:
            assert_same(expected[k], actual[k], rtol=rtol, message=message, path=f"{path}[{k!r}]")
        return
    if expected is None or isinstance(expected, (bool, int, str, bytes)):
        if expected != actual:
            fail("values differ")
        return
    if isinstance(expected, (float, complex)):
        if isinstance(expected, complex):
            ok = _same_float(expected.real, actual.real) and _same_float(expected.imag, actual.imag)
        else:
            ok = _same_float(expected, actual)
        if not ok:
            fail("values differ")
        return
    if isinstance(expected, (np.ndarray, np.generic)):
        _assert_same_array(np.asarray(expected), np.asarray(actual), rtol, fail)
        if rtol is None and repr(expected) != repr(actual):
            fail("repr differs")
        return
    if hasattr(expected, "numpy") and hasattr(expected, "dtype") and hasattr(expected, "shape"):
        # A Tensor or Variable.
        if expected.dtype.name != actual.dtype.name:
            fail(f"dtype {actual.dtype.name} is not {expected.dtype.name}")
        if repr(expected.shape) != repr(actual.shape):
            fail(f"shape {actual.shape!r} is not {expected.shape!r}")
        e_arr, a_arr = np.asarray(expected.numpy()), np.asarray(actual.numpy())
        _assert_same_array(e_arr, a_arr, rtol, fail)
        if rtol is None or _bit_identical(e_arr, a_arr):
            if repr(expected) != repr(actual):
                fail(f"repr differs:\n  TF:       {expected!r}\n  tfcompat: {actual!r}")
            if str(expected) != str(actual):
                fail(f"str differs:\n  TF:       {expected!s}\n  tfcompat: {actual!s}")
        if type(expected).__name__ in ("ResourceVariable", "_UnreadVariable"):
            for attr in ("name", "trainable"):
                if getattr(expected, attr) != getattr(actual, attr):
                    fail(f".{attr} differs")
        return
    if isinstance(expected, enum.Enum) or not _is_default_repr(expected):
        # DType, TensorShape, enums, anything with a meaningful repr.
        if repr(expected) != repr(actual):
            fail("repr differs")
        if str(expected) != str(actual):
            fail("str differs")
        return
    # Objects with the default repr (GradientTape, ...): the type name was compared above.


def _bit_identical(e: np.ndarray, a: np.ndarray) -> bool:
    return e.dtype == a.dtype and e.shape == a.shape and e.tobytes() == a.tobytes()


def _assert_same_array(
    e: np.ndarray, a: np.ndarray, rtol: float | None, fail: Callable[[str], None]
) -> None:
    if e.dtype != a.dtype:
        fail(f"numpy dtype {a.dtype} is not {e.dtype}")
    if e.shape != a.shape:
        fail(f"numpy shape {a.shape} is not {e.shape}")
    if e.dtype == object:
        if e.tolist() != a.tolist():
            fail("values differ")
        return
    if e.dtype.kind == "V":  # ml_dtypes (bfloat16): compare as float64
        e, a = e.astype(np.float64), a.astype(np.float64)
    if rtol is None:
        if not np.array_equal(e, a, equal_nan=e.dtype.kind in "fc"):
            fail("values differ")
    elif not np.allclose(
        e.astype(np.complex128), a.astype(np.complex128), rtol=rtol, atol=0, equal_nan=True
    ):
        fail(f"values differ beyond rtol={rtol}")


def signature_of(fn: Any) -> list[tuple[str, str, str]]:
    """`inspect.signature(fn)` without annotations: (name, kind, repr(default)) per parameter."""
    return [
        (
            p.name,
            p.kind.name,
            "<required>" if p.default is inspect.Parameter.empty else repr(p.default),
        )
        for p in inspect.signature(fn).parameters.values()
    ]

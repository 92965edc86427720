"""`tf.test`: `TestCase` with TensorFlow's assertions, `main`, and device queries.

tfcompat implementation of `tf.test`. `TestCase` builds on `absl.testing.absltest` when
absl is installed (as TensorFlow's does, so `parameterized.TestCase` mixes in), otherwise
on `unittest.TestCase`. Everything is eager: `evaluate` returns NumPy values and
`session()`/`cached_session()` are contexts that yield None.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import unittest
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "TestCase",
    "get_temp_dir",
    "gpu_device_name",
    "is_built_with_cuda",
    "is_built_with_gpu_support",
    "is_built_with_rocm",
    "is_built_with_xla",
    "is_gpu_available",
    "main",
]

_absltest: Any
try:  # TensorFlow's TestCase is absltest's; keep that when absl is there
    from absl.testing import absltest as _absltest

    _Base: type = _absltest.TestCase
except ImportError:  # pragma: no cover - absl is optional
    _absltest = None
    _Base = unittest.TestCase


def main(argv: list[str] | None = None) -> None:
    """Run the tests of `__main__` (absltest's main when absl is installed)."""
    if _absltest is not None:
        _absltest.main(argv=argv)
    else:  # pragma: no cover
        unittest.main(argv=argv)


_temp_dir: str | None = None


def get_temp_dir() -> str:
    """A temporary directory shared by the tests of this process."""
    global _temp_dir
    if _temp_dir is None:
        _temp_dir = tempfile.mkdtemp(prefix="tfcompat_test_")
    return _temp_dir


def _gpus() -> list[Any]:
    import jax

    try:
        return list(jax.devices("gpu"))
    except RuntimeError:  # no GPU backend
        return []


def is_gpu_available(cuda_only: bool = False, min_cuda_compute_capability: Any = None) -> bool:
    """Whether JAX sees a GPU (deprecated in TF as in tfcompat; use tf.config)."""
    return bool(_gpus())


def gpu_device_name() -> str:
    """`'/device:GPU:0'` when a GPU is visible, else `''`, as TF."""
    return "/device:GPU:0" if _gpus() else ""


def is_built_with_cuda() -> bool:
    """Whether this JAX runs on CUDA GPUs (TF: whether the binary was built with CUDA)."""
    return bool(_gpus())


def is_built_with_rocm() -> bool:
    return False


def is_built_with_gpu_support() -> bool:
    return is_built_with_cuda()


def is_built_with_xla() -> bool:
    return True


def _to_numpy(value: Any) -> Any:
    from tfcompat._util import nest

    def leaf(x: Any) -> Any:
        if hasattr(x, "numpy"):
            return x.numpy()
        return x

    return nest.map_structure(leaf, value)


def _tolerance(dtype: Any, rtol: float, atol: float) -> tuple[float, float]:
    # TF loosens the tolerance for half types (`_GetNdArray` / `assertAllClose`).
    if dtype == np.float16:
        return max(rtol, 1e-3), max(atol, 1e-3)
    if str(dtype) == "bfloat16":
        return max(rtol, 1e-2), max(atol, 1e-2)
    return rtol, atol


class TestCase(_Base):
    """tfcompat implementation of `tf.test.TestCase`: TF's assertions on tfcompat values."""

    # -- running things -----------------------------------------------------------------
    def evaluate(self, tensors: Any) -> Any:
        """NumPy values of a (nested) structure of tensors and variables."""
        return _to_numpy(tensors)

    @contextlib.contextmanager
    def session(
        self, graph: Any = None, config: Any = None, use_gpu: bool = True, force_gpu: bool = False
    ) -> Iterator[None]:
        yield None

    @contextlib.contextmanager
    def cached_session(
        self, graph: Any = None, config: Any = None, use_gpu: bool = True, force_gpu: bool = False
    ) -> Iterator[None]:
        yield None

    def test_session(
        self, graph: Any = None, config: Any = None, use_gpu: bool = True, force_gpu: bool = False
    ) -> Any:
        """Use `cached_session` instead (as TF says); run as a test, it skips itself."""
        if self.id().endswith(".test_session"):
            self.skipTest(
                'Tests that have the name "test_session" are automatically skipped by '
                "TensorFlow test fixture, as the name is reserved for creating sessions "
                "within tests. Please rename your test if you have a test with this name."
            )
        return self.cached_session(graph, config, use_gpu, force_gpu)

    def get_temp_dir(self) -> str:
        path = tempfile.mkdtemp(dir=get_temp_dir())
        return path

    # -- numeric assertions -------------------------------------------------------------
    def _arrays(self, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(_to_numpy(a)), np.asarray(_to_numpy(b))

    def assertAllClose(
        self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6, msg: str | None = None
    ) -> None:
        """`a` and `b` (tensors, arrays, numbers, or nested lists/tuples/dicts) are close."""
        if isinstance(a, dict) or isinstance(b, dict):
            self.assertIsInstance(a, dict, msg)
            self.assertIsInstance(b, dict, msg)
            self.assertEqual(set(a), set(b), msg)
            for key in a:
                self.assertAllClose(a[key], b[key], rtol, atol, msg)
            return
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            try:
                a_arr, b_arr = self._arrays(a, b)
                if a_arr.dtype != object and b_arr.dtype != object:
                    self._assert_arrays_close(a_arr, b_arr, rtol, atol, msg)
                    return
            except ValueError:
                pass
            self.assertEqual(len(a), len(b), msg)
            for x, y in zip(a, b, strict=True):
                self.assertAllClose(x, y, rtol, atol, msg)
            return
        a_arr, b_arr = self._arrays(a, b)
        self._assert_arrays_close(a_arr, b_arr, rtol, atol, msg)

    def _assert_arrays_close(
        self, a: np.ndarray, b: np.ndarray, rtol: float, atol: float, msg: str | None
    ) -> None:
        self.assertEqual(
            a.shape,
            b.shape,
            f"Shape mismatch: expected {a.shape}, got {b.shape} with contents {b}. {msg or ''}",
        )
        rtol, atol = _tolerance(a.dtype, rtol, atol)
        rtol, atol = _tolerance(b.dtype, rtol, atol)
        if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
            np.testing.assert_allclose(
                a, b, rtol=rtol, atol=atol, err_msg=msg or "", equal_nan=True
            )

    def assertAllCloseAccordingToType(
        self,
        a: Any,
        b: Any,
        rtol: float = 1e-6,
        atol: float = 1e-6,
        float_rtol: float = 1e-6,
        float_atol: float = 1e-6,
        half_rtol: float = 1e-3,
        half_atol: float = 1e-3,
        bfloat16_rtol: float = 1e-2,
        bfloat16_atol: float = 1e-2,
        msg: str | None = None,
    ) -> None:
        a_arr, b_arr = self._arrays(a, b)
        dtypes = {str(a_arr.dtype), str(b_arr.dtype)}
        if dtypes & {"float32", "complex64"}:
            rtol, atol = max(rtol, float_rtol), max(atol, float_atol)
        if "float16" in dtypes:
            rtol, atol = max(rtol, half_rtol), max(atol, half_atol)
        if "bfloat16" in dtypes:
            rtol, atol = max(rtol, bfloat16_rtol), max(atol, bfloat16_atol)
        self.assertAllClose(a_arr, b_arr, rtol=rtol, atol=atol, msg=msg)

    def assertNotAllClose(
        self, a: Any, b: Any, rtol: float = 1e-6, atol: float = 1e-6, msg: str | None = None
    ) -> None:
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol, msg=msg)
        except AssertionError:
            return
        raise AssertionError(msg or "The two values are close at all elements")

    def assertAllEqual(self, a: Any, b: Any, msg: str | None = None) -> None:
        a_arr, b_arr = self._arrays(a, b)
        self.assertEqual(
            a_arr.shape,
            b_arr.shape,
            f"Shape mismatch: expected {a_arr.shape}, got {b_arr.shape}. {msg or ''}",
        )
        same = a_arr == b_arr
        if a_arr.dtype.kind in "fc" and b_arr.dtype.kind in "fc":
            same = same | (np.isnan(a_arr) & np.isnan(b_arr))
        if not np.all(same):
            np.testing.assert_array_equal(a_arr, b_arr, err_msg=msg or "")

    def assertNotAllEqual(self, a: Any, b: Any, msg: str | None = None) -> None:
        try:
            self.assertAllEqual(a, b, msg)
        except AssertionError:
            return
        raise AssertionError(msg or "Expected unequal values")

    def _compare_all(self, a: Any, comparison: Callable[[Any], Any], text: str) -> None:
        arr = np.asarray(_to_numpy(a))
        if not np.all(comparison(arr)):
            raise AssertionError(f"{arr} is not {text}")

    def assertAllGreater(self, a: Any, comparison_target: Any) -> None:
        self._compare_all(a, lambda x: x > comparison_target, f"> {comparison_target}")

    def assertAllGreaterEqual(self, a: Any, comparison_target: Any) -> None:
        self._compare_all(a, lambda x: x >= comparison_target, f">= {comparison_target}")

    def assertAllLess(self, a: Any, comparison_target: Any) -> None:
        self._compare_all(a, lambda x: x < comparison_target, f"< {comparison_target}")

    def assertAllLessEqual(self, a: Any, comparison_target: Any) -> None:
        self._compare_all(a, lambda x: x <= comparison_target, f"<= {comparison_target}")

    def assertAllInRange(
        self,
        target: Any,
        lower_bound: Any,
        upper_bound: Any,
        open_lower_bound: bool = False,
        open_upper_bound: bool = False,
    ) -> None:
        def inside(x: Any) -> Any:
            low = x > lower_bound if open_lower_bound else x >= lower_bound
            high = x < upper_bound if open_upper_bound else x <= upper_bound
            return low & high

        self._compare_all(target, inside, f"in range [{lower_bound}, {upper_bound}]")

    def assertAllInSet(self, target: Any, expected_set: Any) -> None:
        values = set(np.asarray(_to_numpy(target)).ravel().tolist())
        missing = values - set(expected_set)
        if missing:
            raise AssertionError(f"{sorted(missing)} are not in the set {expected_set}")

    def assertNear(self, f1: float, f2: float, err: float, msg: str | None = None) -> None:
        self.assertTrue(
            f1 == f2 or math.fabs(f1 - f2) <= err,
            f"{f1:f} != {f2:f} +/- {err:f}{' (' + msg + ')' if msg else ''}",
        )

    def assertArrayNear(
        self, farray1: Any, farray2: Any, err: float, msg: str | None = None
    ) -> None:
        self.assertEqual(len(farray1), len(farray2), msg=msg)
        for f1, f2 in zip(farray1, farray2, strict=True):
            self.assertNear(float(f1), float(f2), err, msg=msg)

    def assertShapeEqual(self, input_a: Any, input_b: Any, msg: str | None = None) -> None:
        """`input_a` (a NumPy array) has the shape of tensor `input_b`."""
        self.assertEqual(
            tuple(np.shape(input_a)),
            tuple(input_b.shape.as_list()),
            msg=msg,
        )

    def assertDTypeEqual(self, target: Any, expected_dtype: Any) -> None:
        from tfcompat._core.dtypes import as_dtype

        target = np.asarray(_to_numpy(target))
        expected = as_dtype(expected_dtype).as_numpy_dtype
        for value in [target] if target.dtype != object else target.ravel():
            self.assertEqual(np.asarray(value).dtype, expected)

    # -- exceptions -----------------------------------------------------------------------
    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(
        self, exception_type: type[BaseException], expected_err_re_or_predicate: Any
    ) -> Iterator[None]:
        import re

        if callable(expected_err_re_or_predicate):
            predicate = expected_err_re_or_predicate
        else:

            def predicate(e: BaseException) -> bool:
                return re.search(expected_err_re_or_predicate, str(e)) is not None

        try:
            yield
            self.fail(f"{exception_type.__name__} not raised")
        except Exception as e:
            if not isinstance(e, exception_type) or not predicate(e):
                raise AssertionError(f"Exception of type {type(e)}: {e}") from e

    def assertRaisesOpError(self, expected_err_re_or_predicate: Any) -> Any:
        from tfcompat import errors

        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)

    def assertRaisesIncompatibleShapesError(self, exception_type: Any = None) -> Any:
        from tfcompat import errors

        return self.assertRaisesWithPredicateMatch(
            exception_type or errors.InvalidArgumentError,
            r"Incompatible shapes|Dimensions must be equal|required broadcastable shapes",
        )

    def assertStartsWith(self, actual: str, expected_start: str, msg: str | None = None) -> None:
        if not actual.startswith(expected_start):
            self.fail(f"Did not start with {expected_start!r}: {actual!r} {msg or ''}")

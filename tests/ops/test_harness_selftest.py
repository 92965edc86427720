"""The op checks must be able to fail: planted wrong gradient rules are caught.

Each test registers a raw op with a deliberately wrong gradient rule (a mistake of the
kind real rules have: a wrong factor, JAX's convention at a kink, a missing reversal that
a `.sum()` seed cannot see) and asserts the relevant check raises `AssertionError`; the
same check passes with the correct rule, so the failure is not spurious.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import pytest
from op_harness import Arg, OpRecord, check_finite_differences, check_gradient_vs_tf

import tfcompat
from tfcompat._ops.registry import OPS, RawOp
from tfcompat._tape.engine import execute


def _is_tf(mod: Any) -> bool:
    return mod.__name__ == "tensorflow"


def _planted(monkeypatch: pytest.MonkeyPatch, name: str, fn: Any) -> Any:
    monkeypatch.setitem(OPS, name, RawOp(name, fn))
    return lambda x: execute(name, (tfcompat.convert_to_tensor(x),))


def _with_jvp(primal: Any, tangent: Any) -> Any:
    f = jax.custom_jvp(primal)
    f.defjvp(lambda p, t: (primal(p[0]), tangent(p[0], t[0])))
    return f


def _square_rule(factor: float) -> Any:
    return _with_jvp(lambda x: x * x, lambda x, t: factor * x * t)


def test_finite_differences_catch_a_wrong_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = _planted(monkeypatch, "SelfTestBadSquare", _square_rule(3.0))
    good = _planted(monkeypatch, "SelfTestGoodSquare", _square_rule(2.0))
    rec_bad = OpRecord("selftest.square", lambda tf, x: bad(x), (Arg((3,)),))
    rec_good = OpRecord("selftest.square", lambda tf, x: good(x), (Arg((3,)),))
    check_finite_differences(rec_good, "float64")
    with pytest.raises(AssertionError):
        check_finite_differences(rec_bad, "float64")


@pytest.mark.tf
def test_tf_comparison_catches_jax_convention_at_a_kink(
    tf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # JAX's abs'(0) is 1, TF's is 0. Finite differences cannot see a kink; TF can.
    jax_abs = _planted(monkeypatch, "SelfTestJaxAbs", jnp.abs)
    rec = OpRecord(
        "selftest.abs",
        lambda m, x: m.math.abs(x) if _is_tf(m) else jax_abs(x),
        (Arg((4,), special=(0.0,)),),
    )
    check_finite_differences(rec, "float64")  # blind at the kink
    with pytest.raises(AssertionError, match="gradient"):
        check_gradient_vs_tf(tf, rec, "float64")
    good = OpRecord("selftest.abs", lambda m, x: m.math.abs(x), (Arg((4,), special=(0.0,)),))
    check_gradient_vs_tf(tf, good, "float64")


def _reverse_rule(reverse_gradient: bool) -> Any:
    return _with_jvp(lambda x: x[::-1], lambda x, t: t[::-1] if reverse_gradient else t)


@pytest.mark.tf
def test_random_output_gradients_catch_a_symmetric_error(
    tf: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reversal whose gradient forgets to reverse: invisible to a ones seed (sum()).
    bad = _planted(monkeypatch, "SelfTestBadReverse", _reverse_rule(False))
    rec = OpRecord(
        "selftest.reverse", lambda m, x: m.reverse(x, [0]) if _is_tf(m) else bad(x), (Arg((5,)),)
    )
    x = tfcompat.constant([1.0, 2.0, 3.0, 4.0, 5.0])
    with tfcompat.GradientTape() as tape:
        tape.watch(x)
        y = tfcompat.reduce_sum(bad(x))
    assert tape.gradient(y, x).numpy().tolist() == [1.0] * 5  # the .sum() check passes
    with pytest.raises(AssertionError):
        check_gradient_vs_tf(tf, rec, "float64")
    with pytest.raises(AssertionError):
        check_finite_differences(rec, "float64")
    good = _planted(monkeypatch, "SelfTestGoodReverse", _reverse_rule(True))
    rec_good = OpRecord(
        "selftest.reverse", lambda m, x: m.reverse(x, [0]) if _is_tf(m) else good(x), (Arg((5,)),)
    )
    check_gradient_vs_tf(tf, rec_good, "float64")

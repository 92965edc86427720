"""The op-record harness: one table of records drives four checks per op.

A record (`OpRecord`) names a public function, says how to call it (`fn(tf, *inputs)`,
written once and run with both `tensorflow` and `tfcompat`), and describes its inputs
(`Arg`: shape, dtype, domain, planted kink and tie points). The checks:

1. `check_forward`: TF and tfcompat give the same shapes, dtypes and values.
2. `check_gradient_vs_tf`: `tape.gradient` with random `output_gradients` gives TF's
   gradients (None-ness, IndexedSlices-ness, dtype, shape, values), kinks and ties
   included. Random seeds make symmetric errors visible that a `.sum()` seed hides.
3. `check_finite_differences`: `jax.test_util.check_vjp` against a VJP built from a
   tfcompat tape (no TF involved), at points away from kinks.
4. `check_bad_input`: bad dtypes/shapes raise TF's exception class (and text).

Each check raises `AssertionError` on a mismatch; `test_harness_selftest.py` plants a
wrong gradient rule and asserts the checks catch it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import jax.numpy as jnp
import ml_dtypes
import numpy as np
from jax.test_util import check_vjp

import tfcompat

FLOAT = ("float32", "float64")
FLOAT_ALL = ("float16", "bfloat16", "float32", "float64")
COMPLEX = ("complex64", "complex128")
INT = ("int32", "int64")

_NP = {
    "bfloat16": np.dtype(ml_dtypes.bfloat16),
    "float16": np.dtype(np.float16),
    "float32": np.dtype(np.float32),
    "float64": np.dtype(np.float64),
    "complex64": np.dtype(np.complex64),
    "complex128": np.dtype(np.complex128),
    "int8": np.dtype(np.int8),
    "int16": np.dtype(np.int16),
    "int32": np.dtype(np.int32),
    "int64": np.dtype(np.int64),
    "uint8": np.dtype(np.uint8),
    "uint16": np.dtype(np.uint16),
    "uint32": np.dtype(np.uint32),
    "uint64": np.dtype(np.uint64),
    "bool": np.dtype(np.bool_),
}

# (rtol, atol) per dtype for values; gradients use _GRAD_TOL.
_TOL = {
    "float16": (5e-3, 5e-3),
    "bfloat16": (3e-2, 3e-2),
    "float32": (2e-5, 2e-6),
    "float64": (1e-10, 1e-12),
    "complex64": (2e-5, 2e-6),
    "complex128": (1e-10, 1e-12),
}
_GRAD_TOL = {
    "float16": (1e-2, 1e-2),
    "bfloat16": (5e-2, 5e-2),
    "float32": (1e-4, 1e-5),
    "float64": (1e-9, 1e-11),
    "complex64": (1e-4, 1e-5),
    "complex128": (1e-9, 1e-11),
}


def is_inexact(dtype: str) -> bool:
    return dtype.startswith(("float", "bfloat", "complex"))


@dataclass(frozen=True)
class Arg:
    """One input of a record.

    Attributes:
      shape: the input's shape.
      dtype: a fixed dtype name; None means the dtype under test.
      lo, hi: the domain of random values (integers: `hi` exclusive).
      special: values planted at the first positions (kinks, edges); used by the checks
        against TF, never by the finite-difference check.
      tie: index of an earlier argument whose first `len` elements this one copies in the
        TF checks (ties of maximum/minimum/...); shapes must match.
      value: a fixed value (indices, segment ids): used as is, in every check.
      grad: differentiate with respect to this input (when its dtype is inexact).
      var: pass a `tf.Variable` instead of a constant.
    """

    shape: tuple[int, ...] = ()
    dtype: str | None = None
    lo: float = -2.0
    hi: float = 2.0
    special: tuple[Any, ...] = ()
    tie: int | None = None
    value: Any = None
    grad: bool = True
    var: bool = False


@dataclass(frozen=True)
class Bad:
    """A bad call: TF and tfcompat must raise the same exception class (and message)."""

    why: str
    fn: Callable[[Any], Any]
    message: bool = True


@dataclass(frozen=True)
class OpRecord:
    """One public function under test.

    Attributes:
      name: the public path below `tf` ("math.add", "nn.relu", "reshape").
      fn: `fn(tf, *inputs)` calls it; `tf` is `tensorflow` or `tfcompat`.
      args: the inputs.
      dtypes: the dtypes under test (for args whose dtype is None).
      variant: distinguishes several records of one name (attributes, modes).
      grad: True if differentiable; False means TF and tfcompat must both give None.
      grad_vs_tf: compare gradients with TF (False for random ops).
      fd: run the finite-difference check (float64/complex128 only).
      values: compare forward values (False: shapes and dtypes only, e.g. random ops).
      tol, grad_tol: per-dtype (rtol, atol) overrides.
      canon: maps the list of NumPy outputs before comparison (e.g. eigenvector signs).
      bad: bad calls and the exception TF raises.
      targets: indices of outputs differentiated (default: every inexact output).
    """

    name: str
    fn: Callable[..., Any]
    args: tuple[Arg, ...] = ()
    dtypes: tuple[str, ...] = FLOAT
    variant: str = ""
    grad: bool = True
    grad_vs_tf: bool = True
    fd: bool = True
    values: bool = True
    tol: dict[str, tuple[float, float]] = field(default_factory=dict)
    grad_tol: dict[str, tuple[float, float]] = field(default_factory=dict)
    fd_tol: float | None = None
    canon: Callable[[list[np.ndarray]], list[np.ndarray]] | None = None
    bad: tuple[Bad, ...] = ()
    targets: tuple[int, ...] | None = None

    @property
    def id(self) -> str:
        return f"{self.name}[{self.variant}]" if self.variant else self.name


# ---------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------


def _seed(*parts: Any) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def _random(rng: np.random.Generator, arg: Arg, dtype: str) -> np.ndarray:
    npd = _NP[dtype]
    shape = arg.shape
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith(("int", "uint")):
        return rng.integers(int(arg.lo), int(arg.hi), size=shape).astype(npd)
    if dtype.startswith("complex"):
        re = rng.uniform(arg.lo, arg.hi, size=shape)
        im = rng.uniform(arg.lo, arg.hi, size=shape)
        return (re + 1j * im).astype(npd)
    return rng.uniform(arg.lo, arg.hi, size=shape).astype(npd)


def arg_dtype(arg: Arg, dtype: str) -> str:
    return arg.dtype if arg.dtype is not None else dtype


def make_arrays(rec: OpRecord, dtype: str, special: bool = True) -> list[np.ndarray]:
    """The NumPy inputs of `rec` at `dtype` (deterministic per record and dtype)."""
    rng = np.random.default_rng(_seed(rec.id, dtype, special))
    arrays: list[np.ndarray] = []
    for arg in rec.args:
        d = arg_dtype(arg, dtype)
        if arg.value is not None:
            arr = np.asarray(arg.value, _NP[d]) if d in _NP else np.asarray(arg.value)
        else:
            arr = _random(rng, arg, d)
            if special and arg.tie is not None:
                flat, other = arr.reshape(-1), arrays[arg.tie].reshape(-1)
                n = max(1, flat.size // 2)
                flat[:n] = other[:n].astype(arr.dtype)
            if special and arg.special:
                flat = arr.reshape(-1)
                k = min(len(arg.special), flat.size)
                flat[:k] = np.asarray(arg.special[:k]).astype(arr.dtype)
        arrays.append(arr)
    return arrays


def make_inputs(mod: Any, rec: OpRecord, arrays: Sequence[np.ndarray]) -> list[Any]:
    out = []
    for arg, arr in zip(rec.args, arrays, strict=True):
        t = mod.constant(arr)
        out.append(mod.Variable(t) if arg.var else t)
    return out


def diff_positions(rec: OpRecord, dtype: str) -> list[int]:
    return [
        i
        for i, a in enumerate(rec.args)
        if a.grad and a.value is None and is_inexact(arg_dtype(a, dtype))
    ]


# ---------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------


def flatten(out: Any) -> list[Any]:
    if isinstance(out, (list, tuple)):
        flat: list[Any] = []
        for o in out:
            flat.extend(flatten(o))
        return flat
    return [out]


def _dtype_name(t: Any) -> str:
    return t.dtype.name


def to_numpy(t: Any) -> np.ndarray:
    return np.asarray(t.numpy())


def _tol(rec: OpRecord, dtype: str, grad: bool) -> tuple[float, float]:
    table = rec.grad_tol if grad else rec.tol
    if dtype in table:
        return table[dtype]
    default = _GRAD_TOL if grad else _TOL
    return default.get(dtype, (0.0, 0.0))


def assert_same_values(
    expected: np.ndarray, actual: np.ndarray, dtype: str, tol: tuple[float, float], what: str
) -> None:
    assert expected.shape == actual.shape, f"{what}: shape {actual.shape} != TF's {expected.shape}"
    if expected.dtype == object or not is_inexact(dtype):
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    rtol, atol = tol
    e = expected.astype(np.complex128 if dtype.startswith("complex") else np.float64)
    a = actual.astype(e.dtype)
    np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=what)


# ---------------------------------------------------------------------------------------
# Check 1: forward vs TF
# ---------------------------------------------------------------------------------------


def run_forward(mod: Any, rec: OpRecord, arrays: Sequence[np.ndarray]) -> list[Any]:
    return flatten(rec.fn(mod, *make_inputs(mod, rec, arrays)))


def check_forward(tf: Any, rec: OpRecord, dtype: str) -> None:
    arrays = make_arrays(rec, dtype)
    expected = run_forward(tf, rec, arrays)
    actual = run_forward(tfcompat, rec, arrays)
    assert len(actual) == len(expected), f"{len(actual)} outputs, TF gives {len(expected)}"
    for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
        if e is None:
            assert a is None, f"output {i}: {type(a).__name__}, TF returns None"
            continue
        assert isinstance(a, tfcompat.Tensor), f"output {i}: {type(a).__name__} is not a Tensor"
        assert tuple(a.shape) == tuple(e.shape), f"output {i}: shape {a.shape} != TF's {e.shape}"
        assert _dtype_name(a) == _dtype_name(e), (
            f"output {i}: dtype {a.dtype!r} != TF's {e.dtype!r}"
        )
    if not rec.values:
        return
    keep = [i for i, e in enumerate(expected) if e is not None]
    expected = [expected[i] for i in keep]
    ev = [to_numpy(e) for e in expected]
    av = [to_numpy(actual[i]) for i in keep]
    if rec.canon is not None:
        ev, av = rec.canon(ev), rec.canon(av)
    for i, (e, a) in enumerate(zip(ev, av, strict=True)):
        assert_same_values(
            e,
            a,
            _dtype_name(expected[i]),
            _tol(rec, _dtype_name(expected[i]), False),
            f"output {i}",
        )


# ---------------------------------------------------------------------------------------
# Check 2: gradient vs TF with random output_gradients
# ---------------------------------------------------------------------------------------


def _targets(rec: OpRecord, outs: list[Any]) -> list[int]:
    if rec.targets is not None:
        return list(rec.targets)
    return [i for i, o in enumerate(outs) if o is not None and is_inexact(_dtype_name(o))]


def random_seeds(
    rec: OpRecord, dtype: str, outs: list[Any], targets: list[int]
) -> list[np.ndarray]:
    rng = np.random.default_rng(_seed(rec.id, dtype, "seed"))
    seeds = []
    for i in targets:
        o = outs[i]
        d = _dtype_name(o)
        s = rng.standard_normal(tuple(o.shape))
        if d.startswith("complex"):
            s = s + 1j * rng.standard_normal(tuple(o.shape))
        seeds.append(np.asarray(s).astype(_NP[d]))
    return seeds


def dense_grad(mod: Any, g: Any) -> tuple[str, np.ndarray] | None:
    """(kind, dense value) of a gradient: kind is 'Tensor' or 'IndexedSlices'."""
    if g is None:
        return None
    kind = "IndexedSlices" if type(g).__name__ == "IndexedSlices" else "Tensor"
    return kind, to_numpy(mod.convert_to_tensor(g))


def run_gradient(
    mod: Any,
    rec: OpRecord,
    dtype: str,
    arrays: Sequence[np.ndarray],
    seeds: Sequence[np.ndarray] | None,
) -> tuple[list[Any], list[Any]]:
    """Returns (outputs, gradients) of `rec` under a tape; sources are the diff inputs."""
    inputs = make_inputs(mod, rec, arrays)
    pos = diff_positions(rec, dtype)
    with mod.GradientTape(persistent=True) as tape:
        for i in pos:
            if not rec.args[i].var:
                tape.watch(inputs[i])
        outs = flatten(rec.fn(mod, *inputs))
    targets = _targets(rec, outs)
    if seeds is None:
        return outs, []
    og = [mod.constant(s) for s in seeds]
    grads = tape.gradient([outs[i] for i in targets], [inputs[i] for i in pos], output_gradients=og)
    return outs, grads


def check_gradient_vs_tf(tf: Any, rec: OpRecord, dtype: str) -> None:
    arrays = make_arrays(rec, dtype)
    outs, _ = run_gradient(tf, rec, dtype, arrays, None)
    targets = _targets(rec, outs)
    seeds = random_seeds(rec, dtype, outs, targets)
    _, expected = run_gradient(tf, rec, dtype, arrays, seeds)
    _, actual = run_gradient(tfcompat, rec, dtype, arrays, seeds)
    pos = diff_positions(rec, dtype)
    assert len(actual) == len(expected)
    for k, (e, a) in enumerate(zip(expected, actual, strict=True)):
        what = f"gradient w.r.t. input {pos[k]}"
        de, da = dense_grad(tf, e), dense_grad(tfcompat, a)
        if de is None or da is None:
            assert de is None and da is None, (
                f"{what}: {'None' if da is None else 'a gradient'}, TF gives "
                f"{'None' if de is None else 'a gradient'}"
            )
            continue
        assert da[0] == de[0], f"{what}: a {da[0]}, TF gives a {de[0]}"
        assert _dtype_name(a) == _dtype_name(e), f"{what}: dtype {a.dtype!r} != TF's {e.dtype!r}"
        assert_same_values(de[1], da[1], _dtype_name(e), _tol(rec, _dtype_name(e), True), what)


# ---------------------------------------------------------------------------------------
# Check 3: finite differences through jax.test_util.check_vjp (no TF)
# ---------------------------------------------------------------------------------------

FD_DTYPES = {"float64", "complex128"}


def check_finite_differences(rec: OpRecord, dtype: str, module: Any = tfcompat) -> None:
    """`check_vjp` with a VJP read off a tfcompat tape, at points without planted kinks."""
    arrays = make_arrays(rec, dtype, special=False)
    pos = diff_positions(rec, dtype)

    def full(dargs: Sequence[Any]) -> list[np.ndarray]:
        vals = list(arrays)
        for i, a in zip(pos, dargs, strict=True):
            vals[i] = np.asarray(a)
        return vals

    def f(*dargs: Any) -> list[Any]:
        outs = run_forward(module, rec, full(dargs))
        return [jnp.asarray(to_numpy(outs[i])) for i in _targets(rec, outs)]

    def f_vjp(*dargs: Any) -> Any:
        inputs = make_inputs(module, rec, full(dargs))
        with module.GradientTape(persistent=True) as tape:
            for i in pos:
                if not rec.args[i].var:
                    tape.watch(inputs[i])
            outs = flatten(rec.fn(module, *inputs))
        targets = [outs[i] for i in _targets(rec, outs)]

        def vjp(cts: Sequence[Any]) -> tuple[Any, ...]:
            # JAX's convention from TF's: jax_vjp(c) = conj(tf_grad(conj(c))).
            og = [module.constant(np.conj(np.asarray(c))) for c in cts]
            grads = tape.gradient(targets, [inputs[i] for i in pos], output_gradients=og)
            res = []
            for i, g in zip(pos, grads, strict=True):
                d = dense_grad(module, g)
                res.append(
                    jnp.zeros_like(jnp.asarray(arrays[i]))
                    if d is None
                    else jnp.asarray(np.conj(d[1]))
                )
            return tuple(res)

        return [jnp.asarray(to_numpy(t)) for t in targets], vjp

    if not _targets(rec, run_forward(module, rec, arrays)):
        return  # no inexact output: nothing to differentiate
    tol = rec.fd_tol if rec.fd_tol is not None else 1e-5
    check_vjp(
        f, f_vjp, tuple(jnp.asarray(arrays[i]) for i in pos), atol=tol, rtol=tol, err_msg=rec.id
    )


# ---------------------------------------------------------------------------------------
# Check 4: bad input raises TF's exception class
# ---------------------------------------------------------------------------------------


def _raised(fn: Callable[[], Any]) -> BaseException | None:
    try:
        fn()
    except Exception as exc:
        return exc
    return None


def check_bad_input(tf: Any, bad: Bad) -> None:
    expected = _raised(lambda: bad.fn(tf))
    assert expected is not None, f"TF does not raise for {bad.why!r}: fix the record"
    actual = _raised(lambda: bad.fn(tfcompat))
    assert actual is not None, (
        f"tfcompat does not raise for {bad.why!r}; TF raises {type(expected).__name__}: {expected}"
    )
    if isinstance(expected, tf.errors.OpError):
        cls = getattr(tfcompat.errors, type(expected).__name__)
        assert isinstance(actual, cls), (
            f"{bad.why}: {type(actual).__name__}({actual}), TF raises "
            f"{type(expected).__name__}({expected})"
        )
    else:
        assert type(actual) is type(expected), (
            f"{bad.why}: {type(actual).__name__}({actual}), TF raises "
            f"{type(expected).__name__}({expected})"
        )
    if bad.message:
        assert str(actual) == str(expected), (
            f"{bad.why}: message {str(actual)!r}, TF's {str(expected)!r}"
        )

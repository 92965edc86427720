"""Raw math ops: element-wise arithmetic, comparisons, reductions, scans, segments.

Each function is TF's op type; where TF's gradient convention differs from JAX's, a
`jax.custom_jvp` pins TF's rule and the comment cites TF's gradient function
(`tensorflow/python/ops/math_grad.py`). Complex gradients need no code here: the engine
conjugates seeds and results (TF's gradient is the conjugate of JAX's).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
import numpy as np
from jax import lax
from jax.custom_derivatives import SymbolicZero

from tfcompat._core import errors
from tfcompat._ops import cpu_topk, zero_seed
from tfcompat._ops.registry import ELEMENTWISE, register

_EW = frozenset({ELEMENTWISE})


def _broadcast_error(op: str) -> Any:
    def error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
        shapes = ["[" + ",".join(map(str, a[0])) + "]" for a in in_avals]
        if len(shapes) == 2:
            return errors.kernel_error(op, f"Incompatible shapes: {shapes[0]} vs. {shapes[1]}")
        return None

    return error


def _binary(name: str, fn: Any, differentiable: bool = True, elementwise: bool = True) -> None:
    tags = _EW if elementwise else frozenset()
    register(name, differentiable=differentiable, error=_broadcast_error(name), tags=tags)(fn)


def _zero(x: Any) -> Any:
    return jnp.zeros((), x.dtype)


def _div_no_nan(x: Any, y: Any) -> Any:
    return jnp.where(
        y == 0, jnp.zeros((), x.dtype), true_divide(x, jnp.where(y == 0, jnp.ones((), y.dtype), y))
    )


# -- binary arithmetic ---------------------------------------------------------------
_binary("AddV2", lambda x, y: x + y)
_binary("Sub", lambda x, y: x - y)
_binary("Mul", lambda x, y: x * y)


def _divide(x: Any, y: Any) -> Any:
    """`x / y` rounded as one IEEE division, as TF's kernels divide.

    XLA rewrites a division by a broadcast value (`x / 255.0`, `x / n` with a scalar
    `n`) into a multiplication by its reciprocal, which is off by one ulp for about a
    third of the values. The divisor here is a select that depends on `x` (it is `x`
    itself only where `x` is NaN, where the quotient is NaN either way), so it is no
    longer a broadcast and the division stays a division."""
    return x / jnp.where(x != x, x, y)


def _div_no_nan_tangent(t: Any, y: Any) -> Any:
    """`div_no_nan(t, y)` where `t` is a JVP tangent (linear in `t`)."""
    safe = jnp.where(y == 0, jnp.ones((), y.dtype), y)
    return jnp.where(y == 0, jnp.zeros((), t.dtype), divide_tangent(t, safe))


def divide_tangent(t: Any, y: Any) -> Any:
    """`t / y` as one IEEE division where `t` is a JVP tangent (`_divide` compares its
    numerator, which a tangent may not be): a broadcast divisor is materialized behind
    an optimization barrier instead."""
    shape = jnp.broadcast_shapes(jnp.shape(t), jnp.shape(y))
    if jnp.shape(y) == shape or not jnp.issubdtype(jnp.result_type(t, y), jnp.inexact):
        return t / y
    return t / lax.optimization_barrier(jnp.broadcast_to(y, shape))


@jax.custom_jvp
def _exact_divide(x: Any, y: Any) -> Any:
    return _divide(x, y)


@_exact_divide.defjvp
def _exact_divide_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _RealDivGrad: dx = g / y, dy = g * ((-x / y) / y), each division exact.
    x, y = primals
    dx, dy = tangents
    out = _divide(x, y)
    return out, divide_tangent(dx, y) + dy * _divide(_divide(-x, y), y)


def true_divide(x: Any, y: Any) -> Any:
    """`x / y` as TF's kernels divide (one IEEE division, TF's gradient)."""
    if not jnp.issubdtype(jnp.result_type(x, y), jnp.inexact):
        return x / y
    return _exact_divide(x, y)


_binary("RealDiv", true_divide)


def _floor_div(x: Any, y: Any) -> Any:
    # TF's FloorDiv on floats is floor(x / y): inf // 1 is inf and -1 // inf is -0.0
    # (jnp.floor_divide, like Python, gives nan and -1.0).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return jnp.floor(true_divide(x, y))
    return jnp.floor_divide(x, y)


_binary("FloorDiv", _floor_div, differentiable=False)  # ops.NotDifferentiable("FloorDiv")
_binary("FloorMod", jnp.mod)


def _squared_difference(x: Any, y: Any) -> Any:
    d = x - y
    return d * jnp.conj(d) if jnp.iscomplexobj(d) else d * d


@jax.custom_jvp
def _squared_difference_op(x: Any, y: Any) -> Any:
    return _squared_difference(x, y)


@_squared_difference_op.defjvp
def _squared_difference_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _SquaredDifferenceGrad: 2 * g * (x - y), without conjugation for complex x.
    x, y = primals
    dx, dy = tangents
    d = x - y
    return _squared_difference(x, y), 2 * jnp.conj(d) * (dx - dy)


_binary("SquaredDifference", _squared_difference_op)
_binary("Atan2", jnp.arctan2)


@jax.custom_jvp
def _pow(x: Any, y: Any) -> Any:
    return jnp.power(x, y)


def _pow_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _PowGrad: dx = y * x**(y-1); dy = z * log(x) where x > 0 (x != 0 for complex)
    # and 0 elsewhere (JAX gives NaN for x < 0). A zero tangent (`x**2`: the exponent is
    # a constant) is symbolic: its term is neither traced nor computed, and cannot turn
    # the other into NaN (0 * log(x) * inf).
    x, y = primals
    dx, dy = tangents
    z = jnp.power(x, y)
    out = None
    if type(dx) is not SymbolicZero:
        out = dx * y * jnp.power(x, y - 1)
    if type(dy) is not SymbolicZero:
        mask = (x != 0) if jnp.iscomplexobj(x) else (x > 0)
        log_x = jnp.where(mask, jnp.log(jnp.where(mask, x, jnp.ones((), x.dtype))), _zero(x))
        out = dy * z * log_x if out is None else out + dy * z * log_x
    if out is None:
        out = jnp.zeros_like(z)
    return z, jnp.broadcast_to(out, z.shape)


_pow.defjvp(_pow_jvp, symbolic_zeros=True)
_binary("Pow", _pow)


def _tf_max(x: Any, y: Any) -> Any:
    # TF's CPU kernel: NaN from either side, else `x < y ? y : x` (a tie of -0.0 and 0.0
    # gives x, where XLA's max gives 0.0).
    if not jnp.issubdtype(jnp.result_type(x), jnp.floating):
        return jnp.maximum(x, y)
    return jnp.where(jnp.isnan(x), x, jnp.where(jnp.isnan(y), y, jnp.where(x < y, y, x)))


def _tf_min(x: Any, y: Any) -> Any:
    # TF's CPU kernel: NaN from either side, else `y < x ? y : x`.
    if not jnp.issubdtype(jnp.result_type(x), jnp.floating):
        return jnp.minimum(x, y)
    return jnp.where(jnp.isnan(x), x, jnp.where(jnp.isnan(y), y, jnp.where(y < x, y, x)))


@jax.custom_jvp
def _maximum(x: Any, y: Any) -> Any:
    return _tf_max(x, y)


@_maximum.defjvp
def _maximum_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _MaximumGrad: the whole gradient goes to x where x >= y.
    x, y = primals
    dx, dy = tangents
    out = _tf_max(x, y)
    return out, jnp.broadcast_to(jnp.where(x >= y, dx, dy), out.shape)


@jax.custom_jvp
def _minimum(x: Any, y: Any) -> Any:
    return _tf_min(x, y)


@_minimum.defjvp
def _minimum_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _MinimumGrad: the whole gradient goes to x where x <= y.
    x, y = primals
    dx, dy = tangents
    out = _tf_min(x, y)
    return out, jnp.broadcast_to(jnp.where(x <= y, dx, dy), out.shape)


_binary("Maximum", _maximum)
_binary("Minimum", _minimum)


@jax.custom_jvp
def _div_no_nan_op(x: Any, y: Any) -> Any:
    return _div_no_nan(x, y)


@_div_no_nan_op.defjvp
def _div_no_nan_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _DivNoNanGrad: dx = div_no_nan(g, y), dy = g * div_no_nan(div_no_nan(-x, y), y).
    x, y = primals
    dx, dy = tangents
    out = _div_no_nan(x, y)
    dx_y = _div_no_nan_tangent(dx, y)
    return out, jnp.broadcast_to(dx_y + dy * _div_no_nan(_div_no_nan(-x, y), y), out.shape)


_binary("DivNoNan", _div_no_nan_op)


def _mul_no_nan(x: Any, y: Any) -> Any:
    return jnp.where(y == 0, jnp.zeros((), x.dtype), x * y)


@jax.custom_jvp
def _mul_no_nan_op(x: Any, y: Any) -> Any:
    return _mul_no_nan(x, y)


@_mul_no_nan_op.defjvp
def _mul_no_nan_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _MulNoNanGrad: dx = mul_no_nan(g, y), dy = mul_no_nan(x, g).
    x, y = primals
    dx, dy = tangents
    out = _mul_no_nan(x, y)
    return out, jnp.broadcast_to(_mul_no_nan(dx, y) + x * dy, out.shape)


_binary("MulNoNan", _mul_no_nan_op)


def _xlogy(x: Any, y: Any) -> Any:
    safe_y = jnp.where(x == 0, jnp.ones((), y.dtype), y)
    return jnp.where(x == 0, _zero(x), x * jnp.log(safe_y))


@jax.custom_jvp
def _xlogy_op(x: Any, y: Any) -> Any:
    return _xlogy(x, y)


@_xlogy_op.defjvp
def _xlogy_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _XLogyGrad: dx = xlogy(x != 0, y), dy = xdivy(x, y) (0 where x == 0).
    x, y = primals
    dx, dy = tangents
    out = _xlogy(x, y)
    not_zero = (x != 0).astype(x.dtype)
    xdivy = jnp.where(x == 0, _zero(x), x / jnp.where(x == 0, jnp.ones((), y.dtype), y))
    return out, jnp.broadcast_to(dx * _xlogy(not_zero, y) + dy * xdivy, out.shape)


_binary("Xlogy", _xlogy_op)


@register("Complex", error=_broadcast_error("Complex"))
def _complex(real: Any, imag: Any) -> Any:
    return lax.complex(*jnp.broadcast_arrays(real, imag))


# -- comparisons and logic (not differentiable, as TF) --------------------------------
for _name, _fn in {
    "Equal": jnp.equal,
    "NotEqual": jnp.not_equal,
    "Less": jnp.less,
    "LessEqual": jnp.less_equal,
    "Greater": jnp.greater,
    "GreaterEqual": jnp.greater_equal,
    "LogicalAnd": jnp.logical_and,
    "LogicalOr": jnp.logical_or,
    "BitwiseAnd": jnp.bitwise_and,
    "BitwiseOr": jnp.bitwise_or,
    "BitwiseXor": jnp.bitwise_xor,
}.items():
    _binary(_name, _fn, differentiable=False, elementwise=False)

register("LogicalNot", differentiable=False)(jnp.logical_not)
register("Invert", differentiable=False)(jnp.invert)


def _shift_amount(x: Any, y: Any) -> Any:
    # TF's CPU kernels clamp the shift to [0, bits - 1] (XLA would give 0 past the width).
    return jnp.clip(y, 0, jnp.iinfo(x.dtype).bits - 1).astype(y.dtype)


_binary(
    "LeftShift",
    lambda x, y: jnp.left_shift(x, _shift_amount(x, y)),
    differentiable=False,
    elementwise=False,
)
_binary(
    "RightShift",
    lambda x, y: jnp.right_shift(x, _shift_amount(x, y)),
    differentiable=False,
    elementwise=False,
)


@register("Bitcast", differentiable=False)
def _bitcast(x: Any, *, type: Any) -> Any:
    # XLA's BitcastConvert has TF's shape rule: to a narrower type a last dimension of the
    # size ratio is added; to a wider one the last dimension (the ratio) is removed.
    return lax.bitcast_convert_type(x, type)


register("IsNan", differentiable=False)(jnp.isnan)
register("IsInf", differentiable=False)(jnp.isinf)
register("IsFinite", differentiable=False)(jnp.isfinite)


# -- unary -------------------------------------------------------------------------------
@jax.custom_jvp
def _abs(x: Any) -> Any:
    return jnp.abs(x)


@_abs.defjvp
def _abs_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _AbsGrad: grad * sign(x), which is 0 at x == 0 (JAX uses 1).
    (x,), (dx,) = primals, tangents
    return jnp.abs(x), _tf_sign(x) * dx


register("Abs", tags=_EW)(_abs)


@jax.custom_jvp
def _complex_abs(x: Any) -> Any:
    return jnp.abs(x)


@_complex_abs.defjvp
def _complex_abs_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _ComplexAbsGrad: div_no_nan(complex(g, 0) * x, complex(|x|, 0)): 0 at x == 0.
    (x,), (dx,) = primals, tangents
    out = jnp.abs(x)
    return out, _div_no_nan_tangent(jnp.real(jnp.conj(x) * dx), out)


register("ComplexAbs")(_complex_abs)

# Rounding ops have gradient None in TF (_FloorGrad, _CeilGrad, _RoundGrad, _RintGrad).
register("Floor", differentiable=False)(jnp.floor)
register("Ceil", differentiable=False)(jnp.ceil)
register("Round", differentiable=False)(jnp.round)
register("Rint", differentiable=False)(jnp.rint)


def _tf_sign(x: Any) -> Any:
    # TF's kernel: (x > 0) - (x < 0), so sign(-0.0) is 0.0 (XLA's keeps -0.0).
    if jnp.issubdtype(x.dtype, jnp.floating):
        return jnp.where(x == 0, jnp.zeros_like(x), jnp.sign(x))
    return jnp.sign(x)


@jax.custom_jvp
def _sign(x: Any) -> Any:
    return _tf_sign(x)


@_sign.defjvp
def _sign_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _SignGrad: zeros, also for complex inputs (where sign(z) = z / |z|).
    (x,), (dx,) = primals, tangents
    return _tf_sign(x), jnp.zeros_like(dx)


register("Sign")(_sign)
register("Neg", tags=_EW)(jnp.negative)
register("Square", tags=_EW)(lambda x: x * x)


@jax.custom_jvp
def _sqrt(x: Any) -> Any:
    return jnp.sqrt(x)


@_sqrt.defjvp
def _sqrt_jvp(primals: Any, tangents: Any) -> Any:
    # TF's SqrtGrad kernel: 0.5 * g / y from the output y, and 0 where g is 0 (so
    # where(x > 0, sqrt(x), 0) has gradient 0 at 0, not NaN).
    (x,), (dx,) = primals, tangents
    y = jnp.sqrt(x)
    if jnp.iscomplexobj(x):
        return y, dx * (jnp.asarray(0.5, y.dtype) / y)
    return y, zero_seed.scaled(dx, y, "sqrt")


register("Sqrt", tags=_EW)(_sqrt)


@jax.custom_jvp
def _rsqrt(x: Any) -> Any:
    return lax.rsqrt(x)


@_rsqrt.defjvp
def _rsqrt_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _RsqrtGrad (RsqrtGrad kernel): g * -0.5 * y**3 from the output y, so at -0 the
    # gradient is +inf (JAX's -0.5 * y / x gives -inf).
    # 0 where g is 0, as TF's kernel.
    (x,), (dx,) = primals, tangents
    y = lax.rsqrt(x)
    if jnp.iscomplexobj(x):
        return y, dx * (jnp.asarray(-0.5, y.dtype) * y * y * y)
    return y, zero_seed.scaled(dx, y, "rsqrt")


register("Rsqrt")(_rsqrt)
register("Exp", tags=_EW)(jnp.exp)


@jax.custom_jvp
def _expm1(x: Any) -> Any:
    if not jnp.iscomplexobj(x):
        return jnp.expm1(x)
    # TF's complex kernel (Eigen's complex expm1): (expm1(a) - 2 e^a sin^2(b/2)) +
    # i e^a sin(b). Past overflow of e^a it gives TF's nan+nanj where exp(z) - 1 is inf+0j.
    a, b = jnp.real(x), jnp.imag(x)
    em1 = jnp.expm1(a)
    e = em1 + 1
    half = jnp.sin(b / 2)
    return lax.complex(em1 - 2 * e * (half * half), e * jnp.sin(b))


@_expm1.defjvp
def _expm1_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _Expm1Grad: grad * exp(x) (conjugated for complex by the engine's convention).
    (x,), (dx,) = primals, tangents
    return _expm1(x), jnp.exp(x) * dx


register("Expm1", tags=_EW)(_expm1)
register("Log", tags=_EW)(jnp.log)
register("Log1p", tags=_EW)(jnp.log1p)
register("Sin", tags=_EW)(jnp.sin)
register("Cos", tags=_EW)(jnp.cos)
register("Tan")(jnp.tan)
register("Asin")(jnp.arcsin)
register("Acos")(jnp.arccos)
register("Atan")(jnp.arctan)
register("Sinh")(jnp.sinh)
register("Cosh")(jnp.cosh)
register("Asinh")(jnp.arcsinh)


@jax.custom_jvp
def _acosh(x: Any) -> Any:
    return jnp.arccosh(x)


@_acosh.defjvp
def _acosh_jvp(primals: Any, tangents: Any) -> Any:
    # TF's _AcoshGrad: g / sinh(y): NaN outside the domain (x < 1), where y is NaN (JAX's
    # 1 / sqrt(x^2 - 1) form gives finite values for large negative x).
    (x,), (dx,) = primals, tangents
    y = jnp.arccosh(x)
    return y, dx / jnp.sinh(y)


register("Acosh")(_acosh)
register("Atanh")(jnp.arctanh)
register("Tanh", tags=_EW)(jnp.tanh)
register("Sigmoid", tags=_EW)(jax.nn.sigmoid)
register("Erf", tags=_EW)(jsp.erf)
register("Erfc")(jsp.erfc)
register("Lgamma")(jsp.gammaln)
register("Digamma")(jsp.digamma)
register("Softplus", tags=_EW)(jax.nn.softplus)
register("Conj")(jnp.conj)
register("Real")(jnp.real)
register("Imag")(jnp.imag)
register("Angle")(jnp.angle)


@jax.custom_jvp
def _reciprocal_float(x: Any) -> Any:
    return 1 / x


@_reciprocal_float.defjvp
def _reciprocal_jvp(primals: Any, tangents: Any) -> Any:
    # TF's ReciprocalGrad kernel: -y * y * g from the output y, 0 where g is 0.
    (x,), (dx,) = primals, tangents
    y = 1 / x
    if jnp.iscomplexobj(x):
        return y, -(y * y) * dx
    return y, zero_seed.scaled(dx, y, "reciprocal")


@register("Reciprocal")
def _reciprocal(x: Any) -> Any:
    if jnp.issubdtype(x.dtype, jnp.integer):
        return lax.div(jnp.ones((), x.dtype), x)
    return _reciprocal_float(x)


@register("AddN")
def _add_n(*inputs: Any) -> Any:
    total = inputs[0]
    for x in inputs[1:]:
        total = total + x
    return total


# -- reductions -------------------------------------------------------------------------
def _reduction_error(op: str) -> Any:
    def error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
        rank = len(in_avals[0][0])
        for a in attrs.get("axis") or ():
            if not -rank <= a < rank:
                return errors.kernel_error(
                    op, f"Invalid reduction dimension ({a} for input with {rank} dimension(s)"
                )
        return None

    return error


def _reduction(name: str, fn: Any, differentiable: bool = True) -> None:
    def raw(x: Any, *, axis: tuple[int, ...] | None, keepdims: bool) -> Any:
        return fn(x, axis=axis, keepdims=keepdims)

    raw.__name__ = name
    register(name, differentiable=differentiable, error=_reduction_error(name))(raw)


def _mean(x: Any, axis: Any, keepdims: bool) -> Any:
    # TF's Mean on integers divides with integer (truncating) division.
    if jnp.issubdtype(x.dtype, jnp.integer):
        n = 1
        for a in range(x.ndim) if axis is None else axis:
            n *= x.shape[a]
        # TF accumulates in a wide type: mean([200, 100, 60] as uint8) is 120, not 34.
        wide = jnp.uint64 if jnp.issubdtype(x.dtype, jnp.unsignedinteger) else jnp.int64
        s = jnp.sum(x, axis=axis, keepdims=keepdims, dtype=wide)
        return (lax.div(s, jnp.asarray(n, wide)) if n else s).astype(x.dtype)
    if x.dtype in (jnp.float16, jnp.bfloat16):
        # TF divides the sum, in the half type, by the count cast to the half type: a
        # sum that overflows gives inf, and a count past 65504 is inf (float16) too.
        n = 1
        for a in range(x.ndim) if axis is None else axis:
            n *= x.shape[a]
        with np.errstate(over="ignore"):
            count = np.asarray(n, np.float32).astype(x.dtype)
        return jnp.sum(x, axis=axis, keepdims=keepdims) / count
    return jnp.mean(x, axis=axis, keepdims=keepdims)


@jax.custom_jvp
def _complex_norm(x: Any, axis: Any, keepdims: bool) -> Any:
    return jnp.sqrt(jnp.sum(x * jnp.conj(x), axis=axis, keepdims=keepdims))


def _complex_norm_jvp(axis: Any, keepdims: bool, primals: Any, tangents: Any) -> Any:
    # TF's _EuclideanNormGrad: x / (norm / g), without conjugation, so for complex x the
    # tangent is sum(conj(x) * dx) / conj(norm) under JAX's (bilinear) transposition.
    (x,), (dx,) = primals, tangents
    out = _complex_norm(x, axis, keepdims)
    return out, jnp.sum(jnp.conj(x) * dx, axis=axis, keepdims=keepdims) / jnp.conj(out)


_complex_norm = jax.custom_jvp(_complex_norm.fun, nondiff_argnums=(1, 2))
_complex_norm.defjvp(_complex_norm_jvp)


def _euclidean_norm(x: Any, axis: Any, keepdims: bool) -> Any:
    if jnp.iscomplexobj(x):
        return _complex_norm(x, axis, keepdims)
    if jnp.issubdtype(x.dtype, jnp.integer):
        s = jnp.sum(x * x, axis=axis, keepdims=keepdims, dtype=x.dtype)
        return jnp.sqrt(s.astype(jnp.float64)).astype(x.dtype)
    return jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims))


_reduction("Sum", lambda x, axis, keepdims: jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype))
_reduction("Mean", _mean)


def _min_or_max(fn: Any) -> Any:
    def reduce(x: Any, axis: Any, keepdims: bool) -> Any:
        # An empty reduction gives the identity, as TF: -inf (max), or the type's limit.
        identity: Any
        if jnp.issubdtype(x.dtype, jnp.integer):
            info = jnp.iinfo(x.dtype)
            identity = info.min if fn is jnp.max else info.max
        else:
            identity = -jnp.inf if fn is jnp.max else jnp.inf
        return fn(x, axis=axis, keepdims=keepdims, initial=identity)

    op = jax.custom_jvp(reduce, nondiff_argnums=(1, 2))

    @op.defjvp
    def _jvp(axis: Any, keepdims: bool, primals: Any, tangents: Any) -> Any:
        # TF's _MinOrMaxGrad: the gradient is split equally among the entries equal to
        # the result. No entry equals a NaN result, so TF's (g / 0) * 0 is NaN for the
        # whole slice (JAX gives 0); the weights carry the NaN themselves because XLA
        # turns a product with a 0/1 mask into a select.
        (x,), (dx,) = primals, tangents
        y = reduce(x, axis, True)
        weights = jnp.where(jnp.isnan(y), jnp.nan, (x == y).astype(dx.dtype))
        count = jnp.sum((x == y).astype(dx.dtype), axis=axis, keepdims=keepdims)
        tangent = jnp.sum(dx * weights.astype(dx.dtype), axis=axis, keepdims=keepdims)
        return reduce(x, axis, keepdims), tangent / count

    return op


_reduction("Max", _min_or_max(jnp.max))
_reduction("Min", _min_or_max(jnp.min))
_reduction(
    "Prod", lambda x, axis, keepdims: jnp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)
)
_reduction("All", jnp.all, differentiable=False)
_reduction("Any", jnp.any, differentiable=False)
_reduction("EuclideanNorm", _euclidean_norm)


@register("ArgMax", differentiable=False)
def _argmax(x: Any, *, axis: int, output_type: Any) -> Any:
    # TF's kernel compares with `>` from -inf: NaN entries are never selected (XLA's
    # argmax returns the first NaN).
    if jnp.issubdtype(x.dtype, jnp.floating):
        x = jnp.where(jnp.isnan(x), -jnp.inf, x)
    return jnp.argmax(x, axis=axis).astype(output_type)


@register("ArgMin", differentiable=False)
def _argmin(x: Any, *, axis: int, output_type: Any) -> Any:
    if jnp.issubdtype(x.dtype, jnp.floating):  # as _argmax: NaN is never the minimum
        x = jnp.where(jnp.isnan(x), jnp.inf, x)
    return jnp.argmin(x, axis=axis).astype(output_type)


def _top_k_first_max(x: Any) -> Any:
    """TF's k == 1 branch: Eigen's maximum of the row, then the first column equal to it
    (column 0 when none is: a NaN maximum).

    Eigen reduces the first V = n // P * P columns in SIMD packets (P = 8 float32 and
    half types, 4 float64, as TF's AVX build), where a NaN lane keeps the accumulator,
    and the remaining columns one by one as `acc = t < acc ? acc : t` from -inf, where a
    NaN replaces the accumulator (so the tail's result is the maximum of what follows
    its last NaN, or NaN when it ends with one). With V > 0 the two combine as
    `tail < packets ? packets : tail`.
    """
    n = x.shape[-1]
    p = 4 if x.dtype == jnp.float64 else 8
    v = n // p * p
    pos = lax.broadcasted_iota(jnp.int32, x.shape, x.ndim - 1)
    nan = jnp.isnan(x)
    ninf = jnp.asarray(-jnp.inf, x.dtype)
    last_nan = jnp.max(jnp.where(nan & (pos >= v), pos, -1), axis=-1, keepdims=True)
    tail = jnp.max(jnp.where((pos >= v) & (pos > last_nan), x, ninf), axis=-1, keepdims=True)
    m = jnp.where(last_nan == n - 1, jnp.asarray(jnp.nan, x.dtype), tail)
    if v:
        packets = jnp.max(jnp.where(nan | (pos >= v), ninf, x), axis=-1, keepdims=True)
        m = jnp.where(m < packets, packets, m)
    eq = x == m
    return jnp.where(jnp.any(eq, axis=-1), jnp.argmax(eq, axis=-1), 0)[..., None]


@register("TopKV2", num_outputs=2)
def _top_k(x: Any, *, k: int, sorted: bool, index_type: Any) -> Any:
    # TF's CPU kernel: values descending, -0.0 == 0.0, ties by lower index (XLA's top_k
    # on the values with -0.0 made 0.0); rows holding NaN follow the kernel's C++ steps
    # (`cpu_topk`, on the host, only when the tensor holds a NaN).
    if not jnp.issubdtype(x.dtype, jnp.floating) or k == 0 or x.size == 0:
        values, indices = lax.top_k(x, k)
        return values, indices.astype(index_type)
    xs = lax.stop_gradient(x)
    if k == 1:
        idx = _top_k_first_max(xs)
    else:
        _, idx = lax.top_k(jnp.where(xs == 0, jnp.zeros_like(xs), xs), k)

        def host(v: Any) -> Any:
            return cpu_topk.top_k_rows(np.asarray(v), k, sorted).astype(np.int32)

        def with_nan(v: Any) -> Any:
            out = jax.ShapeDtypeStruct((*v.shape[:-1], k), jnp.int32)
            return jax.pure_callback(host, out, v, vmap_method="sequential")

        idx = lax.cond(jnp.any(jnp.isnan(xs)), with_nan, lambda v: idx.astype(jnp.int32), xs)
    values = jnp.take_along_axis(x, idx, axis=-1)
    return values, idx.astype(index_type)


# -- scans -------------------------------------------------------------------------------
def _scan(fn: Any, identity: Any, x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    y = fn(x, axis=axis, reverse=reverse)
    if not exclusive or x.shape[axis] == 0:
        return y
    pad_shape = list(x.shape)
    pad_shape[axis] = 1
    pad = jnp.full(pad_shape, identity, x.dtype)
    n = x.shape[axis]
    if reverse:
        return jnp.concatenate([lax.slice_in_dim(y, 1, n, axis=axis), pad], axis=axis)
    return jnp.concatenate([pad, lax.slice_in_dim(y, 0, n - 1, axis=axis)], axis=axis)


def _sequential_cumsum(x: Any, axis: int, reverse: bool) -> Any:
    """A running sum that rounds after every step in `x`'s dtype, as TF's CPU kernel.

    For float16 and bfloat16 the difference is visible (3,000 float16 ones sum to 2048,
    where XLA's parallel scan gives 3000).
    """
    xs = jnp.moveaxis(x, axis, 0)

    def step(carry: Any, v: Any) -> tuple[Any, Any]:
        carry = carry + v
        return carry, carry

    _, ys = lax.scan(step, jnp.zeros(xs.shape[1:], x.dtype), xs, reverse=reverse)
    return jnp.moveaxis(ys, 0, axis)


def _half_cumsum(x: Any, axis: int, reverse: bool) -> Any:
    if x.dtype in (jnp.float16, jnp.bfloat16):
        return _sequential_cumsum(x, axis, reverse)
    return lax.cumsum(x, axis=axis, reverse=reverse)


@register("Cumsum")
def _cumsum(x: Any, *, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(_half_cumsum, 0, x, axis, exclusive, reverse)


def _cumprod_raw(x: Any, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(lax.cumprod, 1, x, axis, exclusive, reverse)


def _cumprod_jvp(axis: int, exclusive: bool, reverse: bool, primals: Any, tangents: Any) -> Any:
    # TF's _CumprodGrad: div_no_nan(cumsum(prod * g, reverse=not reverse), x), so the
    # gradient is 0 at x == 0 (the true derivative is not). The JVP is its transpose.
    (x,), (dx,) = primals, tangents
    prod = _cumprod_raw(x, axis, exclusive, reverse)
    return prod, prod * _scan(lax.cumsum, 0, _div_no_nan_tangent(dx, x), axis, exclusive, reverse)


_cumprod_op = jax.custom_jvp(_cumprod_raw, nondiff_argnums=(1, 2, 3))
_cumprod_op.defjvp(_cumprod_jvp)


@register("Cumprod")
def _cumprod(x: Any, *, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _cumprod_op(x, axis, exclusive, reverse)


# -- segments ----------------------------------------------------------------------------
def _segment_ids(ids: Any, num_segments: int) -> Any:
    flat = ids.reshape(-1)
    # TF drops negative ids; out-of-range ids are rejected before the op runs.
    return jnp.where(flat < 0, num_segments, flat)


def _flat_data(data: Any, ids: Any) -> Any:
    return data.reshape((-1, *data.shape[ids.ndim :]))


@register("UnsortedSegmentSum")
def _unsorted_segment_sum(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    return jax.ops.segment_sum(
        _flat_data(data, segment_ids), _segment_ids(segment_ids, num_segments), num_segments
    )


def _segment_extremum(fn: Any, data: Any, segment_ids: Any, num_segments: int, lowest: bool) -> Any:
    # TF fills empty segments with numeric_limits<T>::lowest() (max) or ::max() (min),
    # not with -inf/inf.
    flat, ids = _flat_data(data, segment_ids), _segment_ids(segment_ids, num_segments)
    out = fn(flat, ids, num_segments)
    if jnp.issubdtype(out.dtype, jnp.floating):
        count = jax.ops.segment_sum(jnp.ones(ids.shape, jnp.int32), ids, num_segments)
        info = jnp.finfo(out.dtype)
        fill = jnp.asarray(info.min if lowest else info.max, out.dtype)
        out = jnp.where((count == 0)[(...,) + (None,) * (out.ndim - 1)], fill, out)
    return out


@register("UnsortedSegmentMax")
def _unsorted_segment_max(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    return _segment_extremum(jax.ops.segment_max, data, segment_ids, num_segments, True)


@register("UnsortedSegmentMin")
def _unsorted_segment_min(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    return _segment_extremum(jax.ops.segment_min, data, segment_ids, num_segments, False)


def _segment_prod(data: Any, ids: Any, n: int) -> Any:
    return jax.ops.segment_prod(data, ids, n)


_segment_prod_op = jax.custom_jvp(_segment_prod, nondiff_argnums=(1, 2))


@_segment_prod_op.defjvp
def _segment_prod_jvp(ids: Any, n: int, primals: Any, tangents: Any) -> Any:
    # TF's _UnsortedSegmentProdGrad: prod / x per element, the product of the other
    # elements where x == 0, and 0 in segments with more than one zero. (JAX has no
    # gradient for a multiplicative scatter with repeated indices.)
    (data,), (t,) = primals, tangents
    out = _segment_prod(data, ids, n)
    is_zero = data == 0
    num_zeros = jax.ops.segment_sum(is_zero.astype(jnp.int32), ids, n)
    non_zero = jnp.where(is_zero, jnp.ones((), data.dtype), data)
    non_zero_prod = _segment_prod(non_zero, ids, n)
    safe = jnp.minimum(ids, n - 1)
    partial = jnp.where(is_zero, non_zero_prod[safe], out[safe] / non_zero)
    partial = jnp.where(
        (ids < n)[(...,) + (None,) * (data.ndim - 1)], partial, jnp.zeros((), data.dtype)
    )
    dt = jax.ops.segment_sum(partial * t, ids, n)
    return out, jnp.where(num_zeros > 1, jnp.zeros((), dt.dtype), dt)


@register("UnsortedSegmentProd")
def _unsorted_segment_prod(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    return _segment_prod_op(
        _flat_data(data, segment_ids), _segment_ids(segment_ids, num_segments), num_segments
    )


@register("SegmentSum")
def _segment_sum(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    return jax.ops.segment_sum(data, segment_ids, num_segments, indices_are_sorted=True)


@register("DenseBincount", differentiable=False)
def _bincount(arr: Any, weights: Any, *, size: int, binary_output: bool) -> Any:
    flat = arr.reshape(-1)
    valid = (flat >= 0) & (flat < size)
    ids = jnp.where(valid, flat, size)
    if binary_output:
        w = jnp.ones(flat.shape, weights.dtype)
        return jax.ops.segment_max(w * valid, ids, size).clip(0)
    w = weights.reshape(-1) if weights.size else jnp.ones(flat.shape, weights.dtype)
    return jax.ops.segment_sum(jnp.where(valid, w, jnp.zeros((), w.dtype)), ids, size)


# -- matmul -----------------------------------------------------------------------------
def _matmul_error(exc: BaseException, in_avals: Any, attrs: Any) -> BaseException | None:
    (sa, _), (sb, _) = in_avals
    if len(sa) < 2:
        return errors.kernel_error("MatMul", "In[0] ndims must be >= 2")
    if len(sb) < 2:
        return errors.kernel_error("MatMul", "In[1] ndims must be >= 2")
    ka = sa[-2] if attrs.get("transpose_a") or attrs.get("adjoint_a") else sa[-1]
    kb = sb[-1] if attrs.get("transpose_b") or attrs.get("adjoint_b") else sb[-2]
    if ka != kb:
        return errors.kernel_error(
            "MatMul",
            f"Matrix size-incompatible: In[0]: [{','.join(map(str, sa))}], In[1]: "
            f"[{','.join(map(str, sb))}]",
        )
    return None


@register("MatMul", error=_matmul_error)
def _matmul(
    a: Any,
    b: Any,
    *,
    transpose_a: bool = False,
    transpose_b: bool = False,
    adjoint_a: bool = False,
    adjoint_b: bool = False,
) -> Any:
    if len(a.shape) < 2 or len(b.shape) < 2:
        raise ValueError("rank")
    if transpose_a or adjoint_a:
        a = jnp.swapaxes(a, -1, -2)
        if adjoint_a:
            a = jnp.conj(a)
    if transpose_b or adjoint_b:
        b = jnp.swapaxes(b, -1, -2)
        if adjoint_b:
            b = jnp.conj(b)
    if a.shape[-1] != b.shape[-2]:
        raise ValueError("inner")
    return jnp.matmul(a, b)


def _cvtt(x: Any, bits: int) -> Any:
    """x86's truncating float->int conversion (`cvttss2si`/`cvttsd2si`) to `bits` bits.

    NaN, +-inf and values whose truncation does not fit give the integer indefinite
    value (the most negative integer), where XLA's `convert` saturates.
    """
    t = jnp.trunc(x)
    hi = jnp.asarray(2.0 ** (bits - 1), x.dtype)
    valid = (t >= -hi) & (t < hi)
    itype = jnp.int32 if bits == 32 else jnp.int64
    return jnp.where(valid, jnp.where(valid, t, 0).astype(itype), jnp.iinfo(itype).min)


def _float_to_int(x: Any, dtype: Any) -> Any:
    """TF's CPU `Cast` from a floating type to an integer type, element by element.

    TF's kernel is C++'s `static_cast`, compiled for x86-64: a narrow type (8 and 16
    bits) takes the low bits of a 32-bit conversion (`200.0` -> int8 `-56`, `-1.0` ->
    uint8 `255`, `300.0` -> uint8 `44`), uint32 the low bits of a 64-bit conversion,
    uint64 converts values from 2**63 up by subtracting 2**63 first. Half types convert
    through float32.
    """
    dt = jnp.dtype(dtype)
    if x.dtype in (jnp.float16, jnp.bfloat16):
        x = x.astype(jnp.float32)
    if dt == jnp.int64:
        return _cvtt(x, 64)
    if dt == jnp.uint32:
        return _cvtt(x, 64).astype(jnp.uint32)
    if dt == jnp.uint64:
        big = x >= 2.0**63
        low = _cvtt(x, 64).astype(jnp.uint64)
        high = _cvtt(x - jnp.asarray(2.0**63, x.dtype), 64).astype(jnp.uint64)
        return jnp.where(big | jnp.isnan(x), high | jnp.uint64(2**63), low)
    return _cvtt(x, 32).astype(dt)


@register("Cast")
def _cast(x: Any, *, dtype: Any) -> Any:
    if jnp.iscomplexobj(x) and not jnp.issubdtype(dtype, jnp.complexfloating):
        x = jnp.real(x)
    if jnp.issubdtype(x.dtype, jnp.floating) and jnp.issubdtype(dtype, jnp.integer):
        return _float_to_int(x, dtype)
    return x.astype(dtype)


# -- sorted segments (empty segments give 0, or 1 for a product, as TF) --------------------
def _sorted_segment(fn: Any, empty: float) -> Any:
    def raw(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
        out = fn(data, segment_ids, num_segments, indices_are_sorted=True)
        ones = jnp.ones(segment_ids.shape, jnp.int32)
        count = jax.ops.segment_sum(ones, segment_ids, num_segments)
        mask = (count == 0)[(...,) + (None,) * (out.ndim - 1)]
        return jnp.where(mask, jnp.asarray(empty, out.dtype), out)

    return raw


def _segment_mean_fn(data: Any, ids: Any, n: int, indices_are_sorted: bool) -> Any:
    total = jax.ops.segment_sum(data, ids, n, indices_are_sorted=indices_are_sorted)
    ones = jnp.ones(ids.shape, data.dtype)
    count = jax.ops.segment_sum(ones, ids, n, indices_are_sorted=indices_are_sorted)
    count = jnp.maximum(count, 1)[(...,) + (None,) * (data.ndim - 1)]
    if jnp.issubdtype(data.dtype, jnp.integer):  # integer division, as TF's kernel
        return lax.div(total, count)
    return total / count


register("SegmentMean")(_sorted_segment(_segment_mean_fn, 0))
register("SegmentMax")(_sorted_segment(jax.ops.segment_max, 0))
register("SegmentMin")(_sorted_segment(jax.ops.segment_min, 0))
register("SegmentProd")(
    _sorted_segment(lambda d, i, n, indices_are_sorted: _segment_prod_op(d, i, n), 1)
)


@register("InTopKV2", differentiable=False)
def _in_top_k(predictions: Any, targets: Any, *, k: int) -> Any:
    # TF: the target's prediction is in the top k if fewer than k predictions exceed it;
    # a non-finite prediction of the target is never in the top k.
    target = jnp.take_along_axis(predictions, targets[:, None].astype(jnp.int32), axis=1)
    above = jnp.sum(predictions > target, axis=1)
    return (above < k) & jnp.isfinite(target[:, 0])


@register("CumulativeLogsumexp")
def _cumulative_logsumexp(x: Any, *, axis: int, exclusive: bool, reverse: bool) -> Any:
    return _scan(lax.cumlogsumexp, -jnp.inf, x, axis, exclusive, reverse)

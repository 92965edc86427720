"""C library math as TensorFlow's CPU kernels get it, in JAX (float64).

XLA's CPU backend computes float64 `log`, `pow`, `sin`, `cos` and `sqrt` exactly as the
C library does, but has its own `log1p` and `exp`. TF's random samplers call the C
library's versions, so bit-exact samples need those functions computed the C library's
way. Each function here follows the algorithm of the GNU C library (glibc 2.28 and later
on x86-64) operation by operation in float64, and is tested against the C library.

`log1p` is fdlibm's algorithm (Sun Microsystems), with the polynomial evaluated in the
order glibc uses. fdlibm's notice, preserved as its licence asks:

    Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
    Developed at SunPro, a Sun Microsystems, Inc. business.
    Permission to use, copy, modify, and distribute this software is freely granted,
    provided that this notice is preserved.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np
from jax import lax

__all__ = ["alone", "log1p"]

_U64 = jnp.uint64
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LP = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)


def alone(p: Any) -> Any:
    """`p`, rounded on its own as C computes it. XLA fuses a product that feeds an
    addition into one fused multiply-add (one rounding where C rounds twice) and rewrites
    `a / sqrt(b)` as `a * rsqrt(b)`; a select on the value (which leaves every value, NaN
    included, as it is) keeps it a separate operation."""
    return jnp.where(p == p, p, jnp.nan)


def _hi(x: Any) -> Any:
    """The high 32 bits of float64 `x` as a signed int32 (fdlibm's GET_HIGH_WORD)."""
    bits = lax.bitcast_convert_type(x, _U64) >> _U64(32)
    return lax.bitcast_convert_type(bits.astype(jnp.uint32), jnp.int32)


def _with_hi(x: Any, hi: Any) -> Any:
    """`x` with its high 32 bits replaced by `hi` (fdlibm's SET_HIGH_WORD)."""
    bits = lax.bitcast_convert_type(x, _U64) & _U64(0xFFFFFFFF)
    bits = bits | (lax.bitcast_convert_type(hi, jnp.uint32).astype(_U64) << _U64(32))
    return lax.bitcast_convert_type(bits, jnp.float64)


def log1p(x: Any) -> Any:
    """The C library's `log1p` of float64 `x`, bit for bit for `-1 <= x <= 0` (what the
    samplers use: `log1p(-u)` of a uniform `u`); within an ulp elsewhere.

    The products here are left as XLA fuses them (no `alone`): measured against the C
    library on x86-64, that agrees on this range and isolating them does not, which
    suggests the C library's own build contracts them as well."""
    x = jnp.asarray(x, jnp.float64)
    hx = _hi(x)
    ax = hx & 0x7FFFFFFF
    below = hx < 0x3FDA827A  # x < 0.41422
    tiny = below & (ax < 0x3E200000)  # |x| < 2**-29
    tiny_value = jnp.where(ax < 0x3C900000, x, x - x * x * 0.5)
    # -0.2929 < x < 0.41422: f = x exactly, no reduction
    direct = below & ((hx > 0) | (hx <= np.int32(np.uint32(0xBFD2BEC3).view(np.int32))))

    # Otherwise 1 + x = 2**k (1 + f) with sqrt(2)/2 < 1 + f < sqrt(2), and a correction
    # term c for the rounding of 1 + x.
    u = 1.0 + x
    hu = _hi(u)
    k = (hu >> 20) - 1023
    c = jnp.where(k > 0, 1.0 - (u - x), x - (u - 1.0)) / u
    hu = hu & 0x000FFFFF
    low = hu < 0x6A09E
    u = jnp.where(low, _with_hi(u, hu | 0x3FF00000), _with_hi(u, hu | 0x3FE00000))
    k = jnp.where(low, k, k + 1)
    hu = jnp.where(low, hu, (0x00100000 - hu) >> 2)

    f = jnp.where(direct, x, u - 1.0)
    hu = jnp.where(direct, 1, hu)
    k = jnp.where(direct, 0, k)
    c = jnp.where(direct, 0.0, c)
    kd = k.astype(jnp.float64)
    hfsq = 0.5 * f * f
    kh, kl = kd * _LN2_HI, kd * _LN2_LO

    # |f| < 2**-20
    r0 = hfsq * (1.0 - 0.66666666666666666 * f)
    near = jnp.where(
        f == 0.0,
        jnp.where(k == 0, 0.0, kh + (c + kl)),
        jnp.where(k == 0, f - r0, kh - ((r0 - (kl + c)) - f)),
    )
    s = f / (2.0 + f)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    z6 = z4 * z2
    r = (
        z * _LP[0]
        + z2 * (_LP[1] + z * _LP[2])
        + z4 * (_LP[3] + z * _LP[4])
        + z6 * (_LP[5] + z * _LP[6])
    )
    sr = s * (hfsq + r)
    general = jnp.where(
        k == 0,
        f - (hfsq - sr),
        kh - ((hfsq - (sr + (kl + c))) - f),
    )
    out = jnp.where(hu == 0, near, general)
    out = jnp.where(tiny, tiny_value, out)
    return jnp.where(x == -1.0, -jnp.inf, out)

"""Abstract evaluation: the output shapes and dtypes of an op, without running it.

Keyed by (op, attrs, input shapes and dtypes); each entry gets a small integer key id
(`_new_key`) that names the op in program keys. Errors of a bad input raise here, at
the op, as in TF eager.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any

import jax

from tfcompat._core import dtypes, errors
from tfcompat._core.dtypes import DType
from tfcompat._ops.registry import ELEMENTWISE, RawOp

Aval = tuple[tuple[int, ...], DType]

# (op, attrs, *input shapes and dtypes, flattened) -> (key id, output avals)
_AVALS: dict[tuple[Any, ...], tuple[int, tuple[Aval, ...]]] = {}
# key id -> output avals (for building replays from signatures)
_KEY_OUTS: list[tuple[Aval, ...]] = []


def _struct(aval: Aval) -> jax.ShapeDtypeStruct:
    shape, dtype = aval
    if dtype is dtypes.string:
        raise errors.kernel_error(
            "Cast", "tfcompat does not compute on string tensors", errors.UnimplementedError
        )
    return jax.ShapeDtypeStruct(shape, dtype.as_numpy_dtype)


def _abstract_miss(
    op: RawOp, attrs: tuple[tuple[str, Any], ...], in_avals: tuple[Aval, ...]
) -> tuple[int, tuple[Aval, ...]]:
    if ELEMENTWISE in op.tags and not attrs:
        # Inputs of one floating dtype: the output's aval without tracing (a trace costs
        # about 1 ms, paid by every first step). Other inputs, and shapes that do not
        # broadcast, take the traced path and its errors.
        dtype = in_avals[0][1]
        if dtype._kind == "f" and all(a[1] is dtype for a in in_avals):
            shape = _broadcast_shape([a[0] for a in in_avals])
            if shape is not None:
                return _new_key(((shape, dtype),))
    structs = [_struct(a) for a in in_avals]
    try:
        out = jax.eval_shape(partial(op.fn, **dict(attrs)), *structs)
    except errors.OpError:
        raise
    except Exception as exc:
        mapped = op.error(exc, in_avals, dict(attrs)) if op.error is not None else None
        if mapped is not None:
            raise mapped from None
        raise errors.kernel_error(op.name, _jax_message(exc)) from None
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return _new_key(tuple((tuple(o.shape), dtypes.from_numpy(o.dtype)) for o in outs))


def _broadcast_shape(shapes: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """NumPy's (and TF's) broadcast of `shapes`; None if they do not broadcast."""
    ndim = max(len(s) for s in shapes)
    out = [1] * ndim
    for s in shapes:
        for i, d in enumerate(s, ndim - len(s)):
            if d != out[i]:
                if out[i] == 1:
                    out[i] = d
                elif d != 1:
                    return None
    return tuple(out)


_KEY_LOCK = threading.Lock()


def _new_key(out_avals: tuple[Aval, ...]) -> tuple[int, tuple[Aval, ...]]:
    # Locked: two threads must not take the same id (a cache miss only, so cheap).
    with _KEY_LOCK:
        entry = (len(_KEY_OUTS), out_avals)
        _KEY_OUTS.append(out_avals)
    return entry


def _jax_message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

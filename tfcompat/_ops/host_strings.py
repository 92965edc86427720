"""Raw array ops on string tensors, run on the host.

XLA has no string type, so a string tensor holds a NumPy object array of `bytes` and
never reaches the accelerator. The engine sends every raw op with a string input here
(`execute`); the op's own registered function is reused for its shape logic and errors:

* Output shapes, dtypes and shape errors come from abstract evaluation of the raw op with
  each string input replaced by a `uint32` array of the same shape (the *stand-in*
  dtype), so `tf.reshape`, `tf.concat`, ... raise exactly what they raise on numbers.
* Values come from a NumPy kernel for the common data-movement ops (slicing, reshape,
  stack, concat, gather, ...), or else from the *index trick*: every distinct string gets
  a `uint32` code (`b""` is code 0), the raw op runs on the codes, and every `uint32`
  output is mapped back to strings. Equal strings share a code, so comparisons (`Equal`,
  `Unique`) are right, and zeros (`ZerosLike`, padding) are empty strings, as in TF.

String ops are never recorded on a tape (TF differentiates no string op).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import numpy as np

from tfcompat._core import dtypes, errors
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Tensor
from tfcompat._ops.registry import RawOp

__all__ = ["execute"]

_STAND_IN = np.dtype(np.uint32)

Aval = tuple[tuple[int, ...], DType]
_AVALS: dict[tuple[Any, ...], tuple[Aval, ...]] = {}
_JITTED: dict[tuple[Any, ...], Callable[..., Any]] = {}


def _index(index: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(slice(i[1], i[2], i[3]) if isinstance(i, tuple) else i for i in index)


def _gather(params: Any, indices: Any, *, axis: int, batch_dims: int) -> Any:
    if batch_dims:
        return None  # the index trick handles batched gathers
    return np.take(params, indices, axis=axis, mode="clip")


# NumPy kernels (same signature as the raw op's function); None means "use the codes".
_KERNELS: dict[str, Callable[..., Any]] = {
    "Identity": lambda x: x,
    "StopGradient": lambda x: x,
    "Reshape": lambda x, *, shape: np.reshape(x, shape),
    "Transpose": lambda x, *, perm: np.transpose(x, perm),
    "ExpandDims": lambda x, *, axis: np.expand_dims(x, axis),
    "Squeeze": lambda x, *, axis: np.squeeze(x, axis),
    "StridedSlice": lambda x, *, index: x[_index(index)],
    "ConcatV2": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "Pack": lambda *xs, axis: np.stack(xs, axis=axis),
    "Unpack": lambda x, *, axis: tuple(np.moveaxis(x, axis, 0)),
    "Tile": lambda x, *, multiples: np.tile(x, multiples),
    "ReverseV2": lambda x, *, axis: np.flip(x, axis) if axis else x,
    "BroadcastTo": lambda x, *, shape: np.broadcast_to(x, shape),
    "SelectV2": lambda c, x, y: np.where(c, x, y),
    "GatherV2": _gather,
}


def _avals(
    op: RawOp, attrs: tuple[tuple[str, Any], ...], inputs: tuple[Tensor, ...]
) -> tuple[Aval, ...]:
    """Output avals of `op`, strings standing in as uint32; TF's errors for bad shapes."""
    key = (op, attrs, *[x for t in inputs for x in (t._shape, t._dtype)])
    out = _AVALS.get(key)
    if out is not None:
        return out
    structs = [
        jax.ShapeDtypeStruct(t._shape, _STAND_IN if t._dtype is dtypes.string else t._dtype._np)
        for t in inputs
    ]
    try:
        res = jax.eval_shape(partial(op.fn, **dict(attrs)), *structs)
    except errors.OpError:
        raise
    except Exception as exc:
        in_avals = tuple((t._shape, t._dtype) for t in inputs)
        mapped = op.error(exc, in_avals, dict(attrs)) if op.error is not None else None
        if mapped is not None:
            raise mapped from None
        text = str(exc).strip().splitlines()
        raise errors.kernel_error(op.name, text[0] if text else type(exc).__name__) from None
    outs = res if isinstance(res, (tuple, list)) else (res,)
    out = tuple(
        (
            tuple(o.shape),
            dtypes.string if o.dtype == _STAND_IN else dtypes.from_numpy(o.dtype),
        )
        for o in outs
    )
    if len(_AVALS) > 4096:
        _AVALS.clear()
    _AVALS[key] = out
    return out


def execute(op: RawOp, inputs: tuple[Tensor, ...], attrs: tuple[tuple[str, Any], ...]) -> Any:
    """Run raw op `op` on the host, with at least one string tensor among `inputs`."""
    out_avals = _avals(op, attrs, inputs)
    values = [t._value if t._dtype is dtypes.string else np.asarray(t._array()) for t in inputs]
    # An op's own NumPy implementation (data movement: slicing, reshapes, concat, ...)
    # takes its run-time operands as inputs and works on object arrays as well.
    kernel = op.host if op.host is not None else _KERNELS.get(op.name)
    result = kernel(*values, **dict(attrs)) if kernel is not None else None
    if result is None:
        result = _by_codes(op, inputs, values, attrs)
    results = result if isinstance(result, tuple) else (result,)
    outs = tuple(
        EagerTensor(
            np.asarray(v, dtype=object) if dtype is dtypes.string else v,
            shape,
            dtype,
        )
        for v, (shape, dtype) in zip(results, out_avals, strict=True)
    )
    return outs[0] if op.num_outputs == 1 else outs


def _by_codes(
    op: RawOp, inputs: tuple[Tensor, ...], values: list[Any], attrs: tuple[tuple[str, Any], ...]
) -> Any:
    """The index trick: run `op` on uint32 codes of the strings, map codes back."""
    pool: list[bytes] = [b""]
    codes: dict[bytes, int] = {b"": 0}
    args = []
    for t, v in zip(inputs, values, strict=True):
        if t._dtype is not dtypes.string:
            args.append(v)
            continue
        flat = np.empty(v.size, _STAND_IN)
        for i, s in enumerate(v.reshape(-1)):
            c = codes.get(s)
            if c is None:
                c = codes[s] = len(pool)
                pool.append(s)
            flat[i] = c
        args.append(flat.reshape(v.shape))
    fn = _JITTED.get((op, attrs))
    if fn is None:
        if len(_JITTED) > 1024:
            _JITTED.clear()
        fn = _JITTED[(op, attrs)] = jax.jit(partial(op.fn, **dict(attrs)))
    res = fn(*args)
    table = np.empty(len(pool), object)
    table[:] = pool
    results = res if isinstance(res, (tuple, list)) else (res,)
    mapped = tuple(table[np.asarray(r)] if r.dtype == _STAND_IN else np.asarray(r) for r in results)
    return mapped if isinstance(res, (tuple, list)) else mapped[0]

"""`tf.print`: TF's formatting, printed when the values exist (at run time in tf.function).

Eagerly the text is written at once. While a `tf.function` is traced, the tensors' values
are tracers: the formatting runs in an ordered `jax.experimental.io_callback` (the same
ordered effect as `tf.py_function`'s callbacks), so the compiled program prints on every
call, in program order with the other callbacks, as TF's `PrintV2` op does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pprint
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

import jax
import numpy as np
from jax.experimental import io_callback

from tfcompat._api.framework_ops import inside_function
from tfcompat._core import dtypes
from tfcompat._core.tensor import Tensor
from tfcompat._core.variable import Variable
from tfcompat._util import nest

__all__ = ["print_v2"]


def print_v2(*inputs: Any, **kwargs: Any) -> None:
    """tfcompat implementation of `tf.print`.

    Keyword arguments as TF: `output_stream` (`sys.stderr` by default, `sys.stdout`, a
    `logging` level or logging function (also absl's), or `"file://path"`), `summarize`
    (3; -1 or None prints everything), `sep` (" "), `end` (os.linesep), `name`.

    The text is built as TF builds it: a Python string argument is its own template,
    any other argument is `pprint.pformat` of its structure with each tensor replaced by
    a placeholder (an `OrderedDict` sorted by key), the templates are joined by `sep`, and
    each placeholder becomes TF's summary of the tensor's value. A lone scalar string
    tensor prints as its raw text. Inside a traced function the printing is an ordered
    host callback of the compiled program: it prints on every call, in program order,
    also when every argument is a Python value.
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", os.linesep)
    kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    if summarize is None:
        summarize = -1
    stream = _stream_of(output_stream)

    tensors: list[Tensor] = []
    if (
        len(inputs) == 1
        and _is_tensor_like(inputs[0])
        and len(_as_tensor(inputs[0])._shape) == 0
        and _as_tensor(inputs[0])._dtype is dtypes.string
    ):
        tensors.append(_as_tensor(inputs[0]))
        template = [_RAW]
    else:
        template = _template(inputs, sep, tensors)

    dts = [t._dtype for t in tensors]

    def emit(*values: Any) -> None:
        if template == [_RAW]:
            raw = np.asarray(values[0]).reshape(()).item()
            text = raw.decode("utf-8", "backslashreplace") if isinstance(raw, bytes) else str(raw)
        else:
            texts = [
                _format_tensor(np.asarray(v), dt, summarize)
                for v, dt in zip(values, dts, strict=True)
            ]
            text = "".join(texts[p] if isinstance(p, int) else str(p) for p in template)
        _write(text + end, stream)

    host_values: dict[int, Any] = {}
    values = []
    for i, t in enumerate(tensors):
        if t._dtype is dtypes.string:
            host_values[i] = t._value
        else:
            values.append(t._array())
    traced = inside_function() or any(isinstance(v, jax.core.Tracer) for v in values)

    def emit_numeric(*numeric: Any) -> None:
        it = iter(numeric)
        emit(*[host_values[i] if i in host_values else next(it) for i in range(len(tensors))])

    if traced:
        # The same ordered effect as tf.py_function's callbacks: one program order.
        if _UNORDERED.depth:  # tf.vectorized_map: an ordered callback cannot be batched
            jax.debug.callback(emit_numeric, *values)
        else:
            # (stop_gradient: a tape differentiating the program passes the print by)
            io_callback(emit_numeric, None, *map(jax.lax.stop_gradient, values), ordered=True)
    else:
        emit_numeric(*values)


class _Unordered(threading.local):
    depth = 0


_UNORDERED = _Unordered()


@contextlib.contextmanager
def unordered_prints() -> Iterator[None]:
    """While a body to be batched (`tf.vectorized_map`) is traced: prints are unordered
    debug callbacks, which `jax.vmap` can batch (an ordered callback cannot be)."""
    _UNORDERED.depth += 1
    try:
        yield
    finally:
        _UNORDERED.depth -= 1


_RAW = object()  # a lone scalar string tensor: its raw text
_MARK_RE = re.compile("\x00(.)\x00\x00", re.DOTALL)


def _template(inputs: tuple[Any, ...], sep: str, tensors: list[Tensor]) -> list[Any]:
    """TF's template: text parts and tensor indices (ints), tensors appended in order."""
    parts: list[str] = []
    for x in inputs:
        if isinstance(x, str):
            parts.append(x)
            continue
        if _is_tensor_like(x):
            parts.append(repr(_Mark(len(tensors))))
            tensors.append(_as_tensor(x))
            continue
        if nest.is_nested(x):
            flat = []
            for leaf in nest.flatten(x):
                if _is_tensor_like(leaf):
                    flat.append(_Mark(len(tensors)))
                    tensors.append(_as_tensor(leaf))
                else:
                    flat.append(leaf)
            x = nest.pack_sequence_as(x, flat)
        parts.append(pprint.pformat(x))
    text = sep.join(parts)
    out: list[Any] = []
    for k, piece in enumerate(_MARK_RE.split(text)):
        if k % 2:
            out.append(ord(piece) - 0xF0000)  # the index of a tensor
        elif piece:
            out.append(piece)
    return out


class _Mark:
    """A tensor's place in a structure. Its repr is as long as TF's quoted placeholder
    ("'{}'"), so `pprint` wraps lines where TF's does; it holds the tensor's index."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"\x00{chr(0xF0000 + self.index)}\x00\x00"


def _stream_of(output_stream: Any) -> Any:
    """TF's accepted streams: sys.stdout, sys.stderr, logging levels and functions, files."""
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    if output_stream is sys.stdout or output_stream is sys.stderr:
        return output_stream
    levels = {
        logging.INFO: logging.INFO,
        logging.WARNING: logging.WARNING,
        logging.ERROR: logging.ERROR,
        logging.info: logging.INFO,
        logging.warning: logging.WARNING,
        logging.warn: logging.WARNING,
        logging.error: logging.ERROR,
    }
    absl = sys.modules.get("absl.logging")
    if absl is not None:
        levels.update(
            {
                absl.info: logging.INFO,
                absl.warning: logging.WARNING,
                absl.warn: logging.WARNING,
                absl.error: logging.ERROR,
            }
        )
    try:
        level = levels.get(output_stream)
    except TypeError:  # unhashable
        level = None
    if level is not None:
        return level
    raise ValueError(
        "Unsupported output stream, logging level, or file."
        + str(output_stream)
        + ". Supported streams are sys.stdout, sys.stderr, tf.logging.info, "
        "tf.logging.warning, tf.logging.error. "
        "File needs to be in the form of 'file://<filepath>'."
    )


def _is_tensor_like(x: Any) -> bool:
    return isinstance(x, (Tensor, Variable))


def _as_tensor(x: Any) -> Tensor:
    return x._tfcompat_read() if isinstance(x, Variable) else x


def _write(text: str, stream: Any) -> None:
    if isinstance(stream, str) and stream.startswith("file://"):
        with open(stream[len("file://") :], "a") as f:
            f.write(text)
        return
    if isinstance(stream, int):  # a logging level
        logging.getLogger("tensorflow").log(stream, text.rstrip("\n"))
        return
    stream.write(text)
    flush = getattr(stream, "flush", None)
    if flush is not None:
        flush()


# -- TF's value formatting (tensorflow/core/framework/tensor.cc SummarizeValue) --------------


def _scalar_text(x: Any, dtype: dtypes.DType) -> str:
    if dtype.is_complex:
        return "?"
    if dtype.is_bool:
        return "1" if x else "0"
    if dtype is dtypes.string:
        raw = x if isinstance(x, bytes) else str(x).encode()
        return '"' + raw.decode("utf-8", "backslashreplace") + '"'
    if dtype.is_floating:
        return _float_text(float(x), dtype is dtypes.float64)
    return str(int(x))


def _float_text(x: float, double: bool) -> str:
    # TF's FloatToBuffer / DoubleToBuffer: the short form when it round-trips.
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    short, long_ = (15, 17) if double else (6, 9)
    text = f"{x:.{short}g}"
    back = float(text) if double else float(np.float32(text))
    if back != (x if double else float(np.float32(x))):
        text = f"{x:.{long_}g}"
    return text


def _format_tensor(arr: np.ndarray, dtype: dtypes.DType, summarize: int) -> str:
    if arr.ndim == 0:
        return _scalar_text(arr[()], dtype)
    limit = arr.size if summarize < 0 else min(summarize, arr.size)
    out: list[str] = []
    _print_dim(arr, dtype, limit, 0, out)
    return "".join(out)


def _print_dim(arr: np.ndarray, dtype: dtypes.DType, ends: int, depth: int, out: list[str]) -> None:
    """TF's PrintOneDimV2: `ends` elements at each end of every dimension."""
    if not isinstance(arr, np.ndarray):  # an element (a string of an object array)
        out.append(_scalar_text(arr, dtype))
        return
    if arr.ndim == 0:
        out.append(_scalar_text(arr[()], dtype))
        return
    n = arr.shape[0]
    spacing = " " if arr.ndim == 1 else "\n" * (arr.ndim - 1) + " " * (depth + 1)
    out.append("[")
    for i in range(min(ends, n)):
        if i > 0:
            out.append(spacing)
        _print_dim(arr[i], dtype, ends, depth + 1, out)
    if n > 2 * ends:
        out.append(spacing)
        out.append("...")
    for i in range(max(ends, n - ends), n):
        out.append(spacing)
        _print_dim(arr[i], dtype, ends, depth + 1, out)
    out.append("]")

"""`tf.print`: TF's formatting, printed when the values exist (at run time in tf.function).

Eagerly the text is written at once. While a `tf.function` is traced, the tensors' values
are tracers: the formatting runs in an ordered `jax.debug.callback`, so the compiled
program prints on every call, in program order, as TF's `PrintV2` op does.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import jax
import numpy as np

from tfcompat._core import dtypes
from tfcompat._core.tensor import Tensor
from tfcompat._core.variable import Variable
from tfcompat._util import nest

__all__ = ["print_v2"]


def print_v2(*inputs: Any, **kwargs: Any) -> None:
    """tfcompat implementation of `tf.print`.

    Keyword arguments as TF: `output_stream` (`sys.stderr` by default, `sys.stdout`, a
    `logging` level, or `"file://path"`), `summarize` (3; -1 or None prints everything),
    `sep` (" "), `end` ("\\n"), `name`.
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep = kwargs.pop("sep", " ")
    end = kwargs.pop("end", "\n")
    kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {kwargs}")
    if summarize is None:
        summarize = -1

    # Split the inputs into a template (Python values) and the tensors to format.
    tensors: list[Tensor] = []
    template: list[Any] = []
    for x in inputs:
        if isinstance(x, str):
            template.append(("s", x))
        elif _is_tensor_like(x):
            template.append(("t", len(tensors)))
            tensors.append(_as_tensor(x))
        elif nest.is_nested(x):
            flat = nest.flatten(x)
            refs = []
            for leaf in flat:
                if _is_tensor_like(leaf):
                    refs.append(("t", len(tensors)))
                    tensors.append(_as_tensor(leaf))
                else:
                    refs.append(("v", leaf))
            template.append(("n", x, refs))
        else:
            template.append(("r", x))

    dts = [(t._dtype, t._shape) for t in tensors]

    def emit(*values: Any) -> None:
        texts = [
            _format_tensor(np.asarray(v), dt, summarize)
            for v, (dt, _) in zip(values, dts, strict=True)
        ]
        parts = []
        for item in template:
            if item[0] == "s":
                parts.append(item[1])
            elif item[0] == "t":
                parts.append(texts[item[1]])
            elif item[0] == "r":
                parts.append(repr(item[1]))
            else:
                leaves = [_Text(texts[r[1]]) if r[0] == "t" else r[1] for r in item[2]]
                parts.append(str(nest.pack_sequence_as(item[1], leaves)))
        _write(sep.join(parts) + end, output_stream)

    values = []
    for t in tensors:
        if t._dtype is dtypes.string:
            values.append(t._value)
        else:
            values.append(t._array())
    traced = any(isinstance(v, jax.core.Tracer) for v in values)
    if traced:
        jax.debug.callback(emit, *values, ordered=True)
    else:
        emit(*values)


class _Text:
    """Prints as the given text inside a container's repr."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


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
    return _format_array(arr, dtype, summarize, 0)


def _format_array(arr: np.ndarray, dtype: dtypes.DType, summarize: int, depth: int) -> str:
    n = arr.shape[0]
    cut = summarize >= 0 and n > 2 * summarize
    idx = [*range(summarize), -1, *range(n - summarize, n)] if cut else list(range(n))
    if arr.ndim == 1:
        items = ["..." if i < 0 else _scalar_text(arr[i], dtype) for i in idx]
        return "[" + " ".join(items) + "]"
    pad = " " * (depth + 1)
    newline = "\n" * (arr.ndim - 1)
    rows = ["..." if i < 0 else _format_array(arr[i], dtype, summarize, depth + 1) for i in idx]
    return "[" + (newline + pad).join(rows) + "]"

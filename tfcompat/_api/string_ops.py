"""`tf.strings`: string ops, run on the host with NumPy and Python.

String tensors hold NumPy object arrays of `bytes` (see `tfcompat/_ops/host_strings.py`);
these ops read them, compute with Python's `bytes`/`str` methods and `re`, and return new
tensors. None is differentiable (TF registers none of them), so none is recorded.

Regular expressions: TF uses RE2; tfcompat uses Python's `re` on the UTF-8 text (invalid
bytes kept through `surrogateescape`), after rejecting the Perl features RE2 lacks
(lookaround, backreferences), so a pattern RE2 rejects raises TF's
`InvalidArgumentError` here too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tfcompat
from tfcompat._api.logging_ops import _format_tensor
from tfcompat._core import dtypes
from tfcompat._core import errors as _errors
from tfcompat._core.convert import constant, convert_to_tensor
from tfcompat._core.dtypes import DType
from tfcompat._core.tensor import EagerTensor, Tensor

__all__ = [
    "as_string",
    "bytes_split",
    "format",
    "join",
    "length",
    "lower",
    "reduce_join",
    "regex_full_match",
    "regex_replace",
    "split",
    "strip",
    "substr",
    "to_number",
    "unicode_decode",
    "unicode_encode",
    "unicode_split",
    "upper",
]


# -- helpers -------------------------------------------------------------------------------
def _strings(x: Any, op: str) -> Tensor:
    """`x` as a string tensor; TF's dispatch error for a tensor of another dtype."""
    if isinstance(x, Tensor):
        t = x
    elif hasattr(x, "_tfcompat_read"):
        t = x._tfcompat_read()
    else:
        t = convert_to_tensor(x, dtype=dtypes.string)
    if t._dtype is not dtypes.string:
        raise _errors.dtype_mismatch(op, 0, dtypes.string, t._dtype)
    return t


def _host(t: Tensor) -> np.ndarray:
    """The host value of a string tensor (an object array, 0-d for a scalar)."""
    return np.asarray(t._value, dtype=object)


def _string_tensor(arr: Any) -> Tensor:
    out = np.asarray(arr, dtype=object)
    return EagerTensor(out, out.shape, dtypes.string)


def _map(fn: Callable[[Any], Any], arr: np.ndarray, otype: Any = object) -> np.ndarray:
    flat = [fn(s) for s in arr.reshape(-1)]
    out = np.empty(len(flat), otype)
    out[:] = flat
    return out.reshape(arr.shape)


def _numeric(arr: np.ndarray, dtype: DType) -> Tensor:
    return constant(np.asarray(arr, dtype.as_numpy_dtype), dtype)


def _ragged(values: Tensor, row_lengths: list[int]) -> Any:
    """A `tf.RaggedTensor` of `values` split into rows of `row_lengths`."""
    ragged = getattr(tfcompat, "RaggedTensor", None)
    if ragged is None:
        raise NotImplementedError(
            "This op returns a tf.RaggedTensor for inputs of rank 1 or more, and this "
            "tfcompat build has no tf.RaggedTensor yet; call it on scalars (rank 0)."
        )
    return ragged.from_row_lengths(values, constant(np.asarray(row_lengths, np.int64)))


def _rows(
    t: Any, fn: Callable[[bytes], list[Any]], make: Callable[[list[Any]], Tensor], op: str
) -> Any:
    """Apply a string -> list op: a Tensor for a scalar, a RaggedTensor for rank >= 1.

    As TF: a dense input of rank N > 1 is first viewed as a RaggedTensor with N - 1 uniform
    partitions, and a RaggedTensor input keeps its partitions; the op splits its flat
    values, adding one ragged dimension.
    """
    ragged = getattr(tfcompat, "RaggedTensor", None)
    if ragged is not None and isinstance(t, ragged):
        return t.with_flat_values(_rows(t.flat_values, fn, make, op))
    t = _strings(t, op)
    arr = _host(t)
    if arr.ndim == 0:
        return make(fn(arr.item()))
    if arr.ndim > 1:
        rt = tfcompat.RaggedTensor.from_tensor(t, ragged_rank=arr.ndim - 1)
        return rt.with_flat_values(_rows(rt.flat_values, fn, make, op))
    pieces = [fn(s) for s in arr]
    return _ragged(make([p for row in pieces for p in row]), [len(row) for row in pieces])


def _utf8(s: bytes) -> str:
    return s.decode("utf-8", "surrogateescape")


def _bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


# -- join ----------------------------------------------------------------------------------
def join(inputs: Any, separator: Any = "", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.join`."""
    ts = [_strings(x, "StringJoin") for x in inputs]
    arrs = [_host(t) for t in ts]
    shape: tuple[int, ...] = ()
    for a in arrs:
        if a.ndim:
            if shape and a.shape != shape:
                op = f"StringJoin_N_{len(arrs)}"
                raise _errors.InvalidArgumentError(
                    None,
                    None,
                    _errors._CPU_PREFIX.format(op=op)
                    + f"Input shapes do not match: {list(shape)} vs. {list(a.shape)}"
                    + " [Op:StringJoin]",
                )
            shape = a.shape
    sep = _encode(separator)
    flat = [np.broadcast_to(a, shape).reshape(-1) for a in arrs]
    out = [sep.join(parts) for parts in zip(*flat, strict=True)] if flat else []
    result = np.empty(len(out), object)
    result[:] = out
    return _string_tensor(result.reshape(shape))


def _encode(s: Any) -> bytes:
    if isinstance(s, Tensor):
        s = s.numpy()
    return s.encode() if isinstance(s, str) else bytes(s)


def reduce_join(
    inputs: Any, axis: Any = None, keepdims: bool = False, separator: Any = "", name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.strings.reduce_join`."""
    arr = _host(_strings(inputs, "ReduceJoin"))
    nd = arr.ndim
    if axis is None:
        axes = list(range(nd))
    else:
        raw = np.asarray(axis.numpy() if isinstance(axis, Tensor) else axis).reshape(-1)
        axes = []
        for a in raw.tolist():
            if not -nd <= a < nd or nd == 0:
                raise _errors.kernel_error(
                    "ReduceJoin",
                    f"Invalid reduction dimension {a} for input with {nd} dimension(s)",
                    _errors.OutOfRangeError,
                )
            axes.append(a % nd)
    sep = _encode(separator)
    keep = [d for d in range(nd) if d not in axes]
    moved = np.transpose(arr, keep + axes) if nd else arr
    out_shape = tuple(arr.shape[d] for d in keep)
    rows = moved.reshape((*out_shape, -1)) if nd else moved.reshape(1, 1)
    flat = rows.reshape(-1, rows.shape[-1])
    joined = np.empty(flat.shape[0], object)
    joined[:] = [sep.join(r) for r in flat]
    joined = joined.reshape(out_shape)
    if keepdims:
        joined = joined.reshape(tuple(1 if d in axes else arr.shape[d] for d in range(nd)))
    return _string_tensor(joined)


# -- regular expressions --------------------------------------------------------------------
_RE2_UNSUPPORTED = (
    (re.compile(r"\(\?<?[=!]"), "invalid perl operator: {}"),
    (re.compile(r"\\[1-9]"), "invalid escape sequence: {}"),
)


def _compile(pattern: Any, op: str) -> re.Pattern[str]:
    text = _utf8(_encode(pattern))
    for finder, msg in _RE2_UNSUPPORTED:
        found = finder.search(text)
        if found is not None:
            raise _errors.kernel_error(
                op, f"Invalid pattern: {text}, error: {msg.format(found.group())}", name=None
            )
    try:
        return re.compile(text)
    except re.error as exc:
        raise _errors.kernel_error(
            op, f"Invalid pattern: {text}, error: {_re2_message(exc, text)}", name=None
        ) from None


def _re2_message(exc: re.error, text: str) -> str:
    msg = exc.msg
    if msg.startswith("missing ),"):
        return f"missing ): {text}"
    if msg.startswith("unbalanced parenthesis"):
        return f"unexpected ): {text}"
    if msg.startswith("nothing to repeat"):
        return f"missing argument to repetition operator: {text[exc.pos or 0 :]}"
    if msg.startswith("unterminated character set"):
        return f"missing ]: {text[exc.pos or 0 :]}"
    return msg


def _rewrite(rewrite: bytes, groups: int) -> Callable[[re.Match[str]], str] | None:
    """RE2's rewrite (`\\0`-`\\9` groups, `\\\\` a backslash); None: a group is missing."""
    parts: list[str | int] = []
    text = _utf8(rewrite)
    i = 0
    lit = ""
    while i < len(text):
        c = text[i]
        if c != "\\":
            lit += c
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt.isdigit():
            if int(nxt) > groups:
                return None
            parts.append(lit)
            lit = ""
            parts.append(int(nxt))
        elif nxt == "\\":
            lit += "\\"
        else:  # RE2 stops rewriting at a bad escape, keeping what it wrote so far
            break
        i += 2
    parts.append(lit)

    def sub(m: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)

    return sub


def regex_replace(
    input: Any, pattern: Any, rewrite: Any, replace_global: bool = True, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.strings.regex_replace` (RE2 syntax, see the module)."""
    op = (
        "StaticRegexReplace"
        if not isinstance(pattern, Tensor) and not isinstance(rewrite, Tensor)
        else "RegexReplace"
    )
    arr = _host(_strings(input, op))
    rx = _compile(pattern, op)
    sub = _rewrite(_encode(rewrite), rx.groups)
    if sub is None:  # RE2 replaces nothing when the rewrite names a missing group
        return _string_tensor(arr.copy())
    count = 0 if replace_global else 1
    return _string_tensor(_map(lambda s: _bytes(rx.sub(sub, _utf8(s), count=count)), arr))


def regex_full_match(input: Any, pattern: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.regex_full_match` (RE2 syntax, see the module)."""
    op = "RegexFullMatch" if isinstance(pattern, Tensor) else "StaticRegexFullMatch"
    arr = _host(_strings(input, op))
    rx = _compile(pattern, op)
    out = _map(lambda s: rx.fullmatch(_utf8(s)) is not None, arr, np.bool_)
    return _numeric(out, dtypes.bool_)


# -- per-string ops -------------------------------------------------------------------------
def _check_unit(unit: str, op: str, allowed: Sequence[str] = ("BYTE", "UTF8_CHAR")) -> None:
    if unit not in allowed:
        names = ", ".join(f'"{a}"' for a in allowed)
        raise _errors.InvalidArgumentError(
            None,
            None,
            f"Value for attr 'unit' of \"{unit}\" is not in the list of allowed values: "
            f"{names}\n\t; NodeDef: {{{{node {op}}}}}; Op<name={op}; "
            f'signature=input:string -> output:int32; attr=unit:string,default="BYTE",'
            f"allowed=[{names}]> [Op:{op}]",
        )


def _utf8_len(s: bytes) -> int:
    # TF counts bytes that do not start with 0b10 (UTF-8 continuation bytes).
    return sum(1 for b in s if b & 0xC0 != 0x80)


def length(input: Any, unit: str = "BYTE", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.length`."""
    arr = _host(_strings(input, "StringLength"))
    _check_unit(unit, "StringLength")
    fn = len if unit == "BYTE" else _utf8_len
    return _numeric(_map(fn, arr, np.int32), dtypes.int32)


def _ascii_case(s: bytes, upper: bool) -> bytes:
    return s.upper() if upper else s.lower()


def _case(input: Any, encoding: str, upper: bool, op: str) -> Tensor:
    arr = _host(_strings(input, op))
    if encoding == "":
        return _string_tensor(_map(lambda s: _ascii_case(s, upper), arr))
    if encoding.lower().replace("-", "") != "utf8":
        raise _errors.kernel_error(op, f"encoding should be utf-8 or empty: {encoding}")

    def convert(s: bytes) -> bytes:
        text = _utf8(s)
        return _bytes(text.upper() if upper else text.lower())

    return _string_tensor(_map(convert, arr))


def lower(input: Any, encoding: str = "", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.lower` (ASCII unless `encoding='utf-8'`)."""
    return _case(input, encoding, False, "StringLower")


def upper(input: Any, encoding: str = "", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.upper` (ASCII unless `encoding='utf-8'`)."""
    return _case(input, encoding, True, "StringUpper")


def strip(input: Any, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.strip` (ASCII whitespace)."""
    arr = _host(_strings(input, "StringStrip"))
    return _string_tensor(_map(lambda s: s.strip(b" \t\n\v\f\r"), arr))


def _int_values(x: Any) -> np.ndarray:
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return np.asarray(t.numpy())


def substr(input: Any, pos: Any, len: Any, unit: str = "BYTE", name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.substr`."""
    arr = _host(_strings(input, "Substr"))
    _check_unit(unit, "Substr")
    p, n = _int_values(pos), _int_values(len)
    if p.shape != n.shape:
        raise _errors.kernel_error(
            "Substr",
            f"pos and len should have the same shape, got: {list(p.shape)} vs. {list(n.shape)}",
            name=None,
        )
    try:
        shape = np.broadcast_shapes(arr.shape, p.shape)
    except ValueError:
        raise _errors.kernel_error(
            "Substr",
            f"Incompatible shapes: {list(arr.shape)} vs. {list(p.shape)}",
            name=None,
        ) from None
    strs = np.broadcast_to(arr, shape).reshape(-1)
    ps = np.broadcast_to(p, shape).reshape(-1)
    ns = np.broadcast_to(n, shape).reshape(-1)
    out = []
    for i, (s, start, count) in enumerate(zip(strs, ps.tolist(), ns.tolist(), strict=True)):
        units: Any = s if unit == "BYTE" else _utf8(s)
        size = builtin_len(units)
        if not -size <= start <= size:
            raise _errors.kernel_error(
                "Substr", f"pos {start} out of range for string {s!r} at index {i}", name=None
            )
        begin = start + size if start < 0 else start
        piece = units[begin : begin + max(count, 0)]
        out.append(piece if unit == "BYTE" else _bytes(piece))
    result = np.empty(builtin_len(out), object)
    result[:] = out
    return _string_tensor(result.reshape(shape))


builtin_len = len


_FLOAT_RE = re.compile(
    r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)\s*$", re.I
)
_HEX_RE = re.compile(
    r"\s*[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?\s*$"
)
_INT_RE = re.compile(r"\s*[+-]?\d+\s*$")


def _parse_number(s: bytes, dtype: DType) -> Any:
    text = s.decode("latin-1")
    if dtype.is_integer:
        if _INT_RE.match(text):
            v = int(text)
            info = np.iinfo(dtype.as_numpy_dtype)
            if info.min <= v <= info.max:
                return v
    elif _FLOAT_RE.match(text):
        return float(text)
    elif _HEX_RE.match(text):
        return float.fromhex(text.strip())
    raise _errors.kernel_error(
        "StringToNumber",
        f"StringToNumberOp could not correctly convert string: {text}",
        name=None,
    )


def to_number(input: Any, out_type: Any = dtypes.float32, name: Any = None) -> Tensor:
    """tfcompat implementation of `tf.strings.to_number`."""
    dtype = dtypes.as_dtype(out_type)
    if dtype not in (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64):
        raise TypeError(
            f"Value passed to parameter 'out_type' has DataType {dtype.name} not in list of "
            "allowed values: float32, float64, int32, int64"
        )
    arr = _host(_strings(input, "StringToNumber"))
    vals = [_parse_number(s, dtype) for s in arr.reshape(-1)]
    with np.errstate(over="ignore"):
        out = np.asarray(vals, dtype=np.float64 if dtype.is_floating else np.int64)
        return _numeric(out.astype(dtype.as_numpy_dtype).reshape(arr.shape), dtype)


def as_string(
    input: Any,
    precision: int = -1,
    scientific: bool = False,
    shortest: bool = False,
    width: int = -1,
    fill: str = "",
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.strings.as_string` (printf formats, as TF's kernel)."""
    t = input if isinstance(input, Tensor) else convert_to_tensor(input)
    dtype = t._dtype
    if dtype is dtypes.string:
        return t
    if scientific and shortest:
        raise _errors.kernel_error(
            "AsString", "Cannot select both scientific and shortest notation"
        )
    if len(fill) > 1:
        raise _errors.kernel_error(
            "AsString", f"Fill string must be one or fewer characters: {fill}"
        )
    spec = "%"
    if fill:
        spec += "0" if fill == "0" else ("-" if fill == "-" else "")
    if width > -1:
        spec += str(width)
    if precision > -1:
        spec += f".{precision}"
    arr = np.asarray(t.numpy())
    if dtype.is_bool:
        fmt = spec + "s"
        return _string_tensor(_map(lambda v: (fmt % ("true" if v else "false")).encode(), arr))
    if dtype.is_integer:
        fmt = spec + "d"
        return _string_tensor(_map(lambda v: (fmt % int(v)).encode(), arr))
    code = "e" if scientific else ("g" if shortest else "f")
    fmt = spec + code
    if dtype.is_complex:
        return _string_tensor(
            _map(lambda v: f"({fmt % v.real},{fmt % v.imag})".encode(), arr.astype(np.complex128))
        )
    return _string_tensor(_map(lambda v: (fmt % float(v)).encode(), arr))


def format(
    template: str, inputs: Any, placeholder: str = "{}", summarize: int = 3, name: Any = None
) -> Tensor:
    """tfcompat implementation of `tf.strings.format` (tensors summarized as `tf.print`)."""
    items = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    pieces = template.split(placeholder)
    if builtin_len(pieces) - 1 != builtin_len(items):
        raise ValueError(
            f"The template expects {builtin_len(pieces) - 1} tensors, but the inputs only has "
            f"{builtin_len(items)}. Please ensure the number of placeholders in template "
            "matches inputs length."
        )
    texts = []
    for x in items:
        t = x if isinstance(x, Tensor) else convert_to_tensor(x)
        value = t._value if t._dtype is dtypes.string else np.asarray(t.numpy())
        texts.append(_format_tensor(np.asarray(value), t._dtype, summarize))
    out = pieces[0] + "".join(txt + piece for txt, piece in zip(texts, pieces[1:], strict=True))
    return _string_tensor(np.asarray(out.encode(), dtype=object))


# -- splitting ------------------------------------------------------------------------------
def _split_one(s: bytes, sep: bytes | None, maxsplit: int) -> list[bytes]:
    if sep is None:
        return s.split(None, maxsplit)
    if sep == b"":
        return s.split(None, maxsplit)
    return s.split(sep, maxsplit)


def split(input: Any, sep: Any = None, maxsplit: int = -1, name: Any = None) -> Any:
    """tfcompat implementation of `tf.strings.split`.

    A scalar input gives a 1-D string Tensor; a vector gives a `tf.RaggedTensor`.
    """
    if isinstance(input, Tensor) and input._dtype is not dtypes.string:
        raise ValueError(
            f"input: Tensor conversion requested dtype string for Tensor with dtype "
            f"{input._dtype.name}: {input!r}"
        )
    sep_b = None if sep is None else _encode(sep)
    return _rows(
        input,
        lambda s: _split_one(s, sep_b, maxsplit),
        lambda parts: _string_tensor(_vector(parts)),
        "StringSplitV2",
    )


def _vector(items: list[Any]) -> np.ndarray:
    out = np.empty(builtin_len(items), object)
    out[:] = items
    return out


def bytes_split(input: Any, name: Any = None) -> Any:
    """tfcompat implementation of `tf.strings.bytes_split`."""
    return _rows(
        input,
        lambda s: [s[i : i + 1] for i in range(builtin_len(s))],
        lambda parts: _string_tensor(_vector(parts)),
        "UnicodeDecode",
    )


# -- unicode --------------------------------------------------------------------------------
_ENCODINGS = {"UTF-8": "utf-8", "UTF-16-BE": "utf-16-be", "UTF-32-BE": "utf-32-be"}


def _codec(encoding: str, op: str) -> str:
    codec = _ENCODINGS.get(encoding.upper())
    if codec is None:
        raise _errors.kernel_error(op, f"Could not create converter for input encoding: {encoding}")
    return codec


def _decode_chars(
    s: bytes, codec: str, errors_mode: str, replacement_char: int, op: str
) -> list[str]:
    if errors_mode == "strict":
        try:
            return list(s.decode(codec))
        except UnicodeDecodeError:
            raise _errors.kernel_error(op, "Invalid formatting on input string") from None
    text = s.decode(codec, "replace" if errors_mode == "replace" else "ignore")
    if errors_mode == "replace" and replacement_char != 0xFFFD:
        text = text.replace("\ufffd", chr(replacement_char))
    return list(text)


def unicode_decode(
    input: Any,
    input_encoding: str,
    errors: str = "replace",
    replacement_char: int = 65533,
    replace_control_characters: bool = False,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.strings.unicode_decode` (UTF-8, UTF-16-BE, UTF-32-BE)."""
    codec = _codec(input_encoding, "UnicodeDecode")

    def decode(s: bytes) -> list[int]:
        points = [
            ord(c) for c in _decode_chars(s, codec, errors, replacement_char, "UnicodeDecode")
        ]
        if replace_control_characters:
            points = [replacement_char if p < 0x20 or 0x7F <= p < 0xA0 else p for p in points]
        return points

    return _rows(
        input,
        decode,
        lambda pts: _numeric(np.asarray(pts, np.int32), dtypes.int32),
        "UnicodeDecode",
    )


def unicode_split(
    input: Any,
    input_encoding: str,
    errors: str = "replace",
    replacement_char: int = 65533,
    name: Any = None,
) -> Any:
    """tfcompat implementation of `tf.strings.unicode_split`."""
    codec = _codec(input_encoding, "UnicodeDecode")

    def chars(s: bytes) -> list[bytes]:
        return [
            c.encode(codec)
            for c in _decode_chars(s, codec, errors, replacement_char, "UnicodeDecode")
        ]

    return _rows(input, chars, lambda parts: _string_tensor(_vector(parts)), "UnicodeDecode")


def unicode_encode(
    input: Any,
    output_encoding: str,
    errors: str = "replace",
    replacement_char: int = 65533,
    name: Any = None,
) -> Tensor:
    """tfcompat implementation of `tf.strings.unicode_encode` (the last axis, dense or
    ragged, holds the code points of one string)."""
    codec = _codec(output_encoding, "UnicodeEncode")
    ragged = getattr(tfcompat, "RaggedTensor", None)
    if ragged is not None and isinstance(input, ragged):
        inner = input.values
        if isinstance(inner, ragged) or builtin_len(inner.shape) > 1:
            # Encode the innermost rows; the outer partitions stay.
            return input.with_values(
                unicode_encode(inner, output_encoding, errors, replacement_char)
            )
        splits = np.asarray(input.row_splits.numpy())
        if inner.dtype is not dtypes.int32:
            raise errors_type_error(inner.dtype)
        points = np.asarray(inner.numpy())
        rows = [
            _encode_points(points[a:b], codec, errors, replacement_char)
            for a, b in itertools.pairwise(splits)
        ]
        return _string_tensor(_vector(rows))
    t = input if isinstance(input, Tensor) else convert_to_tensor(input, dtype=dtypes.int32)
    if t._dtype is not dtypes.int32:
        raise errors_type_error(t._dtype)
    arr = np.asarray(t.numpy())
    if arr.ndim == 0:
        raise ValueError("Rank of input must be at least 1.")

    flat = arr.reshape(-1, arr.shape[-1])
    out = _vector([_encode_points(row, codec, errors, replacement_char) for row in flat])
    return _string_tensor(out.reshape(arr.shape[:-1]))


def _encode_points(points: np.ndarray, codec: str, errors: str, replacement_char: int) -> bytes:
    chars = []
    for p in points.tolist():
        if 0 <= p <= 0x10FFFF and not 0xD800 <= p <= 0xDFFF:
            chars.append(chr(p))
        elif errors == "strict":
            raise _errors.kernel_error("UnicodeEncode", f"Invalid code point: {p}")
        elif errors == "replace":
            chars.append(chr(replacement_char))
    return "".join(chars).encode(codec)


def errors_type_error(dtype: DType) -> TypeError:
    return TypeError(
        f"Value passed to parameter 'input_values' has DataType {dtype.name} not in list of "
        "allowed values: int32"
    )

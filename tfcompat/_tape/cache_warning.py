"""The recompilation warning: a loop that keeps missing the compile cache.

TF warns when a `tf.function` keeps retracing ("5 out of the last 5 calls to <f>
triggered tf.function retracing"). tfcompat compiles eager tape code too, so the same
trap exists without any `tf.function`: a batch whose size changes every step, a dtype
that flips, a cache too small for the loop. Each costs a compile (tens of milliseconds
to seconds) per step, silently.

The engine reports every cache lookup (`count_lookup`, one dictionary increment) and
every miss (`on_miss`, which costs nothing next to the compile it announces). A miss
is attributed to a *site* (the user's line that triggered it) and a *structure* (the
program's op sequence and wiring, without shapes, dtypes and attributes). When one site
and structure has missed `THRESHOLD` times within the last `MAX_HISTORY` lookups of its
kind, the warning names what changed between the last two compiles (which op, which
input, which shape or dtype or attribute), or that the cache evicted the program. It is
emitted once through `warnings.warn` (category `RecompilationWarning`, so it can be
filtered or turned into an error) and once through the "tensorflow" logger, as TF logs
its retracing warning; at most `MAX_WARNINGS` times per site and structure.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import warnings
from collections import OrderedDict, deque
from itertools import islice
from typing import Any

__all__ = [
    "RecompilationWarning",
    "count_lookup",
    "explain_op",
    "on_evict",
    "on_miss",
    "reset",
    "resize",
]

THRESHOLD = 5  # misses of one site and structure ...
MAX_HISTORY = 10  # ... within this many lookups of the same kind
MAX_WARNINGS = 2  # per site and structure, as TF's per-function detector
_MAX_DETECTORS = 256
_MAX_EVICTED = 4096

_tf_logger = logging.getLogger("tensorflow")
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class RecompilationWarning(UserWarning):
    """A loop keeps compiling new programs (tfcompat's analogue of TF's retracing warning)."""


RecompilationWarning.__module__ = "tfcompat.experimental"

_MESSAGE = (
    "{misses} out of the last {lookups} {what} at {site} compiled a new program. "
    "Compiling is expensive, and tfcompat compiles once per graph signature. {why} "
    "Keep shapes and dtypes fixed from step to step (pad or bucket variable-size batches; "
    "pass numbers that change as tensors of a fixed dtype), or raise the cache size with "
    "tfcompat.experimental.set_cache_size(n) (now {maxsize})."
)
_WHAT = {"value": "value computations", "grad": "gradient computations"}


class _Detector:
    __slots__ = ("last_key", "misses", "warnings")

    def __init__(self) -> None:
        self.misses: deque[int] = deque(maxlen=THRESHOLD)  # lookup counts at each miss
        self.last_key: Any = None
        self.warnings = 0


_lock = threading.Lock()
_lookups: dict[str, int] = {"value": 0, "grad": 0}
_detectors: OrderedDict[Any, _Detector] = OrderedDict()
_evicted: OrderedDict[int, None] = OrderedDict()  # hashes of evicted keys
_reverse: dict[int, tuple[Any, ...]] = {}  # node key id -> (op, attrs, *input avals)
_reverse_seen = [0]


def count_lookup(kind: str) -> None:
    """Count one cache lookup of `kind` ("value" or "grad")."""
    _lookups[kind] = _lookups.get(kind, 0) + 1


def reset() -> None:
    """Forget all history (tests)."""
    with _lock:
        _detectors.clear()
        _evicted.clear()
        for kind in _lookups:
            _lookups[kind] = 0


def on_evict(key: Any) -> None:
    """The cache dropped `key` (least recently used)."""
    with _lock:
        _evicted[hash(key)] = None
        if len(_evicted) > _MAX_EVICTED:
            _evicted.popitem(last=False)


def on_miss(key: Any, maxsize: int, avals: dict[Any, Any], explain: bool = False) -> str | None:
    """A cache miss for `key` (a program is about to be compiled).

    `avals` is the engine's abstract-evaluation table, which decodes node keys. With
    `explain`, returns the user's line and what changed since the last program compiled
    there (for `TFCOMPAT_LOG_COMPILES`).
    """
    kind = key[0]
    if kind not in _WHAT:
        return None
    site = _user_site()
    structure = _structure(key, avals)
    with _lock:
        was_evicted = _evicted.pop(hash(key), False) is None
        det_key = (kind, site, structure)
        det = _detectors.get(det_key)
        if det is None:
            det = _detectors[det_key] = _Detector()
            if len(_detectors) > _MAX_DETECTORS:
                _detectors.popitem(last=False)
        else:
            _detectors.move_to_end(det_key)
        now = _lookups.get(kind, 0)
        det.misses.append(now)
        previous, det.last_key = det.last_key, key
        reason = None
        if explain:
            reason = f"at {site[0]}:{site[1]}: " + (
                "the first program of this graph there"
                if previous is None and not was_evicted
                else _explain(previous, key, was_evicted, maxsize, avals)
            )
        if det.warnings >= MAX_WARNINGS or len(det.misses) < THRESHOLD:
            return reason
        window = now - det.misses[0] + 1
        if window > MAX_HISTORY:
            return reason
        det.warnings += 1
        det.misses.clear()  # the next warning needs THRESHOLD more misses
    why = _explain(previous, key, was_evicted, maxsize, avals)
    message = _MESSAGE.format(
        misses=THRESHOLD,
        lookups=window,
        what=_WHAT[kind],
        site=f"{site[0]}:{site[1]}",
        why=why,
        maxsize=maxsize,
    )
    warnings.warn(message, RecompilationWarning, stacklevel=_stacklevel())
    _tf_logger.warning(message)
    return reason


_last_op: dict[str, tuple[Any, ...]] = {}  # op name -> key of its last single-op compile


def explain_op(key_id: int, avals: dict[Any, Any]) -> str:
    """What makes single op `key_id` compile (`TFCOMPAT_LOG_COMPILES`): the user's line,
    the op, and which attribute or input differs from the op's previous compile."""
    site = _user_site()
    akey = _decode_all(((key_id,),), avals).get(key_id)
    if akey is None:
        return f"at {site[0]}:{site[1]}"
    op, attrs, in_avals = akey[0], akey[1], akey[2:]
    where = f"{op.name} at {site[0]}:{site[1]}: "
    with _lock:
        previous = _last_op.get(op.name)
        _last_op[op.name] = akey
    if previous is None:
        return where + "its first compile"
    if previous[1] != attrs:
        old = dict(previous[1])
        for name, value in attrs:
            if old.get(name, object()) != value:
                return where + f"attribute {name}={value!r}, previously {old.get(name)!r}"
        return where + f"attributes {dict(attrs)}, previously {old}"
    old_in = previous[2:]
    n_inputs = len(in_avals) // 2
    operands = op.operands
    for j in range(0, min(len(old_in), len(in_avals)), 2):
        k = j // 2
        what = f"input {k}"
        if k >= n_inputs - len(operands):
            what += f" (value operand {operands[k - n_inputs + len(operands)]})"
        if old_in[j] != in_avals[j]:
            return (
                where + f"{what} has shape {_fmt_shape(in_avals[j])}, previously "
                f"{_fmt_shape(old_in[j])}"
            )
        if old_in[j + 1] != in_avals[j + 1]:
            return (
                where + f"{what} has dtype {in_avals[j + 1].name}, previously {old_in[j + 1].name}"
            )
    if len(old_in) != len(in_avals):
        return where + f"{n_inputs} inputs, previously {len(old_in) // 2}"
    return where + "compiled before and evicted from the single-op cache"


def resize(cache: Any, maxsize: int) -> None:
    """Bound the engine's program `cache` to `maxsize` programs (least recently used go)."""
    if not isinstance(maxsize, int) or isinstance(maxsize, bool) or maxsize < 1:
        raise ValueError(f"The cache size must be a positive int, got {maxsize!r}.")
    with cache.lock:
        cache.maxsize = maxsize
        while len(cache.entries) > maxsize:
            key, _ = cache.entries.popitem(last=False)
            cache.evictions += 1
            on_evict(key)


# --------------------------------------------------------------------------------------
# Sites, structures and what changed
# --------------------------------------------------------------------------------------


def _is_internal(filename: str) -> bool:
    return filename.startswith(_PACKAGE_DIR) or "/jax/" in filename or "/jaxlib/" in filename


def _user_site() -> tuple[str, int]:
    frame = sys._getframe(1)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return ("<tfcompat>", 0)
    return (frame.f_code.co_filename, frame.f_lineno)


def _stacklevel() -> int:
    level, frame = 1, sys._getframe(1)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _specs(key: Any) -> tuple[Any, ...]:
    return key[1]


def _structure(key: Any, avals: dict[Any, Any]) -> tuple[Any, ...]:
    """The key without shapes, dtypes and attributes: op names, stop kinds and wiring."""
    ops = _decode_all(_specs(key), avals)
    body = tuple(
        (ops[spec[0]][0].name if spec[0] in ops else spec[0], *spec[1:]) for spec in _specs(key)
    )
    return (body, *key[2:4])


def _decode_all(specs: tuple[Any, ...], avals: dict[Any, Any]) -> dict[int, tuple[Any, ...]]:
    if len(avals) != _reverse_seen[0]:
        for akey, entry in islice(avals.items(), _reverse_seen[0], None):
            _reverse[entry[0]] = akey
        _reverse_seen[0] = len(avals)
    return {spec[0]: _reverse[spec[0]] for spec in specs if spec[0] in _reverse}


def _describe_ref(ref: int) -> str:
    return f"leaf {-ref - 1}" if ref < 0 else f"output {ref}"


def _fmt_shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _explain(
    previous: Any, key: Any, was_evicted: bool, maxsize: int, avals: dict[Any, Any]
) -> str:
    if was_evicted:
        return (
            f"This program was compiled before and evicted: the loop uses more programs "
            f"than the cache holds ({maxsize})."
        )
    if previous is None:
        return "The recorded graph changes from call to call."
    old_specs, new_specs = _specs(previous), _specs(key)
    if len(old_specs) != len(new_specs):
        return f"The recorded graph has {len(new_specs)} ops, the previous one {len(old_specs)}."
    ops = _decode_all(old_specs + new_specs, avals)
    for i, (old, new) in enumerate(zip(old_specs, new_specs, strict=True)):
        if old == new:
            continue
        a, b = ops.get(old[0]), ops.get(new[0])
        if a is None or b is None:
            break
        name = b[0].name
        if a[0].name != name:  # (each gradient plan has an op of its own, same name)
            return f"Op {i} is {name}, previously {a[0].name}."
        if a[1] != b[1]:
            return f"Op {i} ({name}) has attributes {dict(b[1])}, previously {dict(a[1])}."
        old_in, new_in = a[2:], b[2:]
        refs = new[2:]
        for j in range(0, min(len(old_in), len(new_in)), 2):
            src = _describe_ref(refs[j // 2]) if j // 2 < len(refs) else "an input"
            if old_in[j] != new_in[j]:
                return (
                    f"Op {i} ({name}) input {j // 2} ({src}) changed shape: "
                    f"{_fmt_shape(new_in[j])}, previously {_fmt_shape(old_in[j])}."
                )
            if old_in[j + 1] != new_in[j + 1]:
                return (
                    f"Op {i} ({name}) input {j // 2} ({src}) changed dtype: "
                    f"{new_in[j + 1].name}, previously {old_in[j + 1].name}."
                )
        return f"Op {i} ({name}) is wired to different inputs."
    if key[2:] != previous[2:]:
        return "The outputs or sources requested differ."
    return "The recorded graph changes from call to call."

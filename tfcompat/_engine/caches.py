"""Caches: the compiled-program cache and the registry `clear_caches()` clears.

`CACHE` holds value programs and gradient plans (a bounded LRU with statistics);
`_EAGER` the jitted single ops; `OpCache`s, registered by name, the ops that
custom_gradient, ForwardAccumulator and jacobian build. `clear_caches()` and
`set_cache_size` reach all of them.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

from tfcompat._engine import jax_internals
from tfcompat._engine.abstract import _AVALS
from tfcompat._engine.ir import BARRIERS, jit_program
from tfcompat._ops.registry import RawOp
from tfcompat._tape import cache_warning

log = logging.getLogger("tfcompat")


# Abstract-evaluation key id (op, attrs, input shapes and dtypes) -> jitted op, for ops
# run on their own (bounded: attrs such as shapes vary). Each entry is compiled once, for
# exactly those inputs, so a miss is one XLA compile and is counted as one.
_EAGER: OrderedDict[int, Callable[..., Any]] = OrderedDict()
_EAGER_MAX = 4096


def _eager_fn(op: RawOp, attrs: tuple[tuple[str, Any], ...], key: int) -> Callable[..., Any]:
    fn = _EAGER.get(key)
    if fn is None:
        fn = jit_program(partial(op.fn, **dict(attrs)) if attrs else op.fn, BARRIERS in op.tags)
        if not jax_internals.trace_state_clean():
            return fn  # traced into an enclosing program: nothing compiles on its own
        _EAGER[key] = fn
        if len(_EAGER) > _EAGER_MAX:
            _EAGER.popitem(last=False)
        # (a gradient program run on its own is a "gradient" compile, explained by its plan)
        if op.lazy:
            CACHE.count_compile("gradient", 1, key, CACHE.plan_why)
        else:
            CACHE.count_compile("op", 1, key)
    return fn


_HOST_SEEN: OrderedDict[int, None] = OrderedDict()


class _Cache:
    """A bounded LRU cache of compiled programs (and gradient plans), with statistics."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.compiles = 0
        self.plans = 0
        self.evictions = 0
        self.lock = threading.RLock()
        self.plan_why: str | None = None  # what the last new gradient plan changed (log)

    def get(self, key: Any) -> Any:
        lookups = cache_warning._lookups  # the recompilation warning's clock
        lookups[key[0]] = lookups.get(key[0], 0) + 1
        entry = self.entries.get(key)
        if entry is not None:
            self.hits += 1
            # Unlocked (the hot path): another thread's `put` may have evicted it since
            # the lookup; the entry found is still valid. (try is cheaper than suppress.)
            try:  # noqa: SIM105
                self.entries.move_to_end(key)
            except KeyError:
                pass
        return entry

    def count_compile(
        self, kind: str, size: int, op_key: int | None = None, why: str | None = None
    ) -> None:
        """Count one XLA compile; `op_key`: the abstract-evaluation key id of a single op
        compiled on its own (kinds "op" and "gradient" run eagerly); `why`: what caused
        it, for the log."""
        self.compiles += 1
        if _LOG_COMPILES:
            if why is None and op_key is not None:
                why = cache_warning.explain_op(op_key, _AVALS)
            log.warning(
                "tfcompat: compiling %s program #%d%s%s",
                kind,
                self.compiles,
                "" if op_key is not None else f" ({size} nodes)",
                f": {why}" if why else "",
            )

    def put(self, key: Any, entry: Any, kind: str, size: int) -> None:
        """Add a compiled value program (kind "value") or a gradient plan ("plan")."""
        with self.lock:
            self.misses += 1
            self.entries[key] = entry
            while len(self.entries) > self.maxsize:
                old, _ = self.entries.popitem(last=False)
                self.evictions += 1
                cache_warning.on_evict(old)
        # (may warn: a loop keeps compiling; with the log, says what changed)
        why = cache_warning.on_miss(key, self.maxsize, _AVALS, _LOG_COMPILES)
        with self.lock:
            if kind == "plan":
                self.plans += 1
                self.plan_why = why
            else:
                self.count_compile(kind, size, why=why)


_LOG_COMPILES = os.environ.get("TFCOMPAT_LOG_COMPILES", "") not in ("", "0")
CACHE = _Cache(int(os.environ.get("TFCOMPAT_CACHE_SIZE", "256")))


def compile_stats() -> dict[str, int]:
    """Counters of the program cache.

    `compiles`: programs built for execution (XLA compiles, one per new signature);
    `plans`: gradient plans built (liveness analysis, one per new gradient signature);
    `hits`/`misses`/`evictions`/`size`/`maxsize`: the bounded LRU cache holding both.
    """
    return {
        "compiles": CACHE.compiles,
        "plans": CACHE.plans,
        "hits": CACHE.hits,
        "misses": CACHE.misses,
        "evictions": CACHE.evictions,
        "size": len(CACHE.entries),
        "maxsize": CACHE.maxsize,
    }


class OpCache:
    """A bounded LRU of raw ops built for a structure (a custom gradient, a forward-mode
    JVP, a Jacobian), registered by name so that `clear_caches()` drops it and
    `set_cache_size` bounds it with the program cache."""

    def __init__(self, name: str, maxsize: int = 256) -> None:
        if name in _OP_CACHES:
            raise ValueError(f"an op cache named {name!r} exists already")
        self.name = name
        self.maxsize = maxsize
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()
        _OP_CACHES[name] = self

    def get(self, key: Any) -> Any:
        """The entry for `key` (made most recently used), or None."""
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, key: Any, entry: Any) -> None:
        with self.lock:
            self.entries[key] = entry
            while len(self.entries) > self.maxsize:
                self.entries.popitem(last=False)

    def resize(self, maxsize: int) -> None:
        with self.lock:
            self.maxsize = maxsize
            while len(self.entries) > maxsize:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


# Every OpCache, by name (see `clear_caches`, `set_cache_size`).
_OP_CACHES: dict[str, OpCache] = {}


def clear_caches() -> None:
    """Drop every compiled program and every cached op (statistics are kept)."""
    with CACHE.lock:  # not while a `put` evicts
        CACHE.entries.clear()
    _EAGER.clear()
    _HOST_SEEN.clear()
    for cache in _OP_CACHES.values():
        cache.clear()


def set_cache_size(maxsize: int) -> None:
    """Bound the program cache, and each registered op cache, to `maxsize` entries."""
    cache_warning.resize(CACHE, maxsize)
    for cache in _OP_CACHES.values():
        cache.resize(maxsize)

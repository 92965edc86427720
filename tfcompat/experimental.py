"""`tfcompat.experimental`: observability of the engine (not a TF namespace).

* `compile_stats()` - counters of the compiled-program cache (compiles, hits, misses,
  evictions, size, maxsize).
* `clear_caches()` - drop every compiled program.
* `run_eagerly(True)` - compute every op at once (debugging; also `TFCOMPAT_EAGER=1`).
* Set `TFCOMPAT_LOG_COMPILES=1` to log each compile, `TFCOMPAT_CACHE_SIZE=N` to bound
  the cache.
"""

from tfcompat._tape import engine as _engine
from tfcompat._tape.engine import clear_caches, compile_stats


def run_eagerly(enabled: bool = True) -> None:
    """Debug switch: compute every op as soon as it is called (also `TFCOMPAT_EAGER=1`).

    Recorded ops keep their graph, so gradients work unchanged; each op is a separate
    dispatch, so a failure or a NaN appears at the line that produced it. Much slower.
    """
    _engine.DEBUG_EAGER[0] = bool(enabled)


__all__ = ["clear_caches", "compile_stats", "run_eagerly"]

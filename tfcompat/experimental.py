"""`tfcompat.experimental`: observability of the engine (not a TF namespace).

* `compile_stats()` - counters of the compiled-program cache (compiles, hits, misses,
  evictions, size, maxsize).
* `clear_caches()` - drop every compiled program.
* Set `TFCOMPAT_LOG_COMPILES=1` to log each compile, `TFCOMPAT_CACHE_SIZE=N` to bound
  the cache.
"""

from tfcompat._tape.engine import clear_caches, compile_stats

__all__ = ["clear_caches", "compile_stats"]

"""`tfcompat.experimental`: observability of the engine (not a TF namespace).

* `compile_stats()` - counters of the compiled-program cache (compiles, hits, misses,
  evictions, size, maxsize).
* `clear_caches()` - drop every compiled program.
* `run_eagerly(True)` - compute every op at once (debugging; also `TFCOMPAT_EAGER=1`).
* `set_cache_size(n)` - bound the compiled-program cache to `n` programs (LRU; also
  `TFCOMPAT_CACHE_SIZE=N`, default 256).
* `RecompilationWarning` - warned (and logged to the "tensorflow" logger, as TF logs its
  retracing warning) when a loop keeps compiling new programs, naming what changed.
* Set `TFCOMPAT_LOG_COMPILES=1` to log each compile.
* `to_jax(t)` / `from_jax(a)` - a tensor's value as a `jax.Array` and back, without a
  copy (`jnp.asarray(t)` works too). JAX's operations are not recorded on tapes: a
  conversion of a tensor that a recording tape follows warns with
  `UnrecordedComputationWarning`.
"""

from tfcompat import _dtensor as dtensor  # noqa: F401  (tfcompat-keras hook)
from tfcompat._tape import engine as _engine
from tfcompat._tape.cache_warning import RecompilationWarning
from tfcompat._tape.engine import clear_caches, compile_stats
from tfcompat._tape.interop import UnrecordedComputationWarning, from_jax, to_jax
from tfcompat.data._optional import Optional


def set_cache_size(maxsize: int) -> None:
    """Bound the compiled-program cache to `maxsize` programs; the least recently used go.

    The default is 256 (or `TFCOMPAT_CACHE_SIZE`). A loop that needs more programs than
    the cache holds recompiles evicted ones and gets a `RecompilationWarning`.
    """
    _engine.set_cache_size(maxsize)


def run_eagerly(enabled: bool = True) -> None:
    """Debug switch: compute every op as soon as it is called (also `TFCOMPAT_EAGER=1`).

    Recorded ops keep their graph, so gradients work unchanged; each op is a separate
    dispatch, so a failure or a NaN appears at the line that produced it. Much slower.
    """
    _engine.set_modes(debug_eager=bool(enabled))


__all__ = [
    "Optional",
    "RecompilationWarning",
    "UnrecordedComputationWarning",
    "clear_caches",
    "compile_stats",
    "from_jax",
    "run_eagerly",
    "set_cache_size",
    "to_jax",
]

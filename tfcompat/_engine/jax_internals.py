"""Every use of JAX's private modules (`jax._src`), in one place.

tfcompat needs a few things JAX has no public API for: the current trace (to know
whether a tf.function or a gradient program is being traced), a way to trace a Python
function into a jaxpr while creating extra arguments during the trace (variables are
lifted into a tf.function's arguments as they are read), and the jaxpr utilities that
prune such a trace. Each name below says why it is needed and what happens on a JAX that
no longer has it. Everything else uses public API: `jax.core` (ShapedArray, Tracer,
eval_jaxpr, eval_context), `jax.api_util.debug_info`, `jax.extend.core` (Var,
find_top_trace), `jax.extend.linear_util.wrap_init`, `jax.extend.source_info_util`.

Supported JAX versions: those declared in pyproject.toml (tests run on the venv's JAX;
benchmarks/gpu_check.sh runs the non-TF tests on the accelerator image's JAX).
tests/test_layering.py fails if `jax._src` is imported anywhere else in tfcompat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.extend.core as _ext_core

__all__ = [
    "backends_initialized",
    "convert_constvars_jaxpr",
    "current_trace",
    "dce_jaxpr",
    "distributed_initialized",
    "is_eval_trace",
    "trace_state_clean",
    "trace_to_jaxpr_dynamic",
    "user_frames",
]

_MISSING = "this JAX has no `{}`; tfcompat supports the JAX versions declared in its pyproject.toml"

# --- trace_state_clean ---------------------------------------------------------------
# Why: "are we outside every JAX trace?" decides whether an eager cache may keep a
# program, whether a dead tape may be swept (a tensor recorded inside a trace has tracer
# leaves that must never be computed outside it), whether a random op or a dataset read
# is traced. JAX has no public predicate for it.
# Fallback: the public `jax.extend.core.find_top_trace` names the current trace; the
# top level is an evaluation trace.
_trace_state_clean: Callable[[], bool] | None
try:
    from jax._src.core import trace_state_clean as _trace_state_clean
except ImportError:  # pragma: no cover  (a JAX laid out otherwise)
    _trace_state_clean = None


def trace_state_clean() -> bool:
    """True when no JAX trace (jit, vmap, grad, a tf.function trace) is active."""
    if _trace_state_clean is not None:
        return bool(_trace_state_clean())
    return is_eval_trace(current_trace())  # pragma: no cover


def current_trace() -> Any:
    """The innermost active JAX trace (public: `jax.extend.core.find_top_trace`)."""
    return _ext_core.find_top_trace(())


# --- EvalTrace -----------------------------------------------------------------------
# Why: `tf.inside_function()` is "the current trace is not JAX's evaluation trace"; the
# class is not exported publicly. Fallback: compare the class name.
_EvalTrace: Any
try:
    from jax._src.core import EvalTrace as _EvalTrace
except ImportError:  # pragma: no cover
    _EvalTrace = None


def is_eval_trace(trace: Any) -> bool:
    """Whether `trace` is JAX's top-level evaluation trace (ops run at once)."""
    if _EvalTrace is not None:
        return isinstance(trace, _EvalTrace)
    return type(trace).__name__ == "EvalTrace"  # pragma: no cover


# --- partial_eval: trace_to_jaxpr_dynamic, convert_constvars_jaxpr, dce_jaxpr -----------
# Why: tf.function traces the user's function once into a jaxpr while the trace is
# running it creates new arguments (each variable read is lifted to an argument with
# `trace.new_arg`), which `jax.make_jaxpr` cannot do; the jaxpr's dead code is then
# pruned to evaluate only the initial values of variables created in the trace.
# Fallback: none for tracing (tf.function cannot work without it: a clear ImportError at
# first use); `convert_constvars_jaxpr` and `dce_jaxpr` are only used after it.
_pe: Any
try:
    from jax._src.interpreters import partial_eval as _pe
except ImportError:  # pragma: no cover
    _pe = None


def _partial_eval(name: str) -> Callable[..., Any]:
    fn = getattr(_pe, name, None)
    if fn is None:  # pragma: no cover
        raise ImportError(_MISSING.format(f"jax._src.interpreters.partial_eval.{name}"))
    return fn  # type: ignore[no-any-return,unused-ignore]


def trace_to_jaxpr_dynamic(fun: Any, in_avals: Any) -> Any:
    """`(jaxpr, out_avals, consts)` of a `jax.extend.linear_util.WrappedFun`."""
    return _partial_eval("trace_to_jaxpr_dynamic")(fun, in_avals)


def convert_constvars_jaxpr(jaxpr: Any) -> Any:
    """`jaxpr` with its constants turned into leading inputs."""
    return _partial_eval("convert_constvars_jaxpr")(jaxpr)


def dce_jaxpr(jaxpr: Any, used_outputs: list[bool], instantiate: bool = False) -> Any:
    """`(jaxpr without the outputs not used and the code they alone need, used inputs)`."""
    return _partial_eval("dce_jaxpr")(jaxpr, used_outputs, instantiate=instantiate)


# --- xla_bridge._backends ------------------------------------------------------------
# Why: JAX reads `jax_cpu_enable_async_dispatch` when it creates its CPU client; tfcompat
# sets it at import only if no backend exists yet (setting it later has no effect, and
# the public `jax.extend.backend.backends()` would create them). Fallback: report "not
# initialized", so the option is set (harmless when it can no longer take effect).
def backends_initialized() -> bool:
    """Whether JAX has created its backends (device clients) already."""
    try:
        from jax._src.xla_bridge import _backends
    except ImportError:  # pragma: no cover
        return False
    return bool(_backends)


# --- source_info_util.user_frames ----------------------------------------------------
# Why: a tensor leaked out of a tf.function trace is reported, as TF does, with the
# user's line that created it; JAX keeps that line in each equation's traceback, and
# only its private `user_frames` filters out JAX's own frames.
# Fallback: no frames (the message then names no line).
def user_frames(traceback: Any) -> list[Any]:
    """The user's frames (file, line, function) of a JAX equation's traceback."""
    try:
        from jax._src import source_info_util
    except ImportError:  # pragma: no cover
        return []
    return list(source_info_util.user_frames(traceback))


# --- distributed.global_state --------------------------------------------------------
# Why: `MultiWorkerMirroredStrategy` starts `jax.distributed` only if the user has not;
# JAX has no public "is it initialized?" query.
# Fallback: more than one process means it is initialized.
def distributed_initialized() -> bool:
    """Whether `jax.distributed.initialize` has run in this process."""
    try:
        from jax._src import distributed
    except ImportError:  # pragma: no cover
        import jax

        return jax.process_count() > 1
    return distributed.global_state.client is not None

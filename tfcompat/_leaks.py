"""Tensors leaked out of a `tf.function` trace, reported as TF reports them.

A tensor created while a function is traced holds a JAX tracer. Kept past the trace (in a
list, on `self`, in a global) it is what TF calls a graph tensor whose graph is out of
scope: `.numpy()` raises `AttributeError` (tfcompat/_core/tensor.py), printing it shows its
graph name, and using it in an op raises TF's `TypeError` "... is out of scope and cannot
be used here", with where it was defined, instead of JAX's `UnexpectedTracerError`.

Each finished trace is remembered (weakly, by its JAX trace object) with its jaxpr and the
traced function's name, so that a leaked tensor still has its TF graph name ("mul:0") and
the user frames where its op was traced.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from typing import Any

import jax

from tfcompat._core import hooks
from tfcompat._engine import jax_internals

__all__ = ["finished", "finished_eqns"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep

# JAX trace object -> (jaxpr, function name, graph id)
_FINISHED: weakref.WeakKeyDictionary[Any, tuple[Any, str, int]] = weakref.WeakKeyDictionary()


def finished(trace: Any, jaxpr: Any, dbg: Any) -> None:
    """Note a finished trace: its tensors' names and origins stay readable."""
    src = str(getattr(dbg, "func_src_info", "") or "")
    name = src.split(" ")[0] if src else "function"
    with contextlib.suppress(TypeError):  # not weakly referenceable
        _FINISHED[trace] = (jaxpr, name, id(jaxpr))


def finished_eqns(trace: Any) -> list[Any]:
    """The equations of a finished trace (empty when it is unknown or still running)."""
    entry = _FINISHED.get(trace)
    return list(entry[0].eqns) if entry is not None else []


_OUT_OF_SCOPE = (
    "{t} is out of scope and cannot be used here. Use return values, explicit Python locals "
    "or TensorFlow collections to access it.\n"
    "Please see https://www.tensorflow.org/guide/function#all_outputs_of_a_tffunction_must_be"
    "_return_values for more information.\n\n"
    "{t} was defined here:\n{frames}\n\n"
    "The tensor {t} cannot be accessed from here, because it was defined in "
    "FuncGraph(name={name}, id={gid}), which is out of scope."
)


def _leaked(t: Any) -> bool:
    v = t._value
    return isinstance(v, jax.core.Tracer) and getattr(v, "_trace", None) in _FINISHED


def _frames(t: Any) -> str:
    """The user frames where the op computing `t` was traced (from the jaxpr's records)."""
    v = t._value
    var = getattr(v, "val", None)
    for eqn in finished_eqns(v._trace):
        if any(o is var for o in eqn.outvars):
            frames = jax_internals.user_frames(eqn.source_info.traceback)
            return "\n".join(
                f'    File "{f.file_name}", line {f.start_line}, in '
                f"{f.function_name.replace('__ag_factory.<locals>.', '')}"
                for f in reversed(frames)
                if not f.file_name.startswith(_PACKAGE)
            )
    return ""


def leaked_tensor_error(inputs: Any, exc: BaseException) -> BaseException:
    """TF's `TypeError` for the first leaked input of an op (else JAX's error as is)."""
    for t in inputs:
        if _leaked(t):
            _, name, gid = _FINISHED[t._value._trace]
            text = repr(t)
            return TypeError(_OUT_OF_SCOPE.format(t=text, frames=_frames(t), name=name, gid=gid))
    return exc


hooks.register("leaked_tensor_error", leaked_tensor_error)

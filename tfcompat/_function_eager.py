"""`tf.config.run_functions_eagerly`: every `tf.function` runs its Python body op by op.

While the switch is on, calling a `tf.function` calls the original Python function (not
AutoGraph's conversion) with the given arguments, as TensorFlow does: tapes, `print`,
breakpoints and Python exceptions behave as in eager code, and nothing is traced (the
tracing count does not move). The compiled programs a function traced before are kept,
keyed as always by the retracing key; switching back calls them again, and a program
traces only for a key it has not traced (nothing traced while eager is stale, because
nothing is traced). `get_concrete_function` still traces, as in TF.
"""

from __future__ import annotations

__all__ = [
    "experimental_functions_run_eagerly",
    "experimental_run_functions_eagerly",
    "functions_run_eagerly",
    "run_functions_eagerly",
]

# Read by `Function.__call__` on every call: a plain module global (one lookup).
RUN_FUNCTIONS_EAGERLY = False


def run_functions_eagerly(run_eagerly: bool) -> None:
    """tfcompat implementation of `tf.config.run_functions_eagerly`."""
    global RUN_FUNCTIONS_EAGERLY
    RUN_FUNCTIONS_EAGERLY = bool(run_eagerly)


def functions_run_eagerly() -> bool:
    """tfcompat implementation of `tf.config.functions_run_eagerly`."""
    return RUN_FUNCTIONS_EAGERLY


def experimental_run_functions_eagerly(run_eagerly: bool) -> None:
    """The deprecated spelling of `run_functions_eagerly`."""
    run_functions_eagerly(run_eagerly)


def experimental_functions_run_eagerly() -> bool:
    """The deprecated spelling of `functions_run_eagerly`."""
    return RUN_FUNCTIONS_EAGERLY

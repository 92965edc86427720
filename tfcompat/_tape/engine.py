"""The engine's old import path: re-exports of `tfcompat._engine` (see docs/design.md).

The engine lives in the `tfcompat._engine` package, one module per concept; this module
only gathers the names that code above the engine uses as `engine.<name>`. New code
imports the module that defines a name.
"""

from tfcompat._engine.abstract import _AVALS, _KEY_OUTS, Aval, _abstract_miss, _new_key
from tfcompat._engine.caches import (
    _EAGER,
    _HOST_SEEN,
    CACHE,
    OpCache,
    _Cache,
    clear_caches,
    compile_stats,
    set_cache_size,
)
from tfcompat._engine.dispatch import (
    CHECK_NUMERICS,
    DEBUG_EAGER,
    HOST_MAX_ELEMENTS,
    LAZY_DEPTH,
    execute,
    execute_op,
    set_modes,
    state,
)
from tfcompat._engine.grad import (
    GradientRequest,
    GradPlan,
    _build_plan,
    _gradient_node,
    _held_intermediates,
    compute_gradients,
    plan_gradient,
)
from tfcompat._engine.ir import (
    BARRIERS,
    BLOCK,
    FLOW,
    OFF_TAPE,
    SEGMENT_ABOVE,
    SEGMENT_NODES,
    Program,
    Walk,
    jit_program,
    walk,
)
from tfcompat._engine.memory import _SWEEP, add_tape, drain, release, retire, set_value
from tfcompat._engine.pending import assign_lazy
from tfcompat._engine.values import (
    _materialize,
    _node_outputs,
    _sweep_orphans,
    flush_variables,
    materialize,
    materialize_many,
)

__all__ = [
    "BARRIERS",
    "BLOCK",
    "CACHE",
    "CHECK_NUMERICS",
    "DEBUG_EAGER",
    "FLOW",
    "HOST_MAX_ELEMENTS",
    "LAZY_DEPTH",
    "OFF_TAPE",
    "SEGMENT_ABOVE",
    "SEGMENT_NODES",
    "_AVALS",
    "_EAGER",
    "_HOST_SEEN",
    "_KEY_OUTS",
    "_SWEEP",
    "Aval",
    "GradPlan",
    "GradientRequest",
    "OpCache",
    "Program",
    "Walk",
    "_Cache",
    "_abstract_miss",
    "_build_plan",
    "_gradient_node",
    "_held_intermediates",
    "_materialize",
    "_new_key",
    "_node_outputs",
    "_sweep_orphans",
    "add_tape",
    "assign_lazy",
    "clear_caches",
    "compile_stats",
    "compute_gradients",
    "drain",
    "execute",
    "execute_op",
    "flush_variables",
    "jit_program",
    "materialize",
    "materialize_many",
    "plan_gradient",
    "release",
    "retire",
    "set_cache_size",
    "set_modes",
    "set_value",
    "state",
    "walk",
]

"""tfcompat: TensorFlow 2 eager code on JAX.

`import tfcompat as tf`, then use `tf.Variable`, `tf.GradientTape` and the `tf.*` ops as
in TensorFlow 2.21. Recorded operations are compiled with `jax.jit` and differentiated
with `jax.vjp`. This module is the `tf` namespace: re-exports only.
"""

# TF's dtype rules need 64-bit types (int32 / int32 is float64 in TF); tfcompat passes
# explicit dtypes everywhere, so Python floats still default to float32, as TF.
import jax as _jax

_jax.config.update("jax_enable_x64", True)


def _run_cpu_programs_inline() -> None:
    """Run CPU programs on the calling thread, as TF runs its CPU ops.

    JAX's CPU client hands each program to a worker thread by default. An eager step
    calls a small program between stretches of Python, and each hand-off wakes a sleeping
    worker: 50-80 us per call on a 2-core machine, against a W2 step's 17 us program
    (docs/benchmarks.md). The setting is read when JAX creates its CPU client, so it only
    takes effect when tfcompat is imported before the first JAX computation; set
    TFCOMPAT_CPU_ASYNC_DISPATCH=1 to keep JAX's default. GPU and TPU are unaffected.
    """
    import contextlib
    import os

    if os.environ.get("TFCOMPAT_CPU_ASYNC_DISPATCH", "0") not in ("", "0"):
        return
    from tfcompat._engine.jax_internals import backends_initialized

    if backends_initialized():
        return  # the CPU client exists already (and keeps its setting)
    with contextlib.suppress(AttributeError):  # a JAX without the option keeps its default
        _jax.config.update("jax_cpu_enable_async_dispatch", False)


_run_cpu_programs_inline()

from tfcompat import (  # noqa: E402
    __internal__,  # tfcompat-keras hook
    autodiff,
    autograph,
    bitwise,  # tfcompat-keras hook
    config,
    data,
    debugging,  # tfcompat-ops hook: tf.debugging namespace
    distribute,  # tfcompat-keras hook
    dtypes,
    errors,
    experimental,
    image,
    io,
    linalg,
    math,
    nest,
    nn,
    queue,
    ragged,
    random,
    sets,
    sparse,
    strings,
    test,
    tpu,  # tfcompat-distribute hook
    train,
    types,
)
from tfcompat._api import operators as _operators  # noqa: E402, F401  (attaches operators)
from tfcompat._api import variable_ops as _variable_ops  # noqa: E402, F401  # tfcompat-ops hook: Variable slice assign
from tfcompat._api.array_ops import (  # noqa: E402
    argsort,
    boolean_mask,
    broadcast_to,
    clip_by_global_norm,
    clip_by_norm,
    clip_by_value,
    concat,
    einsum,
    expand_dims,
    eye,
    fill,
    gather,
    gather_nd,
    identity,
    linspace,
    meshgrid,
    one_hot,
    ones,
    ones_like,
    pad,
    range,
    rank,
    repeat,
    reshape,
    reverse,
    roll,
    saturate_cast,
    scatter_nd,
    searchsorted,
    sequence_mask,
    shape,
    size,
    slice,
    sort,
    split,
    squeeze,
    stack,
    stop_gradient,
    strided_slice,
    tensor_scatter_nd_add,
    tensor_scatter_nd_max,
    tensor_scatter_nd_min,
    tensor_scatter_nd_sub,
    tensor_scatter_nd_update,
    tensordot,
    tile,
    transpose,
    unique,
    unique_with_counts,
    unstack,
    where,
    zeros,
    zeros_like,
)
from tfcompat._api.bitwise_ops import bitcast  # noqa: E402
from tfcompat._api.control_flow import (  # noqa: E402
    case,
    cond,
    foldl,
    foldr,
    map_fn,
    scan,
    switch_case,
    vectorized_map,
    while_loop,
)
from tfcompat._api.debugging_ops import (  # noqa: E402
    assert_equal,
    assert_greater,
    assert_less,
    assert_rank,
)
from tfcompat._api.framework_ops import (  # noqa: E402
    control_dependencies,
    device,
    ensure_shape,
    executing_eagerly,
    get_static_value,
    init_scope,
    inside_function,
    no_op,
)
from tfcompat._api.indexed_slices import (  # noqa: E402
    IndexedSlices,
    IndexedSlicesSpec,
)
from tfcompat._api.linalg_ops import (  # noqa: E402
    norm,
)
from tfcompat._api.logging_ops import print_v2 as print  # noqa: E402
from tfcompat._api.math_ops import (  # noqa: E402
    abs,
    acos,
    acosh,
    add,
    add_n,
    argmax,
    argmin,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cast,
    complex,
    cos,
    cosh,
    cumsum,
    divide,
    equal,
    exp,
    floor,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    round,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    truediv,
)
from tfcompat._composite.base import TypeSpec  # noqa: E402  (tfcompat-keras hook)
from tfcompat._composite.ragged import RaggedTensor, RaggedTensorSpec  # noqa: E402
from tfcompat._composite.sparse import SparseTensor, SparseTensorSpec  # noqa: E402
from tfcompat._composite.tensor_array import TensorArray, TensorArraySpec  # noqa: E402
from tfcompat._core.convert import constant, convert_to_tensor  # noqa: E402
from tfcompat._core.dtypes import (  # noqa: E402
    DType,
    as_dtype,
    bfloat16,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from tfcompat._core.dtypes import bool_ as bool  # noqa: E402
from tfcompat._core.name_scope import name_scope  # noqa: E402
from tfcompat._core.tensor import Tensor, is_tensor  # noqa: E402
from tfcompat._core.tensor_shape import TensorShape  # noqa: E402
from tfcompat._core.variable import (  # noqa: E402
    Variable,
    VariableAggregation,
    VariableSynchronization,
)
from tfcompat._function import TensorSpec, function  # noqa: E402
from tfcompat._host_callbacks import numpy_function, py_function  # noqa: E402
from tfcompat._module import Module  # noqa: E402  (tfcompat-keras hook)
from tfcompat._tape.custom_gradient import custom_gradient, recompute_grad  # noqa: E402
from tfcompat._tape.tape import GradientTape, UnconnectedGradients  # noqa: E402

newaxis = None

# `tf.__version__` is the TensorFlow release whose API tfcompat follows (what code that
# reads it, Keras included, means by it); tfcompat's own release is `__tfcompat_version__`.
from tfcompat.alias import TF_VERSION as __version__  # noqa: E402, F401

__tfcompat_version__ = "0.1.0"

import sys as _sys  # noqa: E402

from tfcompat import _tf_api  # noqa: E402

# Ragged inputs to the dense functions go to their ragged forms (TF's dispatch).
from tfcompat._composite import dispatch as _dispatch  # noqa: E402

_dispatch.install(_sys.modules[__name__], math, nn)


def load_ipython_extension(ipython: object) -> None:
    """`%load_ext tfcompat`: `import tensorflow` in this kernel is tfcompat from now on."""
    from tfcompat import alias

    alias.install()


def __getattr__(name: str) -> object:
    """`tf.keras`, imported on first access (tfcompat/keras.py); TF's errors otherwise."""
    if name == "keras":
        import importlib

        return importlib.import_module("tfcompat.keras")
    raise _tf_api.missing_name_error("", name)


# `tf.saved_model` says it is a TF name tfcompat lacks; `tf.nonexistent` gets TF's error.
_tf_api.attach_missing_name_errors(_sys.modules[__name__])

# The `tf` namespace: every name above is a re-export.
__all__ = [
    "DType",
    "GradientTape",
    "IndexedSlices",
    "IndexedSlicesSpec",
    "RaggedTensor",
    "RaggedTensorSpec",
    "SparseTensor",
    "SparseTensorSpec",
    "Tensor",
    "TensorArray",
    "TensorArraySpec",
    "TensorShape",
    "TensorSpec",
    "UnconnectedGradients",
    "Variable",
    "VariableAggregation",
    "VariableSynchronization",
    "abs",
    "acos",
    "acosh",
    "add",
    "add_n",
    "argmax",
    "argmin",
    "argsort",
    "as_dtype",
    "asin",
    "asinh",
    "assert_equal",
    "assert_greater",
    "assert_less",
    "assert_rank",
    "atan",
    "atan2",
    "atanh",
    "autodiff",
    "autograph",
    "bfloat16",
    "bool",
    "boolean_mask",
    "broadcast_to",
    "case",
    "cast",
    "clip_by_global_norm",
    "clip_by_norm",
    "clip_by_value",
    "complex",
    "complex64",
    "complex128",
    "concat",
    "cond",
    "config",
    "constant",
    "convert_to_tensor",
    "cos",
    "cosh",
    "cumsum",
    "custom_gradient",
    "data",
    "debugging",
    "divide",
    "double",
    "dtypes",
    "einsum",
    "equal",
    "errors",
    "exp",
    "expand_dims",
    "experimental",
    "eye",
    "fill",
    "float16",
    "float32",
    "float64",
    "floor",
    "foldl",
    "foldr",
    "function",
    "gather",
    "gather_nd",
    "greater",
    "greater_equal",
    "half",
    "identity",
    "image",
    "int8",
    "int16",
    "int32",
    "int64",
    "io",
    "is_tensor",
    "less",
    "less_equal",
    "linalg",
    "linspace",
    "logical_and",
    "logical_not",
    "logical_or",
    "map_fn",
    "math",
    "matmul",
    "maximum",
    "meshgrid",
    "minimum",
    "multiply",
    "name_scope",
    "negative",
    "nest",
    "newaxis",
    "nn",
    "norm",
    "not_equal",
    "numpy_function",
    "one_hot",
    "ones",
    "ones_like",
    "pad",
    "pow",
    "print",
    "py_function",
    "queue",
    "ragged",
    "random",
    "range",
    "rank",
    "recompute_grad",
    "reduce_all",
    "reduce_any",
    "reduce_logsumexp",
    "reduce_max",
    "reduce_mean",
    "reduce_min",
    "reduce_prod",
    "reduce_sum",
    "repeat",
    "reshape",
    "reverse",
    "roll",
    "round",
    "saturate_cast",
    "scan",
    "scatter_nd",
    "searchsorted",
    "sequence_mask",
    "sets",
    "shape",
    "sigmoid",
    "sign",
    "sin",
    "sinh",
    "size",
    "slice",
    "sort",
    "sparse",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "stop_gradient",
    "strided_slice",
    "string",
    "strings",
    "subtract",
    "switch_case",
    "tan",
    "tanh",
    "tensor_scatter_nd_add",
    "tensor_scatter_nd_max",
    "tensor_scatter_nd_min",
    "tensor_scatter_nd_sub",
    "tensor_scatter_nd_update",
    "tensordot",
    "test",
    "tile",
    "tpu",
    "train",
    "transpose",
    "truediv",
    "types",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "unique",
    "unique_with_counts",
    "unstack",
    "vectorized_map",
    "where",
    "while_loop",
    "zeros",
    "zeros_like",
]

# tfcompat-keras hook: the names above (`keras` is imported on first access, not by `*`).
__all__ += [
    "Module",
    "TypeSpec",
    "__internal__",
    "bitcast",
    "bitwise",
    "control_dependencies",
    "device",
    "distribute",
    "ensure_shape",
    "executing_eagerly",
    "get_static_value",
    "init_scope",
    "inside_function",
    "no_op",
]

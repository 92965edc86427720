"""tfcompat: TensorFlow 2 eager code on JAX.

`import tfcompat as tf`, then use `tf.Variable`, `tf.GradientTape` and the `tf.*` ops as
in TensorFlow 2.21. Recorded operations are compiled with `jax.jit` and differentiated
with `jax.vjp`. This module is the `tf` namespace: re-exports only.
"""

# TF's dtype rules need 64-bit types (int32 / int32 is float64 in TF); tfcompat passes
# explicit dtypes everywhere, so Python floats still default to float32, as TF.
import jax as _jax

_jax.config.update("jax_enable_x64", True)

from tfcompat import (  # noqa: E402
    autodiff,
    config,
    dtypes,
    errors,
    experimental,
    linalg,
    math,
    nest,
    nn,
    random,
)
from tfcompat._api.array_ops import (  # noqa: E402
    expand_dims,
    fill,
    identity,
    ones,
    ones_like,
    range,
    rank,
    reshape,
    shape,
    size,
    squeeze,
    stop_gradient,
    transpose,
    zeros,
    zeros_like,
)
from tfcompat._api.math_ops import (  # noqa: E402
    abs,
    add,
    cast,
    cos,
    divide,
    equal,
    exp,
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
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    sigmoid,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tanh,
    truediv,
)
from tfcompat._api import operators as _operators  # noqa: E402, F401  (attaches operators)
from tfcompat._core.convert import constant, convert_to_tensor  # noqa: E402
from tfcompat._core.dtypes import (  # noqa: E402
    DType,
    as_dtype,
    bfloat16,
    bool_ as bool,
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
from tfcompat._core.name_scope import name_scope  # noqa: E402
from tfcompat._core.tensor import Tensor, is_tensor  # noqa: E402
from tfcompat._core.tensor_shape import TensorShape  # noqa: E402
from tfcompat._core.variable import (  # noqa: E402
    Variable,
    VariableAggregation,
    VariableSynchronization,
)
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
from tfcompat._api.logging_ops import print_v2 as print  # noqa: E402
from tfcompat._function import TensorSpec, function  # noqa: E402
from tfcompat._tape.custom_gradient import custom_gradient, recompute_grad  # noqa: E402
from tfcompat._tape.tape import GradientTape, UnconnectedGradients  # noqa: E402

newaxis = None

__version__ = "0.1.0"

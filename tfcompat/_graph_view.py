"""`ConcreteFunction.graph`: a TF-shaped, read-only view of a traced program.

tfcompat traces a function into a jaxpr, not a TF graph; this view presents that jaxpr the
way TF's `FuncGraph` is inspected in guides and books (`get_operations()`,
`get_operation_by_name`, `get_tensor_by_name`, `Operation.name/type/inputs/outputs`,
`as_graph_def().node`). The mapping, decided here:

* each tensor argument is a `Placeholder` named by its parameter (`x`, `x_1`, ...);
* each variable the program reads is a `Placeholder` of dtype resource
  (`ReadVariableOp/resource`) feeding a `ReadVariableOp`;
* each tfcompat op recorded in the trace is one operation: its name is the one the
  traced tensors print (`mul`, `add_1`, `MatMul`, as TF's Python API names them) and its
  type TF's op type for the JAX primitive that computes it (`Mul`, `AddV2`, `MatMul`,
  `Sum`, ...; a primitive without a TF counterpart keeps its own name, capitalized);
* constants the program holds are `Const` operations named after their first consumer
  (`add/y`), as TF's Python API names an operand it converts;
* each output goes through an `Identity` (`Identity`, `Identity_1`, ...), as in TF.

The op type is read from the primitive that computes the op's output, so an op tfcompat
implements as several primitives shows the last one (`tf.nn.relu` is `Maximum`,
`tf.nn.softmax` is `RealDiv`), and shape operands and reduction axes, which are static
in JAX, are not `Const` inputs. Mapping is clear for elementwise arithmetic,
comparisons, casts, reshapes, reductions and matmul; the list can differ from TF's for
composite ops.
"""

from __future__ import annotations

from typing import Any

import jax.core as core
import jax.extend.core as ext_core
import numpy as np

from tfcompat._core import dtypes
from tfcompat._core.tensor_shape import TensorShape

__all__ = ["FuncGraph", "build"]

# JAX primitive -> TF op type.
_TF_TYPES = {
    "mul": "Mul",
    "add": "AddV2",
    "add_any": "AddV2",
    "sub": "Sub",
    "div": "RealDiv",
    "neg": "Neg",
    "gt": "Greater",
    "lt": "Less",
    "ge": "GreaterEqual",
    "le": "LessEqual",
    "eq": "Equal",
    "ne": "NotEqual",
    "reduce_sum": "Sum",
    "reduce_max": "Max",
    "reduce_min": "Min",
    "reduce_prod": "Prod",
    "argmax": "ArgMax",
    "argmin": "ArgMin",
    "dot_general": "MatMul",
    "convert_element_type": "Cast",
    "reshape": "Reshape",
    "squeeze": "Squeeze",
    "expand_dims": "ExpandDims",
    "transpose": "Transpose",
    "select_n": "SelectV2",
    "pow": "Pow",
    "integer_pow": "Pow",
    "sqrt": "Sqrt",
    "rsqrt": "Rsqrt",
    "abs": "Abs",
    "max": "Maximum",
    "min": "Minimum",
    "and": "LogicalAnd",
    "or": "LogicalOr",
    "not": "LogicalNot",
    "concatenate": "ConcatV2",
    "while": "While",
    "scan": "While",
    "cond": "If",
    "broadcast_in_dim": "BroadcastTo",
    "exp": "Exp",
    "log": "Log",
    "tanh": "Tanh",
    "logistic": "Sigmoid",
    "sin": "Sin",
    "cos": "Cos",
    "square": "Square",
    "floor": "Floor",
    "ceil": "Ceil",
    "sign": "Sign",
    "iota": "Range",
    "gather": "GatherV2",
    "dynamic_slice": "Slice",
    "slice": "StridedSlice",
    "cumsum": "Cumsum",
}


_WRAPPERS = ("pjit", "jit", "closed_call", "custom_jvp_call", "custom_vjp_call")


def _inner(eqn: Any) -> Any:
    """The primitive equation that computes a jit-wrapped op's (first) output."""
    while str(eqn.primitive.name) in _WRAPPERS:
        inner = eqn.params.get("jaxpr") or eqn.params.get("call_jaxpr")
        jaxpr = getattr(inner, "jaxpr", inner)
        if jaxpr is None or not jaxpr.eqns:
            return eqn
        target = jaxpr.outvars[0] if jaxpr.outvars else None
        found = None
        for e in reversed(jaxpr.eqns):
            if target is None or any(o is target for o in e.outvars):
                found = e
                break
        if found is None:
            return eqn
        eqn = found
    return eqn


def _op_type(eqn: Any) -> str:
    own = eqn.params.get("name") if str(eqn.primitive.name) in ("pjit", "jit") else None
    if isinstance(own, str) and own[:1].isupper() and own.isidentifier():
        return own  # an op jitted under its TF name (Sum, Mean, Max)
    prim = str(_inner(eqn).primitive.name)
    if prim in _WRAPPERS:
        return "Identity"
    return _TF_TYPES.get(prim, prim[:1].upper() + prim[1:])


def _dtype(aval: Any) -> Any:
    try:
        return dtypes.from_numpy(np.dtype(aval.dtype))
    except (TypeError, ValueError, KeyError):
        return aval.dtype


class Tensor:
    """A tensor of the graph view (what `Operation.outputs` holds)."""

    __slots__ = ("_dtype", "_index", "_op", "_shape")

    def __init__(self, op: Operation, index: int, shape: Any, dtype: Any) -> None:
        self._op = op
        self._index = index
        self._shape = shape
        self._dtype = dtype

    @property
    def op(self) -> Operation:
        return self._op

    @property
    def name(self) -> str:
        return f"{self._op.name}:{self._index}"

    @property
    def shape(self) -> TensorShape:
        return TensorShape(self._shape)

    @property
    def dtype(self) -> Any:
        return self._dtype

    @property
    def graph(self) -> FuncGraph:
        return self._op.graph

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self.shape} dtype={self._dtype.name}>"

    def __str__(self) -> str:
        return f'Tensor("{self.name}", shape={self.shape}, dtype={self._dtype.name})'


class Operation:
    """An operation of the graph view: name, TF op type, input and output tensors."""

    __slots__ = ("_inputs", "_outputs", "graph", "name", "type")

    def __init__(self, graph: FuncGraph, name: str, op_type: str) -> None:
        self.graph = graph
        self.name = name
        self.type = op_type
        self._inputs: list[Tensor] = []
        self._outputs: list[Tensor] = []

    @property
    def inputs(self) -> tuple[Tensor, ...]:
        return tuple(self._inputs)

    @property
    def outputs(self) -> tuple[Tensor, ...]:
        return tuple(self._outputs)

    @property
    def node_def(self) -> NodeDef:
        # TF's inputs: an op's first output by the op's name, others as "op:i".
        return NodeDef(
            self.name, self.type, [t.name if t._index else t.op.name for t in self._inputs]
        )

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"


class NodeDef:
    """One node of `as_graph_def()`: `name`, `op` and `input` (TF's input names)."""

    __slots__ = ("input", "name", "op")

    def __init__(self, name: str, op: str, inputs: list[str]) -> None:
        self.name = name
        self.op = op
        self.input = inputs

    def __repr__(self) -> str:
        lines = [f'name: "{self.name}"', f'op: "{self.op}"']
        lines += [f'input: "{i}"' for i in self.input]
        return "\n".join(lines) + "\n"


class GraphDef:
    """What `FuncGraph.as_graph_def()` returns: the nodes, in graph order."""

    __slots__ = ("node",)

    def __init__(self, nodes: list[NodeDef]) -> None:
        self.node = nodes

    def __repr__(self) -> str:
        return "".join(f"node {{\n{n!r}}}\n" for n in self.node)


class FuncGraph:
    """tfcompat's view of TF's `FuncGraph` for one traced program (read-only)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._ops: list[Operation] = []
        self._by_name: dict[str, Operation] = {}
        self._counts: dict[str, int] = {}
        self.inputs: list[Tensor] = []
        self.outputs: list[Tensor] = []

    def _unique(self, base: str) -> str:
        n = self._counts.get(base, 0)
        self._counts[base] = n + 1
        name = base if n == 0 else f"{base}_{n}"
        while name in self._by_name:
            n += 1
            self._counts[base] = n + 1
            name = f"{base}_{n}"
        return name

    def _add(self, name: str, op_type: str, inputs: list[Tensor], avals: list[Any]) -> Operation:
        op = Operation(self, name, op_type)
        op._inputs = inputs
        op._outputs = [
            Tensor(op, i, tuple(int(d) if isinstance(d, int) else None for d in a.shape), _dtype(a))
            for i, a in enumerate(avals)
        ]
        self._ops.append(op)
        self._by_name[op.name] = op
        return op

    def get_operations(self) -> list[Operation]:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        op = self._by_name.get(name)
        if op is None:
            raise KeyError(f"The name '{name}' refers to an Operation not in the graph.")
        return op

    def get_tensor_by_name(self, name: str) -> Tensor:
        if ":" not in name:
            if name in self._by_name:
                raise ValueError(
                    f"The name '{name}' refers to an Operation, not a Tensor. Tensor names "
                    'must be of the form "<op_name>:<output_index>".'
                )
            raise ValueError(
                f"The name '{name}' looks a like an Operation name, not a Tensor name."
            )
        op_name, index = name.rsplit(":", 1)
        op = self._by_name.get(op_name)
        if op is None:
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                f"'{op_name}', does not exist in the graph."
            )
        i = int(index)
        if i >= len(op._outputs):
            raise KeyError(
                f"The name '{name}' refers to a Tensor which does not exist. The operation, "
                f"'{op_name}', exists but only has {len(op._outputs)} outputs."
            )
        return op._outputs[i]

    def as_graph_def(self) -> GraphDef:
        return GraphDef([op.node_def for op in self._ops])

    def __repr__(self) -> str:
        return f"FuncGraph(name={self.name}, id={id(self)})"


def build(tr: Any, name: str, arg_names: list[str], n_tensor_args: int) -> FuncGraph:
    """The graph view of a traced program (`tr`: tfcompat/_function.py `_Traced`)."""
    from tfcompat._function import _producer_base

    g = FuncGraph(name)
    jaxpr = tr.jaxpr
    env: dict[Any, Tensor] = {}
    for i, var in enumerate(jaxpr.invars):
        if i < n_tensor_args:
            base = arg_names[i] if i < len(arg_names) else f"args_{i}"
            op = g._add(g._unique(base), "Placeholder", [], [var.aval])
            env[var] = op._outputs[0]
            g.inputs.append(op._outputs[0])
        else:  # a variable's value: its resource handle, read
            read_name = g._unique("ReadVariableOp")
            res = g._add(
                f"{read_name}/resource", "Placeholder", [], [core.ShapedArray((), np.int32)]
            )
            res._outputs[0]._dtype = _RESOURCE
            g.inputs.append(res._outputs[0])
            read = g._add(read_name, "ReadVariableOp", [res._outputs[0]], [var.aval])
            env[var] = read._outputs[0]
    consts = dict(zip(jaxpr.constvars, tr.consts or (), strict=False))

    def operand(v: Any, consumer: str, position: int) -> Tensor:
        if isinstance(v, ext_core.Literal) or v in consts or v not in env:
            suffix = "y" if position == 1 else "x" if position == 0 else f"input_{position}"
            op = g._add(g._unique(f"{consumer}/{suffix}"), "Const", [], [v.aval])
            if not isinstance(v, ext_core.Literal):
                env[v] = op._outputs[0]
            return op._outputs[0]
        return env[v]

    for eqn in jaxpr.eqns:
        outs = [o for o in eqn.outvars]
        base = _producer_base(eqn, outs[0]) if outs else "NoOp"
        name = g._unique(base)
        inputs = [operand(v, name, k) for k, v in enumerate(eqn.invars)]
        op = g._add(name, _op_type(eqn), inputs, [o.aval for o in outs])
        for o, t in zip(outs, op._outputs, strict=True):
            env[o] = t
    for v in jaxpr.outvars[: tr.n_outs]:
        src = operand(v, "Identity", 0) if v not in env else env[v]
        op = g._add(g._unique("Identity"), "Identity", [src], [v.aval])
        g.outputs.append(op._outputs[0])
    return g


class _Resource:
    """The dtype of a variable's handle placeholder (tfcompat has no resource dtype)."""

    name = "resource"

    def __repr__(self) -> str:
        return "tf.resource"


_RESOURCE = _Resource()

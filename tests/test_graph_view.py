"""`ConcreteFunction.graph` inspected as TF guides do, compared with TF 2.21.

The computational operations (names and TF op types, their inputs among themselves and
the placeholders, the `Identity` outputs) are compared; constants, shape operands and
variable reads are laid out differently (docs/tracing.md), so they are left out.
"""

from __future__ import annotations

from typing import Any

_SKIP = {"Const", "ReadVariableOp", "NoOp"}


def _ops(graph: Any) -> list[Any]:
    out = []
    for op in graph.get_operations():
        if op.type in _SKIP or (op.type == "Placeholder" and "resource" in op.name):
            continue
        kept = [
            t.name
            for t in op.inputs
            if (t.op.type not in _SKIP and t.op.type != "Placeholder")
            or (t.op.type == "Placeholder" and "resource" not in t.op.name)
        ]
        out.append((op.name, op.type, kept, [str(t) for t in op.outputs]))
    return out


def test_graph_operations(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def f(x, y):
            z = x * y + 1.0
            w = tf.matmul(tf.reshape(z, [1, -1]), tf.ones([2, 1]))
            return tf.reduce_sum(w) * 2.0, tf.exp(z - x) / 2.0, tf.cast(x > y, tf.float32)

        cf = f.get_concrete_function(tf.TensorSpec([2], tf.float32), tf.TensorSpec([2], tf.float32))
        g = cf.graph
        nodes = [(n.name, n.op) for n in g.as_graph_def().node if n.op not in _SKIP]
        return [
            _ops(g),
            nodes,
            str(g.get_tensor_by_name("mul:0")),
            g.get_operation_by_name("MatMul").type,
            [str(t) for t in g.inputs],
            [str(t) for t in g.outputs],
        ]

    run_both(fn)


def test_graph_unknown_dims_and_variables(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        v = tf.Variable([1.0, 2.0])

        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
        def f(x):
            return tf.reduce_mean(x * v, axis=0)

        g = f.get_concrete_function().graph
        return [_ops(g), [t.name for t in g.outputs]]

    run_both(fn)


def test_graph_lookup_errors(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        @tf.function
        def f(x):
            return x + 1

        g = f.get_concrete_function(tf.constant(1)).graph
        out = []
        for call in (
            lambda: g.get_tensor_by_name("nothing:0"),
            lambda: g.get_operation_by_name("nothing"),
            lambda: g.get_tensor_by_name("add"),
        ):
            try:
                call()
            except (KeyError, ValueError) as e:
                out.append((type(e).__name__, str(e)))
        return out

    run_both(fn)

"""`tf.IndexedSlices` gradients of gathers, as TF 2.21."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tfcompat

pytestmark = pytest.mark.tf


def _grad(mod: Any, body: Any, source: str = "variable", **kw: Any) -> Any:
    emb = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    src = mod.Variable(emb) if source == "variable" else mod.constant(emb)
    with mod.GradientTape() as tape:
        if source != "variable":
            tape.watch(src)
        y = body(mod, src)
    return tape.gradient(y, src, **kw)


def _describe(mod: Any, g: Any) -> Any:
    if g is None:
        return None
    kind = type(g).__name__
    dense = np.asarray(mod.convert_to_tensor(g).numpy())
    if kind == "IndexedSlices":
        return (
            kind,
            g.indices.numpy().tolist(),
            g.values.numpy().tolist(),
            g.dense_shape.numpy().tolist(),
            g.indices.dtype.name,
            g.dense_shape.dtype.name,
            dense.tolist(),
        )
    return (kind, dense.tolist())


CASES = {
    "gather": lambda m, e: m.reduce_sum(m.gather(e, [0, 2, 0])),
    "gather_weighted": lambda m, e: m.reduce_sum(
        m.gather(e, [1, 1]) * m.constant([[1.0, 2.0], [3.0, 4.0]])
    ),
    "gather_2d_indices": lambda m, e: m.reduce_sum(m.gather(e, [[0, 2], [1, 1]])),
    "gather_scalar_index": lambda m, e: m.reduce_sum(m.gather(e, 1)),
    "gather_int64_indices": lambda m, e: m.reduce_sum(m.gather(e, m.constant([2, 0], m.int64))),
    "two_gathers_concatenate": lambda m, e: (
        m.reduce_sum(m.gather(e, [1])) + m.reduce_sum(m.gather(e, [2, 2]))
    ),
    "gather_and_dense_use_is_dense": lambda m, e: m.reduce_sum(m.gather(e, [1])) + m.reduce_sum(e),
    "gather_axis1_is_dense": lambda m, e: m.reduce_sum(m.gather(e, [1], axis=1)),
    "slicing_is_dense": lambda m, e: m.reduce_sum(e[1]),
    "gather_of_product_is_dense": lambda m, e: m.reduce_sum(m.gather(e * 2.0, [0])),
    "embedding_lookup": lambda m, e: m.reduce_sum(m.nn.embedding_lookup(e, [[0, 2], [0, 1]])),
    "gather_nd_rows": lambda m, e: m.reduce_sum(m.gather_nd(e, [[2], [0], [2]])),
    "gather_nd_elements_is_dense": lambda m, e: m.reduce_sum(m.gather_nd(e, [[2, 1]])),
    "unconnected": lambda m, e: m.constant(1.0) * 3.0,
}


@pytest.mark.parametrize("source", ["variable", "watched_constant"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_gradient_kind_and_values_match_tf(tf: Any, case: str, source: str) -> None:
    expected = _describe(tf, _grad(tf, CASES[case], source))
    actual = _describe(tfcompat, _grad(tfcompat, CASES[case], source))
    assert actual == expected


def test_unconnected_zero_keeps_slices(tf: Any) -> None:
    body = CASES["gather"]
    expected = _describe(tf, _grad(tf, body, unconnected_gradients="zero"))
    assert _describe(tfcompat, _grad(tfcompat, body, unconnected_gradients="zero")) == expected


def test_sparse_read_gives_slices(tf: Any) -> None:
    body = lambda m, e: m.reduce_sum(e.sparse_read([2, 2]))  # noqa: E731
    assert _describe(tfcompat, _grad(tfcompat, body)) == _describe(tf, _grad(tf, body))


def test_str_shows_components_and_repr_is_the_object_repr(tf: Any) -> None:
    g_tf, g = _grad(tf, CASES["gather"]), _grad(tfcompat, CASES["gather"])
    assert str(g) == str(g_tf)
    assert repr(g).startswith(
        "<tensorflow.python.framework.indexed_slices.IndexedSlices object at 0x"
    )


def test_attributes_and_protocols(tf: Any) -> None:
    g = _grad(tfcompat, CASES["gather"])
    assert isinstance(g, tfcompat.IndexedSlices)
    assert tfcompat.is_tensor(g)
    assert g.shape == tfcompat.TensorShape([3, 2])
    assert g.dtype == tfcompat.float32
    assert not hasattr(g, "numpy")
    with pytest.raises(TypeError):
        g * 2  # TF: unsupported operand type(s) for *
    neg = -g
    assert isinstance(neg, tfcompat.IndexedSlices)
    np.testing.assert_array_equal(neg.values.numpy(), -g.values.numpy())
    # TF ops convert IndexedSlices to dense tensors (duplicates summed).
    np.testing.assert_array_equal(
        tfcompat.multiply(g, 2.0).numpy(), [[4.0, 4.0], [0.0, 0.0], [2.0, 2.0]]
    )
    np.testing.assert_array_equal(
        tfcompat.add(g, 0.0).numpy(), [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    )


def test_optimizer_style_update_with_slices(tf: Any) -> None:
    def run(mod: Any) -> list[Any]:
        v = mod.Variable([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        with mod.GradientTape() as tape:
            loss = mod.reduce_sum(mod.gather(v, [0, 0]))
        g = tape.gradient(loss, v)
        v.assign_sub(g)  # dense conversion, duplicates summed
        after_dense = v.numpy().tolist()
        v.scatter_sub(g)  # row updates, duplicates applied twice
        return [after_dense, v.numpy().tolist()]

    assert run(tfcompat) == run(tf)

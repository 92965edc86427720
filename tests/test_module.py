"""`tf.Module` against TensorFlow 2.21: tracking, naming, name scopes, tf.function."""

from __future__ import annotations

from typing import Any

import pytest


def _describe(vs: Any) -> list[tuple[str, list[Any], bool]]:
    return [(v.name, v.numpy().tolist(), bool(v.trainable)) for v in vs]


def _build(tf: Any) -> Any:
    class Dense(tf.Module):
        def __init__(self, n_in: int, n_out: int, name: Any = None) -> None:
            super().__init__(name=name)
            with self.name_scope:
                self.w = tf.Variable(tf.ones([n_in, n_out]), name="w")
                self.b = tf.Variable(tf.zeros([n_out]), name="b", trainable=False)

        @tf.Module.with_name_scope
        def __call__(self, x: Any) -> Any:
            self.last = tf.Variable(1.0, name="made_in_call")
            return tf.matmul(x, self.w) + self.b

    class MLPModel(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = [Dense(2, 3), Dense(3, 1, name="out")]
            self.extra = {"b": tf.Variable(2.0, name="extra_b"), "a": (tf.Variable(3.0),)}
            self.alias = self.layers[0]  # seen once

    return MLPModel()


CASES = {
    "name_and_scope": lambda tf: (_build(tf).name, _build(tf).name_scope.name),
    "variables_in_order": lambda tf: _describe(_build(tf).variables),
    "trainable_variables": lambda tf: _describe(_build(tf).trainable_variables),
    "non_trainable": lambda tf: _describe(_build(tf).non_trainable_variables),
    "submodules": lambda tf: [m.name for m in _build(tf).submodules],
    "with_name_scope_names_variables": lambda tf: (
        lambda m: (m.layers[0](tf.ones([1, 2])).numpy().tolist(), m.layers[0].last.name)
    )(_build(tf)),
    "bad_name": lambda tf: tf.Module(name="not valid"),
    "default_name_snake_case": lambda tf: type("MyHTTPDense2Layer", (tf.Module,), {})().name,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tensorflow(name: str, run_both: Any) -> None:
    run_both(CASES[name])


def test_module_method_as_tf_function() -> None:
    import tfcompat as tf

    class Scale(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.s = tf.Variable(2.0)

        @tf.function
        def __call__(self, x: Any) -> Any:
            self.s.assign_add(1.0)
            return self.s * x

    m = Scale()
    assert float(m(tf.constant(1.0))) == 3.0
    assert float(m(tf.constant(1.0))) == 4.0
    assert [v.numpy().item() for v in m.variables] == [4.0]


def test_lists_and_dicts_are_wrapped_for_tracking() -> None:
    import tfcompat as tf

    m = tf.Module()
    m.vs = [tf.Variable(1.0)]
    m.vs.append(tf.Variable(2.0))
    m.d = {"k": tf.Variable(3.0)}
    assert type(m.vs).__name__ == "ListWrapper"
    assert sorted(m._trackable_children()) == ["d", "vs"]
    assert sorted(m.vs._trackable_children()) == ["0", "1"]
    assert len(m.variables) == 3

"""Tensors leaked out of a `tf.function` trace, compared with TF 2.21.

TF's message lists the whole stack where the tensor was defined (its own frames
included); tfcompat lists the user frames of the traced function (JAX's source records
keep the innermost frames only). The comparison keeps the traced function's frame.
"""

from __future__ import annotations

import re
from typing import Any

_ID = re.compile(r"id=\d+")


def _norm(message: str) -> str:
    lines = []
    for line in message.split("\n"):
        if line.startswith("    File ") and not line.endswith(", in h"):
            continue  # TF lists the whole stack; tfcompat the user frames inside the trace
        lines.append(_ID.sub("id=ID", line))
    return "\n".join(lines)


def _leak(tf: Any) -> Any:
    leak: list[Any] = []

    @tf.function
    def h(x):
        y = x * 2
        leak.append(y)
        return y

    h(tf.constant(1.0))
    return leak[0]


def test_leaked_tensor_prints_with_its_graph_name(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        t = _leak(tf)
        return [str(t), repr(t), t.shape, t.dtype]

    run_both(fn)


def test_leaked_tensor_numpy_is_attribute_error(run_both: Any) -> None:
    run_both(lambda tf: _leak(tf).numpy())


def test_leaked_tensor_in_ops_is_out_of_scope_type_error(run_both: Any) -> None:
    def fn(tf: Any) -> Any:
        t = _leak(tf)
        out = []
        for call in (
            lambda: t + 1,
            lambda: tf.add(t, 1.0),
            lambda: tf.constant(1.0) * t,
            lambda: tf.reduce_sum(t),
        ):
            try:
                call()
            except TypeError as e:
                out.append(_norm(str(e)))
        return out

    run_both(fn)


def test_tfcompat_names_the_user_frame() -> None:
    import tfcompat as tf

    t = _leak(tf)
    try:
        t + 1
    except TypeError as e:
        text = str(e)
    else:
        raise AssertionError("no error")
    assert f'File "{__file__}"' in text and "in h" in text
    assert "FuncGraph(name=h, id=" in text

"""`tf.train.Checkpoint` against TensorFlow 2.21: same files, round trips both ways, statuses.

Each scenario is a function of the `tf` module it runs on (real TensorFlow or tfcompat) and
a directory; both sides write into their own directory and the results are compared, and
checkpoints written by one side are restored by the other.
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tfcompat

pytestmark = pytest.mark.tf


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _module_graph(tf: Any, fill: float = 1.0) -> Any:
    """A tf.Module with nested lists and dicts of variables of several dtypes."""

    class Block(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.kernel = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3) * fill)
            self.bias = tf.Variable(np.zeros(3, np.float32) + fill, name="bias")

    class Net(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = [Block(), Block()]
            self.table = {"steps": tf.Variable(np.int64(3 * fill)), "name": tf.Variable("ab")}
            self.extra = [tf.Variable(fill > 0), {"h": tf.Variable(np.float16(fill))}]
            self.d = tf.Variable(np.float64(2.5) * fill)

    return Net()


def _plain_vars(tf: Any, fill: float = 1.0) -> dict[str, Any]:
    return {
        "a": tf.Variable(np.ones((4,), np.float32) * fill),
        "b": tf.Variable(np.int32(7 * fill)),
        "nested": tf.Module(),
    }


GRAPHS = {
    "module": lambda tf, fill=1.0: {"model": _module_graph(tf, fill)},
    "plain": lambda tf, fill=1.0: _plain_vars(tf, fill),
    "shared": lambda tf, fill=1.0: (lambda v: {"x": v, "y": v, "m": tf.Module()})(
        tf.Variable(np.float32(fill))
    ),
}


def _values(tf: Any, ckpt: Any) -> list[Any]:
    """Every variable value reachable from the checkpoint's children, in a fixed order."""
    out = []
    for v in tf.nest.flatten(
        [getattr(ckpt, k) for k in sorted(vars(ckpt)) if not k.startswith("_")],
        expand_composites=False,
    ):
        if isinstance(v, tf.Module):
            out += [np.asarray(x.numpy()).tolist() for x in v.variables]
        elif isinstance(v, tf.Variable):
            out.append(np.asarray(v.numpy()).tolist())
    return out


@pytest.mark.parametrize("graph", sorted(GRAPHS))
def test_files_equal_tf_byte_for_byte(real_tf: Any, tmp_path: Path, graph: str) -> None:
    for side, tf in (("tf", real_tf), ("tfcompat", tfcompat)):
        (tmp_path / side).mkdir()
        ckpt = tf.train.Checkpoint(**GRAPHS[graph](tf))
        ckpt.write(str(tmp_path / side / "w"))
        ckpt.save(str(tmp_path / side / "s"))
        ckpt.save(str(tmp_path / side / "s"))
    assert _files(tmp_path / "tfcompat") == _files(tmp_path / "tf")


@pytest.mark.parametrize("graph", sorted(GRAPHS))
@pytest.mark.parametrize("writer", ["tf", "tfcompat"])
def test_round_trip(real_tf: Any, tmp_path: Path, graph: str, writer: str) -> None:
    sides = {"tf": real_tf, "tfcompat": tfcompat}
    wtf = sides[writer]
    rtf = sides["tfcompat" if writer == "tf" else "tf"]
    src = wtf.train.Checkpoint(**GRAPHS[graph](wtf, 3.0))
    path = src.save(str(tmp_path / "ckpt"))
    dst = rtf.train.Checkpoint(**GRAPHS[graph](rtf, 0.0))
    assert _values(rtf, dst) != _values(wtf, src)
    status = dst.restore(path)
    status.assert_consumed()
    assert _values(rtf, dst) == _values(wtf, src)
    assert int(dst.save_counter.numpy()) == 1
    assert tfcompat.train.list_variables(path) == real_tf.train.list_variables(path)
    assert rtf.train.latest_checkpoint(str(tmp_path)) == path


def _delayed(tf: Any, path: str) -> list[Any]:
    """Restore before the variables exist; they take the saved values when created."""
    seen: list[Any] = []
    m = tf.Module()
    ckpt = tf.train.Checkpoint(model=m)
    status = ckpt.restore(path)
    for check in ("assert_consumed", "assert_existing_objects_matched", "assert_nontrivial_match"):
        try:
            getattr(status, check)()
            seen.append("ok")
        except AssertionError as e:
            seen.append(str(e))
    m.blocks = []
    m.blocks.append(tf.Module())
    m.blocks[0].kernel = tf.Variable(tf.zeros([2, 3]))
    m.blocks[0].bias = tf.Variable(tf.zeros([3]))
    m.blocks.append(tf.Module())
    m.blocks[1].bias = tf.Variable(tf.zeros([3]))
    m.table = {}
    m.table["steps"] = tf.Variable(np.int64(0))
    m.table["name"] = tf.Variable("")
    m.extra = [tf.Variable(False), {"h": tf.Variable(np.float16(0))}]
    m.d = tf.Variable(np.float64(0))
    seen.append([np.asarray(v.numpy()).tolist() for v in m.variables])
    try:
        status.assert_consumed()
    except AssertionError as e:
        seen.append(str(e))
    m.blocks[1].kernel = tf.Variable(tf.zeros([2, 3]))
    seen.append(m.blocks[1].kernel.numpy().tolist())
    status.assert_consumed()
    m.late = tf.Variable(1.0)
    try:
        status.assert_existing_objects_matched()
    except AssertionError as e:
        seen.append(str(e).replace("tfcompat", "tf"))
    status.expect_partial()
    return seen


@pytest.mark.parametrize("writer", ["tf", "tfcompat"])
def test_delayed_restoration_same_as_tf(real_tf: Any, tmp_path: Path, writer: str) -> None:
    sides = {"tf": real_tf, "tfcompat": tfcompat}
    path = (
        sides[writer]
        .train.Checkpoint(**GRAPHS["module"](sides[writer], 2.0))
        .save(str(tmp_path / "ckpt"))
    )
    expected = _delayed(real_tf, path)
    assert _delayed(tfcompat, path) == expected
    assert [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]] in expected[3]  # restored on creation


def _errors(tf: Any, directory: Path) -> list[Any]:
    seen: list[Any] = []

    def attempt(fn: Any) -> None:
        try:
            seen.append(repr(fn()))
        except Exception as e:  # the class and message are compared
            seen.append((type(e).__name__, str(e).replace(str(directory), "<dir>")))

    path = tf.train.Checkpoint(v=tf.Variable(np.int32(1))).write(str(directory / "c"))
    attempt(lambda: tf.train.Checkpoint(v=tf.Variable(1.0)).restore(str(directory / "missing")))
    attempt(lambda: tf.train.Checkpoint(v=tf.Variable(1.0)).restore(path))
    attempt(lambda: tf.train.Checkpoint(v=1))
    attempt(lambda: tf.train.Checkpoint(v=tf.Variable(1)).restore(None).assert_consumed())
    attempt(lambda: tf.train.load_checkpoint(str(directory / "missing")))
    attempt(lambda: tf.train.load_checkpoint(str(directory)))
    attempt(lambda: tf.train.load_checkpoint(path).get_tensor("nope"))
    attempt(lambda: tf.train.latest_checkpoint(str(directory)))
    reader = tf.train.load_checkpoint(path)
    attempt(lambda: reader.get_tensor("v/.ATTRIBUTES/VARIABLE_VALUE"))
    attempt(lambda: sorted((k, v.name) for k, v in reader.get_variable_to_dtype_map().items()))
    attempt(lambda: reader.has_tensor("v/.ATTRIBUTES/VARIABLE_VALUE"))
    attempt(lambda: type(reader.get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH")).__name__)
    attempt(lambda: tf.train.load_variable(path, "v/.ATTRIBUTES/VARIABLE_VALUE"))
    m = tf.Module()
    m.v = tf.Variable([1.0, 2.0])
    p2 = tf.train.Checkpoint(m=m).write(str(directory / "shape"))
    m2 = tf.Module()
    m2.v = tf.Variable([1.0, 2.0, 3.0])
    attempt(lambda: tf.train.Checkpoint(m=m2).restore(p2))
    attempt(lambda: type(tf.train.Checkpoint().restore(None)).__name__)
    # `write` saves no save counter; `restore` creates one, which then matches nothing.
    attempt(lambda: tf.train.Checkpoint(v=tf.Variable(np.int32(0))).restore(path).assert_consumed())
    attempt(
        lambda: (
            type(
                tf.train.Checkpoint(v=tf.Variable(np.int32(0))).read(path).assert_consumed()
            ).__name__
        )
    )
    return seen


def test_errors_and_reader_same_as_tf(real_tf: Any, tmp_path: Path) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tfcompat").mkdir()
    expected = _errors(real_tf, tmp_path / "tf")
    got = _errors(tfcompat, tmp_path / "tfcompat")
    # TF prefixes kernel errors with the op's function node; the message proper is compared.
    expected[1] = (expected[1][0], expected[1][1].split("} ", 1)[-1])
    assert got == expected


def test_unrestored_values_warn_unless_expect_partial(
    real_tf: Any, tmp_path: Path, tf_log: Any
) -> None:
    path = real_tf.train.Checkpoint(**GRAPHS["module"](real_tf)).write(str(tmp_path / "c"))
    logs = []
    for tf in (real_tf, tfcompat):
        tf_log.clear()
        status = tf.train.Checkpoint(model=tf.Module()).restore(path)
        del status
        gc.collect()
        logs.append([r.getMessage() for r in tf_log.records if r.levelno == logging.WARNING])
    assert logs[1] == logs[0] and len(logs[0]) == 10
    tf_log.clear()
    tfcompat.train.Checkpoint(model=tfcompat.Module()).restore(path).expect_partial()
    gc.collect()
    assert not tf_log.records


def test_checkpoint_with_root_same_as_tf(real_tf: Any, tmp_path: Path) -> None:
    for side, tf in (("tf", real_tf), ("tfcompat", tfcompat)):
        m = tf.Module()
        m.w = tf.Variable([1.0, 2.0])
        ckpt = tf.train.Checkpoint(root=m, extra=tf.Variable(3))
        ckpt.save(str(tmp_path / side / "r"))
    assert _files(tmp_path / "tfcompat") == _files(tmp_path / "tf")
    m = tfcompat.Module()
    m.w = tfcompat.Variable([0.0, 0.0])
    extra = tfcompat.Variable(0)
    ckpt = tfcompat.train.Checkpoint(root=m, extra=extra)
    ckpt.restore(str(tmp_path / "tf" / "r-1")).assert_consumed()
    assert m.w.numpy().tolist() == [1.0, 2.0] and int(extra.numpy()) == 3
    assert int(ckpt.save_counter.numpy()) == 1


def test_trackable_view_same_as_tf(real_tf: Any) -> None:
    def view(tf: Any) -> list[Any]:
        m = _module_graph(tf)
        tv = tf.train.TrackableView(m)
        kids = tv.children(m)
        return [
            tv.root is m,
            sorted(kids),
            [type(o).__name__ for o in tv.descendants()],
            [np.asarray(o.numpy()).tolist() for o in tv.descendants() if hasattr(o, "numpy")],
        ]

    got, want = view(tfcompat), view(real_tf)
    assert got[:2] == want[:2] and got[3] == want[3]
    # Class names: TF's `Module`/`ResourceVariable` vs tfcompat's own class names.
    assert len(got[2]) == len(want[2])

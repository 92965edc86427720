"""`tf.train.CheckpointManager` and the `checkpoint` state file, against TensorFlow 2.21.

Both sides run the same program on a fake clock (`time.time` patched), each in its own
directory; file listings, kept checkpoints and state files are compared.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tfcompat

pytestmark = pytest.mark.tf


class _Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _rotation(tf: Any, directory: Path, clock: _Clock) -> list[Any]:
    seen: list[Any] = []
    v = tf.Variable(np.float32(0))
    ckpt = tf.train.Checkpoint(v=v)
    manager = tf.train.CheckpointManager(
        ckpt, str(directory), max_to_keep=2, keep_checkpoint_every_n_hours=1.0
    )
    seen.append(manager.latest_checkpoint)
    for step in range(6):
        v.assign(float(step))
        clock.now += 25 * 60  # 25 minutes between saves
        path = manager.save()
        seen.append((Path(path).name, [Path(p).name for p in manager.checkpoints]))
        seen.append(_listing(directory))
    seen.append(manager.save(checkpoint_number=100))
    state = (directory / "checkpoint").read_text()
    seen.append(state)
    # A new manager on the same directory picks up the kept checkpoints.
    again = tf.train.CheckpointManager(ckpt, str(directory), max_to_keep=2)
    seen.append([Path(p).name for p in again.checkpoints])
    v.assign(-1.0)
    seen.append(again.restore_or_initialize())
    seen.append(float(v.numpy()))
    st = tf.train.get_checkpoint_state(str(directory))
    seen.append((st.model_checkpoint_path, list(st.all_model_checkpoint_paths)))
    seen.append(tf.train.latest_checkpoint(str(directory)))
    return [_strip(x, directory) for x in seen]


def _strip(x: Any, directory: Path) -> Any:
    if isinstance(x, (list, tuple)):
        return type(x)(_strip(y, directory) for y in x)
    return re.sub(re.escape(str(directory)), "<dir>", x) if isinstance(x, str) else x


def test_rotation_and_keep_every_n_hours_same_as_tf(
    real_tf: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    results = []
    for side, tf in (("tf", real_tf), ("tfcompat", tfcompat)):
        clock = _Clock()
        monkeypatch.setattr(time, "time", clock)
        results.append(_rotation(tf, tmp_path / side, clock))
    assert results[1] == results[0]
    assert "last_preserved_timestamp: 1700004500.0" in results[0][14]  # kept by the hour rule


def _interval(tf: Any, directory: Path) -> list[Any]:
    step = tf.Variable(np.int64(0))
    ckpt = tf.train.Checkpoint(step=step)
    seen: list[Any] = []
    manager = tf.train.CheckpointManager(
        ckpt, str(directory), max_to_keep=None, step_counter=step, checkpoint_interval=3
    )
    for _ in range(8):
        path = manager.save()
        seen.append(None if path is None else Path(path).name)
        step.assign_add(1)
    seen.append(Path(manager.save(check_interval=False)).name)
    seen.append(manager.save(check_interval=False))  # same step: not saved again
    seen.append(_listing(directory))
    seen.append(manager.checkpoint_interval)
    return seen


def test_checkpoint_interval_same_as_tf(real_tf: Any, tmp_path: Path) -> None:
    assert _interval(tfcompat, tmp_path / "tfcompat") == _interval(real_tf, tmp_path / "tf")


def _init_and_iterate(tf: Any, directory: Path) -> list[Any]:
    seen: list[Any] = []
    v = tf.Variable(np.float32(0))
    manager = tf.train.CheckpointManager(
        tf.train.Checkpoint(v=v), str(directory), max_to_keep=1, init_fn=lambda: v.assign(5.0)
    )
    seen.append(manager.restore_or_initialize())
    seen.append(float(v.numpy()))
    manager.save()
    found = list(tf.train.checkpoints_iterator(str(directory), timeout=0.01))
    seen.append([Path(p).name for p in found])
    for bad in (0, -1):
        try:
            tf.train.CheckpointManager(tf.train.Checkpoint(), str(directory), max_to_keep=bad)
        except ValueError as e:
            seen.append(str(e))
    try:
        tf.train.CheckpointManager(
            tf.train.Checkpoint(), str(directory), max_to_keep=1, checkpoint_interval=2
        )
    except ValueError as e:
        seen.append(str(e))
    return seen


def test_restore_or_initialize_and_iterator_same_as_tf(real_tf: Any, tmp_path: Path) -> None:
    got = _init_and_iterate(tfcompat, tmp_path / "tfcompat")
    assert got == _init_and_iterate(real_tf, tmp_path / "tf")


def test_tf_reads_tfcompat_state_file_and_back(real_tf: Any, tmp_path: Path) -> None:
    v = tfcompat.Variable([1.0, 2.0])
    manager = tfcompat.train.CheckpointManager(tfcompat.train.Checkpoint(v=v), str(tmp_path), 3)
    for _ in range(4):
        manager.save()
    state = real_tf.train.get_checkpoint_state(str(tmp_path))
    assert list(state.all_model_checkpoint_paths) == manager.checkpoints
    assert list(state.all_model_checkpoint_timestamps) == pytest.approx(
        list(tfcompat.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_timestamps)
    )
    tf_manager = real_tf.train.CheckpointManager(
        real_tf.train.Checkpoint(v=real_tf.Variable([0.0, 0.0])), str(tmp_path), 3
    )
    assert tf_manager.checkpoints == manager.checkpoints
    tf_manager.save()
    again = tfcompat.train.CheckpointManager(tfcompat.train.Checkpoint(v=v), str(tmp_path), 3)
    assert again.checkpoints == tf_manager.checkpoints
    assert again.latest_checkpoint == tf_manager.latest_checkpoint

"""The `checkpoint` state file, `tf.train.latest_checkpoint` and `tf.train.CheckpointManager`.

A directory of checkpoints holds a text file named `checkpoint`: a `CheckpointState`
protocol buffer in text format listing the latest checkpoint prefix, the prefixes still
kept, their save times and the last time a checkpoint was preserved by
`keep_checkpoint_every_n_hours`. Paths are written relative to the directory when they
are inside it, and read back as paths joined to it, as TensorFlow does.
"""

from __future__ import annotations

import collections
import contextlib
import glob
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from tfcompat.train import _bundle

__all__ = [
    "CheckpointManager",
    "CheckpointState",
    "checkpoint_exists",
    "checkpoints_iterator",
    "get_checkpoint_state",
    "latest_checkpoint",
    "update_checkpoint_state",
]

_tf_logger = logging.getLogger("tensorflow")


class CheckpointState:
    """The fields of TF's `CheckpointState` protocol buffer."""

    def __init__(
        self,
        model_checkpoint_path: str = "",
        all_model_checkpoint_paths: list[str] | None = None,
        all_model_checkpoint_timestamps: list[float] | None = None,
        last_preserved_timestamp: float = 0.0,
    ) -> None:
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths or [])
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps or [])
        self.last_preserved_timestamp = last_preserved_timestamp

    def __str__(self) -> str:
        lines = []
        if self.model_checkpoint_path:
            lines.append(f"model_checkpoint_path: {_quote(self.model_checkpoint_path)}")
        lines += [
            f"all_model_checkpoint_paths: {_quote(p)}" for p in self.all_model_checkpoint_paths
        ]
        lines += [
            f"all_model_checkpoint_timestamps: {_float(t)}"
            for t in self.all_model_checkpoint_timestamps
        ]
        if self.last_preserved_timestamp:
            lines.append(f"last_preserved_timestamp: {_float(self.last_preserved_timestamp)}")
        return "".join(line + "\n" for line in lines)

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CheckpointState) and vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]


def _float(x: float) -> str:
    return repr(float(x))


def _quote(text: str) -> str:
    from tfcompat.train._checkpoint import _quote as quote

    return quote(text)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise ValueError(f"expected a quoted string, got {text}")
    body = text[1:-1].encode("latin-1", "backslashreplace")
    return body.decode("unicode_escape").encode("latin-1").decode("utf-8")


def _parse_state(text: str, path: str) -> CheckpointState:
    state = CheckpointState()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise errors_parse(path)
        key = key.strip()
        try:
            if key == "model_checkpoint_path":
                state.model_checkpoint_path = _unquote(value)
            elif key == "all_model_checkpoint_paths":
                state.all_model_checkpoint_paths.append(_unquote(value))
            elif key == "all_model_checkpoint_timestamps":
                state.all_model_checkpoint_timestamps.append(float(value))
            elif key == "last_preserved_timestamp":
                state.last_preserved_timestamp = float(value)
            else:
                raise ValueError(key)
        except ValueError:
            raise errors_parse(path) from None
    return state


def errors_parse(path: str) -> Exception:
    from tfcompat._core import errors

    return errors.InvalidArgumentError(None, None, f"{path}: Unable to parse CheckpointState")


def _state_path(checkpoint_dir: str, latest_filename: str | None) -> str:
    return os.path.join(checkpoint_dir, latest_filename or "checkpoint")


def get_checkpoint_state(checkpoint_dir: Any, latest_filename: str | None = None) -> Any:
    """tfcompat implementation of `tf.train.get_checkpoint_state` (None if there is none)."""
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = _state_path(checkpoint_dir, latest_filename)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        state = _parse_state(f.read(), path)
    if not state.model_checkpoint_path:
        from tfcompat._core import errors

        raise errors.NotFoundError(
            None, None, f"Invalid checkpoint state loaded from {checkpoint_dir}"
        )
    if not os.path.isabs(state.model_checkpoint_path):
        state.model_checkpoint_path = os.path.join(checkpoint_dir, state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [
        p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)
        for p in state.all_model_checkpoint_paths
    ]
    return state


def checkpoint_exists(prefix: str) -> bool:
    """Whether a (V2) checkpoint with this prefix is on disk: its `.index` file."""
    return os.path.exists(_bundle.index_filename(prefix)) or bool(glob.glob(prefix))


def latest_checkpoint(checkpoint_dir: Any, latest_filename: str | None = None) -> str | None:
    """tfcompat implementation of `tf.train.latest_checkpoint`."""
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path:
        if os.path.exists(_bundle.index_filename(state.model_checkpoint_path)):
            return str(state.model_checkpoint_path)
        _tf_logger.error("Couldn't match files for checkpoint %s", state.model_checkpoint_path)
    return None


def _relative(path: str, save_dir: str) -> str:
    if not os.path.isabs(path) and not save_dir:
        return path
    rel = os.path.relpath(path, save_dir or ".")
    return path if rel.startswith("..") else rel


def update_checkpoint_state_internal(
    save_dir: str,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: Any = None,
    latest_filename: str | None = None,
    save_relative_paths: bool = False,
    all_model_checkpoint_timestamps: Any = None,
    last_preserved_timestamp: float | None = None,
) -> None:
    """Write the `checkpoint` file of `save_dir` (atomically)."""
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    if save_relative_paths:
        model_checkpoint_path = _relative(model_checkpoint_path, save_dir)
        paths = [_relative(p, save_dir) for p in paths]
    state = CheckpointState(
        model_checkpoint_path,
        paths,
        list(all_model_checkpoint_timestamps or []),
        float(last_preserved_timestamp or 0.0),
    )
    path = _state_path(save_dir, latest_filename)
    if save_dir:
        os.makedirs(save_dir, exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(str(state))
    os.replace(tmp, path)


def update_checkpoint_state(
    save_dir: Any,
    model_checkpoint_path: str,
    all_model_checkpoint_paths: Any = None,
    latest_filename: str | None = None,
    all_model_checkpoint_timestamps: Any = None,
    last_preserved_timestamp: float | None = None,
) -> None:
    """tfcompat implementation of `tf.compat.v1.train.update_checkpoint_state`."""
    update_checkpoint_state_internal(
        os.fspath(save_dir),
        model_checkpoint_path,
        all_model_checkpoint_paths,
        latest_filename,
        save_relative_paths=False,
        all_model_checkpoint_timestamps=all_model_checkpoint_timestamps,
        last_preserved_timestamp=last_preserved_timestamp,
    )


def _delete_prefix(prefix: str) -> None:
    for path in [
        _bundle.index_filename(prefix),
        *glob.glob(f"{glob.escape(prefix)}.data-?????-of-?????"),
    ]:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def _as_int(value: Any) -> int:
    if hasattr(value, "numpy"):
        value = value.numpy()
    return int(value)


class CheckpointManager:
    """tfcompat implementation of `tf.train.CheckpointManager`."""

    def __init__(
        self,
        checkpoint: Any,
        directory: Any,
        max_to_keep: int | None,
        keep_checkpoint_every_n_hours: float | None = None,
        checkpoint_name: str = "ckpt",
        step_counter: Any = None,
        checkpoint_interval: int | None = None,
        init_fn: Callable[[], Any] | None = None,
        last_checkpoint_step: int | None = None,
    ) -> None:
        self._checkpoint = checkpoint
        if max_to_keep is not None and max_to_keep <= 0:
            raise ValueError(
                f"Expected a positive integer or `None` for `max_to_keep`, got {max_to_keep}."
            )
        self._max_to_keep = max_to_keep
        self._keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        directory = os.fspath(directory)
        self._directory = directory
        self._checkpoint_prefix = os.path.join(directory, checkpoint_name)
        self._init_fn = init_fn
        if checkpoint_interval is not None:
            if step_counter is None:
                raise ValueError(
                    "`step_counter` should be passed if `checkpoint_interval` is not None."
                )
            # TF: the step of the last checkpoint written before this manager existed
            self._last_checkpoint_step: int | None = last_checkpoint_step
            self._step_counter = step_counter
        self._checkpoint_interval = checkpoint_interval
        recovered = get_checkpoint_state(directory)
        now = time.time()
        self._maybe_delete: collections.OrderedDict[str, float] = collections.OrderedDict()
        if recovered is None:
            self._latest_checkpoint: str | None = None
            # A little in the past, so that quickly re-creating a manager keeps its files.
            self._last_preserved_timestamp = now - 1.0
        else:
            self._latest_checkpoint = recovered.model_checkpoint_path
            self._last_preserved_timestamp = recovered.last_preserved_timestamp
            if now < self._last_preserved_timestamp:
                _tf_logger.warning(
                    "time.time() returned a value %f seconds behind the last preserved "
                    "checkpoint timestamp.",
                    self._last_preserved_timestamp - now,
                )
                self._last_preserved_timestamp = now
            timestamps = recovered.all_model_checkpoint_timestamps or [
                self._last_preserved_timestamp
            ] * len(recovered.all_model_checkpoint_paths)
            for filename, timestamp in zip(
                recovered.all_model_checkpoint_paths, timestamps, strict=False
            ):
                timestamp = min(timestamp, now)
                if timestamp > self._last_preserved_timestamp:
                    self._maybe_delete[filename] = timestamp

    @property
    def directory(self) -> str:
        return self._directory

    @property
    def checkpoint(self) -> Any:
        return self._checkpoint

    @property
    def checkpoint_interval(self) -> int | None:
        return self._checkpoint_interval

    @property
    def latest_checkpoint(self) -> str | None:
        """The prefix of the most recent checkpoint in `directory` (None if none)."""
        return self._latest_checkpoint

    @property
    def checkpoints(self) -> list[str]:
        """The managed checkpoint prefixes still kept, oldest first."""
        return list(self._maybe_delete.keys())

    def _record_state(self) -> None:
        filenames, timestamps = zip(*self._maybe_delete.items(), strict=True)
        update_checkpoint_state_internal(
            self._directory,
            model_checkpoint_path=self.latest_checkpoint or "",
            all_model_checkpoint_paths=list(filenames),
            all_model_checkpoint_timestamps=list(timestamps),
            last_preserved_timestamp=self._last_preserved_timestamp,
            save_relative_paths=True,
        )

    def _sweep(self) -> None:
        if not self._max_to_keep:
            return
        while len(self._maybe_delete) > self._max_to_keep:
            filename, timestamp = self._maybe_delete.popitem(last=False)
            if self._keep_checkpoint_every_n_hours and (
                timestamp - self._keep_checkpoint_every_n_hours * 3600.0
                >= self._last_preserved_timestamp
            ):
                self._last_preserved_timestamp = timestamp
                continue
            _delete_prefix(filename)

    def save(
        self, checkpoint_number: Any = None, check_interval: bool = True, options: Any = None
    ) -> str | None:
        """Save a numbered checkpoint, then delete the ones beyond `max_to_keep`."""
        if self._checkpoint_interval is not None:
            current_step = _as_int(self._step_counter)
            if self._last_checkpoint_step is not None:
                if current_step == self._last_checkpoint_step:
                    return None
                if check_interval and current_step < (
                    self._last_checkpoint_step + self._checkpoint_interval
                ):
                    return None
            self._last_checkpoint_step = current_step
        save_counter = self._checkpoint.save_counter
        save_counter.assign_add(1)
        if checkpoint_number is None:
            checkpoint_number = save_counter
        number = _as_int(checkpoint_number)
        prefix = f"{self._checkpoint_prefix}-{number}"

        def record_and_sweep(save_path: str) -> None:
            timestamp = time.time()
            self._maybe_delete.pop(save_path, None)
            self._maybe_delete[save_path] = timestamp
            self._latest_checkpoint = save_path
            # Record the new file before deleting old ones (robust to preemption), then again.
            self._record_state()
            self._sweep()
            self._record_state()

        return str(self._checkpoint._write(prefix, options, write_done_callback=record_and_sweep))

    def restore_or_initialize(self) -> str | None:
        """Restore the latest checkpoint if there is one (its path), else run `init_fn`."""
        if self._latest_checkpoint is not None:
            self._checkpoint.restore(self._latest_checkpoint)
            if self._checkpoint_interval is not None:
                self._last_checkpoint_step = _as_int(self._step_counter)
            return self._latest_checkpoint
        if self._init_fn is not None:
            self._init_fn()
            _tf_logger.info("Customized initialization is done through the passed `init_fn`.")
        return None

    def sync(self) -> None:
        """Nothing to wait for: writes are synchronous."""


def checkpoints_iterator(
    checkpoint_dir: Any,
    min_interval_secs: float = 0,
    timeout: float | None = None,
    timeout_fn: Callable[[], bool] | None = None,
) -> Iterator[str]:
    """tfcompat implementation of `tf.train.checkpoints_iterator`: yield each new checkpoint."""
    checkpoint_path = None
    while True:
        new = _wait_for_new_checkpoint(checkpoint_dir, checkpoint_path, timeout=timeout)
        if new is None:
            if not timeout_fn:
                _tf_logger.info("Timed-out waiting for a checkpoint.")
                return
            if timeout_fn():
                return
            continue
        start = time.time()
        checkpoint_path = new
        yield checkpoint_path
        time_to_next_eval = start + min_interval_secs - time.time()
        if time_to_next_eval > 0:
            time.sleep(time_to_next_eval)


def _wait_for_new_checkpoint(
    checkpoint_dir: Any,
    last_checkpoint: str | None,
    seconds_to_sleep: float = 1,
    timeout: float | None = None,
) -> str | None:
    _tf_logger.info("Waiting for new checkpoint at %s", checkpoint_dir)
    stop_time = time.time() + timeout if timeout is not None else None
    while True:
        path = latest_checkpoint(checkpoint_dir)
        if path is None or path == last_checkpoint:
            if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
                return None
            time.sleep(seconds_to_sleep)
        else:
            _tf_logger.info("Found new checkpoint at %s", path)
            return path

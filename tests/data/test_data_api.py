"""tf.data's public names have TF 2.21's signatures; the ones tfcompat lacks are listed."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import tfcompat

# Dataset methods of TF 2.21 that tfcompat does not implement (docs/data.md).
NOT_IMPLEMENTED = {
    "fingerprint",
    "load",
    "random",
    "rejection_resample",
    "save",
    "snapshot",
}


def _strip(fn: Any) -> str:
    sig = inspect.signature(fn)
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=params, return_annotation=inspect.Signature.empty))


def _tf_methods(tf: Any) -> list[str]:
    return sorted(
        n
        for n in dir(tf.data.Dataset)
        if not n.startswith("_") and callable(getattr(tf.data.Dataset, n))
    )


def test_dataset_methods_have_tf_signatures(real_tf: Any) -> None:
    missing = []
    for name in _tf_methods(real_tf):
        ours = getattr(tfcompat.data.Dataset, name, None)
        if ours is None:
            missing.append(name)
            continue
        assert _strip(ours) == _strip(getattr(real_tf.data.Dataset, name)), name
    assert set(missing) <= NOT_IMPLEMENTED, sorted(set(missing) - NOT_IMPLEMENTED)


@pytest.mark.parametrize(
    "path",
    [
        "data.TextLineDataset.__init__",
        "data.TFRecordDataset.__init__",
        "data.experimental.make_csv_dataset",
        "data.experimental.cardinality",
        "data.experimental.get_single_element",
        "data.experimental.enumerate_dataset",
        "data.experimental.take_while",
        "data.experimental.scan",
        "data.experimental.group_by_window",
        "data.experimental.bucket_by_sequence_length",
        "data.experimental.unbatch",
    ],
)
def test_function_signatures(real_tf: Any, path: str) -> None:
    def resolve(mod: Any) -> Any:
        for part in path.split("."):
            mod = getattr(mod, part)
        return mod

    assert _strip(resolve(tfcompat)) == _strip(resolve(real_tf))


def test_namespace_names_exist_in_tf(real_tf: Any) -> None:
    for mod, theirs in (
        (tfcompat.data, real_tf.data),
        (tfcompat.data.experimental, real_tf.data.experimental),
    ):
        for name in mod.__all__:
            assert hasattr(theirs, name), name

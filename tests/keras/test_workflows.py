"""Keras workflows on tfcompat: compile counts, custom loops, callbacks, saving.

Each snippet also runs on Keras over TensorFlow 2.21 where its result is comparable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.keras.kerasrun import needs_keras_fit, run

pytestmark = needs_keras_fit

_DATA = """
rng = np.random.RandomState(0)
x = rng.rand(64, 6).astype(np.float32)
y = (x[:, :3].sum(1) > x[:, 3:].sum(1)).astype(np.int32)
def mlp():
    m = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dropout(0.0), keras.layers.Dense(2)])
    wr = np.random.RandomState(1)
    m.set_weights([(wr.rand(*w.shape).astype(np.float32) - 0.5) for w in m.get_weights()])
    return m
"""

COMPILE_COUNT = (
    _DATA
    + """
m = mlp()
m.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
          metrics=["accuracy"])
m.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
first = tf.experimental.compile_stats()["compiles"]
m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
result = tf.experimental.compile_stats()["compiles"] - first
"""
)

CUSTOM_LOOP = (
    _DATA
    + """
m = mlp()
opt = keras.optimizers.Adam(0.01)
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
acc = keras.metrics.SparseCategoricalAccuracy()

@tf.function
def step(xb, yb):
    with tf.GradientTape() as tape:
        loss = loss_fn(yb, m(xb, training=True))
    grads = tape.gradient(loss, m.trainable_variables)
    opt.apply_gradients(zip(grads, m.trainable_variables))
    acc.update_state(yb, m(xb))
    return loss

losses = []
ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
for epoch in range(2):
    for xb, yb in ds:
        losses.append(float(step(xb, yb)))
result = {"losses": losses, "acc": float(acc.result()),
          "weights": [w.tolist() for w in m.get_weights()]}
"""
)

CALLBACKS_AND_SAVING = (
    _DATA
    + """
import os
m = mlp()
m.compile(optimizer=keras.optimizers.SGD(0.5),
          loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
cbs = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=1),
       keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True),
       keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5)]
h = m.fit(x, y, batch_size=16, epochs=6, shuffle=False, verbose=0, validation_split=0.25,
          callbacks=cbs)
tb = m.train_on_batch(x[:16], y[:16])
m.save("model.keras")
m.save_weights("model.weights.h5")
loaded = keras.models.load_model("model.keras")
best = keras.models.load_model("best.keras")
m2 = mlp()
m2.load_weights("model.weights.h5")
m.summary()
ev = m.evaluate(x, y, verbose=0, batch_size=16)
result = {"evaluate": ev, "params": int(m.count_params()),
          "weights": [w.tolist() for w in m.get_weights()],
          "loaded_weights_equal": all(np.array_equal(a, b) for a, b in
                                      zip(m.get_weights(), loaded.get_weights())),
          "history": h.history, "epochs": len(h.history["loss"]), "train_on_batch": float(tb),
          "loaded_pred": loaded.predict(x[:4], verbose=0).tolist(),
          "weights_pred": m2.predict(x[:4], verbose=0).tolist(),
          "pred": m.predict(x[:4], verbose=0).tolist(),
          "best_exists": os.path.exists("best.keras"),
          "best_pred": best.predict(x[:4], verbose=0).tolist()}
"""
)


def _close(got: object, want: object) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want)
        for k in want:
            _close(got[k], want[k])
    elif isinstance(want, list) and want and isinstance(want[0], list):
        assert isinstance(got, list) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _close(g, w)
    else:
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=2e-5, atol=2e-6)


def test_fit_compiles_nothing_after_the_first_epoch(tmp_path: Path) -> None:
    got, _ = run("tfcompat", COMPILE_COUNT, tmp_path)
    assert got == 0


def test_custom_loop_with_keras_optimizer_equals_tensorflow(tmp_path: Path) -> None:
    got, _ = run("tfcompat", CUSTOM_LOOP, tmp_path)
    want, _ = run("tf", CUSTOM_LOOP, tmp_path)
    _close(got, want)


def test_callbacks_train_on_batch_and_saving_equal_tensorflow(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    got, got_out = run("tfcompat", CALLBACKS_AND_SAVING, tmp_path / "a")
    want, want_out = run("tf", CALLBACKS_AND_SAVING, tmp_path / "b")
    _close(got, want)
    assert got["loaded_pred"] == got["pred"] and got["weights_pred"] == got["pred"]
    assert got["loaded_weights_equal"] and got["best_exists"]
    assert "Total params" in got_out and got_out == want_out  # summary()

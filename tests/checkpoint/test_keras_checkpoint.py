"""Keras models and optimizers in `tf.train.Checkpoint`, across TensorFlow 2.21 and tfcompat.

Keras picks one backend per process, so each side runs in its own interpreter
(`tests.keras.kerasrun.run`), both in one temporary directory: one side writes a
checkpoint (and Keras's own `.weights.h5` and `.keras` files), the other restores it, and
both report weights, optimizer state, predictions and the loss of one more training step.
Each side also writes a checkpoint of the same fixed weights; those files are compared
byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.keras.kerasrun import needs_keras_fit, run

pytestmark = [needs_keras_fit, pytest.mark.tf]

_SETUP = """
import warnings
# TF 2.21's EagerTensor.__array__ predates NumPy 2's `copy` keyword (Keras's saving hits it).
warnings.filterwarnings("ignore", "__array__ implementation", DeprecationWarning)
rng = np.random.RandomState(0)
x = rng.rand(16, 5).astype(np.float32)
y = rng.rand(16, 2).astype(np.float32)
def make():
    m = keras.Sequential([keras.Input((5,)), keras.layers.Dense(4, activation="relu"),
                          keras.layers.Dropout(0.0), keras.layers.Dense(2)])
    opt = keras.optimizers.Adam(0.01)
    m.compile(optimizer=opt, loss="mse")
    return m, opt
def state(m, opt):
    return {"weights": [w.tolist() for w in m.get_weights()],
            "opt": [np.asarray(v.numpy()).tolist() for v in opt.variables]}
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = keras.layers.Dense(3)
        self.bn = keras.layers.BatchNormalization()
        self.d2 = keras.layers.Dense(1)
    def call(self, x, training=False):
        return self.d2(self.bn(self.d1(x), training=training))
def write_fixed(side):
    # The same graph and values on both sides, for comparing the files byte for byte.
    m, opt = make()
    m.set_weights([np.full(w.shape, 0.25, np.float32) for w in m.get_weights()])
    opt.build(m.trainable_variables)
    tf.train.Checkpoint(model=m, optimizer=opt).write(side + "/w")
"""

WRITE = (
    _SETUP
    + """
write_fixed(SIDE)  # first, so that Keras's automatic names are the same on both sides
m, opt = make()
wr = np.random.RandomState(1)
m.set_weights([(wr.rand(*w.shape).astype(np.float32) - 0.5) for w in m.get_weights()])
for _ in range(3):
    m.train_on_batch(x, y)
ckpt = tf.train.Checkpoint(model=m, optimizer=opt)
manager = tf.train.CheckpointManager(ckpt, "ckpts", max_to_keep=2)
manager.save()
m.train_on_batch(x, y)
path = manager.save()
result = state(m, opt)
result["path"] = path
result["list"] = tf.train.list_variables(path)
m.save_weights("model.weights.h5")
m.save("model.keras")
result["predict"] = m.predict(x, verbose=0).tolist()
net = Net()
net(x)
net.set_weights([np.full(w.shape, 0.1 * (i + 1), np.float32)
                 for i, w in enumerate(net.get_weights())])
tf.train.Checkpoint(net=net).write("sub")
result["net"] = net(x).numpy().tolist()
result["next_loss"] = float(m.train_on_batch(x, y))
"""
)

# Restores into a fresh model and an optimizer that has no variables yet: the optimizer's
# slots are restored when the first step creates them (delayed restoration).
READ = (
    _SETUP
    + """
write_fixed(SIDE)
m, opt = make()
ckpt = tf.train.Checkpoint(model=m, optimizer=opt)
status = ckpt.restore(tf.train.latest_checkpoint("ckpts"))
status.assert_existing_objects_matched()
before = [w.tolist() for w in m.get_weights()]
opt.build(m.trainable_variables)
status.assert_consumed()
result = state(m, opt)
result["before_build"] = before
result["list"] = tf.train.list_variables("ckpts")
result["next_loss"] = float(m.train_on_batch(x, y))
result["save_counter"] = int(ckpt.save_counter.numpy())
# Keras's own formats, through Keras's own code.
m2, opt2 = make()
opt2.build(m2.trainable_variables)  # the file holds the optimizer's 10 variables too
m2.load_weights("model.weights.h5")
result["predict_weights_h5"] = m2.predict(x, verbose=0).tolist()
result["predict_keras"] = keras.models.load_model("model.keras").predict(x, verbose=0).tolist()
# A subclassed model restored before it is built: its variables are created by the call.
net = Net()
net_status = tf.train.Checkpoint(net=net).read("sub")
result["net"] = net(x).numpy().tolist()
try:
    net_status.assert_consumed()
    result["net_consumed"] = "ok"
except AssertionError as e:
    result["net_consumed"] = str(e)
"""
)


@pytest.mark.parametrize("writer", ["tf", "tfcompat"])
def test_keras_model_and_optimizer_round_trip(tmp_path: Path, writer: str) -> None:
    reader = "tfcompat" if writer == "tf" else "tf"
    pytest.importorskip("h5py")
    written, _ = run(writer, f"SIDE = {writer!r}\n" + WRITE, tmp_path)
    read, _ = run(reader, f"SIDE = {reader!r}\n" + READ, tmp_path)
    assert read["list"] == written["list"]
    for a, b in zip(read["weights"], written["weights"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    for a, b in zip(read["before_build"], written["weights"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert len(read["opt"]) == len(written["opt"]) == 10
    for a, b in zip(read["opt"], written["opt"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert read["next_loss"] == pytest.approx(written["next_loss"], rel=1e-5)
    assert read["save_counter"] == 2
    assert sorted(p.name for p in (tmp_path / "ckpts").iterdir()) == [
        "checkpoint",
        "ckpt-1.data-00000-of-00001",
        "ckpt-1.index",
        "ckpt-2.data-00000-of-00001",
        "ckpt-2.index",
    ]
    assert written["path"].endswith("ckpt-2")
    # save_weights / .keras written on one side load on the other.
    np.testing.assert_allclose(read["predict_weights_h5"], written["predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(read["predict_keras"], written["predict"], rtol=1e-5, atol=1e-6)
    if reader == "tfcompat":
        # Restored when the first call creates the variables.
        np.testing.assert_allclose(read["net"], written["net"], rtol=1e-5)
        assert read["net_consumed"] == "ok"
    else:
        # TF 2.21 leaves a Keras 3 layer's variables created after `restore` unrestored
        # and says so (docs/checkpoint.md, differences).
        assert read["net_consumed"].endswith("not assigned a value from checkpoint.")
        assert not np.allclose(read["net"], written["net"])
    # The same Keras graph and values give the same files on both sides.
    for suffix in (".index", ".data-00000-of-00001"):
        assert (tmp_path / "tfcompat" / f"w{suffix}").read_bytes() == (
            tmp_path / "tf" / f"w{suffix}"
        ).read_bytes()

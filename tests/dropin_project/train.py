"""A TensorFlow user's script: fits y = 3x + 2 with a tape and prints the result."""

import sys

import tensorflow as tf

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 100
w = tf.Variable(0.0, name="w")
b = tf.Variable(0.0, name="b")
x = tf.constant([0.0, 1.0, 2.0, 3.0])
y = 3.0 * x + 2.0

for _ in range(steps):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(w * x + b - y))
    dw, db = tape.gradient(loss, [w, b])
    w.assign_sub(0.1 * dw)
    b.assign_sub(0.1 * db)

print(tf.__version__)
print(f"w={w.numpy():.3f} b={b.numpy():.3f}")
print(tf.math.reduce_sum(x))

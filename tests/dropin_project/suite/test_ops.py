"""A TensorFlow test suite written with tf.test.TestCase."""

import numpy as np
import tensorflow as tf
from absl.testing import parameterized


class OpsTest(tf.test.TestCase, parameterized.TestCase):
    def test_square_gradient(self):
        x = tf.Variable(3.0)
        with tf.GradientTape() as tape:
            y = x * x
        self.assertAllClose(tape.gradient(y, x), 6.0)

    def test_shapes_and_dtypes(self):
        t = tf.zeros([2, 3], dtype=tf.int32)
        self.assertShapeEqual(np.zeros([2, 3]), t)
        self.assertDTypeEqual(t, np.int32)
        self.assertAllEqual(t, np.zeros([2, 3], np.int32))

    def test_evaluate_and_ranges(self):
        values = self.evaluate({"a": tf.constant([1.0, 2.0]), "b": tf.constant(3)})
        self.assertAllClose(values, {"a": [1.0, 2.0], "b": 3})
        self.assertAllInRange(values["a"], 1.0, 2.0)
        self.assertAllGreater(values["a"], 0.5)
        self.assertNear(float(values["b"]), 3.0, 1e-6)

    def test_op_error(self):
        with self.assertRaisesOpError("Incompatible shapes|required broadcastable shapes"):
            tf.constant([1.0, 2.0]) + tf.constant([1.0, 2.0, 3.0])

    @parameterized.parameters((1.0, 1.0), (2.0, 4.0), (-3.0, 9.0))
    def test_square(self, x, expected):
        self.assertAllClose(tf.square(x), expected)

    @parameterized.named_parameters(("float32", tf.float32), ("float64", tf.float64))
    def test_cast_keeps_dtype(self, dtype):
        self.assertEqual(tf.cast(1, dtype).dtype, dtype)


if __name__ == "__main__":
    tf.test.main()

import tensorflow as tf

from pkg.layers import dense

out = dense(tf.ones([1, 2]), tf.constant([[1.0], [-2.0]]), tf.constant([3.0]))
print(out)

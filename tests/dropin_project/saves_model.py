import tensorflow as tf

module = tf.Module()
tf.saved_model.save(module, "/tmp/unused")

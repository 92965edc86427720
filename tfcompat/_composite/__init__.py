"""Composite tensors: `tf.TensorArray`, `tf.SparseTensor`, `tf.RaggedTensor` and friends."""

"""`tensorflow.python.ops.linalg.sparse.sparse_csr_matrix_ops`.

TF's CSR sparse-matrix kernels (`sparse_matrix_sparse_mat_mul` and the conversions to and
from `SparseTensor`) are not implemented: tfcompat has no CSR matrix type. The module
exists because Keras's TensorFlow backend imports it at import time; Keras calls these
functions only to multiply two `SparseTensor`s, which then raises `AttributeError`.
"""

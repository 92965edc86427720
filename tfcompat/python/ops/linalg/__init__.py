"""`tensorflow.python.ops.linalg`."""

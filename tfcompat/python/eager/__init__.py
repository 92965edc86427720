"""`tensorflow.python.eager`."""

"""`tensorflow.python.trackable`: object tracking for checkpoints."""

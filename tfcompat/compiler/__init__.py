"""`tensorflow.compiler`: XLA-specific TF APIs that libraries import."""

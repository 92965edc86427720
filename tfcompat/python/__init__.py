"""`tensorflow.python`: the private TensorFlow modules that libraries import.

Libraries built on TensorFlow (Keras) import a few names from TF's private module tree
(`from tensorflow.python.trackable.data_structures import ListWrapper`). Under
`tfcompat.alias`, `tensorflow.python.<path>` is `tfcompat.python.<path>`: each module here
holds the names libraries use from the TF module of the same path, as tfcompat objects.
"""

"""`tf.sets`: re-exports only."""

from tfcompat._composite.sets import difference, intersection, size, union

__all__ = ["difference", "intersection", "size", "union"]

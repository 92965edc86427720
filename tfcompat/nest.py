"""`tf.nest`: re-exports only."""

from tfcompat._util.nest import flatten, is_nested, map_structure, pack_sequence_as

__all__ = ["flatten", "is_nested", "map_structure", "pack_sequence_as"]

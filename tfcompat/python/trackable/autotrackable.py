"""`tensorflow.python.trackable.autotrackable`."""

from tfcompat._tracking import AutoTrackable

__all__ = ["AutoTrackable"]

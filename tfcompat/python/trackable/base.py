"""`tensorflow.python.trackable.base`."""

from tfcompat._tracking import (
    NoDependency,
    Trackable,
    TrackableReference,
    no_automatic_dependency_tracking,
)

__all__ = ["NoDependency", "Trackable", "TrackableReference", "no_automatic_dependency_tracking"]

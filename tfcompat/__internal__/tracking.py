"""`tf.__internal__.tracking`: the bases of objects that checkpoints save."""

from tfcompat._tracking import AutoTrackable, Trackable, no_automatic_dependency_tracking

__all__ = ["AutoTrackable", "Trackable", "no_automatic_dependency_tracking"]

"""Object tracking: the base that `tf.Module`, Keras layers and `tf.train.Checkpoint` share.

A `Trackable` names its children (other trackables) and, if it holds state, serializes it
to tensors; a checkpoint is the graph of children from a root plus those tensors.
`AutoTrackable` adds a child whenever a trackable is assigned to an attribute, and wraps
plain lists and dicts so their trackable elements become children too (`ListWrapper`,
`_DictWrapper`), as TensorFlow's `tf.__internal__.tracking` does. The attribute names of
the bookkeeping are TF's (Keras's saving code skips them by name).

Differences from TensorFlow:
  Tuples are not wrapped: a tuple attribute is walked by `tf.Module.variables` but its
  elements are not checkpoint children.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = [
    "AutoTrackable",
    "ListWrapper",
    "NoDependency",
    "Trackable",
    "TrackableReference",
    "no_automatic_dependency_tracking",
    "sticky_attribute_assignment",
    "wrap_or_unwrap",
]

_F = TypeVar("_F", bound=Callable[..., Any])


class TrackableReference:
    """A named edge from a trackable to one of its children.

    A plain object as in TF, not a tuple: Keras's saving code walks tuples in attributes
    as containers of layers, so a tuple here would be saved and loaded as one.
    """

    __slots__ = ("_name", "_ref")

    def __init__(self, name: str, ref: Trackable) -> None:
        self._name = name
        self._ref = ref

    @property
    def name(self) -> str:
        return self._name

    @property
    def ref(self) -> Trackable:
        return self._ref

    def __iter__(self) -> Iterator[Any]:
        yield self._name
        yield self._ref

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self._name}, ref={self._ref})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, tuple):
            return (self._name, self._ref) == other
        if isinstance(other, TrackableReference):
            return self._name == other._name and self._ref == other._ref
        return False

    __hash__ = None  # type: ignore[assignment]


class Trackable:
    """tfcompat implementation of `tf.__internal__.tracking.Trackable`.

    Holds no state until a child is added, so any class can mix it in.
    """

    def _maybe_initialize_trackable(self) -> None:
        if "_self_unconditional_dependency_names" in self.__dict__:
            return
        d = self.__dict__
        d["_self_unconditional_checkpoint_dependencies"] = []
        d["_self_unconditional_dependency_names"] = {}
        d["_self_unconditional_deferred_dependencies"] = {}
        d["_self_update_uid"] = -1

    @property
    def _setattr_tracking(self) -> bool:
        return bool(getattr(self, "_self_setattr_tracking", True))

    @_setattr_tracking.setter
    def _setattr_tracking(self, value: bool) -> None:
        self.__dict__["_self_setattr_tracking"] = value

    @property
    def _unconditional_checkpoint_dependencies(self) -> list[TrackableReference]:
        self._maybe_initialize_trackable()
        return list(self.__dict__["_self_unconditional_checkpoint_dependencies"])

    def _track_trackable(self, trackable: Any, name: str, overwrite: bool = False) -> Any:
        """Add `trackable` as the child `name` (replacing an old one when `overwrite`)."""
        self._maybe_initialize_trackable()
        if not isinstance(trackable, Trackable):
            raise TypeError(
                f"Trackable._track_trackable() passed type {type(trackable)}, not a Trackable."
            )
        names: dict[str, Trackable] = self.__dict__["_self_unconditional_dependency_names"]
        deps: list[TrackableReference] = self.__dict__[
            "_self_unconditional_checkpoint_dependencies"
        ]
        current = names.get(name)
        if current is not None and current is not trackable:
            if not overwrite:
                raise ValueError(
                    f"Called Trackable._track_trackable() with name='{name}', but a "
                    "Trackable with this name is already declared as a dependency. "
                    "Names must be unique (or overwrite=True)."
                )
            # Replaced in place: the child keeps its position (TF's order of children).
            deps[:] = [TrackableReference(name, trackable) if r.name == name else r for r in deps]
            names[name] = trackable
        elif current is None:
            deps.append(TrackableReference(name, trackable))
            names[name] = trackable
        deferred = self.__dict__["_self_unconditional_deferred_dependencies"].pop(name, None)
        if deferred is not None:
            deferred(trackable)
        return trackable

    def _restore_deferred(self, name: str, value: Any) -> None:
        """Run a delayed restoration waiting for child `name` (list and dict elements)."""
        if isinstance(value, Trackable):
            self._maybe_initialize_trackable()
            pending = self.__dict__["_self_unconditional_deferred_dependencies"].pop(name, None)
            if pending is not None:
                pending(value)

    def _lookup_dependency(self, name: str) -> Any:
        self._maybe_initialize_trackable()
        return self.__dict__["_self_unconditional_dependency_names"].get(name)

    def _defer_restore(self, name: str, restore: Callable[[Trackable], None]) -> None:
        """Run `restore(child)` when a child called `name` is added (delayed restoration)."""
        self._maybe_initialize_trackable()
        self.__dict__["_self_unconditional_deferred_dependencies"][name] = restore

    def _trackable_children(self, save_type: str = "checkpoint", **kwargs: Any) -> dict[str, Any]:
        """The children saved with this object, by name."""
        self._maybe_initialize_trackable()
        return {r.name: r.ref for r in self.__dict__["_self_unconditional_checkpoint_dependencies"]}

    def _serialize_to_tensors(self) -> dict[str, Any]:
        """The tensors this object saves, by attribute name (none by default)."""
        raise NotImplementedError

    def _restore_from_tensors(self, restored_tensors: dict[str, Any]) -> Any:
        raise NotImplementedError


class NoDependency:
    """Assigned to an `AutoTrackable` attribute, stores `value` without tracking it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def no_automatic_dependency_tracking(method: _F) -> _F:
    """tfcompat implementation of `tf.__internal__.tracking.no_automatic_dependency_tracking`.

    Attribute assignments inside `method` add no children and wrap no containers.
    """

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        previous = getattr(self, "_self_setattr_tracking", True)
        object.__setattr__(self, "_self_setattr_tracking", False)
        try:
            return method(self, *args, **kwargs)
        finally:
            object.__setattr__(self, "_self_setattr_tracking", previous)

    return wrapper  # type: ignore[return-value]


def wrap_or_unwrap(value: Any) -> Any:
    """A plain list or dict becomes a tracking wrapper; `NoDependency` is unwrapped."""
    if isinstance(value, NoDependency):
        return value.value
    if isinstance(value, Trackable):
        return value
    if type(value) is dict or type(value) is collections.OrderedDict:
        return _DictWrapper(value)
    if type(value) is list:
        return ListWrapper(value)
    return value


def sticky_attribute_assignment(trackable: Trackable, name: str, value: Any) -> Any:
    """Track `value` as the child `name` of `trackable`; return what to store."""
    add_dependency = not isinstance(value, NoDependency)
    value = wrap_or_unwrap(value)
    if add_dependency and isinstance(value, Trackable):
        trackable._track_trackable(value, name=name, overwrite=True)
    return value


class AutoTrackable(Trackable):
    """tfcompat implementation of `tf.__internal__.tracking.AutoTrackable`."""

    def __setattr__(self, name: str, value: Any) -> None:
        try:
            if getattr(self, name) is value:
                return  # `self.x = self.x`
        except AttributeError:
            pass
        if getattr(self, "_self_setattr_tracking", True):
            value = sticky_attribute_assignment(self, name, value)
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        self._maybe_initialize_trackable()
        names = self.__dict__["_self_unconditional_dependency_names"]
        if name in names:
            del names[name]
            deps = self.__dict__["_self_unconditional_checkpoint_dependencies"]
            deps[:] = [r for r in deps if r.name != name]
        super().__delattr__(name)


class ListWrapper(Trackable, list[Any]):
    """A list whose trackable elements are checkpoint children named by index."""

    def __init__(self, wrapped_list: Iterable[Any] = ()) -> None:
        list.__init__(self, (wrap_or_unwrap(v) for v in wrapped_list))

    def _trackable_children(self, save_type: str = "checkpoint", **kwargs: Any) -> dict[str, Any]:
        children = super()._trackable_children(save_type, **kwargs)
        for i, v in enumerate(self):
            if isinstance(v, Trackable):
                children[str(i)] = v
        return children

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = [wrap_or_unwrap(v) for v in value]
        else:
            value = wrap_or_unwrap(value)
        list.__setitem__(self, key, value)
        if isinstance(key, int):
            self._restore_deferred(str(key % len(self)), value)

    def append(self, value: Any) -> None:
        value = wrap_or_unwrap(value)
        list.append(self, value)
        self._restore_deferred(str(len(self) - 1), value)

    def extend(self, values: Iterable[Any]) -> None:
        for v in values:
            self.append(v)

    def insert(self, index: Any, value: Any) -> None:
        list.insert(self, index, wrap_or_unwrap(value))

    def __iadd__(self, values: Iterable[Any]) -> ListWrapper:  # type: ignore[misc]
        self.extend(values)
        return self

    def __eq__(self, other: object) -> bool:
        return list.__eq__(self, other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"ListWrapper({list.__repr__(self)})"


class _DictWrapper(Trackable, dict[Any, Any]):
    """A dict whose trackable values are checkpoint children named by key."""

    def __init__(self, wrapped_dict: Any = None) -> None:
        dict.__init__(self)
        if wrapped_dict is not None:
            for k, v in dict(wrapped_dict).items():
                dict.__setitem__(self, k, wrap_or_unwrap(v))

    def _trackable_children(self, save_type: str = "checkpoint", **kwargs: Any) -> dict[str, Any]:
        children = super()._trackable_children(save_type, **kwargs)
        for k, v in self.items():
            if isinstance(v, Trackable):
                if not isinstance(k, str):
                    raise ValueError(
                        "Unable to save the object "
                        f"{self!r} (a dictionary wrapper constructed automatically on "
                        "attribute assignment). The wrapped dictionary contains a "
                        "non-string key which maps to a trackable object or mutable data "
                        "structure.\n\nIf you don't need this dictionary checkpointed, "
                        "wrap it in a non-trackable object; it will be subsequently "
                        "ignored."
                    )
                children[k] = v
        return children

    def __setitem__(self, key: Any, value: Any) -> None:
        value = wrap_or_unwrap(value)
        dict.__setitem__(self, key, value)
        if isinstance(key, str):
            self._restore_deferred(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    __hash__ = None

    def __repr__(self) -> str:
        return f"DictWrapper({dict.__repr__(self)})"

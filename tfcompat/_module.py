"""`tf.Module`: a named container of variables and sub-modules, found by walking attributes.

As in TensorFlow, `variables`, `trainable_variables` and `submodules` walk the module's
attributes (sorted by name) and the lists, tuples and dicts in them, then the
sub-modules' attributes, each object once. A module is an `AutoTrackable`, so the same
objects are its checkpoint children.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from tfcompat._core.name_scope import name_scope as _name_scope
from tfcompat._core.variable import Variable
from tfcompat._tracking import AutoTrackable

__all__ = ["Module"]

_CAMEL_TO_SNAKE = re.compile(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))")
_VALID_IDENTIFIER = re.compile(r"^[a-zA-Z_]([a-zA-Z0-9_])*$")


def camel_to_snake(value: str) -> str:
    """TF's module naming: `MyDense` -> `my_dense`."""
    return _CAMEL_TO_SNAKE.sub(r"_\1", value).lower()


class Module(AutoTrackable):
    """tfcompat implementation of `tf.Module`."""

    # The tracking bookkeeping is not walked for variables.
    _TF_MODULE_IGNORED_PROPERTIES = frozenset(
        (
            "_self_unconditional_checkpoint_dependencies",
            "_self_unconditional_dependency_names",
            "_self_unconditional_deferred_dependencies",
            "_self_update_uid",
            "_self_setattr_tracking",
        )
    )

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = camel_to_snake(type(self).__name__)
        elif not _VALID_IDENTIFIER.match(name):
            raise ValueError(
                f"{name!r} is not a valid module name. Module names must be valid Python "
                "identifiers (e.g. a valid class name)."
            )
        self._name = name
        with _name_scope(name) as scope_name:
            self._name_scope = _name_scope(scope_name)

    @property
    def name(self) -> str:
        """The module's name (the class name in snake case unless given)."""
        return self._name

    @property
    def name_scope(self) -> _name_scope:
        """The name scope of this module (variables made inside it are named under it)."""
        return self._name_scope

    @property
    def variables(self) -> tuple[Any, ...]:
        """Variables of this module and its sub-modules, each once."""
        return tuple(self._flatten(predicate=_is_variable, expand_composites=True))

    @property
    def trainable_variables(self) -> tuple[Any, ...]:
        """Trainable variables of this module and its sub-modules, each once."""
        return tuple(self._flatten(predicate=_is_trainable_variable, expand_composites=True))

    @property
    def non_trainable_variables(self) -> tuple[Any, ...]:
        """Non-trainable variables of this module and its sub-modules, each once."""
        return tuple(self._flatten(predicate=_is_non_trainable_variable, expand_composites=True))

    @property
    def submodules(self) -> tuple[Module, ...]:
        """Every module reachable from this one (breadth first by attribute), each once."""
        return tuple(self._flatten(predicate=_is_module))

    def _flatten(
        self,
        recursive: bool = True,
        predicate: Callable[[Any], bool] | None = None,
        attribute_traversal_key: Callable[[str], Any] | None = None,
        with_path: bool = False,
        expand_composites: bool = False,
    ) -> Iterator[Any]:
        """The objects in this module's attributes (and sub-modules') that satisfy `predicate`."""
        if predicate is None:
            predicate = lambda _: True  # noqa: E731
        return _flatten_module(
            self,
            recursive=recursive,
            predicate=predicate,
            attribute_traversal_key=attribute_traversal_key,
            attributes_to_ignore=self._TF_MODULE_IGNORED_PROPERTIES,
            with_path=with_path,
            module_path=(),
            seen=None,
            recursion_stack=None,
        )

    @classmethod
    def with_name_scope(cls, method: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: run `method` inside the module's name scope."""

        @functools.wraps(method)
        def method_with_name_scope(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return method_with_name_scope

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {id(self):#x}>"


Module.__module__ = "tfcompat"


def _is_variable(obj: Any) -> bool:
    return isinstance(obj, Variable)


def _is_trainable_variable(obj: Any) -> bool:
    return _is_variable(obj) and bool(getattr(obj, "trainable", False))


def _is_non_trainable_variable(obj: Any) -> bool:
    return _is_variable(obj) and not getattr(obj, "trainable", False)


def _is_module(obj: Any) -> bool:
    return isinstance(obj, Module)


def _leaves(value: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, leaf) for the leaves of lists, tuples and dicts in `value` (dicts by key)."""
    if isinstance(value, Mapping):
        for k in sorted(value, key=_sort_key):
            yield from _leaves(value[k], (*path, k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


def _sort_key(k: Any) -> Any:
    return (type(k).__name__, k) if not isinstance(k, str) else ("str", k)


def _flatten_module(
    module: Module,
    recursive: bool,
    predicate: Callable[[Any], bool],
    attribute_traversal_key: Callable[[str], Any] | None,
    attributes_to_ignore: frozenset[str],
    with_path: bool,
    module_path: tuple[Any, ...],
    seen: set[int] | None,
    recursion_stack: list[int] | None,
) -> Iterator[Any]:
    module_id = id(module)
    if seen is None:
        seen = {module_id}
    if recursion_stack is None:
        recursion_stack = []
    if module_id in recursion_stack:
        recursive = False
    module_dict = vars(module)
    submodules: list[tuple[tuple[Any, ...], Module]] = []
    for key in sorted(module_dict, key=attribute_traversal_key):
        if key in attributes_to_ignore:
            continue
        for leaf_path, leaf in _leaves(module_dict[key], (key,)):
            if not with_path:
                if id(leaf) in seen:
                    continue
                seen.add(id(leaf))
            if predicate(leaf):
                yield (module_path + leaf_path, leaf) if with_path else leaf
            if recursive and _is_module(leaf):
                submodules.append((module_path + leaf_path, leaf))
    recursion_stack.append(module_id)
    for sub_path, sub in submodules:
        yield from _flatten_module(
            sub,
            recursive=recursive,
            predicate=predicate,
            attribute_traversal_key=attribute_traversal_key,
            attributes_to_ignore=attributes_to_ignore,
            with_path=with_path,
            module_path=sub_path,
            seen=seen,
            recursion_stack=recursion_stack,
        )
    recursion_stack.pop()

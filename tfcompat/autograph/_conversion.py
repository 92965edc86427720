"""Converting functions: source, AST rewrite, compile, cache; `converted_call`.

A function is converted from its source (`inspect.getsource`), rewritten by
`_transformer.convert_function_def`, wrapped in a factory whose parameters are `ag__` (the
operators module) and the function's free variables, and compiled under the original file
name with the original line numbers. The compiled code is cached per code object; each
function object gets a new function over that code with its own closure cells (so a
closure still sees its enclosing variables), globals, defaults and attributes.

Library code is never converted, as TF skips its own modules: functions of tfcompat, JAX,
NumPy, Keras, TensorFlow, optax and the standard library, lambdas, generators, classes and
builtins run as they are.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import inspect
import logging
import sysconfig
import textwrap
import threading
import types
import weakref
from typing import Any

__all__ = [
    "ConversionError",
    "autograph_artifact",
    "convert",
    "converted_call",
    "do_not_convert",
    "is_converted",
]

_tf_logger = logging.getLogger("tensorflow")

_LIBRARIES = frozenset(
    {
        "tfcompat",
        "jax",
        "jaxlib",
        "numpy",
        "keras",
        "tensorflow",
        "tf_keras",
        "optax",
        "scipy",
        "flax",
        "pytest",
        "_pytest",
        "hypothesis",
    }
)
_STDLIB = tuple(
    p for p in {sysconfig.get_paths().get("stdlib"), sysconfig.get_paths().get("platstdlib")} if p
)

_ARTIFACT = "__ag_artifact__"
_DO_NOT_CONVERT = "__ag_do_not_convert__"


class ConversionError(Exception):
    """The function's source could not be converted."""


def autograph_artifact(fn: Any) -> Any:
    """Marks a function defined by converted code (it is converted already)."""
    with contextlib.suppress(AttributeError, TypeError):  # not a function: nothing to mark
        setattr(fn, _ARTIFACT, True)
    return fn


def is_converted(fn: Any) -> bool:
    return bool(getattr(getattr(fn, "__func__", fn), _ARTIFACT, False))


def do_not_convert(func: Any = None) -> Any:
    """tfcompat implementation of `tf.autograph.experimental.do_not_convert`: `func` runs
    as written (no AutoGraph) when a converted function calls it or `tf.function`
    decorates it."""
    if func is None:
        return do_not_convert

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    setattr(wrapper, _DO_NOT_CONVERT, True)
    return wrapper


def _is_library(fn: Any) -> bool:
    module = getattr(fn, "__module__", None) or ""
    if module.split(".")[0] in _LIBRARIES:
        return True
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", "")
    return bool(_STDLIB) and filename.startswith(_STDLIB) and "site-packages" not in filename


def _convertible(fn: Any) -> bool:
    """Whether `fn` (a plain function) is user code AutoGraph converts."""
    if not isinstance(fn, types.FunctionType):
        return False
    if getattr(fn, _ARTIFACT, False) or getattr(fn, _DO_NOT_CONVERT, False):
        return False
    if fn.__name__ == "<lambda>" or _is_library(fn):
        return False
    flags = fn.__code__.co_flags
    return not flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR)


# --------------------------------------------------------------------------------------
# Conversion and cache
# --------------------------------------------------------------------------------------

_CODE_CACHE: dict[types.CodeType, tuple[types.CodeType, Any, ast.FunctionDef]] = {}
_FN_CACHE: weakref.WeakKeyDictionary[Any, types.FunctionType] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()
_FACTORY = "__ag_factory"


def _parse(fn: types.FunctionType) -> ast.FunctionDef:
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError) as e:
        raise ConversionError(f"could not get source code: {e}") from None
    source = textwrap.dedent(source)
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        raise ConversionError(f"could not parse the source code: {e}") from None
    if not tree.body or not isinstance(tree.body[0], ast.FunctionDef):
        raise ConversionError("the source code is not a function definition")
    node = tree.body[0]
    ast.increment_lineno(tree, fn.__code__.co_firstlineno - 1)
    return node


def _compile(fn: types.FunctionType) -> tuple[types.CodeType, Any, ast.FunctionDef]:
    from tfcompat.autograph import _transformer, operators

    code = fn.__code__
    hit = _CODE_CACHE.get(code)
    if hit is not None:
        return hit
    node = _parse(fn)
    try:
        converted = _transformer.convert_function_def(node)
    except _transformer.ConversionError as e:
        raise ConversionError(str(e)) from None
    freevars = [v for v in code.co_freevars if v != "ag__"]
    factory = ast.FunctionDef(
        name=_FACTORY,
        args=ast.arguments(
            posonlyargs=[],
            args=[ast.arg(arg=a) for a in ["ag__", *freevars]],
            vararg=None,
            kwonlyargs=[],
            kw_defaults=[],
            kwarg=None,
            defaults=[],
        ),
        body=[converted, ast.Return(value=ast.Name(id=converted.name, ctx=ast.Load()))],
        decorator_list=[],
        returns=None,
    )
    ast.copy_location(factory, converted)
    module = ast.Module(body=[factory], type_ignores=[])
    ast.fix_missing_locations(module)
    compiled = compile(module, code.co_filename, "exec", dont_inherit=True)
    namespace: dict[str, Any] = {}
    exec(compiled, fn.__globals__, namespace)  # defines the factory only
    inner = namespace[_FACTORY](operators, *([None] * len(freevars)))
    cells = dict(zip(inner.__code__.co_freevars, inner.__closure__ or (), strict=True))
    result = (inner.__code__, cells.get("ag__"), converted)
    _CODE_CACHE[code] = result
    return result


def convert(fn: Any) -> Any:
    """The converted form of a function or bound method (cached); raises ConversionError."""
    if isinstance(fn, types.MethodType):
        return types.MethodType(convert(fn.__func__), fn.__self__)
    if not isinstance(fn, types.FunctionType):
        raise ConversionError(f"{fn!r} is not a Python function")
    with _LOCK:
        hit = _FN_CACHE.get(fn)
        if hit is not None:
            return hit
        code, ag_cell, _ = _compile(fn)
        own = dict(zip(fn.__code__.co_freevars, fn.__closure__ or (), strict=True))
        closure = []
        for name in code.co_freevars:
            if name == "ag__":
                closure.append(ag_cell)
            elif name in own:
                closure.append(own[name])
            else:
                closure.append(types.CellType())
        new = types.FunctionType(code, fn.__globals__, fn.__name__, fn.__defaults__, tuple(closure))
        new.__kwdefaults__ = fn.__kwdefaults__
        new.__qualname__ = fn.__qualname__
        new.__doc__ = fn.__doc__
        new.__module__ = fn.__module__
        new.__annotations__ = dict(getattr(fn, "__annotations__", {}) or {})
        new.__dict__.update(fn.__dict__)
        setattr(new, _ARTIFACT, True)
        new.__wrapped__ = fn  # type: ignore[attr-defined]
        _FN_CACHE[fn] = new
        return new


def to_source(fn: Any) -> str:
    """The converted source of a function, as Python text."""
    target = getattr(fn, "__func__", fn)
    if not isinstance(target, types.FunctionType):
        raise ConversionError(f"{fn!r} is not a Python function")
    with _LOCK:
        _, _, node = _compile(target)
    return ast.unparse(node) + "\n"


_WARNED: set[Any] = set()


def warn_unconverted(fn: Any, cause: BaseException) -> None:
    """TF's warning (on the "tensorflow" logger) for a function run without conversion."""
    key = getattr(fn, "__code__", id(fn))
    if key in _WARNED:
        return
    _WARNED.add(key)
    _tf_logger.warning(
        "AutoGraph could not transform %s and will run it as-is.\nCause: %s\nTo silence this "
        "warning, decorate the function with @tf.autograph.experimental.do_not_convert",
        fn,
        cause,
    )


def maybe_convert(fn: Any) -> Any:
    """`fn` converted when it is user code, else `fn` (with TF's warning on failure)."""
    target = fn.__func__ if isinstance(fn, types.MethodType) else fn
    if not _convertible(target):
        return fn
    try:
        return convert(fn)
    except ConversionError as e:
        warn_unconverted(fn, e)
        return fn


# --------------------------------------------------------------------------------------
# converted_call
# --------------------------------------------------------------------------------------


def converted_call(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None) -> Any:
    """A call in converted code: user functions are converted (recursively) first."""
    if kwargs is None:
        kwargs = {}
    if isinstance(f, (types.FunctionType, types.MethodType)):
        return maybe_convert(f)(*args, **kwargs)
    if isinstance(f, functools.partial):
        return converted_call(f.func, (*f.args, *args), {**f.keywords, **kwargs})
    if f is range and any(_is_tensor(a) for a in args):
        from tfcompat._api import array_ops

        return array_ops.range(*args, **kwargs)
    if (
        not isinstance(f, type)
        and not isinstance(f, (types.BuiltinFunctionType, types.BuiltinMethodType))
        and not hasattr(f, "_python_function")
    ):
        call = getattr(type(f), "__call__", None)  # noqa: B004 (the class's own method)
        if isinstance(call, types.FunctionType) and _convertible(call):
            return maybe_convert(types.MethodType(call, f))(*args, **kwargs)
    return f(*args, **kwargs)


def _is_tensor(x: Any) -> bool:
    from tfcompat._core.tensor import Tensor
    from tfcompat._core.variable import Variable

    return isinstance(x, (Tensor, Variable))

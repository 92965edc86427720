"""TensorFlow's exception classes (`tf.errors`), with TF's hierarchy and codes.

`InvalidArgumentError` subclasses `OpError`, which subclasses `Exception` only: code
that catches `ValueError` misses it, exactly as in TensorFlow.
"""

from __future__ import annotations

from typing import Any

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """tfcompat implementation of `tf.errors.OpError`."""

    def __init__(self, node_def: Any, op: Any, message: str, error_code: int, *args: Any) -> None:
        super().__init__()
        self._node_def = node_def
        self._op = op
        self._message = message
        self._error_code = error_code
        self._experimental_payloads: dict[bytes, bytes] = {}
        self.args = args

    def __reduce__(self) -> Any:
        init_argspec = (self._node_def, self._op, self._message)
        if type(self) is OpError:
            init_argspec = (*init_argspec, self._error_code)
        return type(self), init_argspec

    @property
    def message(self) -> str:
        return self._message

    @property
    def op(self) -> Any:
        return self._op

    @property
    def error_code(self) -> int:
        return self._error_code

    @property
    def node_def(self) -> Any:
        return self._node_def

    @property
    def experimental_payloads(self) -> dict[bytes, bytes]:
        return self._experimental_payloads

    def __str__(self) -> str:
        return self._message


def _make(name: str, code: int) -> type[OpError]:
    def __init__(self: OpError, node_def: Any, op: Any, message: str, *args: Any) -> None:
        OpError.__init__(self, node_def, op, message, code, *args)

    cls = type(name, (OpError,), {"__init__": __init__, "__doc__": f"tfcompat implementation of `tf.errors.{name}`."})
    cls.__module__ = __name__
    return cls


CancelledError = _make("CancelledError", CANCELLED)
UnknownError = _make("UnknownError", UNKNOWN)
InvalidArgumentError = _make("InvalidArgumentError", INVALID_ARGUMENT)
DeadlineExceededError = _make("DeadlineExceededError", DEADLINE_EXCEEDED)
NotFoundError = _make("NotFoundError", NOT_FOUND)
AlreadyExistsError = _make("AlreadyExistsError", ALREADY_EXISTS)
PermissionDeniedError = _make("PermissionDeniedError", PERMISSION_DENIED)
UnauthenticatedError = _make("UnauthenticatedError", UNAUTHENTICATED)
ResourceExhaustedError = _make("ResourceExhaustedError", RESOURCE_EXHAUSTED)
FailedPreconditionError = _make("FailedPreconditionError", FAILED_PRECONDITION)
AbortedError = _make("AbortedError", ABORTED)
OutOfRangeError = _make("OutOfRangeError", OUT_OF_RANGE)
UnimplementedError = _make("UnimplementedError", UNIMPLEMENTED)
InternalError = _make("InternalError", INTERNAL)
UnavailableError = _make("UnavailableError", UNAVAILABLE)
DataLossError = _make("DataLossError", DATA_LOSS)


class OperatorNotAllowedInGraphError(TypeError):
    """tfcompat implementation of `tf.errors.OperatorNotAllowedInGraphError`."""


_CPU_PREFIX = "{{{{function_node __wrapped__{op}_device_/job:localhost/replica:0/task:0/device:CPU:0}}}} "


def kernel_error(
    op: str, message: str, cls: type[OpError] = InvalidArgumentError, *, prefix: bool = True, name: str | None = ""
) -> OpError:
    """An eager kernel error with TF's text: `{{function_node ...}} msg [Op:Op] name: `."""
    head = _CPU_PREFIX.format(op=op) if prefix else ""
    tail = "" if name is None else f" name: {name}"
    return cls(None, None, f"{head}{message} [Op:{op}]{tail}")


_TF_TYPE_LIST = {
    "float": "DT_FLOAT", "double": "DT_DOUBLE", "half": "DT_HALF", "bfloat16": "DT_BFLOAT16",
    "complex64": "DT_COMPLEX64", "complex128": "DT_COMPLEX128", "int8": "DT_INT8", "int16": "DT_INT16",
    "int32": "DT_INT32", "int64": "DT_INT64", "uint8": "DT_UINT8", "uint16": "DT_UINT16",
    "uint32": "DT_UINT32", "uint64": "DT_UINT64", "bool": "DT_BOOL", "qint8": "DT_QINT8", "string": "DT_STRING",
}


def attr_type_error(op: str, dtype: Any, allowed: tuple[str, ...], signature: str) -> OpError:
    """TF's error for an op applied to a dtype its kernel does not register."""
    enums = ", ".join(_TF_TYPE_LIST[a] for a in allowed)
    return InvalidArgumentError(
        None,
        None,
        f"Value for attr 'T' of {dtype._tf_type_name} is not in the list of allowed values: {', '.join(allowed)}"
        f"\n\t; NodeDef: {{{{node {op}}}}}; Op<name={op}; signature={signature}; attr=T:type,allowed=[{enums}]> "
        f"[Op:{op}] name: ",
    )


def dtype_mismatch(op: str, index: int, expected: Any, got: Any) -> OpError:
    """TF's eager dispatch error for inputs of different dtypes (no implicit promotion)."""
    return InvalidArgumentError(
        None,
        None,
        f"cannot compute {op} as input #{index}(zero-based) was expected to be a "
        f"{expected._tf_type_name} tensor but is a {got._tf_type_name} tensor [Op:{op}] name: ",
    )

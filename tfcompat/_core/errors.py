"""TensorFlow's exception classes (`tf.errors`), with TF's hierarchy and codes.

`InvalidArgumentError` subclasses `OpError`, which subclasses `Exception` only: code
that catches `ValueError` misses it, exactly as in TensorFlow.
"""

from __future__ import annotations

from typing import Any

# Exactly TF's `tf.errors` names (the helpers below are tfcompat-internal).
__all__ = [
    "ABORTED",
    "ALREADY_EXISTS",
    "CANCELLED",
    "DATA_LOSS",
    "DEADLINE_EXCEEDED",
    "FAILED_PRECONDITION",
    "INTERNAL",
    "INVALID_ARGUMENT",
    "NOT_FOUND",
    "OK",
    "OUT_OF_RANGE",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "UNAUTHENTICATED",
    "UNAVAILABLE",
    "UNIMPLEMENTED",
    "UNKNOWN",
    "AbortedError",
    "AlreadyExistsError",
    "CancelledError",
    "DataLossError",
    "DeadlineExceededError",
    "FailedPreconditionError",
    "InternalError",
    "InvalidArgumentError",
    "NotFoundError",
    "OpError",
    "OperatorNotAllowedInGraphError",
    "OutOfRangeError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "UnknownError",
]  # fmt: skip

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

    def __reduce__(self) -> Any:
        init_argspec: tuple[Any, ...] = (self._node_def, self._op, self._message)
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


def _coded_init(self: Any, node_def: Any, op: Any, message: str, *args: Any) -> None:
    """`__init__` of the OpError subclasses: TF's `(node_def, op, message, *args)`."""
    OpError.__init__(self, node_def, op, message, type(self)._code, *args)


# Each subclass derives from OpError directly, so the MRO is TF's (X -> OpError -> Exception).


class CancelledError(OpError):
    _code = CANCELLED
    __init__ = _coded_init


class UnknownError(OpError):
    _code = UNKNOWN
    __init__ = _coded_init


class InvalidArgumentError(OpError):
    _code = INVALID_ARGUMENT
    __init__ = _coded_init


class DeadlineExceededError(OpError):
    _code = DEADLINE_EXCEEDED
    __init__ = _coded_init


class NotFoundError(OpError):
    _code = NOT_FOUND
    __init__ = _coded_init


class AlreadyExistsError(OpError):
    _code = ALREADY_EXISTS
    __init__ = _coded_init


class PermissionDeniedError(OpError):
    _code = PERMISSION_DENIED
    __init__ = _coded_init


class UnauthenticatedError(OpError):
    _code = UNAUTHENTICATED
    __init__ = _coded_init


class ResourceExhaustedError(OpError):
    _code = RESOURCE_EXHAUSTED
    __init__ = _coded_init


class FailedPreconditionError(OpError):
    _code = FAILED_PRECONDITION
    __init__ = _coded_init


class AbortedError(OpError):
    _code = ABORTED
    __init__ = _coded_init


class OutOfRangeError(OpError):
    _code = OUT_OF_RANGE
    __init__ = _coded_init


class UnimplementedError(OpError):
    _code = UNIMPLEMENTED
    __init__ = _coded_init


class InternalError(OpError):
    _code = INTERNAL
    __init__ = _coded_init


class UnavailableError(OpError):
    _code = UNAVAILABLE
    __init__ = _coded_init


class DataLossError(OpError):
    _code = DATA_LOSS
    __init__ = _coded_init


for _cls in OpError.__subclasses__():
    _cls.__doc__ = f"tfcompat implementation of `tf.errors.{_cls.__name__}`."


class OperatorNotAllowedInGraphError(TypeError):
    """tfcompat implementation of `tf.errors.OperatorNotAllowedInGraphError`."""


_CPU_PREFIX = (
    "{{{{function_node __wrapped__{op}_device_/job:localhost/replica:0/task:0/device:CPU:0}}}} "
)


def kernel_error(
    op: str,
    message: str,
    cls: Any = InvalidArgumentError,
    *,
    prefix: bool = True,
    name: str | None = "",
) -> OpError:
    """An eager kernel error with TF's text: `{{function_node ...}} msg [Op:Op] name: `."""
    head = _CPU_PREFIX.format(op=op) if prefix else ""
    tail = "" if name is None else f" name: {name}"
    return cls(None, None, f"{head}{message} [Op:{op}]{tail}")


_TF_TYPE_LIST = {
    "float": "DT_FLOAT",
    "double": "DT_DOUBLE",
    "half": "DT_HALF",
    "bfloat16": "DT_BFLOAT16",
    "complex64": "DT_COMPLEX64",
    "complex128": "DT_COMPLEX128",
    "int8": "DT_INT8",
    "int16": "DT_INT16",
    "int32": "DT_INT32",
    "int64": "DT_INT64",
    "uint8": "DT_UINT8",
    "uint16": "DT_UINT16",
    "uint32": "DT_UINT32",
    "uint64": "DT_UINT64",
    "bool": "DT_BOOL",
    "qint8": "DT_QINT8",
    "string": "DT_STRING",
}


def attr_type_error(op: str, dtype: Any, allowed: tuple[str, ...], signature: str) -> OpError:
    """TF's error for an op applied to a dtype its kernel does not register."""
    enums = ", ".join(_TF_TYPE_LIST[a] for a in allowed)
    return InvalidArgumentError(
        None,
        None,
        f"Value for attr 'T' of {dtype._tf_type_name} is not in the list of allowed values: "
        f"{', '.join(allowed)}\n\t; NodeDef: {{{{node {op}}}}}; "
        f"Op<name={op}; signature={signature}; attr=T:type,allowed=[{enums}]> [Op:{op}] name: ",
    )


def dtype_mismatch(op: str, index: int, expected: Any, got: Any) -> OpError:
    """TF's eager dispatch error for inputs of different dtypes (no implicit promotion)."""
    return InvalidArgumentError(
        None,
        None,
        f"cannot compute {op} as input #{index}(zero-based) was expected to be a "
        f"{expected._tf_type_name} tensor but is a {got._tf_type_name} tensor [Op:{op}] name: ",
    )

"""TF's protocol buffer messages (`tf.train.Example`, `TensorProto`), built with `protobuf`.

The messages are declared here field for field as in TF's `example.proto`,
`feature.proto`, `tensor.proto` and `tensor_shape.proto` (same names, numbers and types),
so their wire format is TF's: an `Example` serialized by TensorFlow parses here and vice
versa. They live in a descriptor pool of their own, so they coexist with TensorFlow's
classes in one process.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import (  # type: ignore[import-untyped]
    descriptor_pb2,
    descriptor_pool,
    message_factory,
)

__all__ = [
    "BytesList",
    "Example",
    "Feature",
    "FeatureList",
    "FeatureLists",
    "Features",
    "FloatList",
    "Int64List",
    "SequenceExample",
    "TensorProto",
    "TensorShapeProto",
]

_F = descriptor_pb2.FieldDescriptorProto
_OPT, _REP = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED


def _message(
    file: Any, name: str, fields: list[tuple[str, int, int, int, str]], *, packed: bool = False
) -> Any:
    """Add message `name` with fields (name, number, label, type, type_name)."""
    msg = file.message_type.add(name=name)
    for fname, number, label, ftype, type_name in fields:
        field = msg.field.add(name=fname, number=number, label=label, type=ftype)
        if type_name:
            field.type_name = type_name
        if packed and label == _REP and ftype not in (_F.TYPE_BYTES, _F.TYPE_STRING):
            field.options.packed = True
    return msg


def _map_field(msg: Any, name: str, number: int, value_type: str) -> None:
    """A `map<string, value_type>` field: a repeated nested `...Entry` message."""
    entry_name = "".join(part.capitalize() for part in name.split("_")) + "Entry"
    entry = msg.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, label=_OPT, type=_F.TYPE_STRING)
    entry.field.add(name="value", number=2, label=_OPT, type=_F.TYPE_MESSAGE, type_name=value_type)
    msg.field.add(
        name=name,
        number=number,
        label=_REP,
        type=_F.TYPE_MESSAGE,
        type_name=f"{msg.name}.{entry_name}",
    )


def _build() -> dict[str, Any]:
    file = descriptor_pb2.FileDescriptorProto(
        name="tfcompat/protos.proto", package="tensorflow", syntax="proto3"
    )
    _message(file, "BytesList", [("value", 1, _REP, _F.TYPE_BYTES, "")])
    _message(file, "FloatList", [("value", 1, _REP, _F.TYPE_FLOAT, "")], packed=True)
    _message(file, "Int64List", [("value", 1, _REP, _F.TYPE_INT64, "")], packed=True)
    feature = _message(
        file,
        "Feature",
        [
            ("bytes_list", 1, _OPT, _F.TYPE_MESSAGE, "BytesList"),
            ("float_list", 2, _OPT, _F.TYPE_MESSAGE, "FloatList"),
            ("int64_list", 3, _OPT, _F.TYPE_MESSAGE, "Int64List"),
        ],
    )
    feature.oneof_decl.add(name="kind")
    for f in feature.field:
        f.oneof_index = 0
    _map_field(_message(file, "Features", []), "feature", 1, "Feature")
    _message(file, "FeatureList", [("feature", 1, _REP, _F.TYPE_MESSAGE, "Feature")])
    _map_field(_message(file, "FeatureLists", []), "feature_list", 1, "FeatureList")
    _message(file, "Example", [("features", 1, _OPT, _F.TYPE_MESSAGE, "Features")])
    _message(
        file,
        "SequenceExample",
        [
            ("context", 1, _OPT, _F.TYPE_MESSAGE, "Features"),
            ("feature_lists", 2, _OPT, _F.TYPE_MESSAGE, "FeatureLists"),
        ],
    )
    shape = _message(
        file,
        "TensorShapeProto",
        [
            ("dim", 2, _REP, _F.TYPE_MESSAGE, "TensorShapeProto.Dim"),
            ("unknown_rank", 3, _OPT, _F.TYPE_BOOL, ""),
        ],
    )
    dim = shape.nested_type.add(name="Dim")
    dim.field.add(name="size", number=1, label=_OPT, type=_F.TYPE_INT64)
    dim.field.add(name="name", number=2, label=_OPT, type=_F.TYPE_STRING)
    _message(
        file,
        "TensorProto",
        [
            # `dtype` is TF's DataType enum; an enum and an int32 share the wire format.
            ("dtype", 1, _OPT, _F.TYPE_INT32, ""),
            ("tensor_shape", 2, _OPT, _F.TYPE_MESSAGE, "TensorShapeProto"),
            ("version_number", 3, _OPT, _F.TYPE_INT32, ""),
            ("tensor_content", 4, _OPT, _F.TYPE_BYTES, ""),
            ("float_val", 5, _REP, _F.TYPE_FLOAT, ""),
            ("double_val", 6, _REP, _F.TYPE_DOUBLE, ""),
            ("int_val", 7, _REP, _F.TYPE_INT32, ""),
            ("string_val", 8, _REP, _F.TYPE_BYTES, ""),
            ("scomplex_val", 9, _REP, _F.TYPE_FLOAT, ""),
            ("int64_val", 10, _REP, _F.TYPE_INT64, ""),
            ("bool_val", 11, _REP, _F.TYPE_BOOL, ""),
            ("dcomplex_val", 12, _REP, _F.TYPE_DOUBLE, ""),
            ("half_val", 13, _REP, _F.TYPE_INT32, ""),
            ("uint32_val", 16, _REP, _F.TYPE_UINT32, ""),
            ("uint64_val", 17, _REP, _F.TYPE_UINT64, ""),
        ],
        packed=True,
    )
    for msg in file.message_type:  # qualify type names within the package
        for f in msg.field:
            if f.type_name and not f.type_name.startswith("."):
                f.type_name = f".tensorflow.{f.type_name}"
        for nested in msg.nested_type:
            for f in nested.field:
                if f.type_name and not f.type_name.startswith("."):
                    f.type_name = f".tensorflow.{f.type_name}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    classes = {}
    for msg in file.message_type:
        cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{msg.name}"))
        classes[msg.name] = cls
    return classes


_CLASSES = _build()

BytesList: Any = _CLASSES["BytesList"]
FloatList: Any = _CLASSES["FloatList"]
Int64List: Any = _CLASSES["Int64List"]
Feature: Any = _CLASSES["Feature"]
Features: Any = _CLASSES["Features"]
FeatureList: Any = _CLASSES["FeatureList"]
FeatureLists: Any = _CLASSES["FeatureLists"]
Example: Any = _CLASSES["Example"]
SequenceExample: Any = _CLASSES["SequenceExample"]
TensorShapeProto: Any = _CLASSES["TensorShapeProto"]
TensorProto: Any = _CLASSES["TensorProto"]

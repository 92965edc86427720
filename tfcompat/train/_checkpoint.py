"""`tf.train.Checkpoint`, its load statuses, and `tf.train.load_checkpoint` / `list_variables`.

A checkpoint saves the graph of trackable objects reachable from a root (children by
local name, as `_trackable_children()` lists them), breadth first from the root, plus the
tensors each object serializes (`_serialize_to_tensors()`). Each tensor is stored under
the key `<path of escaped local names>/.ATTRIBUTES/<attribute>`; the graph itself is a
`TrackableObjectGraph` protocol buffer stored as the string tensor
`_CHECKPOINTABLE_OBJECT_GRAPH`, encoded here by hand. The files are TensorFlow's tensor
bundle (see `_bundle.py`), so TensorFlow reads what tfcompat writes and the reverse.

Restoring walks the saved graph and the live objects together from the root. A saved
child that the live object does not have yet is recorded on the parent (delayed
restoration): when a child of that name is added later, it is restored then.
"""

from __future__ import annotations

import collections
import logging
import os
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tfcompat._core import errors
from tfcompat._tracking import AutoTrackable, NoDependency, Trackable
from tfcompat.train import _bundle

__all__ = [
    "Checkpoint",
    "CheckpointLoadStatus",
    "CheckpointOptions",
    "CheckpointReader",
    "InitializationOnlyStatus",
    "TrackableView",
    "list_variables",
    "load_checkpoint",
]

_tf_logger = logging.getLogger("tensorflow")

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
_ATTRIBUTES = ".ATTRIBUTES"
_ESCAPE = "."

_DTYPE_NAMES = {
    1: "float",
    2: "double",
    3: "int32",
    4: "uint8",
    5: "int16",
    6: "int8",
    7: "string",
    8: "complex64",
    9: "int64",
    10: "bool",
    14: "bfloat16",
    17: "uint16",
    18: "complex128",
    19: "half",
    22: "uint32",
    23: "uint64",
}


def escape_local_name(name: str) -> str:
    """TF's escaping of a local name inside a checkpoint key (`.` -> `..`, `/` -> `.S`)."""
    return name.replace(_ESCAPE, _ESCAPE + _ESCAPE).replace("/", _ESCAPE + "S")


# ------------------------------------------------------------------------------------
# The TrackableObjectGraph protocol buffer.
# ------------------------------------------------------------------------------------
@dataclass
class SerializedTensor:
    name: str = ""
    full_name: str = ""
    checkpoint_key: str = ""


@dataclass
class SlotVariableReference:
    original_variable_node_id: int = 0
    slot_name: str = ""
    slot_variable_node_id: int = 0


@dataclass
class TrackableObjectProto:
    children: list[tuple[int, str]] = field(default_factory=list)
    attributes: list[SerializedTensor] = field(default_factory=list)
    slot_variables: list[SlotVariableReference] = field(default_factory=list)
    has_checkpoint_values: bool | None = None


def encode_object_graph(nodes: list[TrackableObjectProto]) -> bytes:
    fv, fb = _bundle.field_varint, _bundle.field_bytes
    out = bytearray()
    for node in nodes:
        body = bytearray()
        for node_id, local_name in node.children:
            ref = (fv(1, node_id) if node_id else b"") + (
                fb(2, local_name.encode()) if local_name else b""
            )
            body += fb(1, ref)
        for attr in node.attributes:
            a = b""
            for number, text in ((1, attr.name), (2, attr.full_name), (3, attr.checkpoint_key)):
                if text:
                    a += fb(number, text.encode())
            body += fb(2, a)
        for slot in node.slot_variables:
            s = b""
            if slot.original_variable_node_id:
                s += fv(1, slot.original_variable_node_id)
            if slot.slot_name:
                s += fb(2, slot.slot_name.encode())
            if slot.slot_variable_node_id:
                s += fv(3, slot.slot_variable_node_id)
            body += fb(3, s)
        if node.has_checkpoint_values is not None:
            body += fb(5, fv(1, 1) if node.has_checkpoint_values else b"")
        out += fb(1, bytes(body))
    return bytes(out)


def decode_object_graph(buf: bytes) -> list[TrackableObjectProto]:
    nodes = []
    for number, _, value in _bundle.decode_fields(buf):
        if number != 1:
            continue
        node = TrackableObjectProto()
        for n2, _, v2 in _bundle.decode_fields(value):
            if n2 == 1:
                node_id, name = 0, ""
                for n3, _, v3 in _bundle.decode_fields(v2):
                    if n3 == 1:
                        node_id = v3
                    elif n3 == 2:
                        name = v3.decode("utf-8")
                node.children.append((node_id, name))
            elif n2 == 2:
                attr = SerializedTensor()
                for n3, _, v3 in _bundle.decode_fields(v2):
                    if n3 == 1:
                        attr.name = v3.decode("utf-8")
                    elif n3 == 2:
                        attr.full_name = v3.decode("utf-8")
                    elif n3 == 3:
                        attr.checkpoint_key = v3.decode("utf-8")
                node.attributes.append(attr)
            elif n2 == 3:
                slot = SlotVariableReference()
                for n3, _, v3 in _bundle.decode_fields(v2):
                    if n3 == 1:
                        slot.original_variable_node_id = v3
                    elif n3 == 2:
                        slot.slot_name = v3.decode("utf-8")
                    elif n3 == 3:
                        slot.slot_variable_node_id = v3
                node.slot_variables.append(slot)
            elif n2 == 5:
                node.has_checkpoint_values = any(
                    n3 == 1 and v3 for n3, _, v3 in _bundle.decode_fields(v2)
                )
        nodes.append(node)
    return nodes


def _quote(text: str) -> str:
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "'":
            out.append("\\'")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\{b:03o}")
    return '"' + "".join(out) + '"'


def node_text(node: TrackableObjectProto) -> str:
    """The protocol buffer text format of one node (as TF prints it in assertions)."""
    lines = []
    for node_id, name in node.children:
        lines.append("children {")
        if node_id:
            lines.append(f"  node_id: {node_id}")
        if name:
            lines.append(f"  local_name: {_quote(name)}")
        lines.append("}")
    for a in node.attributes:
        lines.append("attributes {")
        if a.name:
            lines.append(f"  name: {_quote(a.name)}")
        if a.full_name:
            lines.append(f"  full_name: {_quote(a.full_name)}")
        if a.checkpoint_key:
            lines.append(f"  checkpoint_key: {_quote(a.checkpoint_key)}")
        lines.append("}")
    for s in node.slot_variables:
        lines.append("slot_variables {")
        if s.original_variable_node_id:
            lines.append(f"  original_variable_node_id: {s.original_variable_node_id}")
        if s.slot_name:
            lines.append(f"  slot_name: {_quote(s.slot_name)}")
        if s.slot_variable_node_id:
            lines.append(f"  slot_variable_node_id: {s.slot_variable_node_id}")
        lines.append("}")
    if node.has_checkpoint_values is not None:
        lines.append("has_checkpoint_values {")
        if node.has_checkpoint_values:
            lines.append("  value: true")
        lines.append("}")
    return "".join(line + "\n" for line in lines)


def node_names(nodes: list[TrackableObjectProto]) -> dict[int, str]:
    """Readable paths of the saved objects: `(root).model.w` (TF's pretty printer)."""
    names = {0: "(root)"}
    queue = collections.deque([0])
    while queue:
        node_id = queue.popleft()
        for child_id, local_name in nodes[node_id].children:
            if child_id not in names:
                names[child_id] = f"{names[node_id]}.{local_name}"
                queue.append(child_id)
    for node_id, node in enumerate(nodes):
        for slot in node.slot_variables:
            names.setdefault(
                slot.slot_variable_node_id,
                f"{names.get(slot.original_variable_node_id)}'s state '{slot.slot_name}' for "
                f"{names.get(node_id)}",
            )
    return names


# ------------------------------------------------------------------------------------
# Walking live objects.
# ------------------------------------------------------------------------------------
def _children(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, Trackable):
        return {}
    obj._maybe_initialize_trackable()
    return dict(obj._trackable_children(save_type="checkpoint"))


def _unwrap(obj: Any) -> Any:
    return obj() if isinstance(obj, weakref.ref) else obj


def _has_tensors(obj: Any) -> bool:
    fn = getattr(type(obj), "_serialize_to_tensors", None)
    return fn is not None and fn is not Trackable._serialize_to_tensors


def _serialize(obj: Any) -> dict[str, Any]:
    if not _has_tensors(obj):
        return {}
    try:
        tensors = obj._serialize_to_tensors()
    except NotImplementedError:
        return {}
    return dict(tensors)


def _is_variable_like(obj: Any) -> bool:
    from tfcompat._core.variable import Variable

    return isinstance(obj, Variable) or getattr(obj, "_should_act_as_resource_variable", False)


def _full_name(obj: Any) -> str:
    if _is_variable_like(obj):
        return str(getattr(obj, "_shared_name", ""))
    return ""


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, dict):  # {slice_spec: tensor}: only the unsliced form
        if set(value) != {""}:
            raise errors.UnimplementedError(
                None, None, "tfcompat does not save partitioned (sliced) checkpoint tensors"
            )
        value = value[""]
    if hasattr(value, "numpy"):
        value = value.numpy()
    elif hasattr(value, "value") and hasattr(value.value, "numpy"):
        value = value.value.numpy()
    arr = np.asarray(value)
    if arr.dtype.kind in "SU":
        arr = np.array(
            [x.encode() if isinstance(x, str) else bytes(x) for x in arr.reshape(-1).tolist()],
            dtype=object,
        ).reshape(arr.shape)
    return arr


def _walk(
    root: Any, attached: list[tuple[str, Any]] | None = None
) -> tuple[list[Any], list[tuple[str, ...]], list[list[tuple[str, Any]]]]:
    """Breadth-first objects from `root`, their paths, and each one's named children."""
    objects: list[Any] = [root]
    paths: list[tuple[str, ...]] = [()]
    ids = {id(root): 0}
    child_lists: list[list[tuple[str, Any]]] = []
    i = 0
    while i < len(objects):
        obj = objects[i]
        kids = list(_children(obj).items())
        if i == 0 and attached:
            kids += [(n, c) for n, c in attached if n not in dict(kids)]
        kids = [(n, _unwrap(c)) for n, c in kids]
        kids = [(n, c) for n, c in kids if isinstance(c, Trackable)]
        child_lists.append(kids)
        for name, child in kids:
            if id(child) not in ids:
                ids[id(child)] = len(objects)
                objects.append(child)
                paths.append((*paths[i], name))
        i += 1
    return objects, paths, child_lists


def _object_path(path: tuple[str, ...]) -> str:
    return "/".join(escape_local_name(n) for n in path)


def _checkpoint_key(path: tuple[str, ...], attribute: str) -> str:
    return f"{_object_path(path)}/{_ATTRIBUTES}/{escape_local_name(attribute)}".lstrip("/")


def serialize_graph(
    root: Any, attached: list[tuple[str, Any]] | None = None
) -> tuple[list[tuple[str, np.ndarray]], bytes]:
    """The tensors (in TF's order) and the object graph of a checkpoint of `root`."""
    objects, paths, child_lists = _walk(root, attached)
    ids = {id(o): i for i, o in enumerate(objects)}
    nodes = []
    tensors: list[tuple[str, np.ndarray]] = []
    for obj, path, kids in zip(objects, paths, child_lists, strict=True):
        node = TrackableObjectProto(children=[(ids[id(c)], n) for n, c in kids])
        for attr, value in _serialize(obj).items():
            key = _checkpoint_key(path, attr)
            tensors.append((key, _to_numpy(value)))
            node.attributes.append(SerializedTensor(attr, _full_name(obj), key))
        nodes.append(node)
    # has_checkpoint_values: the node or a descendant holds a tensor.
    values = [bool(n.attributes) for n in nodes]
    changed = True
    while changed:
        changed = False
        for i, n in enumerate(nodes):
            if not values[i] and any(values[c] for c, _ in n.children):
                values[i] = changed = True
    for n, v in zip(nodes, values, strict=True):
        n.has_checkpoint_values = v
    return tensors, encode_object_graph(nodes)


def write_checkpoint(prefix: str, root: Any, attached: list[tuple[str, Any]] | None = None) -> str:
    tensors, graph = serialize_graph(root, attached)
    tensors.append((OBJECT_GRAPH_KEY, np.array(graph, dtype=object)))
    _bundle.write_bundle(prefix, tensors)
    return prefix


# ------------------------------------------------------------------------------------
# Reading.
# ------------------------------------------------------------------------------------
class CheckpointReader:
    """tfcompat implementation of the reader `tf.train.load_checkpoint` returns."""

    def __init__(self, filename: str) -> None:
        self._reader = _bundle.BundleReader(os.fspath(filename))

    def has_tensor(self, name: str) -> bool:
        return self._reader.has_tensor(name)

    def get_tensor(self, name: str) -> Any:
        """The tensor as NumPy (`bytes` / a NumPy scalar for scalars, as TF returns)."""
        value = self._reader.get(name)
        if value.ndim == 0:
            return value.item() if value.dtype == object else value[()]
        return value

    def get_variable_to_shape_map(self) -> dict[str, list[int]]:
        return {k: list(e.shape) for k, e in self._reader.entries.items()}

    def get_variable_to_dtype_map(self) -> dict[str, Any]:
        from tfcompat._core.dtypes import as_dtype

        return {k: as_dtype(e.dtype) for k, e in self._reader.entries.items()}

    def _entry_dtype(self, name: str) -> int:
        return self._reader.entries[name].dtype

    def debug_string(self) -> bytes:
        lines = []
        for k in sorted(self._reader.entries):
            e = self._reader.entries[k]
            lines.append(f"{k} ({_DTYPE_NAMES.get(e.dtype, e.dtype)}) {list(e.shape)}\n")
        return "".join(lines).encode()


def load_checkpoint(ckpt_dir_or_file: Any) -> CheckpointReader:
    """tfcompat implementation of `tf.train.load_checkpoint`."""
    from tfcompat.train._management import latest_checkpoint

    path = os.fspath(ckpt_dir_or_file)
    filename = latest_checkpoint(path) if os.path.isdir(path) else path
    if filename is None:
        raise ValueError(
            f"Couldn't find 'checkpoint' file or checkpoints in given directory {path}"
        )
    return CheckpointReader(filename)


def list_variables(ckpt_dir_or_file: Any) -> list[tuple[str, list[int]]]:
    """tfcompat implementation of `tf.train.list_variables`: sorted (name, shape) pairs."""
    reader = load_checkpoint(ckpt_dir_or_file)
    return sorted(reader.get_variable_to_shape_map().items())


# ------------------------------------------------------------------------------------
# Restoring.
# ------------------------------------------------------------------------------------
class _Restoration:
    """What one `restore` call read, matched and used (TF's restore coordinator)."""

    def __init__(self, save_path: str, reader: CheckpointReader, nodes: list[Any]) -> None:
        self.save_path = save_path
        self.reader = reader
        self.nodes: list[TrackableObjectProto] = nodes
        self.object_by_proto_id: dict[int, Any] = {}
        self.restored: set[int] = set()  # ids of objects given values
        self.unused_attributes: dict[int, list[str]] = {}
        # What the end-of-life warning needs, kept apart so that it holds no objects.
        self.warn_state = _WarnState(
            nodes, set(), self.unused_attributes, {"expect_partial": False}
        )
        weakref.finalize(self, _warn_unrestored, self.warn_state)

    def bind(self, node_id: int, obj: Any) -> None:
        self.object_by_proto_id[node_id] = obj
        self.warn_state.matched.add(node_id)

    def restore_node(self, node_id: int, obj: Any) -> None:
        """Match `obj` to saved node `node_id` and everything below it."""
        queue = collections.deque([(node_id, obj)])
        while queue:
            nid, current = queue.popleft()
            bound = self.object_by_proto_id.get(nid)
            if bound is not None:
                if bound is not current:
                    _tf_logger.warning(
                        "Inconsistent references when loading the checkpoint into this "
                        "object graph. For example, in the saved checkpoint object, "
                        "`%s` refers to the same object as another path, while in the "
                        "current object these are two different objects.",
                        node_names(self.nodes).get(nid, nid),
                    )
                continue
            self.bind(nid, current)
            self._restore_attributes(nid, current)
            live = _children(current)
            for child_id, name in self.nodes[nid].children:
                child = _unwrap(live.get(name))
                if child is None:
                    if isinstance(current, Trackable):
                        current._defer_restore(name, _DeferredRestore(self, child_id))
                    continue
                queue.append((child_id, child))

    def _restore_attributes(self, nid: int, obj: Any) -> None:
        attrs = self.nodes[nid].attributes
        if not attrs:
            return
        current = _serialize(obj)
        values = {}
        unused = []
        for attr in attrs:
            if attr.name not in current:
                unused.append(attr.name)
                continue
            values[attr.name] = self._read(attr.checkpoint_key, current[attr.name], obj)
        if unused:
            self.unused_attributes[nid] = unused
        if values:
            obj._restore_from_tensors(values)
            self.restored.add(id(obj))

    def _read(self, key: str, current: Any, obj: Any) -> Any:
        from tfcompat._core.convert import convert_to_tensor
        from tfcompat._core.dtypes import as_dtype

        value = self.reader._reader.get(key)
        saved = self.reader._entry_dtype(key)
        dtype = getattr(current, "dtype", None)
        if dtype is not None:
            want = as_dtype(dtype).as_datatype_enum
            if want != saved:
                raise errors.InvalidArgumentError(
                    None,
                    None,
                    f"tensor_name = {key}; expected dtype {_DTYPE_NAMES.get(want, want)} "
                    f"does not equal original dtype {_DTYPE_NAMES.get(saved, saved)} "
                    "[Op:RestoreV2]",
                )
        if _is_variable_like(obj):
            from tfcompat._core.tensor_shape import TensorShape

            shape = TensorShape(obj.shape)
            if not shape.is_compatible_with(TensorShape(value.shape)):
                raise ValueError(
                    f"Received incompatible tensor with shape {TensorShape(value.shape)} when "
                    f"attempting to restore variable with shape {shape} and name {obj.name}."
                )
        return convert_to_tensor(value)


@dataclass
class _WarnState:
    """The part of a restoration its end-of-life warning needs (no reference back)."""

    nodes: list[TrackableObjectProto]
    matched: set[int]
    unused: dict[int, list[str]]
    flags: dict[str, bool]


def _warn_unrestored(state: _WarnState) -> None:
    if state.flags["expect_partial"]:
        return
    names = node_names(state.nodes)
    messages = [
        f"Value in checkpoint could not be found in the restored object: {names.get(i, i)}"
        for i, node in enumerate(state.nodes)
        if node.attributes and i not in state.matched
    ]
    for nid, attrs in state.unused.items():
        messages += [f"Unused attribute in object {names.get(nid, nid)}: {a}" for a in attrs]
    if not messages:
        return
    _tf_logger.warning(
        "Detecting that an object or model or tf.train.Checkpoint is being deleted with "
        "unrestored values. See the following logs for the specific values in question. "
        "To silence these warnings, use `status.expect_partial()`. See "
        "https://www.tensorflow.org/api_docs/python/tf/train/Checkpoint#restore"
        "for details about the status object returned by the restore function."
    )
    for m in messages:
        _tf_logger.warning(m)


class _DeferredRestore:
    """Restores a saved node into the child of that name once it is added."""

    def __init__(self, restoration: _Restoration, node_id: int) -> None:
        self.restoration = restoration
        self.node_id = node_id

    def __call__(self, child: Any) -> None:
        self.restoration.restore_node(self.node_id, child)


def _list_objects(root: Any, attached: list[tuple[str, Any]] | None) -> list[Any]:
    return _walk(root, attached)[0]


class CheckpointLoadStatus:
    """tfcompat implementation of the status `tf.train.Checkpoint.restore` returns."""

    def __init__(
        self, restoration: _Restoration, root: Any, attached: list[tuple[str, Any]] | None
    ) -> None:
        self._restoration = restoration
        self._root = root
        self._attached = attached

    def _live_objects(self) -> list[Any]:
        from tfcompat._tracking import ListWrapper, _DictWrapper

        return [
            o
            for o in _list_objects(self._root, self._attached)
            if not (isinstance(o, (ListWrapper, _DictWrapper)) and not _children(o))
        ]

    def assert_consumed(self) -> CheckpointLoadStatus:
        """Raise unless every saved value was matched to an object and every object restored."""
        r = self._restoration
        self.assert_existing_objects_matched()
        names = node_names(r.nodes)
        for node_id, node in enumerate(r.nodes):
            if not node.attributes:
                continue
            if node_id not in r.object_by_proto_id:
                raise AssertionError(
                    f"Unresolved object in checkpoint {names.get(node_id)}: {node_text(node)}"
                )
        if r.unused_attributes:
            lines = "\n".join(
                f"{names.get(nid)} ({r.object_by_proto_id[nid]}): {attrs}"
                for nid, attrs in r.unused_attributes.items()
            )
            raise AssertionError(
                "Unused attributes in these objects (the attributes exist in the checkpoint "
                f"but were not restored):\n{lines}"
            )
        return self

    def assert_existing_objects_matched(self) -> CheckpointLoadStatus:
        """Raise unless every existing object with values was matched to the checkpoint."""
        r = self._restoration
        for node_id, node in enumerate(r.nodes):
            obj = r.object_by_proto_id.get(node_id)
            if obj is not None and node.attributes and id(obj) not in r.restored:
                raise AssertionError(
                    f"Object not assigned a value from checkpoint: {node_text(node)}"
                )
        matched = {id(o) for o in r.object_by_proto_id.values()}
        unused = [o for o in self._live_objects() if _has_tensors(o) and id(o) not in matched]
        if unused:
            shown = min(10, len(unused))
            raise AssertionError(
                f"Found {len(unused)} Python objects that were not bound to checkpointed "
                "values, likely due to changes in the Python program. Showing "
                f"{shown} of {len(unused)} unmatched objects: {unused[:shown]}"
            )
        return self

    def assert_nontrivial_match(self) -> CheckpointLoadStatus:
        """Raise if nothing but the root was matched."""
        r = self._restoration
        if len(r.object_by_proto_id) <= 1:
            matched = {id(o) for o in r.object_by_proto_id.values()}
            unused = [o for o in _list_objects(self._root, self._attached) if id(o) not in matched]
            if unused:
                raise AssertionError(
                    "Nothing except the root object matched a checkpointed value. Typically "
                    "this means that the checkpoint does not match the Python program. The "
                    f"following objects have no matching checkpointed value: {unused}"
                )
            raise AssertionError(
                f"Nothing to load. No dependencies have been added to {self._root} yet."
            )
        return self

    def expect_partial(self) -> CheckpointLoadStatus:
        """Silence the warnings about saved values left unrestored."""
        self._restoration.warn_state.flags["expect_partial"] = True
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to run: values are restored eagerly."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Nothing to run: values are restored eagerly."""


class InitializationOnlyStatus:
    """The status of `restore(None)`: nothing is restored."""

    def __init__(self, root: Any) -> None:
        self._root = root

    def assert_consumed(self) -> Any:
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_existing_objects_matched(self) -> Any:
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def assert_nontrivial_match(self) -> Any:
        raise AssertionError("No checkpoint specified (save_path=None); nothing is being restored.")

    def expect_partial(self) -> InitializationOnlyStatus:
        return self

    def run_restore_ops(self, session: Any = None) -> None:
        """Nothing to restore."""

    def initialize_or_restore(self, session: Any = None) -> None:
        """Variables are initialized when created."""


def restore_into(
    save_path: str, root: Any, attached: list[tuple[str, Any]] | None = None
) -> CheckpointLoadStatus:
    """Read the checkpoint at `save_path` into the objects reachable from `root`."""
    reader = CheckpointReader(save_path)
    if not reader.has_tensor(OBJECT_GRAPH_KEY):
        raise errors.UnimplementedError(
            None,
            None,
            f"The checkpoint at {save_path} has no object graph (a name-based TF1 "
            "`tf.compat.v1.train.Saver` checkpoint); tfcompat reads object-based "
            "checkpoints only. Use tf.train.load_checkpoint to read its tensors by name.",
        )
    nodes = decode_object_graph(reader.get_tensor(OBJECT_GRAPH_KEY))
    restoration = _Restoration(save_path, reader, nodes)
    restoration.bind(0, root)
    restoration._restore_attributes(0, root)
    live = _children(root)
    if attached:
        for name, child in attached:
            live.setdefault(name, child)
    for child_id, name in nodes[0].children:
        child = _unwrap(live.get(name))
        if child is None:
            if isinstance(root, Trackable):
                root._defer_restore(name, _DeferredRestore(restoration, child_id))
            continue
        restoration.restore_node(child_id, child)
    return CheckpointLoadStatus(restoration, root, attached)


# ------------------------------------------------------------------------------------
# tf.train.Checkpoint
# ------------------------------------------------------------------------------------
class CheckpointOptions:
    """tfcompat implementation of `tf.train.CheckpointOptions` (options are recorded only)."""

    __slots__ = (
        "enable_async",
        "experimental_enable_async_checkpoint",
        "experimental_io_device",
        "experimental_sharding_callback",
        "experimental_skip_slot_variables",
        "experimental_write_callbacks",
    )

    def __init__(
        self,
        experimental_io_device: Any = None,
        experimental_enable_async_checkpoint: bool = False,
        experimental_write_callbacks: Any = None,
        enable_async: bool = False,
        experimental_skip_slot_variables: bool = False,
        experimental_sharding_callback: Any = None,
    ) -> None:
        self.experimental_io_device = experimental_io_device
        self.experimental_enable_async_checkpoint = experimental_enable_async_checkpoint
        self.experimental_write_callbacks = experimental_write_callbacks
        self.enable_async = enable_async
        self.experimental_sharding_callback = experimental_sharding_callback
        self.experimental_skip_slot_variables = experimental_skip_slot_variables


def _assert_trackable(obj: Any, name: str) -> None:
    if not isinstance(obj, Trackable):
        raise ValueError(
            f"`Checkpoint` was expecting {name} to be a trackable object (an object "
            f"derived from `Trackable`), got {obj}. If you believe this object should be "
            "trackable (i.e. it is part of the TensorFlow Python API and manages state), "
            "please open an issue."
        )


class Checkpoint(AutoTrackable):
    """tfcompat implementation of `tf.train.Checkpoint`."""

    def __init__(self, root: Any = None, **kwargs: Any) -> None:
        super().__init__()
        self._save_counter = None
        self._root = NoDependency(None)
        self._attached_dependencies = NoDependency(None)
        attached: list[tuple[str, Any]] = []
        if root is not None:
            trackable_root = _unwrap(root)
            _assert_trackable(trackable_root, "root")
            object.__setattr__(self, "_root", root)
            kwargs["root"] = root
            trackable_root._maybe_initialize_trackable()
            object.__setattr__(
                self, "_save_counter", trackable_root._lookup_dependency("save_counter")
            )
        for k, v in sorted(kwargs.items(), key=lambda item: item[0]):
            setattr(self, k, v)
            converted = _unwrap(getattr(self, k))
            _assert_trackable(converted, k)
            if root is not None:
                child = _unwrap(root)._lookup_dependency(k)
                if child is None:
                    attached.append((k, converted))
                elif child is not converted:
                    raise ValueError(
                        f"Cannot create a Checkpoint with keyword argument {k} if "
                        f"root.{k} already exists."
                    )
        if root is not None:
            object.__setattr__(self, "_attached_dependencies", attached)

    # -- the saved graph -------------------------------------------------------------
    def _graph_root(self) -> Any:
        root = self.__dict__.get("_root")
        return _unwrap(root) if root is not None else self

    def _attached(self) -> list[tuple[str, Any]] | None:
        return self.__dict__.get("_attached_dependencies")

    def _maybe_create_save_counter(self) -> None:
        if self.__dict__.get("_save_counter") is not None:
            return
        from tfcompat._api.framework_ops import init_scope
        from tfcompat._core import dtypes
        from tfcompat._core.variable import Variable

        with init_scope():
            counter = Variable(0, dtype=dtypes.int64, trainable=False, name="save_counter")
        attached = self._attached()
        if attached is None:
            self._track_trackable(counter, "save_counter", overwrite=True)
            object.__setattr__(self, "_save_counter", counter)
        else:
            object.__setattr__(self, "_save_counter", counter)
            attached.append(("save_counter", counter))
            root = self._graph_root()
            root._maybe_initialize_trackable()
            pending = root.__dict__["_self_unconditional_deferred_dependencies"].pop(
                "save_counter", None
            )
            if pending is not None:
                pending(counter)

    @property
    def save_counter(self) -> Any:
        """The number of `save` calls so far (an int64 variable, created on first use)."""
        self._maybe_create_save_counter()
        return self.__dict__["_save_counter"]

    # -- saving ----------------------------------------------------------------------
    def write(self, file_prefix: Any, options: Any = None) -> str:
        """Write a checkpoint at `file_prefix` (no numbering, no `checkpoint` file)."""
        return self._write(os.fspath(file_prefix), options)

    def _write(self, file_prefix: str, options: Any = None, write_done_callback: Any = None) -> str:
        _check_eager("write")
        path = write_checkpoint(file_prefix, self._graph_root(), self._attached())
        if write_done_callback is not None:
            write_done_callback(path)
        return path

    def save(self, file_prefix: Any, options: Any = None) -> str:
        """Write `<file_prefix>-<n>` (n: the incremented save counter); update `checkpoint`."""
        from tfcompat.train import _management

        _check_eager("save")
        file_prefix = os.fspath(file_prefix)
        counter = self.save_counter
        counter.assign_add(1)
        number = int(counter.numpy())
        path = self._write(f"{file_prefix}-{number}", options)
        _management.update_checkpoint_state_internal(
            save_dir=os.path.dirname(path),
            model_checkpoint_path=path,
            all_model_checkpoint_paths=[path],
            save_relative_paths=True,
        )
        return path

    # -- restoring -------------------------------------------------------------------
    def read(self, save_path: Any, options: Any = None) -> Any:
        """Restore from `save_path` without creating the save counter."""
        if save_path is None:
            return InitializationOnlyStatus(self._graph_root())
        return restore_into(os.fspath(save_path), self._graph_root(), self._attached())

    def restore(self, save_path: Any, options: Any = None) -> Any:
        """Restore from `save_path`; values for objects not created yet wait for them."""
        if save_path is None:
            self._maybe_create_save_counter()
            return InitializationOnlyStatus(self._graph_root())
        save_path = os.fspath(save_path)
        try:
            status = self.read(save_path, options)
        except errors.NotFoundError as e:
            raise errors.NotFoundError(
                None,
                None,
                f"Error when restoring from checkpoint or SavedModel at {save_path}: "
                f"{e.message}\nPlease double-check that the path is correct. You may be "
                "missing the checkpoint suffix (e.g. the '-1' in 'path/to/ckpt-1').",
            ) from None
        self._maybe_create_save_counter()
        return status

    def sync(self) -> None:
        """Nothing to wait for: writes are synchronous."""


def _check_eager(what: str) -> None:
    from tfcompat._api.framework_ops import inside_function

    if inside_function():
        raise NotImplementedError(
            f"tfcompat's tf.train.Checkpoint.{what} runs eagerly only; call it outside tf.function."
        )


def load_variable(ckpt_dir_or_file: Any, name: str) -> Any:
    """tfcompat implementation of `tf.train.load_variable`: one tensor of a checkpoint."""
    if name.endswith(":0"):
        name = name[:-2]
    return load_checkpoint(ckpt_dir_or_file).get_tensor(name)


class TrackableView:
    """tfcompat implementation of `tf.train.TrackableView`: the children graph from a root."""

    def __init__(self, root: Any) -> None:
        self._root_ref = weakref.ref(root) if not isinstance(root, weakref.ref) else root

    @classmethod
    def children(cls, obj: Any, save_type: str = "checkpoint", **kwargs: Any) -> dict[str, Any]:
        """The named children of `obj` (what a checkpoint of it would save)."""
        obj._maybe_initialize_trackable()
        return {
            name: _unwrap(ref)
            for name, ref in obj._trackable_children(save_type=save_type, **kwargs).items()
        }

    @property
    def root(self) -> Any:
        return self._root_ref()

    def descendants(self) -> list[Any]:
        """Every trackable reachable from the root, breadth first, each once."""
        return _walk(self.root)[0]

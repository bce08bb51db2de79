"""TensorBoard GraphDefs (as ``SummaryWriter.add_graph`` writes them) as ModelGraphs.

torch's add_graph emits every TorchScript node: constants, list and tuple packing,
attribute fetches, with module scopes in the node names
(``Net/Sequential[features]/Conv2d[0]/input.3``). Here the scopes become the module tree
(``features.0``), the plumbing is hidden by default with edges bridged across it, and JIT
value ids leave the display names.

The GraphDef is taken as plain Python so no protobuf classes are needed: a list of node
dicts ``{"name", "op", "input": [...], "attr": {...}}`` (``MessageToDict`` output works, and
so does ``{"_output_shapes": [[1, 3, 8, 8]]}``), a ``{"node": [...]}`` dict, or any object
with NodeDef-like fields (``name``, ``op``, ``input``, ``attr``).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from torchscope.graph.builder import GraphBuilder
from torchscope.graph.model import ModelGraph, TensorInfo
from torchscope.graph.refs import TensorRef

# TorchScript ops that only move values around or compute sizes: never what a user wrote.
SCALAR_ATEN_OPS = frozenset(
    {
        "aten::size",
        "aten::Int",
        "aten::Float",
        "aten::Bool",
        "aten::ScalarImplicit",
        "aten::dim",
        "aten::len",
        "aten::numel",
        "aten::__getitem__",
        "aten::list",
    }
)
IO_OP = "IO Node"

_SCOPE_SEGMENT = re.compile(r"^(?P<type>[^\[\]]+)\[(?P<name>[^\[\]]+)\]$")
_VALUE_ID = re.compile(r"\.\d+$")
_DATA_TYPES = {
    1: "float32",
    2: "float64",
    3: "int32",
    4: "uint8",
    5: "int16",
    6: "int8",
    7: "string",
    9: "int64",
    10: "bool",
    14: "bfloat16",
    19: "float16",
}
_DATA_TYPE_NAMES = {
    "DT_FLOAT": "float32",
    "DT_DOUBLE": "float64",
    "DT_HALF": "float16",
    "DT_BFLOAT16": "bfloat16",
}


def is_plumbing(op: str) -> bool:
    """Whether a GraphDef op is tracer plumbing (prim:: ops, size arithmetic)."""
    return op.startswith("prim::") or op in SCALAR_ATEN_OPS


@dataclass
class GraphDefNode:
    """One NodeDef in plain form."""

    name: str
    op: str
    inputs: list[str]
    shapes: list[tuple[int, ...] | None]
    dtype: str | None
    attr_text: str


# -- reading the input ------------------------------------------------------------------------


def read_nodes(graph_def: Any) -> list[GraphDefNode]:
    """Plain nodes from a GraphDef message, a ``{"node": [...]}`` dict or a list of nodes."""
    if isinstance(graph_def, Mapping):
        if "node" not in graph_def:
            raise ValueError("graph_def: a dict GraphDef must have a 'node' list")
        raw_nodes: Any = graph_def["node"]
    elif hasattr(graph_def, "node") and not isinstance(graph_def, str | bytes):
        raw_nodes = graph_def.node
    else:
        raw_nodes = graph_def
    if isinstance(raw_nodes, str | bytes) or not isinstance(raw_nodes, Iterable):
        raise TypeError(
            "graph_def must be a GraphDef, a {'node': [...]} dict or a list of node dicts, "
            f"got {type(graph_def).__name__}"
        )
    nodes = [_read_node(raw, position) for position, raw in enumerate(raw_nodes)]
    names = [node.name for node in nodes]
    if len(set(names)) != len(names):
        raise ValueError("graph_def: node names must be unique")
    return nodes


def _field(raw: Any, key: str, default: Any = None) -> Any:
    if isinstance(raw, Mapping):
        return raw.get(key, default)
    return getattr(raw, key, default)


def _read_node(raw: Any, position: int) -> GraphDefNode:
    name, op = _field(raw, "name"), _field(raw, "op")
    if not isinstance(name, str) or not name:
        raise ValueError(f"graph_def: node {position} has no 'name'")
    if not isinstance(op, str):
        raise ValueError(f"graph_def: node {name!r} has no 'op'")
    attr = _field(raw, "attr") or {}
    inputs = [str(i) for i in (_field(raw, "input") or [])]
    return GraphDefNode(
        name=name,
        op=op,
        inputs=inputs,
        shapes=_read_shapes(_field(attr, "_output_shapes") if attr else None),
        dtype=_read_dtype(_field(attr, "dtype") if attr else None),
        attr_text=_read_text(_field(attr, "attr") if attr else None),
    )


def _read_shapes(value: Any) -> list[tuple[int, ...] | None]:
    if value is None:
        return []
    shapes = _field(value, "list")
    if shapes is not None:
        shape_list = _field(shapes, "shape") or []
    elif isinstance(value, list | tuple):
        shape_list = value
    else:
        shape_list = [_field(value, "shape")] if _field(value, "shape") is not None else []
    return [_read_shape(shape) for shape in shape_list]


def _read_shape(shape: Any) -> tuple[int, ...] | None:
    if shape is None:
        return None
    if isinstance(shape, list | tuple):
        return tuple(int(size) for size in shape)
    if _field(shape, "unknown_rank") or _field(shape, "unknownRank"):
        return None
    dims = _field(shape, "dim") or []
    return tuple(int(_field(dim, "size", 0) or 0) for dim in dims)


def _read_dtype(value: Any) -> str | None:
    if value is None:
        return None
    data_type = _field(value, "type", value)
    if isinstance(data_type, str):
        return _DATA_TYPE_NAMES.get(data_type, data_type.removeprefix("DT_").lower())
    if isinstance(data_type, int):
        return _DATA_TYPES.get(data_type)
    return None


def _read_text(value: Any) -> str:
    if value is None:
        return ""
    text = _field(value, "s", value) if not isinstance(value, str | bytes) else value
    if isinstance(text, bytes):
        return text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    if isinstance(value, Mapping):  # MessageToDict writes bytes fields as base64
        try:
            return base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return text
    return text


# -- scopes -----------------------------------------------------------------------------------


def parse_scope(segments: list[str]) -> list[tuple[str, str]]:
    """(name, type) per scope segment: "Conv2d[conv1]" -> ("conv1", "Conv2d")."""
    parsed: list[tuple[str, str]] = []
    for segment in segments:
        match = _SCOPE_SEGMENT.match(segment)
        if match:
            parsed.append((match["name"], match["type"]))
        else:
            parsed.append((segment, ""))
    return parsed


def display_name(value_name: str) -> str:
    """ "x.1" -> "x": JIT value ids are noise to a reader."""
    return _VALUE_ID.sub("", value_name)


# -- conversion -------------------------------------------------------------------------------


def from_graphdef(graph_def: Any, *, hide_plumbing: bool = True) -> ModelGraph:
    """A ModelGraph from a TensorBoard GraphDef written by torch's ``add_graph``.

    Module scopes in node names become module nodes (``Net/Sequential[features]/Conv2d[0]``
    is module ``features.0`` of type Conv2d). With ``hide_plumbing`` (the default) prim::
    nodes and size arithmetic are left out and edges run across them from the op that made a
    tensor to the op that uses it; with ``hide_plumbing=False`` every node and edge is kept.
    """
    if not isinstance(hide_plumbing, bool):
        raise TypeError(f"hide_plumbing must be a bool, got {type(hide_plumbing).__name__}")
    nodes = read_nodes(graph_def)
    by_name = {node.name: node for node in nodes}
    ops = [node for node in nodes if node.op != IO_OP]
    root_name = _root_scope(ops)
    builder = GraphBuilder(root_name or "Graph")
    builder.ensure_module("", op_type=root_name or "", name=root_name or "Graph")

    visible = {
        node.name
        for node in nodes
        if node.op == IO_OP or not (hide_plumbing and is_plumbing(node.op))
    }
    ids: dict[str, str] = {}
    counters: dict[tuple[str, str], int] = defaultdict(int)
    for node in nodes:
        if node.name not in visible:
            continue
        info = TensorInfo(node.shapes[0] if node.shapes else None, node.dtype)
        if node.op == IO_OP:
            kind, _, value_name = node.name.partition("/")
            if kind == "output":
                continue  # outputs are added once their producers exist
            ids[node.name] = builder.add_input(display_name(value_name or node.name), info)
            continue
        path = _module_path(builder, node.name, root_name)
        short = node.op.split("::", 1)[-1].lstrip("_") or node.op
        count = counters[(path, short)]
        counters[(path, short)] += 1
        attributes: dict[str, Any] = {"graphdef_name": node.name}
        if node.attr_text.strip() not in ("", "{}"):
            attributes["attr"] = node.attr_text
        ids[node.name] = builder.add_op(
            short if count == 0 else f"{short}_{count}",
            path,
            node.op,
            attributes,
            [TensorInfo(shape, node.dtype) for shape in node.shapes],
            node_id=builder.unique_id("op", node.name),
        )

    sources = _SourceResolver(by_name, visible)
    outputs = [node for node in nodes if node.op == IO_OP and node.name.startswith("output/")]
    for node in nodes:
        if node.name in ids:
            for source in sources.resolve(node.inputs):
                if source.name in ids:
                    builder.add_edge(_ref(ids, source), ids[node.name])
    for node in outputs:
        for source in sources.resolve(node.inputs):
            if source.name in ids:
                builder.add_output(display_name(node.name.partition("/")[2]), _ref(ids, source))
    return builder.build("graphdef")


def _ref(ids: dict[str, str], source: GraphDefNode) -> TensorRef:
    shape = source.shapes[0] if len(source.shapes) == 1 else None
    return TensorRef(ids[source.name], TensorInfo(shape, source.dtype), "")


def _root_scope(ops: list[GraphDefNode]) -> str | None:
    """The outermost scope shared by every op ("SmallCNN"), if there is one."""
    firsts = {node.name.split("/", 1)[0] for node in ops if "/" in node.name}
    return firsts.pop() if len(firsts) == 1 else None


def _module_path(builder: GraphBuilder, node_name: str, root_name: str | None) -> str:
    segments = node_name.split("/")[:-1]
    if root_name is not None and segments and segments[0] == root_name:
        segments = segments[1:]
    path = ""
    for name, module_type in parse_scope(segments):
        path = f"{path}.{name}" if path else name
        builder.ensure_module(path, op_type=module_type, name=name)
    return path


class _SourceResolver:
    """Visible producers of a node's inputs, looking through hidden plumbing nodes."""

    def __init__(self, by_name: dict[str, GraphDefNode], visible: set[str]) -> None:
        self.by_name = by_name
        self.visible = visible
        self._through_hidden: dict[str, list[GraphDefNode]] = {}

    def resolve(self, inputs: list[str]) -> list[GraphDefNode]:
        found: dict[str, GraphDefNode] = {}
        for raw in inputs:
            for source in self._sources_of(_input_name(raw), set()):
                found.setdefault(source.name, source)
        return list(found.values())

    def _sources_of(self, name: str, seen: set[str]) -> list[GraphDefNode]:
        node = self.by_name.get(name)
        if node is None or name in seen:
            return []  # inputs that name no node (module objects) carry no tensor
        if name in self.visible:
            return [node]
        if name not in self._through_hidden:
            seen.add(name)
            sources: dict[str, GraphDefNode] = {}
            for raw in node.inputs:
                for source in self._sources_of(_input_name(raw), seen):
                    sources.setdefault(source.name, source)
            self._through_hidden[name] = list(sources.values())
        return self._through_hidden[name]


def _input_name(raw: str) -> str:
    """NodeDef inputs may carry a control marker ("^a") or an output index ("a:1")."""
    name = raw.removeprefix("^")
    base, _, index = name.rpartition(":")
    return base if base and index.isdigit() else name

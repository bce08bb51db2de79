"""The ModelGraph data model and its JSON form (schema ``torchscope.graph/1``).

A ModelGraph is a flat list of nodes and edges. Module nodes form a tree through ``parent``;
every other node names the module that holds it in ``parent`` too, so a view can collapse a
module into one box by lifting the endpoints of edges to that module. Only tensors travel on
edges, each labelled with its shape and dtype. docs/graphs.md documents the schema.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import orjson

SCHEMA = "torchscope.graph/1"

NodeKind = Literal["module", "op", "input", "output"]
NODE_KINDS: tuple[NodeKind, ...] = ("module", "op", "input", "output")
TracerName = Literal["fx", "export", "jit", "graphdef"]
TRACERS: tuple[TracerName, ...] = ("fx", "export", "jit", "graphdef")

# JSON-able values kept in node attributes.
JSONValue = None | bool | int | float | str | list[Any] | dict[str, Any]


def module_id(path: str) -> str:
    """The node id of the module at ``path`` (``""`` is the root module)."""
    return f"module:{path}"


def parent_path(path: str) -> str | None:
    """The path of the module that holds ``path``; None for the root."""
    if path == "":
        return None
    return path.rsplit(".", 1)[0] if "." in path else ""


@dataclass(frozen=True)
class TensorInfo:
    """Shape and dtype of one tensor; either may be unknown (None)."""

    shape: tuple[int, ...] | None
    dtype: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"shape": None if self.shape is None else list(self.shape), "dtype": self.dtype}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TensorInfo:
        shape = data.get("shape")
        return cls(
            shape=None if shape is None else tuple(int(s) for s in shape),
            dtype=data.get("dtype"),
        )


@dataclass(frozen=True)
class ParamCounts:
    """Parameter counts of one module.

    ``own`` counts the parameters registered on the module itself; ``total`` and ``trainable``
    count every distinct parameter of the module and its descendants once (tied weights too).
    """

    own: int
    total: int
    trainable: int

    def to_dict(self) -> dict[str, int]:
        return {"own": self.own, "total": self.total, "trainable": self.trainable}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParamCounts:
        return cls(own=int(data["own"]), total=int(data["total"]), trainable=int(data["trainable"]))


@dataclass
class GraphNode:
    """One node: a module (a box in the hierarchy), an op, a model input or a model output.

    ``parent`` is the id of the enclosing module node (None only for the root module).
    ``op_type`` is the module class for modules and module calls ("Conv2d"), the function or
    method for other ops ("relu", "cat", "aten::linear").
    ``module`` is set on ops that call a module (the called module's id).
    ``path``, ``params`` and ``calls`` are set on module nodes only.
    """

    id: str
    kind: NodeKind
    name: str
    parent: str | None
    op_type: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    outputs: list[TensorInfo] = field(default_factory=list)
    module: str | None = None
    path: str | None = None
    params: ParamCounts | None = None
    calls: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "name": self.name,
            "parent": self.parent,
            "op_type": self.op_type,
            "attributes": self.attributes,
            "outputs": [info.to_dict() for info in self.outputs],
            "module": self.module,
            "path": self.path,
            "params": None if self.params is None else self.params.to_dict(),
            "calls": self.calls,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GraphNode:
        kind = _require(data, "kind", "node")
        if kind not in NODE_KINDS:
            raise ValueError(f"node kind must be one of {NODE_KINDS}, got {kind!r}")
        params = data.get("params")
        return cls(
            id=str(_require(data, "id", "node")),
            kind=cast(NodeKind, kind),
            name=str(_require(data, "name", "node")),
            parent=data.get("parent"),
            op_type=str(data.get("op_type", "")),
            attributes=dict(data.get("attributes") or {}),
            outputs=[TensorInfo.from_dict(o) for o in data.get("outputs") or []],
            module=data.get("module"),
            path=data.get("path"),
            params=None if params is None else ParamCounts.from_dict(params),
            calls=data.get("calls"),
        )


@dataclass(frozen=True)
class GraphEdge:
    """A tensor flowing from ``source`` to ``target``.

    ``index`` says which part of the source's output it is ("" for a single tensor,
    "[0]" or "['logits']" for an element of a tuple or dict output).
    """

    source: str
    target: str
    shape: tuple[int, ...] | None
    dtype: str | None
    index: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "shape": None if self.shape is None else list(self.shape),
            "dtype": self.dtype,
            "index": self.index,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GraphEdge:
        shape = data.get("shape")
        return cls(
            source=str(_require(data, "source", "edge")),
            target=str(_require(data, "target", "edge")),
            shape=None if shape is None else tuple(int(s) for s in shape),
            dtype=data.get("dtype"),
            index=str(data.get("index", "")),
        )


@dataclass
class ModelGraph:
    """A model's graph: module hierarchy, ops, inputs, outputs and tensor edges.

    ``tracer`` says how it was obtained ("fx", "export", "jit" or "graphdef");
    ``fallbacks`` maps each tracer that was tried and failed to its error message.
    """

    name: str
    tracer: TracerName
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    fallbacks: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {node.id: node for node in self.nodes}
        if len(self._by_id) != len(self.nodes):
            raise ValueError("nodes: node ids must be unique")

    # -- queries ------------------------------------------------------------------------------

    def node(self, node_id: str) -> GraphNode:
        """The node with id ``node_id`` (KeyError if there is none)."""
        try:
            return self._by_id[node_id]
        except KeyError:
            raise KeyError(f"no node with id {node_id!r}") from None

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._by_id

    def nodes_of_kind(self, kind: NodeKind) -> list[GraphNode]:
        """Nodes of one kind, in graph order."""
        return [node for node in self.nodes if node.kind == kind]

    @property
    def ops(self) -> list[GraphNode]:
        return self.nodes_of_kind("op")

    @property
    def modules(self) -> list[GraphNode]:
        return self.nodes_of_kind("module")

    @property
    def root(self) -> GraphNode:
        """The root module node."""
        for node in self.nodes:
            if node.kind == "module" and node.parent is None:
                return node
        raise ValueError("graph has no root module")

    def children(self, node_id: str) -> list[GraphNode]:
        """Nodes whose parent is ``node_id``."""
        return [node for node in self.nodes if node.parent == node_id]

    def ancestors(self, node_id: str) -> Iterator[GraphNode]:
        """The enclosing modules of a node, innermost first."""
        parent = self.node(node_id).parent
        while parent is not None:
            node = self.node(parent)
            yield node
            parent = node.parent

    def depth(self, node_id: str) -> int:
        """Number of enclosing modules (0 for the root module)."""
        return sum(1 for _ in self.ancestors(node_id))

    def collapsed(self, depth: int) -> ModelGraph:
        """The graph as a view shows it with modules collapsed at ``depth``.

        Modules shallower than ``depth`` stay open; each module at ``depth`` becomes one box
        (a node of kind "op" whose ``module`` is its own id) standing for everything inside
        it; edges are lifted to the boxes and edges inside one box are dropped. Inputs and
        outputs are never folded. ``collapsed(1)`` shows the root's children as boxes.
        """
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            raise ValueError(f"depth must be an int >= 1 (the root stays open), got {depth!r}")
        representative: dict[str, str] = {}
        boxes: set[str] = set()
        for node in self.nodes:
            if node.kind in ("input", "output"):
                representative[node.id] = node.id
                continue
            chain = [node, *self.ancestors(node.id)]
            modules_outer_first = [n.id for n in reversed(chain) if n.kind == "module"]
            folded = len(modules_outer_first) > depth
            representative[node.id] = modules_outer_first[depth] if folded else node.id
            if node.kind == "module" and len(modules_outer_first) == depth + 1:
                boxes.add(node.id)
        # open modules keep their place; a box takes the place of its first op, so boxes
        # and ops stay in execution order; boxes with no op (never called) go last
        order = [n.id for n in self.nodes if n.kind == "module" and n.id not in boxes]
        order += [representative[n.id] for n in self.nodes if n.kind != "module"]
        order += sorted(boxes)
        nodes: list[GraphNode] = []
        emitted: set[str] = set()
        for node_id in order:
            if node_id in emitted or representative[node_id] != node_id:
                continue
            emitted.add(node_id)
            original = self._by_id[node_id]
            copy = replace(
                original, attributes=dict(original.attributes), outputs=list(original.outputs)
            )
            if node_id in boxes:
                copy.kind, copy.module = "op", node_id
            nodes.append(copy)
        seen: set[tuple[str, str, tuple[int, ...] | None, str | None]] = set()
        edges: list[GraphEdge] = []
        for edge in self.edges:
            source, target = representative[edge.source], representative[edge.target]
            key = (source, target, edge.shape, edge.dtype)
            if source == target or key in seen:
                continue
            seen.add(key)
            edges.append(GraphEdge(source, target, edge.shape, edge.dtype, edge.index))
        return ModelGraph(self.name, self.tracer, nodes, edges, dict(self.fallbacks))

    def stats(self) -> dict[str, int]:
        """Counts of nodes by kind and of edges."""
        counts: dict[str, int] = defaultdict(int)
        for node in self.nodes:
            counts[node.kind] += 1
        return {**{kind: counts[kind] for kind in NODE_KINDS}, "edges": len(self.edges)}

    # -- serialization ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The graph as plain JSON-able Python (see docs/graphs.md for the schema)."""
        return {
            "schema": SCHEMA,
            "name": self.name,
            "tracer": self.tracer,
            "fallbacks": dict(self.fallbacks),
            "nodes": [node.to_dict() for node in self.nodes],
            "edges": [edge.to_dict() for edge in self.edges],
        }

    def to_json(self) -> str:
        """The graph as a JSON string."""
        return orjson.dumps(self.to_dict()).decode()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelGraph:
        """Rebuild a graph from :meth:`to_dict` output; ValueError names what is wrong."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping, got {type(data).__name__}")
        schema = data.get("schema")
        if schema != SCHEMA:
            raise ValueError(f"data['schema'] must be {SCHEMA!r}, got {schema!r}")
        tracer = _require(data, "tracer", "graph")
        if tracer not in TRACERS:
            raise ValueError(f"data['tracer'] must be one of {TRACERS}, got {tracer!r}")
        nodes = [GraphNode.from_dict(n) for n in _require(data, "nodes", "graph")]
        edges = [GraphEdge.from_dict(e) for e in _require(data, "edges", "graph")]
        ids = {node.id for node in nodes}
        for node in nodes:
            if node.parent is not None and node.parent not in ids:
                raise ValueError(f"node {node.id!r}: parent {node.parent!r} is not a node id")
        for edge in edges:
            for end in (edge.source, edge.target):
                if end not in ids:
                    raise ValueError(f"edge endpoint {end!r} is not a node id")
        return cls(
            name=str(data.get("name", "")),
            tracer=cast(TracerName, tracer),
            nodes=nodes,
            edges=edges,
            fallbacks=dict(data.get("fallbacks") or {}),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ModelGraph:
        """Rebuild a graph from :meth:`to_json` output."""
        return cls.from_dict(orjson.loads(text))


def _require(data: Mapping[str, Any], key: str, what: str) -> Any:
    try:
        return data[key]
    except KeyError:
        raise ValueError(f"{what} is missing the key {key!r}") from None

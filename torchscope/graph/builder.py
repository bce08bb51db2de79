"""Assembling a ModelGraph: module tree first, then inputs, ops, outputs and tensor edges.

Every tracer front end (fx, torch.export, torch.jit, GraphDef) feeds this one builder so the
graphs they produce have the same shape. It imports torch only to read an nn.Module, so the
GraphDef path (used by the server) stays free of it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from torchscope.graph.model import (
    GraphEdge,
    GraphNode,
    ModelGraph,
    TensorInfo,
    TracerName,
    module_id,
    parent_path,
)
from torchscope.graph.refs import ParamRef, TensorRef, ref_leaves

if TYPE_CHECKING:
    from torch import nn


class GraphBuilder:
    """Collects nodes and edges; ids stay unique and duplicate edges are dropped."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._modules: dict[str, GraphNode] = {}
        self._others: dict[str, GraphNode] = {}
        self._edges: list[GraphEdge] = []
        self._edge_keys: set[tuple[str, str, str]] = set()
        self._call_keys: dict[str, set[str]] = defaultdict(set)

    # -- modules ----------------------------------------------------------------------------

    def add_module_tree(self, model: nn.Module) -> None:
        """One module node per entry of ``model.named_modules()``, with settings and params."""
        # imported here: GraphDef conversion builds graphs without importing torch
        from torchscope.graph.params import parameter_counts
        from torchscope.graph.settings import module_settings

        for path, module in model.named_modules():
            self._modules[path] = GraphNode(
                id=module_id(path),
                kind="module",
                name=path.rsplit(".", 1)[-1] if path else type(model).__name__,
                parent=None if path == "" else module_id(parent_path(path) or ""),
                op_type=type(module).__name__,
                attributes=module_settings(module),
                path=path,
                params=parameter_counts(module),
                calls=0,
            )

    def ensure_module(self, path: str, op_type: str = "", name: str | None = None) -> str:
        """The id of the module node at ``path``, creating it (and its ancestors) if missing."""
        if path not in self._modules:
            parent = parent_path(path)
            if parent is not None:
                self.ensure_module(parent)
            self._modules[path] = GraphNode(
                id=module_id(path),
                kind="module",
                name=name or (path.rsplit(".", 1)[-1] if path else self.name),
                parent=None if parent is None else module_id(parent),
                op_type=op_type,
                path=path,
            )
        return module_id(path)

    def record_call(self, path: str, call_key: str) -> None:
        """Note that module ``path`` ran once under ``call_key`` (one key per call)."""
        self._call_keys[path].add(call_key)

    # -- inputs, ops, outputs ---------------------------------------------------------------

    def unique_id(self, prefix: str, name: str) -> str:
        """``prefix:name``, with a numeric suffix if that id is taken."""
        node_id, suffix = f"{prefix}:{name}", 1
        while node_id in self._others:
            node_id = f"{prefix}:{name}_{suffix}"
            suffix += 1
        return node_id

    def add_input(self, name: str, info: TensorInfo) -> str:
        node_id = self.unique_id("input", name)
        self._others[node_id] = GraphNode(
            id=node_id, kind="input", name=name, parent=module_id(""), outputs=[info]
        )
        return node_id

    def add_op(
        self,
        name: str,
        parent: str,
        op_type: str,
        attributes: dict[str, Any],
        outputs: list[TensorInfo],
        module: str | None = None,
        node_id: str | None = None,
    ) -> str:
        """Add an op inside module ``parent`` (a path); returns its node id."""
        node_id = node_id or self.unique_id("op", name)
        self._others[node_id] = GraphNode(
            id=node_id,
            kind="op",
            name=name,
            parent=self.ensure_module(parent),
            op_type=op_type,
            attributes=attributes,
            outputs=outputs,
            module=None if module is None else self.ensure_module(module),
        )
        return node_id

    def add_output(self, name: str, ref: TensorRef) -> str:
        node_id = self.unique_id("output", name)
        self._others[node_id] = GraphNode(
            id=node_id, kind="output", name=name, parent=module_id(""), outputs=[ref.info]
        )
        self.add_edge(ref, node_id)
        return node_id

    def node(self, node_id: str) -> GraphNode:
        return self._others.get(node_id) or self._modules[node_id.removeprefix("module:")]

    # -- edges ------------------------------------------------------------------------------

    def add_edge(self, ref: TensorRef, target: str) -> None:
        key = (ref.source, target, ref.index)
        if key in self._edge_keys:
            return
        self._edge_keys.add(key)
        self._edges.append(GraphEdge(ref.source, target, ref.info.shape, ref.info.dtype, ref.index))

    def connect(self, arg_refs: Any, target: str) -> list[str]:
        """Edges from every tensor in ``arg_refs`` to ``target``; returns parameters used."""
        parameters: list[str] = []
        for leaf in ref_leaves(arg_refs):
            if isinstance(leaf, TensorRef):
                self.add_edge(leaf, target)
            elif isinstance(leaf, ParamRef) and leaf.target not in parameters:
                parameters.append(leaf.target)
        return parameters

    # -- result -----------------------------------------------------------------------------

    def build(self, tracer: TracerName, fallbacks: dict[str, str] | None = None) -> ModelGraph:
        if "" not in self._modules:
            self.ensure_module("", op_type=self.name, name=self.name)
        for path, keys in self._call_keys.items():
            node = self._modules.get(path)
            if node is not None:
                node.calls = len(keys)
        self._modules[""].calls = 1  # one forward pass was traced
        return ModelGraph(
            name=self.name,
            tracer=tracer,
            nodes=[*self._modules.values(), *self._others.values()],
            edges=list(self._edges),
            fallbacks=dict(fallbacks or {}),
        )

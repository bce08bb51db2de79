"""Walking a torch.fx graph (from symbolic tracing or torch.export) into a GraphBuilder.

Nodes whose result holds no tensor (``x.size(0)``, ``x.shape``), attribute fetches of
parameters, and indexing into tuple/list/dict results are plumbing: they get no node; their
tensors are followed through reference trees so edges run from the op that made a tensor to
the op that uses it.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

from torch import fx

from torchscope.graph.builder import GraphBuilder
from torchscope.graph.refs import ParamRef, TensorRef
from torchscope.graph.settings import SKIP, json_value
from torchscope.graph.values import (
    contains_tensor_info,
    index_refs,
    info_leaves,
    refs_for_output,
)

_CONTAINER_ACCESS = (operator.getitem, getattr)


def module_stack(node: fx.Node) -> list[tuple[str, str, str]]:
    """(call key, module path, type name) for each module enclosing ``node``, outermost first."""
    stack = node.meta.get("nn_module_stack") or {}
    entries: list[tuple[str, str, str]] = []
    for key, value in stack.items():
        path, module_type = value if isinstance(value, tuple) else (str(value), "")
        type_name = module_type.__name__ if isinstance(module_type, type) else str(module_type)
        entries.append((str(key), clean_module_path(str(path)), type_name.rsplit(".", 1)[-1]))
    return entries


def clean_module_path(path: str) -> str:
    """Module paths as named_modules spells them ("L['self'].layer1" -> "layer1")."""
    for prefix in ("L['self'].", "L['self']", "self."):
        if path.startswith(prefix):
            path = path[len(prefix) :]
    return path.removeprefix(".")


def constant_attributes(named_values: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """The JSON-able constant arguments of a call; tensor arguments are edges, not attributes."""
    attributes: dict[str, Any] = {}
    for name, value in named_values:
        if _mentions_node(value):
            continue
        converted = json_value(value)
        if converted is not SKIP:
            attributes[name] = converted
    return attributes


def _mentions_node(value: Any) -> bool:
    found = False

    def visit(arg: fx.Node) -> fx.Node:
        nonlocal found
        found = True
        return arg

    fx.node.map_arg(value, visit)
    return found


class FxGraphWalker:
    """Turns an fx graph into builder ops and edges; subclasses say how nodes are named."""

    def __init__(self, builder: GraphBuilder, infos: dict[fx.Node, Any]) -> None:
        self.builder = builder
        # info tree (TensorInfo leaves) of each node's value
        self.infos = infos
        self.refs: dict[fx.Node, Any] = {}

    # -- hooks for subclasses ---------------------------------------------------------------

    def placeholder_refs(self, node: fx.Node) -> Any:
        raise NotImplementedError

    def describe(self, node: fx.Node) -> tuple[str, str, dict[str, Any], str | None]:
        """(display name, op_type, attributes, called module path or None) of a visible op."""
        raise NotImplementedError

    def add_outputs(self, node: fx.Node, refs: Any) -> None:
        raise NotImplementedError

    # -- walk -------------------------------------------------------------------------------

    def walk(self, graph: fx.Graph) -> None:
        for node in graph.nodes:
            if node.op == "placeholder":
                self.refs[node] = self.placeholder_refs(node)
            elif node.op == "get_attr":
                self.refs[node] = ParamRef(str(node.target))
            elif node.op == "output":
                self.add_outputs(node, self._arg_refs(node.args[0]))
            else:
                self.refs[node] = self._visit_call(node)

    def _arg_refs(self, value: Any) -> Any:
        return fx.node.map_aggregate(
            value, lambda arg: self.refs.get(arg) if isinstance(arg, fx.Node) else None
        )

    def _visit_call(self, node: fx.Node) -> Any:
        if node.op == "call_function" and node.target in _CONTAINER_ACCESS and node.args:
            container = self.refs.get(node.args[0]) if isinstance(node.args[0], fx.Node) else None
            if not isinstance(container, TensorRef) and len(node.args) > 1:
                # indexing a tuple/list/dict result: plumbing, follow the reference tree
                return index_refs(container, node.args[1])
        info = self.infos.get(node)
        if not contains_tensor_info(info):
            return None  # sizes, shapes, asserts: no tensor, no node
        stack = module_stack(node)
        for key, path, module_type in stack:
            self.builder.ensure_module(path, module_type)
            self.builder.record_call(path, key)
        name, op_type, attributes, called = self.describe(node)
        parent = stack[-1][1] if stack else ""
        op_id = self.builder.add_op(
            name,
            parent,
            op_type,
            attributes,
            info_leaves(info),
            module=called,
            node_id=self.builder.unique_id("op", node.name),  # fx names are unique already
        )
        parameters = self.builder.connect(self._arg_refs((node.args, node.kwargs)), op_id)
        if parameters:
            # parameters used directly (self.weight in F.linear) are settings, not edges
            self.builder.node(op_id).attributes["parameters"] = parameters
        return refs_for_output(op_id, info)

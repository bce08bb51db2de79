"""The second tracer: torch.export (follows shape-dependent Python, works on ATen ops)."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import torch
from torch import fx, nn
from torch.utils import _pytree as pytree

from torchscope.graph.builder import GraphBuilder
from torchscope.graph.fx_graph import FxGraphWalker, constant_attributes
from torchscope.graph.inputs import BoundInputs
from torchscope.graph.model import ModelGraph
from torchscope.graph.refs import ParamRef, TensorRef
from torchscope.graph.values import (
    info_tree,
    leaves_with_paths,
    tensor_info,
)


def op_type_of(target: Any) -> str:
    """ "aten::linear" for ATen overloads, the function name otherwise."""
    schema = getattr(target, "_schema", None)
    if schema is not None:
        return str(schema.name)
    return str(getattr(target, "__name__", target))


class _ExportWalker(FxGraphWalker):
    def __init__(
        self,
        builder: GraphBuilder,
        infos: dict[fx.Node, Any],
        program: torch.export.ExportedProgram,
        input_refs: dict[str, Any],
    ) -> None:
        super().__init__(builder, infos)
        self.program = program
        self.input_refs = input_refs
        self.signature = program.graph_signature

    def placeholder_refs(self, node: fx.Node) -> Any:
        if node.name in self.input_refs:
            return self.input_refs[node.name]
        for spec in self.signature.input_specs:
            if getattr(spec.arg, "name", None) == node.name and spec.target is not None:
                return ParamRef(str(spec.target))
        return None

    def describe(self, node: fx.Node) -> tuple[str, str, dict[str, Any], str | None]:
        schema = getattr(node.target, "_schema", None)
        if schema is not None:
            names = [argument.name for argument in schema.arguments]
            named = list(zip(names, node.args, strict=False))
        else:
            named = [(f"arg{i}", arg) for i, arg in enumerate(node.args)]
        named += list(node.kwargs.items())
        return node.name, op_type_of(node.target), constant_attributes(named), None

    def add_outputs(self, node: fx.Node, refs: Any) -> None:
        kinds = [spec.kind.name for spec in self.signature.output_specs]
        user = [ref for ref, kind in zip(refs, kinds, strict=False) if kind == "USER_OUTPUT"]
        try:
            structured = pytree.tree_unflatten(user, self.program.call_spec.out_spec)
        except Exception:  # no usable output spec: name outputs by position
            structured = user if len(user) != 1 else user[0]
        for path, leaf in leaves_with_paths(structured):
            if isinstance(leaf, TensorRef):
                self.builder.add_output("output" + path, leaf)


def _input_leaf_names(inputs: BoundInputs) -> list[tuple[str, torch.Tensor]]:
    """Tensor leaves of (args, kwargs) in the order torch.export flattens them, named."""
    names = list(inputs.arguments)
    named: list[tuple[str, torch.Tensor]] = []
    for position, value in enumerate(inputs.args):
        base = names[position] if position < len(names) else f"input_{position}"
        named += [(base + p, t) for p, t in leaves_with_paths(value) if isinstance(t, torch.Tensor)]
    for key, value in inputs.kwargs.items():
        named += [(key + p, t) for p, t in leaves_with_paths(value) if isinstance(t, torch.Tensor)]
    return named


def trace_export(model: nn.Module, inputs: BoundInputs) -> ModelGraph:
    """Graph of ``model`` through torch.export; raises where export cannot follow."""
    # a failed export prints its partial graph straight to stderr; the failure itself is
    # reported in graph.fallbacks, so that dump is noise
    with contextlib.redirect_stderr(io.StringIO()):
        program = torch.export.export(model, inputs.args, inputs.kwargs)
    builder = GraphBuilder(type(model).__name__)
    builder.add_module_tree(model)

    user_placeholders = [
        spec.arg.name
        for spec in program.graph_signature.input_specs
        if spec.kind.name == "USER_INPUT" and hasattr(spec.arg, "name")
    ]
    infos = {node: info_tree(node.meta.get("val")) for node in program.graph.nodes}
    by_name = {node.name: node for node in program.graph.nodes}
    tensor_placeholders = [
        name
        for name in user_placeholders
        if name in by_name and isinstance(by_name[name].meta.get("val"), torch.Tensor)
    ]
    leaves = _input_leaf_names(inputs)
    if len(leaves) != len(tensor_placeholders):
        leaves = [(name, by_name[name].meta["val"]) for name in tensor_placeholders]
    input_refs: dict[str, Any] = {}
    for placeholder, (leaf_name, tensor) in zip(tensor_placeholders, leaves, strict=True):
        node_id = builder.add_input(leaf_name, tensor_info(tensor))
        input_refs[placeholder] = TensorRef(node_id, tensor_info(tensor), "")
    _ExportWalker(builder, infos, program, input_refs).walk(program.graph)
    return builder.build("export")

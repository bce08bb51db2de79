"""The last tracer: torch.jit.trace (records the path one input took through any Python).

The TorchScript graph is walked like TensorBoard's add_graph walks it, but prim:: plumbing
(constants, list/tuple construction and unpacking, attribute fetches) is folded into
reference trees instead of becoming nodes.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from torchscope.graph.builder import GraphBuilder
from torchscope.graph.inputs import BoundInputs
from torchscope.graph.model import ModelGraph, TensorInfo
from torchscope.graph.refs import ParamRef, TensorRef
from torchscope.graph.settings import SKIP, json_value
from torchscope.graph.values import (
    index_refs,
    leaves_with_paths,
    refs_for_input,
    tensor_info,
)

# TorchScript scalar type names -> torch dtype names
_SCALAR_TYPES = {
    "Float": "float32",
    "Double": "float64",
    "Half": "float16",
    "BFloat16": "bfloat16",
    "Long": "int64",
    "Int": "int32",
    "Short": "int16",
    "Char": "int8",
    "Byte": "uint8",
    "Bool": "bool",
    "ComplexFloat": "complex64",
    "ComplexDouble": "complex128",
}

_CONSTRUCT = {"prim::TupleConstruct": tuple, "prim::ListConstruct": list}
_UNPACK = {"prim::TupleUnpack", "prim::ListUnpack"}
_INDEX = {"prim::TupleIndex", "aten::__getitem__", "prim::DictIndex", "aten::list"}


@dataclass(frozen=True)
class _ListRef:
    """A list of tensors returned by one op (aten::chunk); element shapes come from unpacking."""

    source: str


def jit_tensor_info(value: torch._C.Value) -> TensorInfo | None:
    """Shape and dtype of a traced value, None if it is not a tensor."""
    value_type = value.type()
    if not isinstance(value_type, torch._C.TensorType):
        return None
    sizes = value_type.sizes()
    scalar = value_type.scalarType()
    return TensorInfo(
        shape=None if sizes is None else tuple(int(s) for s in sizes),
        dtype=None if scalar is None else _SCALAR_TYPES.get(scalar, scalar.lower()),
    )


def scope_path(node: torch._C.Node) -> str:
    """Module path of a traced node: "__module.a/__module.a.b" -> "a.b"."""
    scope = node.scopeName()
    if not scope:
        return ""
    return scope.rsplit("/", 1)[-1].removeprefix("__module.").removeprefix("__module")


def _has_tensor_output(node: torch._C.Node) -> bool:
    for output in node.outputs():
        output_type = output.type()
        if isinstance(output_type, torch._C.TensorType):
            return True
        if "Tensor" in str(output_type):
            return True
    return False


class _JitWalker:
    def __init__(self, builder: GraphBuilder) -> None:
        self.builder = builder
        self.refs: dict[int, Any] = {}
        self.constants: dict[int, Any] = {}
        self.attr_paths: dict[int, str] = {}
        self.counters: dict[str, int] = defaultdict(int)

    def constant(self, value: torch._C.Value) -> Any:
        return self.constants.get(value.unique(), SKIP)

    def walk(self, graph: torch._C.Graph) -> None:
        for node in graph.nodes():
            self._visit(node)

    def _visit(self, node: torch._C.Node) -> None:
        kind = node.kind()
        inputs = list(node.inputs())
        outputs = list(node.outputs())
        if kind == "prim::Constant":
            # constants that are not IValues (functions) are never data
            with contextlib.suppress(Exception):
                self.constants[outputs[0].unique()] = outputs[0].toIValue()
        elif kind == "prim::GetAttr":
            owner = self.attr_paths.get(inputs[0].unique(), "")
            path = f"{owner}.{node.s('name')}" if owner else node.s("name")
            self.attr_paths[outputs[0].unique()] = path
            self.refs[outputs[0].unique()] = ParamRef(path)
        elif kind in _CONSTRUCT:
            values = [self.refs.get(i.unique()) for i in inputs]
            self.refs[outputs[0].unique()] = _CONSTRUCT[kind](values)
            consts = [self.constant(i) for i in inputs]
            if all(c is not SKIP for c in consts):
                self.constants[outputs[0].unique()] = _CONSTRUCT[kind](consts)
        elif kind == "prim::DictConstruct":
            keys = [self.constant(i) for i in inputs[0::2]]
            values = [self.refs.get(i.unique()) for i in inputs[1::2]]
            self.refs[outputs[0].unique()] = dict(zip(keys, values, strict=False))
        elif kind in _UNPACK:
            container = self.refs.get(inputs[0].unique())
            for position, output in enumerate(outputs):
                self.refs[output.unique()] = self._element(container, position, output)
        elif (
            kind in _INDEX
            and len(inputs) > 1
            and not isinstance(self.refs.get(inputs[0].unique()), TensorRef)
        ):
            container = self.refs.get(inputs[0].unique())
            self.refs[outputs[0].unique()] = self._element(
                container, self.constant(inputs[1]), outputs[0]
            )
        elif kind.startswith("prim::") or not _has_tensor_output(node):
            pass  # plumbing or scalar arithmetic on sizes: no tensor, no node
        else:
            self._add_op(node, kind, inputs, outputs)

    def _element(self, container: Any, key: Any, output: torch._C.Value) -> Any:
        if isinstance(container, _ListRef):
            info = jit_tensor_info(output)
            return None if info is None else TensorRef(container.source, info, f"[{key}]")
        return index_refs(container, key)

    def _add_op(
        self,
        node: torch._C.Node,
        kind: str,
        inputs: list[torch._C.Value],
        outputs: list[torch._C.Value],
    ) -> None:
        short = kind.split("::", 1)[-1]
        count = self.counters[short]
        self.counters[short] += 1
        name = short if count == 0 else f"{short}_{count}"
        path = scope_path(node)
        if path:
            parts = path.split(".")
            for depth in range(1, len(parts) + 1):
                self.builder.record_call(".".join(parts[:depth]), "traced")
        infos = [jit_tensor_info(output) for output in outputs]
        op_id = self.builder.add_op(
            name, path, kind, self._attributes(node, inputs), [i for i in infos if i]
        )
        arg_refs = [self.refs.get(value.unique()) for value in inputs]
        parameters = self.builder.connect(arg_refs, op_id)
        if parameters:
            self.builder.node(op_id).attributes["parameters"] = parameters
        for position, (output, info) in enumerate(zip(outputs, infos, strict=True)):
            index = "" if len(outputs) == 1 else f"[{position}]"
            if info is not None:
                self.refs[output.unique()] = TensorRef(op_id, info, index)
            elif "Tensor" in str(output.type()):
                self.refs[output.unique()] = _ListRef(op_id)

    def _attributes(self, node: torch._C.Node, inputs: list[torch._C.Value]) -> dict[str, Any]:
        try:
            names = [argument.name for argument in torch._C.parse_schema(node.schema()).arguments]
        except Exception:  # ops without a parseable schema keep positional names
            names = []
        attributes: dict[str, Any] = {}
        for position, value in enumerate(inputs):
            constant = json_value(self.constant(value))
            if constant is SKIP or value.unique() in self.refs:
                continue
            name = names[position] if position < len(names) else f"arg{position}"
            attributes[name] = constant
        return attributes

    def add_outputs(self, graph: torch._C.Graph) -> None:
        for output in graph.outputs():
            refs = self.refs.get(output.unique())
            for path, leaf in leaves_with_paths(refs):
                if isinstance(leaf, TensorRef):
                    self.builder.add_output("output" + path, leaf)


def trace_jit(model: nn.Module, inputs: BoundInputs) -> ModelGraph:
    """Graph of ``model`` through torch.jit.trace (one recorded path through the code)."""
    args = inputs.positional()
    traced = torch.jit.trace(model, args, strict=False, check_trace=False)
    graph = traced.inlined_graph
    builder = GraphBuilder(type(model).__name__)
    builder.add_module_tree(model)
    walker = _JitWalker(builder)
    leaf_ids = {name: builder.add_input(name, tensor_info(t)) for name, t in inputs.tensor_leaves()}
    graph_inputs = list(graph.inputs())[1:]  # the first input is the module itself
    for value, (name, example) in zip(graph_inputs, inputs.arguments.items(), strict=False):
        walker.refs[value.unique()] = refs_for_input(name, example, leaf_ids)
    walker.walk(graph)
    walker.add_outputs(graph)
    return builder.build("jit")

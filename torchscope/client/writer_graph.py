"""``add_graph``: TensorBoard's GraphDef of a traced model, node for node as torch's writer
builds it (same names, ops, inputs, ``_output_shapes`` and ``attr`` strings), so the graph
dashboard shows the same picture. Needs torch, and nothing from the tensorboard package.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from torchscope.events.messages import (
    AttrValue,
    DeviceStepStats,
    Event,
    GraphDef,
    NodeDef,
    RunMetadata,
    TaggedRunMetadata,
    TensorShapeProto,
    VersionDef,
)

__all__ = ["graph_def", "graph_events"]

_GET_ATTR = "prim::GetAttr"
_CLASS_TYPE = "ClassType"
_PRODUCER_VERSION = 22


@dataclass
class _Node:
    """One node of the drawn graph: a graph input/output or one output of an op."""

    name: str
    op: str
    inputs: list[str] = field(default_factory=list)
    scope: str | None = None
    shape: list[int] | None = None
    attributes: str = ""
    io_kind: str | None = None  # "input" / "output" for graph inputs and outputs


@dataclass
class _Op:
    kind: str
    scope: str
    inputs: list[str]
    outputs: list[tuple[str, list[int] | None]]
    attributes: str


@contextlib.contextmanager
def _eval_mode(model: Any) -> Iterator[None]:
    import torch

    if isinstance(model, torch.jit.ScriptFunction):
        yield
        return
    was_training = model.training
    model.train(False)
    try:
        yield
    finally:
        model.train(was_training)


def _value_shape(value: Any, default: list[int] | None) -> list[int] | None:
    try:
        sizes = value.type().sizes()
    except RuntimeError:
        return default
    return list(sizes) if sizes is not None else default


def _attribute_string(node: Any) -> str:
    """The JIT node's attributes as torch prints them (dict repr with quotes as spaces)."""
    attributes = {name: getattr(node, node.kindOf(name))(name) for name in node.attributeNames()}
    return str(attributes).replace("'", " ")


def _module_name(module: Any) -> str:
    import torch

    if isinstance(module, torch.jit.TracedModule):
        return str(module._name)
    return str(getattr(module, "original_name", "Module"))


def _collect(graph: Any, trace: Any) -> tuple[list[_Node], list[_Op]]:
    io_nodes: list[_Node] = []
    for value in graph.inputs():
        if not value.uses() or value.type().kind() == _CLASS_TYPE:
            continue  # unused inputs and the module itself are not drawn
        io_nodes.append(
            _Node(value.debugName(), "IO Node", shape=_value_shape(value, [1]), io_kind="input")
        )
    ops: list[_Op] = []
    attribute_scope: dict[str, str] = {}
    for node in graph.nodes():
        scope = node.scopeName()
        if node.kind() == _GET_ATTR:
            key = node.output().debugName()
            parent = node.input().node()
            if parent.kind() == _GET_ATTR:
                parent_scope = attribute_scope[parent.output().debugName()]
                leaf = parent_scope.split("/")[-1]
                attribute_scope[key] = f"{parent_scope}/{leaf}.{node.s('name')}"
            else:
                attribute_scope[key] = f"__module.{node.s('name')}"
            if node.output().type().kind() == _CLASS_TYPE:
                continue  # a submodule handle, not a tensor
            scope = attribute_scope[key]
        outputs = [
            (out.debugName(), list(out.type().sizes()) if out.isCompleteTensor() else None)
            for out in node.outputs()
        ]
        ops.append(
            _Op(
                kind=node.kind(),
                scope=scope,
                inputs=[value.debugName() for value in node.inputs()],
                outputs=outputs,
                attributes=_attribute_string(node),
            )
        )
    for index, value in enumerate(graph.outputs(), start=1):
        io_nodes.append(
            _Node(
                f"output.{index}",
                "IO Node",
                inputs=[value.debugName()],
                shape=_value_shape(value, [1]),
                io_kind="output",
            )
        )
    _name_scopes(ops, trace)
    return io_nodes, ops


def _name_scopes(ops: list[_Op], trace: Any) -> None:
    """Turn ``__module.conv1`` scopes into ``Net/Conv2d[conv1]`` as TensorBoard groups them."""
    readable = {
        name: f"{_module_name(module)}[{name.split('.')[-1]}]"
        for name, module in trace.named_modules(prefix="__module")
    }
    root = _module_name(trace)
    for op in ops:
        parts = [readable.get(alias, alias.split(".")[-1]) for alias in op.scope.split("/")]
        op.scope = root + ("/" + "/".join(parts) if any(parts) else "")


def _resolve_names(io_nodes: list[_Node], ops: list[_Op]) -> list[_Node]:
    nodes: dict[str, _Node] = {node.name: node for node in io_nodes}
    seen_scopes: list[str] = []
    for op in ops:
        for name, shape in op.outputs:
            seen_scopes.append(op.scope)
            nodes[name] = _Node(name, op.kind, list(op.inputs), op.scope, shape, op.attributes)
    shallowest = "default"
    for scope in seen_scopes:
        if scope:
            shallowest = scope.split("/")[0]
    scoped: dict[str, str] = {}
    for op in ops:
        for name in op.inputs:
            scoped[name] = f"{op.scope}/{name}"
    for key, node in nodes.items():
        if node.io_kind is not None:
            scoped[key] = f"{node.io_kind}/{node.name}"
        if node.scope is not None:
            scoped[key] = f"{node.scope}/{node.name}"
            if node.scope == "" and shallowest:
                scoped[node.name] = f"{shallowest}/{node.name}"
    for node in nodes.values():
        node.inputs = [scoped[name] for name in node.inputs]
        node.name = scoped.get(node.name, node.name)
    return list(nodes.values())


def _node_def(node: _Node) -> Any:
    attr = {"attr": AttrValue(s=node.attributes.encode("utf-8"))}
    if node.shape is not None:
        shape = TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in node.shape])
        attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[shape]))
    return NodeDef(name=node.name, op=node.op, input=node.inputs, attr=attr)


def graph_def(
    model: Any, input_to_model: Any, verbose: bool = False, use_strict_trace: bool = True
) -> Any:
    """Trace ``model`` (in eval mode) and return TensorBoard's ``GraphDef`` of the trace."""
    import torch

    if not callable(model):
        raise TypeError(f"model must be an nn.Module or a callable, got {type(model).__name__}")
    with _eval_mode(model):
        trace = torch.jit.trace(model, input_to_model, strict=use_strict_trace)
        graph = trace.graph
        torch._C._jit_pass_inline(graph)
    if verbose:
        print(graph)
    io_nodes, ops = _collect(graph, trace)
    nodes = _resolve_names(io_nodes, ops)
    return GraphDef(
        node=[_node_def(node) for node in nodes],
        versions=VersionDef(producer=_PRODUCER_VERSION),
    )


def graph_events(
    model: Any, input_to_model: Any, verbose: bool = False, use_strict_trace: bool = True
) -> list[Any]:
    """The two events torch writes for a graph: the GraphDef and its run metadata."""
    graph = graph_def(model, input_to_model, verbose, use_strict_trace)
    run_metadata = RunMetadata()
    run_metadata.step_stats.dev_stats.append(DeviceStepStats(device="/device:CPU:0"))
    metadata = TaggedRunMetadata(tag="step1", run_metadata=run_metadata.SerializeToString())
    return [
        Event(graph_def=graph.SerializeToString()),
        Event(tagged_run_metadata=metadata),
    ]


def save_module_graph(model: Any, input_to_model: Any, log_dir: str) -> None:
    """Save torchscope's module graph of ``model`` in ``log_dir`` for the Graphs view.

    A model the tracers cannot follow only costs a warning: the GraphDef is already written.
    """
    import warnings

    from torchscope.client.writer_files import is_remote_path, join_path
    from torchscope.graph import trace
    from torchscope.graph.files import graph_file_name, save_model_graph

    inputs = () if input_to_model is None else input_to_model
    try:
        graph = trace(model, inputs)
    except Exception as error:
        warnings.warn(
            f"add_graph: the GraphDef was written, but torchscope's module graph was not: {error}",
            stacklevel=3,
        )
        return
    if is_remote_path(log_dir):
        import fsspec

        with fsspec.open(join_path(log_dir, graph_file_name("model")), "w") as remote:
            remote.write(graph.to_json())
    else:
        save_model_graph(graph, log_dir, tag="model")

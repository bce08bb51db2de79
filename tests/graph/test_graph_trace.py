"""trace(): the model shapes users write, as a module tree of ops with labelled tensor edges."""

from __future__ import annotations

import pytest
import torch
from graph_models import (
    DictModel,
    FunctionalModel,
    NestedModel,
    OptionalArgsModel,
    RecurrentModel,
    SharedModel,
    SmallCNN,
    TupleModel,
)
from torch import nn

from torchscope.graph import GraphTraceError, ModelGraph, trace


def edges_between(graph: ModelGraph, source: str, target: str) -> list:
    return [e for e in graph.edges if e.source == source and e.target == target]


def op_types(graph: ModelGraph) -> list[str]:
    return [op.op_type for op in graph.ops]


def test_small_cnn_hierarchy_settings_and_params() -> None:
    torch.manual_seed(0)
    model = SmallCNN()
    x = torch.randn(2, 1, 8, 8)
    graph = trace(model, x)

    assert graph.tracer == "fx" and graph.fallbacks == {}
    assert graph.root.name == "SmallCNN" and graph.root.id == "module:"
    assert {m.path for m in graph.modules} == {path for path, _ in model.named_modules()}
    conv = graph.node("module:conv1")
    assert conv.op_type == "Conv2d" and conv.parent == "module:"
    assert conv.attributes["kernel_size"] == [3, 3]
    assert conv.attributes["stride"] == [1, 1] and conv.attributes["padding"] == [1, 1]
    assert conv.attributes["in_channels"] == 1 and conv.attributes["out_channels"] == 8
    assert graph.node("module:fc").attributes["in_features"] == model.fc.in_features
    assert "extra_repr" in conv.attributes
    assert conv.params is not None
    assert conv.params.own == sum(p.numel() for p in model.conv1.parameters())
    assert graph.root.params is not None
    assert graph.root.params.total == sum(p.numel() for p in model.parameters())
    assert graph.root.params.own == 0

    assert op_types(graph) == ["Conv2d", "BatchNorm2d", "relu", "max_pool2d", "flatten", "Linear"]
    conv_op = graph.ops[0]
    assert conv_op.parent == "module:conv1" and conv_op.module == "module:conv1"
    (into_conv,) = edges_between(graph, "input:x", conv_op.id)
    assert into_conv.shape == (2, 1, 8, 8) and into_conv.dtype == "float32"
    (conv_to_bn,) = edges_between(graph, conv_op.id, graph.ops[1].id)
    assert conv_to_bn.shape == tuple(model.conv1(x).shape)
    (to_output,) = [e for e in graph.edges if e.target.startswith("output:")]
    assert to_output.source == graph.ops[-1].id and to_output.shape == (2, 10)


def test_dict_inputs_and_outputs_fold_their_indexing() -> None:
    batch = {"image": torch.randn(3, 6), "text": torch.randn(3, 5)}
    graph = trace(DictModel(), (batch,))

    assert [n.name for n in graph.nodes_of_kind("input")] == ["batch['image']", "batch['text']"]
    assert [n.name for n in graph.nodes_of_kind("output")] == [
        "output['logits']",
        "output['features']",
    ]
    assert "getitem" not in op_types(graph)
    image_op = next(op for op in graph.ops if op.module == "module:image")
    (edge,) = edges_between(graph, "input:batch['image']", image_op.id)
    assert edge.shape == (3, 6)
    cat = next(op for op in graph.ops if op.op_type == "cat")
    assert cat.attributes["dim"] == 1
    assert {e.source for e in graph.edges if e.target == cat.id} == {
        op.id for op in graph.ops if op.module in ("module:image", "module:text")
    }
    (features,) = edges_between(graph, cat.id, "output:output['features']")
    assert features.shape == (3, 8)

    # a dict given directly is the keyword arguments: same graph
    as_kwargs = trace(DictModel(), {"batch": batch})
    assert as_kwargs.to_dict()["edges"] == graph.to_dict()["edges"]


def test_tuple_inputs_and_outputs() -> None:
    pair = (torch.randn(2, 4), torch.randn(2, 4))
    graph = trace(TupleModel(), (pair,))
    assert [n.name for n in graph.nodes_of_kind("input")] == ["pair[0]", "pair[1]"]
    assert [n.name for n in graph.nodes_of_kind("output")] == ["output[0]", "output[1]"]
    assert "getitem" not in op_types(graph)
    add = next(op for op in graph.ops if op.op_type == "add")
    assert edges_between(graph, "input:pair[1]", add.id)
    right = next(op for op in graph.ops if op.module == "module:right")
    assert edges_between(graph, right.id, "output:output[1]")[0].shape == (2, 2)


def test_shared_module_called_twice() -> None:
    graph = trace(SharedModel(), torch.randn(5, 4))
    calls = [op for op in graph.ops if op.module == "module:shared"]
    assert len(calls) == 2
    assert graph.node("module:shared").calls == 2
    assert graph.node("module:out").calls == 1
    tanh = next(op for op in graph.ops if op.op_type == "tanh")
    assert edges_between(graph, calls[0].id, tanh.id)
    assert edges_between(graph, tanh.id, calls[1].id)


def test_functional_calls_operators_and_hidden_plumbing() -> None:
    x, y = torch.randn(2, 8), torch.randn(2, 8)
    graph = trace(FunctionalModel(), (x, y))
    types = op_types(graph)
    for expected in ("Linear", "relu", "mul", "add", "cat", "view", "getitem", "linear"):
        assert expected in types
    assert "size" not in types  # x.size(0) is plumbing
    linear = next(op for op in graph.ops if op.op_type == "linear")
    assert linear.attributes["parameters"] == ["weight"]
    assert not any(e.source.startswith("op:size") for e in graph.edges)
    (out_edge,) = [e for e in graph.edges if e.target == "output:output"]
    assert out_edge.source == linear.id and out_edge.shape == (2, 3)
    view = next(op for op in graph.ops if op.op_type == "view")
    assert [e.source for e in graph.edges if e.target == view.id] == [
        next(op.id for op in graph.ops if op.op_type == "cat")
    ]


def test_nested_sequentials_nest_as_named_modules() -> None:
    model = NestedModel()
    graph = trace(model, torch.randn(2, 4))
    deepest = next(op for op in graph.ops if op.module == "module:body.1.0.0")
    assert [m.id for m in graph.ancestors(deepest.id)] == [
        "module:body.1.0.0",
        "module:body.1.0",
        "module:body.1",
        "module:body",
        "module:",
    ]
    assert graph.node("module:body.1.0").op_type == "Sequential"
    assert graph.node("module:body").params.total == sum(p.numel() for p in model.parameters())

    top = graph.collapsed(1)
    assert [n.id for n in top.ops] == ["module:body"]
    assert [(e.source, e.target) for e in top.edges] == [
        ("input:x", "module:body"),
        ("module:body", "output:output"),
    ]
    second = graph.collapsed(2)
    assert [n.id for n in second.ops] == ["module:body.0", "module:body.1"]
    assert edges_between(second, "module:body.0", "module:body.1")[0].shape == (2, 8)


def test_recurrent_tuple_output_is_folded() -> None:
    x = torch.randn(3, 7, 6)
    graph = trace(RecurrentModel(), x)
    lstm = next(op for op in graph.ops if op.module == "module:lstm")
    assert len(lstm.outputs) == 3  # out, h, c
    (to_slice,) = [e for e in graph.edges if e.source == lstm.id and e.target != "output:output[1]"]
    assert to_slice.index == "[0]" and to_slice.shape == (3, 7, 10)
    assert graph.node(to_slice.target).op_type == "getitem"  # out[:, -1] is a real op
    (hidden,) = edges_between(graph, lstm.id, "output:output[1]")
    assert hidden.index == "[1][0]" and hidden.shape == (4, 3, 5)


def test_defaults_and_non_tensor_arguments_are_constants() -> None:
    x = torch.randn(2, 4)
    plain = trace(OptionalArgsModel(), x)
    assert plain.tracer == "fx"
    assert [op.op_type for op in plain.ops] == ["Linear"]
    mask = torch.zeros(2, 4, dtype=torch.bool)
    looped = trace(OptionalArgsModel(), (x, mask, 3))
    assert looped.tracer == "fx"
    assert [op.op_type for op in looped.ops] == ["Linear"] * 3 + ["masked_fill"]
    assert [n.name for n in looped.nodes_of_kind("input")] == ["x", "mask"]
    assert looped.node("module:fc").calls == 3
    (mask_edge,) = [e for e in looped.edges if e.source == "input:mask"]
    assert mask_edge.dtype == "bool"


def test_tracers_agree_on_a_plain_cnn() -> None:
    x = torch.randn(2, 1, 8, 8)
    graphs = {name: trace(SmallCNN(), x, tracers=[name]) for name in ("fx", "jit")}
    for name, graph in graphs.items():
        assert graph.tracer == name
        assert len(graph.ops) == 6
        shapes = sorted(e.shape for e in graph.edges)
        assert shapes == sorted(e.shape for e in graphs["fx"].edges)
        conv_ops = [op for op in graph.ops if op.parent == "module:conv1"]
        assert len(conv_ops) == 1


def test_training_flags_are_restored() -> None:
    model = SmallCNN().train()
    model.bn.eval()
    trace(model, torch.randn(2, 1, 8, 8))
    assert model.training and model.conv1.training and not model.bn.training


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="model"):
        trace("not a model", torch.randn(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="example_inputs"):
        trace(SmallCNN(), None)
    with pytest.raises(ValueError, match="example_inputs"):
        trace(SmallCNN(), (torch.randn(1, 1, 8, 8), torch.randn(1)))
    with pytest.raises(ValueError, match="example_inputs"):
        trace(SmallCNN(), (3,))
    with pytest.raises(ValueError, match="tracers"):
        trace(SmallCNN(), torch.randn(1, 1, 8, 8), tracers=["magic"])


class Broken(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ torch.ones(3, 3)  # wrong inner size for the example


def test_all_tracers_failing_reports_each() -> None:
    with pytest.raises(GraphTraceError) as caught:
        trace(Broken(), torch.randn(2, 4), tracers=["fx", "jit"])
    assert set(caught.value.failures) == {"fx", "jit"}
    assert "Broken" in str(caught.value)

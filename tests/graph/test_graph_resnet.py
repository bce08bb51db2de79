"""A ResNet-50-sized network built in code: the scale the Graphs view must handle."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from torchscope.graph import ModelGraph, ModelSummary, summary, trace
from torchscope.graph.zoo import resnet50


@pytest.fixture(scope="module")
def model() -> nn.Module:
    torch.manual_seed(0)
    return resnet50()


@pytest.fixture(scope="module")
def graph(model: nn.Module) -> ModelGraph:
    return trace(model, torch.randn(1, 3, 64, 64))


@pytest.fixture(scope="module")
def table(model: nn.Module) -> ModelSummary:
    return summary(model, torch.randn(1, 3, 64, 64), verbose=False)


def test_resnet50_size(model: nn.Module) -> None:
    assert 25_000_000 < sum(p.numel() for p in model.parameters()) < 26_000_000
    assert len([m for m in model.modules() if isinstance(m, nn.Conv2d)]) == 53


def test_graph_covers_every_module_and_layer_call(model: nn.Module, graph: ModelGraph) -> None:
    assert graph.tracer == "fx"
    assert len(graph.modules) == len(list(model.named_modules()))
    layers_called_once = [
        m for m in model.modules() if not list(m.children()) and not isinstance(m, nn.ReLU)
    ]
    blocks = sum(len(stage) for stage in (model.layer1, model.layer2, model.layer3, model.layer4))
    relu_calls = 1 + 3 * blocks  # each block reuses its one ReLU module three times
    module_calls = [op for op in graph.ops if op.module is not None]
    assert len(module_calls) == len(layers_called_once) + relu_calls
    assert graph.node("module:layer1.0.relu").calls == 3
    assert len([op for op in graph.ops if op.op_type == "add"]) == 16  # one per block
    assert graph.root.params is not None
    assert graph.root.params.total == sum(p.numel() for p in model.parameters())
    ids = {node.id for node in graph.nodes}
    assert all(node.parent in ids for node in graph.nodes if node.parent is not None)


def test_settings_and_shapes(graph: ModelGraph) -> None:
    strided = graph.node("module:layer2.0.conv2")
    assert strided.attributes["stride"] == [2, 2] and strided.attributes["kernel_size"] == [3, 3]
    shortcut = graph.node("module:layer2.0.downsample.0")
    assert shortcut.attributes["kernel_size"] == [1, 1]
    (logits,) = [e for e in graph.edges if e.target == "output:output"]
    assert logits.shape == (1, 1000)
    (into_pool,) = [e for e in graph.edges if e.target == "op:avgpool"]
    assert into_pool.shape == (1, 2048, 2, 2)
    assert graph.node(into_pool.source).parent == "module:layer4.2.relu"


def test_collapsed_view_is_the_stage_chain(graph: ModelGraph) -> None:
    top = graph.collapsed(1)
    names = [node.name for node in top.ops]
    for stage in ("layer1", "layer2", "layer3", "layer4"):
        assert stage in names
    edges = {(top.node(e.source).name, top.node(e.target).name) for e in top.edges}
    assert {("layer1", "layer2"), ("layer2", "layer3"), ("layer3", "layer4")} <= edges
    assert len(top.ops) < 15


def test_json_round_trip(graph: ModelGraph) -> None:
    assert ModelGraph.from_json(graph.to_json()).to_dict() == graph.to_dict()


def test_summary_is_exact(model: nn.Module, table: ModelSummary) -> None:
    assert table.totals is not None
    assert table.totals.total_params == sum(p.numel() for p in model.parameters())
    assert table.totals.trainable_params == table.totals.total_params
    assert sum(row.params for row in table.rows) == table.totals.total_params
    conv1 = next(row for row in table.rows if row.path == "conv1")
    assert conv1.mult_adds == 1 * 32 * 32 * 64 * 3 * 7 * 7
    convs_and_fc = sum(row.mult_adds for row in table.rows)
    assert convs_and_fc == table.totals.mult_adds

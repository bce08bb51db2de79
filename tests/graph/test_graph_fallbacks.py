"""Where torch.fx cannot follow the code, torch.export and then torch.jit.trace take over."""

from __future__ import annotations

import pytest
import torch
from graph_models import DictModel, ShapeDependentModel, TupleModel, ValueDependentModel

from torchscope.graph import trace


def test_shape_dependent_control_flow_uses_export() -> None:
    graph = trace(ShapeDependentModel(), torch.randn(3, 4))
    assert graph.tracer == "export"
    assert set(graph.fallbacks) == {"fx"} and "control flow" in graph.fallbacks["fx"]
    types = [op.op_type for op in graph.ops]
    assert types == ["aten::mul", "aten::linear", "aten::relu"]  # the branch taken, in order
    linear = graph.ops[1]
    assert linear.parent == "module:fc"
    assert linear.attributes["parameters"] == ["fc.weight", "fc.bias"]
    assert [(e.source, e.target) for e in graph.edges] == [
        ("input:x", graph.ops[0].id),
        (graph.ops[0].id, linear.id),
        (linear.id, graph.ops[2].id),
        (graph.ops[2].id, "output:output"),
    ]


def test_value_dependent_control_flow_uses_jit_and_records_the_path() -> None:
    model = ValueDependentModel()
    positive = trace(model, torch.ones(2, 4))
    assert positive.tracer == "jit"
    assert set(positive.fallbacks) == {"fx", "export"}
    assert [(op.op_type, op.parent) for op in positive.ops] == [
        ("aten::linear", "module:positive"),
        ("aten::sigmoid", "module:"),
    ]
    assert positive.node("module:negative").calls == 0
    assert positive.edges[-1].target == "output:output" and positive.edges[-1].shape == (2, 3)

    negative = trace(model, -torch.ones(2, 4), tracers=["jit"])
    assert [(op.op_type, op.parent) for op in negative.ops] == [("aten::linear", "module:negative")]


@pytest.mark.parametrize("tracer", ["export", "jit"])
@pytest.mark.parametrize(
    ("model", "inputs"),
    [
        (DictModel(), ({"image": torch.randn(3, 6), "text": torch.randn(3, 5)},)),
        (TupleModel(), ((torch.randn(2, 4), torch.randn(2, 4)),)),
    ],
)
def test_every_tracer_names_inputs_and_outputs_alike(
    tracer: str, model: torch.nn.Module, inputs: object
) -> None:
    reference = trace(model, inputs, tracers=["fx"])
    graph = trace(model, inputs, tracers=[tracer])
    assert graph.tracer == tracer
    for kind in ("input", "output"):
        assert [n.name for n in graph.nodes_of_kind(kind)] == [
            n.name for n in reference.nodes_of_kind(kind)
        ]
    assert len(graph.ops) == len(reference.ops)
    assert sorted(e.shape for e in graph.edges) == sorted(e.shape for e in reference.edges)


def test_jit_follows_dict_inputs_and_outputs() -> None:
    batch = {"image": torch.randn(3, 6), "text": torch.randn(3, 5)}
    graph = trace(DictModel(), (batch,), tracers=["jit"])
    assert [n.name for n in graph.nodes_of_kind("input")] == ["batch['image']", "batch['text']"]
    assert [n.name for n in graph.nodes_of_kind("output")] == [
        "output['logits']",
        "output['features']",
    ]
    assert not any(op.op_type.startswith("prim::") for op in graph.ops)
    cat = next(op for op in graph.ops if op.op_type == "aten::cat")
    assert len([e for e in graph.edges if e.target == cat.id]) == 2

"""from_graphdef(): TensorBoard GraphDefs from torch's add_graph, with plumbing hidden."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from google.protobuf.json_format import MessageToDict
from graph_models import NestedModel, RecurrentModel, SmallCNN
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.tensorboard._pytorch_graph import graph as tensorboard_graph

from torchscope.graph import ModelGraph, from_graphdef
from torchscope.graph.graphdef import is_plumbing

FIXTURES = Path("/work/shared/fixtures")

# torch's add_graph builder runs the (deprecated) TorchScript tracer: its warnings are not ours
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::torch.jit.TracerWarning"),
]


def graphdef_nodes(model: torch.nn.Module, x: torch.Tensor) -> list[dict]:
    graph_def, _ = tensorboard_graph(model, x)
    return [MessageToDict(node) for node in graph_def.node]


def reachable_from_inputs(graph: ModelGraph) -> set[str]:
    seen = {n.id for n in graph.nodes_of_kind("input")}
    frontier = list(seen)
    while frontier:
        source = frontier.pop()
        for edge in graph.edges:
            if edge.source == source and edge.target not in seen:
                seen.add(edge.target)
                frontier.append(edge.target)
    return seen


def test_add_graph_output_hides_plumbing_and_groups_by_scope() -> None:
    nodes = graphdef_nodes(SmallCNN(), torch.randn(2, 1, 8, 8))
    plumbing = [n for n in nodes if is_plumbing(n["op"])]
    assert plumbing  # add_graph really does emit constants, lists and attribute fetches
    graph = from_graphdef(nodes)

    assert graph.tracer == "graphdef" and graph.root.name == "SmallCNN"
    assert not any(op.op_type.startswith("prim::") for op in graph.ops)
    assert len(graph.ops) == len(nodes) - len(plumbing) - 2  # minus the input and output
    assert [op.op_type for op in graph.ops] == [
        "aten::_convolution",
        "aten::batch_norm",
        "aten::relu",
        "aten::max_pool2d",
        "aten::flatten",
        "aten::linear",
    ]
    assert [op.parent for op in graph.ops[:2]] == ["module:conv1", "module:bn"]
    assert graph.node("module:conv1").op_type == "Conv2d"
    assert [n.name for n in graph.nodes_of_kind("input")] == ["x"]  # no JIT value id
    conv = graph.ops[0]
    (into_conv,) = [e for e in graph.edges if e.target == conv.id]
    assert into_conv.source == "input:x" and into_conv.shape == (2, 1, 8, 8)
    (out_edge,) = [e for e in graph.edges if e.target.startswith("output:")]
    assert out_edge.source == graph.ops[-1].id and out_edge.shape == (2, 10)
    assert reachable_from_inputs(graph) == {n.id for n in graph.nodes if n.kind != "module"}


def test_plumbing_can_be_kept() -> None:
    nodes = graphdef_nodes(SmallCNN(), torch.randn(2, 1, 8, 8))
    everything = from_graphdef(nodes, hide_plumbing=False)
    assert len(everything.nodes) - len(everything.modules) == len(nodes)
    assert any(op.op_type == "prim::Constant" for op in everything.ops)


def test_nested_scopes_become_module_paths() -> None:
    graph = from_graphdef(graphdef_nodes(NestedModel(), torch.randn(2, 4)))
    deepest = next(op for op in graph.ops if op.parent == "module:body.1.0.0")
    assert deepest.op_type == "aten::linear"
    assert [m.id for m in graph.ancestors(deepest.id)] == [
        "module:body.1.0.0",
        "module:body.1.0",
        "module:body.1",
        "module:body",
        "module:",
    ]
    assert graph.node("module:body.1.0.0").op_type == "Linear"


def test_edges_bridge_across_tuple_plumbing() -> None:
    graph = from_graphdef(graphdef_nodes(RecurrentModel(), torch.randn(2, 3, 6)))
    lstm = next(op for op in graph.ops if op.op_type == "aten::lstm")
    assert lstm.parent == "module:lstm"
    consumers = {graph.node(e.target).op_type for e in graph.edges if e.source == lstm.id}
    assert "aten::slice" in consumers or "aten::select" in consumers
    assert reachable_from_inputs(graph) >= {
        op.id for op in graph.ops if op.op_type != "aten::zeros"
    }


@pytest.mark.parametrize("logdir", ["tb-logdir-torch", "tb-logdir-tensorboardx"])
def test_fixture_graph(logdir: str) -> None:
    (event_file,) = (FIXTURES / logdir / "train").glob("events.out.tfevents.*")
    accumulator = EventAccumulator(str(event_file), size_guidance={"tensors": 1, "images": 1})
    accumulator.Reload()
    graph_def = accumulator.Graph()
    nodes = [MessageToDict(node) for node in graph_def.node]
    compute = [n for n in nodes if not is_plumbing(n["op"]) and n["op"] != "IO Node"]

    for source in (nodes, graph_def, {"node": nodes}):  # dicts, the message, a dict GraphDef
        graph = from_graphdef(source)
        assert len(graph.ops) == len(compute) < len(nodes) / 4
        assert graph.node("module:pool").op_type == "MaxPool2d"
        assert len([op for op in graph.ops if op.parent == "module:pool"]) == 2
        assert reachable_from_inputs(graph) == {n.id for n in graph.nodes if n.kind != "module"}


def test_simple_dicts_and_bad_input() -> None:
    nodes = [
        {"name": "input/x.1", "op": "IO Node", "attr": {"_output_shapes": [[1, 4]]}},
        {"name": "Net/Linear[fc]/w", "op": "prim::GetAttr", "input": []},
        {
            "name": "Net/Linear[fc]/y",
            "op": "aten::linear",
            "input": ["input/x.1", "Net/Linear[fc]/w"],
            "attr": {"_output_shapes": [[1, 2]], "attr": "{}"},
        },
        {"name": "output/output.1", "op": "IO Node", "input": ["Net/Linear[fc]/y"]},
    ]
    graph = from_graphdef(nodes)
    assert [(e.source, e.target, e.shape) for e in graph.edges] == [
        ("input:x", "op:Net/Linear[fc]/y", (1, 4)),
        ("op:Net/Linear[fc]/y", "output:output", (1, 2)),
    ]
    with pytest.raises(TypeError, match="graph_def"):
        from_graphdef(42)
    with pytest.raises(ValueError, match="name"):
        from_graphdef([{"op": "aten::relu"}])
    with pytest.raises(ValueError, match="unique"):
        from_graphdef([nodes[0], nodes[0]])
    with pytest.raises(TypeError, match="hide_plumbing"):
        from_graphdef(nodes, hide_plumbing="yes")  # type: ignore[arg-type]


def test_graphdef_path_does_not_import_torch() -> None:
    # the server converts logged GraphDefs and must start without loading PyTorch
    code = (
        "import sys\n"
        "from torchscope.graph import ModelGraph, from_graphdef\n"
        "graph = from_graphdef([{'name': 'input/x', 'op': 'IO Node'}])\n"
        "ModelGraph.from_json(graph.to_json())\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == "False"

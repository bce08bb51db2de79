"""The Graphs view's own routes: ModelGraph JSON from logged GraphDefs and from graph files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from served_logdirs import FIXTURES
from starlette.testclient import TestClient
from torch import nn

import torchscope.graph as tg
from torchscope.plugins.graphs.model_graph_route import (
    GRAPH_FILE_SUFFIX,
    graph_file_name,
    save_model_graph,
)

Serve = Callable[..., TestClient]
ROUTE = "/data/plugin/graphs"


class TinyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 5), nn.ReLU())
        self.head = nn.Linear(5, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@pytest.fixture(scope="module")
def tiny_graph() -> tg.ModelGraph:
    torch.manual_seed(0)
    return tg.trace(TinyNet(), torch.randn(3, 6))


@pytest.fixture
def logdir(tmp_path: Path) -> Path:
    """The torch fixture's runs (symlinked, read-only) in a folder the test may add to."""
    root = tmp_path / "logs"
    root.mkdir()
    for run in ("train", "eval"):
        (root / run).symlink_to(FIXTURES / "tb-logdir-torch" / run, target_is_directory=True)
    return root


def test_graphdef_is_served_as_a_model_graph_without_plumbing(serve: Serve, logdir: Path) -> None:
    client = serve(logdir)
    listing = client.get(f"{ROUTE}/model_graphs").json()
    assert {"run": "train", "tag": "", "source": "graphdef"} in listing
    assert all(entry["source"] == "graphdef" for entry in listing)

    response = client.get(f"{ROUTE}/model_graph", params={"run": "train"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    graph = tg.ModelGraph.from_dict(response.json())
    assert graph.tracer == "graphdef"
    assert graph.name == "SmallCNN"
    assert len(graph.ops) == 9  # of the GraphDef's 59 nodes
    assert not any(op.op_type.startswith("prim::") for op in graph.ops)
    modules = {node.path for node in graph.modules}
    assert {"conv1", "bn1", "pool", "conv2", "fc"} <= modules
    # every edge carries the tensor's shape from the GraphDef
    assert all(edge.shape for edge in graph.edges)


def test_graph_files_are_listed_and_served(
    serve: Serve, logdir: Path, tiny_graph: tg.ModelGraph
) -> None:
    path = save_model_graph(tiny_graph, logdir / "tiny", tag="net")
    assert path == logdir / "tiny" / f"net{GRAPH_FILE_SUFFIX}"
    save_model_graph(tiny_graph, logdir, tag="top")  # the logdir itself is run "."
    client = serve(logdir)

    listing = client.get(f"{ROUTE}/model_graphs").json()
    json_entries = [entry for entry in listing if entry["source"] == "json"]
    assert json_entries == [
        {"run": ".", "tag": "top", "source": "json"},
        {"run": "tiny", "tag": "net", "source": "json"},
    ]
    served = client.get(f"{ROUTE}/model_graph", params={"run": "tiny", "tag": "net"})
    assert served.status_code == 200
    assert served.json() == tiny_graph.to_dict()


def test_a_rewritten_graph_file_is_served_fresh(
    serve: Serve, logdir: Path, tiny_graph: tg.ModelGraph
) -> None:
    save_model_graph(tiny_graph, logdir / "tiny", tag="net")
    client = serve(logdir)
    first = client.get(f"{ROUTE}/model_graph", params={"run": "tiny", "tag": "net"}).json()
    assert first["name"] == "TinyNet"

    renamed = tg.ModelGraph.from_dict({**tiny_graph.to_dict(), "name": "RenamedNet"})
    save_model_graph(renamed, logdir / "tiny", tag="net")
    second = client.get(f"{ROUTE}/model_graph", params={"run": "tiny", "tag": "net"}).json()
    assert second["name"] == "RenamedNet"


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({}, 400, "'run'"),
        ({"run": "nope"}, 404, "'nope'"),
        ({"run": "eval"}, 404, "no GraphDef"),
        ({"run": "train", "tag": "missing"}, 404, "'missing'"),
        ({"run": "nope", "tag": "missing"}, 404, "no run named 'nope'"),
        ({"run": "tiny", "tag": "../tiny/net"}, 404, "'../tiny/net'"),
        ({"run": "tiny", "tag": "broken"}, 422, "graph file 'broken' cannot be read"),
    ],
)
def test_bad_requests_get_clear_answers(
    serve: Serve,
    logdir: Path,
    tiny_graph: tg.ModelGraph,
    params: dict[str, str],
    status: int,
    message: str,
) -> None:
    save_model_graph(tiny_graph, logdir / "tiny", tag="net")
    (logdir / "tiny" / graph_file_name("broken")).write_text('{"schema": "other/1"}')
    client = serve(logdir)
    response = client.get(f"{ROUTE}/model_graph", params=params)
    assert response.status_code == status
    assert message in response.text


def test_save_model_graph_checks_its_arguments(tmp_path: Path, tiny_graph: tg.ModelGraph) -> None:
    with pytest.raises(TypeError, match="graph must be"):
        save_model_graph(tiny_graph.to_dict(), tmp_path)  # type: ignore[arg-type]
    for tag in ("", "a/b", "..", ".hidden"):
        with pytest.raises(ValueError, match="tag must be"):
            save_model_graph(tiny_graph, tmp_path, tag=tag)
    assert list(tmp_path.iterdir()) == []

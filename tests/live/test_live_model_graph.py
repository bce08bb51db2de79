"""``Visdom.model_graph``: the server keeps a "model_graph" window as the traced graph."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from live_helpers import RunningServer, window_json
from torch import nn

import torchscope
from torchscope.graph import ModelGraph


class TinyNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU())
        self.head = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(self.features(x), 1))


@pytest.fixture(scope="module")
def model() -> nn.Module:
    torch.manual_seed(0)
    return TinyNet()


@pytest.fixture(scope="module")
def example() -> torch.Tensor:
    return torch.rand(2, 1, 6, 6, generator=torch.Generator().manual_seed(1))


def client_of(server: RunningServer) -> torchscope.Visdom:
    return torchscope.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        use_incoming_socket=False,
        raise_exceptions=True,
    )


def post(server: RunningServer, route: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        server.url + route, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_model_graph_window_is_stored_and_returned(
    server_factory: Callable[..., RunningServer], model: nn.Module, example: torch.Tensor
) -> None:
    vis = client_of(server_factory())
    win = vis.model_graph(model, example, win="net", opts={"title": "tiny"}, depth=2)
    assert win == "net"
    doc = window_json(vis, "net")
    assert doc["type"] == "model_graph"
    assert doc["title"] == "tiny"
    content = doc["content"]
    assert content["depth"] == 2
    # The content is the traced graph itself: it rebuilds into the same ModelGraph.
    graph = ModelGraph.from_dict(content)
    expected = torchscope.graph.trace(model, example)
    assert graph.to_dict() == expected.to_dict()
    assert {node.path for node in graph.modules} >= {"features", "features.0", "head"}
    # Without a title the pane is named after the model; without win a new id is made.
    other = vis.model_graph(model, example)
    assert other != "net"
    other_doc = window_json(vis, other)
    assert other_doc["title"] == "TinyNet"
    assert other_doc["content"]["depth"] == 1


def test_model_graph_window_survives_a_restart(
    server_factory: Callable[..., RunningServer],
    model: nn.Module,
    example: torch.Tensor,
    tmp_path: Path,
) -> None:
    env_path = tmp_path / "envs-restart"
    first = server_factory(env_path)
    client_of(first).model_graph(model, example, win="kept", env="graphs")
    sent = window_json(client_of(first), "kept", env="graphs")["content"]
    first.stop()
    second = server_factory(env_path)
    doc = window_json(client_of(second), "kept", env="graphs")
    assert doc["type"] == "model_graph"
    assert doc["content"] == sent


def test_bad_model_graph_requests_answer_4xx(
    server_factory: Callable[..., RunningServer],
) -> None:
    server = server_factory()
    bad_bodies = [
        {"eid": "main", "win": "g", "data": {"type": "model_graph", "content": {}}},
        {"eid": "main", "win": "g", "data": []},
        {"eid": "main", "win": "g", "data": ["model_graph"]},
        {"eid": "main", "win": "g", "data": [{"type": "model_graph"}], "opts": "big"},
    ]
    for body in bad_bodies:
        status = post(server, "/events", body)
        assert 400 <= status < 500, (body, status)
    # Nothing was created by the refused requests.
    assert post(server, "/win_exists", {"eid": "main", "win": "g"}) == 200
    vis = client_of(server)
    assert vis.win_exists("g") is False


def test_bad_arguments_are_refused_before_sending(model: nn.Module, example: torch.Tensor) -> None:
    vis = torchscope.Visdom(send=False)
    with pytest.raises(TypeError, match="model"):
        vis.model_graph("not a model", example)
    with pytest.raises(ValueError, match="example_inputs"):
        vis.model_graph(model, None)
    with pytest.raises(ValueError, match="depth"):
        vis.model_graph(model, example, depth=0)
    with pytest.raises(TypeError, match="opts"):
        vis.model_graph(model, example, opts="title")

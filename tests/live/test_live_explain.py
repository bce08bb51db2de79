"""``Visdom.explanation``: the server stores an "explain" window verbatim and keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from live_helpers import RunningServer, window_json
from torch import nn

import torchscope
from torchscope.explain import explanation_record


@pytest.fixture(scope="module")
def record() -> dict[str, Any]:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 6 * 6, 4)
    ).eval()
    image = torch.rand(1, 6, 6, generator=torch.Generator().manual_seed(3))
    return explanation_record(model, image, methods=("saliency", "grad_cam"), top_k=2)


def client_of(server: RunningServer) -> torchscope.Visdom:
    return torchscope.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        use_incoming_socket=False,
        raise_exceptions=True,
    )


def test_explain_window_is_stored_and_returned(
    server_factory: Callable[..., RunningServer], record: dict[str, Any]
) -> None:
    server = server_factory()
    vis = client_of(server)
    win = vis.explanation(record, win="cam", opts={"title": "digit 0"})
    assert win == "cam"
    doc = window_json(vis, "cam")
    assert doc["type"] == "explain"
    assert doc["title"] == "digit 0"
    assert doc["content"] == record
    # A new window id is made when none is given, as for every pane.
    other = vis.explanation(record)
    assert window_json(vis, other)["content"]["methods"] == ["saliency", "grad_cam"]


def test_explain_window_survives_a_restart(
    server_factory: Callable[..., RunningServer], record: dict[str, Any], tmp_path: Any
) -> None:
    env_path = tmp_path / "envs-restart"
    first = server_factory(env_path)
    client_of(first).explanation(record, win="kept", env="explained")
    first.stop()
    second = server_factory(env_path)
    doc = window_json(client_of(second), "kept", env="explained")
    assert doc["type"] == "explain"
    assert doc["content"]["target"] == record["target"]


def test_bad_records_are_refused_before_sending(record: dict[str, Any]) -> None:
    vis = torchscope.Visdom(send=False)
    with pytest.raises(TypeError, match="record"):
        vis.explanation([record])
    with pytest.raises(ValueError, match=r"record\['methods'\]"):
        vis.explanation({**record, "methods": []})
    with pytest.raises(TypeError, match="opts"):
        vis.explanation(record, opts="title")

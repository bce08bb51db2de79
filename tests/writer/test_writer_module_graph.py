"""add_graph also saves torchscope's module graph beside TensorBoard's GraphDef."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from torchscope import SummaryWriter
from torchscope.graph.model import ModelGraph


class Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(4 * 8 * 8, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(x)))


def test_add_graph_saves_the_module_graph(tmp_path: Path) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_graph(Branchy(), torch.rand(2, 1, 8, 8))
    graph = ModelGraph.from_json((tmp_path / "model.torchscope-graph.json").read_text())
    modules = {node.name for node in graph.nodes if node.kind == "module"}
    assert {"conv", "head"} <= modules
    assert graph.tracer == "fx"


def test_module_graph_can_be_turned_off(tmp_path: Path) -> None:
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_graph(Branchy(), torch.rand(2, 1, 8, 8), module_graph=False)
    assert not list(tmp_path.glob("*.torchscope-graph.json"))
    assert list(tmp_path.glob("events.out.tfevents.*"))


def test_untraceable_module_graph_only_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("cannot follow this model")

    monkeypatch.setattr("torchscope.graph.trace", refuse)
    with SummaryWriter(str(tmp_path)) as writer, pytest.warns(UserWarning, match="module graph"):
        writer.add_graph(Branchy(), torch.rand(2, 1, 8, 8))
    assert not list(tmp_path.glob("*.torchscope-graph.json"))

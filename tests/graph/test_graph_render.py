"""render_png(): a static drawing of a graph (rows of ops, module boxes, labelled arrows)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from graph_models import DictModel, NestedModel
from PIL import Image

from torchscope.graph import render_png, trace


def colours(image: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in image.getcolors(maxcolors=1 << 20)}


def test_draws_every_row_and_saves(tmp_path: Path) -> None:
    graph = trace(NestedModel(), torch.randn(2, 4))
    target = tmp_path / "nested.png"
    image = render_png(graph, target)
    rows = len(graph.nodes) - len(graph.modules)
    taller = render_png(
        trace(DictModel(), ({"image": torch.randn(1, 6), "text": torch.randn(1, 5)},))
    )
    assert image.height < taller.height  # one row per input, op and output
    assert Image.open(target).size == image.size
    found = colours(image)
    assert (0xD8, 0xF0, 0xD8) in found and (0xFB, 0xE3, 0xC8) in found  # input and output boxes
    assert (0xE6, 0xE6, 0xEE) in found  # nested module boxes alternate shades
    assert rows == 7


def test_collapsed_graph_is_smaller() -> None:
    graph = trace(NestedModel(), torch.randn(2, 4))
    assert render_png(graph.collapsed(1)).height < render_png(graph).height


def test_bad_argument() -> None:
    with pytest.raises(TypeError, match="graph"):
        render_png({"nodes": []})  # type: ignore[arg-type]

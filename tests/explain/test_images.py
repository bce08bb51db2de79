"""Heatmap reductions, normalizations, colour maps and overlays."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torchscope import explain


def test_to_heatmap_reductions() -> None:
    a = torch.tensor([[[[1.0, -3.0]], [[-2.0, 2.0]]]])  # (1, 2, 1, 2)
    assert explain.to_heatmap(a).flatten().tolist() == [2.0, 3.0]
    assert explain.to_heatmap(a, "sum").flatten().tolist() == [-1.0, -1.0]
    assert explain.to_heatmap(a, "sum_abs").flatten().tolist() == [3.0, 5.0]
    with pytest.raises(ValueError, match="reduction"):
        explain.to_heatmap(a, "mean")  # type: ignore[arg-type]


def test_normalizations_are_per_sample() -> None:
    maps = torch.tensor([[[-1.0, 0.0, 3.0]], [[2.0, 2.0, 2.0]]])
    assert explain.normalize(maps)[0].flatten().tolist() == [0.0, 0.25, 1.0]
    assert explain.normalize(maps)[1].flatten().tolist() == [0.0, 0.0, 0.0]
    torch.testing.assert_close(
        explain.normalize(maps, "max_abs")[0].flatten(), torch.tensor([-1 / 3, 0.0, 1.0])
    )
    torch.testing.assert_close(
        explain.normalize(maps, "symmetric")[0].flatten(), torch.tensor([1 / 3, 0.5, 1.0])
    )
    spiky = torch.cat([torch.ones(1, 99), torch.full((1, 1), 1000.0)], dim=1)
    assert explain.normalize(spiky, "percentile", percentile=90)[0, :99].eq(1).all()


def test_colormap_endpoints() -> None:
    rgb = explain.apply_colormap(torch.tensor([0.0, 1.0, 2.0, -1.0]), "gray")
    assert rgb.dtype == np.uint8 and rgb.shape == (4, 3)
    assert rgb.tolist() == [[0, 0, 0], [255, 255, 255], [255, 255, 255], [0, 0, 0]]
    assert explain.apply_colormap(torch.tensor([0.0, 1.0]), "jet").tolist() == [
        [0, 0, 128],
        [128, 0, 0],
    ]
    with pytest.raises(ValueError, match="colormap"):
        explain.apply_colormap(torch.zeros(2), "rainbow")


def test_overlay_blends_and_resizes() -> None:
    image = torch.rand(3, 8, 8)
    heat = torch.rand(4, 4)
    shown = explain.image_to_rgb(image)
    out = explain.overlay(image, heat, "viridis", alpha=0.0)
    assert out.shape == (8, 8, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, shown)
    full = explain.overlay(image, torch.ones(1, 1, 8, 8), "gray", alpha=1.0, normalization=None)
    assert (full == 255).all()
    grey = explain.overlay(
        np.zeros((8, 8), dtype=np.uint8), torch.linspace(0, 1, 64).view(8, 8), "gray", alpha=0.5
    )
    assert grey[0, 0].tolist() == [0, 0, 0] and grey[-1, -1].tolist() == [128, 128, 128]
    with pytest.raises(ValueError, match="alpha"):
        explain.overlay(image, heat, alpha=1.5)
    with pytest.raises(ValueError, match="heatmap"):
        explain.overlay(image, torch.rand(2, 4, 4))

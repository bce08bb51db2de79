"""Feature maps, filter grids and activation maximization."""

from __future__ import annotations

import pytest
import torch
from explain_models import make_model
from torch import nn

from torchscope import explain


def test_feature_maps_are_the_layer_outputs_before_an_in_place_relu(images: torch.Tensor) -> None:
    model = make_model("vgg", "inplace", batchnorm=False)
    maps = explain.feature_maps(model, images, ["features.0", model.features[5]])
    assert set(maps) == {"features.0", "features.5"}
    with torch.no_grad():
        conv0 = model.features[0](images)
        conv5 = model.features[5](model.features[:5](images))
    # Recorded as the layer returned them: the in-place ReLU that follows did not rectify them.
    torch.testing.assert_close(maps["features.0"], conv0)
    torch.testing.assert_close(maps["features.5"], conv5)
    assert (maps["features.5"] < 0).any()


def test_feature_maps_reject_a_shared_module(images: torch.Tensor) -> None:
    model = make_model("vgg", "shared", batchnorm=False)
    with pytest.raises(ValueError, match="ran 3 times"):
        explain.feature_maps(model, images, "shared")
    with pytest.raises(ValueError, match="at least one"):
        explain.feature_maps(model, images, [])


def test_filters_of_an_rgb_layer_are_one_colour_tile_each() -> None:
    conv = nn.Conv2d(3, 5, 3)
    grid = explain.filters(conv, padding=1, columns=5)
    assert grid.shape == (3, 3 + 2, 5 * 3 + 6)
    first = grid[:, 1:4, 1:4]
    w = conv.weight.detach()[0]
    torch.testing.assert_close(first, (w - w.min()) / (w.max() - w.min()))
    assert grid.min() >= 0 and grid.max() <= 1
    assert (grid[:, 0, :] == 1).all()  # padding


def test_filters_of_a_deep_layer_are_one_row_per_filter_and_scaled() -> None:
    model = make_model("vgg", "module", batchnorm=False)
    grid = explain.filters(
        model, "features.2", scale=2, max_filters=4, padding=0, normalization="symmetric"
    )
    assert grid.shape == (1, 4 * 6, 8 * 6)  # 4 filters x 8 input channels, 3x3 kernels scaled by 2
    w = model.features[2].weight.detach()[:4]
    torch.testing.assert_close(
        grid[0, 0:2:2, 0:2:2][0, 0], w[0, 0, 0, 0] / (2 * w.abs().max()) + 0.5
    )
    default = explain.filters(model)
    assert default.shape[0] == 3  # the first convolution sees RGB
    with pytest.raises(TypeError, match=r"nn\.Conv2d"):
        explain.filters(model, "head")


def test_activation_maximization_raises_the_class_score() -> None:
    model = make_model("resnet", "functional", batchnorm=True)
    start = 0.01 * torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    result = explain.activation_maximization(
        model,
        (2, 3, 16, 16),
        [4, 6],
        steps=40,
        lr=0.1,
        init=start,
        generator=torch.Generator().manual_seed(1),
    )
    with torch.no_grad():
        before = model(start)[[0, 1], [4, 6]]
        after = model(result)[[0, 1], [4, 6]]
    assert (after > before + 0.5).all()


def test_activation_maximization_of_a_channel_and_a_unit() -> None:
    model = make_model("vgg", "inplace", batchnorm=False)
    start = 0.01 * torch.randn(1, 3, 16, 16, generator=torch.Generator().manual_seed(0))

    def channel_mean(x: torch.Tensor, unit: tuple[int, int] | None = None) -> float:
        with torch.no_grad():
            a = explain.feature_maps(model, x, "features.5")["features.5"][0, 3]
        return float(a[unit]) if unit else float(a.mean())

    grown = explain.activation_maximization(
        model,
        (3, 16, 16),
        layer="features.5",
        channel=3,
        steps=30,
        lr=0.1,
        init=start,
        value_range=(-2, 2),
    )
    assert channel_mean(grown) > channel_mean(start) + 0.2
    assert grown.abs().max() <= 2
    unit = explain.activation_maximization(
        model,
        (3, 16, 16),
        layer="features.5",
        channel=3,
        unit=(4, 4),
        steps=30,
        lr=0.1,
        init=start,
        jitter=0,
    )
    assert channel_mean(unit, (4, 4)) > channel_mean(start, (4, 4)) + 0.5


def test_activation_maximization_argument_errors() -> None:
    model = make_model("vgg", "module", batchnorm=False)
    with pytest.raises(ValueError, match="pass target"):
        explain.activation_maximization(model, (3, 16, 16))
    with pytest.raises(ValueError, match="channel"):
        explain.activation_maximization(model, (3, 16, 16), layer="features.5")
    with pytest.raises(ValueError, match="input_shape"):
        explain.activation_maximization(model, (16, 16), 1)
    with pytest.raises(ValueError, match="not both"):
        explain.activation_maximization(model, (3, 16, 16), 1, layer="features.5", channel=0)

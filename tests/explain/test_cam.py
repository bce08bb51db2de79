"""Grad-CAM family: closed forms, mixed-sign targets, layer choice."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from explain_models import make_model
from torch import nn

from torchscope import explain


class GapHead(nn.Module):
    """conv features -> ReLU -> global average pool -> linear: Grad-CAM has a closed form here."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.Conv2d(6, 5, 3, padding=1)
        )
        self.act = nn.ReLU(inplace=True)
        self.fc = nn.Linear(5, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.act(self.body(x)).mean(dim=(2, 3)))


def activations(model: GapHead, images: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return torch.relu(model.body(images))


def test_grad_cam_matches_the_class_activation_map_of_a_gap_network(images: torch.Tensor) -> None:
    model = GapHead().eval()
    a = activations(model, images)
    h, w = a.shape[-2:]
    expected = torch.einsum("k,nkhw->nhw", model.fc.weight[2].detach(), a).clamp_min(0)[:, None] / (
        h * w
    )
    torch.testing.assert_close(
        explain.grad_cam(model, images, 2, model.act, upsample_to_input=False), expected
    )


def test_grad_cam_pp_closed_form_on_a_gap_network(images: torch.Tensor) -> None:
    model = GapHead().eval()
    a = activations(model, images)
    h, w = a.shape[-2:]
    g = (model.fc.weight[1].detach() / (h * w))[None, :, None, None].expand_as(a)
    denominator = 2 * g**2 + a.sum(dim=(2, 3), keepdim=True) * g**3
    alpha = torch.where(denominator != 0, g**2 / torch.where(denominator != 0, denominator, 1), 0)
    weights = (alpha * g.clamp_min(0)).sum(dim=(2, 3))
    expected = torch.einsum("nk,nkhw->nhw", weights, a).clamp_min(0)[:, None]
    ours = explain.grad_cam_pp(model, images, 1, "act", upsample_to_input=False)
    torch.testing.assert_close(ours, expected)
    # Only positively-contributing channels count: channels with negative weight get none.
    negative = model.fc.weight[1] < 0
    assert bool(negative.any())


def mixed_sign_targets(model: nn.Module, images: torch.Tensor, layer: str) -> list[int]:
    """Per sample, a class whose raw (pre-ReLU) CAM has both signs; most are not, on random nets."""
    chosen = []
    for i in range(images.shape[0]):
        for c in range(10):
            raw = explain.grad_cam(
                model, images[i : i + 1], c, layer, relu=False, upsample_to_input=False
            )
            if raw.min() < 0 < raw.max():
                chosen.append(c)
                break
        else:
            pytest.fail(f"no class with a mixed-sign CAM for sample {i}")
    return chosen


@pytest.mark.parametrize("family,layer", [("vgg", "features.7"), ("resnet", "block2.conv1")])
def test_relu_is_taken_at_the_layer_before_upsampling(
    family: str, layer: str, images: torch.Tensor
) -> None:
    model = make_model(family, "inplace", batchnorm=True)
    targets = mixed_sign_targets(model, images, layer)
    raw = explain.grad_cam(model, images, targets, layer, relu=False, upsample_to_input=False)
    cam = explain.grad_cam(model, images, targets, layer, upsample_to_input=False)
    torch.testing.assert_close(cam, raw.clamp_min(0))
    assert (cam == 0).any() and (cam > 0).any()
    up = explain.grad_cam(model, images, targets, layer)
    torch.testing.assert_close(up, F.interpolate(raw.clamp_min(0), size=(16, 16), mode="bilinear"))
    # ReLU after upsampling would differ: interpolation mixes negative and positive cells.
    assert not torch.allclose(up, F.interpolate(raw, size=(16, 16), mode="bilinear").clamp_min(0))
    pp = explain.grad_cam_pp(model, images, targets, layer)
    assert pp.shape == (4, 1, 16, 16) and (pp >= 0).all()


def test_layer_by_name_equals_layer_by_module_and_default_is_last_conv(
    images: torch.Tensor,
) -> None:
    model = make_model("resnet", "module", batchnorm=False)
    by_name = explain.grad_cam(model, images, 5, "block2.conv2")
    torch.testing.assert_close(explain.grad_cam(model, images, 5, model.block2.conv2), by_name)
    torch.testing.assert_close(explain.grad_cam(model, images, 5), by_name)


def test_layer_errors_name_the_argument(images: torch.Tensor) -> None:
    model = make_model("vgg", "shared", batchnorm=False)
    with pytest.raises(ValueError, match="layer='nope'"):
        explain.grad_cam(model, images, 0, "nope")
    with pytest.raises(ValueError, match="ran 3 times"):
        explain.grad_cam(model, images, 0, model.shared)
    with pytest.raises(ValueError, match="not part of the model"):
        explain.grad_cam(model, images, 0, nn.Conv2d(3, 3, 1))
    with pytest.raises(TypeError, match="layer must be"):
        explain.grad_cam(model, images, 0, 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="interpolate"):
        explain.grad_cam(model, images, 0, "features.5", interpolate="area")  # type: ignore[arg-type]


def test_guided_grad_cam_is_guided_backprop_times_the_cam(images: torch.Tensor) -> None:
    model = make_model("resnet", "functional", batchnorm=True)
    cam = explain.grad_cam(model, images, 2, "block2.bn2")
    expected = explain.guided_backprop(model, images, 2) * cam
    torch.testing.assert_close(explain.guided_grad_cam(model, images, 2, "block2.bn2"), expected)


class NoGradStem(nn.Module):
    """A stem run under ``torch.no_grad()`` inside ``forward``, as frozen backbones can be."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 6, 3, padding=1)
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(6, 5, 3, padding=1), nn.Flatten())
        self.fc = nn.Linear(5 * 16 * 16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            features = self.stem(x)
        return self.fc(self.head(features))


def test_grad_cam_at_a_layer_the_model_runs_without_gradients(images: torch.Tensor) -> None:
    torch.manual_seed(0)
    model = NoGradStem().eval()
    stem = model.stem(images).detach().requires_grad_(True)
    score = model.fc(model.head(stem))[:, 2].sum()
    (grads,) = torch.autograd.grad(score, stem)
    expected = (grads.mean(dim=(2, 3), keepdim=True) * stem.detach()).sum(dim=1, keepdim=True)
    ours = explain.grad_cam(model, images, 2, "stem", relu=False)
    torch.testing.assert_close(ours, expected)

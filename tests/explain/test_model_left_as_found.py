"""Explaining a model never changes it: hooks, modes, .grad, statistics, outputs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from explain_models import make_model
from torch import nn

from torchscope import explain

LAYER = "block2.conv2"

METHODS: dict[str, Callable[[nn.Module, torch.Tensor, object], torch.Tensor]] = {
    "saliency": lambda m, x, t: explain.saliency(m, x, t),
    "deconvnet": lambda m, x, t: explain.deconvnet(m, x, t),
    "guided_backprop": lambda m, x, t: explain.guided_backprop(m, x, t),
    "grad_cam": lambda m, x, t: explain.grad_cam(m, x, t, LAYER),
    "grad_cam_pp": lambda m, x, t: explain.grad_cam_pp(m, x, t, LAYER),
    "guided_grad_cam": lambda m, x, t: explain.guided_grad_cam(m, x, t, LAYER),
    "integrated_gradients": lambda m, x, t: explain.integrated_gradients(m, x, t, n_steps=8),
    "smooth_grad": lambda m, x, t: explain.smooth_grad(
        m, x, t, n_samples=3, generator=torch.Generator().manual_seed(0)
    ),
    "occlusion": lambda m, x, t: explain.occlusion(m, x, t, window=4),
}


def hook_count(model: nn.Module) -> int:
    return sum(
        len(m._forward_hooks)
        + len(m._forward_pre_hooks)
        + len(m._backward_hooks)
        + len(m._backward_pre_hooks)
        for m in model.modules()
    )


def mixed_mode_model() -> nn.Module:
    """In training mode except one BatchNorm frozen in eval mode, with .grad already filled."""
    model = make_model("resnet", "inplace", batchnorm=True).train()
    model.block1.bn1.eval()
    for i, p in enumerate(model.parameters()):
        p.grad = torch.full_like(p, float(i))
    return model


@pytest.mark.parametrize("name", list(METHODS))
def test_model_is_left_exactly_as_found(name: str, images: torch.Tensor) -> None:
    model = mixed_mode_model()
    modes = [m.training for m in model.modules()]
    state = {k: v.clone() for k, v in model.state_dict().items()}
    grads = [(p.grad, p.grad.clone()) for p in model.parameters()]
    flags = [p.requires_grad for p in model.parameters()]
    hooks = hook_count(model)
    with torch.no_grad():
        model.eval()
        before = model(images)
        for m, training in zip(model.modules(), modes, strict=True):
            m.training = training

    METHODS[name](model, images, [0, 1, 2, 3])

    assert [m.training for m in model.modules()] == modes
    assert hook_count(model) == hooks
    for key, value in model.state_dict().items():  # BatchNorm running statistics included
        torch.testing.assert_close(value, state[key], rtol=0, atol=0)
    for p, (grad, saved) in zip(model.parameters(), grads, strict=True):
        assert p.grad is grad
        torch.testing.assert_close(p.grad, saved, rtol=0, atol=0)
    assert [p.requires_grad for p in model.parameters()] == flags
    with torch.no_grad():
        model.eval()
        torch.testing.assert_close(model(images), before, rtol=0, atol=0)


@pytest.mark.parametrize("name", list(METHODS))
def test_batch_gives_each_samples_own_map(name: str, images: torch.Tensor) -> None:
    model = make_model("resnet", "shared", batchnorm=True).train()  # eval mode is the method's job
    targets = [3, 1, 4, 1]
    batch = METHODS[name](model, images, targets)
    one_by_one = torch.cat([METHODS[name](model, images[i : i + 1], targets[i]) for i in range(4)])
    if name == "smooth_grad":
        # The noise is drawn for the whole batch at once; compare noise-free instead.
        batch = explain.smooth_grad(model, images, targets, n_samples=2, stdev=0.0)
        one_by_one = torch.cat(
            [explain.saliency(model, images[i : i + 1], targets[i]) for i in range(4)]
        )
    torch.testing.assert_close(batch, one_by_one, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", list(METHODS))
def test_works_inside_no_grad_and_inference_mode(name: str, images: torch.Tensor) -> None:
    model = make_model("resnet", "functional", batchnorm=True)
    expected = METHODS[name](model, images, 2)
    with torch.no_grad():
        torch.testing.assert_close(METHODS[name](model, images, 2), expected)
    with torch.inference_mode():
        inference_images = images.clone()
        torch.testing.assert_close(METHODS[name](model, inference_images, 2), expected)
    assert expected.abs().sum() > 0


def test_frozen_model_still_gets_grad_cam(images: torch.Tensor) -> None:
    model = make_model("vgg", "inplace", batchnorm=False)
    expected = explain.grad_cam(model, images, 1, "features.5")
    for p in model.parameters():
        p.requires_grad_(False)
    torch.testing.assert_close(explain.grad_cam(model, images, 1, "features.5"), expected)
    assert all(not p.requires_grad for p in model.parameters())


def test_hooks_are_removed_when_the_model_raises(images: torch.Tensor) -> None:
    model = make_model("vgg", "module", batchnorm=False).train()
    with pytest.raises(RuntimeError):
        explain.grad_cam(model, images[:, :2], 1, "features.5")  # wrong channel count
    assert hook_count(model) == 0
    assert all(m.training for m in model.modules())
    assert not torch.overrides._get_current_function_mode_stack()


def test_feature_maps_and_activation_maximization_leave_the_model_alone(
    images: torch.Tensor,
) -> None:
    model = mixed_mode_model()
    modes = [m.training for m in model.modules()]
    grads = [p.grad.clone() for p in model.parameters()]
    explain.feature_maps(model, images, ["stem", "block1"])
    explain.activation_maximization(model, (1, 3, 16, 16), 2, steps=3)
    explain.activation_maximization(model, (1, 3, 16, 16), layer="block1.conv1", channel=2, steps=3)
    assert [m.training for m in model.modules()] == modes
    assert hook_count(model) == 0
    for p, saved in zip(model.parameters(), grads, strict=True):
        torch.testing.assert_close(p.grad, saved, rtol=0, atol=0)

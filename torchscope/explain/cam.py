"""Grad-CAM, Grad-CAM++ and Guided Grad-CAM: class activation maps at a convolutional layer."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_images, check_model
from .layers import Layer, capture_output, captured, resolve_layer
from .model_state import explaining, leaf_input, outside_inference_mode
from .relu_rules import relu_rule
from .targets import Target, check_target, target_scores

Interpolation = Literal["bilinear", "nearest", "bicubic"]
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic")


def _check_interpolation(interpolate: str) -> None:
    if interpolate not in _INTERPOLATIONS:
        raise ValueError(f"interpolate must be one of {_INTERPOLATIONS}, got {interpolate!r}")


@outside_inference_mode
def _activations_and_gradients(
    model: nn.Module, inputs: torch.Tensor, target: Target, layer: Layer | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The layer's activations ``A`` and ``d score / d A`` for every sample, one forward pass."""
    model = check_model(model)
    inputs = check_images(inputs)
    target = check_target(target, inputs.shape[0])
    module = resolve_layer(model, layer)
    with explaining(model):
        # Backward stops at the layer, so nothing below it needs a graph: the forward pass runs
        # without one up to the layer, whose hook turns recording on for the rest.
        with (
            capture_output(module, for_grad=True, grad_from_layer=True) as capture,
            torch.no_grad(),
        ):
            output = model(inputs.detach())
        activations = captured(capture, module)
        if isinstance(output, torch.Tensor) and not output.requires_grad:
            # The model switched gradients off again after the layer: one pass with a full graph.
            with capture_output(module, for_grad=True) as capture:
                output = model(inputs.detach())
            activations = captured(capture, module)
        scores = target_scores(output, target)
        (grads,) = torch.autograd.grad(scores.sum(), activations)
    return activations.detach(), grads.detach()


def _combine(weights: torch.Tensor, activations: torch.Tensor, relu: bool) -> torch.Tensor:
    cam = (weights[:, :, None, None] * activations).sum(dim=1, keepdim=True)
    return cam.clamp_min(0) if relu else cam


def upsample(
    maps: torch.Tensor, size: tuple[int, int], interpolate: Interpolation = "bilinear"
) -> torch.Tensor:
    """Resize ``(N, 1, h, w)`` maps to ``size`` (the input's height and width)."""
    _check_interpolation(interpolate)
    if tuple(maps.shape[-2:]) == tuple(size):
        return maps
    if interpolate == "nearest":
        return F.interpolate(maps, size=size, mode="nearest")
    return F.interpolate(maps, size=size, mode=interpolate, align_corners=False)


def _finish(
    cam: torch.Tensor, inputs: torch.Tensor, upsample_to_input: bool, interpolate: Interpolation
) -> torch.Tensor:
    return upsample(cam, tuple(inputs.shape[-2:]), interpolate) if upsample_to_input else cam  # type: ignore[arg-type]


def grad_cam(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    layer: Layer | None = None,
    *,
    relu: bool = True,
    upsample_to_input: bool = True,
    interpolate: Interpolation = "bilinear",
) -> torch.Tensor:
    """Selvaraju et al. (2017): ``ReLU(sum_k alpha_k A^k)`` at ``layer``, then resized to the input.

    ``alpha_k`` is the spatial mean of ``d score / d A^k``. The ReLU is taken at the layer's
    resolution, before resizing. ``layer`` is a module or a dotted name; ``None`` takes the last
    ``nn.Conv2d``. Returns ``(N, 1, H, W)`` (``(N, 1, h, w)`` with ``upsample_to_input=False``);
    ``relu=False`` keeps the signed map.
    """
    _check_interpolation(interpolate)
    activations, grads = _activations_and_gradients(model, inputs, target, layer)
    cam = _combine(grads.mean(dim=(2, 3)), activations, relu)
    return _finish(cam, inputs, upsample_to_input, interpolate)


def grad_cam_pp(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    layer: Layer | None = None,
    *,
    relu: bool = True,
    upsample_to_input: bool = True,
    interpolate: Interpolation = "bilinear",
) -> torch.Tensor:
    """Chattopadhay et al. (2018), Grad-CAM++: gradients weighted per pixel (several instances).

    With ``g = d score / d A`` and the exponential-score closed form of the paper,
    ``a_ij = g^2 / (2 g^2 + sum_ab A_ab g^3)`` and ``w_k = sum_ij a_ij ReLU(g_ij)``; the map is
    ``ReLU(sum_k w_k A^k)``. Same arguments and shapes as :func:`grad_cam`.
    """
    _check_interpolation(interpolate)
    activations, grads = _activations_and_gradients(model, inputs, target, layer)
    g2 = grads.pow(2)
    denominator = 2 * g2 + activations.sum(dim=(2, 3), keepdim=True) * grads.pow(3)
    # Where the gradient is zero the coefficient is 0/0: the paper sets it to zero.
    denominator = torch.where(denominator != 0, denominator, torch.ones_like(denominator))
    alpha = g2 / denominator
    weights = (alpha * grads.clamp_min(0)).sum(dim=(2, 3))
    cam = _combine(weights, activations, relu)
    return _finish(cam, inputs, upsample_to_input, interpolate)


@outside_inference_mode
def guided_grad_cam(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    layer: Layer | None = None,
    *,
    interpolate: Interpolation = "bilinear",
) -> torch.Tensor:
    """Guided backprop times the upsampled Grad-CAM map: class-specific and pixel-sharp.

    One forward pass serves both: it is differentiated first with the plain gradient down to the
    layer (for Grad-CAM), then with the guided rule down to the pixels. Shape of ``inputs``.
    """
    _check_interpolation(interpolate)
    model = check_model(model)
    inputs = check_images(inputs)
    target = check_target(target, inputs.shape[0])
    module = resolve_layer(model, layer)
    with (
        explaining(model),
        capture_output(module, for_grad=True) as capture,
        relu_rule("gradient") as switch,
    ):
        x = leaf_input(inputs)
        total = target_scores(model(x), target).sum()
        activations = captured(capture, module)
        (layer_grads,) = torch.autograd.grad(total, activations, retain_graph=True)
        switch.rule = "guided"
        (guided,) = torch.autograd.grad(total, x)
    cam = _combine(layer_grads.mean(dim=(2, 3)), activations.detach(), relu=True)
    return guided.detach() * upsample(cam, tuple(inputs.shape[-2:]), interpolate)  # type: ignore[arg-type]

"""Saliency, deconvnet and guided backprop: one backward pass to the pixels, three ReLU rules."""

from __future__ import annotations

import torch
from torch import nn

from ._checks import check_images, check_model
from .model_state import explaining, leaf_input, outside_inference_mode
from .relu_rules import ReluRule, relu_rule
from .targets import Target, check_target, target_scores


@outside_inference_mode
def input_gradient(
    model: nn.Module, inputs: torch.Tensor, target: Target, rule: ReluRule = "gradient"
) -> torch.Tensor:
    """``d score / d inputs`` with ``rule`` applied at every ReLU; the model is left as found."""
    model = check_model(model)
    inputs = check_images(inputs)
    target = check_target(target, inputs.shape[0])
    with explaining(model):
        x = leaf_input(inputs)
        if rule == "gradient":
            scores = target_scores(model(x), target)
        else:
            with relu_rule(rule):
                scores = target_scores(model(x), target)
        # Samples are independent in eval mode, so the gradient of the sum is each sample's own.
        (grad,) = torch.autograd.grad(scores.sum(), x)
    return grad.detach()


def saliency(
    model: nn.Module, inputs: torch.Tensor, target: Target, absolute: bool = True
) -> torch.Tensor:
    """Simonyan et al. (2013): the gradient of the target score with respect to the pixels.

    At a ReLU the signal passes as ``R * 1[x > 0]``. Returns ``|gradient|`` per channel (shape of
    ``inputs``) by default; ``absolute=False`` keeps the sign. :func:`to_heatmap` reduces it to
    one map per image (the usual ``max_c |g|``).
    """
    grad = input_gradient(model, inputs, target, "gradient")
    return grad.abs() if absolute else grad


def deconvnet(model: nn.Module, inputs: torch.Tensor, target: Target) -> torch.Tensor:
    """Zeiler & Fergus (2013): backward through the network with ``max(R, 0)`` at each ReLU.

    The ReLU's forward input plays no part, so in a network without max-pooling the map does not
    depend on the image at all; with max-pooling only through the pooling switches. Shape of
    ``inputs``, signed.
    """
    return input_gradient(model, inputs, target, "deconvnet")


def guided_backprop(model: nn.Module, inputs: torch.Tensor, target: Target) -> torch.Tensor:
    """Springenberg et al. (2014): ``R * 1[x > 0] * 1[R > 0]`` at each ReLU.

    Shape of ``inputs``, signed.
    """
    return input_gradient(model, inputs, target, "guided")

"""Integrated gradients (Sundararajan et al. 2017), computed in chunks of the path."""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import torch
from torch import nn

from ._checks import check_images, check_model, check_positive_int
from .model_state import explaining, leaf_input, outside_inference_mode
from .targets import Target, check_target, repeat_target, target_scores

Quadrature = Literal[
    "gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right", "riemann_middle"
]
_QUADRATURES = (
    "gausslegendre",
    "riemann_trapezoid",
    "riemann_left",
    "riemann_right",
    "riemann_middle",
)

# Rows pushed through the model per pass, as a budget of input values: big enough to keep the
# CPU/GPU busy, small enough that 50 steps of a large batch never run out of memory.
_VALUES_PER_PASS = 2**21


def path_points(n_steps: int, method: Quadrature) -> tuple[list[float], list[float]]:
    """Positions ``alpha`` in [0, 1] along the straight path and their quadrature weights."""
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(n_steps)
        return (0.5 * (nodes + 1)).tolist(), (0.5 * weights).tolist()
    if method == "riemann_trapezoid":
        if n_steps < 2:
            raise ValueError("n_steps must be at least 2 for method='riemann_trapezoid'")
        alphas = np.linspace(0, 1, n_steps)
        weights = np.full(n_steps, 1 / (n_steps - 1))
        weights[[0, -1]] /= 2
        return alphas.tolist(), weights.tolist()
    offsets = {"riemann_left": 0.0, "riemann_middle": 0.5, "riemann_right": 1.0}
    if method not in offsets:
        raise ValueError(f"method must be one of {_QUADRATURES}, got {method!r}")
    alphas = (np.arange(n_steps) + offsets[method]) / n_steps
    return alphas.tolist(), [1 / n_steps] * n_steps


def _baseline_like(inputs: torch.Tensor, baseline: float | torch.Tensor | None) -> torch.Tensor:
    if baseline is None:
        return torch.zeros_like(inputs)
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        return torch.full_like(inputs, float(baseline))
    if isinstance(baseline, torch.Tensor):
        try:
            return baseline.to(inputs).expand_as(inputs).detach()
        except RuntimeError:
            raise ValueError(
                f"baseline of shape {tuple(baseline.shape)} does not broadcast to inputs "
                f"{tuple(inputs.shape)}"
            ) from None
    raise TypeError(f"baseline must be None, a number or a tensor, got {type(baseline).__name__}")


@overload
def integrated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    baseline: float | torch.Tensor | None = ...,
    n_steps: int = ...,
    method: Quadrature = ...,
    internal_batch_size: int | None = ...,
    *,
    return_delta: Literal[False] = ...,
) -> torch.Tensor: ...


@overload
def integrated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    baseline: float | torch.Tensor | None = ...,
    n_steps: int = ...,
    method: Quadrature = ...,
    internal_batch_size: int | None = ...,
    *,
    return_delta: Literal[True],
) -> tuple[torch.Tensor, torch.Tensor]: ...


@outside_inference_mode
def integrated_gradients(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    baseline: float | torch.Tensor | None = None,
    n_steps: int = 50,
    method: Quadrature = "gausslegendre",
    internal_batch_size: int | None = None,
    *,
    return_delta: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """``(x - x0) * integral_0^1 d score(x0 + a (x - x0)) / dx da``, one value per input element.

    ``baseline`` ``x0`` defaults to zeros (a number or a broadcastable tensor also works). The
    integral uses ``n_steps`` points of ``method`` (Gauss-Legendre by default). The path is
    pushed through the model in chunks of whole steps of at most ``internal_batch_size`` rows
    (default: sized from the image, about 2 million input values per pass) rather than all
    ``n_steps x N`` rows at once, which is faster and keeps memory bounded. ``return_delta=True``
    also returns the completeness error ``sum(attribution) - (score(x) - score(x0))`` per sample.
    """
    model = check_model(model)
    inputs = check_images(inputs)
    check_positive_int(n_steps, "n_steps")
    target = check_target(target, inputs.shape[0])
    base = _baseline_like(inputs, baseline)
    alphas, weights = path_points(n_steps, method)
    n = inputs.shape[0]
    if internal_batch_size is None:
        internal_batch_size = max(1, _VALUES_PER_PASS // inputs[0].numel())
    check_positive_int(internal_batch_size, "internal_batch_size")
    steps_per_pass = max(1, min(n_steps, internal_batch_size // n))

    detached = inputs.detach()
    difference = detached - base
    total = torch.zeros_like(detached)
    with explaining(model):
        for start in range(0, n_steps, steps_per_pass):
            chunk_alphas = torch.tensor(
                alphas[start : start + steps_per_pass], dtype=detached.dtype, device=detached.device
            )
            chunk_weights = torch.tensor(
                weights[start : start + steps_per_pass],
                dtype=detached.dtype,
                device=detached.device,
            )
            k = chunk_alphas.numel()
            shape = (k, 1, *([1] * (detached.dim() - 1)))
            points = (
                base.unsqueeze(0) + chunk_alphas.view(shape) * difference.unsqueeze(0)
            ).reshape(k * n, *detached.shape[1:])
            x = leaf_input(points)
            scores = target_scores(model(x), repeat_target(target, k))
            (grads,) = torch.autograd.grad(scores.sum(), x)
            total += (grads.view(k, *detached.shape) * chunk_weights.view(shape)).sum(dim=0)
        attributions = (total * difference).detach()
        if not return_delta:
            return attributions
        with torch.no_grad():
            ends = target_scores(model(torch.cat([detached, base])), repeat_target(target, 2))
        delta = attributions.reshape(n, -1).sum(dim=1) - (ends[:n] - ends[n:])
    return attributions, delta.detach()

"""Integrated gradients (Sundararajan et al. 2017), computed in chunks of the path."""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import torch
from torch import nn

from ._checks import check_images, check_model, check_positive_int
from .chunking import groups_per_pass, probe_activations
from .model_state import explaining, outside_inference_mode
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
    rather than all ``n_steps x N`` rows at once, which is faster and keeps memory bounded. By
    default the chunk is sized from the first step's activations: on a CPU the largest one stays
    within 16 MiB (cache- and allocator-friendly), on a GPU all activations of a chunk within a
    quarter of the free memory. ``return_delta=True`` also returns the completeness error
    ``sum(attribution) - (score(x) - score(x0))`` per sample.
    """
    model = check_model(model)
    inputs = check_images(inputs)
    check_positive_int(n_steps, "n_steps")
    target = check_target(target, inputs.shape[0])
    base = _baseline_like(inputs, baseline)
    alphas, weights = path_points(n_steps, method)
    n = inputs.shape[0]
    steps_per_pass: int | None = None
    if internal_batch_size is not None:
        check_positive_int(internal_batch_size, "internal_batch_size")
        steps_per_pass = max(1, min(n_steps, internal_batch_size // n))

    detached = inputs.detach()
    path = _StraightPath(base, detached - base, alphas, weights)
    total = torch.zeros_like(detached)
    with explaining(model):
        first = 1 if steps_per_pass is None else steps_per_pass
        with probe_activations(model) as probe:
            total += path.first_gradient_sum(model, target, first)
        if steps_per_pass is None:
            # The first step measured the model; the chunk for the others is sized from it.
            steps_per_pass = groups_per_pass(probe, 1, n_steps, detached.device)
        for start in range(first, n_steps, steps_per_pass):
            k = min(steps_per_pass, n_steps - start)
            total += path.gradient_sum(model, target, start, k)
        attributions = (total * path.difference).detach()
        if not return_delta:
            return attributions
        with torch.no_grad():
            ends = target_scores(model(torch.cat([detached, base])), repeat_target(target, 2))
        delta = attributions.reshape(n, -1).sum(dim=1) - (ends[:n] - ends[n:])
    return attributions, delta.detach()


class _StraightPath:
    """The points ``x0 + alpha (x - x0)`` of the path and their quadrature weights, pushed
    through the model a chunk of steps at a time."""

    def __init__(
        self,
        base: torch.Tensor,
        difference: torch.Tensor,
        alphas: list[float],
        weights: list[float],
    ) -> None:
        self.base = base
        self.difference = difference
        self.alphas = torch.tensor(alphas, dtype=difference.dtype, device=difference.device)
        self.weights = torch.tensor(weights, dtype=difference.dtype, device=difference.device)
        self._buffer: torch.Tensor | None = None
        # oneDNN convolutions run faster on channels-last images (about 15% on the benchmark
        # models); CUDA keeps the caller's layout.
        self.layout = (
            torch.channels_last
            if difference.device.type == "cpu" and difference.dim() == 4
            else torch.contiguous_format
        )

    def _points(self, start: int, k: int) -> torch.Tensor:
        """Steps ``start .. start + k`` as ``(k * N, C, H, W)`` rows, built in place."""
        n, *sample = self.difference.shape
        rows = k * n
        if self._buffer is None or self._buffer.shape[0] < rows:
            self._buffer = torch.empty(
                (rows, *sample),
                dtype=self.difference.dtype,
                device=self.difference.device,
                memory_format=self.layout,
            )
        points = self._buffer[:rows]
        alphas = self.alphas[start : start + k].view(k, *([1] * self.difference.dim()))
        torch.addcmul(self.base, alphas, self.difference, out=points.view(k, n, *sample))
        return points

    def first_gradient_sum(self, model: nn.Module, target: Target, k: int) -> torch.Tensor:
        """:meth:`gradient_sum` of the first ``k`` steps, falling back to the contiguous layout
        for models that cannot take channels-last images (``activations.view(n, -1)`` fails on
        them)."""
        try:
            return self.gradient_sum(model, target, 0, k)
        except RuntimeError:
            if self.layout == torch.contiguous_format:
                raise
        self.layout, self._buffer = torch.contiguous_format, None
        return self.gradient_sum(model, target, 0, k)

    def gradient_sum(self, model: nn.Module, target: Target, start: int, k: int) -> torch.Tensor:
        """``sum_i w_i d score / dx`` over steps ``start .. start + k``, shape ``(N, C, H, W)``."""
        n = self.difference.shape[0]
        x = self._points(start, k).detach().requires_grad_(True)
        scores = target_scores(model(x), repeat_target(target, k))
        # The quadrature weights enter as the backward pass's seed, so the gradients come out
        # weighted and one sum over the steps finishes the chunk.
        seed = self.weights[start : start + k].to(scores.dtype).repeat_interleave(n)
        (grads,) = torch.autograd.grad(scores, x, grad_outputs=seed)
        return grads.reshape(k, *self.difference.shape).sum(dim=0)

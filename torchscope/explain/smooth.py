"""SmoothGrad (Smilkov et al. 2017): average any explanation over noisy copies of the input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import torch
from torch import nn

from ._checks import check_images, check_model, check_non_negative, check_positive_int
from .chunking import groups_per_pass, probe_activations
from .gradients import saliency
from .model_state import outside_inference_mode
from .targets import Target, check_target, repeat_target

Variant = Literal["smoothgrad", "smoothgrad_sq", "vargrad"]
_VARIANTS = ("smoothgrad", "smoothgrad_sq", "vargrad")
_VALUES_PER_PASS = 2**21

Method = Callable[..., torch.Tensor]


@outside_inference_mode
def smooth_grad(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    method: Method = saliency,
    n_samples: int = 25,
    noise_level: float = 0.15,
    *,
    stdev: float | None = None,
    variant: Variant = "smoothgrad",
    samples_per_pass: int | None = None,
    generator: torch.Generator | None = None,
    **method_kwargs: Any,
) -> torch.Tensor:
    """The mean of ``method(model, inputs + noise, target, **method_kwargs)`` over ``n_samples``.

    ``method`` is any explanation function of this package (``saliency``, ``guided_backprop``,
    ``integrated_gradients``, ``grad_cam`` ...) or your own with the same signature. The noise is
    Gaussian with standard deviation ``noise_level * (max - min)`` of each image (the paper's
    choice), or ``stdev`` when given; sample ``s`` draws
    ``torch.randn(inputs.shape, generator=generator)`` in order, so results are reproducible
    with a seeded generator. ``variant`` picks the mean (``"smoothgrad"``), the mean of squares
    (``"smoothgrad_sq"``) or the variance (``"vargrad"``). Several noisy copies go through the
    model in one pass (``samples_per_pass``); by default the first copy is measured and the
    others go in passes sized from its activations, as in :func:`integrated_gradients`.
    """
    model = check_model(model)
    inputs = check_images(inputs)
    check_positive_int(n_samples, "n_samples")
    if not callable(method):
        raise TypeError(
            f"method must be a callable explanation such as saliency, got {type(method).__name__}"
        )
    if variant not in _VARIANTS:
        raise ValueError(f"variant must be one of {_VARIANTS}, got {variant!r}")
    target = check_target(target, inputs.shape[0])
    n = inputs.shape[0]
    detached = inputs.detach()
    if stdev is not None:
        std = torch.full(
            (n,) + (1,) * (detached.dim() - 1),
            check_non_negative(stdev, "stdev"),
            dtype=detached.dtype,
            device=detached.device,
        )
    else:
        spread = detached.reshape(n, -1)
        std = check_non_negative(noise_level, "noise_level") * (
            spread.max(dim=1).values - spread.min(dim=1).values
        )
        std = std.view((n,) + (1,) * (detached.dim() - 1))
    total: torch.Tensor | None = None
    total_sq: torch.Tensor | None = None
    if samples_per_pass is not None:
        check_positive_int(samples_per_pass, "samples_per_pass")
    # The generator's device decides where the noise is drawn (CPU by default).
    draw_on = generator.device if generator is not None else detached.device

    def maps_of_next(k: int) -> torch.Tensor:
        """The method's maps for the next ``k`` noisy copies, shape ``(k, N, ...)``."""
        noise = torch.stack(
            [
                torch.randn(
                    detached.shape, generator=generator, dtype=detached.dtype, device=draw_on
                )
                for _ in range(k)
            ]
        )
        noisy = (detached.unsqueeze(0) + noise.to(detached.device) * std.unsqueeze(0)).reshape(
            k * n, *detached.shape[1:]
        )
        maps = method(model, noisy, repeat_target(target, k), **method_kwargs)
        if not isinstance(maps, torch.Tensor) or maps.shape[0] != k * n:
            raise ValueError("method must return a tensor with one row per input sample")
        return maps.detach().view(k, n, *maps.shape[1:])

    start = 0
    if samples_per_pass is None:
        # One noisy copy first, measured; the passes for the others are sized from it.
        with probe_activations(model) as probe:
            first = maps_of_next(1)
        total, total_sq = first[0], first[0].pow(2)
        start = 1
        if probe.largest > 0:
            samples_per_pass = groups_per_pass(probe, 1, n_samples, detached.device)
        else:  # a method without a backward pass (occlusion) saves nothing to measure
            samples_per_pass = max(1, _VALUES_PER_PASS // detached.numel())
    for chunk_start in range(start, n_samples, samples_per_pass):
        maps = maps_of_next(min(samples_per_pass, n_samples - chunk_start))
        chunk_sum = maps.sum(dim=0)
        chunk_sq = maps.pow(2).sum(dim=0)
        total = chunk_sum if total is None else total + chunk_sum
        total_sq = chunk_sq if total_sq is None else total_sq + chunk_sq
    assert total is not None and total_sq is not None
    mean = total / n_samples
    if variant == "smoothgrad":
        return mean
    mean_sq = total_sq / n_samples
    return mean_sq if variant == "smoothgrad_sq" else mean_sq - mean.pow(2)

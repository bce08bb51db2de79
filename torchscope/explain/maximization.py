"""Activation maximization: synthesize an input that excites a class, a channel or one unit."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

import torch
from torch import nn

from ._checks import check_model, check_non_negative, check_positive_int
from .layers import Layer, capture_output, captured, resolve_layer
from .model_state import explaining, outside_inference_mode
from .targets import Target, check_target, target_scores


def _total_variation(x: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of neighbouring pixels per sample: penalizes high frequencies."""
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).mean(dim=1)
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).mean(dim=1)
    return dy + dx


def _per_sample(value: int | Sequence[int], n: int, name: str) -> torch.Tensor:
    items = [value] * n if isinstance(value, int) else list(value)
    if len(items) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise ValueError(f"{name} must be an int or {n} ints, got {value!r}")
    return torch.tensor(items, dtype=torch.long)


@outside_inference_mode
def activation_maximization(
    model: nn.Module,
    input_shape: Sequence[int],
    target: Target | None = None,
    *,
    layer: Layer | None = None,
    channel: int | Sequence[int] | None = None,
    unit: tuple[int, int] | None = None,
    steps: int = 200,
    lr: float = 0.05,
    jitter: int = 2,
    l2: float = 1e-3,
    tv: float = 1e-2,
    value_range: tuple[float, float] | None = None,
    init: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Gradient ascent on the input (Erhan et al. 2009; Simonyan et al. 2013; Olah et al. 2017).

    The objective is the class score ``target`` (an int, one per sample, or a callable on the
    output), or with ``layer`` the mean activation of ``channel`` there, or with ``unit=(y, x)``
    that single unit. Each of ``steps`` Adam steps (learning rate ``lr``) shifts the image by a
    random offset of up to ``jitter`` pixels before the forward pass (so the result does not rely
    on pixel-exact patterns) and subtracts ``l2 * mean(x^2)`` and ``tv * total variation``.
    ``value_range`` clamps pixels after each step. ``input_shape`` is ``(N, C, H, W)`` (or
    ``(C, H, W)`` for one image); ``init`` replaces the small random start. Returns the images.
    """
    model = check_model(model)
    shape = tuple(input_shape)
    if len(shape) == 3:
        shape = (1, *shape)
    if len(shape) != 4 or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ValueError(
            f"input_shape must be (N, C, H, W) or (C, H, W) of positive ints, got {input_shape!r}"
        )
    check_positive_int(steps, "steps")
    lr = check_non_negative(lr, "lr")
    l2 = check_non_negative(l2, "l2")
    tv = check_non_negative(tv, "tv")
    if isinstance(jitter, bool) or not isinstance(jitter, int) or jitter < 0:
        raise ValueError(f"jitter must be a non-negative int, got {jitter!r}")
    n = shape[0]
    if layer is None:
        if target is None:
            raise ValueError(
                "pass target (a class to maximize) or layer and channel (a feature to maximize)"
            )
        if channel is not None or unit is not None:
            raise ValueError("channel and unit need layer")
        target = check_target(target, n)
        channels = None
    else:
        if target is not None:
            raise ValueError("pass either target (a class) or layer and channel, not both")
        if channel is None:
            raise ValueError("layer needs channel (the feature map to maximize)")
        channels = _per_sample(channel, n, "channel")
    module = resolve_layer(model, layer) if layer is not None else None

    parameter = next(model.parameters(), None)
    device = parameter.device if parameter is not None else torch.device("cpu")
    dtype = (
        parameter.dtype
        if parameter is not None and parameter.is_floating_point()
        else torch.float32
    )
    if init is not None:
        if not isinstance(init, torch.Tensor) or tuple(init.shape) != shape:
            raise ValueError(f"init must be a tensor of shape {shape}")
        start = init.detach().to(device=device, dtype=dtype)
    else:
        start = 0.01 * torch.randn(shape, generator=generator).to(device=device, dtype=dtype)
    x = start.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=lr)
    rows = torch.arange(n, device=device)

    with ExitStack() as stack:
        stack.enter_context(explaining(model))
        capture = (
            stack.enter_context(capture_output(module, for_grad=False))
            if module is not None
            else None
        )
        for _ in range(steps):
            shifted = x
            if jitter:
                dy, dx = (torch.randint(-jitter, jitter + 1, (2,), generator=generator)).tolist()
                shifted = torch.roll(x, shifts=(dy, dx), dims=(2, 3))
            if capture is not None:
                capture.calls = 0
            output = model(shifted)
            if capture is not None and module is not None and channels is not None:
                activations = captured(capture, module)
                if activations.dim() != 4:
                    raise ValueError(
                        f"layer output must be (N, C, h, w) to pick a channel, "
                        f"got {tuple(activations.shape)}"
                    )
                picked = activations[rows, channels.to(device)]
                objective = (
                    picked[:, unit[0], unit[1]]
                    if unit is not None
                    else picked.flatten(1).mean(dim=1)
                )
            else:
                objective = target_scores(output, target)  # type: ignore[arg-type]
            penalty = l2 * x.pow(2).flatten(1).mean(dim=1) + tv * _total_variation(x)
            loss = (penalty - objective).sum()
            (grad,) = torch.autograd.grad(loss, x)
            x.grad = grad
            optimizer.step()
            x.grad = None
            if value_range is not None:
                with torch.no_grad():
                    x.clamp_(*value_range)
    return x.detach()

"""Occlusion sensitivity (Zeiler & Fergus 2013): how much the score drops when a patch is hidden."""

from __future__ import annotations

import torch
from torch import nn

from ._checks import check_images, check_model, check_positive_int, pair
from .model_state import explaining, outside_inference_mode
from .targets import Target, check_target, repeat_target, target_scores

_VALUES_PER_PASS = 2**21


def _starts(size: int, window: int, stride: int) -> list[int]:
    """Window starts every ``stride``; one more flush with the edge so every pixel is covered."""
    if window > size:
        raise ValueError(f"window {window} is larger than the image side {size}")
    starts = list(range(0, size - window + 1, stride))
    if starts[-1] != size - window:
        starts.append(size - window)
    return starts


@outside_inference_mode
def occlusion(
    model: nn.Module,
    inputs: torch.Tensor,
    target: Target,
    window: int | tuple[int, int] = 8,
    stride: int | tuple[int, int] | None = None,
    baseline: float | torch.Tensor = 0.0,
    *,
    windows_per_pass: int | None = None,
) -> torch.Tensor:
    """Slide a ``window`` (all channels) over each image, replacing it by ``baseline``.

    Each pixel gets the mean, over the windows that cover it, of ``score(x) - score(occluded x)``:
    positive where hiding the pixel lowers the target score. ``stride`` defaults to half the
    window; a last window flush with the right/bottom edge is added when the stride does not land
    there. ``baseline`` is a number or a tensor broadcastable to ``inputs`` (a blurred image, the
    dataset mean ...). Returns ``(N, 1, H, W)``. Forward passes only, several windows per pass.
    """
    model = check_model(model)
    inputs = check_images(inputs)
    target = check_target(target, inputs.shape[0])
    wh, ww = pair(window, "window")
    sh, sw = pair(stride, "stride") if stride is not None else (max(1, wh // 2), max(1, ww // 2))
    n, _, h, w = inputs.shape
    detached = inputs.detach()
    if isinstance(baseline, torch.Tensor):
        try:
            base = baseline.to(detached).expand_as(detached)
        except RuntimeError:
            raise ValueError(
                f"baseline of shape {tuple(baseline.shape)} does not broadcast to inputs "
                f"{tuple(inputs.shape)}"
            ) from None
    elif isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        base = torch.full_like(detached, float(baseline))
    else:
        raise TypeError(f"baseline must be a number or a tensor, got {type(baseline).__name__}")
    corners = [(y, x) for y in _starts(h, wh, sh) for x in _starts(w, ww, sw)]
    if windows_per_pass is None:
        windows_per_pass = max(1, _VALUES_PER_PASS // detached.numel())
    check_positive_int(windows_per_pass, "windows_per_pass")

    totals = torch.zeros(n, h, w, dtype=detached.dtype, device=detached.device)
    counts = torch.zeros(h, w, dtype=detached.dtype, device=detached.device)
    with explaining(model), torch.no_grad():
        reference = target_scores(model(detached), target)
        for start in range(0, len(corners), windows_per_pass):
            chunk = corners[start : start + windows_per_pass]
            masks = torch.zeros(len(chunk), h, w, dtype=torch.bool, device=detached.device)
            for i, (y, x) in enumerate(chunk):
                masks[i, y : y + wh, x : x + ww] = True
            hidden = masks[:, None, None]  # (k, 1, 1, H, W) against (N, C, H, W)
            occluded = torch.where(hidden, base.unsqueeze(0), detached.unsqueeze(0)).reshape(
                -1, *detached.shape[1:]
            )
            scores = target_scores(model(occluded), repeat_target(target, len(chunk))).view(
                len(chunk), n
            )
            drops = reference.unsqueeze(0) - scores
            weights = masks.to(detached.dtype)
            totals += torch.einsum("kn,khw->nhw", drops, weights)
            counts += weights.sum(dim=0)
    return (totals / counts).unsqueeze(1)

"""From attributions to pictures: reduce to heatmaps, normalize, colour, overlay on the image."""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

Reduction = Literal["max_abs", "sum_abs", "sum", "l2", "max"]
Normalization = Literal["minmax", "max_abs", "symmetric", "percentile"]
_REDUCTIONS = ("max_abs", "sum_abs", "sum", "l2", "max")
_NORMALIZATIONS = ("minmax", "max_abs", "symmetric", "percentile")

# Colour maps as evenly spaced control points, linearly interpolated (no plotting library needed).
_COLORMAPS: dict[str, list[tuple[int, int, int]]] = {
    "jet": [
        (0, 0, 128),
        (0, 0, 255),
        (0, 128, 255),
        (0, 255, 255),
        (128, 255, 128),
        (255, 255, 0),
        (255, 128, 0),
        (255, 0, 0),
        (128, 0, 0),
    ],
    "viridis": [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ],
    "inferno": [
        (0, 0, 4),
        (31, 12, 72),
        (85, 15, 109),
        (136, 34, 106),
        (186, 54, 85),
        (227, 89, 51),
        (249, 140, 10),
        (249, 201, 50),
        (252, 255, 164),
    ],
    "gray": [(0, 0, 0), (255, 255, 255)],
    "bwr": [(0, 0, 255), (255, 255, 255), (255, 0, 0)],
}
COLORMAPS = tuple(_COLORMAPS)


def to_heatmap(attributions: torch.Tensor, reduction: Reduction = "max_abs") -> torch.Tensor:
    """Reduce ``(N, C, H, W)`` attributions over channels to ``(N, 1, H, W)`` maps.

    ``"max_abs"`` is the usual saliency display (``max_c |a|``); ``"sum"`` keeps the sign.
    """
    if not isinstance(attributions, torch.Tensor) or attributions.dim() != 4:
        shape = (
            tuple(attributions.shape)
            if isinstance(attributions, torch.Tensor)
            else type(attributions).__name__
        )
        raise ValueError(f"attributions must be a tensor of shape (N, C, H, W), got {shape}")
    a = attributions.detach()
    if reduction == "max_abs":
        return a.abs().amax(dim=1, keepdim=True)
    if reduction == "sum_abs":
        return a.abs().sum(dim=1, keepdim=True)
    if reduction == "sum":
        return a.sum(dim=1, keepdim=True)
    if reduction == "l2":
        return a.pow(2).sum(dim=1, keepdim=True).sqrt()
    if reduction == "max":
        return a.amax(dim=1, keepdim=True)
    raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def normalize(
    maps: torch.Tensor, method: Normalization = "minmax", percentile: float = 99.0
) -> torch.Tensor:
    """Rescale each sample of ``maps`` (leading dim N) on its own.

    ``"minmax"``: to [0, 1]. ``"max_abs"``: divide by ``max |m|``, to [-1, 1], zero stays zero.
    ``"symmetric"``: like ``max_abs`` then to [0, 1] with zero at 0.5 (for diverging colour maps).
    ``"percentile"``: ``|m|`` clipped at its ``percentile`` and divided by it, to [0, 1], so a few
    extreme pixels do not wash out the rest. A constant map becomes zeros (0.5 for symmetric).
    """
    if not isinstance(maps, torch.Tensor) or maps.dim() < 2:
        raise ValueError("maps must be a tensor with a leading batch dimension")
    if not 0 < percentile <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {percentile!r}")
    m = maps.detach().float()
    flat = m.reshape(m.shape[0], -1)
    view = (m.shape[0],) + (1,) * (m.dim() - 1)
    if method == "minmax":
        low = flat.amin(dim=1).view(view)
        span = flat.amax(dim=1).view(view) - low
        return torch.where(span > 0, (m - low) / span.clamp_min(1e-30), torch.zeros_like(m))
    if method in ("max_abs", "symmetric"):
        scale = flat.abs().amax(dim=1).view(view)
        scaled = torch.where(scale > 0, m / scale.clamp_min(1e-30), torch.zeros_like(m))
        return scaled if method == "max_abs" else scaled / 2 + 0.5
    if method == "percentile":
        level = torch.quantile(flat.abs(), percentile / 100, dim=1).view(view)
        return torch.where(
            level > 0, (m.abs() / level.clamp_min(1e-30)).clamp(max=1), torch.zeros_like(m)
        )
    raise ValueError(f"method must be one of {_NORMALIZATIONS}, got {method!r}")


def apply_colormap(values: torch.Tensor | np.ndarray, colormap: str = "jet") -> np.ndarray:
    """Colour values in [0, 1] (any shape): returns uint8 RGB with a trailing axis of 3."""
    if colormap not in _COLORMAPS:
        raise ValueError(f"colormap must be one of {COLORMAPS}, got {colormap!r}")
    v = (
        values.detach().cpu().float().numpy()
        if isinstance(values, torch.Tensor)
        else np.asarray(values, dtype=np.float32)
    )
    v = np.clip(np.nan_to_num(v), 0.0, 1.0)
    table = np.asarray(_COLORMAPS[colormap], dtype=np.float32)
    position = v * (len(table) - 1)
    low = np.floor(position).astype(np.int64).clip(0, len(table) - 2)
    frac = (position - low)[..., None]
    rgb = table[low] * (1 - frac) + table[low + 1] * frac
    return np.round(rgb).astype(np.uint8)


def image_to_rgb(image: torch.Tensor | np.ndarray) -> np.ndarray:
    """An image as uint8 RGB ``(H, W, 3)`` for display.

    Takes ``(C, H, W)`` tensors, ``(H, W, C)`` arrays or ``(H, W)`` grey, float in [0, 1] or uint8.

    Float images outside [0, 1] (normalized inputs) are min-max rescaled for display.
    """
    if isinstance(image, torch.Tensor):
        array = image.detach().cpu()
        if array.dim() == 4 and array.shape[0] == 1:
            array = array[0]
        if array.dim() == 3 and array.shape[0] in (1, 3):
            array = array.permute(1, 2, 0)
        a = array.numpy()
    elif isinstance(image, np.ndarray):
        a = image
    else:
        raise TypeError(f"image must be a torch.Tensor or numpy array, got {type(image).__name__}")
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim != 3 or a.shape[2] not in (1, 3):
        raise ValueError(
            f"image must be (C, H, W), (H, W, C) or (H, W) with 1 or 3 channels, "
            f"got shape {tuple(image.shape)}"
        )
    if a.dtype == np.uint8:
        rgb = a
    else:
        f = a.astype(np.float32)
        low, high = float(f.min()), float(f.max())
        if low < 0 or high > 1:
            f = (f - low) / (high - low) if high > low else np.zeros_like(f)
        rgb = np.round(f * 255).astype(np.uint8)
    return np.repeat(rgb, 3, axis=2) if rgb.shape[2] == 1 else rgb


def overlay(
    image: torch.Tensor | np.ndarray,
    heatmap: torch.Tensor | np.ndarray,
    colormap: str = "jet",
    alpha: float = 0.5,
    *,
    normalization: Normalization | None = "minmax",
) -> np.ndarray:
    """Blend a coloured ``heatmap`` over ``image``: ``(1 - alpha) image + alpha colour(heatmap)``.

    ``heatmap`` is ``(H, W)``, ``(1, H, W)`` or ``(1, 1, H, W)``, resized bilinearly to the image if
    needed and normalized with ``normalization`` first (``None`` if it is already in [0, 1]).
    Returns an RGB ``uint8`` array ``(H, W, 3)``, ready for ``PIL.Image.fromarray`` or
    ``SummaryWriter.add_image(..., dataformats="HWC")``.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha!r}")
    rgb = image_to_rgb(image)
    h = torch.as_tensor(
        np.asarray(heatmap) if isinstance(heatmap, np.ndarray) else heatmap.detach().cpu()
    ).float()
    while h.dim() > 2 and h.shape[0] == 1:
        h = h[0]
    if h.dim() != 2:
        raise ValueError(
            f"heatmap must be (H, W), (1, H, W) or (1, 1, H, W), got shape {tuple(h.shape)}"
        )
    if tuple(h.shape) != rgb.shape[:2]:
        h = F.interpolate(h[None, None], size=rgb.shape[:2], mode="bilinear", align_corners=False)[
            0, 0
        ]
    if normalization is not None:
        h = normalize(h[None], normalization)[0]
        if normalization == "max_abs":
            h = h.abs()
    colours = apply_colormap(h, colormap).astype(np.float32)
    blended = (1 - alpha) * rgb.astype(np.float32) + alpha * colours
    return np.round(blended).clip(0, 255).astype(np.uint8)

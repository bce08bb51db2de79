"""What a network computes and holds: feature maps of chosen layers, and convolution filters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ._checks import check_images, check_model, check_positive_int
from .layers import Layer, capture_output, captured, layer_name, resolve_layer
from .model_state import explaining, outside_inference_mode

FilterNormalization = Literal["per_filter", "global", "symmetric"]
_FILTER_NORMALIZATIONS = ("per_filter", "global", "symmetric")


@outside_inference_mode
def feature_maps(
    model: nn.Module, inputs: torch.Tensor, layers: Layer | Sequence[Layer]
) -> dict[str, torch.Tensor]:
    """The activations of ``layers`` for ``inputs``, keyed by the layer's dotted name.

    One forward pass in eval mode without gradients. The tensors are copies taken as the layer
    returns them, so an in-place ReLU that follows cannot alter them.
    """
    model = check_model(model)
    inputs = check_images(inputs)
    chosen = [layers] if isinstance(layers, (nn.Module, str)) else list(layers)
    if not chosen:
        raise ValueError("layers must name at least one layer")
    modules = [resolve_layer(model, layer, "layers") for layer in chosen]
    with ExitStack() as stack:
        stack.enter_context(explaining(model))
        stack.enter_context(torch.no_grad())
        captures = [
            stack.enter_context(capture_output(module, for_grad=False)) for module in modules
        ]
        model(inputs.detach())
        return {
            layer_name(model, m): captured(c, m).detach().clone()
            for m, c in zip(modules, captures, strict=True)
        }


def _first_conv(model: nn.Module) -> nn.Module:
    for module in model.modules():
        if isinstance(module, nn.Conv2d):
            return module
    raise ValueError("the model has no nn.Conv2d; pass layer")


def _rescale(tiles: torch.Tensor, normalization: FilterNormalization) -> torch.Tensor:
    """Map weights to [0, 1]: tiles is (T, C, kh, kw)."""
    if normalization == "symmetric":
        scale = tiles.abs().amax().clamp_min(1e-12)
        return tiles / (2 * scale) + 0.5
    if normalization == "global":
        low, high = tiles.amin(), tiles.amax()
    else:
        low = tiles.amin(dim=(1, 2, 3), keepdim=True)
        high = tiles.amax(dim=(1, 2, 3), keepdim=True)
    return (tiles - low) / (high - low).clamp_min(1e-12)


def filters(
    model: nn.Module,
    layer: Layer | None = None,
    *,
    normalization: FilterNormalization = "per_filter",
    max_filters: int = 64,
    columns: int | None = None,
    scale: int = 1,
    padding: int = 1,
    pad_value: float = 1.0,
) -> torch.Tensor:
    """The weights of a ``Conv2d`` laid out as one image grid ``(C, H, W)`` with values in [0, 1].

    ``model`` may be the convolution itself; otherwise ``layer`` names it (default: the first
    ``nn.Conv2d``, whose filters look at pixels and are the readable ones). Filters over 3 input
    channels are shown in colour and over 1 in grey, one tile per filter; deeper filters get one
    grey tile per (filter, input channel), a row per filter. At most ``max_filters`` filters;
    ``scale`` enlarges each kernel pixel; ``normalization`` is per filter, global, or
    ``"symmetric"`` (zero at mid-grey).
    """
    model = check_model(model)
    if normalization not in _FILTER_NORMALIZATIONS:
        raise ValueError(
            f"normalization must be one of {_FILTER_NORMALIZATIONS}, got {normalization!r}"
        )
    check_positive_int(max_filters, "max_filters")
    check_positive_int(scale, "scale")
    if isinstance(padding, bool) or not isinstance(padding, int) or padding < 0:
        raise ValueError(f"padding must be a non-negative int, got {padding!r}")
    if layer is None:
        conv = model if isinstance(model, nn.Conv2d) else _first_conv(model)
    else:
        conv = resolve_layer(model, layer)
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"layer must be an nn.Conv2d, got {type(conv).__name__}")
    weight = conv.weight.detach()[:max_filters].float().cpu()
    out_channels, in_channels, kh, kw = weight.shape
    if in_channels in (1, 3):
        tiles = weight
        columns = columns or math.ceil(math.sqrt(out_channels))
    else:
        tiles = weight.reshape(out_channels * in_channels, 1, kh, kw)
        columns = columns or in_channels
    check_positive_int(columns, "columns")
    if normalization == "per_filter" and in_channels not in (1, 3):
        # One filter spans a row of tiles: normalize the filter as a whole.
        tiles = _rescale(weight, normalization).reshape(out_channels * in_channels, 1, kh, kw)
    else:
        tiles = _rescale(tiles, normalization)
    if scale > 1:
        tiles = F.interpolate(tiles, scale_factor=scale, mode="nearest")
    return _grid(tiles, columns, padding, pad_value)


def _grid(tiles: torch.Tensor, columns: int, padding: int, pad_value: float) -> torch.Tensor:
    count, channels, th, tw = tiles.shape
    rows = math.ceil(count / columns)
    height = rows * th + (rows + 1) * padding
    width = columns * tw + (columns + 1) * padding
    grid = torch.full((channels, height, width), pad_value, dtype=tiles.dtype)
    for i in range(count):
        r, c = divmod(i, columns)
        y = padding + r * (th + padding)
        x = padding + c * (tw + padding)
        grid[:, y : y + th, x : x + tw] = tiles[i]
    return grid

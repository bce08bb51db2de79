"""A plain, JSON-able record of one explained image: what a writer, a client or a view carries."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import torch
from PIL import Image
from torch import nn

from ._checks import check_model, check_positive_int
from .cam import grad_cam, grad_cam_pp, guided_grad_cam
from .gradients import deconvnet, guided_backprop, saliency
from .images import image_to_rgb, normalize, to_heatmap
from .integrated import integrated_gradients
from .layers import Layer
from .model_state import explaining, outside_inference_mode
from .occlusion import occlusion
from .smooth import smooth_grad

RECORD_FORMAT = "torchscope.explain/1"
MapEncoding = Literal["png", "float"]

_MapFunction = Callable[[nn.Module, torch.Tensor, int, Layer | None], torch.Tensor]


def _occlusion_map(
    model: nn.Module, x: torch.Tensor, target: int, layer: Layer | None
) -> torch.Tensor:
    side = max(2, min(x.shape[-2:]) // 4)
    return occlusion(model, x, target, window=side, stride=max(1, side // 2))


# Each method as one (1, 1, H, W) map; signed maps keep their sign.
METHOD_MAPS: dict[str, tuple[_MapFunction, bool]] = {
    "saliency": (lambda m, x, t, layer: to_heatmap(saliency(m, x, t)), False),
    "deconvnet": (lambda m, x, t, layer: to_heatmap(deconvnet(m, x, t)), False),
    "guided_backprop": (lambda m, x, t, layer: to_heatmap(guided_backprop(m, x, t)), False),
    "grad_cam": (lambda m, x, t, layer: grad_cam(m, x, t, layer), False),
    "grad_cam_pp": (lambda m, x, t, layer: grad_cam_pp(m, x, t, layer), False),
    "guided_grad_cam": (lambda m, x, t, layer: to_heatmap(guided_grad_cam(m, x, t, layer)), False),
    "integrated_gradients": (
        lambda m, x, t, layer: to_heatmap(integrated_gradients(m, x, t), "sum"),
        True,
    ),
    "smooth_grad": (lambda m, x, t, layer: to_heatmap(smooth_grad(m, x, t)), False),
    "occlusion": (_occlusion_map, True),
}
METHODS = tuple(METHOD_MAPS)


def png_base64(pixels: np.ndarray) -> str:
    """A uint8 ``(H, W)`` or ``(H, W, 3)`` array as base64 PNG text."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", optimize=True)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _encode_map(heatmap: torch.Tensor, signed: bool, encoding: MapEncoding) -> dict[str, Any]:
    values = heatmap.detach().float().cpu()[0, 0]
    entry: dict[str, Any] = {
        "height": int(values.shape[0]),
        "width": int(values.shape[1]),
        "min": float(values.min()),
        "max": float(values.max()),
        "signed": signed,
        "encoding": encoding,
    }
    if encoding == "float":
        entry["values"] = values.tolist()
        return entry
    scaled = normalize(values[None], "symmetric" if signed else "minmax")[0]
    entry["scale"] = "symmetric" if signed else "minmax"
    entry["png"] = png_base64(np.round(scaled.numpy() * 255).astype(np.uint8))
    return entry


@outside_inference_mode
def explanation_record(
    model: nn.Module,
    image: torch.Tensor,
    target: int | None = None,
    methods: Sequence[str] = ("grad_cam", "guided_backprop", "saliency"),
    *,
    layer: Layer | None = None,
    labels: Sequence[str] | None = None,
    top_k: int = 5,
    map_encoding: MapEncoding = "png",
    display_image: torch.Tensor | np.ndarray | None = None,
    targets: Sequence[int] | torch.Tensor | None = None,
) -> dict[str, Any]:
    """Explain one image with several methods and return everything as plain JSON-able data.

    ``image`` is ``(C, H, W)`` or ``(1, C, H, W)`` as the model takes it; ``display_image`` (same
    size, e.g. before normalization) is what is shown, defaulting to ``image`` rescaled.
    ``target`` defaults to the top prediction. ``targets`` (instead of ``target``) explains
    several classes at once: the record is the first one's, plus ``"targets"`` with every
    class's maps, as ``combine_targets`` makes. ``layer`` is used by the CAM methods (default:
    the last ``nn.Conv2d``). The shape of the record is documented in docs/explain.md.
    """
    model = check_model(model)
    if (
        not isinstance(image, torch.Tensor)
        or image.dim() not in (3, 4)
        or (image.dim() == 4 and image.shape[0] != 1)
    ):
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"image must be one image, (C, H, W) or (1, C, H, W), got {shape}")
    x = image.detach().unsqueeze(0) if image.dim() == 3 else image.detach()
    if isinstance(methods, str) or not methods:
        raise ValueError(f"methods must be a non-empty sequence of names from {METHODS}")
    unknown = [m for m in methods if m not in METHOD_MAPS]
    if unknown:
        raise ValueError(f"methods {unknown} are unknown; choose from {METHODS}")
    check_positive_int(top_k, "top_k")
    if map_encoding not in ("png", "float"):
        raise ValueError(f"map_encoding must be 'png' or 'float', got {map_encoding!r}")

    with explaining(model), torch.no_grad():
        logits = model(x)
    if not isinstance(logits, torch.Tensor) or logits.dim() != 2:
        raise ValueError("explanation_record needs a classifier whose output is (1, classes)")
    classes = logits.shape[1]
    if labels is not None and len(labels) != classes:
        raise ValueError(f"labels has {len(labels)} names but the model outputs {classes} classes")
    probabilities = logits.float().softmax(dim=1)[0]
    order = probabilities.argsort(descending=True)[: min(top_k, classes)].tolist()
    chosen = _chosen_targets(target, targets, order[0], classes)

    def label(index: int) -> str | None:
        return None if labels is None else str(labels[index])

    def maps_of(index: int) -> dict[str, Any]:
        maps = {}
        for name in methods:
            compute, signed = METHOD_MAPS[name]
            maps[name] = _encode_map(compute(model, x, index, layer), signed, map_encoding)
        return maps

    shown = image_to_rgb(display_image if display_image is not None else x[0])
    every_map = [maps_of(index) for index in chosen]
    target = chosen[0]
    record: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "image": {
            "png": png_base64(shown),
            "height": int(shown.shape[0]),
            "width": int(shown.shape[1]),
        },
        "target": {"index": target, "label": label(target)},
        "predictions": [
            {
                "index": i,
                "label": label(i),
                "score": float(logits[0, i]),
                "probability": float(probabilities[i]),
            }
            for i in order
        ],
        "methods": list(methods),
        "maps": every_map[0],
    }
    if targets is not None:
        record["targets"] = [
            {"index": index, "label": label(index), "maps": dict(maps)}
            for index, maps in zip(chosen, every_map, strict=True)
        ]
    return record


def _chosen_targets(
    target: int | None, targets: Sequence[int] | torch.Tensor | None, top: int, classes: int
) -> list[int]:
    """The classes to explain, checked: ``targets``, else ``[target]``, else the top one."""
    if targets is not None and target is not None:
        raise ValueError("give target or targets, not both")
    if targets is None:
        chosen = [top if target is None else target]
        name = "target"
    else:
        if isinstance(targets, (torch.Tensor, np.ndarray)):  # e.g. topk's indices
            targets = targets.tolist()
        if isinstance(targets, (str, bytes)) or not isinstance(targets, Sequence) or not targets:
            raise ValueError("targets must be a non-empty sequence of class indices")
        chosen = list(targets)
        name = "targets"
    for position, index in enumerate(chosen):
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise ValueError(f"{name} must be class indices, got {index!r}")
        chosen[position] = index = int(index)
        if not 0 <= index < classes:
            raise ValueError(f"{name} must be class indices in [0, {classes}), got {index!r}")
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"targets repeat a class: {chosen}")
    return chosen

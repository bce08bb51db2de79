"""A module's settings (kernel_size, stride, in_features ...) as JSON-able values."""

from __future__ import annotations

import enum
import math
from typing import Any

import torch
from torch import nn

# Sequences longer than this are not settings but data (lookup tables, buffers kept as lists).
_MAX_SEQUENCE = 16
SKIP = object()  # marker: "not a simple value"


def json_value(value: Any) -> Any:
    """A JSON-able copy of a simple value, or the ``SKIP`` marker for anything else."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, torch.dtype):
        return str(value).removeprefix("torch.")
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, slice) or value is Ellipsis:
        return repr(value)  # tensor indexing, x[:, 0]
    if isinstance(value, tuple | list | torch.Size) and len(value) <= _MAX_SEQUENCE:
        items = [json_value(item) for item in value]
        return SKIP if any(item is SKIP for item in items) else items
    return SKIP


def is_json_value(value: Any) -> bool:
    return json_value(value) is not SKIP


def module_settings(module: nn.Module) -> dict[str, Any]:
    """The module's public, simple attributes plus its ``extra_repr`` text.

    For torch.nn layers the public attributes are exactly the constructor settings
    (Conv2d: in_channels, out_channels, kernel_size, stride, padding, dilation, groups ...).
    """
    settings: dict[str, Any] = {}
    for key, value in vars(module).items():
        if key.startswith("_") or key == "training":
            continue
        converted = json_value(value)
        if converted is not SKIP:
            settings[key] = converted
    try:
        extra = module.extra_repr()
    except Exception:  # a user's extra_repr may fail; settings stay useful without it
        extra = ""
    if extra:
        settings["extra_repr"] = extra
    return settings

"""Argument checks shared by the explanation methods: clear errors that name the argument."""

from __future__ import annotations

import torch
from torch import nn


def check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    return model


def check_images(inputs: object, name: str = "inputs") -> torch.Tensor:
    """A float batch of images ``(N, C, H, W)``."""
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape (N, C, H, W), got {type(inputs).__name__}"
        )
    if inputs.dim() != 4:
        raise ValueError(f"{name} must have shape (N, C, H, W), got shape {tuple(inputs.shape)}")
    if not inputs.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {inputs.dtype}")
    if inputs.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one image, got an empty batch")
    if inputs.is_inference():
        # Made inside torch.inference_mode(): autograd cannot record it, a copy it can.
        with torch.inference_mode(False):
            inputs = inputs.clone()
    return inputs


def check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def pair(value: int | tuple[int, int], name: str) -> tuple[int, int]:
    """``7`` -> ``(7, 7)``; a pair of positive ints stays as it is."""
    items = (value, value) if isinstance(value, int) else tuple(value)
    if len(items) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in items
    ):
        raise ValueError(f"{name} must be a positive int or a pair of positive ints, got {value!r}")
    return items[0], items[1]

"""Turning user input (tensors on any device, arrays, numbers) into numpy and floats."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

__all__ = ["is_torch_tensor", "scalar_to_float", "to_numpy"]


def is_torch_tensor(value: Any) -> bool:
    """True for a ``torch.Tensor``, without importing torch when the caller never did."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def to_numpy(value: Any, name: str) -> np.ndarray:
    """A numpy array from a tensor (any device), an array, a number or a nested list."""
    if isinstance(value, np.ndarray):
        return value
    if is_torch_tensor(value):
        tensor = value.detach()
        if tensor.device.type == "meta":
            raise ValueError(f"{name} is a meta tensor: it holds no values to log")
        if tensor.dtype.is_floating_point and tensor.element_size() < 4:
            tensor = tensor.float()  # numpy has no bfloat16; float16 is widened alike
        return np.asarray(tensor.cpu().numpy())
    if isinstance(value, (bool, int, float, np.generic)):
        return np.array([value])
    if isinstance(value, (list, tuple)):
        try:
            return np.asarray(value)
        except ValueError as error:
            raise ValueError(f"{name} is a ragged nested sequence: {error}") from None
    raise TypeError(
        f"{name} must be a torch.Tensor, numpy array, number or list, got {type(value).__name__}"
    )


def scalar_to_float(value: Any, name: str = "scalar_value") -> float:
    """The float of a number, a one-element array or a one-element tensor."""
    kind = type(value)
    if kind is float or kind is int:
        return float(value)
    if isinstance(value, (int, float, np.number, np.bool_)):
        return float(value)
    if isinstance(value, str):
        raise TypeError(f"{name} must be a number or a one-element tensor, got a str")
    if is_torch_tensor(value) or isinstance(value, np.ndarray):
        size = value.size if isinstance(value, np.ndarray) else value.numel()
        if size != 1:
            raise ValueError(f"{name} must hold exactly one element, got {size}")
        return float(value.item())
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a number or a one-element tensor, got {type(value).__name__}"
        ) from None

"""Turning what users pass (numpy arrays, torch tensors on any device, lists) into numpy."""

from __future__ import annotations

from typing import Any

import numpy as np


def to_array(value: Any, name: str) -> np.ndarray:
    """``value`` (numpy array, torch tensor on any device, list, number) as a numpy array.

    torch is never imported here: a tensor is recognized by its type's module.
    """
    if isinstance(value, np.ndarray):
        return value
    if type(value).__module__.startswith("torch"):
        tensor = value.detach()
        if tensor.is_floating_point() and tensor.dtype.itemsize < 4:
            tensor = tensor.float()  # bfloat16 has no numpy twin; float16 is widened alike
        return np.asarray(tensor.cpu().numpy())
    try:
        return np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be an array, tensor or list: {exc}") from None


def optional_array(value: Any, name: str) -> np.ndarray | None:
    return None if value is None else to_array(value, name)

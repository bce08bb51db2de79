"""Exact parameter counts per module (each distinct parameter counted once)."""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from torchscope.graph.model import ParamCounts


def numel(parameter: torch.Tensor) -> int:
    """Elements of a parameter; 0 for a lazy parameter not yet materialized."""
    if isinstance(parameter, nn.parameter.UninitializedParameter):
        return 0
    return parameter.numel()


def count_unique(parameters: Iterable[nn.Parameter]) -> tuple[int, int]:
    """(total, trainable) elements of distinct parameters (tied weights counted once)."""
    seen: set[int] = set()
    total = trainable = 0
    for parameter in parameters:
        if id(parameter) in seen:
            continue
        seen.add(id(parameter))
        count = numel(parameter)
        total += count
        if parameter.requires_grad:
            trainable += count
    return total, trainable


def parameter_counts(module: nn.Module) -> ParamCounts:
    """Own, total and trainable parameter counts of one module."""
    own, _ = count_unique(module.parameters(recurse=False))
    total, trainable = count_unique(module.parameters())
    return ParamCounts(own=own, total=total, trainable=trainable)

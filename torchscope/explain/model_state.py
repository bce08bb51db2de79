"""Run a model for an explanation and leave it exactly as it was found."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import ParamSpec, TypeVar

import torch
from torch import nn

P = ParamSpec("P")
R = TypeVar("R")


def outside_inference_mode(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with inference mode off, so a caller's ``torch.inference_mode()`` block
    does not turn the explanation's own tensors into inference tensors autograd cannot use."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with torch.inference_mode(False):
            return function(*args, **kwargs)

    return wrapper


@contextmanager
def explaining(model: nn.Module) -> Iterator[None]:
    """Evaluation mode and gradients on for the block; every module's own mode restored after.

    Eval mode makes an explanation a function of its own sample (BatchNorm uses its running
    statistics, dropout is off) and keeps BatchNorm's running statistics from moving. Each
    module's flag is restored, not just the root's, so a model with frozen BatchNorm layers stays
    that way. Gradients are enabled (and inference mode left) so that explanations work inside a
    validation loop's ``torch.no_grad()``; callers differentiate with ``torch.autograd.grad``, so
    parameters' ``.grad`` are never touched.
    """
    modes = [(module, module.training) for module in model.modules()]
    with ExitStack() as stack:
        stack.enter_context(torch.inference_mode(False))
        stack.enter_context(torch.enable_grad())
        # nn.Module.__setattr__ is slow enough to show on small models and GPUs: a model already
        # in eval mode (the usual case) is not touched at all.
        if any(training for _, training in modes):
            model.eval()
        try:
            yield
        finally:
            for module, training in modes:
                if module.training != training:
                    module.training = training


def leaf_input(inputs: torch.Tensor) -> torch.Tensor:
    """A fresh leaf copy of ``inputs`` that requires grad."""
    return inputs.detach().clone().requires_grad_(True)

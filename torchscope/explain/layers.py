"""Pick a layer by module or dotted name, and catch what it computes during one forward pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeAlias

import torch
from torch import nn

Layer: TypeAlias = nn.Module | str
"""A submodule of the model, or its dotted name from ``model.named_modules()``."""


def resolve_layer(model: nn.Module, layer: Layer | None, name: str = "layer") -> nn.Module:
    """The submodule ``layer`` names; ``None`` picks the last ``nn.Conv2d`` the model registers."""
    if layer is None:
        convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
        if not convs:
            raise ValueError(
                f"{name} is None and the model has no nn.Conv2d to default to; pass {name}"
            )
        return convs[-1]
    if isinstance(layer, str):
        try:
            return model.get_submodule(layer)
        except AttributeError:
            known = [n for n, _ in model.named_modules() if n][:12]
            raise ValueError(
                f"{name}={layer!r} is not a submodule of the model; some names: {known}"
            ) from None
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in model.modules()):
            raise ValueError(f"{name} is a {type(layer).__name__} that is not part of the model")
        return layer
    raise TypeError(f"{name} must be an nn.Module or a dotted name, got {type(layer).__name__}")


def layer_name(model: nn.Module, layer: nn.Module) -> str:
    for name, module in model.named_modules():
        if module is layer:
            return name or type(model).__name__
    return type(layer).__name__


class _Capture:
    def __init__(self) -> None:
        self.calls = 0
        self.value: torch.Tensor | None = None


@contextmanager
def capture_output(
    layer: nn.Module, for_grad: bool, grad_from_layer: bool = False
) -> Iterator[_Capture]:
    """Record ``layer``'s output during the block; the hook is removed on exit, whatever happens.

    The model downstream receives a copy, so a following ``ReLU(inplace=True)`` cannot rectify the
    recorded activations (a known way to get wrong CAMs). With ``for_grad`` the recorded tensor
    requires grad even when neither the input nor the layers below it do (frozen models), so
    ``torch.autograd.grad(score, captured)`` always works. With ``grad_from_layer`` the hook
    turns gradient recording on, so a forward pass run under ``torch.no_grad()`` records a graph
    from the layer up only.
    """
    capture = _Capture()

    def hook(module: nn.Module, args: Any, output: Any) -> torch.Tensor:
        if not isinstance(output, torch.Tensor):
            raise TypeError(
                f"the chosen layer ({type(module).__name__}) must return a tensor, "
                f"got {type(output).__name__}"
            )
        capture.calls += 1
        if grad_from_layer:
            torch.set_grad_enabled(True)
        if for_grad and not output.requires_grad:
            output = output.detach().requires_grad_(True)
        capture.value = output
        if for_grad:
            # Even where the model runs the layer under torch.no_grad() (a frozen backbone), the
            # copy handed downstream must stay connected to the recorded tensor.
            with torch.enable_grad():
                return output.clone()
        return output.clone()

    handle = layer.register_forward_hook(hook)
    try:
        yield capture
    finally:
        handle.remove()


def captured(capture: _Capture, layer: nn.Module) -> torch.Tensor:
    """The one output recorded; a layer run several times per forward pass is ambiguous."""
    if capture.calls == 0 or capture.value is None:
        raise ValueError(
            f"the chosen layer ({type(layer).__name__}) was not called during the forward pass"
        )
    if capture.calls > 1:
        raise ValueError(
            f"the chosen layer ({type(layer).__name__}) ran {capture.calls} times in one "
            "forward pass "
            "(a module shared across blocks); choose a module that runs once"
        )
    return capture.value

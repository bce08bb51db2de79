"""Activation checkpointing as one argument: recompute activations in backward, not keep them.

``checkpoint="sqrt"`` splits an ``nn.Sequential`` into about sqrt(n) segments
(``torch.utils.checkpoint.checkpoint_sequential``); an int gives the number of segments; a set of
module types checkpoints every submodule of those types. Always ``use_reentrant=False``: the
re-entrant variant gives a segment no gradient when its input does not require grad, so parameters
silently stop training (and DDP fails).

The model is changed in place by replacing the ``forward`` of the chosen modules on the instance,
so parameter names and state dicts stay exactly as they were; :func:`remove_checkpointing`
restores the original forwards. Checkpointing only acts in training mode with grad enabled.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from typing import Any

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

CheckpointSpec = str | int | Collection[type[nn.Module]] | None

_ORIGINAL_FORWARD = "_torchscope_original_forward"


def apply_checkpointing(model: nn.Module, spec: CheckpointSpec) -> nn.Module:
    """Enable activation checkpointing on ``model`` as ``spec`` says; returns ``model``."""
    if spec is None or spec is False:
        return model
    if isinstance(spec, str) or (isinstance(spec, int) and not isinstance(spec, bool)):
        if not isinstance(model, nn.Sequential):
            raise ValueError(
                f"checkpoint={spec!r} needs an nn.Sequential model, got {type(model).__name__}; "
                "pass a set of module types to checkpoint instead"
            )
        if isinstance(spec, str) and spec != "sqrt":
            raise ValueError(
                f"checkpoint must be 'sqrt', an int, or a set of module types, got {spec!r}"
            )
        n_layers = len(model)
        segments = max(1, round(math.sqrt(n_layers))) if isinstance(spec, str) else spec
        if not 1 <= segments <= max(1, n_layers):
            raise ValueError(f"checkpoint={spec} segments must be between 1 and {n_layers}")
        _patch(model, _sequential_forward(model, segments))
        return model
    if (
        isinstance(spec, Collection)
        and spec
        and all(isinstance(t, type) and issubclass(t, nn.Module) for t in spec)
    ):
        types = tuple(spec)
        targets = [m for m in model.modules() if isinstance(m, types)]
        if not targets:
            raise ValueError(f"checkpoint: the model has no submodule of types {types}")
        for module in targets:
            _patch(module, _module_forward(module))
        return model
    raise ValueError(f"checkpoint must be 'sqrt', an int, or a set of module types, got {spec!r}")


def remove_checkpointing(model: nn.Module) -> nn.Module:
    """Undo :func:`apply_checkpointing` on ``model`` and all its submodules."""
    for module in model.modules():
        if _ORIGINAL_FORWARD in module.__dict__:
            del module.__dict__["forward"]
            del module.__dict__[_ORIGINAL_FORWARD]
    return model


def is_checkpointed(module: nn.Module) -> bool:
    """Whether :func:`apply_checkpointing` patched ``module`` itself."""
    return _ORIGINAL_FORWARD in module.__dict__


def _patch(module: nn.Module, forward: Callable[..., Any]) -> None:
    if is_checkpointed(module):
        return
    # Instance attributes, not a wrapper module: state-dict keys must not change.
    module.__dict__[_ORIGINAL_FORWARD] = module.forward
    module.__dict__["forward"] = forward


def _active(module: nn.Module) -> bool:
    return module.training and torch.is_grad_enabled()


def _module_forward(module: nn.Module) -> Callable[..., Any]:
    original = module.forward

    def forward(*args: Any, **kwargs: Any) -> Any:
        if not _active(module):
            return original(*args, **kwargs)
        return checkpoint(original, *args, use_reentrant=False, **kwargs)

    return forward


def _sequential_forward(model: nn.Sequential, segments: int) -> Callable[..., Any]:
    original = model.forward

    def forward(inputs: Any) -> Any:
        if not _active(model):
            return original(inputs)
        # checkpoint_sequential calls the children directly, never this patched forward.
        return checkpoint_sequential(model, segments, inputs, use_reentrant=False)

    return forward

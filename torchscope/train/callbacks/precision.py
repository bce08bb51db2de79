"""Mixed precision: autocast for the forward pass, with a gradient scaler for float16."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import torch

from torchscope.train.callback import Callback


class MixedPrecision(Callback):
    """Run the forward pass and loss under ``torch.autocast``.

    ``dtype`` defaults to bfloat16 on the CPU and float16 on CUDA; float16 uses a
    ``torch.amp.GradScaler`` (loss scaling, unscaled before clipping, steps skipped on inf/nan).
    bfloat16 needs no scaler. The learner's hooks are restored when the fit ends.
    """

    order = 20  # after gradient accumulation, before clipping (which needs unscaled gradients)
    run_in_lr_find = True

    def __init__(self, dtype: torch.dtype | None = None) -> None:
        if dtype not in (None, torch.float16, torch.bfloat16):
            raise ValueError(f"dtype must be torch.float16, torch.bfloat16 or None, got {dtype}")
        self.dtype = dtype
        self.scaler: Any = None
        self._saved: tuple[Any, Any] | None = None

    def before_fit(self) -> None:
        learner = self.learner
        device_type = learner.device.type
        dtype = self.dtype or (torch.float16 if device_type == "cuda" else torch.bfloat16)
        if device_type == "cpu" and dtype == torch.float16:
            raise ValueError("dtype: float16 autocast is for CUDA; use torch.bfloat16 on the CPU")
        self.active_dtype = dtype
        self._saved = (learner.forward_context, learner.optimizer_step)
        learner.forward_context = functools.partial(torch.autocast, device_type, dtype=dtype)
        self.scaler = torch.amp.GradScaler(device_type) if dtype == torch.float16 else None
        if self.scaler is not None:
            learner.optimizer_step = self._scaled_step

    def before_backward(self) -> None:
        if self.scaler is not None:
            self.learner.loss_grad = self.scaler.scale(self.learner.loss_grad)

    def before_step(self) -> None:
        if self.scaler is not None:
            self.scaler.unscale_(self.learner.opt)

    def _scaled_step(self) -> None:
        self.scaler.step(self.learner.opt)
        self.scaler.update()

    def cleanup_fit(self) -> None:
        if self._saved is not None:
            self.learner.forward_context, self.learner.optimizer_step = self._saved
            self._saved = None


def autocast_context(
    device_type: str, dtype: torch.dtype
) -> contextlib.AbstractContextManager[Any]:
    """An autocast context (kept for callers that want the same setting outside a fit)."""
    return torch.autocast(device_type, dtype=dtype)

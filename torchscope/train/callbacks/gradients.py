"""Callbacks that act on gradients: clipping and accumulation."""

from __future__ import annotations

import torch

from torchscope.train.callback import Callback
from torchscope.train.exceptions import CancelStepException


class GradientAccumulation(Callback):
    """Step the optimizer every ``n_batches`` batches, summing gradients in between.

    The loss used for backward is divided by ``n_batches`` so that the accumulated gradient is the
    mean over the larger effective batch (``learner.loss`` keeps the batch's own loss). The last
    batches of an epoch are stepped even if fewer than ``n_batches`` remain. Runs before clipping
    and mixed precision (order 10) so that they act only on steps that happen.
    """

    order = 10
    run_in_lr_find = True

    def __init__(self, n_batches: int = 2) -> None:
        if not isinstance(n_batches, int) or n_batches < 1:
            raise ValueError(f"n_batches must be an int >= 1, got {n_batches!r}")
        self.n_batches = n_batches

    def after_loss(self) -> None:
        if self.learner.training:
            self.learner.loss_grad = self.learner.loss_grad / self.n_batches

    def before_step(self) -> None:
        learner = self.learner
        at_boundary = (learner.iter + 1) % self.n_batches == 0
        if not at_boundary and learner.iter + 1 < learner.n_iter:
            raise CancelStepException


class GradientClipping(Callback):
    """Clip the gradient norm of all parameters to ``max_norm`` before each optimizer step.

    ``last_norm`` holds the norm before clipping of the last step.
    """

    order = 30
    run_in_lr_find = True

    def __init__(self, max_norm: float = 1.0, norm_type: float = 2.0) -> None:
        if not max_norm > 0:
            raise ValueError(f"max_norm must be positive, got {max_norm!r}")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.last_norm: torch.Tensor | None = None

    def before_step(self) -> None:
        self.last_norm = torch.nn.utils.clip_grad_norm_(
            self.learner.model.parameters(), self.max_norm, norm_type=self.norm_type
        )

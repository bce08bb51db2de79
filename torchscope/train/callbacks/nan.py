"""Stop training when the loss stops being a finite number."""

from __future__ import annotations

import logging

import torch

from torchscope.train.callback import Callback
from torchscope.train.exceptions import CancelFitException

logger = logging.getLogger("torchscope.train")


class TerminateOnNaN(Callback):
    """Cancel the fit as soon as a training loss is NaN or infinite (on any DDP process).

    It checks before the backward pass, so the bad batch never reaches the weights.
    ``stopped_at`` holds the global step where it stopped.
    """

    order = -10
    run_in_lr_find = True

    def __init__(self) -> None:
        self.stopped_at: int | None = None

    def before_fit(self) -> None:
        self.stopped_at = None

    def after_loss(self) -> None:
        learner = self.learner
        if not learner.training:
            return
        bad = (~torch.isfinite(learner.loss)).any().to(torch.float64).reshape(1)
        if learner.strategy.world_size > 1:
            # Every process must stop together, or the others would wait forever in backward.
            bad = learner.strategy.all_reduce_sum(bad)
        if bool(bad.item()):
            self.stopped_at = learner.train_iter
            logger.warning(
                "TerminateOnNaN: loss is not finite at step %d, stopping", self.stopped_at
            )
            raise CancelFitException

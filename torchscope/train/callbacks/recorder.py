"""The Recorder: per-batch losses and lrs, per-epoch losses and metrics."""

from __future__ import annotations

import math
import time
from typing import Any

import torch

from torchscope.train.callback import Callback


class Recorder(Callback):
    """Keep the history of the current fit; every learner has one as ``learner.recorder``.

    * ``losses``: the training loss of every batch. Under DDP it is the mean over all processes
      (gathered once per epoch, so every rank holds the same curve).
    * ``lrs``: the lr of the first parameter group at every training batch.
    * ``history``: one dict per finished epoch: ``epoch``, ``train_loss``, ``valid_loss`` and
      every metric (when there is validation data), ``time`` (seconds).
    """

    order = 50

    def __init__(self) -> None:
        self.losses: list[float] = []
        self.lrs: list[float] = []
        self.history: list[dict[str, float]] = []
        self._epoch_losses: list[torch.Tensor] = []
        self._epoch_train_loss = math.nan
        self._epoch_valid: dict[str, float] = {}
        self._epoch_start = 0.0

    def before_fit(self) -> None:
        self.losses, self.lrs, self.history = [], [], []

    def before_epoch(self) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_train_loss = math.nan
        self._epoch_valid = {}

    def before_train(self) -> None:
        self._epoch_losses = []

    def after_batch(self) -> None:
        learner = self.learner
        if learner.training:
            # Kept as tensors: no device sync per batch.
            self._epoch_losses.append(learner.loss.reshape(()))
            self.lrs.append(float(learner.opt.param_groups[0]["lr"]))

    def after_train(self) -> None:
        self._flush_losses()

    # A cancelled epoch or fit skips after_train: keep the losses of the batches that did run.
    def after_cancel_train(self) -> None:
        self._flush_losses()

    def after_cancel_epoch(self) -> None:
        self._flush_losses()

    def after_cancel_fit(self) -> None:
        self._flush_losses()

    def _flush_losses(self) -> None:
        if not self._epoch_losses:
            return
        local = torch.stack(self._epoch_losses).to(torch.float64)
        merged = self.learner.strategy.all_reduce_mean(local).tolist()
        self.losses.extend(merged)
        self._epoch_train_loss = sum(merged) / len(merged)
        self._epoch_losses = []

    def after_validate(self) -> None:
        self._epoch_valid = dict(self.learner.valid_results)

    def after_epoch(self) -> None:
        row: dict[str, float] = {"epoch": self.learner.epoch, "train_loss": self._epoch_train_loss}
        row.update(self._epoch_valid)
        row["time"] = time.perf_counter() - self._epoch_start
        self.history.append(row)

    @property
    def last(self) -> dict[str, Any]:
        """The row of the last finished epoch (empty before the first)."""
        return self.history[-1] if self.history else {}

    def values(self, name: str) -> list[float]:
        """One column of :attr:`history`, e.g. ``values("accuracy")``."""
        if self.history and name not in self.history[0]:
            raise KeyError(f"name: no column {name!r}; have {sorted(self.history[0])}")
        return [row[name] for row in self.history]

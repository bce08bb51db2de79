"""Callbacks that watch one value of the epoch history: early stopping and model checkpoints."""

from __future__ import annotations

import logging
import math
from pathlib import Path

from torchscope.train.callback import Callback
from torchscope.train.exceptions import CancelFitException

logger = logging.getLogger("torchscope.train")


class _Monitor:
    """Tracks the best value of one column of the recorder's history."""

    def __init__(self, monitor: str, mode: str, min_delta: float) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if min_delta < 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        if mode == "auto":
            mode = "min" if ("loss" in monitor or "error" in monitor) else "max"
        self.monitor = monitor
        self.mode = mode
        self.min_delta = min_delta
        self.best = math.inf if mode == "min" else -math.inf

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf

    def read(self, row: dict[str, float]) -> float:
        if self.monitor not in row:
            raise ValueError(
                f"monitor: no value {self.monitor!r} in the epoch results {sorted(row)}"
            )
        return float(row[self.monitor])

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best by more than ``min_delta`` (and becomes the best)."""
        if math.isnan(value):
            return False
        better = (
            value < self.best - self.min_delta
            if self.mode == "min"
            else value > self.best + self.min_delta
        )
        if better:
            self.best = value
        return better


class EarlyStopping(Callback):
    """Stop the fit when ``monitor`` has not improved for ``patience`` epochs.

    It runs last (order 100) so that every other callback has seen the final epoch.
    """

    order = 100

    def __init__(
        self,
        monitor: str = "valid_loss",
        mode: str = "auto",
        patience: int = 3,
        min_delta: float = 0.0,
    ) -> None:
        if not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an int >= 1, got {patience!r}")
        self._monitor = _Monitor(monitor, mode, min_delta)
        self.patience = patience
        self.wait = 0
        self.stopped_epoch: int | None = None

    def before_fit(self) -> None:
        self._monitor.reset()
        self.wait = 0
        self.stopped_epoch = None

    def after_epoch(self) -> None:
        value = self._monitor.read(self.learner.recorder.last)
        if self._monitor.improved(value):
            self.wait = 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = self.learner.epoch
            logger.info(
                "EarlyStopping: %s did not improve for %d epochs, stopping after epoch %d",
                self._monitor.monitor, self.patience, self.learner.epoch + 1,
            )  # fmt: skip
            raise CancelFitException


class SaveModel(Callback):
    """Save ``last.pt`` after every epoch and ``best.pt`` whenever ``monitor`` improves.

    Files go to ``directory``; only rank 0 writes under DDP. With ``load_best_at_end`` the best
    weights are loaded back into the model when the fit ends normally.
    """

    order = 70

    def __init__(
        self,
        directory: str | Path = "models",
        monitor: str = "valid_loss",
        mode: str = "auto",
        save_last: bool = True,
        with_opt: bool = False,
        load_best_at_end: bool = False,
    ) -> None:
        self.directory = Path(directory)
        self._monitor = _Monitor(monitor, mode, 0.0)
        self.save_last = save_last
        self.with_opt = with_opt
        self.load_best_at_end = load_best_at_end
        self.best_epoch: int | None = None

    @property
    def best_path(self) -> Path:
        return self.directory / "best.pt"

    @property
    def last_path(self) -> Path:
        return self.directory / "last.pt"

    def before_fit(self) -> None:
        self._monitor.reset()
        self.best_epoch = None

    def after_epoch(self) -> None:
        learner = self.learner
        if self.save_last:
            learner.save(self.last_path, with_opt=self.with_opt)
        if self._monitor.improved(self._monitor.read(learner.recorder.last)):
            self.best_epoch = learner.epoch
            learner.save(self.best_path, with_opt=self.with_opt)

    def after_fit(self) -> None:
        if self.load_best_at_end and self.best_epoch is not None:
            self.learner.strategy.barrier()  # rank 0 must have written the file
            self.learner.load(self.best_path, with_opt=False)

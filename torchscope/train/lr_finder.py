"""The learning-rate finder: train with an exponentially growing lr, watch the loss."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from torchscope.train.callback import Callback
from torchscope.train.exceptions import CancelFitException, CancelValidException

_SMOOTHING = 0.98  # exponential moving average of the loss, with bias correction


@dataclass
class LRFinderResult:
    """The loss-vs-lr curve of :meth:`Learner.lr_find` and the lrs it suggests.

    ``suggestion`` is the lr where the smoothed loss falls fastest (steepest descent against
    log10(lr)) before its minimum; ``lr_min`` is a tenth of the lr at the minimum. Both are
    usually good lrs; ``suggestion`` is the bolder.
    """

    lrs: list[float]
    losses: list[float]  # smoothed
    raw_losses: list[float] = field(default_factory=list)
    suggestion: float = math.nan
    lr_min: float = math.nan

    def plot(self, path: str | Path) -> Path:
        """Save the curve as a PNG (log-scale lr axis, suggestion marked in red)."""
        from torchscope.train.plotting import save_line_plot

        return save_line_plot(
            self.lrs,
            self.losses,
            path,
            title=f"lr finder: suggestion {self.suggestion:.2e}",
            x_label="learning rate",
            y_label="loss (smoothed)",
            log_x=True,
            marker_x=self.suggestion,
        )


def suggest_lr(lrs: list[float], losses: list[float]) -> tuple[float, float]:
    """(steepest-descent lr, minimum lr / 10) of a smoothed loss curve."""
    finite = [i for i, loss in enumerate(losses) if math.isfinite(loss)]
    if len(finite) < 3:
        return math.nan, math.nan
    i_min = min(finite, key=lambda i: losses[i])
    lr_min = lrs[i_min] / 10
    # The first points are dominated by the moving average warming up: skip a tenth.
    start = max(1, len(lrs) // 10)
    end = max(start + 1, i_min)
    best_i, best_slope = None, math.inf
    for i in range(start, end):
        step = math.log10(lrs[i + 1]) - math.log10(lrs[i - 1])
        slope = (losses[i + 1] - losses[i - 1]) / step
        if math.isfinite(slope) and slope < best_slope:
            best_i, best_slope = i, slope
    steepest = lrs[best_i] if best_i is not None else lr_min
    return steepest, lr_min


class LRFinder(Callback):
    """Grow the lr from ``start_lr`` to ``end_lr`` over ``num_it`` training batches."""

    order = -20
    run_in_lr_find = True

    def __init__(self, start_lr: float, end_lr: float, num_it: int, stop_div: bool) -> None:
        self.start_lr = start_lr
        self.end_lr = end_lr
        self.num_it = num_it
        self.stop_div = stop_div
        self.lrs: list[float] = []
        self.raw: list[float] = []
        self.smooth: list[float] = []
        self._avg = 0.0
        self._best = math.inf

    def before_batch(self) -> None:
        step = len(self.lrs)
        lr = self.start_lr * (self.end_lr / self.start_lr) ** (step / (self.num_it - 1))
        for group in self.learner.opt.param_groups:
            group["lr"] = lr

    def after_batch(self) -> None:
        learner = self.learner
        if learner.strategy.world_size > 1:
            # Every process must see the same curve, or they would stop at different batches.
            loss = float(learner.strategy.all_reduce_mean(learner.loss.double().reshape(1)))
        else:
            loss = float(learner.loss)
        self.lrs.append(self.learner.opt.param_groups[0]["lr"])
        self.raw.append(loss)
        self._avg = _SMOOTHING * self._avg + (1 - _SMOOTHING) * loss
        smoothed = self._avg / (1 - _SMOOTHING ** len(self.raw))
        self.smooth.append(smoothed)
        self._best = min(self._best, smoothed)
        diverged = not math.isfinite(smoothed) or smoothed > 4 * self._best
        if len(self.lrs) >= self.num_it or (self.stop_div and diverged):
            raise CancelFitException

    def before_validate(self) -> None:
        raise CancelValidException

    def result(self) -> LRFinderResult:
        """The curve recorded so far and the suggested lrs."""
        steepest, lr_min = suggest_lr(self.lrs, self.smooth)
        return LRFinderResult(list(self.lrs), list(self.smooth), list(self.raw), steepest, lr_min)

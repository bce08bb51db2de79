"""Learning-rate and momentum schedules, applied per batch by callbacks."""

from __future__ import annotations

import math
from typing import Any

from torchscope.train.callback import Callback


def cosine_between(start: float, end: float, pct: float) -> float:
    """Cosine interpolation from ``start`` (pct=0) to ``end`` (pct=1)."""
    return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2


def one_cycle_lr(
    pct: float, lr_max: float, div: float = 25.0, final_div: float = 1e4, pct_start: float = 0.25
) -> float:
    """The one-cycle learning rate at fraction ``pct`` of training.

    Warm-up from ``lr_max / div`` to ``lr_max`` over the first ``pct_start`` of training, then a
    cosine decay to ``lr_max / final_div``.
    """
    pct = min(max(pct, 0.0), 1.0)
    if pct < pct_start:
        return cosine_between(lr_max / div, lr_max, pct / pct_start)
    return cosine_between(lr_max, lr_max / final_div, (pct - pct_start) / (1 - pct_start))


def one_cycle_momentum(pct: float, moms: tuple[float, float, float], pct_start: float) -> float:
    """The momentum that mirrors :func:`one_cycle_lr`: high, down to low at the peak, up again."""
    pct = min(max(pct, 0.0), 1.0)
    if pct < pct_start:
        return cosine_between(moms[0], moms[1], pct / pct_start)
    return cosine_between(moms[1], moms[2], (pct - pct_start) / (1 - pct_start))


class OneCycleSchedule(Callback):
    """Set every parameter group's lr (and momentum / Adam beta1) by the one-cycle policy.

    The optimizer's lr and momentum are restored when the fit ends.
    """

    order = -20  # before anything reads the lr of this batch

    def __init__(
        self,
        lr_max: float,
        div: float = 25.0,
        final_div: float = 1e4,
        pct_start: float = 0.25,
        moms: tuple[float, float, float] | None = (0.95, 0.85, 0.95),
    ) -> None:
        if lr_max <= 0:
            raise ValueError(f"lr_max must be positive, got {lr_max}")
        if not 0 < pct_start < 1:
            raise ValueError(f"pct_start must be in (0, 1), got {pct_start}")
        if div <= 0 or final_div <= 0:
            raise ValueError(f"div and final_div must be positive, got {div}, {final_div}")
        self.lr_max = lr_max
        self.div = div
        self.final_div = final_div
        self.pct_start = pct_start
        self.moms = moms
        self._saved: list[dict[str, Any]] = []

    def before_fit(self) -> None:
        keys = ("lr", "betas", "momentum")
        self._saved = [{k: g[k] for k in keys if k in g} for g in self.learner.opt.param_groups]

    def cleanup_fit(self) -> None:
        # Leave the optimizer as it was: a later fit() must not start at the annealed lr.
        for group, saved in zip(self.learner.opt.param_groups, self._saved, strict=False):
            group.update(saved)

    def before_batch(self) -> None:
        learner = self.learner
        if not learner.training:
            return
        pct = learner.pct_train
        lr = one_cycle_lr(pct, self.lr_max, self.div, self.final_div, self.pct_start)
        mom = one_cycle_momentum(pct, self.moms, self.pct_start) if self.moms else None
        for group in learner.opt.param_groups:
            group["lr"] = lr
            if mom is None:
                continue
            if "betas" in group:
                group["betas"] = (mom, *group["betas"][1:])
            elif "momentum" in group and group["momentum"] > 0:
                group["momentum"] = mom

"""Validation metrics that add up across batches and across DDP processes.

A metric keeps additive statistics (sums) on the device, so that nothing is synchronised per
batch; at the end of validation the learner all-reduces the sums across processes once and asks the
metric for its value.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import torch

MetricFunc = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class Metric(ABC):
    """A validation metric built from additive statistics.

    Subclasses implement :meth:`reset`, :meth:`update` (one batch) and :meth:`sums` (a 1-D tensor
    of statistics that are summed across processes), and :meth:`compute` (the value from summed
    statistics).
    """

    name: str

    @abstractmethod
    def reset(self) -> None:
        """Forget every batch seen so far."""

    @abstractmethod
    def update(self, preds: torch.Tensor, targets: torch.Tensor) -> None:
        """Add one batch."""

    @abstractmethod
    def sums(self) -> torch.Tensor:
        """The additive statistics as a 1-D float64 tensor."""

    @abstractmethod
    def compute(self, sums: torch.Tensor) -> float:
        """The metric's value from (possibly all-reduced) statistics."""


class AvgMetric(Metric):
    """The sample-weighted mean of a per-batch function ``func(preds, targets) -> scalar``."""

    def __init__(self, func: MetricFunc, name: str | None = None) -> None:
        if not callable(func):
            raise TypeError(f"func must be callable, got {type(func).__name__}")
        self.func = func
        self.name = name or str(getattr(func, "__name__", type(func).__name__))
        self._total: torch.Tensor | None = None
        self._count = 0

    def reset(self) -> None:
        self._total = None
        self._count = 0

    def update(self, preds: torch.Tensor, targets: torch.Tensor) -> None:
        n = int(targets.shape[0]) if targets.ndim > 0 else 1
        value = self.func(preds, targets).detach().to(torch.float64) * n
        self._total = value if self._total is None else self._total + value
        self._count += n

    def sums(self) -> torch.Tensor:
        total = self._total if self._total is not None else torch.zeros((), dtype=torch.float64)
        count = torch.tensor(float(self._count), dtype=torch.float64, device=total.device)
        return torch.stack([total.reshape(()), count])

    def compute(self, sums: torch.Tensor) -> float:
        total, count = float(sums[0]), float(sums[1])
        return total / count if count else float("nan")


def accuracy(preds: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The fraction of rows whose arg-max class equals the target."""
    return (preds.argmax(dim=-1) == targets).double().mean()


def error_rate(preds: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """``1 - accuracy``."""
    return 1.0 - accuracy(preds, targets)


def as_metric(metric: Metric | MetricFunc) -> Metric:
    """Wrap a plain function into an :class:`AvgMetric`; pass :class:`Metric` objects through."""
    if isinstance(metric, Metric):
        return metric
    if callable(metric):
        return AvgMetric(metric)
    raise TypeError(f"metrics must hold Metric objects or functions, got {type(metric).__name__}")

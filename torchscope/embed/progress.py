"""Progress reports and cancellation for long projections.

A projection calls ``progress(Progress(...))`` while it runs and checks a cancel token between
steps; when the token is set it raises :class:`ProjectionCancelled`. Any object with an
``is_set() -> bool`` method works as a token, so a plain :class:`threading.Event` does too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Progress:
    """One progress report.

    ``iteration`` of ``total`` counts steps inside ``phase``; ``fraction`` estimates how much
    of the whole projection is done (0..1). During optimisation phases ``coordinates`` holds a
    copy of the current layout so a viewer can animate it; otherwise it is ``None``.
    """

    method: str
    phase: str
    iteration: int
    total: int
    fraction: float
    coordinates: npt.NDArray[np.float32] | None = None


ProgressCallback = Callable[[Progress], Any]


class SupportsIsSet(Protocol):
    """Anything that can say whether cancellation was requested (``threading.Event`` can)."""

    def is_set(self) -> bool: ...


class ProjectionCancelled(Exception):
    """Raised by a projection when its cancel token was set while it ran."""

    def __init__(self, method: str, phase: str, iteration: int, total: int) -> None:
        super().__init__(
            f"{method} projection was cancelled during phase {phase!r} "
            f"(step {iteration} of {total})"
        )
        self.method = method
        self.phase = phase
        self.iteration = iteration
        self.total = total


class CancelToken:
    """A thread-safe flag that asks a running projection to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the projection to stop at its next check."""
        self._event.set()

    def is_set(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()


@dataclass(frozen=True)
class Phase:
    """A named stretch of work and the share of the whole run it stands for."""

    name: str
    weight: float


class ProgressReporter:
    """Turns per-phase steps into :class:`Progress` reports and checks for cancellation.

    Phases are declared up front with rough weights so that ``fraction`` moves steadily
    even though the neighbour search and the optimisation count very different steps.
    """

    def __init__(
        self,
        method: str,
        phases: list[Phase],
        callback: ProgressCallback | None,
        cancel: SupportsIsSet | None,
    ) -> None:
        if callback is not None and not callable(callback):
            raise TypeError(f"progress must be callable, got {type(callback).__name__}")
        if cancel is not None and not callable(getattr(cancel, "is_set", None)):
            raise TypeError(
                f"cancel must have an is_set() method (CancelToken or threading.Event), "
                f"got {type(cancel).__name__}"
            )
        self.method = method
        self._callback = callback
        self._cancel = cancel
        total_weight = sum(phase.weight for phase in phases) or 1.0
        self._start: dict[str, float] = {}
        self._share: dict[str, float] = {}
        done = 0.0
        for phase in phases:
            self._start[phase.name] = done / total_weight
            self._share[phase.name] = phase.weight / total_weight
            done += phase.weight

    def report(
        self,
        phase: str,
        iteration: int,
        total: int,
        coordinates: npt.NDArray[Any] | None = None,
    ) -> None:
        """Check the cancel token, then send one report to the callback (if any)."""
        self.check_cancelled(phase, iteration, total)
        if self._callback is None:
            return
        within = iteration / total if total > 0 else 1.0
        fraction = self._start.get(phase, 0.0) + self._share.get(phase, 0.0) * within
        snapshot = None if coordinates is None else np.array(coordinates, dtype=np.float32)
        self._callback(
            Progress(
                method=self.method,
                phase=phase,
                iteration=iteration,
                total=total,
                fraction=min(1.0, max(0.0, fraction)),
                coordinates=snapshot,
            )
        )

    def check_cancelled(self, phase: str, iteration: int, total: int) -> None:
        """Raise :class:`ProjectionCancelled` if cancellation was requested."""
        if self._cancel is not None and self._cancel.is_set():
            raise ProjectionCancelled(self.method, phase, iteration, total)

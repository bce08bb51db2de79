"""Run a projection on a background thread that a server can poll and cancel."""

from __future__ import annotations

import enum
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .progress import CancelToken, Progress, ProjectionCancelled
from .results import ProjectionResult

METHODS = ("pca", "tsne", "umap")


class JobStatus(str, enum.Enum):
    """Where a job is in its life."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """True once the job will not change any more."""
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


def _projection_function(method: str) -> Callable[..., ProjectionResult]:
    # Imported here so that creating the module costs nothing until a job runs.
    if method == "pca":
        from .pca_projection import pca

        return pca
    if method == "tsne":
        from .tsne_projection import tsne

        return tsne
    from .umap_projection import umap

    return umap


class ProjectionJob:
    """One projection (``"pca"``, ``"tsne"`` or ``"umap"``) running on a daemon thread.

    ``params`` are passed to the projection function as keyword arguments (everything but
    ``progress`` and ``cancel``, which the job supplies). Poll :attr:`status`,
    :attr:`progress` and :meth:`snapshot`; :attr:`coordinates` gives the latest layout while a
    t-SNE or UMAP run moves; :meth:`cancel` stops it at its next check.

    >>> job = ProjectionJob("pca", X, k=3).start()      # doctest: +SKIP
    >>> job.wait(); job.result.coordinates.shape         # doctest: +SKIP
    """

    def __init__(self, method: str, X: npt.ArrayLike, **params: Any) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
        for reserved in ("progress", "cancel"):
            if reserved in params:
                raise TypeError(f"{reserved} is supplied by ProjectionJob; do not pass it")
        self.id = uuid.uuid4().hex
        self.method = method
        self.params = params
        self._data: npt.ArrayLike | None = X
        self._function = _projection_function(method)
        self._token = CancelToken()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._status = JobStatus.PENDING
        self._progress: Progress | None = None
        self._result: ProjectionResult | None = None
        self._error: BaseException | None = None
        self.created_at = time.time()
        self.finished_at: float | None = None

    def start(self) -> ProjectionJob:
        """Start the background thread (once); returns the job for chaining."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError(f"job {self.id} was already started")
            if self._status.finished:
                raise RuntimeError(f"job {self.id} was cancelled before it started")
            self._thread = threading.Thread(
                target=self._run, name=f"torchscope-{self.method}-{self.id[:8]}", daemon=True
            )
            self._status = JobStatus.RUNNING
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the projection to stop; the status becomes ``cancelled`` when it has."""
        self._token.cancel()
        with self._lock:
            if self._status is JobStatus.PENDING:
                self._finish(JobStatus.CANCELLED)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (or ``timeout`` seconds); True if it finished."""
        return self._done.wait(timeout)

    @property
    def status(self) -> JobStatus:
        """The current :class:`JobStatus`."""
        with self._lock:
            return self._status

    @property
    def progress(self) -> Progress | None:
        """The latest progress report, or ``None`` before the first one."""
        with self._lock:
            return self._progress

    @property
    def result(self) -> ProjectionResult | None:
        """The finished result, or ``None`` unless the status is ``done``."""
        with self._lock:
            return self._result

    @property
    def error(self) -> BaseException | None:
        """The exception that ended a failed or cancelled job."""
        with self._lock:
            return self._error

    @property
    def coordinates(self) -> npt.NDArray[np.float32] | None:
        """The final layout when done, else the latest intermediate one (or ``None``)."""
        with self._lock:
            if self._result is not None:
                return self._result.coordinates
            return None if self._progress is None else self._progress.coordinates

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready summary for polling clients (no arrays)."""
        with self._lock:
            report = self._progress
            fraction = (
                1.0 if self._status is JobStatus.DONE else (report.fraction if report else 0.0)
            )
            return {
                "id": self.id,
                "method": self.method,
                "status": self._status.value,
                "phase": report.phase if report else None,
                "iteration": report.iteration if report else 0,
                "total": report.total if report else 0,
                "fraction": fraction,
                "error": None if self._error is None else str(self._error),
                "created_at": self.created_at,
                "finished_at": self.finished_at,
            }

    def _on_progress(self, report: Progress) -> None:
        with self._lock:
            self._progress = report

    def _run(self) -> None:
        try:
            result = self._function(
                self._data, progress=self._on_progress, cancel=self._token, **self.params
            )
        except ProjectionCancelled as exc:
            with self._lock:
                self._error = exc
                self._finish(JobStatus.CANCELLED)
        except Exception as exc:  # the job reports any failure instead of losing it
            with self._lock:
                self._error = exc
                self._finish(JobStatus.FAILED)
        else:
            with self._lock:
                self._result = result
                self._finish(JobStatus.DONE)
        finally:
            self._data = None  # let the input be freed while the job object lives on

    def _finish(self, status: JobStatus) -> None:
        # Called with the lock held.
        if self._status.finished:
            return
        self._status = status
        self.finished_at = time.time()
        self._done.set()

"""Projection jobs of the projector plugin: started on request, shared, queued and forgotten.

Every job is a :class:`torchscope.embed.ProjectionJob`. Requests for the same data, method and
parameters get the same job back while it lives (and the embed cache answers a finished one
again instantly after it is forgotten). t-SNE and UMAP are heavy and multi-threaded, so at most
one of them runs at a time: the others wait in a first-in first-out queue with the status
``queued``. PCA is cheap and starts at once. Finished jobs are forgotten after a while, and the
number of jobs kept is bounded, so a long-lived server does not accumulate them.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from torchscope.embed import JobStatus, ProjectionJob

#: Methods that run one at a time on the server (they use every core for seconds).
HEAVY_METHODS = frozenset({"tsne", "umap"})
#: Seconds a finished job (and its coordinates) stays available.
FINISHED_JOB_SECONDS = 600.0
#: Most jobs kept at once; the oldest finished ones go first.
MAX_JOBS = 64


@dataclass
class TrackedJob:
    """A job and what the server knows about it beyond the embed job itself."""

    job: ProjectionJob
    key: Hashable
    run: str
    name: str
    dims: int
    queued: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        """The job's id (what clients poll with)."""
        return self.job.id

    def snapshot(self) -> dict[str, Any]:
        """The job's state for a polling client (JSON-ready, no arrays)."""
        state = self.job.snapshot()
        if self.queued and state["status"] == JobStatus.PENDING.value:
            state["status"] = "queued"
        state.update(run=self.run, name=self.name, dims=self.dims, **self.extra)
        return state


class ProjectionJobs:
    """The projector's jobs: reuse by key, one heavy job at a time, expiry of finished ones.

    ``clock`` is injectable so that tests can age jobs without sleeping.
    """

    def __init__(
        self,
        finished_seconds: float = FINISHED_JOB_SECONDS,
        max_jobs: int = MAX_JOBS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.finished_seconds = finished_seconds
        self.max_jobs = max_jobs
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, TrackedJob] = OrderedDict()
        self._by_key: dict[Hashable, str] = {}
        self._finished_at: dict[str, float] = {}
        self._heavy_queue: deque[TrackedJob] = deque()
        self._heavy_running: TrackedJob | None = None
        self._closed = False

    def submit(
        self,
        key: Hashable,
        method: str,
        vectors: npt.NDArray[np.float32],
        *,
        run: str,
        name: str,
        dims: int,
        params: dict[str, Any],
        extra: dict[str, Any] | None = None,
    ) -> tuple[TrackedJob, bool]:
        """The live job for ``key``, or a new one started (or queued); True if it is new.

        A failed or cancelled job is not reused: asking again starts afresh.
        """
        with self._lock:
            self._forget_expired()
            existing_id = self._by_key.get(key)
            if existing_id is not None:
                tracked = self._jobs[existing_id]
                if tracked.job.status not in (JobStatus.FAILED, JobStatus.CANCELLED):
                    return tracked, False
            job = ProjectionJob(method, vectors, **params)
            tracked = TrackedJob(
                job=job, key=key, run=run, name=name, dims=dims, extra=dict(extra or {})
            )
            self._jobs[job.id] = tracked
            self._by_key[key] = job.id
            if method in HEAVY_METHODS:
                self._heavy_queue.append(tracked)
                self._start_next_heavy()
            else:
                tracked.queued = False
                job.start()
            self._trim()
            return tracked, True

    def get(self, job_id: str) -> TrackedJob | None:
        """The job with ``job_id``, or None when it is unknown or was forgotten."""
        with self._lock:
            self._forget_expired()
            return self._jobs.get(job_id)

    def cancel(self, job_id: str) -> TrackedJob | None:
        """Cancel a job (queued or running); None when it is unknown."""
        with self._lock:
            tracked = self._jobs.get(job_id)
            if tracked is None:
                return None
            if tracked in self._heavy_queue:
                self._heavy_queue.remove(tracked)
        tracked.job.cancel()
        return tracked

    def queue_position(self, job_id: str) -> int | None:
        """How many heavy jobs wait before this one (0: next), or None if it is not queued."""
        with self._lock:
            for position, tracked in enumerate(self._heavy_queue):
                if tracked.id == job_id:
                    return position
        return None

    def close(self) -> None:
        """Cancel everything (server shutdown)."""
        with self._lock:
            self._closed = True
            jobs = list(self._jobs.values())
            self._heavy_queue.clear()
        for tracked in jobs:
            tracked.job.cancel()

    # -- internals (called with the lock held) ----------------------------------------------

    def _start_next_heavy(self) -> None:
        if self._closed:
            return
        running = self._heavy_running
        if running is not None and not running.job.status.finished:
            return
        self._heavy_running = None
        while self._heavy_queue:
            tracked = self._heavy_queue.popleft()
            if tracked.job.status is not JobStatus.PENDING:
                continue  # cancelled while it waited
            tracked.queued = False
            self._heavy_running = tracked
            tracked.job.start()
            # A watcher starts the next one when this finishes, so no poll is needed for that.
            threading.Thread(
                target=self._after_heavy, args=(tracked,), name="projector-queue", daemon=True
            ).start()
            return

    def _after_heavy(self, tracked: TrackedJob) -> None:
        tracked.job.wait()
        with self._lock:
            if self._heavy_running is tracked:
                self._heavy_running = None
            self._start_next_heavy()

    def _forget_expired(self) -> None:
        now = self._clock()
        for job_id, tracked in list(self._jobs.items()):
            if not tracked.job.status.finished:
                continue
            finished = self._finished_at.setdefault(job_id, now)
            if now - finished >= self.finished_seconds:
                self._forget(job_id)

    def _trim(self) -> None:
        # Oldest finished jobs first; running and queued jobs are never dropped.
        for job_id in list(self._jobs):
            if len(self._jobs) <= self.max_jobs:
                return
            if self._jobs[job_id].job.status.finished:
                self._forget(job_id)

    def _forget(self, job_id: str) -> None:
        tracked = self._jobs.pop(job_id)
        self._finished_at.pop(job_id, None)
        if self._by_key.get(tracked.key) == job_id:
            del self._by_key[tracked.key]


__all__ = ["FINISHED_JOB_SECONDS", "HEAVY_METHODS", "MAX_JOBS", "ProjectionJobs", "TrackedJob"]

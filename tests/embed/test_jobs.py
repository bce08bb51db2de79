from __future__ import annotations

import time

import numpy as np
import pytest

from torchscope.embed import JobStatus, PCAResult, ProjectionCancelled, ProjectionJob

from .conftest import make_clusters


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_pca_job_finishes_with_result_and_snapshot() -> None:
    X = np.random.default_rng(0).normal(size=(50, 6))
    job = ProjectionJob("pca", X, k=3, cache=False)
    assert job.status is JobStatus.PENDING and job.snapshot()["fraction"] == 0.0
    assert job.start() is job
    assert job.wait(60)
    assert job.status is JobStatus.DONE
    assert isinstance(job.result, PCAResult) and job.result.n_components == 3
    assert job.coordinates is job.result.coordinates
    snapshot = job.snapshot()
    assert snapshot["status"] == "done" and snapshot["fraction"] == 1.0
    assert snapshot["error"] is None and snapshot["finished_at"] >= snapshot["created_at"]
    with pytest.raises(RuntimeError, match="already started"):
        job.start()


def test_running_tsne_job_shows_moving_layout_and_can_be_cancelled() -> None:
    X, _ = make_clusters(200, 8, 3)
    job = ProjectionJob(
        "tsne", X, perplexity=15, n_iter=100_000, progress_every=5, n_jobs=1, cache=False
    ).start()
    wait_for(lambda: job.progress is not None and job.progress.phase == "optimization")
    assert job.status is JobStatus.RUNNING
    assert job.coordinates is not None and job.coordinates.shape == (200, 2)
    running = job.snapshot()
    assert running["phase"] == "optimization" and 0 < running["fraction"] < 1
    job.cancel()
    assert job.wait(60)
    assert job.status is JobStatus.CANCELLED
    assert isinstance(job.error, ProjectionCancelled) and job.result is None
    assert "cancelled" in job.snapshot()["error"]


def test_failure_is_reported_not_lost() -> None:
    job = ProjectionJob("tsne", np.zeros((10, 3)), dims=5).start()
    assert job.wait(60)
    assert job.status is JobStatus.FAILED
    assert "dims must be 2 or 3" in job.snapshot()["error"]


def test_cancel_before_start() -> None:
    job = ProjectionJob("pca", np.zeros((4, 2)))
    job.cancel()
    assert job.status is JobStatus.CANCELLED and job.wait(0)
    with pytest.raises(RuntimeError, match="cancelled before it started"):
        job.start()


def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="method must be one of"):
        ProjectionJob("mds", np.zeros((4, 2)))
    with pytest.raises(TypeError, match="progress is supplied by ProjectionJob"):
        ProjectionJob("pca", np.zeros((4, 2)), progress=print)

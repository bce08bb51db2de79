"""The projector's computing routes (projection jobs, neighbours) on the fixture log directories."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from served_logdirs import FIXTURE_NAMES, FIXTURES, open_client
from starlette.testclient import TestClient

from torchscope import SummaryWriter
from torchscope.embed import nearest_neighbors, read_embedding
from torchscope.embed.projector_data import find_projector_runs
from torchscope.plugins.projector import projection_request
from torchscope.plugins.projector.projection_jobs import ProjectionJobs

BASE = "/data/plugin/projector"
RUN = "train"
TENSOR = "features:00000"


def vectors_of(fixture: str, tensor: str = TENSOR) -> np.ndarray:
    run = find_projector_runs(str(FIXTURES / fixture))[RUN]
    return np.asarray(read_embedding(run, tensor).tensor)


def wait_for(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(f"{BASE}/projection", params={"job": job_id}).json()
        if state["status"] in ("done", "failed", "cancelled") or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def start(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/projection", json={"run": RUN, "name": TENSOR, **body})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture(params=FIXTURE_NAMES)
def fixture_client(
    request: pytest.FixtureRequest, serve: Callable[..., TestClient]
) -> tuple[str, TestClient]:
    return request.param, serve(FIXTURES / request.param)


def test_pca_matches_numpy_svd_and_picks_components(
    fixture_client: tuple[str, TestClient],
) -> None:
    fixture, client = fixture_client
    X = vectors_of(fixture).astype(np.float64)
    job = start(client, method="pca", dims=3)
    state = wait_for(client, job["job_id"])
    assert state["status"] == "done", state
    centred = X - X.mean(axis=0)
    singular = np.linalg.svd(centred, compute_uv=False)
    variance = singular**2 / (len(X) - 1)
    k = len(state["explained_variance"])
    assert k == min(10, *X.shape)
    np.testing.assert_allclose(state["explained_variance"], variance[:k], rtol=1e-4)
    np.testing.assert_allclose(
        state["explained_variance_ratio"], variance[:k] / variance.sum(), rtol=1e-4
    )
    # The client picks components 2 and 0 of the raw float32 layout.
    raw = client.get(
        f"{BASE}/projection", params={"job": job["job_id"], "format": "f32", "components": "2,0"}
    )
    assert raw.headers["X-Projection-Shape"] == f"{len(X)},2"
    picked = np.frombuffer(raw.content, dtype="<f4").reshape(len(X), 2)
    inline = np.asarray(state["coordinates"], dtype=np.float32)
    np.testing.assert_array_equal(picked, inline[:, [2, 0]])
    # Each column's variance is that component's explained variance.
    np.testing.assert_allclose(inline.var(axis=0, ddof=1), variance[:k], rtol=1e-3)


def test_equal_requests_share_one_job(serve: Callable[..., TestClient]) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    first = start(client, method="pca", dims=2)
    second = start(client, method="pca", dims=2)
    assert first["created"] is True
    assert second == {**first, "created": False, "status": second["status"]}
    other = start(client, method="pca", dims=2, params={"components": 4})
    assert other["job_id"] != first["job_id"]


def test_tsne_reports_progress_and_separates_clusters(tmp_path: Path) -> None:
    # Two far-apart clusters written with add_embedding, so the test knows which point is where.
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (60, 8)), rng.normal(20, 1, (60, 8))]).astype(np.float32)
    labels = ["a"] * 60 + ["b"] * 60
    with SummaryWriter(str(tmp_path / "run")) as writer:
        writer.add_embedding(X, metadata=labels, tag="clusters")
    with ExitStack() as stack:
        client, _ = open_client(stack, tmp_path, tmp_path / "env")
        runs = client.get(f"{BASE}/runs").json()
        info = client.get(f"{BASE}/info", params={"run": runs[0]}).json()
        name = info["embeddings"][0]["tensorName"]
        body = {"run": runs[0], "name": name, "method": "tsne", "dims": 2}
        body["params"] = {"perplexity": 10, "iterations": 200}
        job_id = client.post(f"{BASE}/projection", json=body).json()["job_id"]
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            state = client.get(f"{BASE}/projection", params={"job": job_id}).json()
            seen.append(state)
            if state["status"] == "done":
                break
            time.sleep(0.02)
        assert seen[-1]["status"] == "done", seen[-1]
        assert seen[-1]["fraction"] == 1.0
        assert any(state["phase"] == "optimization" for state in seen)
        layout = np.asarray(seen[-1]["coordinates"])
        assert layout.shape == (120, 2)
        a, b = layout[:60], layout[60:]
        spread = max(a.std(axis=0).max(), b.std(axis=0).max())
        assert np.linalg.norm(a.mean(axis=0) - b.mean(axis=0)) > 3 * spread


def test_cancel_stops_a_running_tsne_and_heavy_jobs_queue(
    serve: Callable[..., TestClient],
) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    long_run = {"iterations": 5000, "perplexity": 5}
    first = start(client, method="tsne", dims=3, params=long_run)
    second = start(client, method="tsne", dims=2, params=long_run)
    queued = client.get(f"{BASE}/projection", params={"job": second["job_id"]}).json()
    assert queued["status"] == "queued"
    assert queued["queue_position"] == 0
    # While it runs, the layout so far can be fetched (a viewer animates it).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = client.get(f"{BASE}/projection", params={"job": first["job_id"]}).json()
        if running["shape"] is not None:
            break
        time.sleep(0.02)
    assert running["status"] == "running" and running["shape"] == [100, 3]
    live = client.get(f"{BASE}/projection", params={"job": first["job_id"], "format": "f32"})
    assert live.headers["X-Projection-Status"] == "running"
    assert np.isfinite(np.frombuffer(live.content, dtype="<f4")).all()
    assert len(live.content) == 100 * 3 * 4
    cancelled = client.delete(f"{BASE}/projection", params={"job": first["job_id"]}).json()
    assert cancelled["status"] == "cancelled"
    # The queued one starts once the first has stopped.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        state = client.get(f"{BASE}/projection", params={"job": second["job_id"]}).json()
        if state["status"] != "queued":
            break
        time.sleep(0.02)
    assert state["status"] in ("running", "done")
    client.delete(f"{BASE}/projection", params={"job": second["job_id"]})
    # A cancelled request is not reused: asking again starts a new job.
    again = start(client, method="tsne", dims=3, params=long_run)
    assert again["job_id"] != first["job_id"]
    client.delete(f"{BASE}/projection", params={"job": again["job_id"]})


def test_finished_jobs_are_forgotten() -> None:
    now = [0.0]
    jobs = ProjectionJobs(finished_seconds=10, clock=lambda: now[0])
    X = np.random.default_rng(1).normal(size=(20, 5)).astype(np.float32)
    tracked, created = jobs.submit(
        "key", "pca", X, run="r", name="n", dims=2, params={"k": 2, "cache": False}
    )
    assert created and tracked.job.wait(10)
    assert jobs.get(tracked.id) is tracked
    now[0] = 9.0
    assert jobs.get(tracked.id) is tracked  # seen finished at 0: kept for 10 s
    now[0] = 10.5
    assert jobs.get(tracked.id) is None
    _, created_again = jobs.submit(
        "key", "pca", X, run="r", name="n", dims=2, params={"k": 2, "cache": False}
    )
    assert created_again


def test_unknown_job_is_404(serve: Callable[..., TestClient]) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    response = client.get(f"{BASE}/projection", params={"job": "nope"})
    assert response.status_code == 404
    assert "nope" in response.text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"method": "mds"}, "method must be one of"),
        ({"method": "tsne", "dims": 4}, "dims must be 2 or 3"),
        ({"method": "tsne", "params": {"perplexity": -1}}, "params.perplexity"),
        ({"method": "tsne", "params": {"iterations": 10**9}}, "params.iterations"),
        ({"method": "pca", "params": {"n_jobs": 1}}, "n_jobs not accepted by pca"),
        ({"method": "pca", "params": {"components": 999}}, "params.components"),
    ],
)
def test_bad_projection_requests_are_400(
    serve: Callable[..., TestClient], body: dict[str, Any], message: str
) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    response = client.post(f"{BASE}/projection", json={"run": RUN, "name": TENSOR, **body})
    assert response.status_code == 400
    assert message in response.text


def test_bad_body_and_unknown_embedding(serve: Callable[..., TestClient]) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    response = client.post(f"{BASE}/projection", content=b"{not json")
    assert response.status_code == 400
    assert "not valid JSON" in response.text
    response = client.post(f"{BASE}/projection", json={"run": RUN, "name": "missing:1"})
    assert response.status_code == 404


def test_umap_without_umap_learn_names_the_extra(
    serve: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(projection_request, "umap_available", lambda: False)
    client = serve(FIXTURES / "tb-logdir-torch")
    response = client.post(
        f"{BASE}/projection", json={"run": RUN, "name": TENSOR, "method": "umap"}
    )
    assert response.status_code == 400
    assert "pip install torchscope[umap]" in response.text


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_neighbors_on_original_vectors(fixture_client: tuple[str, TestClient], metric: str) -> None:
    fixture, client = fixture_client
    X = vectors_of(fixture)
    response = client.get(
        f"{BASE}/neighbors",
        params={"run": RUN, "name": TENSOR, "index": 7, "k": 5, "metric": metric},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    if metric == "euclidean":
        distances = np.linalg.norm(X - X[7], axis=1)
    else:
        unit = X / np.linalg.norm(X, axis=1, keepdims=True)
        distances = 1 - unit @ unit[7]
    distances[7] = np.inf
    assert answer["indices"] == np.argsort(distances, kind="stable")[:5].tolist()
    np.testing.assert_allclose(answer["distances"], np.sort(distances)[:5], rtol=1e-4, atol=1e-5)
    library = nearest_neighbors(X, 7, k=5, metric=metric)
    assert answer["indices"] == np.asarray(library.indices).tolist()


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"index": 100}, 400, "index must be between 0 and 99"),
        ({"index": 1, "k": 0}, 400, "k must be between"),
        ({"index": 1, "metric": "manhattan"}, 400, "metric must be"),
        ({}, 400, "index"),
        ({"index": 1, "name": "nope"}, 404, "nope"),
    ],
)
def test_bad_neighbor_requests(
    serve: Callable[..., TestClient], params: dict[str, Any], status: int, message: str
) -> None:
    client = serve(FIXTURES / "tb-logdir-torch")
    response = client.get(f"{BASE}/neighbors", params={"run": RUN, "name": TENSOR, **params})
    assert response.status_code == status
    assert message in response.text

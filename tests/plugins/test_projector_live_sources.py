"""The projector serves the live store's embeddings windows as runs ``live:<env>/<win>``."""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from served_logdirs import FIXTURES
from starlette.testclient import TestClient

from torchscope.client.visdom_embedding_vectors import VECTORS_KEY, vectors_payload
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

BASE = "/data/plugin/projector"
RUN = "live:main/emb"


def send_embeddings(
    client: TestClient, vectors: np.ndarray, labels: list[str], win: str = "emb"
) -> None:
    """An embeddings window as ``torchscope.Visdom.embeddings`` sends it (positions + vectors)."""
    points = [
        {"group": 0, "name": f"Entity {i}", "label": label, "position": [0.0, 0.0], "idx": i}
        for i, label in enumerate(labels)
    ]
    content = {"data": points, VECTORS_KEY: vectors_payload(vectors, labels)}
    body = {"win": win, "eid": "main", "data": [{"content": content, "type": "embeddings"}]}
    assert client.post("/events", content=json.dumps({**body, "opts": {}})).text == win


def send_visdom_embeddings(client: TestClient, win: str) -> None:
    """An embeddings window from Visdom's own client: positions only."""
    point = {"group": 0, "name": "Entity 0", "label": "a", "position": [0.0, 1.0], "idx": 0}
    content = {"data": [point]}
    body = {"win": win, "eid": "main", "data": [{"content": content, "type": "embeddings"}]}
    assert client.post("/events", content=json.dumps({**body, "opts": {}})).text == win


def wait_for(client: TestClient, job_id: str, timeout: float = 60.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(f"{BASE}/projection", params={"job": job_id}).json()
        if state["status"] in ("done", "failed", "cancelled") or time.monotonic() > deadline:
            return state
        time.sleep(0.05)


def clustered(rows: int = 60, dims: int = 8) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    centers = rng.normal(scale=10.0, size=(3, dims))
    groups = np.arange(rows) % 3
    vectors = (centers[groups] + rng.normal(size=(rows, dims))).astype(np.float32)
    return vectors, [f"cluster {g}" for g in groups]


def test_live_window_is_a_projector_run_without_a_logdir(tmp_path: Path) -> None:
    vectors, labels = clustered()
    with TestClient(create_app(ServerConfig(env_path=tmp_path / "env"))) as client:
        listing = client.get("/data/plugins_listing").json()
        assert listing["projector"]["enabled"] is False
        send_visdom_embeddings(client, "positions-only")
        assert client.get(f"{BASE}/runs").json() == []
        send_embeddings(client, vectors, labels)

        assert client.get("/data/plugins_listing").json()["projector"]["enabled"] is True
        assert client.get(f"{BASE}/runs").json() == [RUN]
        info = client.get(f"{BASE}/info", params={"run": RUN}).json()
        [entry] = info["embeddings"]
        assert entry["tensorShape"] == [60, 8] and entry["metadataPath"]
        name = entry["tensorName"]

        tensor = client.get(f"{BASE}/tensor", params={"run": RUN, "name": name})
        assert tensor.headers["X-Tensor-Shape"] == "60,8"
        np.testing.assert_array_equal(
            np.frombuffer(tensor.content, dtype="<f4").reshape(60, 8), vectors
        )
        metadata = client.get(f"{BASE}/metadata", params={"run": RUN, "name": name}).text
        assert metadata.splitlines() == labels
        assert client.get(f"{BASE}/bookmarks", params={"run": RUN, "name": name}).json() == []

        started = client.post(
            f"{BASE}/projection", json={"run": RUN, "name": name, "method": "pca", "dims": 2}
        ).json()
        state = wait_for(client, started["job_id"])
        # PCA keeps every component; the view picks which ones to draw.
        assert state["status"] == "done" and state["shape"] == [60, 8]
        centered = vectors.astype(np.float64) - vectors.mean(axis=0)
        top = np.linalg.svd(centered, full_matrices=False)[2][:2]
        expected = np.abs(centered @ top.T)
        found = np.abs(np.asarray(state["coordinates"])[:, :2])
        np.testing.assert_allclose(found, expected, rtol=1e-3, atol=1e-3)

        neighbors = client.get(
            f"{BASE}/neighbors", params={"run": RUN, "name": name, "index": 0, "k": 5}
        ).json()
        # The clusters are far apart: the nearest points of point 0 share its cluster.
        assert all(labels[i] == labels[0] for i in neighbors["indices"])
        assert len(neighbors["indices"]) == 5


def test_live_window_sits_beside_logdir_runs_and_follows_its_window(tmp_path: Path) -> None:
    vectors, labels = clustered(rows=12, dims=4)
    config = ServerConfig(logdir=str(FIXTURES / "tb-logdir-torch"), env_path=tmp_path / "env")
    with TestClient(create_app(config)) as client:
        send_embeddings(client, vectors, labels)
        runs = client.get(f"{BASE}/runs").json()
        assert RUN in runs and "train" in runs
        send_embeddings(client, vectors[:5] * 2, labels[:5])
        tensor = client.get(f"{BASE}/tensor", params={"run": RUN, "name": "features"})
        assert tensor.headers["X-Tensor-Shape"] == "5,4"
        np.testing.assert_array_equal(
            np.frombuffer(tensor.content, dtype="<f4").reshape(5, 4), vectors[:5] * 2
        )
        assert client.post("/close", content=json.dumps({"win": "emb", "eid": "main"})).is_success
        assert RUN not in client.get(f"{BASE}/runs").json()
        missing = client.get(f"{BASE}/tensor", params={"run": RUN, "name": "features"})
        assert missing.status_code == 404
        wrong_name = client.get(f"{BASE}/info", params={"run": "live:main/none"})
        assert wrong_name.status_code == 404

"""Scalars routes: TensorBoard's shapes, non-finite values, torchscope's downsampled series."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from starlette.testclient import TestClient

from torchscope.events import encode_record, encode_scalar_event
from torchscope.events.messages import Event


def _write_scalars(path: Path, tag: str, values: np.ndarray, start: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as f:
        f.write(
            b"".join(
                encode_record(encode_scalar_event(tag, float(v), start + i, 1.7e9 + start + i))
                for i, v in enumerate(values)
            )
        )


def test_non_finite_values_are_tensorboard_strings(
    tmp_path: Path, serve: Callable[..., TestClient]
) -> None:
    _write_scalars(
        tmp_path / "r" / "events.out.tfevents.1", "x", np.array([1.0, np.nan, np.inf, -np.inf])
    )
    client = serve(tmp_path)
    rows = client.get("/data/plugin/scalars/scalars", params={"run": "r", "tag": "x"}).json()
    assert [value for _, _, value in rows] == [1.0, "NaN", "Infinity", "-Infinity"]
    series = client.get("/data/plugin/scalars/series", params={"run": "r", "tag": "x"}).json()
    assert series["value"] == [1.0, "NaN", "Infinity", "-Infinity"]
    csv = client.get(
        "/data/plugin/scalars/scalars", params={"run": "r", "tag": "x", "format": "csv"}
    ).text
    assert csv.splitlines()[2].endswith(",nan")


def test_series_keeps_all_six_spikes_of_50000_steps(
    tmp_path: Path, serve: Callable[..., TestClient]
) -> None:
    rng = np.random.default_rng(1)
    values = 1.0 + 0.005 * rng.standard_normal(50_000)
    spikes = [1_000, 9_876, 20_000, 33_333, 41_234, 49_000]
    values[spikes] = 5.0
    _write_scalars(tmp_path / "r" / "events.out.tfevents.1", "loss", values)
    client = serve(tmp_path)
    answer = client.get(
        "/data/plugin/scalars/series", params={"run": "r", "tag": "loss", "buckets": 1000}
    ).json()
    assert answer["total"] == 50_000 and answer["downsampled"] is True
    assert answer["points"] == len(answer["step"]) <= 4000
    shown = {
        step for step, value in zip(answer["step"], answer["value"], strict=True) if value == 5.0
    }
    assert shown == set(spikes)
    # TensorBoard's route with a 1000-point sample (uniform) misses them.
    sampled = client.get(
        "/data/plugin/scalars/scalars", params={"run": "r", "tag": "loss", "samples": 1000}
    ).json()
    assert len(sampled) == 1000 and sampled[-1][1] == 49_999


def test_range_returns_every_point_of_a_zoomed_step_range(
    tmp_path: Path, serve: Callable[..., TestClient]
) -> None:
    _write_scalars(tmp_path / "events.out.tfevents.1", "x", np.arange(10_000.0))
    client = serve(tmp_path)
    answer = client.get(
        "/data/plugin/scalars/range",
        params={"run": ".", "tag": "x", "start_step": 2000, "end_step": 2999},
    ).json()
    assert answer["step"] == list(range(2000, 3000))
    assert answer["downsampled"] is False
    zoomed = client.get(
        "/data/plugin/scalars/series",
        params={"run": ".", "tag": "x", "start_step": 0, "end_step": 5000, "buckets": 100},
    ).json()
    assert zoomed["total"] == 5001 and max(zoomed["step"]) == 5000


def test_multirun_routes(tmp_path: Path, serve: Callable[..., TestClient]) -> None:
    _write_scalars(tmp_path / "a" / "events.out.tfevents.1", "loss", np.arange(3.0))
    _write_scalars(tmp_path / "b" / "events.out.tfevents.1", "loss", np.arange(5.0))
    _write_scalars(tmp_path / "c" / "events.out.tfevents.1", "acc", np.arange(5.0))
    client = serve(tmp_path)
    form = {"tag": "loss", "runs": ["a", "b", "c", "missing"]}
    answer = client.post("/data/plugin/scalars/scalars_multirun", data=form).json()
    assert sorted(answer) == ["a", "b"] and len(answer["b"]) == 5
    series = client.post("/data/plugin/scalars/series_multirun", data=form).json()
    assert sorted(series) == ["a", "b"] and series["a"]["step"] == [0, 1, 2]
    assert client.post("/data/plugin/scalars/scalars_multirun", data={}).status_code == 400


def test_runs_route_without_logdir_is_empty(tmp_path: Path) -> None:
    from torchscope.server.app import create_app
    from torchscope.server.config import ServerConfig

    app = create_app(ServerConfig(env_path=tmp_path), plugins=[])
    with TestClient(app) as client:
        assert client.get("/data/runs").json() == []


def test_restart_aware_series_keeps_the_newest_value_per_step(
    tmp_path: Path, serve: Callable[..., TestClient]
) -> None:
    path = tmp_path / "events.out.tfevents.1"
    version = Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()
    path.write_bytes(encode_record(version))
    _write_scalars(path, "x", np.arange(10.0))  # steps 0..9
    _write_scalars(path, "x", np.full(3, -1.0), start=5)  # a restart writes steps 5..7 again
    client = serve(tmp_path)
    raw = client.get("/data/plugin/scalars/range", params={"run": ".", "tag": "x"}).json()
    assert raw["step"] == [*range(10), 5, 6, 7]
    aware = client.get(
        "/data/plugin/scalars/range", params={"run": ".", "tag": "x", "restart_aware": "true"}
    ).json()
    assert aware["step"] == list(range(10))
    assert aware["value"] == [0, 1, 2, 3, 4, -1, -1, -1, 8, 9]

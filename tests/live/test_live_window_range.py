"""``GET data/plugin/live/window`` with ``x0``/``x1``: the full-resolution points of a range."""

from __future__ import annotations

import json
from typing import Any

import httpx
import numpy as np
import pytest
from live_helpers import RunningServer

N = 200_000


@pytest.fixture
def http(live_server: RunningServer) -> Any:
    with httpx.Client(base_url=live_server.url, timeout=20) as client:
        rng = np.random.default_rng(3)
        ys = rng.normal(size=N).round(3)
        ys[123_457] = 99.0  # a spike inside the range asked for below
        body = {
            "win": "big",
            "data": [
                {"x": list(range(N)), "y": ys.tolist(), "type": "scatter", "name": "a"},
                {"y": ys[:1000].tolist(), "type": "scatter", "name": "implicit x"},
            ],
            "layout": {},
        }
        assert client.post("/events", content=json.dumps(body)).text == "big"
        client.ys = ys  # type: ignore[attr-defined]
        yield client


def _window(http: Any, **params: Any) -> httpx.Response:
    return http.get("/data/plugin/live/window", params={"eid": "main", "win": "big", **params})


def test_a_range_holds_every_point_in_it_plus_one_neighbour_each_side(http: Any) -> None:
    doc = _window(http, points=4000, x0=123_000.5, x1=124_500).json()
    trace = doc["content"]["data"][0]
    # Points 123001..124500 are inside; 123000 and 124501 are the neighbours.
    assert trace["x"] == list(range(123_000, 124_502))
    assert trace["y"] == http.ys[123_000:124_502].tolist()
    assert 99.0 in trace["y"]
    assert trace["torchscope_downsampled"] == {
        "points": N,
        "shown": 1502,
        "x0": 123_000.5,
        "x1": 124_500.0,
    }
    # A trace without x is cut by its implicit x (0, 1, 2...): nothing of it is in the range.
    implicit = doc["content"]["data"][1]
    assert implicit["y"] == [] and implicit["torchscope_downsampled"]["shown"] == 0


def test_a_wide_range_is_thinned_to_points_and_keeps_its_spikes(http: Any) -> None:
    trace = _window(http, points=1000, x0=100_000, x1=150_000).json()["content"]["data"][0]
    assert 900 <= len(trace["x"]) <= 1002
    assert trace["x"][0] == 99_999 and trace["x"][-1] == 150_001
    assert trace["x"] == sorted(trace["x"])
    assert 99.0 in trace["y"]  # min/max buckets keep the spike
    every = _window(http, points=0, x0=100_000, x1=150_000).json()["content"]["data"][0]
    assert every["x"] == list(range(99_999, 150_002))


def test_without_a_range_the_whole_trace_is_thinned_as_before(http: Any) -> None:
    trace = _window(http, points=500).json()["content"]["data"][0]
    assert trace["x"][0] == 0 and trace["x"][-1] == N - 1 and len(trace["x"]) <= 502
    assert "x0" not in trace["torchscope_downsampled"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"x0": 5}, "together"),
        ({"x0": "a", "x1": 2}, "numbers"),
        ({"x0": 5, "x1": 1}, "x0 <= x1"),
        ({"x0": "nan", "x1": 1}, "finite"),
        ({"points": "many"}, "points must be an integer"),
        ({"points": -1}, "points must be 0"),
    ],
)
def test_bad_range_parameters_are_400_with_a_reason(
    http: Any, params: dict[str, Any], message: str
) -> None:
    answer = _window(http, **params)
    assert answer.status_code == 400 and message in answer.text

"""Raw HTTP against Visdom's endpoints: bad input gets 4xx and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from live_helpers import RunningServer


@pytest.fixture
def http(live_server: RunningServer) -> Any:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        yield client


def _create_line(http: Any) -> None:
    body = {
        "win": "w",
        "eid": "main",
        "data": [{"x": [0, 1], "y": [1.0, 2.0], "type": "scatter", "name": "a"}],
        "layout": {},
        "opts": {},
    }
    assert http.post("/events", content=json.dumps(body)).text == "w"


def _window(http: Any) -> dict[str, Any]:
    doc: dict[str, Any] = http.post("/win_data", content='{"win": "w"}').json()
    return doc


BAD_REQUESTS = [
    ("/events", b"{not json"),
    ("/events", b"[1, 2]"),
    ("/events", b'{"win": "w", "data": []}'),
    ("/events", b'{"win": "w", "data": [{"x": [1]}]}'),
    ("/events", b'{"win": "w", "data": [{"type": "scatter"}], "layout": "oops"}'),
    ("/update", b'{"data": [{"x": [2], "y": [3]}], "append": true}'),
    ("/update", b'{"win": "w", "data": [{"x": [2], "y": [3, 4]}], "append": true}'),
    ("/update", b'{"win": "w", "data": [{"x": 2, "y": 3}], "append": true}'),
    ("/update", b'{"win": "w", "data": [], "append": true}'),
    ("/update", b'{"win": "w", "data": [{"x": [2], "y": [3]}], "opts": {"legend": []}}'),
    ("/update", b'{"win": "w", "eid": 5, "data": [{"x": [2], "y": [3]}], "append": true}'),
    ("/close", b'{"win": "nope"}'),
    ("/close", b'{"win": "w", "eid": "no-such-env"}'),
    ("/win_data", b'{"win": "nope"}'),
    ("/win_data", b'{"win": "w", "data": "{broken"}'),
    ("/fork_env", b'{"prev_eid": "no-such-env", "eid": "x"}'),
    ("/delete_env", b'{"eid": "no-such-env"}'),
    ("/save", b'{"data": "main"}'),
]


@pytest.mark.parametrize(("path", "body"), BAD_REQUESTS)
def test_bad_requests_get_4xx_and_leave_data_unchanged(
    http: Any, path: str, body: bytes, live_server: RunningServer
) -> None:
    _create_line(http)
    before = _window(http)
    envs_before = http.post("/env_state", content=b"{}").json()
    answer = http.post(path, content=body)
    assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
    assert answer.text  # a reason, not an empty body
    assert _window(http) == before
    assert http.post("/env_state", content=b"{}").json() == envs_before


def test_nan_and_infinity_tokens_are_accepted_and_written_as_null(http: Any) -> None:
    body = (
        '{"win": "n", "data": [{"x": [0, 1, 2], "y": [NaN, Infinity, -Infinity], '
        '"type": "scatter"}], "layout": {}}'
    )
    assert http.post("/events", content=body).text == "n"
    answer = http.post("/win_data", content='{"win": "n"}')
    assert json.loads(answer.text)["content"]["data"][0]["y"] == [None, None, None]
    assert "NaN" not in answer.text and "Infinity" not in answer.text


def test_body_is_json_whatever_the_content_type(http: Any) -> None:
    body = '{"win": "f", "data": [{"type": "text", "content": "hi"}]}'
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert http.post("/events", content=body, headers=headers).text == "f"


def test_update_answers_like_visdom(http: Any) -> None:
    body = {"win": "missing", "data": [{"x": [1], "y": [1]}], "append": False}
    assert http.post("/update", content=json.dumps(body)).text == "win does not exist"
    # An append to a window of an env the server has never seen creates both.
    body = {
        "win": "new",
        "eid": "brand_new",
        "data": [{"x": [1], "y": [1], "type": "scatter"}],
        "append": True,
        "layout": {},
    }
    assert http.post("/update", content=json.dumps(body)).text == "new"
    assert "brand_new" in http.post("/env_state", content=b"{}").json()


def test_window_without_win_gets_a_server_id(http: Any) -> None:
    answer = http.post("/events", content='{"data": [{"type": "text", "content": "x"}]}').text
    assert answer.startswith("window_")
    assert http.post("/win_exists", content=json.dumps({"win": answer})).text == "true"


def test_env_page_and_user_css(http: Any, live_server: RunningServer) -> None:
    (live_server.env_path / "style.css").write_text(".pane { color: red }")
    css = http.get("/user/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".pane { color: red }" in css.text
    page = http.get("/env/main")  # the UI page (503 when the bundle is not built)
    assert page.status_code in (200, 503) and page.headers["content-type"].startswith("text/html")


def test_cross_site_posts_are_refused(http: Any) -> None:
    body = '{"win": "x", "data": [{"type": "text", "content": "<img onerror=alert(1)>"}]}'
    answer = http.post("/events", content=body, headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert http.post("/win_exists", content='{"win": "x"}').text == "false"


def test_readonly_refuses_every_write(server_factory: Any, tmp_path: Any) -> None:
    server: RunningServer = server_factory(tmp_path / "ro", readonly=True)
    with httpx.Client(base_url=server.url) as client:
        body = '{"win": "x", "data": [{"type": "text", "content": "x"}]}'
        for path in ("/events", "/update", "/close", "/delete_env", "/fork_env", "/save"):
            assert client.post(path, content=body).status_code == 403, path
        assert client.post("/win_data", content='{"win": "x", "data": "{}"}').status_code == 403
        assert client.post("/env/new", content='{"eid": "new"}').status_code == 403
        assert client.post("/win_exists", content='{"win": "x"}').text == "false"
        assert client.post("/env_state", content="{}").json() == ["main"]


def test_plugin_lists_live_tab_once_a_window_exists(http: Any) -> None:
    listing = http.get("/data/plugins_listing").json()
    assert listing["live"]["enabled"] is False
    _create_line(http)
    assert http.get("/data/plugins_listing").json()["live"]["enabled"] is True
    envs = http.get("/data/plugin/live/envs").json()
    assert {"eid": "main", "windows": 1} in envs


def test_ui_helpers_window_resolution_and_stats(http: Any) -> None:
    n = 50_000
    body = {
        "win": "big",
        "data": [
            {
                "x": list(range(n)),
                "y": [float(i % 7) for i in range(n)],
                "type": "scatter",
                "name": "a",
            }
        ],
        "layout": {},
    }
    http.post("/events", content=json.dumps(body))
    thin = http.get("/data/plugin/live/window", params={"eid": "main", "win": "big", "points": 500})
    trace = thin.json()["content"]["data"][0]
    assert len(trace["x"]) <= 502 and trace["torchscope_downsampled"]["points"] == n
    full = http.get("/data/plugin/live/window", params={"win": "big", "points": 0}).json()
    assert len(full["content"]["data"][0]["x"]) == n
    assert http.get("/data/plugin/live/window", params={"win": "nope"}).status_code == 404
    stats = http.get("/data/plugin/live/stats").json()
    assert stats["points"] == n and stats["column_bytes"] <= 4 * n + 4 * 65536

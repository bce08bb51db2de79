"""The browser socket (/socket, /socket_wrap) and the client socket (/vis_socket)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import numpy as np
import pytest
import websockets.sync.client as ws_client
from live_helpers import RunningServer


class Browser:
    """A page's socket: connects, registers, and selects envs as Visdom's page does."""

    def __init__(self, server: RunningServer, ws: Any) -> None:
        self.server = server
        self.ws = ws
        register = self.recv()
        assert register["command"] == "register"
        self.sid = register["data"]
        self.readonly = register["readonly"]
        assert self.recv()["command"] == "layout_update"
        self.envs = self.recv()["data"]

    def recv(self) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(self.ws.recv(timeout=5))
        return message

    def recv_until(self, command: str) -> dict[str, Any]:
        while True:
            message = self.recv()
            if message.get("command") == command:
                return message

    def view(self, path: str) -> list[dict[str, Any]]:
        httpx.post(f"{self.server.url}{path}", content=json.dumps({"sid": self.sid}))
        messages = []
        while True:
            message = self.recv()
            messages.append(message)
            if message.get("command") == "layout":
                return messages

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))


def connect(server: RunningServer) -> Any:
    return ws_client.connect(f"ws://127.0.0.1:{server.port}/socket")


@pytest.fixture
def ui(live_server: RunningServer) -> Any:
    with connect(live_server) as ws:
        yield Browser(live_server, ws)


def test_page_gets_env_windows_then_live_pushes(vis: Any, ui: Browser) -> None:
    vis.line(Y=np.array([1.0, 2.0]), X=np.array([0, 1]), win="loss")
    vis.text("hello", win="t")
    messages = ui.view("/env/main")
    assert [m.get("id") for m in messages[:-1]] == ["loss", "t"]  # in insertion order
    vis.line(Y=np.array([3.0]), X=np.array([2]), win="loss", update="append")
    update = ui.recv_until("window_update")
    ops = {(op["op"], op["path"]): op.get("value") for op in update["content"]}
    assert ops[("add", "/content/data/0/x/-")] == 2
    assert ops[("add", "/content/data/0/y/-")] == 3.0
    vis.text("replaced", win="t")
    assert ui.recv_until("window")["content"] == "replaced"
    vis.close("t")
    assert ui.recv_until("close")["data"] == "t"


def test_pushes_only_reach_pages_viewing_that_env(vis: Any, live_server: RunningServer) -> None:
    with connect(live_server) as ws_a, connect(live_server) as ws_b:
        _two_pages(vis, Browser(live_server, ws_a), Browser(live_server, ws_b))


def _two_pages(vis: Any, watching_a: Browser, watching_b: Browser) -> None:
    vis.text("a", win="wa", env="a")
    vis.text("b", win="wb", env="b")
    watching_a.view("/env/a")
    watching_b.view("/env/b")
    vis.text("a2", win="wa", env="a")
    vis.text("b2", win="wb", env="b")
    assert watching_a.recv_until("window")["content"] == "a2"
    assert watching_b.recv_until("window")["content"] == "b2"


def test_huge_trace_is_thinned_for_pages_but_kept_whole(vis: Any, ui: Browser) -> None:
    n = 200_000
    y = np.sin(np.arange(n) / 1000.0)
    y[123_457] = 50.0  # a spike that thinning must keep
    vis.line(Y=y, X=np.arange(n), win="big")
    messages = ui.view("/env/main")
    trace = messages[0]["content"]["data"][0]
    assert len(trace["y"]) < 10_000 and max(trace["y"]) == 50.0
    assert trace["torchscope_downsampled"]["points"] == n
    full = json.loads(vis.get_window_data("big"))["content"]["data"][0]
    assert len(full["y"]) == n


def test_close_from_page_reaches_client_callbacks(vis: Any, ui: Browser) -> None:
    vis.text("x", win="c")
    ui.view("/env/main")
    got: list[dict[str, Any]] = []
    vis.register_event_handler(got.append, "c")
    ui.send({"cmd": "close", "data": "c", "eid": "main"})
    ui.recv_until("close")
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got[0]["event_type"] == "close" and got[0]["pane_data"]["content"] == "x"
    assert vis.win_exists("c") is False


def test_page_commands_save_layouts_fork_and_delete(
    vis: Any, ui: Browser, live_server: RunningServer
) -> None:
    vis.text("x", win="w", env="src")
    ui.send({"cmd": "layout_item_update", "eid": "src", "win": "w", "data": {"x": 1}})
    ui.send({"cmd": "save", "prev_eid": "src", "eid": "copy", "data": {"w": {"x": 2}}})
    while "copy" not in ui.recv_until("env_update")["data"]:
        pass
    assert json.loads((live_server.env_path / "copy.json").read_text())["reload"] == {"w": {"x": 2}}
    layouts = json.dumps({"src": {"view": {"w": [0, 3, 4]}}})
    ui.send({"cmd": "save_layouts", "data": layouts})
    assert ui.recv_until("layout_update")["data"] == layouts
    assert (live_server.env_path / "view" / "layouts.json").read_text() == layouts
    ui.send({"cmd": "delete_env", "eid": "copy"})
    assert "copy" not in ui.recv_until("env_update")["data"]
    assert not (live_server.env_path / "copy.json").exists()


def test_compare_view_merges_plots_with_the_same_title(vis: Any, ui: Browser) -> None:
    for env in ("run1", "run2"):
        vis.line(Y=np.array([1.0, 2.0]), win="loss", env=env, opts={"title": "loss"})
    messages = ui.view("/compare/run1+run2")
    merged = next(m for m in messages if m.get("id") == "loss_compare")
    assert [t["name"] for t in merged["content"]["data"]] == ["0_1", "1_1"]
    assert any(m.get("id") == "window_compare_legend" for m in messages)


def test_readonly_page_commands_are_ignored(server_factory: Any, tmp_path: Any) -> None:
    server: RunningServer = server_factory(tmp_path / "ro", readonly=True)
    with connect(server) as ws:
        ui = Browser(server, ws)
        assert ui.readonly is True
        ui.send({"cmd": "save", "prev_eid": "main", "eid": "copy", "data": {}})
        ui.send({"cmd": "delete_env", "eid": "main"})
        time.sleep(0.3)  # commands have no answer: give the server time to (not) act
        answer = httpx.post(f"{server.url}/env_state", content="{}").json()
    assert answer == ["main"] and not (server.env_path / "copy.json").exists()


def test_polling_page(vis: Any, live_server: RunningServer) -> None:
    url = f"{live_server.url}/socket_wrap"
    sid = httpx.get(url).json()["sid"]
    vis.text("p", win="pw")

    def query() -> list[dict[str, Any]]:
        answer = httpx.post(url, content=json.dumps({"message_type": "query", "sid": sid}))
        return [json.loads(m) for m in answer.json()["messages"]]

    assert [m["command"] for m in query()][:3] == ["register", "layout_update", "env_update"]
    httpx.post(f"{live_server.url}/env/main", content=json.dumps({"sid": sid}))
    assert any(m.get("id") == "pw" for m in query())
    send = {
        "message_type": "send",
        "sid": sid,
        "message": json.dumps({"cmd": "close", "data": "pw", "eid": "main"}),
    }
    assert httpx.post(url, content=json.dumps(send)).json() == {"success": True}
    assert vis.win_exists("pw") is False
    closed = httpx.post(url, content=json.dumps({"message_type": "query", "sid": "nope"}))
    assert closed.json() == {"success": False, "reason": "closed"}

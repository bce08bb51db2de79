"""What a page (or anything speaking its protocol) may send: a bad env name in a URL path gets a
400 with the reason, and odd socket messages are read or ignored; none of them is a 500 or a
dropped socket."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import websockets.sync.client as ws_client
from live_helpers import RunningServer


def connect(server: RunningServer, path: str) -> Any:
    return ws_client.connect(f"ws://127.0.0.1:{server.port}{path}")


def view_env(server: RunningServer, ws: Any, sid: str, eid: str) -> list[dict[str, Any]]:
    """Select ``eid`` for the page ``sid``; the messages streamed, up to ``layout``."""
    answer = httpx.post(f"{server.url}/env/{eid}", content=json.dumps({"sid": sid}))
    assert answer.status_code == 200
    messages: list[dict[str, Any]] = []
    while not messages or messages[-1].get("command") != "layout":
        messages.append(json.loads(ws.recv(timeout=5)))
    return messages


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/env/..%2Fescape", "eid must not contain '..' or backslashes"),
        ("/env/a%00b", "eid must not contain control characters"),
        ("/compare/main+..%2Fescape", "eid must not contain '..' or backslashes"),
        ("/compare/a%01b+main", "eid must not contain control characters"),
    ],
)
def test_bad_env_in_the_path_is_refused_with_its_reason(
    live_server: RunningServer, path: str, reason: str
) -> None:
    with connect(live_server, "/socket") as ws:
        sid = json.loads(ws.recv(timeout=5))["data"]
        answer = httpx.post(f"{live_server.url}{path}", content=json.dumps({"sid": sid}))
        assert answer.status_code == 400
        assert answer.text.startswith(reason)
        assert view_env(live_server, ws, sid, "main")[-1] == {"command": "layout"}


def test_binary_frames_are_read_as_text_on_every_socket(live_server: RunningServer) -> None:
    httpx.post(
        f"{live_server.url}/events",
        content=json.dumps({"win": "t", "data": [{"content": "x", "type": "text"}]}),
    )
    with connect(live_server, "/api/ws") as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        ws.send(b"\xff\xfe not UTF-8")
        ws.send(json.dumps({"type": "ping"}).encode())
        assert json.loads(ws.recv(timeout=5)) == {
            "type": "error",
            "message": "messages must be JSON",
        }
        assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
    with connect(live_server, "/socket") as ws:
        sid = json.loads(ws.recv(timeout=5))["data"]
        view_env(live_server, ws, sid, "main")
        ws.send(json.dumps({"cmd": "close", "data": "t", "eid": "main"}).encode())
        while json.loads(ws.recv(timeout=5)).get("command") != "close":
            pass
    with connect(live_server, "/vis_socket") as ws:
        assert json.loads(ws.recv(timeout=5))["command"] == "alive"
        ws.send(json.dumps({"cmd": "echo", "target": "w", "event_type": "hi"}).encode())
        assert json.loads(ws.recv(timeout=5))["event_type"] == "hi"


@pytest.mark.parametrize("data", [5, "x", ["t"], True])
def test_malformed_page_commands_leave_the_socket_open(
    live_server: RunningServer, data: Any
) -> None:
    with connect(live_server, "/socket") as ws:
        sid = json.loads(ws.recv(timeout=5))["data"]
        for cmd in ("pop_embeddings_pane", "forward_to_vis", "close", "save_layouts"):
            ws.send(json.dumps({"cmd": cmd, "data": data, "eid": "main"}))
        # Still served: the next request on this socket streams as usual.
        assert view_env(live_server, ws, sid, "main")[-1] == {"command": "layout"}

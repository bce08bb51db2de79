"""The HTTP protocol's hot lane: plain per-step POSTs answered inside the protocol, exactly as
the whole app would answer them, and every other request left to the app."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from torchscope.plugins.live import LivePlugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.hot_lane import HotLane, LaneProtocol
from torchscope.server.runner import bind_socket, uvicorn_config
from torchscope.server.sessions import COOKIE_NAME


def line(x: list[Any], y: list[Any]) -> list[dict[str, Any]]:
    return [{"x": x, "y": y, "type": "scatter", "mode": "lines"}]


APPEND = {"win": "w", "eid": "main", "data": line([1], [0.5]), "append": True}


class LaneServer:
    """The server as ``torchscope serve`` runs it (same uvicorn settings), in a thread."""

    def __init__(self, config: ServerConfig) -> None:
        self.plugin = LivePlugin(config)
        app = create_app(config, plugins=[self.plugin])
        self.lane: HotLane = app.state.hot_lane
        uv_config = uvicorn_config(app, config, "warning", timeout_graceful_shutdown=1)
        assert issubclass(uv_config.http, LaneProtocol)  # type: ignore[arg-type]
        self._socket = bind_socket("127.0.0.1", 0)
        self.port: int = self._socket.getsockname()[1]
        self._server = uvicorn.Server(uv_config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            assert time.monotonic() < deadline and self._thread.is_alive(), "no server"
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def points(self, win: str = "w") -> list[Any]:
        window = self.plugin.store.window("main", win)
        assert window is not None
        return [list(t.columns["y"].values()) for t in window.traces]


@pytest.fixture
def lane_server(tmp_path: Path) -> Iterator[Callable[..., LaneServer]]:
    servers: list[LaneServer] = []

    def start(**settings: Any) -> LaneServer:
        servers.append(LaneServer(ServerConfig(env_path=tmp_path / "envs", **settings)))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def post(target: str, body: bytes, *extra: str, version: str = "1.1") -> bytes:
    head = [f"POST {target} HTTP/{version}", "Host: 127.0.0.1", *extra]
    if not any(h.lower().startswith("transfer-encoding") for h in extra):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


Answer = tuple[int, dict[str, str], bytes]


def read_answers(sock: socket.socket, count: int) -> list[Answer]:
    """``count`` HTTP answers (Content-Length framed) read from ``sock``."""
    data = b""
    answers: list[Answer] = []
    while len(answers) < count:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            lines = data[:end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get("content-length", 0))  # none on a 100 Continue
            if len(data) >= end + 4 + length:
                body = data[end + 4 : end + 4 + length]
                answers.append((int(lines[0].split()[1]), headers, body))
                data = data[end + 4 + length :]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {len(answers)} answers"
        data += chunk
    return answers


def exchange(server: LaneServer, request: bytes) -> Answer:
    with server.connect() as sock:
        sock.sendall(request)
        return read_answers(sock, 1)[0]


def test_an_append_is_answered_in_the_lane_exactly_as_the_app_answers_it(
    lane_server: Callable[..., LaneServer],
) -> None:
    server = lane_server()
    body = json.dumps(APPEND).encode()
    lane_answer = exchange(server, post("/update", body))
    assert server.lane.answered == 1
    # A query string misses the lane's table: the same request through the whole app.
    app_answer = exchange(server, post("/update?through=app", body))
    assert server.lane.answered == 1
    assert lane_answer[0] == app_answer[0] == 200
    assert lane_answer[2] == app_answer[2] == b"w"
    for name in ("content-type", "x-content-type-options", "referrer-policy", "server"):
        assert lane_answer[1][name] == app_answer[1][name], name
    assert lane_answer[1]["content-security-policy"] == app_answer[1]["content-security-policy"]
    assert set(lane_answer[1]) == set(app_answer[1])
    assert server.points() == [[0.5, 0.5]]


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        json.dumps({"eid": "main", "data": line([1], [1]), "append": True}).encode(),
        json.dumps({**APPEND, "eid": "../up"}).encode(),
        json.dumps({**APPEND, "win": "absent", "append": False}).encode(),
        json.dumps({**APPEND, "data": line([1, 2], [1])}).encode(),
        b'{"win": "w", "data": "\\ud800"}',
    ],
    ids=["bad-json", "not-an-object", "no-win", "bad-env", "missing-window", "ragged", "surrogate"],
)
def test_refusals_in_the_lane_match_the_app(
    lane_server: Callable[..., LaneServer], body: bytes
) -> None:
    server = lane_server()
    exchange(server, post("/update", json.dumps(APPEND).encode()))
    lane_answer = exchange(server, post("/update", body))
    app_answer = exchange(server, post("/update?through=app", body))
    assert server.lane.answered == 2
    assert (lane_answer[0], lane_answer[2]) == (app_answer[0], app_answer[2])
    assert server.points() == [[0.5]]  # nothing stored by either


def test_a_read_only_server_refuses_in_the_lane(lane_server: Callable[..., LaneServer]) -> None:
    server = lane_server(readonly=True)
    status, _, text = exchange(server, post("/update", json.dumps(APPEND).encode()))
    assert (status, text) == (403, b"this server is read-only")
    assert server.lane.answered == 1
    assert server.plugin.store.window("main", "w") is None


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        (("Origin: http://evil.example",), 403),  # a browser's cross-site request
        (("Origin: http://127.0.0.1",), 200),  # a page of this server (Host: 127.0.0.1)
        (("Expect: 100-continue",), 200),
    ],
)
def test_requests_that_are_not_plain_go_through_the_app(
    lane_server: Callable[..., LaneServer], extra: tuple[str, ...], status: int
) -> None:
    server = lane_server()
    with server.connect() as sock:
        sock.sendall(post("/update", json.dumps(APPEND).encode(), *extra))
        answers = read_answers(sock, 2 if extra[0].startswith("Expect") else 1)
    assert answers[-1][0] == status
    assert server.lane.answered == 0


def test_chunked_and_oversized_bodies_go_through_the_app(
    lane_server: Callable[..., LaneServer],
) -> None:
    server = lane_server(max_body_bytes=4096)
    body = json.dumps(APPEND).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    status, _, _ = exchange(server, post("/update", chunked, "Transfer-Encoding: chunked"))
    assert status == 200 and server.points() == [[0.5]]
    big = json.dumps({**APPEND, "data": line([1] * 2000, [1] * 2000)}).encode()
    status, _, text = exchange(server, post("/update", big))
    assert status == 413 and b"too large" in text
    assert server.lane.answered == 0
    assert server.points() == [[0.5]]


def test_with_authentication_only_a_valid_session_takes_the_lane(
    lane_server: Callable[..., LaneServer],
) -> None:
    server = lane_server(auth="token", token="secret-token")
    body = json.dumps(APPEND).encode()
    status, _, _ = exchange(server, post("/update", body))
    assert status == 401
    with_token = post("/update", body, "Authorization: Token secret-token")
    status, headers, _ = exchange(server, with_token)
    assert status == 200 and headers["set-cookie"].startswith(COOKIE_NAME + "=")
    assert server.lane.answered == 0
    cookie = headers["set-cookie"].split(";", 1)[0]
    status, _, _ = exchange(server, post("/update", body, f"Cookie: other=1; {cookie}"))
    assert status == 200 and server.lane.answered == 1
    forged = f"Cookie: {COOKIE_NAME}={int(time.time())}.{'0' * 64}"
    status, _, _ = exchange(server, post("/update", body, forged))
    assert status == 401 and server.lane.answered == 1
    assert server.points() == [[0.5, 0.5]]


def test_pipelined_requests_are_answered_and_applied_in_order(
    lane_server: Callable[..., LaneServer],
) -> None:
    server = lane_server()

    def append(value: float, target: str = "/update") -> bytes:
        return post(target, json.dumps({**APPEND, "data": line([1], [value])}).encode())

    health = b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    batch = [append(1.0), health, append(2.0), append(3.0, "/update?app"), append(4.0), append(5.0)]
    with server.connect() as sock:
        sock.sendall(b"".join(batch))
        answers = read_answers(sock, len(batch))
    assert [status for status, _, _ in answers] == [200] * len(batch)
    assert json.loads(answers[1][2])["status"] == "ok"
    assert [body for _, _, body in answers[2:]] == [b"w"] * 4
    assert server.points() == [[1.0, 2.0, 3.0, 4.0, 5.0]]
    assert server.lane.answered >= 1  # the first; the rest may queue behind the app's answers


def test_http_1_0_gets_its_answer_and_the_connection_closes(
    lane_server: Callable[..., LaneServer],
) -> None:
    server = lane_server()
    with server.connect() as sock:
        sock.sendall(post("/update", json.dumps(APPEND).encode(), version="1.0"))
        status, headers, body = read_answers(sock, 1)[0]
        assert (status, body, headers["connection"]) == (200, b"w", "close")
        assert sock.recv(100) == b""
    assert server.lane.answered == 1


def test_a_keep_alive_connection_serves_many_lane_requests(
    lane_server: Callable[..., LaneServer],
) -> None:
    server = lane_server()
    with server.connect() as sock:
        for value in range(50):
            data = line([value], [float(value)])
            sock.sendall(post("/update", json.dumps({**APPEND, "data": data}).encode()))
            assert read_answers(sock, 1)[0][0] == 200
    assert server.lane.answered == 50
    assert server.points() == [[float(v) for v in range(50)]]


def test_a_handler_failure_is_a_500_and_the_connection_carries_on(
    lane_server: Callable[..., LaneServer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = lane_server()
    store = server.plugin.store
    real_execute = store.execute
    calls = {"n": 0}

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(store, "execute", failing_once)
    body = json.dumps(APPEND).encode()
    with caplog.at_level(logging.ERROR, logger="torchscope.server"), server.connect() as sock:
        sock.sendall(post("/update", body))
        assert read_answers(sock, 1)[0][:3:2] == (500, b"Internal Server Error")
        sock.sendall(post("/update", body))
        assert read_answers(sock, 1)[0][0] == 200
    assert "disk on fire" in caplog.text
    assert server.points() == [[0.5]]


def test_events_under_a_base_url_take_the_lane(lane_server: Callable[..., LaneServer]) -> None:
    server = lane_server(base_url="/vis")
    text = {"eid": "main", "win": "t", "data": [{"content": "hello", "type": "text"}]}
    status, _, body = exchange(server, post("/vis/events", json.dumps(text).encode()))
    assert (status, body) == (200, b"t") and server.lane.answered == 1
    status, _, _ = exchange(server, post("/events", json.dumps(text).encode()))
    assert status == 404 and server.lane.answered == 1


def test_visdom_clients_win_exists_takes_the_lane(lane_server: Callable[..., LaneServer]) -> None:
    server = lane_server(readonly=False)
    exchange(server, post("/update", json.dumps(APPEND).encode()))
    asks = [{"win": "w", "eid": "main"}, {"win": "nope", "eid": "main"}]
    answers = [exchange(server, post("/win_exists", json.dumps(a).encode())) for a in asks]
    assert [(status, body) for status, _, body in answers] == [(200, b"true"), (200, b"false")]
    assert server.lane.answered == 3

"""One server under load: 50 concurrent writers while 20 pages watch over the browser socket.

The server is a real process (``python -m torchscope.server``), as users start it. Writers send
the bodies Visdom's client sends; viewers hold ``/socket`` open, select an env as the page does,
and rebuild each window from what they receive (whole windows and RFC 6902 patches), as the
page does. Bounded by counts, not by time: nothing here measures speed (benchmarks/load.py does).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

WRITERS = 50
VIEWERS = 20
APPENDS = 30
ENVS = ("load_a", "load_b")
#: How long viewers may take to catch up once every write is acknowledged (a loaded machine).
CATCH_UP_S = 30.0


@pytest.fixture
def server(
    tmp_path: Path, server_process: Callable[..., AbstractContextManager[str]]
) -> Iterator[int]:
    """A torchscope server process on a free port; yields the port, checks stderr after."""
    with server_process(tmp_path) as url:
        yield int(url.rsplit(":", 1)[1].split("/")[0])


def env_of(writer: int) -> str:
    return ENVS[writer % len(ENVS)]


def win_of(writer: int) -> str:
    return f"w{writer:02d}"


def point(writer: int, step: int) -> tuple[float, float]:
    """The point ``writer`` sends at ``step``: unique, so a lost or misplaced one shows."""
    return float(step), writer * 1000.0 + step


def line_body(writer: int, step: int, append: bool) -> bytes:
    """What ``visdom.Visdom.line`` sends: ``/events`` to create, ``/update`` to append."""
    x, y = point(writer, step)
    trace = {"x": [x], "y": [y], "name": "1", "type": "scatter", "mode": "lines"}
    message: dict[str, Any] = {
        "data": [trace],
        "win": win_of(writer),
        "eid": env_of(writer),
        "opts": {"mode": "lines"},
        "layout": {} if append else {"showlegend": False},
    }
    if append:
        message.update(name=None, append=True)
    return json.dumps(message).encode()


def post(port: int, path: str, body: dict[str, Any]) -> bytes:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return bytes(answer.read())


# --- writers ----------------------------------------------------------------------------------


def write(port: int, writer: int, start: threading.Barrier, failures: list[str]) -> None:
    """Create the writer's window, then append APPENDS points on one kept-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        start.wait(timeout=60)
        for step in range(APPENDS + 1):
            path = "/update" if step else "/events"
            connection.request("POST", path, body=line_body(writer, step, append=step > 0))
            answer = connection.getresponse()
            text = answer.read().decode()
            if answer.status != 200 or text != win_of(writer):
                failures.append(f"{win_of(writer)} step {step}: {answer.status} {text[:200]!r}")
    except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as exc:
        failures.append(f"{win_of(writer)}: {type(exc).__name__}: {exc}")
    finally:
        connection.close()


# --- viewers ----------------------------------------------------------------------------------


def apply_patch(doc: dict[str, Any], ops: list[dict[str, Any]]) -> None:
    """Apply RFC 6902 ``add``/``replace``/``remove`` operations to ``doc`` in place."""
    for op in ops:
        *parents, last = [
            s.replace("~1", "/").replace("~0", "~") for s in op["path"][1:].split("/")
        ]
        target: Any = doc
        for segment in parents:
            target = target[int(segment)] if isinstance(target, list) else target[segment]
        if isinstance(target, list):
            if op["op"] == "add":
                target.insert(len(target) if last == "-" else int(last), op["value"])
            elif op["op"] == "replace":
                target[int(last)] = op["value"]
            else:
                del target[int(last)]
        elif op["op"] == "remove":
            del target[last]
        else:
            target[last] = op["value"]


class Viewer:
    """A page on ``/socket`` viewing one env; ``windows`` follows what the server pushed."""

    def __init__(self, socket: ClientConnection, port: int, env: str) -> None:
        self.port = port
        self.env = env
        self.windows: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.closing = False
        self.socket = socket
        register = json.loads(self.socket.recv(timeout=30))
        assert register["command"] == "register"
        post(port, f"/env/{env}", {"sid": register["data"]})
        self.thread = threading.Thread(target=self._receive, daemon=True)
        self.thread.start()

    def _receive(self) -> None:
        try:
            for text in self.socket:
                self._apply(json.loads(text))
        except Exception as exc:  # reported by the test, not lost in a thread
            if not (self.closing and isinstance(exc, ConnectionClosed)):
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _apply(self, message: dict[str, Any]) -> None:
        command = message.get("command")
        with self.lock:
            if command == "window":
                self.windows[message["id"]] = message
            elif command == "window_update":
                if message.get("env") != self.env:
                    self.errors.append(f"update for env {message.get('env')} on a {self.env} page")
                apply_patch(self.windows[message["win"]], message["content"])
            elif command == "close":
                self.windows.pop(message["data"], None)

    def traces(self) -> dict[str, tuple[list[Any], list[Any]]]:
        with self.lock:
            return {
                win: (doc["content"]["data"][0]["x"][:], doc["content"]["data"][0]["y"][:])
                for win, doc in self.windows.items()
            }


def stored_traces(port: int, env: str) -> dict[str, tuple[list[Any], list[Any]]]:
    """Every window of ``env`` as the server stored it (Visdom's ``/win_data``)."""
    windows = json.loads(post(port, "/win_data", {"win": None, "eid": env}))
    return {
        win: (doc["content"]["data"][0]["x"], doc["content"]["data"][0]["y"])
        for win, doc in windows.items()
    }


def stop_receiving(viewers: list[Viewer]) -> None:
    """Mark the viewers as closing, so their sockets closing is not reported as an error."""
    for viewer in viewers:
        viewer.closing = True


def test_concurrent_writers_lose_nothing_and_every_viewer_sees_all(server: int) -> None:
    viewers: list[Viewer] = []
    with contextlib.ExitStack() as sockets:
        for i in range(VIEWERS):
            socket = connect(f"ws://127.0.0.1:{server}/socket", max_size=None)
            viewers.append(Viewer(sockets.enter_context(socket), server, ENVS[i % len(ENVS)]))
        sockets.callback(stop_receiving, viewers)  # last in, so it runs before sockets close
        check_writes_and_views(server, viewers)
    for viewer in viewers:
        viewer.thread.join(timeout=10)


def check_writes_and_views(server: int, viewers: list[Viewer]) -> None:
    """Run the writers; check the store, then what each viewer rebuilt."""
    failures: list[str] = []
    start = threading.Barrier(WRITERS)
    writers = [
        threading.Thread(target=write, args=(server, w, start, failures)) for w in range(WRITERS)
    ]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in writers), "a writer hung"
    assert failures == []

    # Every acknowledged point is stored, in order, in its own window and env.
    expected: dict[str, dict[str, tuple[list[Any], list[Any]]]] = {env: {} for env in ENVS}
    for writer in range(WRITERS):
        xs, ys = zip(*(point(writer, step) for step in range(APPENDS + 1)), strict=True)
        expected[env_of(writer)][win_of(writer)] = (list(xs), list(ys))
    for env in ENVS:
        assert stored_traces(server, env) == expected[env]

    # Each page ends with exactly the windows of the env it views, point for point.
    deadline = time.monotonic() + CATCH_UP_S
    while time.monotonic() < deadline:
        if all(v.traces() == expected[v.env] or v.errors for v in viewers):
            break
        time.sleep(0.2)
    for viewer in viewers:
        assert viewer.errors == []
        seen = viewer.traces()
        assert sorted(seen) == sorted(expected[viewer.env])
        lagging = [win for win in seen if seen[win] != expected[viewer.env][win]]
        assert lagging == [], f"{viewer.env} page differs in {lagging[:5]}"

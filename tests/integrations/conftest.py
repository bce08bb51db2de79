"""Fixtures of the integration tests: a live torchscope server on a free port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from torchscope.plugins.live import LivePlugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig


@dataclass
class LiveServer:
    url: str
    plugin: LivePlugin

    def line_ys(self, env: str, win: str) -> list[float]:
        """The y values of the first trace of a line pane."""
        window = self.plugin.store.window(env, win)
        assert window is not None, f"no pane {win!r} in env {env!r}"
        return [float(y) for y in window.to_json()["content"]["data"][0]["y"]]


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = ServerConfig(port=port, env_path=tmp_path / "server-env")
    plugin = LivePlugin(config)
    server = uvicorn.Server(
        uvicorn.Config(create_app(config, plugins=[plugin]), host="127.0.0.1", port=port,
                       log_level="warning", lifespan="on")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    yield LiveServer(f"http://127.0.0.1:{port}", plugin)
    server.should_exit = True
    thread.join(timeout=10)

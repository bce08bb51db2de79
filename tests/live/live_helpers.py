"""Helpers for the live tests: a real torchscope server (uvicorn, free port, in a thread)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from torchscope.plugins.live import LivePlugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.runner import uvicorn_config


@dataclass
class RunningServer:
    port: int
    env_path: Path
    plugin: LivePlugin
    stop: Callable[[], None]
    base_url: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env_path: Path, base_url: str = "", readonly: bool = False) -> RunningServer:
    config = ServerConfig(port=free_port(), env_path=env_path, base_url=base_url, readonly=readonly)
    plugin = LivePlugin(config)
    app = create_app(config, plugins=[plugin])
    # The server's own settings, hot lane included: these tests drive the real request path.
    server = uvicorn.Server(
        uvicorn_config(app, config, "warning", host="127.0.0.1", port=config.port)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return RunningServer(config.port, env_path, plugin, stop, config.base_url)


def window_json(client: Any, win: str, env: str | None = None) -> dict[str, Any]:
    """A window as the server returns it through ``get_window_data``."""
    result: dict[str, Any] = json.loads(client.get_window_data(win, env=env))
    return result

"""Browser tests: Debian's Chromium driven by Playwright against a real torchscope server.

The server runs in a thread of the test process, so a test can hand it fake plugins and switch
their data on and off, and can stop and restart it on the same port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from torchscope.plugins.base import Plugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.runner import bind_socket

CHROMIUM = Path("/usr/bin/chromium")
WEB_INDEX = Path(__file__).resolve().parents[2] / "torchscope" / "web" / "index.html"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch the system Chromium: Playwright's own browser download is never used."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session", autouse=True)
def _built_ui() -> None:
    if not WEB_INDEX.is_file():
        pytest.fail(
            f"{WEB_INDEX} is missing: build the UI with `pip install -e .` "
            "or `cd frontend && npm ci && npm run build`"
        )


class FakePlugin(Plugin):
    """A plugin whose data a test switches on and off."""

    def __init__(self, active: bool = False) -> None:
        self.active = active

    def is_active(self) -> bool:
        return self.active


def fake_plugin(name: str, tab_name: str, active: bool = False) -> FakePlugin:
    """A FakePlugin subclass instance named ``name`` (plugin names are class attributes)."""
    kind = type(f"Fake_{name}", (FakePlugin,), {"name": name, "tab_name": tab_name})
    plugin: FakePlugin = kind(active)
    return plugin


@dataclass
class LiveServer:
    """A torchscope server on 127.0.0.1 in a background thread; stop() and start() keep the port."""

    env_path: Path
    plugins: dict[str, FakePlugin]
    base_url: str = ""
    port: int = 0
    _server: uvicorn.Server | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _socket: socket.socket | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The UI's address, ending in a slash."""
        return f"http://127.0.0.1:{self.port}{self.base_url}/"

    def start(self) -> None:
        config = ServerConfig(
            host="127.0.0.1", port=self.port, base_url=self.base_url, env_path=self.env_path
        )
        sock = bind_socket("127.0.0.1", self.port)
        self.port = sock.getsockname()[1]
        app = create_app(config, plugins=list(self.plugins.values()))
        server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the test server on port {self.port} did not start")
        self._server, self._thread, self._socket = server, thread, sock

    def stop(self) -> None:
        """Stop serving; open pages see their connection drop."""
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def set_active(self, name: str, active: bool) -> None:
        self.plugins[name].active = active


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Factory: ``make_server(base_url="/vis")`` starts a server; every one is stopped after."""
    servers: list[LiveServer] = []

    def make(base_url: str = "", active: tuple[str, ...] = ()) -> LiveServer:
        plugins = {
            "scalars": fake_plugin("scalars", "Scalars"),
            "images": fake_plugin("images", "Images"),
            "graphs": fake_plugin("graphs", "Graphs"),
            "weather": fake_plugin("weather", "Weather Maps"),
        }
        for name in active:
            plugins[name].active = True
        server = LiveServer(env_path=tmp_path / "env", plugins=plugins, base_url=base_url)
        server.start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    """A running server at the root URL, every plugin without data."""
    return make_server()

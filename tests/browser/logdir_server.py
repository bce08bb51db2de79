"""A torchscope server with its default plugins on a log directory, for the views' browser tests.

Unlike conftest's ``LiveServer`` (fake plugins a test switches on and off), this runs what
``torchscope serve --logdir DIR`` runs: ``create_app(ServerConfig(logdir=...))``.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.runner import bind_socket

FIXTURES = Path("/work/shared/fixtures")
TORCH_LOGDIR = FIXTURES / "tb-logdir-torch"


def expected(logdir: Path) -> dict[str, Any]:
    """What TensorBoard's own reader finds in a fixture log directory (its .expected.json)."""
    data: dict[str, Any] = json.loads(logdir.with_name(logdir.name + ".expected.json").read_text())
    return data


def wait_until_loaded(url: str, timeout_s: float = 60) -> None:
    """Wait until the server has read its logdir once (its plugins then say ``loaded``).

    The store starts reading on the first request; a page opened before it is done would first
    show "no data yet", then its view, which makes tests wait on the shell's re-checks.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        with urllib.request.urlopen(url + "data/plugins_listing", timeout=10) as response:
            listing: dict[str, dict[str, Any]] = json.loads(response.read())
        if all(entry.get("loaded", True) for entry in listing.values()):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not finish reading its logdir in {timeout_s} s")
        time.sleep(0.05)


@contextmanager
def logdir_server(logdir: Path, env_path: Path) -> Iterator[str]:
    """Serve ``logdir`` on a free port of 127.0.0.1; yields the UI's URL (ending in '/')."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    config = ServerConfig(host="127.0.0.1", port=port, env_path=env_path, logdir=str(logdir))
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), log_level="warning", timeout_graceful_shutdown=1)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        if not server.started:
            raise RuntimeError(f"the torchscope server for {logdir} did not start")
        url = f"http://127.0.0.1:{port}/"
        wait_until_loaded(url)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()

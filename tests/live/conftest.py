"""Fixtures for the live tests: servers on free ports, and the real visdom client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live_helpers import RunningServer, start_server


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., RunningServer]]:
    """Start servers (stopped at the end of the test); default env path under tmp_path."""
    started: list[RunningServer] = []

    def make(env_path: Path | None = None, **kwargs: Any) -> RunningServer:
        running = start_server(env_path or tmp_path / "envs", **kwargs)
        started.append(running)
        return running

    yield make
    for running in reversed(started):
        running.stop()


@pytest.fixture
def live_server(server_factory: Callable[..., RunningServer]) -> RunningServer:
    return server_factory()


@pytest.fixture
def vis(live_server: RunningServer) -> Any:
    """The real ``visdom.Visdom`` client connected to the test server."""
    import visdom

    client = visdom.Visdom(server="http://127.0.0.1", port=live_server.port, raise_exceptions=True)
    yield client
    client.use_socket = False  # stop its reconnect loop

"""Fixtures of the logdir tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from torchscope.logdir import LogdirStore, StoreOptions


@pytest.fixture
def open_store() -> Iterator[Callable[..., LogdirStore]]:
    """``open_store(logdir, **options)``: a store (load-once unless told) closed after the test."""
    stores: list[LogdirStore] = []

    def make(logdir: str | Path, **options: Any) -> LogdirStore:
        options.setdefault("reload_interval", 0)
        store = LogdirStore(str(logdir), StoreOptions(**options))
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.close()


@pytest.fixture
def serve_logdir(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """``serve_logdir(logdir, **options)`` -> TestClient of a server whose store has loaded."""
    import warnings
    from contextlib import ExitStack

    from starlette.testclient import TestClient

    from torchscope.logdir.registration import logdir_plugins
    from torchscope.server.app import create_app
    from torchscope.server.config import ServerConfig

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    with ExitStack() as stack:

        def start(logdir: str | Path, **options: Any) -> TestClient:
            options.setdefault("reload_interval", 0.2)
            config = ServerConfig(logdir=str(logdir), env_path=tmp_path / "server-env")
            plugins = logdir_plugins(config, StoreOptions(**options))
            client = stack.enter_context(TestClient(create_app(config, plugins)))
            assert plugins[0].store.wait_until_loaded(timeout=60)  # type: ignore[attr-defined]
            return client

        yield start

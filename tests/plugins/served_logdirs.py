"""Helpers for the logdir plugin tests: fixture paths and an app serving a log directory."""

from __future__ import annotations

import json
import warnings
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from torchscope.logdir import LogdirStore, StoreOptions
from torchscope.logdir.registration import logdir_plugins
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

FIXTURES = Path("/work/shared/fixtures")
FIXTURE_NAMES = ("tb-logdir-torch", "tb-logdir-tensorboardx")

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


def expected_of(name: str) -> dict[str, Any]:
    """What TensorBoard's own reader finds in fixture ``name``."""
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.expected.json").read_text("utf-8"))
    return data


def open_client(
    stack: ExitStack, logdir: str | Path, env_path: Path, **options: Any
) -> tuple[TestClient, LogdirStore]:
    """A TestClient on a server for ``logdir`` whose store has finished its first pass."""
    options.setdefault("reload_interval", 0.2)
    config = ServerConfig(logdir=str(logdir), env_path=env_path)
    plugins = logdir_plugins(config, StoreOptions(**options))
    client = stack.enter_context(TestClient(create_app(config, plugins)))
    store: LogdirStore = plugins[0].store  # type: ignore[attr-defined]
    assert store.wait_until_loaded(timeout=60)
    return client, store

"""The server starts the logdir plugins for --logdir, sharing one store; tabs follow the data."""

from __future__ import annotations

import asyncio
import threading
import time
import warnings
from pathlib import Path

from served_logdirs import FIXTURES
from starlette.testclient import TestClient

from torchscope.events import encode_record, encode_scalar_event
from torchscope.logdir.serving import LogdirPlugin
from torchscope.plugins.base import Plugin
from torchscope.plugins.registry import default_plugins
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")


def test_default_plugins_share_one_store(tmp_path: Path) -> None:
    config = ServerConfig(logdir=str(FIXTURES / "tb-logdir-torch"), env_path=tmp_path / "a")
    plugins = default_plugins(config)
    logdir_plugins = [p for p in plugins if isinstance(p, LogdirPlugin)]
    names = {p.name for p in logdir_plugins}
    assert {"scalars", "images", "histograms", "distributions", "text", "graphs"} <= names
    assert len({id(p.store) for p in logdir_plugins}) == 1
    without = default_plugins(ServerConfig(env_path=tmp_path / "b"))
    assert not any(isinstance(p, LogdirPlugin) for p in without)
    close_all(plugins + without)


def close_all(plugins: list[Plugin]) -> None:
    # In a thread: the browser tests' Playwright keeps an event loop running on this one.
    closer = threading.Thread(target=lambda: [asyncio.run(p.close()) for p in plugins])
    closer.start()
    closer.join()


def test_only_views_with_data_are_enabled_and_the_cache_is_written(tmp_path: Path) -> None:
    logdir = tmp_path / "logs"
    (logdir / "run").mkdir(parents=True)
    (logdir / "run" / "events.out.tfevents.1").write_bytes(
        encode_record(encode_scalar_event("loss", 0.5, 1, 1.7e9))
    )
    config = ServerConfig(logdir=str(logdir), env_path=tmp_path / "env")
    with TestClient(create_app(config)) as client:
        assert client.get("/data/runs").json() == ["run"]
        # The runs are known before their files are read: the listing says when it is loaded.
        deadline = time.monotonic() + 30
        listing = client.get("/data/plugins_listing").json()
        while not listing["scalars"]["loaded"]:
            assert time.monotonic() < deadline, "the logdir did not load"
            time.sleep(0.02)
            listing = client.get("/data/plugins_listing").json()
        assert listing["scalars"]["enabled"] is True
        assert listing["images"]["enabled"] is False
        assert listing["graphs"]["enabled"] is False
    # Closing the server wrote the cache under the env path.
    assert list((tmp_path / "env" / "logdir-cache").rglob("meta.json"))

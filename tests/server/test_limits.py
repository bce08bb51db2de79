"""Request-size limits (``--max-body-mb``) and the page's security headers."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import threading
import time
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
import uvicorn
import websockets.sync.client as ws_client
from starlette.testclient import TestClient
from websockets.exceptions import ConnectionClosed

from torchscope.cli import build_parser, config_from_args
from torchscope.plugins.live import LivePlugin
from torchscope.server.app import create_app
from torchscope.server.body_limit import BodyLimitMiddleware
from torchscope.server.config import DEFAULT_MAX_BODY_BYTES, ServerConfig
from torchscope.server.csp import build_policy, inline_script_hashes
from torchscope.server.runner import bind_socket, uvicorn_config

LIMIT = 4096


def _events_body(content_size: int) -> bytes:
    text = {"eid": "main", "win": "w", "data": [{"content": "x" * content_size, "type": "text"}]}
    return json.dumps(text).encode()


@pytest.fixture
def small_limit(tmp_path: Path) -> Iterator[tuple[TestClient, LivePlugin]]:
    config = ServerConfig(env_path=tmp_path / "envs", max_body_bytes=LIMIT)
    plugin = LivePlugin(config)
    with TestClient(create_app(config, plugins=[plugin])) as client:
        yield client, plugin


def test_declared_oversized_body_is_refused_without_reading_it() -> None:
    reached: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        reached.append("app")

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body must not be read")

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": [(b"content-length", b"200000000")]}
    run_outside_any_loop(BodyLimitMiddleware(app, max_bytes=LIMIT)(scope, receive, send))
    assert reached == []
    assert sent[0]["status"] == 413
    assert b"--max-body-mb" in sent[1]["body"]


def test_oversized_body_is_413_and_stores_nothing(
    small_limit: tuple[TestClient, LivePlugin],
) -> None:
    client, plugin = small_limit
    refused = client.post("/events", content=_events_body(LIMIT))
    assert refused.status_code == 413
    assert "limit is" in refused.text
    assert plugin.store.window("main", "w") is None
    assert client.post("/events", content=_events_body(LIMIT // 2)).status_code == 200
    assert plugin.store.window("main", "w") is not None


def test_streamed_body_without_length_is_counted(
    small_limit: tuple[TestClient, LivePlugin],
) -> None:
    client, plugin = small_limit
    body = _events_body(LIMIT * 4)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            yield body[start : start + 1000]

    refused = client.post("/events", content=chunks())
    assert refused.status_code == 413
    assert plugin.store.window("main", "w") is None


def test_limit_comes_from_the_command_line() -> None:
    default = config_from_args(build_parser().parse_args(["serve"]))
    assert default.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 64 * 1024 * 1024
    half = config_from_args(build_parser().parse_args(["serve", "--max-body-mb", "0.5"]))
    assert half.max_body_bytes == 512 * 1024
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--max-body-mb", "0"])
    with pytest.raises(ValueError, match="max_body_bytes"):
        ServerConfig(max_body_bytes=0)
    with pytest.raises(TypeError, match="max_body_bytes"):
        ServerConfig(max_body_bytes="64")  # type: ignore[arg-type]


def test_websocket_messages_are_capped_like_bodies(tmp_path: Path) -> None:
    config = ServerConfig(env_path=tmp_path / "envs", port=0, max_body_bytes=LIMIT)
    plugin = LivePlugin(config)
    uv_config = uvicorn_config(create_app(config, plugins=[plugin]), config, "warning")
    assert uv_config.ws_max_size == LIMIT
    sock = bind_socket("127.0.0.1", 0)
    server = uvicorn.Server(uv_config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
            time.sleep(0.02)
        url = f"ws://127.0.0.1:{sock.getsockname()[1]}/vis_socket"
        with ws_client.connect(url, max_size=None) as ws:
            assert json.loads(ws.recv(timeout=5))["command"] == "alive"
            ws.send(json.dumps({"cmd": "echo", "data": "x" * (LIMIT * 2)}))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_page_and_api_carry_a_narrow_content_security_policy(
    small_limit: tuple[TestClient, LivePlugin],
) -> None:
    client, _ = small_limit
    page = client.get("/")
    # Visdom's per-step POSTs carry them too (the hot lane's copy: tests/server/test_hot_lane.py).
    append = client.post("/events", content=_events_body(100))
    assert append.status_code == 200
    for answer in (page, client.get("/data/logdir"), append):
        policy = answer.headers["content-security-policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        script_sources = directives["script-src"].split()
        assert script_sources[0] == "'self'"
        assert all(source.startswith("'sha256-") for source in script_sources[1:])
        assert directives["style-src"] == "'self' 'unsafe-inline'"
        assert directives["connect-src"] == "'self'"
        assert directives["frame-ancestors"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert "unsafe-eval" not in policy
        assert answer.headers["x-content-type-options"] == "nosniff"
    if page.status_code == 200:  # the UI is built: its own inline scripts are allowed by hash
        policy = page.headers["content-security-policy"]
        assert all(h in policy for h in inline_script_hashes(page.text))


def test_only_the_pages_own_inline_scripts_are_hashed() -> None:
    page = (
        '<script>applyTheme()</script><script type="module" src="./a.js"></script>'
        "<SCRIPT nonce=x>\n  two()\n</SCRIPT >"
    )
    expected = [
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"
        for text in ("applyTheme()", "\n  two()\n")
    ]
    assert inline_script_hashes(page) == expected
    policy = build_policy(page)
    assert f"script-src 'self' {expected[0]} {expected[1]};" in policy
    assert "script-src 'self';" in build_policy(None)


def test_frame_ancestors_let_a_notebook_frame_the_page(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from torchscope.server.app import create_app
    from torchscope.server.config import ServerConfig

    config = ServerConfig(env_path=tmp_path, frame_ancestors=("http://localhost:*",))
    policy = TestClient(create_app(config, plugins=[])).get("/").headers["content-security-policy"]
    assert "frame-ancestors 'self' http://localhost:*" in policy
    default = ServerConfig(env_path=tmp_path / "b")
    policy = TestClient(create_app(default, plugins=[])).get("/").headers["content-security-policy"]
    assert policy.endswith("frame-ancestors 'self'")


def test_frame_ancestors_must_be_origins(tmp_path: Path) -> None:
    from torchscope.server.config import ServerConfig

    with pytest.raises(ValueError, match="frame_ancestors"):
        ServerConfig(env_path=tmp_path, frame_ancestors=("javascript:alert(1)",))


def run_outside_any_loop(coroutine: Any) -> None:
    """asyncio.run on a fresh thread: the browser tests' Playwright keeps a loop on this one."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as error:
            failure.append(error)

    runner = threading.Thread(target=run)
    runner.start()
    runner.join()
    if failure:
        raise failure[0]

"""``--auth token`` and ``--auth password``: HTTP, WebSockets, login page and Visdom's client."""

from __future__ import annotations

import argparse
import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from torchscope.cli import build_parser, config_from_args
from torchscope.plugins.live import LivePlugin
from torchscope.server.app import create_app
from torchscope.server.config import ServerConfig
from torchscope.server.login_page import login_page_csp
from torchscope.server.passwords import hash_password, verify_password
from torchscope.server.sessions import COOKIE_NAME, SessionSigner

TOKEN = "test-token-123"
PASSWORD = "correct horse battery staple"
EVENTS_BODY = '{"eid": "main", "data": [{"content": "hi", "type": "text"}], "layout": {}}'


def make_config(tmp_path: Path, **fields: Any) -> ServerConfig:
    if fields.get("auth") == "password":
        fields.setdefault("password_hash", hash_password(PASSWORD))
    return ServerConfig(env_path=tmp_path / "envs", **fields)


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """A TestClient over an app with the live plugin; ``https=True`` serves it over HTTPS."""
    clients: list[TestClient] = []

    def make(https: bool = False, **fields: Any) -> TestClient:
        config = make_config(tmp_path, **fields)
        app = create_app(config, plugins=[LivePlugin(config)])
        scheme = "https" if https else "http"
        client = TestClient(app, base_url=f"{scheme}://testserver").__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def test_token_auth_refuses_requests_without_the_token(make_client: Callable[..., TestClient]):
    client = make_client(auth="token", token=TOKEN)
    api = client.get("/data/logdir")
    assert api.status_code == 401
    assert "authentication required" in api.json()["error"]
    visdom_api = client.post("/events", content=EVENTS_BODY)
    assert visdom_api.status_code == 401
    assert visdom_api.headers["content-type"].startswith("text/plain")
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 401
    assert '<form method="post" action="/login">' in page.text
    assert page.headers["content-security-policy"] == login_page_csp()
    assert client.get("/data/logdir", params={"token": "wrong"}).status_code == 401
    assert client.get("/data/logdir", headers={"authorization": "Token wrong"}).status_code == 401


def test_token_in_url_header_or_cookie_lets_in(make_client: Callable[..., TestClient]):
    client = make_client(auth="token", token=TOKEN)
    first = client.get("/data/logdir", params={"token": TOKEN})
    assert first.status_code == 200
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie and "Secure" not in cookie
    # The cookie set by the first visit is enough afterwards.
    assert client.get("/data/logdir").status_code == 200
    client.cookies.clear()
    assert client.get("/data/logdir").status_code == 401
    header = client.get("/data/logdir", headers={"authorization": f"Token {TOKEN}"})
    assert header.status_code == 200
    assert client.post("/events", content=EVENTS_BODY).status_code == 200


def test_token_login_form(make_client: Callable[..., TestClient]):
    client = make_client(auth="token", token=TOKEN, base_url="/vis")
    page = client.get("/vis/", headers={"accept": "text/html"})
    assert 'action="/vis/login"' in page.text
    wrong = client.post("/vis/login", data={"token": "nope", "next": "/vis/"})
    assert wrong.status_code == 401 and "Wrong token" in wrong.text
    assert client.get("/vis/data/logdir").status_code == 401
    good = client.post(
        "/vis/login", data={"token": TOKEN, "next": "/vis/live"}, follow_redirects=False
    )
    assert good.status_code == 303
    assert good.headers["location"] == "/vis/live"
    assert "Path=/vis/" in good.headers["set-cookie"]
    assert client.get("/vis/data/logdir").status_code == 200


def test_login_never_redirects_to_another_site(make_client: Callable[..., TestClient]):
    client = make_client(auth="token", token=TOKEN)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        answer = client.post(
            "/login", data={"token": TOKEN, "next": target}, follow_redirects=False
        )
        assert answer.headers["location"] == "/"
    cross_site = client.post(
        "/login", data={"token": TOKEN}, headers={"origin": "http://evil.example"}
    )
    assert cross_site.status_code == 403


def test_forged_or_foreign_session_cookie_is_refused(make_client: Callable[..., TestClient]):
    client = make_client(auth="token", token=TOKEN)
    other_server = SessionSigner().issue()
    for value in ("1.abc", other_server, ""):
        client.cookies.set(COOKIE_NAME, value)
        assert client.get("/data/logdir").status_code == 401


@pytest.mark.parametrize("value", ["1.\xff", "\xb2.abc", "\xff"])
def test_non_ascii_session_cookie_is_refused_not_a_crash(
    make_client: Callable[..., TestClient], value: str
):
    client = make_client(auth="token", token=TOKEN)
    cookie = {b"cookie": f"{COOKIE_NAME}={value}".encode("latin-1")}
    assert client.get("/data/logdir", headers=cookie).status_code == 401
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/api/ws", headers=cookie):
        pass


def test_health_is_public(make_client: Callable[..., TestClient]):
    client = make_client(auth="token", token=TOKEN)
    assert client.get("/api/health").status_code == 200


@pytest.mark.parametrize("path", ["/api/ws", "/socket", "/vis_socket"])
def test_websockets_need_auth(make_client: Callable[..., TestClient], path: str):
    client = make_client(auth="token", token=TOKEN)
    with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(path):
        pass
    assert refused.value.code == 1008
    with client.websocket_connect(f"{path}?token={TOKEN}") as ws:
        first = ws.receive_json()
    assert first.get("type") == "hello" or first.get("command") in ("register", "alive")


def test_password_login_form_sets_a_session(make_client: Callable[..., TestClient]):
    client = make_client(auth="password", username="ada", https=True)
    assert client.get("/data/logdir").status_code == 401
    page = client.get("/", headers={"accept": "text/html"})
    assert 'name="password"' in page.text and 'name="username"' in page.text
    wrong_name = client.post("/login", data={"username": "bob", "password": PASSWORD})
    assert wrong_name.status_code == 401
    wrong = client.post("/login", data={"username": "ada", "password": "guess"})
    assert wrong.status_code == 401 and "Wrong user name or password" in wrong.text
    good = client.post(
        "/login", data={"username": "ada", "password": PASSWORD}, follow_redirects=False
    )
    assert good.status_code == 303
    assert "Secure" in good.headers["set-cookie"]
    assert client.get("/data/logdir").status_code == 200
    # The test client sends Secure cookies to https:// URLs only, not to its ws:// sockets.
    session = {"cookie": f"{COOKIE_NAME}={client.cookies[COOKIE_NAME]}"}
    with client.websocket_connect("/socket", headers=session) as ws:
        assert ws.receive_json()["command"] == "register"
    logout = client.post("/logout", follow_redirects=False)
    assert "Max-Age=0" in logout.headers["set-cookie"]


def test_password_auth_ignores_tokens(make_client: Callable[..., TestClient]):
    client = make_client(auth="password")
    assert client.get("/data/logdir", params={"token": ""}).status_code == 401
    assert client.get("/data/logdir", headers={"authorization": "Token x"}).status_code == 401


def test_visdom_style_json_login(make_client: Callable[..., TestClient]):
    client = make_client(auth="password", base_url="/vis")
    digest = hashlib.sha256(PASSWORD.encode()).hexdigest()
    assert client.post("/vis", json={"username": "x", "password": "0" * 64}).status_code == 401
    assert client.post("/vis", content=b"not json").status_code == 400
    # Valid JSON that no client sends: a lone surrogate, non-hex text.
    for odd in ('"\\ud800"', '"\u00e9\u00e9"'):
        body = f'{{"username": "x", "password": {odd}}}'.encode()
        assert client.post("/vis", content=body).status_code == 401
    good = client.post("/vis", json={"username": "anyone", "password": digest})
    assert good.status_code == 200
    assert client.post("/vis/events", content=EVENTS_BODY).status_code == 200


def test_password_hash_keeps_no_clear_text() -> None:
    stored = hash_password(PASSWORD)
    assert PASSWORD.encode() not in stored.salt + stored.digest
    assert PASSWORD not in repr(make_config(Path("/tmp"), auth="password"))
    assert verify_password(stored, PASSWORD) and not verify_password(stored, PASSWORD + "!")
    with pytest.raises(ValueError, match="password"):
        hash_password("")


def _parse(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_cli_password_from_env_or_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TORCHSCOPE_PASSWORD", raising=False)
    with pytest.raises(SystemExit, match="TORCHSCOPE_PASSWORD"):
        config_from_args(_parse(["--auth", "password"]))
    monkeypatch.setenv("TORCHSCOPE_PASSWORD", PASSWORD)
    config = config_from_args(_parse(["--auth", "password", "--username", "ada"]))
    assert config.password_hash is not None and verify_password(config.password_hash, PASSWORD)
    assert config.username == "ada"
    secret = tmp_path / "pw"
    secret.write_text("from-file\n")
    from_file = config_from_args(_parse(["--auth", "password", "--password-file", str(secret)]))
    assert from_file.password_hash is not None
    assert verify_password(from_file.password_hash, "from-file")
    with pytest.raises(SystemExit, match="password-file"):
        config_from_args(_parse(["--auth", "password", "--password-file", str(tmp_path / "no")]))


def test_cli_token_appears_in_the_printed_url() -> None:
    config = config_from_args(_parse(["--auth", "token", "--port", "8123"]))
    assert config.token and len(config.token) >= 32
    assert config.login_url() == f"http://localhost:8123/?token={config.token}"
    assert TOKEN not in repr(ServerConfig(auth="token", token=TOKEN))
    plain = config_from_args(_parse([]))
    assert plain.auth == "none" and plain.login_url() == "http://localhost:8097"
    with pytest.raises(SystemExit):
        _parse(["--auth", "kerberos"])


# --- the real visdom client against a real server -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def password_server(tmp_path: Path) -> Iterator[ServerConfig]:
    config = make_config(tmp_path, auth="password", port=_free_port())
    app = create_app(config, plugins=[LivePlugin(config)])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=config.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    yield config
    server.should_exit = True
    thread.join(timeout=10)


def test_real_visdom_client_logs_in(password_server: ServerConfig) -> None:
    import visdom

    Visdom: Any = visdom.Visdom  # its type hints predate username/password
    port = password_server.port
    with pytest.raises(RuntimeError, match="Authentication failed"):
        wrong = Visdom(port=port, username="me", password="wrong", use_incoming_socket=False)
        assert wrong.session is None  # the property logs in, and raises here

    vis = Visdom(
        server="http://127.0.0.1", port=port, username="me", password=PASSWORD,
        raise_exceptions=True,
    )  # fmt: skip
    try:
        assert vis.check_connection(timeout_seconds=10)
        win = vis.text("logged in", env="main")
        assert vis.win_exists(win, env="main")
        deadline = time.monotonic() + 10
        while not vis.socket_alive and time.monotonic() < deadline:
            time.sleep(0.05)
        assert vis.socket_alive, "the client's /vis_socket was refused"
    finally:
        vis.use_socket = False

    anonymous = httpx.post(f"http://127.0.0.1:{port}/win_exists", json={"win": win})
    assert anonymous.status_code == 401

"""The dashboard under ``--auth token``, ``--auth password`` and ``--readonly``, in Chromium.

Each server is a real process started as users start it, and pages open the URL it prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

pytestmark = pytest.mark.browser

#: The ``server_process`` fixture (tests/conftest.py): ``with server_process(env, *flags) as url``.
ServeProcess = Callable[..., AbstractContextManager[str]]
PASSWORD = "correct horse battery staple"
USERNAME = "alice"
#: A process start on a loaded 2-core machine, then the page's first connection.
START_MS = 20_000


def origin_of(url: str) -> str:
    """``http://localhost:PORT`` of a printed URL (whatever follows the port)."""
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


def visdom_client(origin: str, **options: Any) -> Any:
    """Visdom's own client on ``origin``, without its event socket.

    Untyped, as its users use it: its type stubs lack the login arguments.
    """
    import visdom

    make: Any = visdom.Visdom
    host, port = origin.rsplit(":", 1)
    return make(
        server=host, port=int(port), use_incoming_socket=False, raise_exceptions=True, **options
    )


def write_text(origin: str, env: str, win: str, text: str, **request: Any) -> None:
    """What ``vis.text(text, win=win, env=env)`` sends; ``request`` adds headers or cookies."""
    body = {"data": [{"content": text, "type": "text"}], "win": win, "eid": env, "opts": {}}
    answer = httpx.post(f"{origin}/events", content=json.dumps(body), **request)
    assert answer.status_code == 200, answer.text


def open_live_env(page: Page, origin: str, env: str) -> Locator:
    # A full load: a hash-only change while the app is still starting (just after the login)
    # can race with the Live view writing its first env into the hash.
    page.goto("about:blank")
    page.goto(f"{origin}/#/live?env={env}")
    grid = page.locator(".live-grid")
    expect(grid).to_have_attribute("data-loaded", f"env:{env}", timeout=START_MS)
    return grid


def pane(page: Page, win: str) -> Locator:
    return page.locator(f'.live-pane[data-window-id="{win}"]')


def socket_outcome(page: Page, path: str) -> dict[str, Any]:
    """Open a WebSocket on ``path`` from the page: the messages it got and its close code."""
    outcome: dict[str, Any] = page.evaluate(
        """path => new Promise(resolve => {
            const url = new URL(path, location.href);
            url.protocol = url.protocol.replace('http', 'ws');
            const socket = new WebSocket(url);
            const messages = [];
            socket.onmessage = event => messages.push(event.data);
            socket.onclose = event => resolve({messages, code: event.code});
            setTimeout(() => { socket.close(); resolve({messages, code: 'open'}); }, 5000);
        })""",
        path,
    )
    return outcome


def test_token_url_opens_the_app_and_its_live_socket(
    page: Page, browser: Browser, tmp_path: Path, server_process: ServeProcess
) -> None:
    with server_process(tmp_path / "envs", "--auth", "token") as url:
        assert "/?token=" in url
        origin = origin_of(url)
        token = url.split("token=", 1)[1]
        write_text(origin, "secret", "note", "for token holders", params={"token": token})

        # The printed URL: the app renders, its status socket and the Live socket connect.
        response = page.goto(url)
        assert response is not None and response.status == 200
        expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=START_MS)
        expect(page.locator(".connection")).to_have_attribute("data-state", "connected")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        open_live_env(page, origin, "secret")
        expect(pane(page, "note")).to_contain_text("for token holders")
        expect(page.locator(".live-status")).to_have_attribute("data-state", "connected")
        expect(page.locator(".live-status")).to_contain_text("Live")

        # A browser without the token gets the login page and no data, over HTTP or sockets.
        # (bypass_csp: the login page allows no script requests at all; the probes below
        # test what the server answers, not the page's policy.)
        stranger = browser.new_context(bypass_csp=True)
        try:
            other = stranger.new_page()
            refused = other.goto(origin + "/")
            assert refused is not None and refused.status == 401
            expect(other.get_by_label("Token")).to_be_visible()
            expect(other.locator(".topbar")).to_have_count(0)
            envs = other.evaluate(
                "fetch('/data/plugin/live/envs').then(r => r.text().then(t => [r.status, t]))"
            )
            assert envs[0] == 401 and "secret" not in envs[1]
            for path in ("/socket", "/api/ws"):
                outcome = socket_outcome(other, path)
                assert outcome["messages"] == [] and outcome["code"] != "open", path
            # A wrong token in the URL is no better.
            wrong = other.goto(f"{origin}/?token=not-{token}")
            assert wrong is not None and wrong.status == 401
        finally:
            stranger.close()


def test_password_login_page_error_login_live_and_logout(
    page: Page, tmp_path: Path, server_process: ServeProcess
) -> None:
    args = ("--auth", "password", "--username", USERNAME)
    with server_process(tmp_path / "envs", *args, password=PASSWORD) as url:
        origin = origin_of(url)
        # Visdom's own client logs in with the same user name and password, then writes.
        vis = visdom_client(origin, username=USERNAME, password=PASSWORD)
        vis.text("written by a logged-in client", win="hello", env="team")

        first = page.goto(f"{origin}/#/live?env=team")
        assert first is not None and first.status == 401
        expect(page.get_by_role("heading", name="torchscope")).to_be_visible()
        page.get_by_label("User name").fill(USERNAME)
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
        assert [c for c in page.context.cookies() if c["name"] == "user_password"] == []

        page.get_by_label("User name").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=START_MS)
        (cookie,) = [c for c in page.context.cookies() if c["name"] == "user_password"]
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # HttpOnly: script cannot read it

        open_live_env(page, origin, "team")
        expect(pane(page, "hello")).to_contain_text("written by a logged-in client")
        expect(page.locator(".connection")).to_have_attribute("data-state", "connected")
        expect(page.locator(".live-status")).to_have_attribute("data-state", "connected")

        # The top bar's logout ends the session and lands on the login page.
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_label("Password")).to_be_visible()
        assert [c for c in page.context.cookies() if c["name"] == "user_password"] == []
        again = page.goto(origin + "/")
        assert again is not None and again.status == 401
        answer = httpx.get(f"{origin}/data/plugins_listing", cookies={"user_password": "x"})
        assert answer.status_code == 401


def test_readonly_page_refuses_closing_and_editing_and_says_so(
    page: Page, tmp_path: Path, server_process: ServeProcess
) -> None:
    env_path = tmp_path / "envs"
    # A writing server first, then a read-only one on its data.
    with server_process(env_path) as url:
        origin = origin_of(url)
        vis = visdom_client(origin)
        vis.text("stays", win="note", env="ro")
        vis.properties(
            [{"type": "text", "name": "learning rate", "value": "0.1"}], win="props", env="ro"
        )

    with server_process(env_path, "--readonly") as url:
        origin = origin_of(url)
        open_live_env(page, origin, "ro")
        expect(page.get_by_role("banner").get_by_text("read-only")).to_be_visible()
        expect(page.locator(".live-status")).to_contain_text("read-only")
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)  # no --auth

        # The close button is disabled and hidden; property fields are disabled.
        close = pane(page, "note").locator(".live-pane-close")
        expect(close).to_be_disabled()
        expect(close).to_be_hidden()
        rate = pane(page, "props").get_by_role("textbox", name="learning rate")
        expect(rate).to_be_disabled()
        # Disabled controls say why when pointed at.
        expect(rate).to_have_attribute("title", re.compile("read-only"))
        save = page.locator(".live-menu summary", has_text="Save / fork")
        expect(save).to_have_attribute("title", re.compile("read-only"))

        # What the page would send is refused by the server too: HTTP says why, the socket
        # ignores the command, and the window is still there for the next page.
        answer = page.evaluate(
            """() => fetch('/close', {
                    method: 'POST', body: JSON.stringify({eid: 'ro', win: 'note'}),
                }).then(r => r.text().then(t => [r.status, t]))"""
        )
        assert answer == [403, "this server is read-only"]
        page.evaluate(
            """() => new Promise(resolve => {
                const socket = new WebSocket(location.origin.replace('http', 'ws') + '/socket');
                socket.onopen = () => {
                    socket.send(JSON.stringify({cmd: 'close', data: 'note', eid: 'ro'}));
                    setTimeout(() => { socket.close(); resolve(null); }, 300);
                };
            })"""
        )
        page.reload()
        expect(page.locator(".live-grid")).to_have_attribute("data-loaded", "env:ro")
        expect(pane(page, "note")).to_contain_text("stays")
        assert json.loads(vis_window_exists(origin, "ro", "note")) is True


def vis_window_exists(origin: str, env: str, win: str) -> str:
    """Visdom's ``/win_exists`` answer (``true`` or ``false``)."""
    return httpx.post(f"{origin}/win_exists", content=json.dumps({"win": win, "eid": env})).text

"""Visdom's HTTP API, at the server's root (under the base URL).

Same paths, request bodies and response bodies as Visdom, so its Python client works unchanged.
Bodies are parsed as JSON whatever their Content-Type (the client sends none). Where Visdom
answered 500 with an empty body, torchscope answers 4xx with a one-line reason, and the
stored data is unchanged. In read-only mode every write is refused with 403 (Visdom's
``-readonly`` only silenced the page's commands and still let the HTTP API write).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send

from torchscope.live import LiveStore, RequestError, jsonio
from torchscope.live.model import new_window_id
from torchscope.live.names import env_id
from torchscope.plugins.live.compare import compare_messages
from torchscope.plugins.live.hub import Hub
from torchscope.plugins.live.origin import is_cross_site

ApiFunction = Callable[[dict[str, Any], bytes, Request], Response]


def _path_env_id(value: str) -> str:
    """An env id taken from the URL path; a bad one is the client's error (400), not ours."""
    try:
        return env_id(value)
    except ValueError as exc:
        raise RequestError(str(exc)) from None


def _text(value: str, status: int = 200) -> Response:
    return PlainTextResponse(value, status_code=status)


def _json(value: Any) -> Response:
    return Response(jsonio.dumps(value), media_type="application/json")


class JsonEndpoint:
    """One API path as a bare ASGI app (behaves as a Starlette endpoint would, errors
    included), whose synchronous ``answer`` the server's hot lane also calls directly for
    plain per-step POSTs (``server/hot_lane.py``)."""

    def __init__(self, fn: ApiFunction, *, writes: bool, readonly: bool) -> None:
        self.fn = fn
        self.refuse_writes = writes and readonly

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._respond(scope, receive)
        await response(scope, receive, send)

    async def _respond(self, scope: Scope, receive: Receive) -> Response:
        # Python clients send no Origin: build the header map only when there is one.
        if any(name == b"origin" for name, _ in scope["headers"]) and is_cross_site(
            Headers(scope=scope)
        ):
            return _text("cross-site requests are refused", 403)
        body = await _read_body(receive)
        if body is None:
            return _text("client disconnected", 400)
        return self.answer(body, scope)

    def answer(self, body: bytes, scope: Scope) -> Response:
        """The response to a request with this ``body``, once the request's origin is known to
        be acceptable (the server's hot lane calls this directly, see server/hot_lane.py)."""
        try:
            msg = jsonio.loads(body) if body and not body.isspace() else {}
        except jsonio.BadJSON as exc:
            return _text(str(exc), 400)
        if not isinstance(msg, dict):
            return _text("request body must be a JSON object", 400)
        if self.refuse_writes:
            return _text("this server is read-only", 403)
        try:
            return self.fn(msg, body, Request(scope))
        except RequestError as exc:
            return _text(str(exc), exc.status)


async def _read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client went away first."""
    message = await receive()
    if message["type"] != "http.request":
        return None
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        return body
    parts = [body]
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(parts)


class LiveApi:
    """The handlers, bound to one store and hub."""

    def __init__(self, store: LiveStore, hub: Hub, readonly: bool, env_path: Path) -> None:
        self.store = store
        self.hub = hub
        self.readonly = readonly
        self.env_path = env_path

    def endpoint(
        self, fn: Callable[[dict[str, Any], bytes, Request], Response], *, writes: bool
    ) -> JsonEndpoint:
        """``fn`` as an ASGI app, with body parsing, read-only and cross-site refusal, and
        4xx errors."""
        return JsonEndpoint(fn, writes=writes, readonly=self.readonly)

    # --- windows -------------------------------------------------------------------------

    def events(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        meta = {"win": new_window_id()} if msg.get("win") is None else {}
        return _text(str(self.store.execute("events", msg, body, **meta)))

    def update(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        return _text(str(self.store.execute("update", msg, body)))

    def close(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        self.store.execute("close", msg, body)
        return _text("")

    def win_exists(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        return _text("true" if self.store.win_exists(msg) else "false")

    def win_data(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        if "data" in msg:
            if self.readonly:
                return _text("this server is read-only", 403)
            self.store.execute("win_data_set", msg, body)
            return _text("")
        return _json(self.store.win_data(msg))

    def win_hash(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        digest = self.store.win_hash(msg)
        return _text(digest if digest is not None else "false")

    # --- envs ----------------------------------------------------------------------------

    def env(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        path_eid = request.path_params["eid"]
        if "sid" in msg:  # a page selecting the env to view
            sub = self.hub.subs.get(str(msg["sid"]))
            if sub is None:
                raise RequestError("unknown socket id", 404)
            self.hub.show_env(sub, _path_env_id(path_eid))
            return _text("")
        if self.readonly:
            return _text("this server is read-only", 403)
        self.store.execute("env_create", {"eid": msg.get("eid", path_eid)})
        return _text("")

    def compare(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        eids = [_path_env_id(e) for e in request.path_params["eids"].split("+") if e]
        sub = self.hub.subs.get(str(msg.get("sid")))
        if sub is None:
            raise RequestError("compare needs the 'sid' of a page's socket", 404)
        self.hub.show_messages(sub, eids, compare_messages(self.store, eids))
        return _text("")

    def delete_env(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        self.store.execute("delete_env", msg, body)
        return _text("")

    def save(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        return _json(self.store.save(msg.get("data")))

    def fork_env(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        return _text(str(self.store.execute("fork_env", msg, body)))

    def env_state(self, msg: dict[str, Any], body: bytes, request: Request) -> Response:
        return _json(self.store.env_ids())

    # --- user CSS ------------------------------------------------------------------------

    async def user_style(self, request: Request) -> Response:
        """``$XDG_CONFIG_HOME/visdom/style.css`` then ``<env_path>/style.css``."""
        config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        parts = []
        for path in (config_home / "visdom" / "style.css", self.env_path / "style.css"):
            try:
                parts.append(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
        return Response("\n".join(parts), media_type="text/css")

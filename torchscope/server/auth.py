"""Who may use the server: ``--auth none|token|password`` as one ASGI middleware.

Every HTTP request and WebSocket is let in when it carries one of:

* a valid session cookie (set by a login, or by the first request that carried the token);
* with ``--auth token``: the token, as ``?token=...`` or an ``Authorization: Token ...`` header.

Anything else gets 401: the login page for a browser asking for a page, a short JSON or text
reason for the API, and a refused handshake for WebSockets. Logins:

* ``POST <base>/login`` from the login page's form (token, or user name and password);
* ``POST <base>/`` with ``{"username", "password": sha256(password) hex}``: Visdom's client.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchscope.plugins.live.origin import is_cross_site
from torchscope.server.config import ServerConfig
from torchscope.server.login_page import login_page, login_page_csp
from torchscope.server.passwords import verify_client_digest, verify_password
from torchscope.server.sessions import COOKIE_NAME, SessionSigner, session_cookie_header

#: Paths (under the base URL) anyone may fetch: a health probe and the tab icon.
PUBLIC_PATHS = frozenset({"/api/health", "/favicon.svg"})
#: Login bodies are a few fields; anything larger is not a login.
MAX_LOGIN_BODY = 16 * 1024
#: Pause after a failed login, so guessing is slow without blocking other requests.
FAILED_LOGIN_DELAY_S = 0.25

_UNAUTHORIZED = "authentication required: log in, or pass the token printed at start"


def cookie_has_session(cookie_header: str, signer: SessionSigner) -> bool:
    """Whether a ``Cookie`` header holds a session ``signer`` issued and still honours."""
    for part in cookie_header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and signer.is_valid(value):
            return True
    return False


class AuthMiddleware:
    """Let in authenticated requests and WebSockets; answer logins; refuse the rest."""

    def __init__(self, app: ASGIApp, config: ServerConfig, signer: SessionSigner | None = None):
        if config.auth not in ("token", "password"):
            raise ValueError(f"AuthMiddleware needs auth 'token' or 'password', got {config.auth}")
        self.app = app
        self.config = config
        self.signer = signer or SessionSigner()
        self.base_url = config.base_url

    # --- entry point ---------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = self._relative_path(scope["path"])
        if scope["type"] == "http" and scope["method"] == "POST":
            if path == "/login":
                await self._form_login(scope, receive, send)
                return
            if path in ("", "/") and self.config.auth == "password":
                await self._visdom_login(scope, receive, send)
                return
            if path == "/logout":
                await self._logout(scope, send)
                return
        headers = Headers(scope=scope)
        if path in PUBLIC_PATHS or self._has_session(headers):
            await self.app(scope, receive, send)
        elif self._carries_token(scope, headers):
            await self.app(scope, receive, self._with_session_cookie(scope, send))
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": "unauthorized"})
        else:
            await self._refuse(scope, path, headers, send)

    # --- credentials ---------------------------------------------------------------------

    def _relative_path(self, path: str) -> str:
        if self.base_url and (path == self.base_url or path.startswith(self.base_url + "/")):
            return path[len(self.base_url) :]
        return path

    def _has_session(self, headers: Headers) -> bool:
        return cookie_has_session(headers.get("cookie", ""), self.signer)

    def _token_matches(self, given: str | None) -> bool:
        token = self.config.token
        if self.config.auth != "token" or not token or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8", "replace"), token.encode("utf-8"))

    def _carries_token(self, scope: Scope, headers: Headers) -> bool:
        scheme, _, value = headers.get("authorization", "").partition(" ")
        if scheme.lower() in ("token", "bearer") and self._token_matches(value.strip()):
            return True
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return any(self._token_matches(given) for given in query.get("token", []))

    # --- responses -----------------------------------------------------------------------

    def _cookie_header(self, scope: Scope, value: str, max_age: int | None = None) -> bytes:
        secure = scope.get("scheme") in ("https", "wss")
        path = self.base_url + "/"
        if max_age is None:
            return session_cookie_header(value, path=path, secure=secure)
        return session_cookie_header(value, path=path, secure=secure, max_age=max_age)

    def _with_session_cookie(self, scope: Scope, send: Send) -> Send:
        """``send`` that also sets a session cookie, so the token need not be sent again."""
        if scope["type"] != "http":
            return send
        cookie = self._cookie_header(scope, self.signer.issue())

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie)]
            await send(message)

        return send_with_cookie

    async def _refuse(self, scope: Scope, path: str, headers: Headers, send: Send) -> None:
        wants_page = scope["method"] == "GET" and "text/html" in headers.get("accept", "")
        if wants_page and not path.startswith(("/api/", "/data/", "/assets/")):
            page = login_page(
                mode=self.config.auth, base_url=self.base_url, next_path=scope["path"]
            )
            await _respond(
                send,
                401,
                page,
                "text/html; charset=utf-8",
                csp=login_page_csp(self.config.frame_ancestors),
            )
        elif path.startswith(("/api/", "/data/")):
            body = json.dumps({"error": _UNAUTHORIZED})
            await _respond(send, 401, body, "application/json")
        else:
            await _respond(send, 401, _UNAUTHORIZED, "text/plain; charset=utf-8")

    # --- logins --------------------------------------------------------------------------

    async def _form_login(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if is_cross_site(headers):
            await _respond(send, 403, "cross-site logins are refused", "text/plain")
            return
        body = await _read_small_body(receive, MAX_LOGIN_BODY)
        fields = parse_qs(body.decode("utf-8", "replace")) if body is not None else {}
        form = {name: values[0] for name, values in fields.items() if values}
        if await self._form_is_valid(form):
            target = self._safe_next(form.get("next", ""))
            headers_out = [
                (b"location", target.encode("utf-8")),
                (b"set-cookie", self._cookie_header(scope, self.signer.issue())),
            ]
            await _respond(send, 303, "", "text/plain", extra=headers_out)
            return
        await asyncio.sleep(FAILED_LOGIN_DELAY_S)
        error = "Wrong token." if self.config.auth == "token" else "Wrong user name or password."
        page = login_page(
            mode=self.config.auth,
            base_url=self.base_url,
            next_path=self._safe_next(form.get("next", "")),
            error=error,
        )
        await _respond(
            send,
            401,
            page,
            "text/html; charset=utf-8",
            csp=login_page_csp(self.config.frame_ancestors),
        )

    async def _form_is_valid(self, form: dict[str, str]) -> bool:
        if self.config.auth == "token":
            return self._token_matches(form.get("token"))
        if not self._username_matches(form.get("username")):
            return False
        stored = self.config.password_hash
        password = form.get("password", "")
        if stored is None or not password:
            return False
        return await asyncio.to_thread(verify_password, stored, password)

    async def _visdom_login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_small_body(receive, MAX_LOGIN_BODY)
        try:
            message: Any = json.loads(body) if body else None
        except ValueError:
            message = None
        if not isinstance(message, dict):
            reason = "login needs a JSON object {username, password}"
            await _respond(send, 400, reason, "text/plain")
            return
        stored = self.config.password_hash
        digest = message.get("password")
        ok = (
            stored is not None
            and self._username_matches(message.get("username"))
            and isinstance(digest, str)
            and await asyncio.to_thread(verify_client_digest, stored, digest)
        )
        if not ok:
            await asyncio.sleep(FAILED_LOGIN_DELAY_S)
            await _respond(send, 401, "wrong user name or password", "text/plain")
            return
        cookie = self._cookie_header(scope, self.signer.issue())
        await _respond(send, 200, "", "text/plain", extra=[(b"set-cookie", cookie)])

    def _username_matches(self, given: object) -> bool:
        expected = self.config.username
        if not expected:
            return True
        return isinstance(given, str) and hmac.compare_digest(
            given.encode("utf-8", "replace"), expected.encode("utf-8")
        )

    async def _logout(self, scope: Scope, send: Send) -> None:
        expired = self._cookie_header(scope, "", max_age=0)
        location = (self.base_url + "/").encode("utf-8")
        await _respond(
            send, 303, "", "text/plain", extra=[(b"location", location), (b"set-cookie", expired)]
        )

    def _safe_next(self, target: str) -> str:
        """Where to go after logging in: a path of this site only (never another host)."""
        home = self.base_url + "/"
        if (
            not target.startswith(home)
            or target.startswith("//")
            or "\\" in target
            or any(ord(ch) < 32 for ch in target)
        ):
            return home
        return target


async def _read_small_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or None once it passes ``limit`` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send: Send,
    status: int,
    body: str,
    content_type: str,
    *,
    csp: str | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = body.encode("utf-8")
    headers = [
        (b"content-type", content_type.encode("latin-1")),
        (b"content-length", str(len(data)).encode("latin-1")),
        (b"cache-control", b"no-store"),
        *(extra or []),
    ]
    if csp is not None:
        headers.append((b"content-security-policy", csp.encode("latin-1")))
    if status == 401:
        headers.append((b"www-authenticate", b'Token realm="torchscope"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})

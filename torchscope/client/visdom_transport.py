"""How ``torchscope.Visdom`` talks to the server: HTTP, a background sender, the event socket.

The HTTP side is one keep-alive connection per client, guarded by a lock and reopened once if
the server closed it while idle: ``visdom_http.KeepAliveConnection`` for plain HTTP (one system
call per request), the standard library's ``http.client`` through a proxy or over HTTPS.
Request bodies are orjson-encoded straight from numpy arrays; NaN becomes ``null`` as in
Visdom's client.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import orjson

from torchscope.client.visdom_http import ANSWER_POLL_S, KeepAliveConnection, StaleConnection

log = logging.getLogger("torchscope.client")

_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _encode_default(value: Any) -> Any:
    if isinstance(value, np.ndarray):  # dtypes orjson does not take (float16, objects...)
        if value.dtype.kind == "f":
            return np.ascontiguousarray(value, dtype=np.float64)
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot send a {type(value).__name__} to the server")


def encode(message: Any) -> bytes:
    """JSON bytes for a request (numpy arrays written directly; NaN and ±Inf as null)."""
    return orjson.dumps(message, option=_JSON_OPTIONS, default=_encode_default)


class ServerUnreachable(ConnectionError):
    """The server did not answer (Visdom's client raises ConnectionError too)."""


class HttpTransport:
    """POSTs JSON bodies to ``{server}:{port}{base_url}/{endpoint}`` over one connection."""

    def __init__(
        self,
        server: str,
        port: int,
        base_url: str,
        proxies: dict[str, str] | None,
        timeout: float = 60.0,
    ) -> None:
        parsed = urlsplit(server if "://" in server else "http://" + server)
        self.scheme = parsed.scheme or "http"
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or port
        self.base_url = base_url
        self.timeout = timeout
        proxy = (proxies or {}).get(self.scheme)
        self.proxy = urlsplit(proxy if "://" in proxy else "http://" + proxy) if proxy else None
        self.cookie = ""
        self._conn: http.client.HTTPConnection | None = None
        self._fast = (
            KeepAliveConnection(self.host, self.port, timeout)
            if self.scheme == "http" and self.proxy is None
            else None
        )
        self._lock = threading.Lock()

    @property
    def root(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.base_url}"

    def _connect(self) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        if self.proxy is not None:
            return kind(self.proxy.hostname or "", self.proxy.port, timeout=self.timeout)
        return kind(self.host, self.port, timeout=self.timeout)

    def post(self, endpoint: str, body: bytes, waiting: bool = True) -> str:
        """POST ``body`` and return the response text; raises ServerUnreachable.

        ``waiting``: the caller waits for the answer (a training loop's synchronous call), so
        the connection polls for it briefly before sleeping; the background sender passes
        False, it must not take CPU from the training loop.
        """
        path = f"{self.base_url}/{endpoint}" if endpoint else self.base_url or "/"
        with self._lock:
            if self._fast is not None:
                poll_s = ANSWER_POLL_S if waiting else 0.0
                status, text, cookie = self._post_fast(path, body, poll_s)
            else:
                status, text, cookie = self._post_http_client(path, body)
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        if status >= 400:
            log.warning("%s answered %d: %s", endpoint, status, text)
        return text

    def _unreachable(self, exc: BaseException) -> ServerUnreachable:
        return ServerUnreachable(f"cannot reach the Visdom server at {self.root}: {exc}")

    def _post_fast(self, path: str, body: bytes, poll_s: float) -> tuple[int, str, str | None]:
        assert self._fast is not None
        for attempt in (0, 1):
            try:
                response = self._fast.post(path, body, self.cookie, poll_s)
            except StaleConnection as exc:  # closed while idle: it never saw this request
                if attempt == 1:
                    raise self._unreachable(exc) from exc
                continue
            except OSError as exc:
                raise self._unreachable(exc) from exc
            text = response.body.decode("utf-8", errors="replace")
            return response.status, text, response.headers.get("set-cookie")
        raise AssertionError("unreachable")

    def _post_http_client(self, path: str, body: bytes) -> tuple[int, str, str | None]:
        # Through a proxy the request line carries the absolute URL.
        target = self.root[: len(self.root) - len(self.base_url)] + path if self.proxy else path
        headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in (0, 1):
            try:
                if self._conn is None:
                    self._conn = self._connect()
                self._conn.request("POST", target, body=body, headers=headers)
                response = self._conn.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                return response.status, text, response.getheader("Set-Cookie")
            except (OSError, http.client.HTTPException) as exc:
                if self._conn is not None:
                    self._conn.close()
                self._conn = None
                if attempt == 1 or isinstance(exc, ConnectionRefusedError):
                    raise self._unreachable(exc) from exc
        raise AssertionError("unreachable")

    def login(self, username: str, password: str) -> None:
        """Visdom's login: the password's sha256 goes to the server root."""
        digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
        body = json.dumps({"username": username, "password": digest}).encode()
        self.post("", body)
        if not self.cookie:
            raise RuntimeError("Authentication failed")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            if self._fast is not None:
                self._fast.close()


class EventSocket:
    """``/vis_socket``: receives pane events and hands them to registered handlers."""

    def __init__(
        self, url: str, on_event: Callable[[dict[str, Any]], None], cookie: Callable[[], str]
    ) -> None:
        self.url = url
        self.alive = threading.Event()
        self.refused = False
        self._on_event = on_event
        self._cookie = cookie
        self._running = True
        self._ws: Any = None
        self._thread = threading.Thread(
            target=self._run, name="torchscope-visdom-socket", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        from websockets.sync.client import connect

        ever_connected = False
        while self._running:
            try:
                headers = {"Cookie": self._cookie()} if self._cookie() else None
                with connect(
                    self.url, additional_headers=headers, open_timeout=10, max_size=None
                ) as ws:
                    ever_connected = True
                    self._ws = ws
                    for text in ws:
                        self._handle(text)
                        if not self._running:
                            break
            except ConnectionRefusedError:
                if not ever_connected:
                    self.refused = True  # no server socket: run without events, as Visdom does
                    return
            except Exception as exc:  # reconnect after any socket failure
                log.debug("event socket: %s", exc)
            self.alive.clear()
            if self._running:
                time.sleep(3)

    def _handle(self, text: str | bytes) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if message.get("command") == "alive":
            self.alive.set()
        if "target" in message:
            self._on_event(message)

    def stop(self) -> None:
        self._running = False
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()

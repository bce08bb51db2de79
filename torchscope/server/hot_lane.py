"""A lane inside the HTTP protocol for the POSTs a training loop makes every step.

A synchronous ``vis.line(..., update='append')`` waits for one round trip. On a small machine
uvicorn's per-request machinery (an ASGI scope, a request/response cycle, an asyncio task, an
event per body part, the middleware's wrapped ``send`` and ``receive``) costs several times
what the store does with the point. So a *plain* request to a hot path (Visdom's ``/update``
and ``/events``) is answered inside the protocol, synchronously, as soon as its body is in: the
same handler, the same headers, the same status codes.

Plain means a request every middleware layer would pass straight through to the handler: a
POST to exactly a hot path, with a declared length within the body limit, no ``Origin`` (a
browser's request, checked for cross-site use by the handler's full path), no
``Expect``/``Upgrade``/chunked body, and, when the server asks for authentication, a valid
session cookie. Anything else (a token still to be swapped for a cookie, a missing session, a
request queued behind one still being answered, a client not reading its answers) takes
uvicorn's usual path through the whole app, so the lane never has to reproduce a refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar, cast

from starlette.responses import PlainTextResponse
from starlette.types import Scope
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from torchscope.plugins.base import HotPost
from torchscope.server.auth import cookie_has_session
from torchscope.server.csp import PagePolicy
from torchscope.server.security_headers import add_security_headers
from torchscope.server.sessions import SessionSigner

log = logging.getLogger("torchscope.server")

#: Bodies larger than this take the usual path, with its flow control (a per-step POST is small).
LANE_MAX_BODY = 1024 * 1024
#: Headers that make a request something other than a plain POST.
_NOT_PLAIN = frozenset({b"origin", b"transfer-encoding", b"expect", b"upgrade"})


class HotLane:
    """Which requests the lane may answer, and the answer's bytes."""

    def __init__(
        self,
        endpoints: Mapping[str, HotPost],
        *,
        policy: PagePolicy,
        max_body_bytes: int,
        signer: SessionSigner | None,
    ) -> None:
        """``endpoints``: full paths (base URL included). ``signer``: the server's session
        signer when it asks for authentication, else None."""
        self.endpoints = {path.encode("ascii"): endpoint for path, endpoint in endpoints.items()}
        self.policy = policy
        self.max_body = min(max_body_bytes, LANE_MAX_BODY)
        self.signer = signer
        #: Requests answered in the lane so far.
        self.answered = 0

    def endpoint_for(
        self, method: bytes, url: bytes, headers: list[tuple[bytes, bytes]]
    ) -> HotPost | None:
        """The endpoint that answers this request in the lane, or None for the usual path.

        ``url`` is the raw request target: one with a query string or escapes misses the table
        and goes the usual way. ``headers`` have lower-case names.
        """
        if method != b"POST":
            return None
        endpoint = self.endpoints.get(url)
        if endpoint is None:
            return None
        length = -1
        let_in = self.signer is None
        for name, value in headers:
            if name == b"content-length":
                length = int(value) if value.isdigit() else -1
            elif name in _NOT_PLAIN:
                return None
            elif name == b"cookie" and not let_in and self.signer is not None:
                let_in = cookie_has_session(value.decode("latin-1"), self.signer)
        if not 0 <= length <= self.max_body or not let_in:
            return None
        return endpoint

    def answer(
        self,
        endpoint: HotPost,
        body: bytes,
        scope: Scope,
        default_headers: list[tuple[bytes, bytes]],
        keep_alive: bool,
    ) -> bytes:
        """The whole HTTP answer (status line, headers, body) to one lane request."""
        self.answered += 1
        try:
            response = endpoint.answer(body, scope)
        except Exception:  # what Starlette's ServerErrorMiddleware does on the usual path
            log.exception("error answering %s", scope.get("path"))
            response = PlainTextResponse("Internal Server Error", status_code=500)
        headers = [*default_headers, *response.raw_headers]
        add_security_headers(headers, self.policy)
        if not keep_alive:
            headers.append((b"connection", b"close"))
        parts = [STATUS_LINE[response.status_code]]
        for name, value in headers:
            parts += (name, b": ", value, b"\r\n")
        parts += (b"\r\n", bytes(response.body))
        return b"".join(parts)


class LaneProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering plain hot-path POSTs itself (see the module
    docstring). Subclassed per server by :func:`lane_protocol`, which sets ``hot_lane``."""

    hot_lane: ClassVar[HotLane]
    _lane_endpoint: HotPost | None = None
    _lane_body: bytearray
    _lane_keep_alive = True

    def on_headers_complete(self) -> None:
        self._lane_endpoint = None
        idle = (self.cycle is None or self.cycle.response_complete) and not self.pipeline
        # With an access log every request must go through the cycle that writes it.
        if idle and not self.access_log and not self.flow.write_paused:
            endpoint = self.hot_lane.endpoint_for(self.parser.get_method(), self.url, self.headers)
            if endpoint is not None:
                self._lane_endpoint = endpoint
                self._lane_body = bytearray()
                self._lane_keep_alive = (
                    self.parser.get_http_version() != "1.0" and self.parser.should_keep_alive()
                )
                scope = self.scope
                scope["method"] = "POST"
                scope["path"] = self.url.decode("ascii")
                scope["raw_path"] = self.url
                scope["query_string"] = b""
                return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if self._lane_endpoint is None:
            super().on_body(body)
        else:
            self._lane_body += body

    def on_message_complete(self) -> None:
        endpoint = self._lane_endpoint
        if endpoint is None:
            super().on_message_complete()
            return
        self._lane_endpoint = None
        keep_alive = self._lane_keep_alive
        answer = self.hot_lane.answer(
            endpoint,
            bytes(self._lane_body),
            cast(Scope, self.scope),
            self.server_state.default_headers,
            keep_alive,
        )
        self.transport.write(answer)
        if not keep_alive:
            self.transport.close()
        self.on_response_complete()  # counts the request, arms the keep-alive timer


def lane_protocol(lane: HotLane) -> type[LaneProtocol]:
    """A protocol class for uvicorn's ``http=`` setting that answers plain requests to
    ``lane``'s paths in the lane."""
    return type("ServerLaneProtocol", (LaneProtocol,), {"hot_lane": lane})

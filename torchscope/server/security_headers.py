"""Headers every HTTP answer carries: no MIME sniffing, no cross-site referrers, and the page's
Content-Security-Policy (the UI needs nothing from other origins)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchscope.server.csp import PagePolicy


def add_security_headers(headers: list[tuple[bytes, bytes]], policy: PagePolicy) -> None:
    """Append the security headers to an answer's ``headers``; a policy the answer already
    names (the login page's) is kept."""
    headers.append((b"x-content-type-options", b"nosniff"))
    headers.append((b"referrer-policy", b"same-origin"))
    if not any(name == b"content-security-policy" for name, _ in headers):
        headers.append((b"content-security-policy", policy.current().encode()))


class SecurityHeaders:
    """ASGI middleware: :func:`add_security_headers` on every HTTP answer."""

    def __init__(self, app: ASGIApp, policy: PagePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                add_security_headers(headers, self.policy)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

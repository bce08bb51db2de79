"""Signed session cookies: proof that a browser or client logged in to this server.

The cookie is ``<issued unix time>.<HMAC-SHA256>`` signed with a secret made when the server
starts, so a restart logs everyone out and nothing secret is written to disk. Its name is
Visdom's (``user_password``) because Visdom's Python client copies exactly that cookie onto
its WebSocket.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

COOKIE_NAME = "user_password"
#: How long a login lasts (seconds).
SESSION_MAX_AGE = 30 * 24 * 3600


class SessionSigner:
    """Makes and checks session cookie values with a per-server random secret."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def _signature(self, issued: str) -> str:
        return hmac.new(self._secret, f"session:{issued}".encode(), hashlib.sha256).hexdigest()

    def issue(self, now: float | None = None) -> str:
        """A new cookie value."""
        issued = str(int(time.time() if now is None else now))
        return f"{issued}.{self._signature(issued)}"

    def is_valid(self, value: str | None, now: float | None = None) -> bool:
        """True for a value this server issued less than ``SESSION_MAX_AGE`` ago."""
        # Only ASCII can be ours; anything else would also make compare_digest raise.
        if not value or len(value) > 256 or not value.isascii():
            return False
        issued, _, signature = value.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(signature, self._signature(issued)):
            return False
        age = (time.time() if now is None else now) - int(issued)
        return -60 <= age <= SESSION_MAX_AGE


def session_cookie_header(
    value: str, *, path: str, secure: bool, max_age: int = SESSION_MAX_AGE
) -> bytes:
    """A ``Set-Cookie`` value: HttpOnly, SameSite=Strict, Secure when served over HTTPS."""
    parts = [f"{COOKIE_NAME}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly"]
    parts.append("SameSite=Strict")
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")

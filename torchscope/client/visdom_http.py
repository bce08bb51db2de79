"""A minimal HTTP/1.1 keep-alive client for ``torchscope.Visdom``'s plain-HTTP requests.

A synchronous ``vis.line(..., update='append')`` is one round trip, so the client's own share of
it matters: ``http.client`` writes the header block and the body with two system calls (the
server wakes up twice) and parses the answer's headers with the ``email`` package. Here the
header block is prebuilt per endpoint, header and body leave in one ``send``, and the answer is
read with one ``recv`` when it fits (it always does for an append's answer).

A caller that waits for the answer anyway (a synchronous append) may ask the connection to poll
for it for a short while before it sleeps: on a virtual machine, being woken by the kernel can
cost more than the server's whole answer (on the 2-core test VM a loopback round trip took
~150 us sleeping and ~70 us polling). The poll is bounded, it is skipped where the server
would have no core of its own to answer on, and a connection whose answers keep coming after
the poll gave up (a remote or busy server) stops polling for a while.

Only what torchscope's and Visdom's servers answer needs handling: a status line, headers, and a
body framed by ``Content-Length``, by chunks, or by the connection's end. HTTPS and proxies go
through ``http.client`` instead (see ``visdom_transport.py``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Iterator

#: Bodies up to this size are copied behind the header block to leave in one ``send``.
_JOIN_LIMIT = 256 * 1024
_RECV_SIZE = 65536


def _cores_available() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


#: How long a waiting caller polls for an answer before it sleeps: long enough for a small
#: append's answer, short enough that a slow answer costs little CPU. Zero on one core, where
#: polling would only delay the server.
ANSWER_POLL_S = 300e-6 if _cores_available() > 1 else 0.0
#: Answers in a row that came after the poll gave up (a remote or busy server) before the
#: connection stops polling, and for how many requests it then waits the usual way.
POLL_MISSES_TO_PAUSE = 32
POLL_PAUSE_REQUESTS = 256


class StaleConnection(ConnectionError):
    """A reused connection was closed by the server before it answered (safe to resend)."""


class BadResponse(ConnectionError):
    """The server's answer is not HTTP/1.x."""


class Response:
    """A status, the headers (names lower-case, last value wins) and the body."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class KeepAliveConnection:
    """One TCP connection to ``host:port``, reopened on demand; not thread-safe."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._used = False
        self._poll_misses = 0
        self._poll_paused = 0
        host_header = f"[{host}]" if ":" in host else host
        # As few headers as HTTP/1.1 needs (each costs the server parsing); without an
        # Accept-Encoding header, servers answer uncompressed.
        common = f"Host: {host_header}:{port}\r\nContent-Type: application/json\r\n"
        self._common = common.encode("latin-1")
        self._heads: dict[tuple[str, str], bytes] = {}

    def _head(self, target: str, cookie: str) -> bytes:
        key = (target, cookie)
        head = self._heads.get(key)
        if head is None:
            cookie_line = f"Cookie: {cookie}\r\n".encode("latin-1") if cookie else b""
            head = b"".join(
                (
                    b"POST ",
                    target.encode("latin-1"),
                    b" HTTP/1.1\r\n",
                    self._common,
                    cookie_line,
                    b"Content-Length: ",
                )
            )
            if len(self._heads) > 64:  # endpoints are few; cookies change rarely
                self._heads.clear()
            self._heads[key] = head
        return head

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._used = False
        return sock

    def post(self, target: str, body: bytes, cookie: str = "", poll_s: float = 0.0) -> Response:
        """POST ``body`` to ``target``, polling up to ``poll_s`` seconds for the answer before
        sleeping on it. Raises StaleConnection when a reused connection turned out closed
        before any answer came (the request can be sent again), OSError otherwise."""
        if self._sock is not None and self._used and _closed_by_server(self._sock, self.timeout):
            # Idle too long (uvicorn closes kept-alive connections after 5 s): a request sent
            # into it would meet a reset, which cannot be told apart from a failure.
            self.close()
        if self._sock is None:
            self._sock = self._connect()
        sock = self._sock
        reused = self._used
        self._used = True
        head = self._head(target, cookie) + b"%d\r\n\r\n" % len(body)
        try:
            try:
                if len(body) <= _JOIN_LIMIT:
                    sock.sendall(head + body)
                else:
                    sock.sendall(head)
                    sock.sendall(body)
            except (ConnectionResetError, BrokenPipeError) as exc:
                if reused:  # closed by the server while idle: it never took this request
                    raise StaleConnection("the server closed the idle connection") from exc
                raise
            response, keep = self._read_response(sock, reused, poll_s)
        except BaseException:
            self.close()
            raise
        if not keep:
            self.close()
        return response

    def _read_response(
        self, sock: socket.socket, reused: bool, poll_s: float
    ) -> tuple[Response, bool]:
        try:
            first = self._poll_first_bytes(sock, poll_s) if poll_s > 0 else None
            if first is None:
                first = sock.recv(_RECV_SIZE)
        except (ConnectionResetError, BrokenPipeError) as exc:
            # A server closing an idle connection that has our request unread resets it
            # (uvicorn's keep-alive timer can fire just as the request arrives): never taken.
            if reused:
                raise StaleConnection("the server closed the idle connection") from exc
            raise
        if not first:  # the connection's end before any answer
            if reused:
                raise StaleConnection("the server closed the idle connection")
            raise BadResponse("the server closed the connection mid-answer")
        buffer = bytearray(first)
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                version, status, headers = _parse_head(bytes(buffer[:end]))
                del buffer[: end + 4]
                if 100 <= status < 200:  # an interim answer: the real one follows
                    continue
                break
            chunk = sock.recv(_RECV_SIZE)
            if not chunk:
                if reused and not buffer:
                    raise StaleConnection("the server closed the idle connection")
                raise BadResponse("the server closed the connection mid-answer")
            buffer += chunk
        connection = headers.get("connection", "").lower()
        # HTTP/1.1 keeps the connection unless told otherwise; HTTP/1.0 only when told to.
        keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = _read_chunked(sock, buffer)
        elif "content-length" in headers:
            try:
                length = int(headers["content-length"])
            except ValueError:
                raise BadResponse("bad Content-Length in the answer") from None
            body = _read_exactly(sock, buffer, length)
        else:  # framed by the connection's end
            while chunk := sock.recv(_RECV_SIZE):
                buffer += chunk
            body, keep = bytes(buffer), False
        return Response(status, headers, body), keep

    def _poll_first_bytes(self, sock: socket.socket, poll_s: float) -> bytes | None:
        """Poll for the answer, unless polling kept missing lately (it would only burn CPU):
        its first bytes, b"" at the connection's end, None when nothing came in time."""
        if self._poll_paused:
            self._poll_paused -= 1
            return None
        first = _poll_recv(sock, poll_s, self.timeout)
        if first is not None:
            self._poll_misses = 0
        else:
            self._poll_misses += 1
            if self._poll_misses >= POLL_MISSES_TO_PAUSE:
                self._poll_misses = 0
                self._poll_paused = POLL_PAUSE_REQUESTS
        return first

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


@contextlib.contextmanager
def _nonblocking(sock: socket.socket, timeout: float) -> Iterator[None]:
    """``sock`` without waiting for the body's reads, then back to ``timeout``."""
    sock.settimeout(0.0)
    try:
        yield
    finally:
        sock.settimeout(timeout)


def _poll_recv(sock: socket.socket, poll_s: float, timeout: float) -> bytes | None:
    """The first bytes of the answer, polled for up to ``poll_s`` seconds: b"" at the
    connection's end, None if nothing came (the caller then waits the usual way)."""
    deadline = time.perf_counter() + poll_s
    with _nonblocking(sock, timeout):
        while True:
            try:
                return sock.recv(_RECV_SIZE)
            except BlockingIOError:
                if time.perf_counter() > deadline:
                    return None


def _closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Whether an idle kept-alive connection was closed (or reset) by the server."""
    with _nonblocking(sock, timeout):
        try:
            return sock.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:  # open, nothing to read: as it should be
            return False
        except OSError:
            return True


def _parse_head(head: bytes) -> tuple[str, int, dict[str, str]]:
    """The HTTP version, the status and the headers of an answer's head."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise BadResponse(f"not an HTTP answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return parts[0], int(parts[1]), headers


def _read_exactly(sock: socket.socket, buffer: bytearray, length: int) -> bytes:
    while len(buffer) < length:
        chunk = sock.recv(max(_RECV_SIZE, length - len(buffer)))
        if not chunk:
            raise BadResponse("the server closed the connection mid-answer")
        buffer += chunk
    return bytes(buffer[:length])


def _read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    while (end := buffer.find(b"\r\n")) < 0:
        chunk = sock.recv(_RECV_SIZE)
        if not chunk:
            raise BadResponse("the server closed the connection mid-answer")
        buffer += chunk
    line = bytes(buffer[:end])
    del buffer[: end + 2]
    return line


def _read_chunked(sock: socket.socket, buffer: bytearray) -> bytes:
    parts: list[bytes] = []
    while True:
        size_text = _read_line(sock, buffer).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadResponse("bad chunk size in the answer") from None
        if size == 0:
            while _read_line(sock, buffer):  # trailers, up to the empty line
                pass
            return b"".join(parts)
        parts.append(_read_exactly(sock, buffer, size + 2)[:size])
        del buffer[: size + 2]

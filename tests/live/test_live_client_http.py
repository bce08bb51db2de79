"""torchscope.Visdom's keep-alive HTTP client: framing, stale connections, errors, cookies."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from live_helpers import RunningServer

import torchscope
from torchscope.client.visdom_http import BadResponse, KeepAliveConnection, StaleConnection
from torchscope.client.visdom_transport import HttpTransport, ServerUnreachable

Answer = Callable[[bytes], bytes | None]


class ScriptedServer:
    """Accepts connections and answers each request with the next scripted reply.

    A reply of None closes the connection without answering; an HTTP/1.0 reply is followed by
    the connection's end (unless it says keep-alive), as an HTTP/1.0 server does. Every
    request (head + body) and the number of connections accepted are recorded.
    """

    def __init__(self, replies: list[bytes | None]) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self.replies:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                while self.replies:
                    request = _read_request(conn)
                    if request is None:
                        break
                    self.requests.append(request)
                    reply = self.replies.pop(0)
                    if reply is None:
                        break
                    conn.sendall(reply)
                    if reply.startswith(b"HTTP/1.0") and b"keep-alive" not in reply:
                        break

    def close(self) -> None:
        self.listener.close()


def _read_request(conn: socket.socket) -> bytes | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@pytest.fixture
def scripted() -> Iterator[Callable[[list[bytes | None]], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def make(replies: list[bytes | None]) -> ScriptedServer:
        servers.append(ScriptedServer(replies))
        return servers[-1]

    yield make
    for server in servers:
        server.close()


def _ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def test_one_connection_serves_many_requests_with_every_framing(
    scripted: Callable[[list[bytes | None]], ScriptedServer],
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nwin\r\n5\r\ndow_1\r\n0\r\nx-trailer: 1\r\n\r\n"
    )
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" + _ok(b"after-100")
    server = scripted([_ok(b"first"), chunked, interim, _ok(b"")])
    conn = KeepAliveConnection("127.0.0.1", server.port, timeout=5)
    answers = [conn.post("/update", b'{"n": %d}' % i).body for i in range(4)]
    assert answers == [b"first", b"window_1", b"after-100", b""]
    assert server.connections == 1
    head, _, body = server.requests[0].partition(b"\r\n\r\n")
    assert head.startswith(b"POST /update HTTP/1.1\r\n")
    assert b"Content-Length: 8" in head and body == b'{"n": 0}'
    conn.close()


def test_answer_framed_by_the_connection_end_reopens_next_time(
    scripted: Callable[[list[bytes | None]], ScriptedServer],
) -> None:
    server = scripted([b"HTTP/1.0 200 OK\r\n\r\nuntil-close", _ok(b"again")])
    conn = KeepAliveConnection("127.0.0.1", server.port, timeout=5)
    first = conn.post("/events", b"{}")
    assert first.body == b"until-close" and first.status == 200
    assert conn.post("/events", b"{}").body == b"again"
    assert server.connections == 2


def test_http_1_0_answers_close_the_connection_unless_kept_alive(
    scripted: Callable[[list[bytes | None]], ScriptedServer],
) -> None:
    kept = b"HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 4\r\n\r\nkept"
    server = scripted([kept, _ok(b"same")])
    conn = KeepAliveConnection("127.0.0.1", server.port, timeout=5)
    assert conn.post("/update", b"{}").body == b"kept"
    assert conn.post("/update", b"{}").body == b"same"
    assert server.connections == 1
    conn.close()


def test_idle_connection_closed_by_the_server_is_resent_once(
    scripted: Callable[[list[bytes | None]], ScriptedServer],
) -> None:
    server = scripted([_ok(b"one"), None, _ok(b"two")])
    transport = HttpTransport("http://127.0.0.1", server.port, "", None, timeout=5)
    assert transport.post("update", b"{}") == "one"
    # The server drops the kept-alive connection without answering the second request:
    # the client sends it again on a new connection, once.
    assert transport.post("update", b'{"k": 2}') == "two"
    assert server.connections == 2
    assert server.requests[-1].endswith(b'{"k": 2}')
    transport.close()


def test_a_fresh_connection_that_closes_unanswered_is_an_error(
    scripted: Callable[[list[bytes | None]], ScriptedServer],
) -> None:
    server = scripted([None])
    conn = KeepAliveConnection("127.0.0.1", server.port, timeout=5)
    with pytest.raises(BadResponse) as caught:
        conn.post("/update", b"{}")
    assert not isinstance(caught.value, StaleConnection)  # never resent: it may have run


def test_not_http_is_reported(scripted: Callable[[list[bytes | None]], ScriptedServer]) -> None:
    server = scripted([b"SSH-2.0-OpenSSH\r\n\r\n"])
    transport = HttpTransport("http://127.0.0.1", server.port, "", None, timeout=5)
    with pytest.raises(ServerUnreachable, match="not an HTTP answer"):
        transport.post("update", b"{}")


def test_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        vis = torchscope.Visdom(server="http://127.0.0.1", port=port, use_incoming_socket=False)
        assert vis.line(Y=[1.0], X=[0], win="w", update="append") is False
        vis.raise_exceptions = True
        with pytest.raises(ConnectionError):
            vis.line(Y=[1.0], X=[0], win="w", update="append")


def test_cookies_set_by_the_server_are_sent_back(
    scripted: Callable[[list[bytes | None]], ScriptedServer],
) -> None:
    server = scripted([_ok(b"", b"set-cookie: session=abc; Path=/; HttpOnly\r\n"), _ok(b"w")])
    transport = HttpTransport("http://127.0.0.1", server.port, "/base", None, timeout=5)
    transport.post("", b"{}")
    assert transport.cookie == "session=abc"
    transport.post("update", b"{}")
    head = server.requests[1].partition(b"\r\n\r\n")[0]
    assert head.startswith(b"POST /base/update HTTP/1.1\r\n")
    assert b"\r\nCookie: session=abc" in head


def test_large_bodies_and_answers_round_trip(live_server: RunningServer) -> None:
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=live_server.port,
        use_incoming_socket=False,
        raise_exceptions=True,
    )
    ys = [float(i % 97) for i in range(300_000)]  # a multi-megabyte body and answer
    vis.line(Y=ys, X=list(range(len(ys))), win="big")
    doc: dict[str, Any] = __import__("json").loads(vis.get_window_data("big"))
    assert doc["content"]["data"][0]["y"] == ys
    vis.close_connection()


class SlowServer:
    """Answers each request on one connection after ``delays[i]`` seconds; None: never."""

    def __init__(self, delays: list[float | None]) -> None:
        self.delays = delays
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            for delay in self.delays:
                if _read_request(conn) is None:
                    return
                if delay is None:
                    conn.recv(1)  # hold the request unanswered until the client gives up
                    return
                time.sleep(delay)
                conn.sendall(_ok(b"late" if delay else b"soon"))


def test_polling_for_an_answer_gives_way_to_waiting_and_keeps_the_timeout() -> None:
    server = SlowServer([0.0, 0.2, None])
    conn = KeepAliveConnection("127.0.0.1", server.port, timeout=0.5)
    assert conn.post("/update", b"{}", poll_s=0.05).body == b"soon"
    # The answer comes long after the poll gave up: the client then waits for it.
    started = time.monotonic()
    assert conn.post("/update", b"{}", poll_s=0.001).body == b"late"
    assert time.monotonic() - started >= 0.2
    # No answer at all: after the poll, the connection's own timeout still applies.
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        conn.post("/update", b"{}", poll_s=0.001)
    assert 0.4 <= time.monotonic() - started < 5
    server.listener.close()


def test_only_calls_that_wait_poll_for_their_answer(
    live_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torchscope.client.visdom_http as visdom_http

    polled_by: list[str] = []
    real_poll = visdom_http._poll_recv

    def recording_poll(sock: socket.socket, poll_s: float, timeout: float) -> bytes | None:
        polled_by.append(threading.current_thread().name)
        return real_poll(sock, poll_s, timeout)

    monkeypatch.setattr(visdom_http, "_poll_recv", recording_poll)
    monkeypatch.setattr(visdom_http, "ANSWER_POLL_S", 1e-3)
    monkeypatch.setattr("torchscope.client.visdom_transport.ANSWER_POLL_S", 1e-3)
    vis = torchscope.Visdom(
        server="http://127.0.0.1",
        port=live_server.port,
        use_incoming_socket=False,
        raise_exceptions=True,
        asynchronous=True,
    )
    for step in range(20):
        vis.line(Y=[float(step)], X=[step], win="w", update="append")
    vis.flush()
    assert json.loads(vis.get_window_data("w"))["content"]["data"][0]["y"] == [
        float(s) for s in range(20)
    ]
    # The background sender never polls: it must not take CPU from the training loop.
    assert polled_by and set(polled_by) == {threading.main_thread().name}
    vis.close_connection()


def test_a_connection_whose_answers_keep_missing_the_poll_stops_polling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import torchscope.client.visdom_http as visdom_http

    monkeypatch.setattr(visdom_http, "POLL_PAUSE_REQUESTS", 3)
    polls: list[bytes | None] = []
    real_poll = visdom_http._poll_recv

    def counting_poll(sock: socket.socket, poll_s: float, timeout: float) -> bytes | None:
        polls.append(real_poll(sock, poll_s, timeout))
        return polls[-1]

    monkeypatch.setattr(visdom_http, "_poll_recv", counting_poll)
    misses = visdom_http.POLL_MISSES_TO_PAUSE
    # Slow answers until polling pauses, three requests during the pause, then quick ones.
    server = SlowServer([0.02] * misses + [0.02] * 3 + [0.0] * 3)
    conn = KeepAliveConnection("127.0.0.1", server.port, timeout=5)
    answers = [conn.post("/update", b"{}", poll_s=0.002).body for _ in range(misses + 6)]
    assert answers == [b"late"] * (misses + 3) + [b"soon"] * 3
    # The misses, no poll during the pause, then polling again.
    assert len(polls) == misses + 3
    assert polls[:misses] == [None] * misses
    server.listener.close()


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_kept_alive_connection_the_server_ended_is_replaced_before_sending(
    reset: bool,
) -> None:
    """The server ends an idle connection (a FIN, or a reset): the next request goes on a new
    connection, never into the dead one (whose reset could not be told from a failure)."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            request = _read_request(conn)
            assert request is not None
            seen.append(request)
            conn.sendall(_ok(b"answer %d" % len(seen)))
            if reset:  # close with a reset instead of a FIN
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    conn = KeepAliveConnection("127.0.0.1", listener.getsockname()[1], timeout=5)
    assert conn.post("/update", b"{}", poll_s=0.001).body == b"answer 1"
    time.sleep(0.2)  # the server's close reaches the client
    assert conn.post("/update", b'{"k": 2}', poll_s=0.001).body == b"answer 2"
    thread.join(timeout=5)
    assert len(seen) == 2 and seen[1].endswith(b'{"k": 2}')
    listener.close()


def test_a_request_met_by_the_servers_idle_close_is_sent_again() -> None:
    """The server's keep-alive timer fires just as a request arrives: it closes with the request
    unread, which resets the connection. The request never ran: it is sent again, once."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def serve() -> None:
        first, _ = listener.accept()
        request = _read_request(first)
        assert request is not None
        seen.append(request)
        first.sendall(_ok(b"one"))
        time.sleep(0.3)  # the next request arrives meanwhile, and stays unread
        first.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        first.close()
        second, _ = listener.accept()
        request = _read_request(second)
        assert request is not None
        seen.append(request)
        second.sendall(_ok(b"two"))
        second.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    conn = KeepAliveConnection("127.0.0.1", listener.getsockname()[1], timeout=5)
    assert conn.post("/update", b"{}", poll_s=0.001).body == b"one"
    with pytest.raises(StaleConnection):  # what the transport resends on a new connection
        conn.post("/update", b'{"k": 2}', poll_s=0.001)
    assert conn.post("/update", b'{"k": 2}', poll_s=0.001).body == b"two"
    thread.join(timeout=5)
    assert [r.rsplit(b"\r\n\r\n", 1)[1] for r in seen] == [b"{}", b'{"k": 2}']
    listener.close()

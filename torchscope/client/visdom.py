"""``torchscope.Visdom``: Visdom's Python client, same methods and arguments, faster.

Differences a user can notice (everything else behaves as ``visdom.Visdom``):

* ``update='append'`` is one request, not two: the server creates a missing window from the
  ``/update`` request itself (the full layout rides along as ``layout_on_create``).
* ``asynchronous=True`` sends from a background thread through a bounded queue, so a training
  loop never waits for the server; ``vis.flush()`` waits for the queue (and raises a failed send).
* numpy arrays and torch tensors on any device (and of any float dtype) are accepted everywhere;
  torch is imported only if a tensor is passed.
* bad arguments raise ValueError/TypeError naming the argument, instead of ``assert``.
* ``graph`` needs no networkx; ``embeddings`` uses scikit-learn's t-SNE.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from torchscope.client.visdom_explain import explanation_window
from torchscope.client.visdom_model_graph import model_graph_window
from torchscope.client.visdom_panes import PaneMethods
from torchscope.client.visdom_plots import PlotMethods
from torchscope.client.visdom_sender import BackgroundSender
from torchscope.client.visdom_transport import EventSocket, HttpTransport, encode

log = logging.getLogger("torchscope.client")

EventHandler = Callable[[dict[str, Any]], Any]


def _new_window_id() -> str:
    return "window_" + uuid.uuid4().hex[:13]


class Visdom(PlotMethods, PaneMethods):
    """A client for a Visdom-protocol server (torchscope's, or Visdom's own).

    Arguments are ``visdom.Visdom``'s, plus ``asynchronous`` and ``queue_size``.
    """

    def __init__(
        self,
        server: str = "http://localhost",
        endpoint: str = "events",
        port: int = 8097,
        base_url: str = "/",
        ipv6: bool = True,
        http_proxy_host: str | None = None,
        http_proxy_port: int | None = None,
        env: str = "main",
        send: bool = True,
        raise_exceptions: bool | None = None,
        use_incoming_socket: bool = True,
        log_to_filename: str | None = None,
        username: str | None = None,
        password: str | None = None,
        proxies: dict[str, str] | None = None,
        offline: bool = False,
        use_polling: bool = False,
        asynchronous: bool = False,
        queue_size: int = 1000,
    ) -> None:
        base_url = "" if base_url in ("/", None) else base_url
        if base_url and (not base_url.startswith("/") or base_url.endswith("/")):
            raise ValueError("base_url must start with / and must not end with /")
        if not isinstance(env, str) or not env:
            raise ValueError("env must be a non-empty string")
        if offline and log_to_filename is None:
            raise ValueError("offline=True needs log_to_filename")
        if http_proxy_host is not None:
            proxies = {"http": f"{http_proxy_host}:{http_proxy_port or 80}"}
        self.server = server
        self.endpoint = endpoint
        self.port = port
        self.base_url = base_url
        self.ipv6 = ipv6
        self.env = env
        self.env_list = {env}
        self.send = send
        self.raise_exceptions = raise_exceptions
        self.log_to_filename = log_to_filename
        self.offline = offline
        self.event_handlers: dict[str, list[EventHandler]] = {}
        self.win_data: dict[str, Any] = {}
        self._line_templates = {}
        self._transport = HttpTransport(server, port, base_url, proxies)
        self._proxies = proxies
        self._sender: BackgroundSender | None = None
        self._socket: EventSocket | None = None
        self._polling = False
        self._poll_alive = False
        self.use_socket = (use_incoming_socket or use_polling) and not offline
        if offline or not send:
            return
        if username:
            if not password:
                raise ValueError("password is required with username")
            self._transport.login(username, password)
        if asynchronous:
            transport = self._transport
            self._sender = BackgroundSender(
                lambda endpoint, body: transport.post(endpoint, body, waiting=False), queue_size
            )
        self._send({"eid": env}, endpoint="env/" + env)
        if use_polling:
            self._polling = True
            self._start_polling()
        elif use_incoming_socket:
            scheme = "wss" if self._transport.scheme == "https" else "ws"
            root = self._transport.root.split("://", 1)[1]
            self._socket = EventSocket(
                f"{scheme}://{root}/vis_socket", self._dispatch, lambda: self._transport.cookie
            )
            self._socket.alive.wait(2.0)

    # --- transport -------------------------------------------------------------------------

    @property
    def socket_alive(self) -> bool:
        if self._polling:
            return self._poll_alive
        return self._socket is not None and self._socket.alive.is_set()

    def _send(
        self,
        msg: dict[str, Any],
        endpoint: str = "events",
        quiet: bool = False,
        from_log: bool = False,
        create: bool = True,
        wait: bool = False,
    ) -> Any:
        """Send one request; the answer text (or the window id when sent asynchronously)."""
        if msg.get("eid") is None:
            msg["eid"] = self.env
        self.env_list.add(msg["eid"])
        if not self.send:
            return msg, endpoint
        if "win" in msg and msg["win"] is None and create:
            msg["win"] = _new_window_id()
        if not from_log and self.log_to_filename is not None and endpoint in ("events", "update"):
            with open(self.log_to_filename, "ab") as logfile:
                logfile.write(encode([endpoint, msg]) + b"\n")
        if self.offline:
            return msg.get("win", True)
        if self._sender is not None and not wait and endpoint in ("events", "update", "close"):
            self._sender.submit(endpoint, msg)
            return msg.get("win", "")
        body = encode(msg)
        try:
            if self._sender is not None:
                self._sender.flush()  # reads see every earlier write
            return self._transport.post(endpoint, body)
        except ConnectionError as error:
            if self.raise_exceptions:  # Visdom's message, then why
                raise ConnectionError(f"Error connecting to Visdom server: {error}") from None
            if not quiet:
                log.exception("cannot reach the Visdom server")
            return False

    def flush(self, timeout: float | None = None) -> None:
        """Wait until every queued request was sent (asynchronous mode); raise one that failed."""
        if self._sender is not None:
            self._sender.flush(timeout)

    def close_connection(self) -> None:
        """Send what is queued, then stop the background thread and the event socket."""
        if self._sender is not None:
            self._sender.flush()
            self._sender.stop()
        if self._socket is not None:
            self._socket.stop()
        self.use_socket = False
        self._transport.close()

    # --- events ----------------------------------------------------------------------------

    def _dispatch(self, event: dict[str, Any]) -> None:
        for handler in list(self.event_handlers.get(str(event.get("target")), [])):
            try:
                handler(event)
            except Exception:  # one failing handler must not stop the others
                log.exception("event handler for %s failed", event.get("target"))

    def register_event_handler(self, handler: EventHandler, target: str) -> None:
        """Call ``handler(event)`` for every event of window ``target`` (key presses, clicks,
        property edits, closes...)."""
        if not callable(handler):
            raise TypeError("handler must be callable")
        if not self.use_socket:
            raise RuntimeError("event handlers need the incoming socket (use_incoming_socket)")
        self.event_handlers.setdefault(target, []).append(handler)

    def clear_event_handlers(self, target: str) -> None:
        self.event_handlers[target] = []

    def _start_polling(self) -> None:
        """Visdom's polling back channel (``use_polling=True``), for networks without sockets."""
        import threading

        # Its own connection: polling must not queue behind (or hold up) the plotting calls.
        transport = HttpTransport(self.server, self.port, self.base_url, self._proxies)
        transport.cookie = self._transport.cookie

        def ask(message: dict[str, Any]) -> dict[str, Any]:
            reply = json.loads(transport.post("vis_socket_wrap", encode(message), waiting=False))
            return reply if isinstance(reply, dict) else {}

        def poll() -> None:
            try:
                sid = ask({"message_type": "init"})["sid"]
                while self.use_socket:
                    for text in ask({"message_type": "query", "sid": sid}).get("messages", []):
                        message = json.loads(text)
                        if message.get("command") == "alive":
                            self._poll_alive = True
                        if "target" in message:
                            self._dispatch(message)
                    time.sleep(0.1)
            except (ConnectionError, ValueError, KeyError) as exc:
                log.warning("polling for events stopped: %s", exc)

        threading.Thread(target=poll, name="torchscope-visdom-poll", daemon=True).start()
        deadline = time.monotonic() + 2
        while not self._poll_alive and time.monotonic() < deadline:
            time.sleep(0.02)

    # --- server state ----------------------------------------------------------------------

    def save(self, envs: list[str]) -> Any:
        """Write these envs to the server's env folder; the JSON list of envs written."""
        if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
            raise TypeError("envs must be a list of env names")
        return self._send({"data": envs}, "save", wait=True)

    def explanation(
        self,
        record: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Show an explanation record (``torchscope.explain.explanation_record``) in a pane:
        the input with a method's map overlaid, every method side by side, the top predictions."""
        data, opts = explanation_window(record, opts)
        return self._window(data, win, env, opts)

    def model_graph(
        self,
        model: Any,
        example_inputs: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
        depth: int = 1,
    ) -> Any:
        """Trace ``model`` on ``example_inputs`` (``torchscope.graph.trace``) and show its graph
        in a pane: modules collapsed at ``depth``, opened on click, searchable, with zoom."""
        data, opts = model_graph_window(model, example_inputs, opts, depth)
        return self._window(data, win, env, opts)

    def fork_env(self, prev_eid: str, eid: str) -> Any:
        """Copy env ``prev_eid`` to ``eid``."""
        if not isinstance(prev_eid, str) or not isinstance(eid, str):
            raise TypeError("prev_eid and eid must be strings")
        return self._send({"prev_eid": prev_eid, "eid": eid}, "fork_env", wait=True)

    def get_window_data(self, win: str | None = None, env: str | None = None) -> Any:
        """The window's JSON text (every window of the env when ``win`` is None)."""
        return self._send({"win": win, "eid": env}, "win_data", create=False, wait=True)

    def set_window_data(self, data: str, win: str | None = None, env: str | None = None) -> Any:
        """Replace a window (or, with ``win=None``, every window) with JSON from
        ``get_window_data``."""
        return self._send(
            {"win": win, "eid": env, "data": data}, "win_data", create=False, wait=True
        )

    def close(self, win: str | None = None, env: str | None = None) -> Any:
        """Close window ``win`` (every window of the env when None)."""
        return self._send({"win": win, "eid": env}, "close", create=False)

    def delete_env(self, env: str) -> Any:
        return self._send({"eid": env}, "delete_env", wait=True)

    def win_exists(self, win: str, env: str | None = None) -> bool | None:
        """True/False, or None when the server cannot be asked."""
        if win is None:
            raise ValueError("win is required")
        answer = self._send({"win": win, "eid": env}, "win_exists", quiet=True, wait=True)
        return {"true": True, "false": False}.get(answer) if isinstance(answer, str) else None

    def win_hash(self, win: str, env: str | None = None) -> str | None:
        """md5 of the window's content on the server, or None."""
        if win is None:
            raise ValueError("win is required")
        answer = self._send({"win": win, "eid": env}, "win_hash", quiet=True, wait=True)
        if isinstance(answer, str) and len(answer) == 32:
            return answer
        return None

    def get_env_list(self) -> list[str]:
        if self.offline:
            return sorted(self.env_list)
        answer = self._send({}, "env_state", quiet=True, wait=True)
        envs: list[str] = json.loads(answer) if isinstance(answer, str) else []
        return envs

    def _has_connection(self) -> bool:
        return self.win_exists("") is not None and (
            self.socket_alive or not self.use_socket or self._socket_refused()
        )

    def _socket_refused(self) -> bool:
        return self._socket is not None and self._socket.refused

    def check_connection(self, timeout_seconds: float = 0) -> bool:
        """Whether the server answers (waiting up to ``timeout_seconds``)."""
        deadline = time.monotonic() + timeout_seconds
        while not self._has_connection():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def replay_log(self, log_filename: str) -> None:
        """Send every request logged with ``log_to_filename`` (e.g. from an offline run)."""
        for line in Path(log_filename).read_text(encoding="utf-8").splitlines():
            if line.strip():
                endpoint, msg = json.loads(line)
                self._send(msg, endpoint, from_log=True)
        self.flush()

    def __repr__(self) -> str:
        mode = "offline" if self.offline else self._transport.root
        return f"Visdom({mode!s}, env={self.env!r})"

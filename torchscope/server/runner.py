"""Run the server: bind the port ourselves (clear errors), then hand the socket to uvicorn."""

from __future__ import annotations

import errno
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette

from torchscope.plugins.base import PluginStartError
from torchscope.server.config import ServerConfig
from torchscope.server.hot_lane import HotLane, lane_protocol

log = logging.getLogger("torchscope.server")


class ServerStartError(RuntimeError):
    """The server could not start; the message is one line meant for the user."""


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind and listen on ``host:port``; a port in use becomes one readable line."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ServerStartError(f"cannot listen on host {host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6 and host in ("::", ""):
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # also serve IPv4
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ServerStartError(
                f"port {port} is already in use on {host}: stop the other server or pick "
                f"another port with --port"
            ) from None
        if exc.errno == errno.EACCES:
            raise ServerStartError(f"no permission to listen on port {port} of {host}") from None
        raise ServerStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that says so once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def prepare_env_path(config: ServerConfig) -> None:
    try:
        config.env_path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ServerStartError(
            f"cannot create --env-path {config.env_path}: {exc.strerror}"
        ) from None


def uvicorn_config(
    app: Starlette, config: ServerConfig, log_level: str, **settings: Any
) -> uvicorn.Config:
    """uvicorn's settings for ``app`` (made by ``create_app``): WebSocket messages capped like
    request bodies, and the HTTP protocol that answers the app's hot lane itself. ``settings``
    are more of uvicorn's (host and port when uvicorn binds the socket)."""
    lane: HotLane | None = getattr(app.state, "hot_lane", None)
    options: dict[str, Any] = {
        "log_level": log_level,
        "access_log": log_level == "debug",
        "lifespan": "on",
        "timeout_graceful_shutdown": 3,
        "ws_max_size": config.max_body_bytes,
        "http": lane_protocol(lane) if lane is not None else "auto",
    }
    return uvicorn.Config(app, **{**options, **settings})


def serve(config: ServerConfig, log_level: str = "warning") -> None:
    """Run until Ctrl-C / SIGTERM. Raises ServerStartError with a one-line message."""
    from torchscope.server.app import create_app

    prepare_env_path(config)
    sock = bind_socket(config.host, config.port)
    bound_port = sock.getsockname()[1]
    if config.listens_on_all_interfaces and config.auth == "none":
        print(
            f"Warning: listening on all interfaces ({config.host}) without authentication: "
            "anyone who can reach this machine can read and change your data.",
            file=sys.stderr,
            flush=True,
        )

    def announce() -> None:
        print(f"It's Alive! You can navigate to {config.login_url(bound_port)}", flush=True)

    try:
        app = create_app(config)
    except PluginStartError as exc:
        sock.close()
        raise ServerStartError(str(exc)) from None
    uv_config = uvicorn_config(app, config, log_level)
    server = _AnnouncingServer(uv_config, on_ready=announce)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    if not server.started:
        raise ServerStartError("the server failed to start (see the messages above)")

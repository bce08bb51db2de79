"""The Live plugin: Visdom's protocol (HTTP API and sockets) over the durable live store."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from torchscope.live import LiveStore, RequestError, jsonio
from torchscope.live.names import env_id
from torchscope.plugins.base import HotPost, Plugin
from torchscope.plugins.live.export_route import env_export_route
from torchscope.plugins.live.hub import Hub
from torchscope.plugins.live.routes import JsonEndpoint, LiveApi
from torchscope.plugins.live.sockets import PollingEndpoints, browser_socket, client_socket
from torchscope.server.config import ServerConfig


class LivePlugin(Plugin):
    """Live plots sent by ``visdom.Visdom`` or ``torchscope.Visdom``."""

    name: ClassVar[str] = "live"
    tab_name: ClassVar[str] = "Live"

    def __init__(self, config: ServerConfig, store: LiveStore | None = None) -> None:
        self.config = config
        if store is None:
            config.env_path.mkdir(parents=True, exist_ok=True)
            store = LiveStore(config.env_path, readonly=config.readonly)
            store.open()
        self.store = store
        self.hub = Hub(store)
        self.api = LiveApi(store, self.hub, config.readonly, config.env_path)
        self.polling = PollingEndpoints(self.hub, config.readonly)
        self._hot: dict[str, JsonEndpoint] | None = None

    def is_active(self) -> bool:
        return self.store.has_windows()

    def root_routes(self) -> Sequence[BaseRoute]:
        api = self.api
        read, write = (
            (lambda fn: api.endpoint(fn, writes=False)),
            (lambda fn: api.endpoint(fn, writes=True)),
        )
        readonly = self.config.readonly
        hub = self.hub

        async def socket(websocket: WebSocket) -> None:
            await browser_socket(websocket, hub, readonly)

        async def vis_socket(websocket: WebSocket) -> None:
            await client_socket(websocket, hub, readonly)

        hot = self._hot_endpoints()
        return [
            Route("/events", hot["/events"], methods=["POST"]),
            Route("/update", hot["/update"], methods=["POST"]),
            Route("/close", write(api.close), methods=["POST"]),
            Route("/win_exists", hot["/win_exists"], methods=["POST"]),
            Route("/win_data", read(api.win_data), methods=["POST"]),
            Route("/win_hash", read(api.win_hash), methods=["POST"]),
            Route("/env/{eid:path}", read(api.env), methods=["POST"]),
            Route("/compare/{eids:path}", read(api.compare), methods=["POST"]),
            Route("/delete_env", write(api.delete_env), methods=["POST"]),
            Route("/save", write(api.save), methods=["POST"]),
            Route("/fork_env", write(api.fork_env), methods=["POST"]),
            Route("/env_state", read(api.env_state), methods=["POST"]),
            Route("/user/style.css", api.user_style, methods=["GET"]),
            WebSocketRoute("/socket", socket),
            WebSocketRoute("/vis_socket", vis_socket),
            Route("/socket_wrap", self.polling.socket_wrap, methods=["GET", "POST"]),
            Route("/vis_socket_wrap", self.polling.vis_socket_wrap, methods=["POST"]),
        ]

    def hot_posts(self) -> Mapping[str, HotPost]:
        return self._hot_endpoints()

    def _hot_endpoints(self) -> dict[str, JsonEndpoint]:
        # One endpoint object per path, shared by the route table and the server's hot lane.
        # Visdom's client asks /win_exists before every append, so it is hot too.
        if self._hot is None:
            self._hot = {
                "/events": self.api.endpoint(self.api.events, writes=True),
                "/update": self.api.endpoint(self.api.update, writes=True),
                "/win_exists": self.api.endpoint(self.api.win_exists, writes=False),
            }
        return self._hot

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/envs", self._envs),
            Route("/window", self._window),
            Route("/stats", self._stats),
            env_export_route(self.store),
        ]

    async def _envs(self, request: Request) -> Response:
        """``/data/plugin/live/envs``: env ids with their window counts (for the env picker)."""
        envs = [
            {"eid": eid, "windows": len(env.windows)}
            for eid, env in sorted(self.store.envs.items())
        ]
        return Response(jsonio.dumps(envs), media_type="application/json")

    async def _stats(self, request: Request) -> Response:
        """``/data/plugin/live/stats``: stored points and the bytes their columns hold."""
        windows = [w for env in self.store.envs.values() for w in env.windows.values()]
        stats = {
            "envs": len(self.store.envs),
            "windows": len(windows),
            "points": sum(w.point_count() for w in windows),
            "column_bytes": self.store.memory_bytes(),
        }
        return Response(jsonio.dumps(stats), media_type="application/json")

    async def _window(self, request: Request) -> Response:
        """``/data/plugin/live/window?eid=&win=&points=&x0=&x1=``: a window at the resolution
        asked for (``points=0`` for every point); with ``x0`` and ``x1``, plot traces hold only
        the points of that x range (and one neighbour on each side), thinned to ``points``:
        what the Live view asks for when the user zooms into a thinned trace."""
        query = request.query_params
        try:
            eid = env_id(query.get("eid"))
            points = _int_param(query, "points")
            x_range = _x_range(query)
        except ValueError as exc:
            return Response(str(exc), status_code=400)
        window = self.store.window(eid, query.get("win", ""))
        if window is None:
            return Response("no such window", status_code=404)
        doc = window.to_json(max_points=points if points > 0 else None, x_range=x_range)
        return Response(jsonio.dumps(doc), media_type="application/json")

    async def close(self) -> None:
        for conn in list(self.hub.subs.values()) + list(self.hub.sources.values()):
            conn.close()
        self.store.close()


def _int_param(query: Mapping[str, str], name: str) -> int:
    try:
        value = int(query.get(name, "0"))
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None
    if value < 0:
        raise ValueError(f"{name} must be 0 (every point) or more")
    return value


def _x_range(query: Mapping[str, str]) -> tuple[float, float] | None:
    """``x0``/``x1`` as a range, None when neither is given."""
    given = [query.get("x0"), query.get("x1")]
    if given == [None, None]:
        return None
    if None in given:
        raise ValueError("x0 and x1 must be given together")
    try:
        x0, x1 = (float(value or "") for value in given)
    except ValueError:
        raise ValueError("x0 and x1 must be numbers") from None
    if not (math.isfinite(x0) and math.isfinite(x1)) or x1 < x0:
        raise ValueError("x0 and x1 must be finite numbers with x0 <= x1")
    return x0, x1


__all__ = ["LivePlugin", "RequestError"]

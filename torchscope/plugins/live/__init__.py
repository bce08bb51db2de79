"""The Live plugin: Visdom's protocol (HTTP API and sockets) over the durable live store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from torchscope.live import LiveStore, RequestError, jsonio
from torchscope.live.names import env_id
from torchscope.plugins.base import Plugin
from torchscope.plugins.live.export_route import env_export_route
from torchscope.plugins.live.hub import Hub
from torchscope.plugins.live.routes import LiveApi
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

        return [
            Route("/events", write(api.events), methods=["POST"]),
            Route("/update", write(api.update), methods=["POST"]),
            Route("/close", write(api.close), methods=["POST"]),
            Route("/win_exists", read(api.win_exists), methods=["POST"]),
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
        """``/data/plugin/live/window?eid=&win=&points=``: a window at the resolution asked
        for (``points=0`` for every point), e.g. when the user zooms into a thinned trace."""
        try:
            eid = env_id(request.query_params.get("eid"))
            points = int(request.query_params.get("points", "0"))
        except ValueError:
            return Response("points must be an integer", status_code=400)
        window = self.store.window(eid, request.query_params.get("win", ""))
        if window is None:
            return Response("no such window", status_code=404)
        doc = window.to_json(max_points=points if points > 0 else None)
        return Response(jsonio.dumps(doc), media_type="application/json")

    async def close(self) -> None:
        for conn in list(self.hub.subs.values()) + list(self.hub.sources.values()):
            conn.close()
        self.store.close()


__all__ = ["LivePlugin", "RequestError"]

"""The ASGI application: core routes, each plugin's routes, and the UI, under one base URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from types import MappingProxyType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from torchscope import __version__
from torchscope.export.routes import export_routes
from torchscope.logdir.routes import runs_routes
from torchscope.plugins.base import Plugin
from torchscope.server.auth import AuthMiddleware
from torchscope.server.body_limit import BodyLimitMiddleware
from torchscope.server.config import ServerConfig
from torchscope.server.context import ServerContext
from torchscope.server.csp import PagePolicy
from torchscope.server.jsonresponse import JSONResponse
from torchscope.server.sessions import SessionSigner
from torchscope.server.status_socket import status_socket
from torchscope.server.ui import WEB_DIR, asset_routes, fallback_routes


def _context(request: Request) -> ServerContext:
    context: ServerContext = request.app.state.context
    return context


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


async def data_logdir(request: Request) -> Response:
    return JSONResponse({"logdir": _context(request).config.logdir or ""})


async def data_environment(request: Request) -> Response:
    return JSONResponse(_context(request).environment())


async def data_plugins_listing(request: Request) -> Response:
    return JSONResponse(_context(request).plugins_listing())


def _core_routes() -> list[BaseRoute]:
    return [
        Route("/api/health", health),
        WebSocketRoute("/api/ws", status_socket),
        Route("/data/logdir", data_logdir),
        Route("/data/environment", data_environment),
        Route("/data/plugins_listing", data_plugins_listing),
        *runs_routes(),
        *export_routes(),
    ]


def _root_routes(plugins: Sequence[Plugin]) -> list[BaseRoute]:
    # First in the table: Visdom's /update and /events are the hottest paths, and the router
    # tries routes in order. None of them overlaps a core, asset or /data/plugin path.
    return [route for plugin in plugins for route in plugin.root_routes()]


def _plugin_routes(plugins: Sequence[Plugin]) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for plugin in plugins:
        plugin_routes = list(plugin.routes())
        if plugin_routes:
            routes.append(Mount(f"/data/plugin/{plugin.name}", routes=plugin_routes))
    return routes


class _SecurityHeaders:
    """Headers every response carries; the UI needs nothing from other origins."""

    def __init__(self, app: ASGIApp, frame_ancestors: tuple[str, ...] = ()) -> None:
        self.app = app
        self.policy = PagePolicy(WEB_DIR, frame_ancestors)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-content-type-options", b"nosniff"))
                headers.append((b"referrer-policy", b"same-origin"))
                if not any(name == b"content-security-policy" for name, _ in headers):
                    headers.append((b"content-security-policy", self.policy.current().encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _middleware(config: ServerConfig, signer: SessionSigner) -> list[Middleware]:
    """Outermost first: headers on every answer, then who may ask, then how much they send.

    ``signer`` is the server's one session key: every copy of the stack must accept the
    sessions any other issued.
    """
    stack = [Middleware(_SecurityHeaders, frame_ancestors=config.frame_ancestors)]
    if config.auth != "none":
        stack.append(Middleware(AuthMiddleware, config=config, signer=signer))
    stack.append(Middleware(BodyLimitMiddleware, max_bytes=config.max_body_bytes))
    return stack


def create_app(config: ServerConfig, plugins: Sequence[Plugin] | None = None) -> Starlette:
    """Build the server's ASGI app.

    ``plugins`` defaults to the plugins that ship with torchscope for this ``config``.
    """
    if plugins is None:
        from torchscope.plugins.registry import default_plugins

        plugins = default_plugins(config)
    plugin_list = list(plugins)
    site = (
        _root_routes(plugin_list)
        + _core_routes()
        + _plugin_routes(plugin_list)
        + asset_routes()
        + fallback_routes()
    )

    routes: list[BaseRoute]
    if config.base_url:

        async def to_base(request: Request) -> Response:
            return RedirectResponse(config.base_url + "/")

        routes = [Route("/", to_base), Mount(config.base_url, routes=site)]
    else:
        routes = site

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        for plugin in plugin_list:
            await plugin.close()

    middleware = _middleware(config, SessionSigner())
    app = _App(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.context = ServerContext(config=config, plugins=plugin_list)
    app.hot_posts = _hot_posts(plugin_list, config.base_url, middleware)
    return app


class _App(Starlette):
    """Starlette, with a fast lane: a POST to a hot path (Visdom's ``/update`` and ``/events``,
    once per training step) runs through the same middleware as every request, but past
    Starlette's router and exception layer, a measurable share of a live append's round trip."""

    hot_posts: Mapping[str, ASGIApp] = MappingProxyType({})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            endpoint = self.hot_posts.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                await endpoint(scope, receive, send)
                return
        await super().__call__(scope, receive, send)


def _hot_posts(
    plugins: Sequence[Plugin], base_url: str, middleware: list[Middleware]
) -> dict[str, ASGIApp]:
    """Each plugin's hot POST paths, wrapped in the server's middleware (same order)."""
    hot: dict[str, ASGIApp] = {}
    for plugin in plugins:
        for path, endpoint in plugin.hot_posts().items():
            chained: ASGIApp = endpoint
            for layer in reversed(middleware):
                chained = layer.cls(chained, *layer.args, **layer.kwargs)
            hot[base_url + path] = ServerErrorMiddleware(chained)
    return hot

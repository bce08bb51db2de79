"""The ASGI application: core routes, each plugin's routes, and the UI, under one base URL."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute

from torchscope import __version__
from torchscope.export.routes import export_routes
from torchscope.logdir.routes import runs_routes
from torchscope.plugins.base import Plugin
from torchscope.server.auth import AuthMiddleware
from torchscope.server.body_limit import BodyLimitMiddleware
from torchscope.server.config import ServerConfig
from torchscope.server.context import ServerContext
from torchscope.server.csp import PagePolicy
from torchscope.server.hot_lane import HotLane
from torchscope.server.jsonresponse import JSONResponse
from torchscope.server.security_headers import SecurityHeaders
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


def _middleware(
    config: ServerConfig, signer: SessionSigner, policy: PagePolicy
) -> list[Middleware]:
    """Outermost first: headers on every answer, then who may ask, then how much they send.

    ``signer`` and ``policy`` are the server's one session key and page policy, shared with
    the hot lane, which must accept the same sessions and send the same headers.
    """
    stack = [Middleware(SecurityHeaders, policy=policy)]
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

    signer = SessionSigner()
    policy = PagePolicy(WEB_DIR, config.frame_ancestors)
    app = Starlette(
        routes=routes, lifespan=lifespan, middleware=_middleware(config, signer, policy)
    )
    app.state.context = ServerContext(config=config, plugins=plugin_list)
    app.state.hot_lane = HotLane(
        {config.base_url + path: post for p in plugin_list for path, post in p.hot_posts().items()},
        policy=policy,
        max_body_bytes=config.max_body_bytes,
        signer=signer if config.auth != "none" else None,
    )
    return app

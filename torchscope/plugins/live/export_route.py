"""``GET /data/plugin/live/export?env=NAME&format=json|html``: the Live view's "Export env".

The env is read from the running server's store (journal and all), so the download holds
every point as of now: ``json`` is Visdom's env file, ``html`` a self-contained page that opens
offline (see :mod:`torchscope.export.env_html`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from torchscope.export.env import env_to_visdom_json
from torchscope.export.env_html import env_to_html
from torchscope.live.names import env_id, file_stem
from torchscope.live.store import LiveStore

#: Export formats, with the media type each is answered with.
ENV_EXPORT_MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
}


def env_export_route(store: LiveStore) -> BaseRoute:
    """The ``/export`` route of the Live plugin, reading envs from ``store``."""

    async def export_env(request: Request) -> Response:
        params = request.query_params
        fmt = params.get("format", "json")
        if fmt not in ENV_EXPORT_MEDIA_TYPES:
            known = ", ".join(ENV_EXPORT_MEDIA_TYPES)
            return PlainTextResponse(f"format must be one of {known}, got {fmt!r}", status_code=400)
        try:
            eid = env_id(params.get("env"))
        except ValueError as error:
            return PlainTextResponse(f"env: {error}", status_code=400)
        # The store is only touched from the event loop (it has no locks), so the env is
        # serialized here rather than in a worker thread.
        env = store.envs.get(eid)
        if env is None:
            return PlainTextResponse(f"env {eid!r} not found", status_code=404)
        body = env_to_visdom_json(env) if fmt == "json" else env_to_html(env, eid).encode()
        # The file stem is percent-encoded ASCII, so any env name makes a safe header value.
        headers = {"Content-Disposition": f'attachment; filename="{file_stem(eid)}.{fmt}"'}
        return Response(body, media_type=ENV_EXPORT_MEDIA_TYPES[fmt], headers=headers)

    return Route("/export", export_env, methods=["GET"])

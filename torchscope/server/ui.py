"""Serving the built UI (torchscope/web/) from the package itself: nothing comes from a CDN."""

from __future__ import annotations

import html
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

WEB_DIR = Path(__file__).resolve().parent.parent / "web"

#: Paths that belong to the API: an unknown one is a 404, never the UI page.
_API_PREFIXES = ("data/", "api/")

_NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>torchscope</title>
<p>The torchscope UI is not built in this installation ({web_dir} has no index.html).
Reinstall with <code>pip install -e .</code> (or run <code>make web</code>)
with Node.js 20 available.</p>
"""


class _ImmutableAssets(StaticFiles):
    """Bundle files have content hashes in their names, so browsers may keep them for good."""

    def file_response(self, *args: object, **kwargs: object) -> Response:
        response = super().file_response(*args, **kwargs)  # type: ignore[arg-type]
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _index_html(base_url: str) -> str | None:
    index = WEB_DIR / "index.html"
    try:
        page = index.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    # <base> makes the bundle's relative asset paths work on any route and under any prefix;
    # the page reads its API root from document.baseURI.
    base_tag = f'<base href="{html.escape(base_url, quote=True)}/">'
    return page.replace("<head>", "<head>\n    " + base_tag, 1)


async def index(request: Request) -> Response:
    path = request.path_params.get("path", "")
    if path.startswith(_API_PREFIXES):
        return PlainTextResponse(f"Not found: /{path}", status_code=404)
    page = _index_html(request.app.state.context.config.base_url)
    if page is None:
        return HTMLResponse(_NOT_BUILT.format(web_dir=html.escape(str(WEB_DIR))), status_code=503)
    return HTMLResponse(page, headers={"Cache-Control": "no-cache"})


def asset_routes() -> list[BaseRoute]:
    """Hashed bundle files (cacheable forever) and the UI page for every other GET."""
    return [
        Mount(
            "/assets",
            app=_ImmutableAssets(directory=WEB_DIR / "assets", check_dir=False),
            name="assets",
        ),
        Route("/favicon.svg", _favicon),
    ]


def fallback_routes() -> list[BaseRoute]:
    """The single-page app answers any GET path that no API route took."""
    return [Route("/", index), Route("/{path:path}", index)]


async def _favicon(request: Request) -> Response:
    icon = WEB_DIR / "favicon.svg"
    if not icon.is_file():
        return PlainTextResponse("Not found", status_code=404)
    return Response(icon.read_bytes(), media_type="image/svg+xml")

"""An env of the Live view as one self-contained HTML file that opens offline.

Nothing is fetched when the file is opened: line and scatter panes are inline SVG (drawn by
:mod:`torchscope.export.svg`), text panes are shown in sandboxed frames (their HTML cannot run
scripts), images are the data URLs they were sent as. Every other pane type is listed by name
with its type. The whole env (Visdom's env file, every point) is embedded as JSON and a small
script offers it as a download, so nothing is lost by choosing HTML.
"""

from __future__ import annotations

import html
from typing import Any

from torchscope.export.svg import plot_svg
from torchscope.live import jsonio
from torchscope.live.downsample import DISPLAY_POINTS
from torchscope.live.model import Env, Window

#: Pane types the HTML page draws; the others are named with a placeholder.
SHOWN_PANE_TYPES = ("line and scatter plots", "text", "image")

_STYLE = """
body{font-family:sans-serif;margin:16px;background:#f4f4f4;color:#222}
header{display:flex;gap:16px;align-items:center;margin-bottom:12px}
.panes{display:flex;flex-wrap:wrap;gap:12px}
.pane{background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px;max-width:100%}
.pane h2{font-size:13px;margin:0 0 6px}
.pane iframe{border:0;width:520px;height:240px}
.pane img{max-width:520px}
.missing{color:#777;font-style:italic;width:520px}
"""

# Offers the embedded env file as a download; the only script in the page.
_SCRIPT = """
document.getElementById('download').addEventListener('click', function () {
  var text = document.getElementById('torchscope-env').textContent;
  var link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], {type: 'application/json'}));
  link.download = document.body.dataset.env + '.json';
  link.click();
});
"""


def env_to_html(env: Env, name: str) -> str:
    """The page for env ``name``: its panes in the Live view's order, and the env's data."""
    windows = sorted(env.windows.values(), key=lambda window: window.index)
    panes = "".join(_pane(window) for window in windows) or '<p class="missing">no panes</p>'
    # "</script>" or "<!--" inside a script would change how the page parses: JSON lets every
    # "<" be written as an escape, so none is left.
    data = jsonio.dumps_text(env.to_json()).replace("<", "\\u003c")
    title = html.escape(name)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title} · torchscope</title>'
        f"<style>{_STYLE}</style></head>"
        f'<body data-env="{html.escape(name, quote=True)}">'
        f'<header><h1>{title}</h1><button id="download">Download the env\'s JSON</button>'
        "</header>"
        f'<div class="panes">{panes}</div>'
        f'<script type="application/json" id="torchscope-env">{data}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )


def _pane(window: Window) -> str:
    doc = window.to_json(max_points=DISPLAY_POINTS)
    title = str(doc.get("title") or window.id)
    return (
        f'<section class="pane" data-win="{html.escape(window.id, quote=True)}" '
        f'data-type="{html.escape(window.kind, quote=True)}">'
        f"<h2>{html.escape(title)}</h2>{_pane_body(window.kind, doc.get('content'))}</section>"
    )


def _pane_body(kind: str, content: Any) -> str:
    if kind == "plot" and isinstance(content, dict):
        traces = [t for t in content.get("data") or [] if isinstance(t, dict)]
        layout = content.get("layout") if isinstance(content.get("layout"), dict) else {}
        svg = plot_svg(traces, layout or {})
        if svg is not None:
            return svg
        return _missing("a plot of a type other than line or scatter")
    if kind == "text" and isinstance(content, str):
        # The text is the user's HTML: shown as such, but in a frame that runs no scripts.
        return f'<iframe sandbox="" srcdoc="{html.escape(content, quote=True)}"></iframe>'
    if kind == "image" and isinstance(content, dict):
        src = content.get("src")
        if isinstance(src, str) and src.startswith("data:image/"):
            caption = html.escape(str(content.get("caption") or ""), quote=True)
            return f'<img src="{html.escape(src, quote=True)}" alt="{caption}">'
    return _missing(f"a {kind} pane")


def _missing(what: str) -> str:
    return (
        f'<p class="missing">{html.escape(what)}: not drawn in the HTML export; '
        "its data is in the env's JSON.</p>"
    )

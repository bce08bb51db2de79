"""Markdown -> sanitized HTML, the way TensorBoard renders text summaries and descriptions.

Markdown with tables and fenced code is converted with the ``markdown`` package, then cleaned
with ``nh3`` down to the tags and attributes TensorBoard allows (no scripts, no styles, no event
handlers, links limited to safe URL schemes). A string tensor of rank 1 or 2 becomes an HTML
table of rendered cells; higher ranks keep their first 2-D slice, with a warning above it.
"""

from __future__ import annotations

import html
from typing import Any

import markdown as markdown_lib
import nh3
import numpy as np

_ALLOWED_TAGS = {
    "ul",
    "ol",
    "li",
    "p",
    "pre",
    "code",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "br",
    "strong",
    "em",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "td",
    "tr",
    "th",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "title", "alt"}}
_EXTENSIONS = ["markdown.extensions.tables", "markdown.extensions.fenced_code"]


def _to_text(source: object) -> str:
    # Cells of a string tensor are bytes; a tensor of another dtype is shown as its numbers.
    if isinstance(source, bytes):
        source = source.decode("utf-8", errors="replace")
    elif not isinstance(source, str):
        source = str(source)
    return source.replace("\x00", "")


def sanitize_html(unsafe: str) -> str:
    """Keep only the harmless tags and attributes of ``unsafe``."""
    return nh3.clean(
        unsafe, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRIBUTES, link_rel="noopener noreferrer"
    )


def _unsafe_markdown(source: object) -> str:
    return markdown_lib.markdown(_to_text(source), extensions=_EXTENSIONS)


def markdown_to_safe_html(source: str | bytes) -> str:
    """Render Markdown and sanitize the result."""
    if not source:
        return ""
    return sanitize_html(_unsafe_markdown(source))


def _table_row(cells: list[str], tag: str = "td") -> str:
    return "<tr>\n" + "".join(f"<{tag}>{cell}</{tag}>\n" for cell in cells) + "</tr>\n"


def text_array_to_html(array: np.ndarray[Any, Any], *, markdown: bool = True) -> str:
    """A string tensor (0-D, 1-D, 2-D or more) as sanitized HTML."""
    render = _unsafe_markdown if markdown else (lambda s: html.escape(_to_text(s)))
    if array.ndim == 0:
        return sanitize_html(render(array.item()))
    warning = ""
    if array.ndim > 2:
        warning = markdown_to_safe_html(
            f"**Warning:** this text summary has {array.ndim} dimensions; only the first "
            "two-dimensional slice is shown."
        )
        array = array[(0,) * (array.ndim - 2)]
    if array.size == 0:
        return warning
    rows = array.reshape(-1, 1) if array.ndim == 1 else array
    body = "".join(_table_row([render(cell) for cell in row]) for row in rows)
    return warning + sanitize_html(f"<table>\n<tbody>\n{body}</tbody>\n</table>")

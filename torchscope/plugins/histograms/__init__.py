"""Histograms: ``(left, right, count)`` buckets per step, as TensorBoard's histograms route.

Old-style ``HistogramProto`` values are converted when read (empty end buckets dropped, outer
edges set to the data's min and max), new-style ``[k, 3]`` tensors are served as they are.
Routes: ``tags`` (``{run: {tag: {displayName, description}}}``) and
``histograms?run&tag`` (``[[wall_time, step, [[left, right, count], ...]], ...]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.logdir.payloads import decode_histogram
from torchscope.logdir.serving import LogdirPlugin, endpoint, json_response, query_param
from torchscope.logdir.store import LogdirStore, UnknownTagError
from torchscope.plugins.text.render import markdown_to_safe_html


def histogram_tag_index(store: LogdirStore) -> dict[str, dict[str, dict[str, str]]]:
    """``{run: {tag: {"displayName", "description"}}}`` of every histogram tag."""
    return {
        run: {
            tag: {
                "displayName": info.display_name,
                "description": markdown_to_safe_html(info.description),
            }
            for tag, info in tags.items()
        }
        for run, tags in store.tags("histograms").items()
    }


def histogram_series(store: LogdirStore, run: str, tag: str) -> list[tuple[float, int, Any]]:
    """``(wall_time, step, rows)`` of every kept histogram of ``run``/``tag``."""
    if store.tag_info(run, tag).plugin != "histograms":
        raise UnknownTagError(f"tag {tag!r} of run {run!r} holds no histograms")
    return [
        (item.wall_time, item.step, decode_histogram(item.payload))
        for item in store.samples(run, tag)
    ]


class HistogramsPlugin(LogdirPlugin):
    """Histograms logged with ``add_histogram`` / ``add_histogram_raw``."""

    name: ClassVar[str] = "histograms"
    tab_name: ClassVar[str] = "Histograms"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/histograms", endpoint(self._histograms)),
        ]

    def _tags(self, request: Request) -> Response:
        return json_response(histogram_tag_index(self.store), finite=True)

    def _histograms(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        series = histogram_series(self.store, run, tag)
        return json_response([[wall, step, rows.tolist()] for wall, step, rows in series])


__all__ = ["HistogramsPlugin", "histogram_series", "histogram_tag_index"]

"""Scalars: every point of every scalar series, TensorBoard's routes plus downsampled series.

TensorBoard's routes (``tags``, ``scalars`` as JSON or CSV, ``scalars_multirun``) answer every
stored point unless ``samples=N`` asks for fewer. torchscope's own routes serve the charts:

* ``series?run&tag&buckets=N[&start_step&end_step]``: the points in the step range reduced to
  each of ``N`` buckets' first, last, minimum and maximum point (spikes survive);
* ``range?run&tag&start_step&end_step``: every point in the step range (a zoomed view);
* both take ``restart_aware=true`` to keep only the newest point of each step (a run resumed
  from a checkpoint then draws without zig-zags);
* ``series_multirun`` (POST form ``tag``, repeated ``runs``, ``buckets``): ``series`` for
  several runs in one request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.logdir import UnknownRunError, UnknownTagError
from torchscope.logdir.serving import (
    BadRequest,
    LogdirPlugin,
    endpoint,
    in_thread,
    int_param,
    json_response,
    query_param,
)
from torchscope.plugins.scalars.series import columns_payload, evenly_spaced, tb_csv, tb_rows
from torchscope.plugins.text.render import markdown_to_safe_html

MAX_BUCKETS = 100_000


class ScalarsPlugin(LogdirPlugin):
    """Scalar series of the log directory."""

    name: ClassVar[str] = "scalars"
    tab_name: ClassVar[str] = "Scalars"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/scalars", endpoint(self._scalars)),
            Route("/scalars_multirun", self._scalars_multirun, methods=["POST"]),
            Route("/series", endpoint(self._series)),
            Route("/range", endpoint(self._range)),
            Route("/series_multirun", self._series_multirun, methods=["POST"]),
        ]

    def tag_index(self) -> dict[str, dict[str, dict[str, str]]]:
        """``{run: {tag: {"displayName", "description"}}}`` for every scalar tag."""
        return {
            run: {
                tag: {
                    "displayName": info.display_name,
                    "description": markdown_to_safe_html(info.description),
                }
                for tag, info in tags.items()
            }
            for run, tags in self.store.tags(self.name).items()
        }

    def _tags(self, request: Request) -> Response:
        return json_response(self.tag_index(), finite=True)

    def _scalars(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        view = self.store.scalars(run, tag)
        if request.query_params.get("format") == "csv":
            return Response(tb_csv(view), media_type="text/csv")
        samples = int_param(request, "samples")
        if samples is not None and samples < 1:
            raise BadRequest("samples must be >= 1")
        indices = evenly_spaced(len(view), samples) if samples is not None else None
        return json_response(tb_rows(view, indices), finite=True)

    async def _scalars_multirun(self, request: Request) -> Response:
        form = await request.form()
        tag = form.get("tag")
        runs = [str(run) for run in form.getlist("runs")]

        def answer() -> Response:
            if not isinstance(tag, str):
                raise BadRequest("missing form field 'tag'")
            result: dict[str, Any] = {}
            for run in runs:
                try:
                    result[run] = tb_rows(self.store.scalars(run, tag))
                except (UnknownRunError, UnknownTagError):
                    continue  # TensorBoard leaves absent combinations out
            return json_response(result, finite=True)

        return await in_thread(answer)

    def _series(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        buckets = _buckets(request.query_params.get("buckets"), default=1000)
        payload = columns_payload(
            self.store.scalars(run, tag),
            buckets=buckets,
            start=int_param(request, "start_step"),
            end=int_param(request, "end_step"),
            restart_aware=_flag(request, "restart_aware"),
        )
        return json_response({"run": run, "tag": tag, **payload}, finite=True)

    def _range(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        payload = columns_payload(
            self.store.scalars(run, tag),
            buckets=None,
            start=int_param(request, "start_step"),
            end=int_param(request, "end_step"),
            restart_aware=_flag(request, "restart_aware"),
        )
        return json_response({"run": run, "tag": tag, **payload}, finite=True)

    async def _series_multirun(self, request: Request) -> Response:
        form = await request.form()
        tag = form.get("tag")
        runs = [str(run) for run in form.getlist("runs")]
        raw_buckets = form.get("buckets")

        def answer() -> Response:
            if not isinstance(tag, str):
                raise BadRequest("missing form field 'tag'")
            buckets = _buckets(raw_buckets if isinstance(raw_buckets, str) else None, 1000)
            result: dict[str, Any] = {}
            for run in runs:
                try:
                    view = self.store.scalars(run, tag)
                except (UnknownRunError, UnknownTagError):
                    continue
                result[run] = columns_payload(view, buckets=buckets)
            return json_response(result, finite=True)

        return await in_thread(answer)


def _flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() in ("1", "true", "yes")


def _buckets(raw: str | None, default: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        buckets = int(raw)
    except ValueError:
        raise BadRequest(f"buckets must be an integer, got {raw!r}") from None
    if not 1 <= buckets <= MAX_BUCKETS:
        raise BadRequest(f"buckets must be between 1 and {MAX_BUCKETS}, got {buckets}")
    return buckets


__all__ = ["ScalarsPlugin"]

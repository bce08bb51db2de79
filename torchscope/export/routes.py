"""``GET /data/export/scalars``: the Scalars view's "download all" for a selection.

Query parameters: ``format`` (``csv``, ``json`` or ``parquet``; default ``csv``), ``runs`` and
``tags`` (regular expressions, as ``torchscope export`` takes them). The answer is every point of
every selected series, streamed as it is produced, with a file name to save it under.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from torchscope.export.scalar_formats import csv_chunks, json_chunks
from torchscope.export.scalars import check_format, export_scalars, series_views
from torchscope.export.selection import select_series
from torchscope.logdir.routes import store_of

#: Seconds an export waits for the first read of the logdir before answering 503.
LOAD_WAIT = 120.0

_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}


async def export_scalars_route(request: Request) -> Response:
    """Every point of the selected scalar series, as a download."""
    store = store_of(request)
    if store is None:
        return PlainTextResponse("this server has no --logdir", status_code=404)
    # "Every point" means waiting for the first read of the logdir to finish.
    if not await run_in_threadpool(store.wait_until_loaded, LOAD_WAIT):
        return PlainTextResponse(
            "the log directory is still being read; try again shortly", status_code=503
        )
    params = request.query_params
    runs, tags = params.get("runs"), params.get("tags")
    try:
        fmt = check_format(params.get("format", "csv"))
        keys = await run_in_threadpool(select_series, store, runs, tags)
    except ValueError as error:
        return PlainTextResponse(str(error), status_code=400)
    headers = {"Content-Disposition": f'attachment; filename="scalars.{fmt}"'}
    if fmt == "parquet":
        buffer = io.BytesIO()
        try:
            # Parquet's footer comes last: the file is built whole, then sent.
            await run_in_threadpool(export_scalars, store, buffer, "parquet", runs, tags)
        except ImportError as error:
            return PlainTextResponse(str(error), status_code=501)
        return Response(buffer.getvalue(), media_type=_MEDIA_TYPES[fmt], headers=headers)
    series = series_views(store, keys)
    chunks: Iterator[bytes] = csv_chunks(series) if fmt == "csv" else json_chunks(series)
    return StreamingResponse(
        iterate_in_threadpool(chunks), media_type=_MEDIA_TYPES[fmt], headers=headers
    )


def export_routes() -> list[BaseRoute]:
    """The export routes, to add beside the server's core routes."""
    return [Route("/data/export/scalars", export_scalars_route)]

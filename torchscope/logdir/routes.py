"""Core routes about the log directory itself: ``/data/runs`` and ``/data/logdir_status``.

They live beside the server's other core routes (not under a plugin) because TensorBoard
serves ``/data/runs`` there. Both answer for the shared :class:`LogdirStore` that the logdir
plugins hold; without a ``--logdir`` the run list is empty.
"""

from __future__ import annotations

import dataclasses

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.logdir.serving import json_response
from torchscope.logdir.store import LogdirStore


def store_of(request: Request) -> LogdirStore | None:
    """The logdir store of the app serving ``request`` (``None`` without a logdir)."""
    context = getattr(request.app.state, "context", None)
    for plugin in getattr(context, "plugins", ()):
        store = getattr(plugin, "store", None)
        if isinstance(store, LogdirStore):
            return store
    return None


async def data_runs(request: Request) -> Response:
    """TensorBoard's ``/data/runs``: run names, oldest first; new runs are appended."""
    store = store_of(request)
    runs = await run_in_threadpool(store.runs) if store is not None else []
    return json_response(runs, finite=True)


async def data_logdir_status(request: Request) -> Response:
    """Reading health and progress per run.

    ``{"loaded": bool, "runs": {run: {"corrupt_records", "skipped_bytes",
    "undecodable_records", "purged_points", "event_files", "bytes_read", "bytes_total"}}}``:
    ``loaded`` turns true once every file present at start-up was read.
    """
    store = store_of(request)
    if store is None:
        return json_response({"loaded": True, "runs": {}}, finite=True)
    status = await run_in_threadpool(store.status)
    runs = {run: dataclasses.asdict(item) for run, item in status.items()}
    return json_response({"loaded": store.loaded, "runs": runs}, finite=True)


def runs_routes() -> list[BaseRoute]:
    """The routes to add to the server's core routes."""
    return [
        Route("/data/runs", data_runs),
        Route("/data/logdir_status", data_logdir_status),
    ]

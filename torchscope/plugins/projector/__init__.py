"""Projector: the embeddings that ``add_embedding`` saved next to a run's event files.

Routes (TensorBoard's):

* ``runs``: runs with a ``projector_config.pbtxt``;
* ``info?run=R``: the config as JSON (``embeddings``: ``tensorName``, ``tensorShape``,
  ``tensorPath``, ``metadataPath``, ``sprite`` {``imagePath``, ``singleImageDim``});
* ``tensor?run&name``: the vectors as raw little-endian float32, row-major;
* ``metadata?run&name[&num_rows=N]``: the metadata table as TSV (header line when it has
  several columns);
* ``sprite_image?run&name``: the sprite atlas image;
* ``bookmarks?run&name``: the saved bookmarks (JSON), ``[]`` when there are none.

and torchscope's own, in :mod:`.projection_routes`: ``projection`` (POST starts a PCA, t-SNE or
UMAP job, GET polls it and fetches its coordinates, DELETE cancels it) and ``neighbors`` (the
nearest points of one point on the original vectors).

The files are read by :mod:`torchscope.embed.projector_data`; the run list is rescanned at most
every few seconds, in the background, so that a tab poll never waits on a large logdir.

Given the live store, the plugin also serves the embeddings windows that ``torchscope.Visdom``
sent with their vectors, as runs named ``live:<env>/<win>`` (:mod:`.live_sources`), through the
same routes; it then exists without a logdir too.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, ClassVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from torchscope.embed.projector_data import (
    EmbeddingData,
    ProjectorDataError,
    ProjectorRun,
    find_projector_runs,
    read_embedding,
)
from torchscope.live import LiveStore
from torchscope.logdir.serving import (
    BadRequest,
    endpoint,
    in_thread,
    int_param,
    json_response,
    query_param,
)
from torchscope.logdir.store import LogdirStore, UnknownRunError, UnknownTagError
from torchscope.plugins.base import Plugin

from .live_sources import LiveEmbeddingSources
from .projection_routes import ProjectionRoutes

#: Seconds a scan of the logdir for projector configs stays fresh.
RESCAN_SECONDS = 5.0
_CACHED_EMBEDDINGS = 4


class ProjectorPlugin(Plugin):
    """Embeddings of the log directory (``store``) and of the live store, for the projector view.

    Either may be None: the logdir store when the server has no logdir, the live store when
    live windows are not served.
    """

    name: ClassVar[str] = "projector"
    tab_name: ClassVar[str] = "Projector"

    def __init__(self, store: LogdirStore | None, live_store: LiveStore | None = None) -> None:
        self.store = store
        self.live = LiveEmbeddingSources(live_store) if live_store is not None else None
        self._runs: dict[str, ProjectorRun] = {}
        self._scanned_at = -float("inf")
        self._scan_lock = threading.Lock()
        self._embeddings: OrderedDict[tuple[str, str, str], EmbeddingData] = OrderedDict()
        self._embeddings_lock = threading.Lock()
        self.projections = ProjectionRoutes(self.embedding)

    # -- run list ----------------------------------------------------------------------------

    def _scan(self, wait: bool) -> None:
        # Waiting callers queue behind a scan in progress, then reuse its result.
        if not self._scan_lock.acquire(blocking=wait):
            return
        try:
            if time.monotonic() - self._scanned_at <= RESCAN_SECONDS:
                return
            try:
                self._runs = (
                    find_projector_runs(self.store.logdir) if self.store is not None else {}
                )
            except (OSError, ProjectorDataError):
                self._runs = {}
            self._scanned_at = time.monotonic()
        finally:
            self._scan_lock.release()

    def projector_runs(self, wait: bool = True) -> dict[str, ProjectorRun]:
        """Runs with a projector config (rescanned when older than ``RESCAN_SECONDS``)."""
        if time.monotonic() - self._scanned_at > RESCAN_SECONDS:
            if wait:
                self._scan(wait=True)
            else:
                threading.Thread(
                    target=self._scan, args=(False,), name="projector-scan", daemon=True
                ).start()
        return self._runs

    def is_active(self) -> bool:
        if self.live is not None and self.live.run_names():
            return True
        return bool(self.projector_runs(wait=False))

    def listing(self) -> dict[str, Any]:
        entry = super().listing()
        entry["loaded"] = self.store.loaded if self.store is not None else True
        return entry

    def _live_run(self, name: str) -> bool:
        return self.live is not None and name in self.live

    def _run(self, request: Request) -> ProjectorRun:
        name = query_param(request, "run")
        run = self.projector_runs().get(name)
        if run is None:
            raise UnknownRunError(f"run {name!r} has no projector config")
        return run

    def _embedding(self, request: Request) -> EmbeddingData:
        return self.embedding(query_param(request, "run"), query_param(request, "name"))

    def embedding(self, run_name: str, tensor_name: str) -> EmbeddingData:
        """The vectors, metadata and sprite of one embedding (the last few are kept)."""
        if self.live is not None and self._live_run(run_name):
            return self.live.embedding(run_name, tensor_name)
        run = self.projector_runs().get(run_name)
        if run is None:
            raise UnknownRunError(f"run {run_name!r} has no projector config")
        key = (run.name, run.config_path, tensor_name)
        with self._embeddings_lock:
            data = self._embeddings.get(key)
        if data is not None:
            return data
        try:
            data = read_embedding(run, run.embedding(tensor_name))
        except KeyError as error:
            raise UnknownTagError(str(error.args[0])) from None
        except ProjectorDataError as error:
            raise BadRequest(str(error)) from None
        with self._embeddings_lock:
            self._embeddings[key] = data
            while len(self._embeddings) > _CACHED_EMBEDDINGS:
                self._embeddings.popitem(last=False)
        return data

    # -- routes ------------------------------------------------------------------------------

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/runs", endpoint(self._runs_route)),
            Route("/info", endpoint(self._info)),
            Route("/tensor", endpoint(self._tensor)),
            Route("/metadata", endpoint(self._metadata)),
            Route("/sprite_image", endpoint(self._sprite_image)),
            Route("/bookmarks", endpoint(self._bookmarks)),
            Route("/projection", self._projection, methods=["GET", "POST", "DELETE"]),
            Route("/neighbors", endpoint(self.projections.neighbors)),
        ]

    async def _projection(self, request: Request) -> Response:
        if request.method == "POST":
            body = await request.body()
            return await in_thread(lambda: self.projections.start(body))
        if request.method == "DELETE":
            return await in_thread(lambda: self.projections.cancel(request))
        return await in_thread(lambda: self.projections.status(request))

    async def close(self) -> None:
        self.projections.jobs.close()
        if self.store is not None:
            # The store is shared by every logdir plugin; closing it twice is harmless.
            await run_in_threadpool(self.store.close)

    def _runs_route(self, request: Request) -> Response:
        live = self.live.run_names() if self.live is not None else []
        return json_response([*self.projector_runs(), *live], finite=True)

    def _info(self, request: Request) -> Response:
        name = query_param(request, "run")
        if self.live is not None and self._live_run(name):
            return json_response(self.live.info(name), finite=True)
        run = self._run(request)
        embeddings: list[dict[str, Any]] = []
        for info in run.config.embeddings:
            entry: dict[str, Any] = {
                "tensorName": info.tensor_name,
                "tensorShape": list(info.tensor_shape),
                "tensorPath": info.tensor_path,
                "metadataPath": info.metadata_path,
            }
            if info.bookmarks_path:
                entry["bookmarksPath"] = info.bookmarks_path
            if info.sprite is not None:
                entry["sprite"] = {
                    "imagePath": info.sprite.image_path,
                    "singleImageDim": list(info.sprite.single_image_dim),
                }
            embeddings.append(entry)
        config: dict[str, Any] = {"embeddings": embeddings}
        if run.config.model_checkpoint_path:
            config["modelCheckpointPath"] = run.config.model_checkpoint_path
        return json_response(config, finite=True)

    def _tensor(self, request: Request) -> Response:
        data = self._embedding(request)
        body = data.tensor.astype("<f4", copy=False).tobytes()
        rows, dims = data.shape
        headers = {"X-Tensor-Shape": f"{rows},{dims}"}
        return Response(body, media_type="application/octet-stream", headers=headers)

    def _metadata(self, request: Request) -> Response:
        data = self._embedding(request)
        if data.metadata is None:
            raise UnknownTagError(f"embedding {data.info.tensor_name!r} has no metadata")
        limit = int_param(request, "num_rows")
        rows = data.metadata.rows if limit is None else data.metadata.rows[: max(limit, 0)]
        lines = ["\t".join(row) for row in rows]
        if len(data.metadata.columns) > 1:
            lines.insert(0, "\t".join(data.metadata.columns))
        return PlainTextResponse("\n".join(lines) + "\n", media_type="text/tab-separated-values")

    def _sprite_image(self, request: Request) -> Response:
        data = self._embedding(request)
        if data.sprite is None:
            raise UnknownTagError(f"embedding {data.info.tensor_name!r} has no sprite")
        out = io.BytesIO()
        data.sprite.image.save(out, format="PNG")
        return Response(out.getvalue(), media_type="image/png")

    def _bookmarks(self, request: Request) -> Response:
        if self._live_run(query_param(request, "run")):
            return json_response([], finite=True)
        run = self._run(request)
        tensor_name = query_param(request, "name")
        try:
            info = run.embedding(tensor_name)
        except KeyError as error:
            raise UnknownTagError(str(error.args[0])) from None
        if not info.bookmarks_path:
            return json_response([], finite=True)
        try:
            with run.filesystem.open(run.resolve(info.bookmarks_path), "rb") as stream:
                return json_response(json.loads(stream.read().decode("utf-8")))
        except (OSError, ValueError, ProjectorDataError) as error:
            raise BadRequest(f"cannot read bookmarks: {error}") from None


__all__ = ["ProjectorPlugin"]

"""The projector's computing routes: projection jobs and nearest neighbours.

* ``POST projection`` with JSON ``{run, name, method: pca|tsne|umap, dims: 2|3, params}``
  starts a job (or joins the equal one already running or finished) and answers
  ``{job_id, created, status}``;
* ``GET projection?job=ID`` is the job's state (``status``: queued, running, done, failed or
  cancelled; ``phase``, ``iteration``, ``total``, ``fraction``, ``error``, ``shape``) and, once
  done, the coordinates inline when they are small (``coordinates``: rows of numbers); PCA adds
  ``explained_variance`` and ``explained_variance_ratio`` of every component;
* ``GET projection?job=ID&format=f32[&components=0,1,2]`` is the layout as raw little-endian
  float32, row-major (``X-Projection-Shape: rows,cols``): the final one, or the latest one of a
  running t-SNE/UMAP so a viewer can watch it converge; ``components`` picks PCA columns;
* ``DELETE projection?job=ID`` cancels;
* ``GET neighbors?run&name&index&k=10&metric=cosine|euclidean``: the ``k`` nearest points of
  point ``index`` on the original vectors, ``{indices, distances}``, closest first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import orjson
from starlette.requests import Request
from starlette.responses import Response

from torchscope.embed import EmbeddingData, NeighborIndex, PCAResult
from torchscope.logdir.serving import BadRequest, int_param, json_response, query_param
from torchscope.logdir.store import UnknownTagError

from .projection_jobs import ProjectionJobs, TrackedJob
from .projection_request import parse_projection_request

#: Layouts up to this many numbers are also sent inline as JSON.
INLINE_VALUES = 20_000
#: Most neighbours one request may ask for.
MAX_NEIGHBORS = 200
_CACHED_INDEXES = 4

EmbeddingLookup = Callable[[str, str], EmbeddingData]


class ProjectionRoutes:
    """Handlers of the projection and neighbour routes over an embedding lookup."""

    def __init__(self, lookup: EmbeddingLookup, jobs: ProjectionJobs | None = None) -> None:
        self._lookup = lookup
        self.jobs = jobs if jobs is not None else ProjectionJobs()
        # Keyed by the tensor's identity; the entry keeps the tensor so the id stays unique.
        self._indexes: OrderedDict[tuple[int, str], tuple[object, NeighborIndex]] = OrderedDict()
        self._indexes_lock = threading.Lock()

    # -- projection jobs ----------------------------------------------------------------------

    def start(self, body: bytes) -> Response:
        """``POST projection``."""
        try:
            decoded = orjson.loads(body) if body else None
        except orjson.JSONDecodeError as error:
            raise BadRequest(f"the body is not valid JSON: {error}") from None
        run = decoded.get("run") if isinstance(decoded, dict) else None
        name = decoded.get("name") if isinstance(decoded, dict) else None
        if isinstance(run, str) and isinstance(name, str):
            data = self._lookup(run, name)
            n_points, n_dims = data.shape
        else:
            data, n_points, n_dims = None, 0, 0
        request = parse_projection_request(decoded, n_points, n_dims)
        assert data is not None  # parse_projection_request rejects a missing run or name
        tracked, created = self.jobs.submit(
            request.key(),
            request.method,
            data.tensor,
            run=request.run,
            name=request.name,
            dims=request.dims,
            params=request.params,
        )
        answer = {"job_id": tracked.id, "created": created, "status": tracked.snapshot()["status"]}
        return json_response(answer, finite=True)

    def status(self, request: Request) -> Response:
        """``GET projection?job=ID[&format=f32]``."""
        tracked = self._tracked(request)
        if request.query_params.get("format") == "f32":
            return self._binary(tracked, request.query_params.get("components"))
        state = tracked.snapshot()
        state["queue_position"] = self.jobs.queue_position(tracked.id)
        result = tracked.job.result
        coordinates = tracked.job.coordinates
        state["shape"] = None if coordinates is None else list(coordinates.shape)
        if isinstance(result, PCAResult):
            state["explained_variance"] = result.explained_variance.tolist()
            state["explained_variance_ratio"] = result.explained_variance_ratio.tolist()
        if result is not None and result.coordinates.size <= INLINE_VALUES:
            state["coordinates"] = result.coordinates.tolist()
        return json_response(state)

    def cancel(self, request: Request) -> Response:
        """``DELETE projection?job=ID``."""
        job_id = query_param(request, "job")
        tracked = self.jobs.cancel(job_id)
        if tracked is None:
            raise UnknownTagError(f"no projection job {job_id!r} (finished jobs are forgotten)")
        tracked.job.wait(timeout=2.0)  # usually stops within one progress step
        return json_response(tracked.snapshot())

    def _tracked(self, request: Request) -> TrackedJob:
        job_id = query_param(request, "job")
        tracked = self.jobs.get(job_id)
        if tracked is None:
            raise UnknownTagError(f"no projection job {job_id!r} (finished jobs are forgotten)")
        return tracked

    def _binary(self, tracked: TrackedJob, components: str | None) -> Response:
        coordinates = tracked.job.coordinates
        if coordinates is None:
            raise UnknownTagError(f"projection job {tracked.id} has no coordinates yet")
        if components:
            coordinates = coordinates[:, _columns(components, coordinates.shape[1])]
        body = np.ascontiguousarray(coordinates, dtype="<f4").tobytes()
        headers = {
            "X-Projection-Shape": f"{coordinates.shape[0]},{coordinates.shape[1]}",
            "X-Projection-Status": tracked.job.status.value,
            "Cache-Control": "no-store",
        }
        return Response(body, media_type="application/octet-stream", headers=headers)

    # -- nearest neighbours -------------------------------------------------------------------

    def neighbors(self, request: Request) -> Response:
        """``GET neighbors?run&name&index&k&metric``."""
        data = self._lookup(query_param(request, "run"), query_param(request, "name"))
        index = int_param(request, "index")
        if index is None:
            raise BadRequest("missing query parameter 'index'")
        n_points = data.shape[0]
        if not 0 <= index < n_points:
            raise BadRequest(f"index must be between 0 and {n_points - 1}, got {index}")
        k = int_param(request, "k", 10)
        assert k is not None
        if not 1 <= k <= MAX_NEIGHBORS:
            raise BadRequest(f"k must be between 1 and {MAX_NEIGHBORS}, got {k}")
        k = min(k, n_points - 1)
        metric = request.query_params.get("metric", "cosine")
        if metric not in ("cosine", "euclidean"):
            raise BadRequest(f"metric must be 'cosine' or 'euclidean', got {metric!r}")
        if k < 1:
            return json_response({"indices": [], "distances": [], "metric": metric})
        found = self._index(data, metric).query(index, k)
        indices = np.asarray(found.indices).reshape(-1)
        distances = np.asarray(found.distances).reshape(-1)
        return json_response(
            {"indices": indices.tolist(), "distances": distances.tolist(), "metric": metric}
        )

    def _index(self, data: EmbeddingData, metric: str) -> NeighborIndex:
        key = (id(data.tensor), metric)
        with self._indexes_lock:
            entry = self._indexes.get(key)
            if entry is not None and entry[0] is data.tensor:
                self._indexes.move_to_end(key)
                return entry[1]
        index = NeighborIndex(data.tensor, "cosine" if metric == "cosine" else "euclidean")
        with self._indexes_lock:
            self._indexes[key] = (data.tensor, index)
            while len(self._indexes) > _CACHED_INDEXES:
                self._indexes.popitem(last=False)
        return index


def _columns(text: str, available: int) -> npt.NDArray[np.intp]:
    try:
        columns = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise BadRequest(f"components must be comma-separated integers, got {text!r}") from None
    if not columns or any(not 0 <= column < available for column in columns):
        raise BadRequest(f"components must be between 0 and {available - 1}, got {text!r}")
    return np.array(columns, dtype=np.intp)


__all__ = ["INLINE_VALUES", "MAX_NEIGHBORS", "ProjectionRoutes"]

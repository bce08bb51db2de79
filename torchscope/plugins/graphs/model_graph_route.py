"""Model graphs for the Graphs view, in torchscope's own JSON (``torchscope.graph/1``).

Two sources, both under the log directory:

- the GraphDef that ``SummaryWriter.add_graph`` wrote into a run's event files, converted by
  :func:`torchscope.graph.from_graphdef` with the tracer's plumbing hidden (tag ``""``);
- graph files ``<tag>.torchscope-graph.json`` in a run's folder, written by
  :func:`torchscope.graph.files.save_model_graph` (or ``ModelGraph.to_json()``); such a
  folder is a run even without event files.

Routes (under ``/data/plugin/graphs/``): ``model_graphs`` lists
``[{"run", "tag", "source"}]``; ``model_graph?run=R[&tag=T]`` answers one graph's JSON.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from torchscope.graph.files import GRAPH_FILE_SUFFIX, graph_file_name, save_model_graph
from torchscope.logdir.serving import endpoint, json_response, query_param
from torchscope.logdir.store import LogdirStore, UnknownRunError, UnknownTagError

if TYPE_CHECKING:
    from torchscope.graph.model import ModelGraph

#: Converted graphs kept in memory (a large model's JSON is a few hundred KB).
_CACHE_SIZE = 16


class ModelGraphRoutes:
    """The two routes, reading one :class:`LogdirStore`."""

    def __init__(self, store: LogdirStore) -> None:
        self.store = store
        self._cache: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/model_graphs", endpoint(self._list)),
            Route("/model_graph", endpoint(self._graph)),
        ]

    # -- listing -----------------------------------------------------------------------------

    def graph_files(self) -> dict[tuple[str, str], Any]:
        """``{(run, tag): FileInfo}`` of every graph file under the logdir."""
        found = {}
        for info in self.store.fs.list_files():
            if info.name.endswith(GRAPH_FILE_SUFFIX) and len(info.name) > len(GRAPH_FILE_SUFFIX):
                found[(info.directory, info.name[: -len(GRAPH_FILE_SUFFIX)])] = info
        return found

    def listing(self) -> list[dict[str, str]]:
        """Every graph the view can show: GraphDefs first (in run order), then graph files."""
        entries = [
            {"run": run, "tag": "", "source": "graphdef"}
            for run in self.store.graph_runs()
            if self.store.graph(run) is not None
        ]
        entries += [
            {"run": run, "tag": tag, "source": "json"} for run, tag in sorted(self.graph_files())
        ]
        return entries

    def _list(self, request: Request) -> Response:
        return json_response(self.listing(), finite=True)

    # -- one graph ---------------------------------------------------------------------------

    def _graph(self, request: Request) -> Response:
        run = query_param(request, "run")
        tag = request.query_params.get("tag", "")
        try:
            body = self._from_graphdef(run) if tag == "" else self._from_file(run, tag)
        except ValueError as error:
            # The data on disk is not a graph torchscope can read: say why, don't crash.
            what = "the GraphDef" if tag == "" else f"graph file {tag!r}"
            return PlainTextResponse(
                f"run {run!r}: {what} cannot be read: {error}", status_code=422
            )
        return Response(body, media_type="application/json")

    def _from_graphdef(self, run: str) -> bytes:
        data = self.store.graph(run)  # UnknownRunError -> 404
        if data is None:
            raise UnknownTagError(f"run {run!r} has no GraphDef (logged by add_graph)")

        def convert() -> ModelGraph:
            from torchscope.events.messages import GraphDef
            from torchscope.graph.graphdef import from_graphdef

            try:
                message = GraphDef.FromString(data)
            except Exception as error:  # protobuf's DecodeError has no common base
                raise ValueError(f"not a GraphDef message ({error})") from error
            return from_graphdef(message)

        return self._cached(("graphdef", run, data), convert)

    def _from_file(self, run: str, tag: str) -> bytes:
        files = self.graph_files()
        info = files.get((run, tag))
        if info is None:
            if run not in self.store.runs() and all(known != run for known, _ in files):
                raise UnknownRunError(f"no run named {run!r}")
            raise UnknownTagError(f"run {run!r} has no graph file {tag!r}")

        def convert() -> ModelGraph:
            from torchscope.graph.model import ModelGraph

            text = self.store.fs.read(info.path, 0, info.size)
            try:
                return ModelGraph.from_json(text)
            except (KeyError, TypeError) as error:
                raise ValueError(str(error)) from error

        return self._cached(("json", info.path, info.size, info.mtime), convert)

    def _cached(self, key: Hashable, convert: Callable[[], ModelGraph]) -> bytes:
        with self._lock:
            body = self._cache.get(key)
            if body is not None:
                self._cache.move_to_end(key)
                return body
        # Converting and re-serializing validates the graph and normalizes its JSON.
        body = orjson.dumps(convert().to_dict())
        with self._lock:
            self._cache[key] = body
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return body


def model_graph_routes(store: LogdirStore) -> Sequence[BaseRoute]:
    """The ``model_graphs`` and ``model_graph`` routes of the Graphs plugin."""
    return ModelGraphRoutes(store).routes()


__all__ = [
    "GRAPH_FILE_SUFFIX",
    "ModelGraphRoutes",
    "graph_file_name",
    "model_graph_routes",
    "save_model_graph",
]

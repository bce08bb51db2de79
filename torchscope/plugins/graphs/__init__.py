"""Graphs: the run's GraphDef (``add_graph``) and its tagged run metadata, as protobuf text.

Routes (TensorBoard's): ``info`` (``{run: {"run", "run_graph", "tags": {tag: {"tag",
"conceptual_graph", "op_graph", "profile"}}}}``), ``graph?run=R`` (the latest GraphDef in
protobuf text format; ``limit_attr_size=N`` replaces longer attribute values by a note, as
TensorBoard does) and ``run_metadata?run&tag`` (RunMetadata in text format).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from google.protobuf import text_format
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import GraphDef, RunMetadata
from torchscope.logdir.serving import (
    BadRequest,
    LogdirPlugin,
    endpoint,
    int_param,
    json_response,
    query_param,
)
from torchscope.logdir.store import UnknownTagError
from torchscope.plugins.graphs.model_graph_route import model_graph_routes

#: Attribute name listing the attributes dropped by ``limit_attr_size`` (TensorBoard's).
LARGE_ATTRS_KEY = "_too_large_attrs"


class GraphsPlugin(LogdirPlugin):
    """Model graphs of the log directory."""

    name: ClassVar[str] = "graphs"
    tab_name: ClassVar[str] = "Graphs"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/info", endpoint(self._info)),
            Route("/graph", endpoint(self._graph)),
            Route("/run_metadata", endpoint(self._run_metadata)),
            *model_graph_routes(self.store),
        ]

    def _info(self, request: Request) -> Response:
        result: dict[str, Any] = {}
        for run in self.store.graph_runs():
            tags = {
                tag: {"tag": tag, "conceptual_graph": False, "op_graph": False, "profile": True}
                for tag in self.store.run_metadata(run)
            }
            result[run] = {
                "run": run,
                "tags": tags,
                "run_graph": self.store.graph(run) is not None,
            }
        return json_response(result, finite=True)

    def _graph(self, request: Request) -> Response:
        run = query_param(request, "run")
        if request.query_params.get("tag"):
            raise UnknownTagError("tagged run metadata of PyTorch writers holds no graph")
        data = self.store.graph(run)
        if data is None:
            raise UnknownTagError(f"run {run!r} has no graph")
        graph = GraphDef.FromString(data)
        limit = int_param(request, "limit_attr_size")
        if limit is not None:
            if limit < 0:
                raise BadRequest("limit_attr_size must be >= 0")
            _drop_large_attrs(graph, limit)
        return PlainTextResponse(text_format.MessageToString(graph))

    def _run_metadata(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        data = self.store.run_metadata(run).get(tag)
        if data is None:
            raise UnknownTagError(f"run {run!r} has no run metadata {tag!r}")
        return PlainTextResponse(text_format.MessageToString(RunMetadata.FromString(data)))


def _drop_large_attrs(graph: Any, limit: int) -> None:
    for node in graph.node:
        too_large = [key for key, value in node.attr.items() if value.ByteSize() > limit]
        for key in too_large:
            del node.attr[key]
        if too_large:
            node.attr[LARGE_ATTRS_KEY].list.s.extend(key.encode() for key in sorted(too_large))


__all__ = ["GraphsPlugin"]

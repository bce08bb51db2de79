"""Mesh: point clouds and triangle meshes (``add_mesh``), grouped by mesh name.

``add_mesh`` writes up to three tags per mesh (vertices, faces, colors), each a ``[B, N, 3]``
tensor whose plugin data names the mesh. Routes (TensorBoard's):

* ``tags``: ``{run: {mesh name: {"samples": B}}}``;
* ``meshes?run&tag=<name>``: one entry per component and step: ``{"wall_time", "step",
  "content_type" (1 vertex, 2 face, 3 color), "components", "config", "data_shape"}``;
* ``data?run&tag=<name>&content_type=VERTEX|FACE|COLOR&sample=0&step=S``: that component's
  numbers as raw little-endian bytes (float32 vertices, int32 faces, uint8 colors).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import MeshPluginData, TensorProto
from torchscope.logdir.serving import (
    BadRequest,
    LogdirPlugin,
    endpoint,
    int_param,
    json_response,
    query_param,
)
from torchscope.logdir.store import UnknownTagError
from torchscope.logdir.tensors import tensor_to_numpy

_CONTENT_TYPES = {"VERTEX": 1, "FACE": 2, "COLOR": 3}
_WIRE_DTYPES = {1: "<f4", 2: "<i4", 3: "u1"}


class MeshPlugin(LogdirPlugin):
    """3-D meshes and point clouds."""

    name: ClassVar[str] = "mesh"
    tab_name: ClassVar[str] = "Mesh"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/meshes", endpoint(self._meshes)),
            Route("/data", endpoint(self._data)),
        ]

    def _components(self, run: str) -> dict[str, list[tuple[str, Any]]]:
        """Mesh name -> ``[(instance tag, MeshPluginData), ...]`` for one run."""
        meshes: dict[str, list[tuple[str, Any]]] = {}
        for tag, info in self.store.tags(self.name).get(run, {}).items():
            data = MeshPluginData.FromString(info.plugin_content)
            meshes.setdefault(data.name or tag, []).append((tag, data))
        return meshes

    def _tags(self, request: Request) -> Response:
        result: dict[str, dict[str, Any]] = {}
        for run in self.store.tags(self.name):
            result[run] = {
                name: {"samples": int(parts[0][1].shape[0]) if parts[0][1].shape else 1}
                for name, parts in self._components(run).items()
            }
        return json_response(result, finite=True)

    def _parts(self, request: Request) -> tuple[str, list[tuple[str, Any]]]:
        run, name = query_param(request, "run"), query_param(request, "tag")
        self.store.runs()  # starts the store; an unknown run is answered below
        parts = self._components(run).get(name)
        if not parts:
            self.store.tag_info(run, name)  # raises UnknownRunError for an unknown run
            raise UnknownTagError(f"run {run!r} has no mesh {name!r}")
        return run, parts

    def _meshes(self, request: Request) -> Response:
        run, parts = self._parts(request)
        answer = []
        for tag, data in parts:
            for item in self.store.samples(run, tag):
                answer.append(
                    {
                        "wall_time": item.wall_time,
                        "step": item.step,
                        "content_type": int(data.content_type),
                        "components": int(data.components),
                        "config": data.json_config,
                        "data_shape": list(data.shape),
                    }
                )
        return json_response(answer)

    def _data(self, request: Request) -> Response:
        run, parts = self._parts(request)
        content_type = _CONTENT_TYPES.get(request.query_params.get("content_type", ""))
        if content_type is None:
            raise BadRequest(f"content_type must be one of {sorted(_CONTENT_TYPES)}")
        sample = int_param(request, "sample", 0) or 0
        step = int_param(request, "step")
        for tag, data in parts:
            if int(data.content_type) != content_type:
                continue
            items = self.store.samples(run, tag)
            chosen = [item for item in items if step is None or item.step == step]
            if not chosen:
                break
            try:
                array = tensor_to_numpy(TensorProto.FromString(chosen[-1].payload))
            except ValueError as error:
                raise BadRequest(f"mesh {data.name!r} cannot be decoded: {error}") from None
            if not 0 <= sample < array.shape[0]:
                raise BadRequest(f"sample must be between 0 and {array.shape[0] - 1}")
            numbers = np.ascontiguousarray(array[sample], dtype=_WIRE_DTYPES[content_type])
            return Response(numbers.tobytes(), media_type="application/octet-stream")
        raise UnknownTagError(f"mesh {parts[0][1].name!r} has no such component or step")


__all__ = ["MeshPlugin"]

"""Explain: explanation records logged with ``SummaryWriter.add_explanation``.

Routes: ``tags`` (``{run: [tag, ...]}``), ``explanations?run&tag``
(``[{"step", "wall_time", "methods", "target", "top_k"}, ...]``, oldest first) and
``record?run&tag&step`` (the record logged at that step, as written; the last one when a step
holds several).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import orjson
from google.protobuf.message import DecodeError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import TensorProto
from torchscope.logdir.samples import Sample
from torchscope.logdir.serving import (
    BadRequest,
    LogdirPlugin,
    endpoint,
    int_param,
    json_response,
    query_param,
)
from torchscope.logdir.store import UnknownTagError

#: ``plugin_name`` of the summaries this plugin reads (see torchscope.client.writer_explain).
EXPLAIN_PLUGIN = "torchscope_explain"


def record_bytes(payload: bytes) -> bytes:
    """The JSON text of a stored explanation summary (its 1-element string tensor)."""
    tensor = TensorProto.FromString(payload)
    if len(tensor.string_val) != 1:
        raise DecodeError(f"an explanation holds one string, found {len(tensor.string_val)}")
    return bytes(tensor.string_val[0])


def record_of(payload: bytes) -> dict[str, Any]:
    """The explanation record of a stored summary."""
    try:
        record = orjson.loads(record_bytes(payload))
    except orjson.JSONDecodeError as error:
        raise DecodeError(f"an explanation record is not JSON: {error}") from None
    if not isinstance(record, dict):
        raise DecodeError("an explanation record must be a JSON object")
    return record


def summary_of(sample: Sample) -> dict[str, Any]:
    """What the step list shows of one record: no pixels."""
    record = record_of(sample.payload)
    return {
        "step": sample.step,
        "wall_time": sample.wall_time,
        "methods": record.get("methods", []),
        "target": record.get("target"),
        "top_k": record.get("predictions", []),
    }


class ExplainPlugin(LogdirPlugin):
    """Explanation maps (input, heatmaps per method, top predictions) per run, tag and step."""

    name: ClassVar[str] = "explain"
    tab_name: ClassVar[str] = "Explain"
    data_plugins: ClassVar[tuple[str, ...]] = (EXPLAIN_PLUGIN,)

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/explanations", endpoint(self._explanations)),
            Route("/record", endpoint(self._record)),
        ]

    def _samples(self, request: Request) -> tuple[str, str, list[Sample]]:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        if self.store.tag_info(run, tag).plugin != EXPLAIN_PLUGIN:
            raise UnknownTagError(f"tag {tag!r} of run {run!r} holds no explanations")
        return run, tag, self.store.samples(run, tag)

    def _tags(self, request: Request) -> Response:
        index = {run: list(tags) for run, tags in self.store.tags(EXPLAIN_PLUGIN).items()}
        return json_response(index, finite=True)

    def _explanations(self, request: Request) -> Response:
        _, _, samples = self._samples(request)
        return json_response([summary_of(sample) for sample in samples])

    def _record(self, request: Request) -> Response:
        step = int_param(request, "step")
        if step is None:
            raise BadRequest("missing query parameter 'step'")
        run, tag, samples = self._samples(request)
        found = [sample for sample in samples if sample.step == step]
        if not found:
            raise UnknownTagError(f"tag {tag!r} of run {run!r} has no explanation at step {step}")
        # Stored as JSON already: answered without parsing it again.
        return Response(record_bytes(found[-1].payload), media_type="application/json")


__all__ = ["EXPLAIN_PLUGIN", "ExplainPlugin"]

"""Text: string summaries rendered as sanitized HTML (Markdown, tables for 1-D and 2-D tensors).

Routes (TensorBoard's): ``tags`` (``{run: [tag, ...]}``) and
``text?run&tag[&markdown=false]`` (``[{"wall_time", "step", "text"}, ...]``).
Tags keep the ``/text_summary`` suffix that ``add_text`` appends, as TensorBoard shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import TensorProto
from torchscope.logdir.serving import LogdirPlugin, endpoint, json_response, query_param
from torchscope.logdir.store import UnknownTagError
from torchscope.logdir.tensors import tensor_to_numpy
from torchscope.plugins.text.render import markdown_to_safe_html, text_array_to_html


class TextPlugin(LogdirPlugin):
    """Text logged with ``add_text``."""

    name: ClassVar[str] = "text"
    tab_name: ClassVar[str] = "Text"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/text", endpoint(self._text)),
        ]

    def _tags(self, request: Request) -> Response:
        index = {run: list(tags) for run, tags in self.store.tags(self.name).items()}
        return json_response(index, finite=True)

    def _text(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        use_markdown = request.query_params.get("markdown", "true").lower() != "false"
        if self.store.tag_info(run, tag).plugin != self.name:
            raise UnknownTagError(f"tag {tag!r} of run {run!r} holds no text")
        answer: list[dict[str, Any]] = []
        for item in self.store.samples(run, tag):
            try:
                array = tensor_to_numpy(TensorProto.FromString(item.payload))
                html = text_array_to_html(array, markdown=use_markdown)
            except ValueError as error:
                html = markdown_to_safe_html(f"*unreadable text summary: {error}*")
            answer.append({"wall_time": item.wall_time, "step": item.step, "text": html})
        return json_response(answer)


__all__ = ["TextPlugin"]

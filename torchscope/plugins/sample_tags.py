"""What the Images and Audio plugins answer alike: their tags and the ``sample`` parameter."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from torchscope.logdir.serving import BadRequest, LogdirPlugin, int_param, json_response
from torchscope.plugins.text.render import markdown_to_safe_html


def sample_tags_response(plugin: LogdirPlugin) -> Response:
    """TensorBoard's ``tags`` answer: every run (``{}`` when it has none of this data), each
    tag with its display name, sanitized description and the most samples one step holds."""
    result: dict[str, dict[str, Any]] = {run: {} for run in plugin.store.runs()}
    for run, tags in plugin.store.tags(plugin.name).items():
        result[run] = {
            tag: {
                "displayName": info.display_name,
                "description": markdown_to_safe_html(info.description),
                "samples": info.max_samples,
            }
            for tag, info in tags.items()
        }
    return json_response(result, finite=True)


def sample_param(request: Request) -> int:
    """The ``sample`` query parameter: which image or clip of a step (default 0)."""
    sample = int_param(request, "sample", 0) or 0
    if sample < 0:
        raise BadRequest("sample must be >= 0")
    return sample

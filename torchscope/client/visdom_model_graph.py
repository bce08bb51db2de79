"""``Visdom.model_graph``: a traced model as a Live pane of type ``"model_graph"``."""

from __future__ import annotations

from typing import Any

from torchscope.client.visdom_opts import check_opts

__all__ = ["model_graph_window"]


def model_graph_window(
    model: Any, example_inputs: Any, opts: Any, depth: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(data, opts)`` of the window that shows ``model``'s graph.

    The content is ``torchscope.graph.trace(model, example_inputs).to_dict()`` (the same JSON
    the Graphs view reads from a run folder) plus ``depth``, the module depth the pane opens
    at. Tracing errors (``TypeError``/``ValueError`` for bad arguments, ``GraphTraceError``
    when no tracer can follow the model) are raised here, before anything is sent.
    """
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
        raise ValueError(f"depth must be an int >= 1 (1: top-level modules), got {depth!r}")
    checked_opts = check_opts(opts)
    # Imported here: torch is loaded only by clients that send a graph.
    from torchscope.graph import trace

    content = trace(model, example_inputs).to_dict()
    content["depth"] = depth
    if not checked_opts.get("title"):
        checked_opts["title"] = content["name"]
    return [{"type": "model_graph", "content": content}], checked_opts

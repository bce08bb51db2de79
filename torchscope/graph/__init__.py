"""Model graphs: the network as it was written, not the tracer's plumbing.

``trace(model, example_inputs)`` builds a :class:`ModelGraph` (module hierarchy, ops, tensor
edges with shapes and dtypes, parameter counts and module settings); ``summary(model,
example_inputs)`` prints a torchinfo-style table; ``from_graphdef(graph_def)`` turns a
TensorBoard GraphDef (as written by ``SummaryWriter.add_graph``) into the same model;
``render_png(graph)`` draws a graph without a server.

Names are imported on first use: the server reads GraphDefs through ``from_graphdef`` and
``ModelGraph`` without importing torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from torchscope.graph.graphdef import from_graphdef
    from torchscope.graph.model import (
        SCHEMA,
        GraphEdge,
        GraphNode,
        ModelGraph,
        ParamCounts,
        TensorInfo,
    )
    from torchscope.graph.render import render_png
    from torchscope.graph.summarize import ModelSummary, SummaryRow, SummaryTotals, summary
    from torchscope.graph.tracing import GraphTraceError, trace

_HOMES = {
    "SCHEMA": "model",
    "GraphEdge": "model",
    "GraphNode": "model",
    "ModelGraph": "model",
    "ParamCounts": "model",
    "TensorInfo": "model",
    "from_graphdef": "graphdef",
    "render_png": "render",
    "ModelSummary": "summarize",
    "SummaryRow": "summarize",
    "SummaryTotals": "summarize",
    "summary": "summarize",
    "GraphTraceError": "tracing",
    "trace": "tracing",
}

__all__ = [
    "SCHEMA",
    "GraphEdge",
    "GraphNode",
    "GraphTraceError",
    "ModelGraph",
    "ModelSummary",
    "ParamCounts",
    "SummaryRow",
    "SummaryTotals",
    "TensorInfo",
    "from_graphdef",
    "render_png",
    "summary",
    "trace",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'torchscope.graph' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"torchscope.graph.{home}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value

"""Model graphs as files in a log directory: ``<run>/<tag>.torchscope-graph.json``.

``SummaryWriter.add_graph`` writes one beside TensorBoard's GraphDef; the Graphs view lists them
under their run. Works without torch (it only writes the JSON a ModelGraph already made).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchscope.graph.model import ModelGraph

#: How a graph file's name ends; the part before it is the graph's tag.
GRAPH_FILE_SUFFIX = ".torchscope-graph.json"


def graph_file_name(tag: str) -> str:
    """The file name of the graph tagged ``tag``: ``resnet`` -> ``resnet.torchscope-graph.json``."""
    if not isinstance(tag, str) or not tag or "/" in tag or "\\" in tag or tag.startswith("."):
        raise ValueError(f"tag must be a non-empty file name without slashes, got {tag!r}")
    return tag + GRAPH_FILE_SUFFIX


def save_model_graph(graph: ModelGraph, run_dir: str | Path, tag: str = "model") -> Path:
    """Write ``graph`` where the Graphs view finds it: ``run_dir/<tag>.torchscope-graph.json``.

    ``run_dir`` is a folder under the served log directory (created if missing); the view
    lists the graph under that run with this tag. Returns the file's path.
    """
    from torchscope.graph.model import ModelGraph

    if not isinstance(graph, ModelGraph):
        raise TypeError(f"graph must be a torchscope.graph.ModelGraph, got {type(graph).__name__}")
    path = Path(run_dir) / graph_file_name(tag)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a server polling the folder never reads half a file.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(graph.to_json(), encoding="utf-8")
    partial.replace(path)
    return path

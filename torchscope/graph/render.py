"""A static PNG of a ModelGraph: ops top to bottom, modules as nested boxes, shapes on edges.

A quick look without a server (notebooks, docs, bug reports). Ops are drawn one per row in
execution order, indented by module depth; each module is a box around its ops; an edge between
neighbouring rows is an arrow labelled with the tensor's shape, an edge that skips rows is
routed along the right side. The interactive Graphs view is the tool for large models.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from torchscope.graph.model import GraphEdge, GraphNode, ModelGraph

if TYPE_CHECKING:
    from PIL import Image

_MARGIN = 16
_INDENT = 18
_ROW_HEIGHT = 30
_GAP = 34
_ROUTE_STEP = 10
_FILL = {"input": "#d8f0d8", "output": "#fbe3c8", "op": "#dbe8fb"}
_MODULE_FILLS = ("#f3f3f3", "#e6e6ee")
_MAX_ROWS = 400


def _shape_text(edge: GraphEdge) -> str:
    if edge.shape is None:
        return ""
    text = "x".join(str(size) for size in edge.shape) or "scalar"
    return text if edge.dtype in (None, "float32") else f"{text} {edge.dtype}"


def _label(node: GraphNode) -> str:
    if node.kind in ("input", "output") or node.name == node.op_type:
        return node.name
    return f"{node.name}: {node.op_type}"


def render_png(
    graph: ModelGraph, path: str | Path | None = None, *, font_size: int = 13
) -> Image.Image:
    """Draw ``graph`` (or a ``graph.collapsed(depth)``) and save it to ``path`` if given."""
    from PIL import Image, ImageDraw

    if not isinstance(graph, ModelGraph):
        raise TypeError(f"graph must be a ModelGraph, got {type(graph).__name__}")
    rows = [node for node in graph.nodes if node.kind != "module"]
    if not rows:
        raise ValueError("graph has no inputs, ops or outputs to draw")
    if len(rows) > _MAX_ROWS:
        raise ValueError(
            f"graph has {len(rows)} ops; draw graph.collapsed(depth) (at most {_MAX_ROWS})"
        )
    font, small = _font(font_size), _font(font_size - 2)
    row_of = {node.id: position for position, node in enumerate(rows)}

    def module_chain(node: GraphNode) -> list[GraphNode]:
        """Enclosing non-root modules, outermost first."""
        return [m for m in reversed(list(graph.ancestors(node.id))) if m.parent is not None]

    chains = {node.id: module_chain(node) for node in rows}
    max_depth = max((len(chain) for chain in chains.values()), default=0)
    box_width = 24 + max(int(font.getlength(_label(node))) for node in rows)
    label_width = max((int(small.getlength(_shape_text(edge))) for edge in graph.edges), default=0)
    skips = [e for e in graph.edges if row_of.get(e.target, 0) - row_of.get(e.source, 0) != 1]
    skipping = set(skips)
    content_right = _MARGIN + max_depth * _INDENT + box_width + (max_depth + 1) * 6
    width = content_right + 12 + label_width + (len(skips) + 1) * _ROUTE_STEP + _MARGIN
    height = 2 * _MARGIN + len(rows) * (_ROW_HEIGHT + _GAP)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)

    def top(row: int) -> int:
        return _MARGIN + _GAP // 2 + row * (_ROW_HEIGHT + _GAP)

    def left(node: GraphNode) -> int:
        return _MARGIN + len(chains[node.id]) * _INDENT

    # module boxes, outermost first so inner ones paint over them; a module whose rows are
    # not contiguous (a shared layer called twice) gets one box per run of rows
    for module, depth, first, last in _module_runs(graph, rows, chains):
        x0 = _MARGIN + (depth - 1) * _INDENT + 4
        x1 = content_right - (depth - 1) * 6
        y0, y1 = top(first) - 15, top(last) + _ROW_HEIGHT + 5
        draw.rounded_rectangle(
            (x0, y0, x1, y1), radius=6, fill=_MODULE_FILLS[(depth - 1) % 2], outline="#9a9aa8"
        )
        draw.text((x0 + 5, y0 + 1), f"{module.name}: {module.op_type}", font=small, fill="#555566")

    for node in rows:
        x, y = left(node), top(row_of[node.id])
        draw.rounded_rectangle(
            (x, y, x + box_width, y + _ROW_HEIGHT),
            radius=5,
            fill=_FILL.get(node.kind, "#dbe8fb"),
            outline="#44546a",
        )
        draw.text((x + 12, y + 7), _label(node), font=font, fill="black")

    for number, edge in enumerate(skips):
        if edge.source not in row_of or edge.target not in row_of:
            continue
        source, target = graph.node(edge.source), graph.node(edge.target)
        route = content_right + 12 + label_width + (number + 1) * _ROUTE_STEP
        y_from = top(row_of[edge.source]) + _ROW_HEIGHT // 2
        y_to = top(row_of[edge.target]) + _ROW_HEIGHT // 2
        x_from, x_to = left(source) + box_width, left(target) + box_width
        draw.line([(x_from, y_from), (route, y_from), (route, y_to), (x_to, y_to)], fill="#44546a")
        draw.polygon([(x_to + 6, y_to - 4), (x_to + 6, y_to + 4), (x_to, y_to)], fill="#44546a")
    for edge in graph.edges:
        if edge in skipping or edge.source not in row_of:
            continue
        target = graph.node(edge.target)
        x = left(target) + box_width // 2
        y_from = top(row_of[edge.source]) + _ROW_HEIGHT
        y_to = top(row_of[edge.target])
        draw.line([(x, y_from), (x, y_to)], fill="#44546a", width=1)
        draw.polygon([(x - 4, y_to - 6), (x + 4, y_to - 6), (x, y_to)], fill="#44546a")
        draw.text((x + 8, y_from + 7), _shape_text(edge), font=small, fill="#333333")

    if path is not None:
        image.save(path, format="PNG", optimize=True)
    return image


def _font(size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
        return ImageFont.load_default()


def _module_runs(
    graph: ModelGraph, rows: list[GraphNode], chains: dict[str, list[GraphNode]]
) -> list[tuple[GraphNode, int, int, int]]:
    """(module, depth, first row, last row) per contiguous run of a module's rows.

    A module holding just one op that calls it (a leaf layer) gets no box: the op's label
    already names it.
    """
    runs: list[tuple[GraphNode, int, int, int]] = []
    open_runs: dict[str, list[int]] = {}
    members: dict[str, list[GraphNode]] = {}

    def close(module_id: str) -> None:
        first, last = open_runs.pop(module_id)
        inside = members.pop(module_id)
        module = graph.node(module_id)
        if len(inside) == 1 and inside[0].module == module_id:
            return
        depth = sum(1 for m in graph.ancestors(module_id) if m.parent is not None) + 1
        runs.append((module, depth, first, last))

    for row, node in enumerate(rows):
        current = {m.id for m in chains[node.id]}
        for module_id in [m for m in open_runs if m not in current]:
            close(module_id)
        for module in chains[node.id]:
            if module.id in open_runs:
                open_runs[module.id][1] = row
            else:
                open_runs[module.id] = [row, row]
                members[module.id] = []
            members[module.id].append(node)
    for module_id in list(open_runs):
        close(module_id)
    runs.sort(key=lambda run: run[1])
    return runs

"""Rendering a ModelSummary as an aligned text table."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torchscope.graph.summarize import ModelSummary, SummaryRow

HEADERS = ("Layer (type:depth-idx)", "Output Shape", "Param #", "Trainable", "Mult-Adds")
_RIGHT_ALIGNED = (False, False, True, False, True)  # numbers line up on their last digit
_MAX_SHAPES_SHOWN = 2


def format_shapes(shapes: list[list[int]]) -> str:
    if not shapes:
        return "--"
    shown = ", ".join(str(shape) for shape in shapes[:_MAX_SHAPES_SHOWN])
    return shown + (", ..." if len(shapes) > _MAX_SHAPES_SHOWN else "")


def format_params(row: SummaryRow) -> str:
    if row.recursive:
        return "(recursive)"
    if row.params == 0:
        return "--"  # nothing new here: no parameters, or all counted in earlier rows
    return f"{row.params:,}"


def _tree_labels(rows: list[SummaryRow]) -> list[str]:
    """Labels with box-drawing branches; a branch continues while a sibling follows."""
    labels: list[str] = []
    for position, row in enumerate(rows):
        if row.depth == 0:
            labels.append(row.layer)
            continue
        prefix = ""
        for level in range(1, row.depth):
            prefix += "│    " if _continues(rows, position, level) else "     "
        branch = "├─" if _continues(rows, position, row.depth) else "└─"
        labels.append(prefix + branch + row.layer)
    return labels


def _continues(rows: list[SummaryRow], position: int, level: int) -> bool:
    """Whether a later row sits at ``level`` before the tree climbs above it."""
    for later in rows[position + 1 :]:
        if later.depth < level:
            return False
        if later.depth == level:
            return True
    return False


def render(summary: ModelSummary) -> str:
    """The table, torchinfo-style: rows, then parameter totals, then sizes."""
    cells = [
        (label, format_shapes(row.output_shapes), format_params(row), row.trainable, _count(row))
        for label, row in zip(_tree_labels(summary.rows), summary.rows, strict=True)
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(HEADERS)]

    def line(values: tuple[str, ...]) -> str:
        padded = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, _RIGHT_ALIGNED, strict=True)
        ]
        return "   ".join(padded).rstrip()

    rule_width = sum(widths) + 3 * (len(widths) - 1)
    heavy, light = "=" * rule_width, "-" * rule_width
    out = [heavy, line(HEADERS), heavy, *(line(c) for c in cells), heavy]
    totals = summary.totals
    if totals is not None:
        unit, scale = ("G", 1e9) if totals.mult_adds >= 1e9 else ("M", 1e6)
        out += [
            f"Total params: {totals.total_params:,}",
            f"Trainable params: {totals.trainable_params:,}",
            f"Non-trainable params: {totals.non_trainable_params:,}",
            f"Total mult-adds ({unit}): {totals.mult_adds / scale:.2f}",
            light,
            f"Input size (MB): {totals.input_size_mb:.2f}",
            f"Forward pass size (MB): {totals.forward_size_mb:.2f}",
            f"Params size (MB): {totals.params_size_mb:.2f}",
            f"Estimated total size (MB): {totals.total_size_mb:.2f}",
            heavy,
        ]
    return "\n".join(out)


def _count(row: SummaryRow) -> str:
    return f"{row.mult_adds:,}" if row.mult_adds else "--"

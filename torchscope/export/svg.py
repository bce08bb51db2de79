"""A small SVG renderer for line and scatter plots (plotly ``scatter`` traces).

The HTML export of a Live env must open offline, and plotly.js (3 MB) cannot be inlined
sensibly, so line and scatter panes are drawn here as static SVG: axes with round-number
ticks, one polyline and/or markers per trace, a legend. Linear axes only.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# plotly's default trace colours, so an exported pane looks like the pane on screen.
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
#: Markers drawn per trace at most; beyond that the trace is drawn as a line only.
MAX_MARKERS = 2000
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 64, 16, 12, 44


@dataclass(frozen=True)
class Series:
    """One drawable trace: finite x/y coordinates and how to draw them."""

    name: str
    x: np.ndarray
    y: np.ndarray
    lines: bool
    markers: bool
    color: str


def drawable_series(traces: Sequence[dict[str, Any]]) -> list[Series]:
    """The 2-D ``scatter`` traces with numeric coordinates (others are not drawable here)."""
    drawn: list[Series] = []
    for index, trace in enumerate(traces):
        if trace.get("type", "scatter") not in ("scatter", "scattergl"):
            continue
        y = _numeric(trace.get("y"))
        if y is None:
            continue
        x = (
            _numeric(trace.get("x"))
            if trace.get("x") is not None
            else np.arange(y.size, dtype=float)
        )
        if x is None or x.size != y.size:
            continue
        keep = np.isfinite(x) & np.isfinite(y)
        mode = str(trace.get("mode") or "lines")
        name = trace.get("name")
        drawn.append(
            Series(
                name=str(name) if name is not None else f"trace {index}",
                x=x[keep],
                y=y[keep],
                lines="lines" in mode,
                markers="markers" in mode,
                color=_trace_color(trace, index),
            )
        )
    return drawn


def _numeric(values: Any) -> np.ndarray | None:
    if values is None:
        return None
    try:
        array = np.asarray([math.nan if v is None else v for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        return None  # dates or category labels: not drawn on a linear axis
    return array if array.ndim == 1 else None


def _trace_color(trace: dict[str, Any], index: int) -> str:
    for part in ("line", "marker"):
        spec = trace.get(part)
        if isinstance(spec, dict) and isinstance(spec.get("color"), str):
            return spec["color"]
    return PALETTE[index % len(PALETTE)]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (1, 2 or 5 times a power of ten) covering the range."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [low]
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    return ticks


def _format_tick(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1e5 or abs(value) < 1e-3:
        return f"{value:.2g}"
    return f"{value:.6g}"


def _axis_title(layout: dict[str, Any], axis: str) -> str:
    spec = layout.get(axis)
    title = spec.get("title") if isinstance(spec, dict) else None
    if isinstance(title, dict):
        title = title.get("text")
    return str(title) if title else ""


def plot_svg(
    traces: Sequence[dict[str, Any]], layout: dict[str, Any], width: int = 520, height: int = 320
) -> str | None:
    """The plot as an ``<svg>`` element, or ``None`` when no trace can be drawn."""
    series = [s for s in drawable_series(traces) if s.x.size]
    if not series:
        return None
    xs = np.concatenate([s.x for s in series])
    ys = np.concatenate([s.y for s in series])
    x_low, x_high = float(xs.min()), float(xs.max())
    y_low, y_high = float(ys.min()), float(ys.max())
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1
    if y_high == y_low:
        y_low, y_high = y_low - 1, y_high + 1
    left, top = _MARGIN_LEFT, _MARGIN_TOP
    plot_w = width - _MARGIN_LEFT - _MARGIN_RIGHT
    plot_h = height - _MARGIN_TOP - _MARGIN_BOTTOM

    def px(value: np.ndarray | float) -> Any:
        return left + (np.asarray(value) - x_low) / (x_high - x_low) * plot_w

    def py(value: np.ndarray | float) -> Any:
        return top + plot_h - (np.asarray(value) - y_low) / (y_high - y_low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" class="plot" font-family="sans-serif" font-size="11">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" '
        'fill="#fff" stroke="#ccc"/>',
    ]
    for tick in nice_ticks(x_low, x_high):
        x = float(px(tick))
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
            f"{_format_tick(tick)}</text>"
        )
    for tick in nice_ticks(y_low, y_high):
        y = float(py(tick))
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{_format_tick(tick)}</text>'
        )
    x_title, y_title = _axis_title(layout, "xaxis"), _axis_title(layout, "yaxis")
    if x_title:
        parts.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle">'
            f"{html.escape(x_title)}</text>"
        )
    if y_title:
        parts.append(
            f'<text transform="translate(12 {top + plot_h / 2:.1f}) rotate(-90)" '
            f'text-anchor="middle">{html.escape(y_title)}</text>'
        )
    for s in series:
        parts.append(_series_svg(s, px(s.x), py(s.y)))
    if len(series) > 1:
        parts.append(_legend(series, left + plot_w - 8, top + 8))
    parts.append("</svg>")
    return "".join(parts)


def _series_svg(series: Series, x: np.ndarray, y: np.ndarray) -> str:
    color = html.escape(series.color, quote=True)
    out = [f"<g><title>{html.escape(series.name)}</title>"]
    if series.lines or series.x.size > MAX_MARKERS:
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x.tolist(), y.tolist(), strict=True))
        out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{points}"/>')
    if series.markers and series.x.size <= MAX_MARKERS:
        out.extend(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="2.5" fill="{color}"/>'
            for a, b in zip(x.tolist(), y.tolist(), strict=True)
        )
    out.append("</g>")
    return "".join(out)


def _legend(series: Sequence[Series], right: float, top: float) -> str:
    # A white box under the names keeps them readable over the curves.
    width = 24 + 6.5 * max(len(s.name) for s in series)
    height = 14 * len(series) + 4
    out = [
        '<g class="legend">',
        f'<rect x="{right - width:.1f}" y="{top - 12}" width="{width:.1f}" height="{height}" '
        'fill="#fff" fill-opacity="0.85"/>',
    ]
    for index, s in enumerate(series):
        y = top + index * 14
        color = html.escape(s.color, quote=True)
        out.append(f'<rect x="{right - 10}" y="{y - 4}" width="10" height="3" fill="{color}"/>')
        out.append(f'<text x="{right - 14}" y="{y}" text-anchor="end">{html.escape(s.name)}</text>')
    out.append("</g>")
    return "".join(out)

"""A small line plot drawn with Pillow (no matplotlib needed), for the learning-rate finder."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw

_WIDTH, _HEIGHT = 640, 400
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 70, 20, 30, 50


def save_line_plot(
    xs: Sequence[float],
    ys: Sequence[float],
    path: str | Path,
    title: str = "",
    x_label: str = "",
    y_label: str = "",
    log_x: bool = False,
    marker_x: float | None = None,
) -> Path:
    """Draw ``ys`` against ``xs`` as a PNG at ``path``; ``marker_x`` draws a vertical red line."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("xs and ys must have the same length, at least 2")
    points = [(x, y) for x, y in zip(xs, ys, strict=True) if math.isfinite(y)]
    if len(points) < 2:
        raise ValueError("ys needs at least 2 finite values")

    def tx(x: float) -> float:
        return math.log10(x) if log_x else x

    x_lo, x_hi = tx(min(p[0] for p in points)), tx(max(p[0] for p in points))
    y_lo, y_hi = min(p[1] for p in points), max(p[1] for p in points)
    x_span = (x_hi - x_lo) or 1.0
    y_span = (y_hi - y_lo) or 1.0
    plot_w = _WIDTH - _MARGIN_LEFT - _MARGIN_RIGHT
    plot_h = _HEIGHT - _MARGIN_TOP - _MARGIN_BOTTOM

    def to_px(x: float, y: float) -> tuple[float, float]:
        px = _MARGIN_LEFT + (tx(x) - x_lo) / x_span * plot_w
        py = _MARGIN_TOP + (1 - (y - y_lo) / y_span) * plot_h
        return px, py

    image = Image.new("RGB", (_WIDTH, _HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    box = (_MARGIN_LEFT, _MARGIN_TOP, _WIDTH - _MARGIN_RIGHT, _HEIGHT - _MARGIN_BOTTOM)
    draw.rectangle(box, outline="black")
    for i in range(5):  # y ticks
        value = y_lo + y_span * i / 4
        _, py = to_px(points[0][0], value)
        draw.line((_MARGIN_LEFT - 4, py, _MARGIN_LEFT, py), fill="black")
        draw.text((4, py - 6), f"{value:.3g}", fill="black")
    for i in range(5):  # x ticks
        value_t = x_lo + x_span * i / 4
        px = _MARGIN_LEFT + i / 4 * plot_w
        label = f"1e{value_t:.1f}" if log_x else f"{value_t:.3g}"
        draw.line((px, _HEIGHT - _MARGIN_BOTTOM, px, _HEIGHT - _MARGIN_BOTTOM + 4), fill="black")
        draw.text((px - 18, _HEIGHT - _MARGIN_BOTTOM + 8), label, fill="black")
    draw.line([to_px(x, y) for x, y in points], fill=(31, 119, 180), width=2)
    if marker_x is not None and x_lo <= tx(marker_x) <= x_hi:
        px, _ = to_px(marker_x, y_lo)
        draw.line((px, _MARGIN_TOP, px, _HEIGHT - _MARGIN_BOTTOM), fill=(214, 39, 40), width=1)
    # The y label sits above the axis, the title right-aligned on the same line.
    draw.text((4, 8), y_label, fill="black")
    draw.text((_WIDTH - _MARGIN_RIGHT - draw.textlength(title), 8), title, fill="black")
    draw.text(((_WIDTH - draw.textlength(x_label)) / 2, _HEIGHT - 20), x_label, fill="black")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", optimize=True)
    return path

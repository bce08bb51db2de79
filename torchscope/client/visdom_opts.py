"""Turning Visdom ``opts`` into plotly layouts and traces, and checking them.

Same keys and defaults as ``visdom.Visdom``; a bad option raises ValueError/TypeError naming it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

AXIS_FIELDS = ("type", "label", "tickmin", "tickmax", "tickvals", "ticklabels", "tick", "tickfont")
_AXIS_KEYS = {axis: tuple(axis + field for field in AXIS_FIELDS) for axis in "xyz"}


def scrub(value: Any) -> Any:
    """Drop None values from dicts, recursively (Visdom sends no null layout keys)."""
    if not isinstance(value, dict):
        return value
    return {k: scrub(v) if isinstance(v, dict) else v for k, v in value.items() if v is not None}


def _axis(prefix: str, opts: dict[str, Any], three_d: bool) -> dict[str, Any] | None:
    if not any(opts.get(key) for key in _AXIS_KEYS[prefix]):
        return None
    low, high = opts.get(prefix + "tickmin"), opts.get(prefix + "tickmax")
    has_range = low is not None and high is not None
    axis: dict[str, Any] = {
        "type": opts.get(prefix + "type"),
        "title": opts.get(prefix + "label"),
        "range": [low, high] if has_range else None,
        "tickvals": opts.get(prefix + "tickvals"),
        "ticktext": opts.get(prefix + "ticklabels"),
        "tickfont": opts.get(prefix + "tickfont"),
    }
    step = opts.get(prefix + "tickstep")
    if three_d:
        axis["nticks"] = (
            (float(high) - float(low)) / float(step)
            if low is not None and high is not None and step is not None
            else None
        )
    else:
        axis["dtick"] = step
        axis["showticklabels"] = opts.get(prefix + "tick")
    return axis


def layout_from_opts(opts: dict[str, Any], three_d: bool = False) -> dict[str, Any]:
    """The plotly layout Visdom builds from ``opts``."""
    layout: dict[str, Any] = {
        "showlegend": opts.get("showlegend", "legend" in opts),
        "title": opts.get("title"),
        "margin": {
            "l": opts.get("marginleft", 0 if three_d else 60),
            "r": opts.get("marginright", 60),
            "t": opts.get("margintop", 20 if three_d else 60),
            "b": opts.get("marginbottom", 0 if three_d else 60),
        },
    }
    if three_d:
        layout["scene"] = {f"{a}axis": _axis(a, opts, True) for a in "xyz"}
    else:
        layout["xaxis"] = _axis("x", opts, False)
        layout["yaxis"] = _axis("y", opts, False)
    if opts.get("stacked"):
        layout["barmode"] = "stack"
    extra = (opts.get("layoutopts") or {}).get("plotly")
    if extra:
        layout.update(extra)
    result: dict[str, Any] = scrub(layout)
    return result


def _number(
    opts: dict[str, Any],
    key: str,
    low: float | None = None,
    high: float | None = None,
    strict_low: bool = False,
) -> None:
    value = opts.get(key)
    if value is None:
        return
    if not isinstance(value, numbers.Number) or isinstance(value, bool):
        raise TypeError(f"opts['{key}'] must be a number, got {type(value).__name__}")
    number = float(value)  # type: ignore[arg-type]
    if low is not None and (number < low or (strict_low and number == low)):
        raise ValueError(f"opts['{key}'] must be {'>' if strict_low else '>='} {low}")
    if high is not None and number > high:
        raise ValueError(f"opts['{key}'] must be <= {high}")


def check_opts(opts: Any) -> dict[str, Any]:
    """Validate the options Visdom validates; returns a copy (the caller's dict is left alone,
    where Visdom's client filled its defaults into it)."""
    if opts is None:
        return {}
    if not isinstance(opts, dict):
        raise TypeError(f"opts must be a dict, got {type(opts).__name__}")
    opts = dict(opts)
    title = opts.get("title")
    if isinstance(title, numbers.Number) and not isinstance(title, bool):
        opts["title"] = str(title)
    elif title is not None and not isinstance(title, str):
        raise TypeError("opts['title'] must be a string")
    if opts.get("color") is not None and not isinstance(opts["color"], str):
        raise TypeError("opts['color'] must be a string")
    if opts.get("colormap") is not None and not isinstance(opts["colormap"], str):
        raise TypeError("opts['colormap'] must be a string")
    if opts.get("mode") is not None and not isinstance(opts["mode"], str):
        raise TypeError("opts['mode'] must be a string")
    _number(opts, "markersize", 0, strict_low=True)
    _number(opts, "markerborderwidth", 0)
    _number(opts, "jpgquality", 0, 100, strict_low=True)
    _number(opts, "opacity", 0, 1)
    _number(opts, "fps", 0, strict_low=True)
    _number(opts, "sample_frequency", 0, strict_low=True)
    for key in ("columnnames", "rownames"):
        if opts.get(key) is not None and not isinstance(opts[key], list):
            raise TypeError(f"opts['{key}'] must be a list")
    legend = opts.get("legend")
    if legend is not None and not isinstance(legend, (list, tuple)):
        raise TypeError("opts['legend'] must be a list or tuple of names")
    if isinstance(legend, tuple):
        opts["legend"] = list(legend)
    return opts


def _color_array(value: Any, key: str) -> np.ndarray:
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":
        raise TypeError(f"opts['{key}'] must hold numbers (0-255)")
    if array.size and ((array < 0).any() or (array > 255).any()):
        raise ValueError(f"opts['{key}'] values must be between 0 and 255")
    if array.size and (array != np.floor(array)).any():
        raise ValueError(f"opts['{key}'] values must be integers")
    return array.astype(np.uint8)


def marker_colors(
    value: Any, points: int, labels: np.ndarray, label_count: int
) -> dict[int, list[str]]:
    """``opts.markercolor`` (per point or per label; N or Nx3) as colour strings per label."""
    colors = _color_array(value, "markercolor")
    per_point = colors.shape[0] == points and colors.ndim in (1, 2)
    if not (colors.shape[0] == label_count or per_point) or (
        colors.ndim == 2 and colors.shape[1] != 3
    ):
        raise ValueError(
            f"opts['markercolor'] must have {points} or {label_count} rows (optionally x 3)"
        )
    if colors.ndim == 1:
        names = [f"rgba(0, 0, 255, {c / 255.0})" for c in colors.tolist()]
    else:
        names = ["#{:02x}{:02x}{:02x}".format(*row) for row in colors.tolist()]
    if not per_point:
        names = [names[int(label) - 1] for label in labels]
    by_label: dict[int, list[str]] = {}
    for label, name in zip(labels.tolist(), names, strict=False):
        by_label.setdefault(int(label), []).append(name)
    return by_label


def line_colors(value: Any, label_count: int) -> list[str]:
    colors = _color_array(value, "linecolor")
    if colors.ndim != 2 or colors.shape != (label_count, 3):
        raise ValueError(f"opts['linecolor'] must be a {label_count} x 3 array")
    return ["#{:02x}{:02x}{:02x}".format(*row) for row in colors.tolist()]


def dashes(value: Any, label_count: int) -> list[Any]:
    array = np.asarray(value)
    if array.shape[:1] != (label_count,):
        raise ValueError(f"opts['dash'] must have {label_count} entries")
    names: list[Any] = array.tolist()
    return names

"""``/update``: changing an existing window, at a cost proportional to what is sent.

Follows Visdom's semantics (see the protocol notes) with these deliberate differences, each a
Visdom bug rather than a behaviour clients rely on:

* a request that cannot be applied is refused whole (HTTP 400) before anything changes; Visdom
  applied part of it and answered 500, or logged the problem and answered the window id;
* ``update='remove'`` without a name removes every trace (Visdom stopped after the first);
* a "masking" append whose ``x`` is all null/NaN is skipped, as Visdom documents (it crashed);
* 3-D scatter plots accept appends too, and ``z`` grows with ``x`` and ``y`` (Visdom refused
  them, and its server code would have left ``z`` short);
* data entries beyond the window's traces (an append with more columns) become new traces
  (Visdom dropped them silently); a window whose traces were all removed takes new ones;
* options never overwrite a window's structural fields (``id``, ``type``, ``content``...).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from torchscope.live.errors import RequestError
from torchscope.live.model import (
    MARKER_COLOR,
    STRUCTURAL_FIELDS,
    Trace,
    Window,
    optional_dict,
    require_dict,
)

#: Plot windows accept updates only when their first trace is one of these (Visdom's gate,
#: plus scatter3d).
UPDATABLE_PLOT_TRACES = ("scatter", "scattergl", "custom", "heatmap", "scatter3d")
HEATMAP_DIRECTIONS = ("replace", "appendRow", "prependRow", "appendColumn", "prependColumn")

#: Appends of more values than this are pushed as the whole window rather than a patch.
PATCH_VALUE_LIMIT = 1000


@dataclasses.dataclass
class Change:
    """How browsers learn about an update: a JSON patch, or the whole window when None."""

    patch: list[dict[str, Any]] | None = None


def not_updatable_message(window: Window) -> str | None:
    """Visdom's answer for windows ``/update`` refuses, or None when it accepts the window."""
    if window.kind in ("text", "image_history", "embeddings"):
        return None
    if window.kind == "plot":
        first = window.traces[0].type if window.traces else None
        if first is None or first in UPDATABLE_PLOT_TRACES:
            return None
    return (
        "win is not scatter, heatmap, custom, image_history, embeddings, or text; "
        f"was {window.traces[0].type if window.kind == 'plot' else window.kind}"
    )


def apply_update(window: Window, msg: dict[str, Any]) -> Change:
    """Apply an ``/update`` request to ``window`` (already checked updatable)."""
    if window.kind == "text":
        return _update_text(window, msg)
    if window.kind == "image_history":
        return _update_image_history(window, msg)
    if window.kind == "embeddings":
        return _update_embeddings(window, msg)
    return _update_plot(window, msg)


def _first_data(msg: dict[str, Any]) -> dict[str, Any]:
    data = msg.get("data")
    if not isinstance(data, list) or not data:
        raise RequestError("data must be a non-empty list")
    return require_dict(data[0], "data[0]")


def _update_text(window: Window, msg: dict[str, Any]) -> Change:
    content = _first_data(msg).get("content")
    if not isinstance(content, str):
        raise RequestError("data[0].content must be a string to append to a text window")
    window.parts.append(content)  # Visdom appends whatever `append` says
    window.touch()
    return Change()


def _update_image_history(window: Window, msg: dict[str, Any]) -> Change:
    first = _first_data(msg)
    kind = first.get("type")
    if kind == "image_history":
        window.content.append(first.get("content"))
        window.meta["selected"] = len(window.content) - 1
        window.touch()
        return Change(
            [
                {"op": "add", "path": "/content/-", "value": first.get("content")},
                {"op": "replace", "path": "/selected", "value": window.meta["selected"]},
                *_bookkeeping_ops(window),
            ]
        )
    if kind == "image_update_selected":
        index = first.get("content", 0)
        if not isinstance(index, int):
            raise RequestError("data[0].content must be the index of the image to select")
        window.meta["selected"] = min(max(0, index), len(window.content) - 1)
        window.touch()
        return Change()
    raise RequestError(f"cannot append data of type {kind!r} to an image_history window")


def _update_embeddings(window: Window, msg: dict[str, Any]) -> Change:
    data = require_dict(msg.get("data"), "data")
    update_type = data.get("update_type")
    content = window.content if isinstance(window.content, dict) else {}
    if update_type == "EntitySelected":
        content["selected"] = data.get("selected")
    elif update_type == "RegionSelected":
        window.meta.setdefault("old_content", []).append(content.get("data"))
        content["selected"] = None
        content["has_previous"] = True
        content["data"] = data.get("points")
    else:
        raise RequestError("data.update_type must be 'EntitySelected' or 'RegionSelected'")
    window.content = content
    window.touch()
    return Change()


# --- plots -------------------------------------------------------------------------------


def _update_plot(window: Window, msg: dict[str, Any]) -> Change:
    appended = _append_few_points(window, msg)
    if appended is not None:
        return appended
    layout = optional_dict(msg.get("layout"), "layout")
    opts = optional_dict(msg.get("opts"), "opts")
    legend = opts.get("legend")
    if legend is not None and (not isinstance(legend, list) or len(legend) < len(window.traces)):
        raise RequestError(
            f"opts.legend must list a name for each of the {len(window.traces)} traces"
        )
    data = msg.get("data")
    name = msg.get("name")
    if name is None and data is None:
        patch = _merge_options(window, layout, opts)
        window.touch()
        return Change(patch + _bookkeeping_ops(window))
    if not isinstance(data, list):
        raise RequestError("data must be a list of traces")
    entries = [require_dict(d, f"data[{i}]") for i, d in enumerate(data)]
    targets = [i for i, trace in enumerate(window.traces) if name is None or trace.name == name]
    if msg.get("delete"):
        _merge_options(window, layout, opts)
        window.traces = [t for i, t in enumerate(window.traces) if i not in set(targets)]
        window.touch()
        return Change()
    if not entries:
        raise RequestError("data must hold at least one trace")
    if name is not None and len(entries) != 1:
        raise RequestError("an update by name takes exactly one trace in data")

    heatmap = _heatmap_target(window, targets)
    if heatmap is not None:
        plan = _plan_heatmap(window.traces[heatmap], entries[0], msg)
        _merge_options(window, layout, opts)
        plan()
        window.touch()
        return Change()

    append = bool(msg.get("append"))
    if not targets:
        # Visdom adds the new trace (this is how 'append' with a new name, 'insert' and
        # 'replace' of an unknown name create traces).
        new = [Trace.from_json(entries[0], "data[0]")] if name is not None else None
        if new is not None:
            new[0].fields["name"] = name
        else:
            new = [Trace.from_json(e, f"data[{i}]") for i, e in enumerate(entries)]
        _merge_options(window, layout, opts)
        window.traces.extend(new)
        window.touch()
        return Change()

    if len(entries) < len(targets):
        raise RequestError(
            f"data has {len(entries)} traces but the update targets {len(targets)}; "
            "name the trace to update"
        )
    steps = [
        _plan_trace(window.traces[index], entries[n], n, append) for n, index in enumerate(targets)
    ]
    extra = [Trace.from_json(e, f"data[{i}]") for i, e in enumerate(entries) if i >= len(targets)]

    patch = _merge_options(window, layout, opts)
    added_values = 0
    for index, step in zip(targets, steps, strict=True):
        if step is None:
            continue
        added_values += step.apply()
        if append and added_values <= PATCH_VALUE_LIMIT:
            patch.extend(step.patch_ops(index))
    window.traces.extend(extra)
    window.touch()
    if not append or extra or added_values > PATCH_VALUE_LIMIT:
        return Change()
    return Change(patch + _bookkeeping_ops(window))


_MISSING = object()

#: Appends of at most this many points per trace may take the fast path.
FAST_APPEND_POINTS = 64


def _append_few_points(window: Window, msg: dict[str, Any]) -> Change | None:
    """A training loop's append (a few x/y values onto each line, options unchanged), applied
    with no more work than it needs; None leaves every other request to the general path,
    which gives the same result for this one."""
    data = msg.get("data")
    if (
        not msg.get("append")
        or msg.get("delete")
        or "updateDir" in msg
        or type(data) is not list
        or not data
        or _changes_options(window, msg.get("layout"), msg.get("opts"))
    ):
        return None
    name = msg.get("name")
    traces = window.traces
    if name is None:
        targets = list(enumerate(traces))
    else:
        targets = [(i, trace) for i, trace in enumerate(traces) if trace.name == name]
    if not targets or len(targets) != len(data):
        return None
    planned = []
    for (index, trace), entry in zip(targets, data, strict=True):
        columns = trace.columns
        if (
            type(entry) is not dict
            or "z" in entry
            or len(columns) != 2
            or "x" not in columns
            or "y" not in columns
            or trace.fields.get("type") == "heatmap"
        ):
            return None
        x, y = entry.get("x"), entry.get("y")
        if (
            type(x) is not list
            or type(y) is not list
            or not 0 < len(x) <= FAST_APPEND_POINTS
            or len(y) != len(x)
            or (_is_missing(x[0]) and all(map(_is_missing, x)))  # masking: the general path's
        ):
            return None
        marker = entry.get("marker")
        if isinstance(marker, dict) and isinstance(marker.get("color"), list):
            return None
        planned.append((index, columns, x, y))
    patch: list[dict[str, Any]] = []
    for index, columns, x, y in planned:
        columns["x"].extend(x)
        columns["y"].extend(y)
        x_path, y_path = f"/content/data/{index}/x/-", f"/content/data/{index}/y/-"
        patch += [{"op": "add", "path": x_path, "value": _json_value(v)} for v in x]
        patch += [{"op": "add", "path": y_path, "value": _json_value(v)} for v in y]
    window.touch()
    return Change(patch + _bookkeeping_ops(window))


def _changes_options(window: Window, layout: Any, opts: Any) -> bool:
    """Whether ``layout``/``opts`` would change the window (or are not plain objects)."""
    if layout is not None:
        if type(layout) is not dict:
            return True
        for key, value in layout.items():
            if value is not None and window.layout.get(key, _MISSING) != value:
                return True
    if opts is not None:
        if type(opts) is not dict or "legend" in opts:
            return True
        for key, value in opts.items():
            if (
                value is not None
                and key not in STRUCTURAL_FIELDS
                and window.meta.get(key, _MISSING) != value
            ):
                return True
    return False


def _bookkeeping_ops(window: Window) -> list[dict[str, Any]]:
    return [
        {"op": "replace", "path": "/contentID", "value": window.content_id},
        {"op": "replace", "path": "/version", "value": window.version},
    ]


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _merge_options(
    window: Window, layout: dict[str, Any], opts: dict[str, Any]
) -> list[dict[str, Any]]:
    """Visdom's ``update_window``: layout keys into the layout, options onto the window."""
    patch: list[dict[str, Any]] = []
    for key, value in layout.items():
        if value is not None and window.layout.get(key, _MISSING) != value:
            op = "replace" if key in window.layout else "add"
            window.layout[key] = value
            patch.append({"op": op, "path": f"/content/layout/{_pointer(key)}", "value": value})
    for key, value in opts.items():
        if (
            value is not None
            and key not in STRUCTURAL_FIELDS
            and window.meta.get(key, _MISSING) != value
        ):
            op = "replace" if key in window.meta else "add"
            window.meta[key] = value
            patch.append({"op": op, "path": f"/{_pointer(key)}", "value": value})
    legend = opts.get("legend")
    if isinstance(legend, list):
        for i, trace in enumerate(window.traces):
            trace.fields["name"] = legend[i]
            patch.append({"op": "add", "path": f"/content/data/{i}/name", "value": legend[i]})
    return patch


class _TraceStep:
    """A validated change to one trace, applied only once every trace's step is valid."""

    def __init__(self, trace: Trace, values: dict[str, list[Any]], append: bool) -> None:
        self.trace = trace
        self.values = values
        self.append = append

    def apply(self) -> int:
        count = 0
        for key, values in self.values.items():
            column = self.trace.columns.get(key)
            if column is None:
                from torchscope.live.columns import Column

                column = self.trace.columns[key] = Column()
                if key == MARKER_COLOR:
                    marker = self.trace.fields.get("marker")
                    self.trace.fields["marker"] = dict(marker) if isinstance(marker, dict) else {}
            if self.append:
                column.extend(values)
            else:
                column.replace(values)
            count += len(values)
        return count

    def patch_ops(self, index: int) -> list[dict[str, Any]]:
        ops: list[dict[str, Any]] = []
        for key, values in self.values.items():
            path = (
                f"/content/data/{index}/marker/color/-"
                if key == MARKER_COLOR
                else f"/content/data/{index}/{key}/-"
            )
            ops.extend({"op": "add", "path": path, "value": _json_value(v)} for v in values)
        return ops


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _plan_trace(trace: Trace, entry: dict[str, Any], n: int, append: bool) -> _TraceStep | None:
    x, y = entry.get("x"), entry.get("y")
    if not isinstance(x, list) or not isinstance(y, list):
        raise RequestError(f"data[{n}] must have list values for 'x' and 'y'")
    if len(x) != len(y):
        raise RequestError(f"data[{n}].x has {len(x)} values but data[{n}].y has {len(y)}")
    if x and all(_is_missing(v) for v in x):
        return None  # a masking update: nothing to draw
    values: dict[str, list[Any]] = {"x": x, "y": y}
    z = entry.get("z")
    if isinstance(z, list) and "z" in trace.columns:
        if len(z) != len(x):
            raise RequestError(f"data[{n}].z has {len(z)} values but data[{n}].x has {len(x)}")
        values["z"] = z
    marker = entry.get("marker")
    if isinstance(marker, dict) and isinstance(marker.get("color"), list):
        values[MARKER_COLOR] = marker["color"]
    if append and len(trace) and "z" in trace.columns and "z" not in values:
        raise RequestError(f"data[{n}] must have 'z' to append to a 3-D trace")
    return _TraceStep(trace, values, append)


def _heatmap_target(window: Window, targets: list[int]) -> int | None:
    if len(targets) == 1 and window.traces[targets[0]].type == "heatmap":
        return targets[0]
    return None


def _plan_heatmap(plot: Trace, new: dict[str, Any], msg: dict[str, Any]) -> Any:
    """Validate a heatmap update; return the function that applies it."""
    direction = msg.get("updateDir", "replace")
    if direction not in HEATMAP_DIRECTIONS:
        raise RequestError(f"updateDir must be one of {', '.join(HEATMAP_DIRECTIONS)}")
    dz = new.get("z")
    if not isinstance(dz, list) or not all(isinstance(row, list) for row in dz):
        raise RequestError("data[0].z must be a matrix (a list of rows)")
    fields = plot.fields
    z = fields.get("z")
    append = bool(msg.get("append"))
    rest = {k: v for k, v in new.items() if k != "z"}
    if append:
        rest.pop("x", None)
        rest.pop("y", None)
    rest = {k: v for k, v in rest.items() if v is not None or not append}

    if direction == "replace" or not isinstance(z, list) or not z:

        def replace() -> None:
            fields["z"] = dz
            fields.update(rest)

        return replace

    rows = direction in ("appendRow", "prependRow")
    label_key = "y" if rows else "x"
    if rows and dz and len(dz[0]) != len(z[0]):
        raise RequestError(f"new rows have {len(dz[0])} columns but the heatmap has {len(z[0])}")
    if not rows and len(dz) != len(z):
        raise RequestError(f"new columns have {len(dz)} rows but the heatmap has {len(z)}")
    old_labels, new_labels = fields.get(label_key), new.get(label_key)
    if (old_labels is None) != (new_labels is None):
        side = "heatmap" if old_labels is not None else "update"
        raise RequestError(
            f"labels ('{label_key}') are given for the {side} only: give them on both or neither"
        )
    if old_labels is not None and (
        not isinstance(new_labels, list) or set(map(str, new_labels)) & set(map(str, old_labels))
    ):
        raise RequestError(f"new labels ('{label_key}') must be a list of names not yet used")

    def extend() -> None:
        if direction == "appendRow":
            z.extend(dz)
        elif direction == "prependRow":
            z[:0] = dz
        elif direction == "appendColumn":
            for row, extra in zip(z, dz, strict=True):
                row.extend(extra)
        else:
            for row, extra in zip(z, dz, strict=True):
                row[:0] = extra
        if old_labels is not None:
            assert isinstance(new_labels, list)
            front = direction.startswith("prepend")
            fields[label_key] = new_labels + old_labels if front else old_labels + new_labels
        fields.update(rest)

    return extend

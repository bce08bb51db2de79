"""The live data model: environments -> windows -> traces, with columnar traces.

A window is what Visdom calls a pane. Its JSON form (``Window.to_json``) is exactly Visdom's
window document, so ``/win_data``, env files and browser pushes look as they do in Visdom; inside,
plot traces keep their coordinates in ``Column`` objects so appends never touch old points.
"""

from __future__ import annotations

import itertools
import os
import uuid
from typing import Any

import numpy as np

from torchscope.live.columns import Column
from torchscope.live.downsample import minmax_indices
from torchscope.live.errors import RequestError

#: Trace keys stored as columns (when they hold a list), and the nested marker colour.
COLUMN_KEYS = ("x", "y", "z")
MARKER_COLOR = "marker.color"

#: Window types whose content is not a plot (``data[0].type`` picks them).
SPECIAL_TYPES = (
    "text",
    "image",
    "image_history",
    "properties",
    "network",
    "embeddings",
    "explain",
    "model_graph",
)

#: Top-level window fields that options may never overwrite: they hold the window's structure.
STRUCTURAL_FIELDS = frozenset({"command", "id", "type", "content", "contentID", "i", "version"})


#: contentID only has to differ from the window's previous one (the UI re-renders on change);
#: a per-process random prefix and a counter are unique and cost nothing per append.
_CONTENT_PREFIX = os.urandom(6).hex()
_CONTENT_COUNTER = itertools.count(1)


def new_content_id() -> str:
    return f"{_CONTENT_PREFIX}{next(_CONTENT_COUNTER):x}"


def new_window_id() -> str:
    return "window_" + uuid.uuid4().hex[:13]


def require_dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RequestError(f"{what} must be a JSON object, got {type(value).__name__}")
    return value


def optional_dict(value: Any, what: str) -> dict[str, Any]:
    return {} if value is None else require_dict(value, what)


class Trace:
    """One plotly trace: plain fields plus columnar coordinates."""

    __slots__ = ("columns", "fields")

    def __init__(self, fields: dict[str, Any], columns: dict[str, Column]) -> None:
        self.fields = fields
        self.columns = columns

    @classmethod
    def from_json(cls, data: Any, where: str = "trace") -> Trace:
        trace = require_dict(data, where)
        fields = dict(trace)
        columns: dict[str, Column] = {}
        if fields.get("type") != "heatmap":  # heatmap x/y are labels, z a matrix: kept plain
            for key in COLUMN_KEYS:
                if isinstance(fields.get(key), list):
                    columns[key] = Column(fields.pop(key))
        marker = fields.get("marker")
        if isinstance(marker, dict) and isinstance(marker.get("color"), list):
            marker = dict(marker)
            columns[MARKER_COLOR] = Column(marker.pop("color"))
            fields["marker"] = marker
        return cls(fields, columns)

    @property
    def name(self) -> Any:
        return self.fields.get("name")

    @property
    def type(self) -> Any:
        return self.fields.get("type")

    def __len__(self) -> int:
        lengths = [len(col) for key, col in self.columns.items() if key != MARKER_COLOR]
        return max(lengths, default=0)

    def to_json(
        self, max_points: int | None = None, x_range: tuple[float, float] | None = None
    ) -> dict[str, Any]:
        """The trace's plotly JSON. With ``max_points``, long traces are thinned (min/max per
        bucket); with ``x_range``, only the points with ``x0 <= x <= x1`` are kept, and one
        neighbour on each side so lines reach the plot's edges. Either way the trace says so in
        ``torchscope_downsampled``."""
        keep = self._display_indices(max_points, x_range)
        out = dict(self.fields)
        for key, column in self.columns.items():
            values = column.values()
            if keep is not None and len(column) == len(self):
                values = (
                    _pick(values, keep) if isinstance(values, list) else np.asarray(values)[keep]
                )
            if key == MARKER_COLOR:
                marker = dict(out.get("marker") or {})
                marker["color"] = values
                out["marker"] = marker
            else:
                out[key] = values
        if keep is not None:
            note: dict[str, Any] = {"points": len(self), "shown": int(keep.size)}
            if x_range is not None:
                note["x0"], note["x1"] = x_range
            out["torchscope_downsampled"] = note
        return out

    def _display_indices(
        self, max_points: int | None, x_range: tuple[float, float] | None = None
    ) -> np.ndarray | None:
        candidates = self._range_indices(*x_range) if x_range is not None else None
        if candidates is None:
            if max_points is None or len(self) <= max_points:
                return None
            candidates = np.arange(len(self))
        if max_points is None or candidates.size <= max_points:
            return candidates
        y = self.columns.get("y")
        values = y.numeric() if y is not None and len(y) == len(self) else None
        if values is None:  # no numeric y: thin evenly
            picks = np.linspace(0, candidates.size - 1, max_points).astype(np.int64)
        else:
            picks = minmax_indices(values[candidates], max_points)
        return candidates[picks]

    def _range_indices(self, x0: float, x1: float) -> np.ndarray | None:
        """Indices of the points with ``x0 <= x <= x1`` and of their neighbours (in storage
        order, so a line drawn through them leaves the range on both sides); None when x is
        not numeric (dates, categories: the range cannot be applied)."""
        length = len(self)
        x = self.columns.get("x")
        if x is None:  # plotly draws y against 0, 1, 2...
            xs: np.ndarray | None = np.arange(length, dtype=np.float64)
        else:
            xs = x.numeric() if len(x) == length else None
        if xs is None:
            return None
        inside = (xs >= x0) & (xs <= x1)
        near = inside.copy()
        near[1:] |= inside[:-1]
        near[:-1] |= inside[1:]
        return np.flatnonzero(near)

    def to_state(self) -> dict[str, Any]:
        return {
            "fields": self.fields,
            "columns": {key: col.to_state() for key, col in self.columns.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Trace:
        columns = {key: Column.from_state(col) for key, col in state["columns"].items()}
        return cls(dict(state["fields"]), columns)

    def nbytes(self) -> int:
        return sum(col.nbytes() for col in self.columns.values())


def _pick(values: list[Any], keep: np.ndarray) -> list[Any]:
    return [values[i] for i in keep.tolist()]


class Window:
    """A pane: its Visdom fields (``meta``) and type-specific content.

    ``kind`` is Visdom's window ``type``. Plots keep ``traces`` and ``layout``; text keeps the
    appended pieces in ``parts`` (joined with ``<br>`` when read, so an append is O(1)); every
    other type keeps its JSON ``content`` as sent.
    """

    __slots__ = (
        "content",
        "content_id",
        "id",
        "index",
        "kind",
        "layout",
        "meta",
        "parts",
        "traces",
        "version",
    )

    def __init__(self, win_id: str, kind: str, meta: dict[str, Any]) -> None:
        self.id = win_id
        self.kind = kind
        self.meta = meta
        self.index = 0
        self.version = 1
        self.content_id = new_content_id()
        self.traces: list[Trace] = []
        self.layout: dict[str, Any] = {}
        self.parts: list[str] = []
        self.content: Any = None

    # --- building --------------------------------------------------------------------------

    @classmethod
    def from_request(cls, win_id: str, msg: dict[str, Any]) -> Window:
        """The window an ``/events`` request creates (Visdom's ``window()``)."""
        opts = optional_dict(msg.get("opts"), "opts")
        data = msg.get("data")
        if not isinstance(data, list) or not data:
            raise RequestError("data must be a non-empty list of traces")
        first = require_dict(data[0], "data[0]")
        if "type" not in first:
            raise RequestError("data[0] must have a 'type'")
        kind = first["type"]
        meta: dict[str, Any] = {
            "title": opts.get("title", ""),
            "inflate": opts.get("inflate", True),
            "width": opts.get("width"),
            "height": opts.get("height"),
        }
        if kind in SPECIAL_TYPES:
            window = cls(win_id, kind, meta)
            content = first.get("content")
            if kind == "image_history":
                window.content = [content]
                meta["selected"] = 0
                meta["show_slider"] = opts.get("show_slider", True)
            elif kind == "text":
                if not isinstance(content, str):
                    raise RequestError("data[0].content of a text window must be a string")
                window.parts = [content]
            elif kind == "network":
                window.content = content
                meta["directed"] = opts.get("directed", False)
                meta["showEdgeLabels"] = opts.get("showEdgeLabels", "hover")
                meta["showVertexLabels"] = opts.get("showVertexLabels", "hover")
            elif kind == "embeddings":
                window.content = dict(optional_dict(content, "data[0].content"))
                window.content["has_previous"] = False
                meta["old_content"] = []
            else:
                window.content = content
            return window
        window = cls(win_id, "plot", meta)
        window.layout = dict(optional_dict(msg.get("layout"), "layout"))
        window.traces = [Trace.from_json(t, f"data[{i}]") for i, t in enumerate(data)]
        return window

    @classmethod
    def from_json(cls, doc: Any, win_id: str | None = None) -> Window:
        """A window from its Visdom JSON document (env files, ``set_window_data``)."""
        doc = require_dict(doc, "window")
        kind = doc.get("type")
        if not isinstance(kind, str):
            raise RequestError("window must have a string 'type'")
        wid = str(win_id if win_id is not None else doc.get("id", new_window_id()))
        meta = {k: v for k, v in doc.items() if k not in STRUCTURAL_FIELDS}
        window = cls(wid, kind, meta)
        content = doc.get("content")
        if isinstance(doc.get("i"), int):
            window.index = doc["i"]
        if isinstance(doc.get("version"), int):
            window.version = doc["version"]
        if kind == "plot":
            content = optional_dict(content, "window content")
            window.layout = dict(optional_dict(content.get("layout"), "content.layout"))
            traces = content.get("data") or []
            if not isinstance(traces, list):
                raise RequestError("content.data must be a list")
            window.traces = [Trace.from_json(t, f"content.data[{i}]") for i, t in enumerate(traces)]
        elif kind == "text":
            window.parts = [content if isinstance(content, str) else ""]
        else:
            window.content = content
        return window

    # --- reading ---------------------------------------------------------------------------

    def content_json(
        self, max_points: int | None = None, x_range: tuple[float, float] | None = None
    ) -> Any:
        if self.kind == "plot":
            return {
                "data": [trace.to_json(max_points, x_range) for trace in self.traces],
                "layout": self.layout,
            }
        if self.kind == "text":
            return "<br>".join(self.parts)
        return self.content

    def to_json(
        self, max_points: int | None = None, x_range: tuple[float, float] | None = None
    ) -> dict[str, Any]:
        """Visdom's window document; with ``max_points``, long traces thinned for display;
        with ``x_range``, plot traces cut to that x range (see ``Trace.to_json``)."""
        doc: dict[str, Any] = {"command": "window", "id": self.id}
        doc.update(self.meta)
        doc["contentID"] = self.content_id
        doc["type"] = self.kind
        doc["content"] = self.content_json(max_points, x_range)
        doc["i"] = self.index
        doc["version"] = self.version
        return doc

    def touch(self) -> None:
        """Mark the window changed (the UI re-renders on a new contentID)."""
        self.content_id = new_content_id()
        self.version += 1

    def point_count(self) -> int:
        return sum(len(t) for t in self.traces)

    def nbytes(self) -> int:
        return sum(t.nbytes() for t in self.traces)

    # --- snapshots -------------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "meta": self.meta,
            "i": self.index,
            "version": self.version,
            "content_id": self.content_id,
        }
        if self.kind == "plot":
            state["layout"] = self.layout
            state["traces"] = [t.to_state() for t in self.traces]
        elif self.kind == "text":
            state["parts"] = self.parts
        else:
            state["content"] = self.content
        return state

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Window:
        window = cls(state["id"], state["kind"], dict(state["meta"]))
        window.index = int(state["i"])
        window.version = int(state.get("version", 1))
        window.content_id = str(state.get("content_id") or window.content_id)
        if window.kind == "plot":
            window.layout = dict(state["layout"])
            window.traces = [Trace.from_state(t) for t in state["traces"]]
        elif window.kind == "text":
            window.parts = list(state["parts"])
        else:
            window.content = state["content"]
        return window


class Env:
    """An environment: windows in insertion order, plus the browser's layout items."""

    __slots__ = ("next_index", "reload", "windows")

    def __init__(self) -> None:
        self.windows: dict[str, Window] = {}
        self.reload: dict[str, Any] = {}
        self.next_index = 1

    def put(self, window: Window) -> None:
        """Add or replace a window; a replaced window keeps its position ``i``."""
        old = self.windows.get(window.id)
        if old is not None:
            window.index = old.index
            window.version = old.version + 1
        else:
            window.index = self.next_index
            self.next_index += 1
        self.windows[window.id] = window

    def adopt(self, window: Window) -> None:
        """Add a window that already has its position (imports, copies)."""
        if window.index <= 0:
            window.index = self.next_index
        self.windows[window.id] = window
        self.next_index = max(self.next_index, window.index + 1)

    def to_json(self) -> dict[str, Any]:
        """Visdom's env file document."""
        return {
            "jsons": {wid: w.to_json() for wid, w in self.windows.items()},
            "reload": self.reload,
        }

    @classmethod
    def from_json(cls, doc: Any) -> Env:
        doc = require_dict(doc, "env")
        env = cls()
        jsons = optional_dict(doc.get("jsons"), "jsons")
        for wid, wdoc in jsons.items():
            env.adopt(Window.from_json(wdoc, wid))
        env.reload = dict(optional_dict(doc.get("reload"), "reload"))
        return env

    def to_state(self) -> dict[str, Any]:
        return {
            "windows": [w.to_state() for w in self.windows.values()],
            "reload": self.reload,
            "next": self.next_index,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Env:
        env = cls()
        for wstate in state["windows"]:
            env.adopt(Window.from_state(wstate))
        env.reload = dict(state["reload"])
        env.next_index = max(env.next_index, int(state.get("next", 1)))
        return env

    def copy(self) -> Env:
        """A deep copy (fork_env)."""
        return Env.from_state(_deep_state_copy(self.to_state()))


def _deep_state_copy(state: dict[str, Any]) -> dict[str, Any]:
    import orjson

    copied: dict[str, Any] = orjson.loads(orjson.dumps(state))
    return copied

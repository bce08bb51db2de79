"""Plot methods of ``torchscope.Visdom``: the plotly traces and layouts Visdom's client builds.

Each method checks its arguments (ValueError/TypeError naming the argument), builds the same
request ``visdom.Visdom`` sends, and hands it to the client's ``_send``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from torchscope.client.visdom_arrays import optional_array, to_array
from torchscope.client.visdom_opts import (
    check_opts,
    dashes,
    layout_from_opts,
    line_colors,
    marker_colors,
    scrub,
)

HEATMAP_UPDATES = (
    None,
    "replace",
    "remove",
    "appendRow",
    "appendColumn",
    "prependRow",
    "prependColumn",
)


#: Appends of at most this many points take ``line``'s shortcut (see ``_append_to_line``).
SIMPLE_APPEND_POINTS = 64
_NOT_SIMPLE = object()


class PlotMethods:
    """scatter, line, heatmap, bar, histogram, boxplot, surf, contour, quiver, stem, sunburst,
    pie, mesh, dual_axis_lines and update_window_opts."""

    _send: Callable[..., Any]
    #: ``_append_to_line``'s requests per (win, env, name), points left out.
    _line_templates: dict[tuple[str, str | None, str | None], dict[str, Any]]

    def _window(
        self,
        data: list[dict[str, Any]],
        win: str | None,
        env: str | None,
        opts: dict[str, Any],
        layout: dict[str, Any] | None = None,
        endpoint: str = "events",
        **extra: Any,
    ) -> Any:
        msg: dict[str, Any] = {"data": data, "win": win, "eid": env, "opts": opts}
        if layout is not None:
            msg["layout"] = layout
        msg.update(extra)
        return self._send(msg, endpoint)

    def update_window_opts(self, win: str, opts: dict[str, Any], env: str | None = None) -> Any:
        """New options (title, axes, legend...) for an existing plot, data untouched."""
        opts = check_opts(dict(opts))
        return self._send(
            {"win": win, "eid": env, "layout": layout_from_opts(opts), "opts": opts}, "update"
        )

    def _plot(
        self,
        data: list[dict[str, Any]],
        win: str | None,
        env: str | None,
        opts: dict[str, Any],
        three_d: bool = False,
        layout: dict[str, Any] | None = None,
    ) -> Any:
        return self._window(
            data, win, env, opts, layout if layout is not None else layout_from_opts(opts, three_d)
        )

    def scatter(
        self,
        X: Any,
        Y: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
        update: str | None = None,
        name: str | None = None,
    ) -> Any:
        """2-D or 3-D points ``X`` (Nx2 / Nx3), coloured by integer labels ``Y`` (1..K).

        ``update``: 'append', 'replace', 'insert'/'new' (add a trace) or 'remove' (``name``).
        """
        return self._send(*self._scatter_request(X, Y, win, env, opts, update, name))

    def _scatter_request(
        self,
        X: Any,
        Y: Any,
        win: str | None,
        env: str | None,
        opts: dict[str, Any] | None,
        update: str | None,
        name: str | None,
    ) -> tuple[dict[str, Any], str]:
        """``scatter``'s request: the message and its endpoint."""
        if update == "remove":
            if win is None or name is None:
                raise ValueError("update='remove' needs win and name")
            return {"data": [], "name": name, "delete": True, "win": win, "eid": env}, "update"
        points = to_array(X, "X")
        labels = optional_array(Y, "Y")
        if update is not None:
            if win is None:
                raise ValueError("update needs win")
            if name and points.ndim == 1:
                if labels is None or labels.ndim != 1 or labels.shape != points.shape:
                    raise ValueError("with a 1-D X, Y must be the 1-D values of the same size")
                points, labels = np.column_stack((points, labels)), None
        if points.ndim != 2 or points.shape[1] not in (2, 3):
            raise ValueError(f"X must be Nx2 or Nx3, got shape {points.shape}")
        if labels is not None:
            labels = np.ravel(labels)
            if labels.shape[0] != points.shape[0]:
                raise ValueError("X and Y must have the same number of rows")
            if labels.size and (np.mod(labels, 1) != 0).any():
                raise ValueError("Y must hold integer labels")
            if labels.size and labels.min() < 1:
                raise ValueError("Y labels must be at least 1")
            labels = labels.astype(np.int64)
            unique = np.unique(labels)
            if len(unique) > 1 and name is not None:
                raise ValueError("name cannot be given with several labels")
            label_count = int(labels.max()) if labels.size else 1
        else:
            labels = np.ones(points.shape[0], dtype=np.int64)
            unique = np.ones(1, dtype=np.int64)
            label_count = 1
        three_d = points.shape[1] == 3
        opts = check_opts(opts)
        opts.setdefault("mode", "markers" if opts.get("textlabels") is None else "markers+text")
        opts.setdefault("markersymbol", "dot")
        opts.setdefault("markersize", 10)
        opts.setdefault("markerborderwidth", 0.5)
        colors = opts.pop("markercolor", None)
        marker = (
            marker_colors(colors, points.shape[0], labels, label_count)
            if colors is not None
            else None
        )
        lines = opts.pop("linecolor", None)
        line = line_colors(lines, label_count) if lines is not None else None
        dash_value = opts.pop("dash", None)
        dash = dashes(dash_value, label_count) if dash_value is not None else None
        text = opts.get("textlabels")
        text_labels = np.ravel(np.asarray(text)) if text is not None else None
        if text_labels is not None and text_labels.shape[0] != points.shape[0]:
            raise ValueError("opts['textlabels'] must have one label per point")
        legend = opts.get("legend")
        if legend and len(legend) < label_count:
            raise ValueError("opts['legend'] needs a name for every label")
        trace_opts = (opts.get("traceopts") or {}).get("plotly", {})
        data = []
        for k in unique.tolist():
            mask = labels == k
            if not mask.any():
                continue
            trace_name = (
                legend[k - 1]
                if legend
                else name
                if len(unique) == 1 and name is not None
                else str(k)
            )
            trace: dict[str, Any] = {
                "x": points[mask, 0],
                "y": points[mask, 1],
                "name": trace_name,
                "type": "scatter3d"
                if three_d
                else ("scattergl" if opts.get("webgl") else "scatter"),
                "mode": opts.get("mode"),
                "text": text_labels[mask].tolist() if text_labels is not None else None,
                "textposition": "right",
                "line": {
                    "dash": dash[k - 1] if dash else None,
                    "color": line[k - 1] if line else None,
                },
                "marker": {
                    "size": opts.get("markersize"),
                    "symbol": opts.get("markersymbol"),
                    "color": marker.get(k) if marker else None,
                    "line": {"color": "#000000", "width": opts.get("markerborderwidth")},
                },
            }
            if opts.get("fillarea"):
                trace["fill"] = "tonexty"
            if three_d:
                trace["z"] = points[mask, 2]
            trace.update(trace_opts.get(trace_name, {}))
            data.append(scrub(trace))
        if update is None:
            layout = layout_from_opts(opts, three_d)
            return {"data": data, "win": win, "eid": env, "opts": opts, "layout": layout}, "events"
        msg: dict[str, Any] = {
            "data": data,
            "win": win,
            "eid": env,
            "layout": {},
            "opts": opts,
            "name": name,
            "append": update == "append",
        }
        if update == "append":
            msg["layout_on_create"] = layout_from_opts(opts, three_d)
        return msg, "update"

    def line(
        self,
        Y: Any,
        X: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
        update: str | None = None,
        name: str | None = None,
    ) -> Any:
        """Lines through ``Y`` (N or NxM: M lines) at ``X`` (N or NxM; default 0..1)."""
        if update == "append" and opts is None and X is not None and win is not None:
            sent = self._append_to_line(Y, X, win, env, name)
            if sent is not _NOT_SIMPLE:
                return sent
        return self._send(*self._line_request(Y, X, win, env, opts, update, name))

    def _line_request(
        self,
        Y: Any,
        X: Any,
        win: str | None,
        env: str | None,
        opts: dict[str, Any] | None,
        update: str | None,
        name: str | None,
    ) -> tuple[dict[str, Any], str]:
        """``line``'s request: the message and its endpoint."""
        if update == "remove":
            return self._scatter_request(None, None, win, env, opts, update, name)
        values = to_array(Y, "Y")
        if update is not None and X is None:
            raise ValueError("X is required to update a line")
        if values.ndim not in (1, 2) or values.shape[-1] == 0:
            raise ValueError(f"Y must be N or NxM with M >= 1, got shape {values.shape}")
        xs = to_array(X, "X") if X is not None else np.linspace(0, 1, values.shape[0])
        if xs.ndim not in (1, 2):
            raise ValueError("X must be N or NxM")
        if values.ndim == 2 and xs.ndim == 1:
            xs = np.tile(xs, (values.shape[1], 1)).T
        if xs.shape != values.shape:
            raise ValueError(f"X and Y must have the same shape, got {xs.shape} and {values.shape}")
        opts = check_opts(opts)
        opts.setdefault("markers", False)
        opts.setdefault("fillarea", False)
        opts["mode"] = "lines+markers" if opts.get("markers") else "lines"
        if values.ndim == 1:
            return self._scatter_request(
                np.column_stack((xs, values)), None, win, env, opts, update, name
            )
        columns = values.shape[1]
        stacked = np.column_stack((xs.ravel(order="F"), values.ravel(order="F")))
        labels = np.repeat(np.arange(1, columns + 1), values.shape[0])
        return self._scatter_request(stacked, labels, win, env, opts, update, name)

    def _append_to_line(self, Y: Any, X: Any, win: str, env: str | None, name: str | None) -> Any:
        """``line(Y, X, win, update='append')`` of a few points to one line, without options:
        a training loop's call, made once per step. The request is ``_line_request``'s, whose
        parts other than the points are kept per window and reused; ``_NOT_SIMPLE`` for any
        other call."""
        values = to_array(Y, "Y")
        xs = to_array(X, "X")
        if (
            values.ndim != 1
            or xs.shape != values.shape
            or not 0 < values.size <= SIMPLE_APPEND_POINTS
            or values.dtype.kind not in "biuf"
            or xs.dtype.kind not in "biuf"
        ):
            return _NOT_SIMPLE
        key = (win, env, name)
        template = self._line_templates.get(key)
        if template is None:
            template, _ = self._line_request(values, xs, win, env, None, "append", name)
            if len(template["data"]) != 1:
                return _NOT_SIMPLE
            if len(self._line_templates) >= 256:  # many windows: keep the newest
                self._line_templates.pop(next(iter(self._line_templates)))
            self._line_templates[key] = template
        points = np.column_stack((xs, values))  # the dtype the general path sends
        msg = dict(template)
        msg["data"] = [{**template["data"][0], "x": points[:, 0], "y": points[:, 1]}]
        return self._send(msg, "update")

    def heatmap(
        self,
        X: Any,
        win: str | None = None,
        env: str | None = None,
        update: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A heatmap of the NxM matrix ``X``; ``update`` appends/prepends rows or columns."""
        if update not in HEATMAP_UPDATES:
            raise ValueError(f"update must be one of {HEATMAP_UPDATES}")
        if update == "remove":
            if win is None:
                raise ValueError("update='remove' needs win")
            return self._send({"data": [], "delete": True, "win": win, "eid": env}, "update")
        matrix = to_array(X, "X")
        if matrix.ndim != 2:
            raise ValueError(f"X must be two-dimensional, got shape {matrix.shape}")
        opts = check_opts(opts)
        opts.setdefault("colormap", "Viridis")
        for key, size in (("columnnames", matrix.shape[1]), ("rownames", matrix.shape[0])):
            if opts.get(key) is not None and len(opts[key]) != size:
                raise ValueError(f"opts['{key}'] must have {size} names")
        data: list[dict[str, Any]] = [
            {
                "z": matrix.astype(np.float64),
                "x": opts.get("columnnames"),
                "y": opts.get("rownames"),
                "zmin": opts.get("xmin"),
                "zmax": opts.get("xmax"),
                "type": "heatmap",
                "colorscale": opts.get("colormap"),
            }
        ]
        if opts.get("nancolor") is not None:
            data.insert(
                0,
                {
                    "z": np.zeros_like(matrix, dtype=np.float64),
                    "x": data[0]["x"],
                    "y": data[0]["y"],
                    "type": "heatmap",
                    "showscale": False,
                    "colorscale": [[0, opts["nancolor"]], [1, opts["nancolor"]]],
                },
            )
        if update is None:
            return self._plot(data, win, env, opts)
        appending = update not in ("replace",)
        msg = {
            "data": data,
            "win": win,
            "eid": env,
            "layout": {},
            "opts": opts,
            "append": appending,
            "updateDir": update,
        }
        if appending:
            msg["layout_on_create"] = layout_from_opts(opts)
        return self._send(msg, "update")

    def bar(
        self,
        X: Any,
        Y: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Bars of height ``X`` (N, or NxM stacked/grouped) at positions ``Y``."""
        heights = np.squeeze(to_array(X, "X"))
        opts = check_opts(opts)
        if heights.ndim == 0:
            heights = heights.reshape(1)
        if heights.ndim == 1:
            if opts.get("legend") is not None:
                if opts.get("rownames") is not None:
                    raise ValueError("rownames and legend cannot both be given for a 1-D X")
                heights = heights[np.newaxis, :]
            else:
                heights = heights[:, np.newaxis]
        if heights.ndim != 2:
            raise ValueError("X must be one- or two-dimensional")
        if Y is not None:
            positions = np.squeeze(to_array(Y, "Y"))
            if positions.ndim != 1 or len(positions) != len(heights):
                raise ValueError("Y must be one-dimensional and as long as X")
        else:
            positions = np.arange(1, len(heights) + 1)
        opts.setdefault("stacked", False)
        if opts.get("rownames") is not None and len(opts["rownames"]) != heights.shape[0]:
            raise ValueError(f"opts['rownames'] must have {heights.shape[0]} names")
        if opts.get("legend") is not None and len(opts["legend"]) != heights.shape[1]:
            raise ValueError(f"opts['legend'] must have {heights.shape[1]} names")
        data = []
        for k in range(heights.shape[1]):
            trace: dict[str, Any] = {
                "y": heights[:, k],
                "x": opts.get("rownames", positions),
                "type": "bar",
            }
            if opts.get("legend"):
                trace["name"] = opts["legend"][k]
            data.append(trace)
        return self._plot(data, win, env, opts)

    def histogram(
        self,
        X: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A histogram of the values ``X`` (``opts.numbins``, default 30)."""
        values = np.squeeze(to_array(X, "X"))
        if values.ndim != 1:
            raise ValueError("X must be one-dimensional")
        opts = check_opts(opts)
        opts.setdefault("numbins", min(30, len(values)))
        low, high = float(values.min()), float(values.max())
        counts = np.histogram(values, bins=opts["numbins"], range=(low, high))[0]
        return self.bar(
            X=counts, Y=np.linspace(low, high, opts["numbins"]), opts=opts, win=win, env=env
        )

    def boxplot(
        self,
        X: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Box plots of the columns of ``X`` (N or NxM)."""
        values = np.squeeze(to_array(X, "X"))
        if values.ndim == 1:
            values = values[:, np.newaxis]
        if values.ndim != 2:
            raise ValueError("X must be one- or two-dimensional")
        opts = check_opts(opts)
        legend = opts.get("legend")
        if legend is not None and len(legend) != values.shape[1]:
            raise ValueError(f"opts['legend'] must have {values.shape[1]} names")
        data = [
            {"y": values[:, k], "type": "box", "name": legend[k] if legend else f"column {k}"}
            for k in range(values.shape[1])
        ]
        return self._plot(data, win, env, opts)

    def _surface(
        self, X: Any, kind: str, win: str | None, env: str | None, opts: dict[str, Any] | None
    ) -> Any:
        values = np.squeeze(to_array(X, "X"))
        if values.ndim != 2:
            raise ValueError("X must be two-dimensional")
        opts = check_opts(opts)
        opts["xmin"] = float(opts.get("xmin", values.min()))
        opts["xmax"] = float(opts.get("xmax", values.max()))
        opts.setdefault("colormap", "Viridis")
        data = [
            {
                "z": values,
                "cmin": opts["xmin"],
                "cmax": opts["xmax"],
                "type": kind,
                "colorscale": opts["colormap"],
            }
        ]
        return self._plot(data, win, env, opts, three_d=kind == "surface")

    def surf(
        self,
        X: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A 3-D surface of the NxM matrix ``X``."""
        return self._surface(X, "surface", win, env, opts)

    def contour(
        self,
        X: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Contours of the NxM matrix ``X``."""
        return self._surface(X, "contour", win, env, opts)

    def quiver(
        self,
        X: Any,
        Y: Any,
        gridX: Any = None,
        gridY: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Arrows with components ``X``, ``Y`` (NxM) at ``gridX``, ``gridY``."""
        dx, dy = to_array(X, "X").astype(np.float64), to_array(Y, "Y").astype(np.float64)
        if dx.ndim != 2 or dx.shape != dy.shape:
            raise ValueError("X and Y must be two-dimensional and the same shape")
        rows, cols = dx.shape
        gx = (
            np.broadcast_to(np.arange(rows)[:, None], dx.shape)
            if gridX is None
            else to_array(gridX, "gridX")
        )
        gy = (
            np.broadcast_to(np.arange(cols)[None, :], dx.shape)
            if gridY is None
            else to_array(gridY, "gridY")
        )
        if gx.shape != dx.shape or gy.shape != dx.shape:
            raise ValueError("gridX and gridY must have the shape of X")
        opts = check_opts(opts)
        opts["mode"] = "lines"
        opts.setdefault("arrowheads", True)
        if opts.get("normalize"):
            scale = float(np.sqrt(dx**2 + dy**2).max()) / float(opts["normalize"])
            dx, dy = dx / scale, dy / scale
        tip_x, tip_y = gx + dx, gy + dy
        gap = np.full(dx.size, np.nan)
        xs = [np.column_stack((gx.ravel(), tip_x.ravel(), gap)).ravel()]
        ys = [np.column_stack((gy.ravel(), tip_y.ravel(), gap)).ravel()]
        if opts["arrowheads"]:
            alpha = beta = 0.33  # head length and half-width, relative to the arrow
            bx, by = (dx + 1e-5) * beta, (dy + 1e-5) * beta
            left_x, right_x = tip_x - alpha * (dx + by), tip_x - alpha * (dx - by)
            left_y, right_y = tip_y - alpha * (dy - bx), tip_y - alpha * (dy + bx)
            xs.append(
                np.column_stack((left_x.ravel(), tip_x.ravel(), right_x.ravel(), gap)).ravel()
            )
            ys.append(
                np.column_stack((left_y.ravel(), tip_y.ravel(), right_y.ravel(), gap)).ravel()
            )
        points = np.column_stack((np.concatenate(xs), np.concatenate(ys)))
        return self.scatter(X=points, opts=opts, win=win, env=env)

    def stem(
        self,
        X: Any,
        Y: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Stems of height ``X`` (N or NxM) at ``Y`` (default 1..N)."""
        heights = np.squeeze(to_array(X, "X")).astype(np.float64)
        if heights.ndim == 1:
            heights = heights[:, None]
        if heights.ndim != 2:
            raise ValueError("X must be one- or two-dimensional")
        at = (np.arange(1, heights.shape[0] + 1) if Y is None else to_array(Y, "Y")).astype(float)
        if at.ndim == 1:
            at = at[:, None]
        if at.shape[0] != heights.shape[0] or at.shape[1] not in (1, heights.shape[1]):
            raise ValueError("Y must have X's rows, and one column or X's columns")
        at = np.broadcast_to(at, heights.shape)
        gap = np.full(heights.shape, np.nan)
        ys = np.stack((np.zeros_like(heights), heights, gap), axis=1).reshape(-1, heights.shape[1])
        xs = np.stack((at, at, gap), axis=1).reshape(-1, heights.shape[1])
        labels = np.tile(np.arange(1, heights.shape[1] + 1), (ys.shape[0], 1)).ravel()
        opts = check_opts(opts)
        opts["mode"] = "lines"
        return self.scatter(
            X=np.column_stack((xs.ravel(), ys.ravel())), Y=labels, opts=opts, win=win, env=env
        )

    def sunburst(
        self,
        labels: Any,
        parents: Any,
        values: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A sunburst chart of a hierarchy given as ``labels`` and their ``parents``."""
        names, parent_names = to_array(labels, "labels"), to_array(parents, "parents")
        if len(names) != len(parent_names):
            raise ValueError("labels and parents must have the same length")
        opts = check_opts(opts)
        trace: dict[str, Any] = {
            "labels": names.tolist(),
            "parents": parent_names.tolist(),
            "outsidetextfont": {"size": opts.get("size"), "color": opts.get("font_color")},
            "leaf": {"opacity": opts.get("opacity")},
            "marker": {"line": {"width": opts.get("marker_width")}},
            "type": "sunburst",
        }
        if values is not None:
            sizes = np.squeeze(to_array(values, "values"))
            if sizes.ndim != 1 or len(sizes) != len(names):
                raise ValueError("values must be one-dimensional and as long as labels")
            trace["values"] = sizes
        return self._plot([trace], win, env, opts)

    def pie(
        self,
        X: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A pie chart of the non-negative values ``X``."""
        values = np.squeeze(to_array(X, "X"))
        if values.ndim != 1:
            raise ValueError("X must be one-dimensional")
        if (values < 0).any():
            raise ValueError("X cannot contain negative values")
        opts = check_opts(opts)
        return self._plot(
            [{"values": values, "labels": opts.get("legend"), "type": "pie"}], win, env, opts
        )

    def mesh(
        self,
        X: Any,
        Y: Any = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A mesh of vertices ``X`` (Nx2 / Nx3) and polygons ``Y`` (Mx2 / Mx3)."""
        vertices = to_array(X, "X")
        if vertices.ndim != 2 or vertices.shape[1] not in (2, 3):
            raise ValueError("X must be Nx2 or Nx3")
        faces = optional_array(Y, "Y")
        if faces is not None and (faces.ndim != 2 or faces.shape[1] != vertices.shape[1]):
            raise ValueError("Y must have as many columns as X")
        three_d = vertices.shape[1] == 3
        opts = check_opts(opts)
        trace = {
            "x": vertices[:, 0],
            "y": vertices[:, 1],
            "z": vertices[:, 2] if three_d else None,
            "i": faces[:, 0] if faces is not None else None,
            "j": faces[:, 1] if faces is not None else None,
            "k": faces[:, 2] if faces is not None and three_d else None,
            "color": opts.get("color"),
            "opacity": opts.get("opacity"),
            "type": "mesh3d" if three_d else "mesh",
        }
        return self._plot([trace], win, env, opts)

    def dual_axis_lines(
        self,
        X: Any = None,
        Y1: Any = None,
        Y2: Any = None,
        opts: dict[str, Any] | None = None,
        win: str | None = None,
        env: str | None = None,
    ) -> Any:
        """Two lines sharing ``X`` with separate y axes (left and right)."""
        if X is None or Y1 is None or Y2 is None:
            raise ValueError("X, Y1 and Y2 are required")
        xs, first, second = (
            to_array(v, n).astype(np.float64) for v, n in ((X, "X"), (Y1, "Y1"), (Y2, "Y2"))
        )
        if xs.shape != first.shape or xs.shape != second.shape:
            raise ValueError("X, Y1 and Y2 must have the same shape")
        opts = check_opts(opts)
        one = {"x": xs, "y": first, "name": opts.get("name_y1", "Y1 axis"), "type": "scatter"}
        two = {
            "x": xs,
            "y": second,
            "yaxis": "y2",
            "name": opts.get("name_y2", "Y2 axis"),
            "type": "scatter",
        }
        layout = {
            "title": opts.get("title", "Example Double Y axis"),
            "yaxis": {
                "title": one["name"],
                "titlefont": {"color": opts.get("color_title_y1", "black")},
                "tickfont": {"color": opts.get("color_tick_y1", "black")},
            },
            "yaxis2": {
                "title": two["name"],
                "titlefont": {"color": opts.get("color_title_y2", "rgb(148, 103, 189)")},
                "tickfont": {"color": opts.get("color_tick_y2", "rgb(148, 103, 189)")},
                "overlaying": "y",
                "side": opts.get("side", "right"),
            },
            "showlegend": opts.get("showlegend", True),
            "margin": {
                "b": opts.get("bottom", 60),
                "r": opts.get("right", 60),
                "t": opts.get("top", 60),
                "l": opts.get("left", 60),
            },
        }
        opts.setdefault("height", 300)
        opts.setdefault("width", 500)
        return self._plot([one, two], win, env, opts, layout=layout)

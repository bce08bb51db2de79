"""Pane methods of ``torchscope.Visdom``: text, media, properties, networks, embeddings."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from torchscope.client import visdom_media as media
from torchscope.client.visdom_arrays import to_array
from torchscope.client.visdom_embedding_events import (
    embeddings_event_handler,
    layout_points,
    tsne_layout,
)
from torchscope.client.visdom_embedding_vectors import (
    VECTORS_KEY,
    check_vector_size,
    vectors_payload,
)
from torchscope.client.visdom_opts import check_opts
from torchscope.client.visdom_transport import encode


class PaneMethods:
    """text, properties, svg, matplot, plotlyplot, image, images, audio, video, graph and
    embeddings."""

    _window: Callable[..., Any]
    _send: Callable[..., Any]
    win_data: dict[str, Any]
    use_socket: bool
    register_event_handler: Callable[..., None]
    clear_event_handlers: Callable[[str], None]

    def text(
        self,
        text: str,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
        append: bool = False,
    ) -> Any:
        """HTML text in a pane; ``append=True`` adds to it (creating it if missing)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, got {type(text).__name__}")
        opts = check_opts(opts)
        data = [{"content": text, "type": "text"}]
        if append:
            return self._window(data, win, env, opts, endpoint="update", append=True)
        return self._window(data, win, env, opts)

    def properties(
        self,
        data: list[dict[str, Any]],
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Editable properties; edits arrive as ``PropertyUpdate`` events."""
        if not isinstance(data, list):
            raise TypeError("data must be a list of property dicts")
        return self._window([{"content": data, "type": "properties"}], win, env, check_opts(opts))

    def svg(
        self,
        svgstr: str | None = None,
        svgfile: str | None = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        opts = check_opts(opts)
        if svgfile is not None:
            svgstr = media.read_file(svgfile, "svgfile").decode("utf-8")
        if svgstr is None:
            raise ValueError("give svgstr or svgfile")
        return self.text(media.svg_element(svgstr), win=win, env=env, opts=opts)

    def matplot(
        self,
        plot: Any,
        opts: dict[str, Any] | None = None,
        env: str | None = None,
        win: str | None = None,
    ) -> Any:
        """A matplotlib figure (or ``pyplot``), as SVG."""
        opts = check_opts(opts)
        svg = media.figure_svg(plot)
        for key, factor in (("height", 1.4), ("width", 1.35)):
            found = re.search(rf'{key}="([0-9.]*)pt"', svg)
            if key not in opts and found is not None:
                opts[key] = factor * math.ceil(float(found.group(1)))
        return self.svg(svgstr=svg, opts=opts, env=env, win=win)

    def plotlyplot(self, figure: Any, win: str | None = None, env: str | None = None) -> Any:
        """A plotly figure (anything with ``to_plotly_json`` or a dict with data/layout)."""
        doc = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else figure
        doc = json.loads(encode(doc))
        if not isinstance(doc, dict) or "data" not in doc:
            raise TypeError("figure must be a plotly Figure or a dict with 'data' and 'layout'")
        layout = doc.get("layout") or {}
        opts: dict[str, Any] = {}
        title = layout.get("title")
        if title is not None:
            opts["title"] = title.get("text") if isinstance(title, dict) else title
        return self._window(doc["data"], win, env, opts, layout)

    def image(
        self,
        img: Any,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A ``CxHxW`` or ``HxW`` image (floats in [0, 1] or uint8); ``opts.store_history``
        keeps earlier images behind a slider."""
        array = to_array(img, "img")
        opts = check_opts(opts)
        opts.setdefault("width", int(array.shape[-1]))
        opts.setdefault("height", int(array.shape[-2]))
        src = media.image_data_url(array, opts.get("jpgquality"))
        history = bool(opts.get("store_history"))
        data = [
            {
                "content": {"src": src, "caption": opts.get("caption")},
                "type": "image_history" if history else "image",
            }
        ]
        if history and win is not None:
            # One request: appends to the history, or creates it when missing.
            return self._window(data, win, env, opts, endpoint="update", append=True)
        return self._window(data, win, env, opts)

    def images(
        self,
        tensor: Any,
        nrow: int = 8,
        padding: int = 2,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A ``BxCxHxW`` batch (or list of images) as one grid image."""
        if isinstance(tensor, (list, tuple)):
            array = np.stack([to_array(t, "tensor") for t in tensor])
        else:
            array = to_array(tensor, "tensor")
        if array.ndim == 2:
            array = array[np.newaxis]
        if array.ndim == 3:
            return self.image(array, win, env, opts)
        if array.ndim != 4:
            raise ValueError(f"tensor must be BxCxHxW, got shape {array.shape}")
        if array.shape[1] == 1:
            array = np.repeat(array, 3, axis=1)
        return self.image(media.image_grid(array, nrow, padding), win, env, opts)

    def audio(
        self,
        tensor: Any = None,
        audiofile: str | None = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Sound from an ``N`` (or ``Nx2``) waveform or a wav/mp3/ogg/flac file."""
        opts = check_opts(opts)
        opts.setdefault("sample_frequency", 44100)
        if tensor is not None:
            samples = to_array(tensor, "tensor")
            if not (samples.ndim == 1 or (samples.ndim == 2 and samples.shape[1] == 2)):
                raise ValueError("tensor must be N or Nx2")
            html = media.audio_html(media.wav_bytes(samples, opts["sample_frequency"]), "wav")
        elif audiofile is not None:
            kind = media.AUDIO_TYPES.get(Path(audiofile).suffix.lstrip(".").lower())
            if kind is None:
                raise ValueError(f"audiofile must be one of {sorted(media.AUDIO_TYPES)}")
            html = media.audio_html(media.read_file(audiofile, "audiofile"), kind)
        else:
            raise ValueError("give tensor or audiofile")
        opts["height"], opts["width"] = 80, 330
        return self.text(html, win=win, env=env, opts=opts)

    def video(
        self,
        tensor: Any = None,
        dim: str = "LxHxWxC",
        videofile: str | None = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """A video from ``LxHxWxC`` (or ``LxCxHxW``) frames (needs PyAV) or a file."""
        opts = check_opts(opts)
        opts.setdefault("fps", 25)
        opts.setdefault("loop", False)
        opts.setdefault("autoplay", False)
        if tensor is not None:
            frames = to_array(tensor, "tensor")
            if frames.ndim != 4:
                raise ValueError("tensor must have 4 dimensions")
            if dim not in ("LxHxWxC", "LxCxHxW"):
                raise ValueError("dim must be 'LxHxWxC' or 'LxCxHxW'")
            if dim == "LxCxHxW":
                frames = frames.transpose(0, 2, 3, 1)
            data, kind = media.mp4_bytes(frames, opts["fps"]), "mp4"
        elif videofile is not None:
            found = media.VIDEO_TYPES.get(Path(videofile).suffix.lstrip(".").lower())
            if found is None:
                raise ValueError(f"videofile must be one of {sorted(media.VIDEO_TYPES)}")
            data, kind = media.read_file(videofile, "videofile"), found
        else:
            raise ValueError("give tensor or videofile")
        html = media.video_html(data, kind, bool(opts["autoplay"]), bool(opts["loop"]))
        return self.text(html, win=win, env=env, opts=opts)

    def graph(
        self,
        edges: Sequence[tuple[int, int]],
        edgeLabels: Sequence[Any] | None = None,
        nodeLabels: Sequence[Any] | None = None,
        opts: dict[str, Any] | None = None,
        env: str | None = None,
        win: str | None = None,
    ) -> Any:
        """A network of nodes 0..n-1 joined by ``edges`` (pairs of node numbers)."""
        links: list[tuple[int, int]] = []
        seen: set[frozenset[int]] = set()
        for edge in edges:
            source, target = (int(v) for v in edge)
            pair = frozenset((source, target))
            if pair not in seen:  # an undirected graph: each pair once
                seen.add(pair)
                links.append((source, target))
        nodes = sorted({v for link in links for v in link})
        if nodes != list(range(len(nodes))):
            raise ValueError("edges must use node numbers 0..n-1 with none missing")
        if edgeLabels is not None and len(edgeLabels) != len(links):
            raise ValueError(f"edgeLabels must have {len(links)} labels")
        if nodeLabels is not None and len(nodeLabels) != len(nodes):
            raise ValueError(f"nodeLabels must have {len(nodes)} labels")
        opts = check_opts(opts)
        for option, default in (
            ("directed", False),
            ("showVertexLabels", False),
            ("showEdgeLabels", False),
            ("height", 500),
            ("width", 500),
            ("scheme", "same"),
        ):
            opts.setdefault(option, default)
        edge_docs = [
            {
                "source": s,
                "target": t,
                "label": str(edgeLabels[i]) if edgeLabels is not None else f"{s}-{t}",
            }
            for i, (s, t) in enumerate(links)
        ]
        node_docs: list[dict[str, Any]] = []
        for i in nodes:
            node: dict[str, Any] = {
                "name": i,
                "label": str(nodeLabels[i]) if nodeLabels is not None else str(i),
            }
            if opts["scheme"] == "different":
                node["club"] = i
            node_docs.append(node)
        data = [{"content": {"nodes": node_docs, "edges": edge_docs}, "type": "network"}]
        return self._window(data, win, env, opts)

    def embeddings(
        self,
        features: Any,
        labels: Sequence[Any],
        data_getter: Any = None,
        data_type: str | None = None,
        win: str | None = None,
        env: str | None = None,
        opts: dict[str, Any] | None = None,
    ) -> Any:
        """Points of ``features`` (NxD) laid out in 2-D with t-SNE, coloured by ``labels``.

        The window also carries the original vectors and labels (at most
        100,000 points x 1,024 dimensions, 8,000,000 values), so the Projector view can
        show them; bigger ``features`` raise ValueError.
        """
        vectors = to_array(features, "features").astype(np.float64)
        if vectors.ndim != 2 or len(vectors) != len(labels):
            raise ValueError("features must be NxD with one label per row")
        if data_getter is not None and not callable(data_getter):
            raise TypeError("data_getter must be callable (index -> html)")
        check_vector_size(vectors.shape)  # before the t-SNE, which is the slow part
        opts = check_opts(opts)
        loading = [{"content": {"isLoading": True}, "type": "embeddings"}]
        win = self._window(loading, win, env, opts)
        layout = tsne_layout(vectors)
        points = layout_points(layout, labels, range(len(labels)), list(dict.fromkeys(labels)))
        self.win_data[str(win)] = {
            "points": points,
            "data_getter": data_getter,
            "data_type": data_type,
        }
        content = {"data": points, VECTORS_KEY: vectors_payload(vectors, labels)}
        win = self._window([{"content": content, "type": "embeddings"}], win, env, opts)
        if self.use_socket and isinstance(win, str):
            self._answer_embeddings_events(vectors, labels, data_getter, data_type, win, env, opts)
        return win

    def _answer_embeddings_events(
        self,
        vectors: np.ndarray,
        labels: Sequence[Any],
        data_getter: Callable[[int], str] | None,
        data_type: str | None,
        win: str,
        env: str | None,
        opts: dict[str, Any],
    ) -> None:
        """Answer the pane's hover and lasso events, as Visdom's client does."""

        def send(data: dict[str, Any]) -> Any:
            return self._send({"data": data, "win": win, "eid": env, "opts": opts}, "update")

        handler = embeddings_event_handler(send, vectors, labels, data_getter, data_type)
        self.clear_event_handlers(win)  # a second call for the same pane replaces the first
        self.register_event_handler(handler, win)

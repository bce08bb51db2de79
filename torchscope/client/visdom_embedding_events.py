"""The 2-D layout of ``torchscope.Visdom.embeddings`` and its answers to the page's events.

As Visdom's client does, the client (which holds the features) answers the embeddings pane:
hovering a point (``EntitySelected``) shows the preview ``data_getter`` returns for it, and a
lasso (``RegionSelected``) lays the selected points out again with t-SNE of their own; the page's
"back" button returns to the previous layout (the server keeps it).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

log = logging.getLogger("torchscope.client")

NO_PREVIEW = "<div>No preview available</div>"


def tsne_layout(vectors: np.ndarray) -> np.ndarray:
    """``vectors`` (NxD) laid out in 2-D with scikit-learn's t-SNE (deterministic)."""
    count = len(vectors)
    if count < 3:  # t-SNE needs more points than its perplexity: place a few on a line
        return np.column_stack((np.arange(count, dtype=np.float64), np.zeros(count)))
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(1.0, (count - 1) / 3)))
    # Exact t-SNE is quicker than Barnes-Hut below a thousand points (and as good).
    method = "exact" if count <= 1000 else "barnes_hut"
    layout: np.ndarray = TSNE(
        n_components=2, perplexity=perplexity, init="pca", random_state=0, method=method
    ).fit_transform(vectors)
    return layout


def layout_points(
    layout: np.ndarray, labels: Sequence[Any], indices: Sequence[int], groups: list[Any]
) -> list[dict[str, Any]]:
    """The pane's points: entity ``indices[k]`` drawn at ``layout[k]``, coloured by group."""
    return [
        {
            "group": groups.index(labels[i]),
            "name": f"Entity {i}",
            "label": labels[i],
            "position": layout[k].tolist(),
            "idx": i,
        }
        for k, i in enumerate(indices)
    ]


def embeddings_event_handler(
    send: Callable[[dict[str, Any]], Any],
    vectors: np.ndarray,
    labels: Sequence[Any],
    data_getter: Callable[[int], str] | None,
    data_type: str | None,
) -> Callable[[dict[str, Any]], None]:
    """A handler for the pane's events; ``send`` posts an ``/update`` body for the pane."""
    groups = list(dict.fromkeys(labels))

    def preview(index: int) -> str:
        if data_getter is None or data_type != "html":
            return NO_PREVIEW
        return str(data_getter(index))

    def handle(event: dict[str, Any]) -> None:
        kind = event.get("event_type")
        if kind == "EntitySelected":
            index = _entity_index(event.get("idx"), len(vectors))
            if index is None:
                return
            selected = {"html": preview(index), "entityId": event.get("entityId")}
            send({"update_type": "EntitySelected", "selected": selected})
        elif kind == "RegionSelected":
            chosen = event.get("selectedIdxs")
            if not isinstance(chosen, list):
                return
            indices = [i for i in map(_entity_index_of(len(vectors)), chosen) if i is not None]
            if not indices:
                return
            layout = tsne_layout(vectors[indices])
            points = layout_points(layout, labels, indices, groups)
            send({"update_type": "RegionSelected", "points": points})

    return handle


def _entity_index(value: Any, count: int) -> int | None:
    """A point index from the page, or None (logged) when it is not one of ours."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        log.info("embeddings event with a bad point index %r", value)
        return None
    try:
        index = int(value)
    except ValueError:
        log.info("embeddings event with a bad point index %r", value)
        return None
    if not 0 <= index < count:
        log.info("embeddings event for point %d of %d", index, count)
        return None
    return index


def _entity_index_of(count: int) -> Callable[[Any], int | None]:
    return lambda value: _entity_index(value, count)

"""``/compare/<e1>+<e2>...``: several envs in one view, as Visdom builds it.

Plot windows that share a non-empty title across envs become one window (id ``<win>_compare``)
whose traces are renamed ``<envIndex>_<traceName>``; a text window maps env names to indices.
Only windows shared by at least two envs are shown. Display thinning applies as for any push.
"""

from __future__ import annotations

import html
from typing import Any

from torchscope.live import LiveStore


def compare_messages(store: LiveStore, eids: list[str]) -> list[dict[str, Any]]:
    """The messages a browser gets for a compare view of ``eids`` (unknown envs skipped)."""
    known = [eid for eid in eids if eid in store.envs]
    numbers = {eid: str(i) for i, eid in enumerate(eids)}
    merged: dict[str, dict[str, Any]] = {}
    envs_with_title: dict[str, set[str]] = {}
    order: list[str] = []
    for eid in sorted(known):
        for window in store.envs[eid].windows.values():
            title = window.meta.get("title")
            if window.kind != "plot" or not title or not window.traces:
                continue
            doc = store.display_json(window)
            traces = doc["content"]["data"]
            if any("name" not in trace for trace in traces):
                continue  # unnamed traces cannot be told apart once merged
            for trace in traces:
                trace["name"] = f"{numbers[eid]}_{trace['name']}"
            if title not in merged:
                doc["id"] = window.id + "_compare"
                doc["content"]["layout"] = {**doc["content"]["layout"], "showlegend": True}
                merged[title] = doc
                order.append(title)
            else:
                merged[title]["content"]["data"].extend(traces)
            envs_with_title.setdefault(title, set()).add(eid)
    messages: list[dict[str, Any]] = [
        merged[title] for title in order if len(envs_with_title[title]) >= 2
    ]
    rows = " ".join(
        f"<tr> <td> {html.escape(eid)} </td> <td> {numbers[eid]} </td> </tr>" for eid in eids
    )
    messages.append(
        {
            "command": "window",
            "id": "window_compare_legend",
            "title": "compare_legend",
            "inflate": True,
            "width": None,
            "height": None,
            "contentID": "compare_legend",
            "content": f"<table> {rows} </table>",
            "type": "text",
            "i": 1,
            "has_compare": True,
        }
    )
    messages.append({"command": "layout"})
    return messages

"""Commands a browser sends over ``/socket`` (or ``/socket_wrap``), and what they do.

Every command is ignored in read-only mode, as in Visdom. Env ids are escaped like the HTTP
API's (Visdom used them raw here, which let ``delete_env`` reach files outside the env folder).
"""

from __future__ import annotations

import logging
from typing import Any

from torchscope.live import LiveStore, RequestError
from torchscope.live.names import env_id
from torchscope.plugins.live.hub import Hub

log = logging.getLogger("torchscope.live")


def handle_browser_command(hub: Hub, message: Any, readonly: bool) -> None:
    """Apply one browser command; bad commands are logged and dropped."""
    if readonly or not isinstance(message, dict):
        return
    try:
        _dispatch(hub, hub.store, message)
    except (RequestError, ValueError) as exc:
        log.info("browser command %r refused: %s", message.get("cmd"), exc)


def _dispatch(hub: Hub, store: LiveStore, message: dict[str, Any]) -> None:
    cmd = message.get("cmd")
    if cmd == "close":
        eid, win = env_id(message.get("eid")), message.get("data")
        window = store.window(eid, str(win))
        if window is None:
            return
        pane = window.to_json()
        store.execute("close", {"eid": eid, "win": str(win)})
        hub.send_to_sources(
            {"event_type": "close", "target": str(win), "eid": eid, "pane_data": pane}
        )
    elif cmd == "save":
        # The page's "save / fork env" button: eid := copy of prev_eid with this layout.
        store.execute(
            "fork_env",
            {
                "prev_eid": message.get("prev_eid"),
                "eid": message.get("eid"),
                "reload": message.get("data") or {},
            },
        )
    elif cmd == "delete_env":
        store.execute("delete_env", {"eid": message.get("eid")})
    elif cmd == "save_layouts":
        store.execute("save_layouts", {"data": message.get("data")})
    elif cmd == "forward_to_vis":
        forward_to_vis(hub, message.get("data"))
    elif cmd == "layout_item_update":
        store.execute(
            "reload_item",
            {"eid": message.get("eid"), "win": message.get("win"), "data": message.get("data")},
        )
    elif cmd == "pop_embeddings_pane":
        data = message.get("data") or {}
        if not isinstance(data, dict):
            raise RequestError("pop_embeddings_pane needs data with 'eid' and 'target'")
        store.execute("pop_embeddings", {"eid": data.get("eid"), "target": data.get("target")})
    else:
        log.info("unknown browser command %r", cmd)


def forward_to_vis(hub: Hub, data: Any) -> None:
    """An event from a pane (key press, click, property edit...) to every Python client."""
    if not isinstance(data, dict) or "target" not in data:
        raise RequestError("forward_to_vis needs data with a 'target'")
    event = dict(data)
    event["eid"] = env_id(event.get("eid"))
    if event.get("pane_data") is not False:
        window = hub.store.window(event["eid"], str(event["target"]))
        event["pane_data"] = window.to_json() if window is not None else None
    hub.send_to_sources(event)

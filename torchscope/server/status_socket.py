"""``/api/ws``: tells each open page that the server is alive and which views have data.

The page's connection indicator follows this socket; the top bar follows its ``views``
messages, so a tab appears as soon as its data does.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from torchscope.plugins.live.sockets import receive_texts
from torchscope.server.context import ServerContext

#: How often the views are re-checked for each connected page (seconds).
VIEWS_POLL_INTERVAL = 1.0


async def _send(websocket: WebSocket, message: dict[str, Any]) -> None:
    await websocket.send_text(orjson.dumps(message).decode())


async def _push_view_changes(websocket: WebSocket, context: ServerContext) -> None:
    last = context.plugins_listing()
    while True:
        await asyncio.sleep(VIEWS_POLL_INTERVAL)
        current = context.plugins_listing()
        if current != last:
            await _send(websocket, {"type": "views", "views": current})
            last = current


async def status_socket(websocket: WebSocket) -> None:
    context: ServerContext = websocket.app.state.context
    await websocket.accept()
    await _send(
        websocket,
        {
            "type": "hello",
            "environment": context.environment(),
            "views": context.plugins_listing(),
        },
    )
    pusher = asyncio.create_task(_push_view_changes(websocket, context))
    try:
        async for text in receive_texts(websocket):
            try:
                message = orjson.loads(text)
            except orjson.JSONDecodeError:
                await _send(websocket, {"type": "error", "message": "messages must be JSON"})
                continue
            if isinstance(message, dict) and message.get("type") == "ping":
                await _send(websocket, {"type": "pong"})
    except WebSocketDisconnect:
        pass
    finally:
        pusher.cancel()

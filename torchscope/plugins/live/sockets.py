"""The WebSockets (``/socket`` for pages, ``/vis_socket`` for Python clients) and their
polling stand-ins (``/socket_wrap``, ``/vis_socket_wrap``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from torchscope.live import jsonio
from torchscope.plugins.live.commands import handle_browser_command
from torchscope.plugins.live.hub import Connection, Hub
from torchscope.plugins.live.origin import is_cross_site

ALIVE = {"command": "alive", "data": "vis_alive"}


async def _pump(websocket: WebSocket, connection: Connection) -> None:
    while not connection.closed:
        for text in await connection.next_batch():
            await websocket.send_text(text)


async def receive_texts(websocket: WebSocket) -> AsyncIterator[str]:
    """The messages a socket sends, until it closes. Binary frames are read as UTF-8 text, as
    Visdom's server read them (Starlette's ``iter_text`` would raise on one)."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            text = (message.get("bytes") or b"").decode("utf-8", "replace")
        yield text


async def _serve(websocket: WebSocket, hub: Hub, connection: Connection, on_message: Any) -> None:
    writer = asyncio.create_task(_pump(websocket, connection))
    try:
        async for text in receive_texts(websocket):
            try:
                message = jsonio.loads(text)
            except jsonio.BadJSON:
                continue
            on_message(message)
    except WebSocketDisconnect:
        pass
    finally:
        hub.remove(connection)
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await writer


async def browser_socket(websocket: WebSocket, hub: Hub, readonly: bool) -> None:
    """``/socket``: register, layouts and env list first; then pushes for the viewed env."""
    if is_cross_site(websocket.headers):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    sub = hub.add_sub()
    hub.welcome(sub, readonly)
    await _serve(websocket, hub, sub, lambda m: handle_browser_command(hub, m, readonly))


async def client_socket(websocket: WebSocket, hub: Hub, readonly: bool) -> None:
    """``/vis_socket``: the ``alive`` handshake, then pane events for the client's handlers."""
    if is_cross_site(websocket.headers):
        await websocket.close(code=1008)
        return
    await websocket.accept()
    source = hub.add_source()
    source.send(ALIVE)

    def on_message(message: Any) -> None:
        if isinstance(message, dict) and message.get("cmd") == "echo":
            hub.send_to_sources(message)
        else:  # Visdom's newer servers take the browser's commands here too
            handle_browser_command(hub, message, readonly)

    await _serve(websocket, hub, source, on_message)


class PollingEndpoints:
    """Visdom's long-polling wrappers, for networks that block WebSockets."""

    def __init__(self, hub: Hub, readonly: bool) -> None:
        self.hub = hub
        self.readonly = readonly
        self.polling: set[str] = set()

    def _answer(self, value: dict[str, Any]) -> Response:
        return Response(jsonio.dumps(value), media_type="application/json")

    async def socket_wrap(self, request: Request) -> Response:
        self.hub.expire_polling(self.polling)
        if request.method == "GET":
            sub = self.hub.add_sub()
            self.polling.add(sub.sid)
            self.hub.welcome(sub, self.readonly)
            return self._answer({"success": True, "sid": sub.sid})
        message = await _body(request)
        known = self.hub.subs.get(str(message.get("sid")))
        if known is None:
            return self._answer({"success": False, "reason": "closed"})
        return self._exchange(
            known, message, lambda m: handle_browser_command(self.hub, m, self.readonly)
        )

    async def vis_socket_wrap(self, request: Request) -> Response:
        self.hub.expire_polling(self.polling)
        message = await _body(request)
        if message.get("message_type") == "init":
            source = self.hub.add_source()
            self.polling.add(source.sid)
            source.send(ALIVE)
            return self._answer({"success": True, "sid": source.sid})
        known = self.hub.sources.get(str(message.get("sid")))
        if known is None:
            return self._answer({"success": False, "reason": "closed"})
        return self._exchange(
            known, message, lambda m: handle_browser_command(self.hub, m, self.readonly)
        )

    def _exchange(self, conn: Connection, message: dict[str, Any], on_message: Any) -> Response:
        kind = message.get("message_type")
        if kind == "query":
            # Oldest first (Visdom returned them newest first, which reorders pushes).
            return self._answer({"success": True, "messages": conn.drain()})
        if kind == "send":
            try:
                on_message(jsonio.loads(message.get("message") or ""))
            except jsonio.BadJSON:
                return Response("message must be a JSON string", status_code=400)
            return self._answer({"success": True})
        return Response("message_type must be init, query or send", status_code=400)


async def _body(request: Request) -> dict[str, Any]:
    try:
        value = jsonio.loads(await request.body())
    except jsonio.BadJSON:
        return {}
    return value if isinstance(value, dict) else {}

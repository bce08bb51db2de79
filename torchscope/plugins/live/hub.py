"""Who is listening: browser pages ("subs") and Python clients' back channels ("sources").

Both kinds come as WebSockets or as polling wrappers (Visdom's ``/socket_wrap`` and
``/vis_socket_wrap``); either way a connection is a queue of JSON texts. A message is
serialized once, whatever the number of listeners. A browser that falls too far behind has its
queue cleared and gets its env re-sent instead, so a stalled tab never grows server memory.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

from torchscope.live import LiveStore, Push
from torchscope.live.jsonio import dumps_text

#: Messages a connection may have waiting before it is resynchronized.
MAX_QUEUED = 10_000
#: Polling connections not polled for this long are dropped (Visdom: 15 s).
POLL_EXPIRY_S = 15.0


class Connection:
    """One listener. ``eids`` are the envs a browser views (empty for sources)."""

    def __init__(self, on_overflow: Callable[[Connection], None] | None = None) -> None:
        self.sid = uuid.uuid4().hex
        self.eids: set[str] = set()
        self.queue: deque[str] = deque()
        self.last_seen = time.monotonic()
        self._wakeup = asyncio.Event()
        self._on_overflow = on_overflow
        self.closed = False

    def send_text(self, text: str) -> None:
        if self.closed:
            return
        if len(self.queue) >= MAX_QUEUED:
            self.queue.clear()
            if self._on_overflow is not None:
                self._on_overflow(self)
                return
        self.queue.append(text)
        self._wakeup.set()

    def send(self, message: dict[str, Any]) -> None:
        self.send_text(dumps_text(message))

    async def next_batch(self) -> list[str]:
        """Wait for messages (WebSocket writers)."""
        while not self.queue:
            self._wakeup.clear()
            await self._wakeup.wait()
        batch = list(self.queue)
        self.queue.clear()
        return batch

    def refill(self, texts: list[str]) -> None:
        """Replace whatever waits with ``texts`` (a resynchronization)."""
        self.queue.clear()
        self.queue.extend(texts)
        self._wakeup.set()

    def drain(self) -> list[str]:
        """Take what is waiting (polling)."""
        self.last_seen = time.monotonic()
        batch = list(self.queue)
        self.queue.clear()
        return batch

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()


class Hub:
    """Routes store pushes to the browsers viewing an env, and events to Python clients."""

    def __init__(self, store: LiveStore) -> None:
        self.store = store
        self.subs: dict[str, Connection] = {}
        self.sources: dict[str, Connection] = {}
        store.add_listener(self.on_push)

    # --- registration --------------------------------------------------------------------

    def add_sub(self) -> Connection:
        sub = Connection(on_overflow=self._resync)
        self.subs[sub.sid] = sub
        return sub

    def add_source(self) -> Connection:
        source = Connection()
        self.sources[source.sid] = source
        return source

    def remove(self, connection: Connection) -> None:
        connection.close()
        self.subs.pop(connection.sid, None)
        self.sources.pop(connection.sid, None)

    def expire_polling(self, polling: set[str]) -> None:
        """Drop polling connections nobody has asked about recently."""
        now = time.monotonic()
        for sid in list(polling):
            conn = self.subs.get(sid) or self.sources.get(sid)
            if conn is None:
                polling.discard(sid)
            elif now - conn.last_seen > POLL_EXPIRY_S:
                self.remove(conn)
                polling.discard(sid)

    # --- sending -------------------------------------------------------------------------

    def on_push(self, push: Push) -> None:
        if not self.subs:
            return  # nobody is looking: skip the serialization
        if push.env_list:
            self.broadcast_env_list()
        message = push.payload()
        if message is None:
            return
        text = dumps_text(message)
        for sub in list(self.subs.values()):
            if push.eid is None or push.eid in sub.eids:
                sub.send_text(text)

    def broadcast_env_list(self) -> None:
        text = dumps_text({"command": "env_update", "data": self.store.env_ids()})
        for sub in list(self.subs.values()):
            sub.send_text(text)

    def send_to_sources(self, message: dict[str, Any]) -> None:
        text = dumps_text(message)
        for source in list(self.sources.values()):
            source.send_text(text)

    def welcome(self, sub: Connection, readonly: bool) -> None:
        """What Visdom's page expects first: its sid, the saved layouts, the env list."""
        sub.send({"command": "register", "data": sub.sid, "readonly": readonly})
        sub.send({"command": "layout_update", "data": self.store.layouts})
        sub.send({"command": "env_update", "data": self.store.env_ids()})

    def show_env(self, sub: Connection, eid: str) -> None:
        sub.eids = {eid}
        for message in self.store.env_messages(eid):
            sub.send(message)

    def show_messages(self, sub: Connection, eids: list[str], messages: list[Any]) -> None:
        sub.eids = set(eids)
        for message in messages:
            sub.send(message)

    def _resync(self, sub: Connection) -> None:
        sub.refill(
            [dumps_text(m) for eid in sorted(sub.eids) for m in self.store.env_messages(eid)]
        )

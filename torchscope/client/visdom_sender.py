"""The asynchronous mode of ``torchscope.Visdom``: a bounded queue and one sending thread.

A training loop calls ``vis.line(..., update='append')`` and returns at once; the thread sends.
While the server is answering one request, further appends pile up in the queue; the thread then
merges consecutive appends to the same traces of the same window into one request, so the
throughput is bounded by the client's own work, not by round trips. Order is kept: only
neighbours merge. When the queue is full, ``submit`` waits for room (memory stays bounded and
nothing is dropped). A failed send is kept and raised by the next ``flush``.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from torchscope.client.visdom_transport import encode

log = logging.getLogger("torchscope.client")

#: A queued request: its endpoint, and either its encoded body or (for mergeable appends)
#: the message itself, encoded when sent.
Item = tuple[str, bytes | dict[str, Any]]
_POINT_KEYS = ("x", "y", "z")
_MAX_BATCH = 4096


def is_mergeable(endpoint: str, msg: dict[str, Any]) -> bool:
    """Appends of plain line/scatter points, which may be merged with their neighbours."""
    if endpoint != "update" or not msg.get("append") or "updateDir" in msg or msg.get("delete"):
        return False
    data = msg.get("data")
    if not isinstance(data, list) or not data:
        return False
    for trace in data:
        x = trace.get("x")
        if not isinstance(x, np.ndarray) or not isinstance(trace.get("y"), np.ndarray):
            return False
        if x.size and x.dtype.kind == "f" and np.isnan(x).all():
            return False  # a masking update: the server skips it, it must stay alone
        marker = trace.get("marker")
        if isinstance(marker, dict) and "color" in marker:
            return False
    return True


def _same_traces(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if (a.get("win"), a.get("eid"), a.get("name")) != (b.get("win"), b.get("eid"), b.get("name")):
        return False
    if len(a["data"]) != len(b["data"]):
        return False
    for first, second in zip(a["data"], b["data"], strict=True):
        if first.keys() != second.keys():
            return False
        for key, value in first.items():
            if key not in _POINT_KEYS and value != second[key]:
                return False
    return True


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = dict(b)  # the newest options and layout win, as they would have
    merged["data"] = [
        {
            **second,
            **{
                key: np.concatenate((first[key], second[key]))
                for key in _POINT_KEYS
                if key in second
            },
        }
        for first, second in zip(a["data"], b["data"], strict=True)
    ]
    return merged


def coalesce(items: list[Item]) -> Iterator[tuple[str, bytes]]:
    """``items`` in order, neighbouring mergeable appends merged, as (endpoint, body)."""
    pending: dict[str, Any] | None = None
    for endpoint, payload in items:
        if isinstance(payload, dict):
            if pending is not None and _same_traces(pending, payload):
                pending = _merge(pending, payload)
                continue
            if pending is not None:
                yield "update", encode(pending)
            pending = payload
            continue
        if pending is not None:
            yield "update", encode(pending)
            pending = None
        yield endpoint, payload
    if pending is not None:
        yield "update", encode(pending)


class BackgroundSender:
    """Sends queued requests from a daemon thread (see the module notes)."""

    def __init__(self, send: Callable[[str, bytes], str], size: int) -> None:
        if size < 1:
            raise ValueError(f"queue_size must be at least 1, got {size}")
        self._send = send
        self._queue: queue.Queue[Item | None] = queue.Queue(maxsize=size)
        self._errors: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, name="torchscope-visdom-sender", daemon=True
        )
        self._thread.start()

    def submit(self, endpoint: str, msg: dict[str, Any]) -> None:
        """Queue ``msg``; appends stay messages (to merge), the rest is encoded now (so later
        changes to the caller's arrays cannot alter what is sent)."""
        payload: bytes | dict[str, Any] = msg if is_mergeable(endpoint, msg) else encode(msg)
        self._queue.put((endpoint, payload))

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < _MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            items = [item for item in batch if item is not None]
            try:
                for endpoint, body in coalesce(items):
                    try:
                        self._send(endpoint, body)
                    except Exception as exc:  # kept for flush(); the loop must survive
                        self._errors.append(exc)
                        log.warning("background send to %s failed: %s", endpoint, exc)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(items) != len(batch):
                return

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything queued was sent; raise the first failure since last flush."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self._queue.unfinished_tasks} requests still queued")
            time.sleep(0.001)
        if self._errors:
            first, self._errors = self._errors[0], []
            raise first

    def stop(self) -> None:
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=1)

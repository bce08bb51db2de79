"""One event file written by a background thread.

The caller only appends to an in-memory list (no lock, no syscall, no protobuf); the
thread frames and writes the records. ``max_queue`` pending events wake the thread, as
torch's writer documents; ``flush_secs`` bounds how long written data may sit in Python's
file buffer. A hard bound on pending events makes callers wait only if the thread cannot
keep up at all, so memory stays bounded.

Remote log directories (any fsspec URL) are written to a local spool file that is
uploaded whole on every flush and on close: object stores cannot append, and a complete
object is what readers (TensorBoard, torchscope) can see.
"""

from __future__ import annotations

import itertools
import os
import socket
import tempfile
import threading
import time
from collections import deque
from typing import IO, Any

from torchscope.events import encode_record, encode_scalar_records
from torchscope.events.messages import Event, SourceMetadata

__all__ = ["EventFileWriter", "is_remote_path", "join_path"]

FILE_VERSION = "brain.Event:2"
SOURCE_WRITER = "tensorboard.summary.writer.event_file_writer"

# Pending events beyond which callers wait for the writer thread (memory bound).
HARD_QUEUE_LIMIT = 100_000

_file_counter = itertools.count()
_counter_lock = threading.Lock()


def is_remote_path(path: str) -> bool:
    """True for an fsspec URL such as ``s3://bucket/runs`` (``file://`` counts as remote)."""
    return "://" in path


def join_path(base: str, *parts: str) -> str:
    """Join path components with ``/`` for URLs and ``os.path.join`` for local paths."""
    if is_remote_path(base):
        return "/".join([base.rstrip("/"), *(p.strip("/") for p in parts)])
    return os.path.join(base, *parts)


def _next_counter() -> int:
    with _counter_lock:
        return next(_file_counter)


class EventFileWriter:
    """Appends events to a new ``events.out.tfevents.*`` file in ``log_dir``."""

    def __init__(
        self,
        log_dir: str,
        *,
        max_queue: int = 10,
        flush_secs: float = 120.0,
        filename_suffix: str = "",
        live: bool = False,
    ) -> None:
        if max_queue < 1:
            raise ValueError(f"max_queue must be >= 1, got {max_queue}")
        if flush_secs < 0:
            raise ValueError(f"flush_secs must be >= 0, got {flush_secs}")
        self.log_dir = log_dir
        self.max_queue = max_queue
        # live: data reaches the OS (and the object store) about a second after logging.
        self.flush_secs = min(flush_secs, 1.0) if live else flush_secs
        self._live = live
        self._remote = is_remote_path(log_dir)
        self._fs: Any = None
        self.path, self._file = self._create_file(filename_suffix)
        self._pending: deque[Any] = deque()
        self._wake = threading.Event()
        self._state = threading.Condition()
        self._flush_requested = 0
        self._flush_done = 0
        self._closing = False
        self._closed = False
        self._error: BaseException | None = None
        self._uploaded_bytes = -1
        first = Event(
            wall_time=time.time(),
            file_version=FILE_VERSION,
            source_metadata=SourceMetadata(writer=SOURCE_WRITER),
        )
        self._write_now(encode_record(first.SerializeToString()))
        self._thread = threading.Thread(
            target=self._run, name=f"torchscope-writer:{self.path}", daemon=True
        )
        self._thread.start()

    # -- caller side -----------------------------------------------------------------

    def add_scalar(self, tag: str, value: float, step: int | None, wall_time: float) -> None:
        """Queue one simple-value scalar event (encoded later, on the writer thread)."""
        pending = self._pending
        pending.append((tag, value, step, wall_time))
        count = len(pending)
        if count >= self.max_queue and (count >= HARD_QUEUE_LIMIT or not self._wake.is_set()):
            self._kick(count)

    def add_event(self, event: Any, step: int | None = None, walltime: float | None = None) -> None:
        """Queue an ``Event`` (ours or any wire-compatible one, e.g. tensorboard's), stamped
        with ``walltime`` (default: now) and ``step`` when given, as torch's FileWriter does."""
        ours = event if isinstance(event, Event) else Event.FromString(event.SerializeToString())
        ours.wall_time = time.time() if walltime is None else float(walltime)
        if step is not None:
            ours.step = int(step)
        self.add_payload(ours.SerializeToString())

    def add_summary(
        self, summary: Any, global_step: int | None = None, walltime: float | None = None
    ) -> None:
        """Queue a ``Summary`` message (ours or tensorboard's) as one event.

        torch's FileWriter API, which PyTorch Lightning calls directly for its hparams.
        """
        event = Event()
        event.summary.MergeFromString(summary.SerializeToString())
        self.add_event(event, global_step, walltime)

    def add_payload(self, payload: bytes) -> None:
        """Queue an already serialized ``Event``."""
        pending = self._pending
        pending.append(payload)
        count = len(pending)
        if count >= self.max_queue and (count >= HARD_QUEUE_LIMIT or not self._wake.is_set()):
            self._kick(count)

    def add_deferred(self, build: Any) -> None:
        """Queue a callable run on the writer thread that returns an Event payload.

        Used for scalars whose value is still on an accelerator: the thread waits for the
        value, never the training loop.
        """
        pending = self._pending
        pending.append(build)
        count = len(pending)
        if count >= self.max_queue and (count >= HARD_QUEUE_LIMIT or not self._wake.is_set()):
            self._kick(count)

    def _kick(self, pending: int) -> None:
        if self._closed:
            raise RuntimeError(f"the event writer for {self.log_dir!r} is closed")
        if self._error is not None:
            raise RuntimeError(f"writing {self.path!r} failed") from self._error
        self._wake.set()
        if pending >= HARD_QUEUE_LIMIT:
            with self._state:
                while len(self._pending) >= HARD_QUEUE_LIMIT and self._thread.is_alive():
                    self._state.wait(0.1)

    def flush(self) -> None:
        """Write everything queued so far and hand it to the OS (or upload it)."""
        if self._closed:
            return
        with self._state:
            self._flush_requested += 1
            ticket = self._flush_requested
            self._wake.set()
            while self._flush_done < ticket and self._thread.is_alive():
                self._state.wait(0.5)
        if self._error is not None:
            raise RuntimeError(f"writing {self.path!r} failed") from self._error

    def close(self) -> None:
        """Flush, stop the thread and close the file. Safe to call twice."""
        if self._closed:
            return
        with self._state:
            self._closing = True
            self._wake.set()
        self._thread.join()
        self._closed = True
        self._file.close()
        if self._remote:
            self._upload(final=True)
            os.unlink(self._file.name)
        if self._error is not None:
            raise RuntimeError(f"writing {self.path!r} failed") from self._error

    def get_logdir(self) -> str:
        """The run directory of this file (torch's FileWriter API)."""
        return self.log_dir

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has run."""
        return self._closed

    # -- writer thread ---------------------------------------------------------------

    def _run(self) -> None:
        next_flush = time.monotonic() + self.flush_secs
        dirty = False
        try:
            while True:
                self._wake.wait(max(0.0, next_flush - time.monotonic()))
                self._wake.clear()
                with self._state:
                    requested = self._flush_requested
                    closing = self._closing
                dirty |= self._drain()
                now = time.monotonic()
                if closing or requested > self._flush_done or now >= next_flush:
                    if dirty:
                        self._flush_file()
                        dirty = False
                    next_flush = now + self.flush_secs
                with self._state:
                    self._flush_done = requested
                    self._state.notify_all()
                if closing:
                    return
        except BaseException as error:  # reported to the caller on its next call
            self._error = error
            with self._state:
                self._flush_done = self._flush_requested
                self._state.notify_all()

    def _drain(self) -> bool:
        """Encode and write every pending item; return whether anything was written."""
        # deque.popleft and the caller's append are atomic: no lock on the hot path.
        pending = self._pending
        wrote = False
        while pending:
            chunks = []
            scalars: list[tuple[str, float, int | None, float]] = []
            for _ in range(min(len(pending), 4096)):
                item = pending.popleft()
                if type(item) is tuple:
                    scalars.append(item)
                    continue
                if scalars:  # keep the order of events as logged
                    chunks.append(encode_scalar_records(scalars))
                    scalars = []
                chunks.append(encode_record(item if type(item) is bytes else item()))
            if scalars:
                chunks.append(encode_scalar_records(scalars))
            self._file.write(b"".join(chunks))
            wrote = True
            with self._state:
                self._state.notify_all()
        return wrote

    def _flush_file(self) -> None:
        self._file.flush()
        if self._remote:
            self._upload(final=False)

    # -- files -----------------------------------------------------------------------

    def _create_file(self, suffix: str) -> tuple[str, IO[bytes]]:
        if self._remote:
            import fsspec  # only needed for remote log directories

            self._fs, root = fsspec.core.url_to_fs(self.log_dir)
            self._fs.makedirs(root, exist_ok=True)
        else:
            os.makedirs(self.log_dir, exist_ok=True)
        while True:
            name = "events.out.tfevents.%010d.%s.%s.%s%s" % (  # noqa: UP031 - torch's format
                time.time(),
                socket.gethostname(),
                os.getpid(),
                _next_counter(),
                suffix,
            )
            path = join_path(self.log_dir, name)
            if self._remote:
                if self._fs.exists(path):
                    continue
                spool = tempfile.NamedTemporaryFile(prefix="torchscope-", delete=False)  # noqa: SIM115
                return path, spool
            try:
                # Exclusive create: two processes (or hosts sharing a disk) never share a file.
                return path, open(path, "xb")
            except FileExistsError:
                continue

    def _write_now(self, record: bytes) -> None:
        self._file.write(record)
        self._flush_file()

    def _upload(self, final: bool) -> None:
        size = os.path.getsize(self._file.name)
        if size == self._uploaded_bytes and not final:
            return
        self._fs.put_file(self._file.name, self.path)
        self._uploaded_bytes = size

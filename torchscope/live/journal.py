"""Durability: an append-only journal of accepted requests, compacted into snapshots.

Every request that changes the store is written to ``journal-<gen>.log`` *before* the client
gets its answer, with one ``write`` system call. That makes every acknowledged request survive
``kill -9`` of the server (the data is in the operating system's page cache). It does not
promise survival of a power cut or kernel crash: that would need an ``fsync`` per request
(milliseconds each). Snapshots are ``fsync``-ed before they replace the previous one.

Record framing: a one-line JSON header ``{"op": ..., "n": <body bytes>, ...}`` then the raw
request body and a newline. The body is kept byte for byte (NaN/Infinity tokens included), so
replay parses exactly what the client sent. A torn record at the end (a crash mid-write, never
acknowledged) is dropped on replay. Damage found at start is never a crash and never silently
deleted: an unreadable snapshot is renamed ``snapshot.json.corrupt-<time>`` (and the newest
journal replayed on its own), and journal bytes past the last whole record are copied to
``journal-<gen>.log.corrupt-<time>`` before the journal is cut back to its whole records.

When the journal grows past ``compact_bytes`` the store writes its whole state as
``snapshot.json`` for generation ``gen + 1`` (temp file, fsync, rename) and starts
``journal-<gen+1>.log``; older journals are then deleted. A crash at any point leaves either the
old snapshot with its journal, or the new snapshot (whose journal may not exist yet).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from torchscope.live.envfiles import corrupt_name, set_aside
from torchscope.plugins.base import PluginStartError

log = logging.getLogger("torchscope.live")

SNAPSHOT = "snapshot.json"
LOCK = "lock"


class JournalLocked(PluginStartError):
    """Another server already uses this env path."""


class Journal:
    """The journal and snapshot files in one folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.gen = 0
        self._file: IO[bytes] | None = None
        self._lock_file: IO[bytes] | None = None
        self.size = 0
        self._valid_length: int | None = None
        #: False for a read-only store: damage is reported but no file is moved or cut.
        self._repair = True

    # --- opening -------------------------------------------------------------------------

    def open(
        self, lock: bool = True
    ) -> tuple[dict[str, Any] | None, Iterator[tuple[dict[str, Any], bytes]]]:
        """Lock the folder (unless only reading); return the snapshot (or None) and the
        records written after it."""
        self._repair = lock
        if lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._lock()
        snapshot = self._read_snapshot()
        # Without a snapshot, the newest journal still holds the latest changes: replay it.
        self.gen = int(snapshot["gen"]) if snapshot else self._newest_journal_gen()
        return snapshot, self._records(self._journal_path(self.gen))

    def start_writing(self) -> None:
        """Open the current generation's journal for appending (after replay)."""
        path = self._journal_path(self.gen)
        self._truncate_torn_tail(path)
        self._file = open(path, "ab", buffering=0)  # noqa: SIM115 - kept open for the store's life
        self.size = path.stat().st_size
        self._delete_old_journals()

    def _lock(self) -> None:
        self._lock_file = open(self.folder / LOCK, "wb")  # noqa: SIM115
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; one server per folder is on the user
            return
        try:
            fcntl.flock(self._lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock_file.close()
            self._lock_file = None
            raise JournalLocked(
                f"another torchscope server is using {self.folder.parent}; "
                "stop it or pick another --env-path"
            ) from None

    def _journal_path(self, gen: int) -> Path:
        return self.folder / f"journal-{gen}.log"

    def _read_snapshot(self) -> dict[str, Any] | None:
        path = self.folder / SNAPSHOT
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            snapshot = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            self.discard_snapshot(f"not JSON: {exc}")
            return None
        if not (
            isinstance(snapshot, dict)
            and isinstance(snapshot.get("gen"), int)
            and isinstance(snapshot.get("envs"), dict)
        ):
            self.discard_snapshot("not a torchscope snapshot")
            return None
        return snapshot

    def discard_snapshot(self, reason: object) -> None:
        """Set an unusable snapshot aside (left in place, with a warning, when read-only)."""
        path = self.folder / SNAPSHOT
        if self._repair:
            try:
                set_aside(path, reason)
                return
            except OSError as exc:  # still start: the next snapshot replaces the file
                reason = f"{reason}; cannot rename it: {exc}"
        log.warning("%s is damaged (%s); left as it is", path, reason)

    def _newest_journal_gen(self) -> int:
        gens = [0]
        for path in self.folder.glob("journal-*.log"):
            with contextlib.suppress(ValueError):
                gens.append(int(path.stem.split("-", 1)[1]))
        return max(gens)

    def _records(self, path: Path) -> Iterator[tuple[dict[str, Any], bytes]]:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        pos = 0
        while pos < len(data):
            end = data.find(b"\n", pos)
            if end < 0:
                break
            try:
                header = orjson.loads(data[pos:end])
                size = int(header["n"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                log.warning("journal %s: unreadable record at byte %d, stopping there", path, pos)
                break
            body_end = end + 1 + size
            if body_end + 1 > len(data) or data[body_end : body_end + 1] != b"\n":
                break  # torn last record: it was never acknowledged
            yield header, data[end + 1 : body_end]
            pos = body_end + 1
        self._valid_length = pos

    def _truncate_torn_tail(self, path: Path) -> None:
        valid = self._valid_length
        if valid is None or not path.exists() or path.stat().st_size <= valid:
            return
        # Keep the dropped bytes beside the journal instead of losing them with the cut.
        aside = corrupt_name(path)
        with open(path, "r+b") as handle:
            handle.seek(valid)
            aside.write_bytes(handle.read())
            handle.truncate(valid)
        log.warning(
            "%s: dropped %d bytes after the last whole record (a torn write is never "
            "acknowledged); kept as %s",
            path,
            aside.stat().st_size,
            aside.name,
        )

    def _delete_old_journals(self) -> None:
        for old in self.folder.glob("journal-*.log"):
            with contextlib.suppress(ValueError, OSError):
                if int(old.stem.split("-", 1)[1]) < self.gen:
                    old.unlink()

    # --- writing -------------------------------------------------------------------------

    def append(self, op: str, body: bytes, **meta: Any) -> None:
        """Write one record with a single system call; returns once the OS has it."""
        if self._file is None:
            return
        header = orjson.dumps({"op": op, "n": len(body), **meta})
        record = b"".join((header, b"\n", body, b"\n"))
        view = memoryview(record)
        while view:  # an unbuffered write may be short (signals, nearly full disk)
            written = self._file.write(view)
            view = view[written or 0 :]
        self.size += len(record)

    def write_snapshot(self, state: dict[str, Any]) -> None:
        """Persist ``state`` as the next generation and start its empty journal."""
        next_gen = self.gen + 1
        data = orjson.dumps({**state, "gen": next_gen}, option=orjson.OPT_SERIALIZE_NUMPY)
        tmp = self.folder / (SNAPSHOT + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.folder / SNAPSHOT)
        _fsync_dir(self.folder)
        if self._file is not None:
            self._file.close()
        self.gen = next_gen
        self._valid_length = 0
        self._file = open(self._journal_path(self.gen), "ab", buffering=0)  # noqa: SIM115
        self.size = 0
        self._delete_old_journals()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""The first read of a large logdir, spread over worker processes (one run per task).

Parsing in pure Python is CPU-bound, so threads would take turns on one core; worker processes
read whole runs side by side and send back the finished columns. With the native reader they
pay off only for very large logdirs (see ``PARALLEL_MIN_BYTES``). Only the first pass uses
them: afterwards, tailing reads a few records per poll in the server's own loader thread.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from torchscope.events import native_available
from torchscope.logdir.fs import FileInfo, LogdirFS
from torchscope.logdir.loader import FileCursor, RunLoader
from torchscope.logdir.run_data import RunData
from torchscope.logdir.samples import CapPolicy

#: Below this many bytes to read, starting worker processes costs more than it saves. The
#: native reader (torchscope/events/_native.c) frames and decodes ~1 GB of scalars in about
#: two CPU-seconds, less than spawning workers and shipping the columns back; the pure-Python
#: reader is ~15x slower, so it hands large logdirs to workers much sooner.
PARALLEL_MIN_BYTES = (4 << 30) if native_available() else (64 << 20)


def read_run(
    logdir: str,
    storage_options: Mapping[str, Any],
    name: str,
    files: list[FileInfo],
    caps: dict[str, int | None],
    policy: CapPolicy,
) -> tuple[RunData, list[FileCursor]]:
    """Read every file of one run from the start (runs in a worker process)."""
    run = RunData(name)
    loader = RunLoader(run, LogdirFS(logdir, storage_options), threading.RLock(), caps, policy)
    loader.poll(files)
    for columns in run.scalars.values():
        columns.trim()
    cursors = list(loader.cursors.values())
    for cursor in cursors:
        cursor.reader = None  # holds a file system handle; the server makes its own
    return run, cursors


class ParallelReader:
    """A pool of worker processes reading runs; started on first use, stopped by ``close``."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def submit(
        self,
        logdir: str,
        storage_options: Mapping[str, Any],
        name: str,
        files: list[FileInfo],
        caps: dict[str, int | None],
        policy: CapPolicy,
    ) -> Future[tuple[RunData, list[FileCursor]]]:
        if self._pool is None:
            # "spawn": forking a process that runs server threads can copy a held lock.
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool.submit(read_run, logdir, dict(storage_options), name, files, caps, policy)

    def cancel(self) -> None:
        """Drop the runs not started yet (the store is closing); returns at once."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

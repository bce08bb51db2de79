"""The log directory as the plugins see it: runs, tags and series, kept up to date.

One background thread discovers runs and tails their event files every ``reload_interval``
seconds; HTTP handlers read snapshots under a lock held only for the short merge steps, never
while a file is parsed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import as_completed
from pathlib import Path
from types import MappingProxyType
from typing import Any

from torchscope.logdir.cache import LogdirCache
from torchscope.logdir.columns import ScalarView
from torchscope.logdir.discovery import group_runs
from torchscope.logdir.fs import FileInfo, LogdirFS
from torchscope.logdir.loader import FileCursor, RunLoader
from torchscope.logdir.parallel import PARALLEL_MIN_BYTES, ParallelReader
from torchscope.logdir.run_data import RunData, RunStatus, TagInfo
from torchscope.logdir.samples import CAP_POLICIES, CapPolicy, Sample

logger = logging.getLogger(__name__)

#: Samples kept per (run, tag) by default: every scalar is kept; images, audio and histograms
#: are capped so that a run logging one every step stays within memory.
DEFAULT_SAMPLE_CAPS: Mapping[str, int | None] = MappingProxyType(
    {"images": 1000, "audio": 1000, "histograms": 1000, "torchscope_explain": 100}
)


#: Seconds the first request waits for the list of runs (a remote logdir can be slow to list).
DISCOVERY_WAIT = 10.0


class UnknownRunError(KeyError):
    """The run does not exist (yet) in the logdir."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown run"


class UnknownTagError(KeyError):
    """The run exists but has no such tag (for the plugin asked about)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown tag"


@dataclasses.dataclass(frozen=True)
class StoreOptions:
    """How a :class:`LogdirStore` reads its logdir."""

    #: Seconds between polls; ``None`` picks 1 s for a local folder, 5 s for a URL; 0 = load once.
    reload_interval: float | None = None
    #: Most samples kept per (run, tag) by plugin name (``"*"`` for the others; None = all).
    sample_caps: Mapping[str, int | None] = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_SAMPLE_CAPS)
    )
    #: ``"reservoir"`` (uniform, newest always kept) or ``"keep_last"``.
    cap_policy: CapPolicy = "reservoir"
    #: Folder of the persistent cache; ``None`` disables it.
    cache_dir: Path | None = None
    #: Seconds between cache writes while runs keep growing.
    cache_save_interval: float = 60.0
    #: fsspec options for a URL logdir, e.g. ``{"endpoint_url": ..., "anon": True}``.
    storage_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    #: Worker processes for the first read of a large logdir (None: one per CPU, up to 8).
    #: Workers are spawned: a script using more than 1 needs ``if __name__ == "__main__":``.
    load_workers: int | None = 1

    def __post_init__(self) -> None:
        if self.reload_interval is not None and self.reload_interval < 0:
            raise ValueError(f"reload_interval must be >= 0, got {self.reload_interval}")
        if self.load_workers is not None and self.load_workers < 1:
            raise ValueError(f"load_workers must be >= 1, got {self.load_workers}")
        if self.cap_policy not in CAP_POLICIES:
            raise ValueError(f"cap_policy must be one of {CAP_POLICIES}, got {self.cap_policy!r}")
        for plugin, cap in self.sample_caps.items():
            if cap is not None and (not isinstance(cap, int) or cap < 1):
                raise ValueError(f"sample_caps[{plugin!r}] must be a positive int or None")


class LogdirStore:
    """Every run of one log directory, tailed in the background."""

    def __init__(self, logdir: str, options: StoreOptions | None = None) -> None:
        self.options = options or StoreOptions()
        self.fs = LogdirFS(logdir, self.options.storage_options)
        interval = self.options.reload_interval
        self.reload_interval = (1.0 if self.fs.is_local else 5.0) if interval is None else interval
        self._caps = dict(self.options.sample_caps)
        self._lock = threading.RLock()
        self._reload_lock = threading.Lock()
        self._runs: dict[str, RunData] = {}
        self._run_order: list[str] = []
        self._loaders: dict[str, RunLoader] = {}
        self._plugins: set[str] = set()
        self._cache = (
            LogdirCache(self.options.cache_dir, self.fs) if self.options.cache_dir else None
        )
        self._cache_restored = False
        self._dirty: set[str] = set()
        #: Runs that grew since their columns were last trimmed to size.
        self._untrimmed: set[str] = set()
        self._last_save = 0.0
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._loaded = threading.Event()
        #: Set once the first listing is done: every run present at start-up is known.
        self._discovered = threading.Event()
        self._cycles = 0
        workers = self.options.load_workers or min(os.cpu_count() or 1, 8)
        self._parallel = ParallelReader(workers) if workers > 1 else None

    @property
    def logdir(self) -> str:
        return self.fs.logdir

    # -- life cycle --------------------------------------------------------------------------

    def start(self, wait: bool = True) -> None:
        """Start the background reloader (idempotent; cheap after the first call).

        With ``wait``, the first call waits (up to ``DISCOVERY_WAIT`` seconds) until the runs
        are listed, so that the first request already sees every run while their files are
        still being read.
        """
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run_forever, name="torchscope-logdir", daemon=True
                    )
                    self._thread.start()
        if wait and not self._discovered.is_set():
            self._discovered.wait(DISCOVERY_WAIT)

    def close(self) -> None:
        """Stop the reloader and write the cache (idempotent: only the first call waits)."""
        if self._stop.is_set():
            return
        self._stop.set()
        if self._parallel is not None:
            self._parallel.cancel()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        # A pass still running after the join's timeout keeps the lock: skip the save then.
        if self._cache is not None and self._dirty and self._reload_lock.acquire(timeout=5):
            try:
                self._save_cache()
            finally:
                self._reload_lock.release()

    def wait_until_loaded(self, timeout: float | None = None) -> bool:
        """Block until the first full pass over the logdir is done (starts the reloader)."""
        self.start()
        return self._loaded.wait(timeout)

    @property
    def loaded(self) -> bool:
        """True once every file present at start-up has been read."""
        return self._loaded.is_set()

    def _run_forever(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.reload()
            except Exception:  # one bad cycle must not stop the tailing for good
                logger.exception("reloading %s failed", self.logdir)
            self._discovered.set()
            self._loaded.set()
            if self._cache is not None and self._dirty and self._save_due():
                with self._reload_lock:
                    self._save_cache()
            if self.reload_interval == 0:
                break
            self._stop.wait(max(0.05, self.reload_interval - (time.monotonic() - started)))

    def reload(self) -> bool:
        """One pass: find runs, read what is new in every file. True when anything changed."""
        with self._reload_lock:
            files = list(self.fs.list_files()) if self.fs.exists() else []
            runs = group_runs(files)
            if self._cache is not None and not self._cache_restored:
                self._restore_cache(runs)
            for name in sorted(runs, key=_run_sort_key):
                if name not in self._loaders:
                    self._add_run(RunData(name))
            self._discovered.set()
            changed = False
            if self._parallel is not None and not self._loaded.is_set():
                changed = self._read_in_parallel(runs)
            grown: set[str] = set()
            for name in sorted(runs, key=_run_sort_key):
                if self._stop.is_set():
                    break
                if self._poll_run(name, runs[name]):
                    grown.add(name)
                    changed = True
            self._trim_idle(grown)
            self._cycles += 1
            return changed

    def _read_in_parallel(self, runs: dict[str, list[FileInfo]]) -> bool:
        """First pass over a large logdir: whole runs read by worker processes."""
        assert self._parallel is not None
        fresh = {name: files for name, files in runs.items() if not self._loaders[name].cursors}
        if len(fresh) < 2 or sum(i.size for f in fresh.values() for i in f) < PARALLEL_MIN_BYTES:
            return False
        by_size = sorted(fresh, key=lambda name: -sum(info.size for info in fresh[name]))
        options = self.options
        futures = {
            self._parallel.submit(
                self.fs.logdir,
                options.storage_options,
                name,
                fresh[name],
                self._caps,
                options.cap_policy,
            ): name
            for name in by_size
        }
        try:
            for future in as_completed(futures):
                if self._stop.is_set():
                    break
                try:
                    run, cursors = future.result()
                except Exception as error:  # the server's own loader reads that run instead
                    logger.warning("worker failed to read run %r: %s", futures[future], error)
                    continue
                self._install(run, cursors)
        finally:
            self._parallel.close()  # the workers' memory is not needed any more
        return True

    def _install(self, run: RunData, cursors: list[FileCursor]) -> None:
        loader = RunLoader(
            run, self.fs, self._lock, self._caps, self.options.cap_policy, stop=self._stop
        )
        for cursor in cursors:
            loader.resume(cursor)
        with self._lock:
            self._runs[run.name] = run
            self._loaders[run.name] = loader
            self._plugins |= run.plugins()
        self._dirty.add(run.name)

    def _trim_idle(self, grown: set[str]) -> None:
        # Growing columns keep up to 50% spare capacity; once a run stops growing, give it back.
        for name in self._untrimmed - grown:
            run = self._runs[name]
            with self._lock:
                for columns in run.scalars.values():
                    columns.trim()
        self._untrimmed = grown

    def _poll_run(self, name: str, files: list[FileInfo]) -> bool:
        loader = self._loaders.get(name)
        if loader is None:
            loader = self._add_run(RunData(name))
        changed = loader.poll(files)
        if changed:
            self._dirty.add(name)
            with self._lock:
                self._plugins |= loader.run.plugins()
        return changed

    def _add_run(self, run: RunData) -> RunLoader:
        loader = RunLoader(
            run, self.fs, self._lock, self._caps, self.options.cap_policy, stop=self._stop
        )
        with self._lock:
            self._runs[run.name] = run
            self._run_order.append(run.name)
            self._loaders[run.name] = loader
        return loader

    # -- cache -------------------------------------------------------------------------------

    def _restore_cache(self, runs: dict[str, list[FileInfo]]) -> None:
        self._cache_restored = True
        assert self._cache is not None
        for name in sorted(self._cache.cached_runs(), key=_run_sort_key):
            if name not in runs or name in self._runs:
                continue
            cached = self._cache.load(name, runs[name], self._caps, self.options.cap_policy)
            if cached is None:
                continue
            loader = self._add_run(cached.run)
            for cursor in cached.cursors:
                loader.resume(cursor)
            with self._lock:
                self._plugins |= cached.run.plugins()

    def _save_due(self) -> bool:
        # The first save follows the first full pass; later ones come at most every interval.
        first_save = self._last_save == 0.0
        return first_save or time.monotonic() - self._last_save >= self.options.cache_save_interval

    def _save_cache(self) -> None:
        assert self._cache is not None
        for name in sorted(self._dirty):
            loader = self._loaders[name]
            try:
                self._cache.save(loader.run, list(loader.cursors.values()), self._lock)
            except OSError as error:
                logger.warning("cannot write the logdir cache for run %r: %s", name, error)
        self._dirty.clear()
        self._last_save = time.monotonic()

    # -- queries (thread-safe) ---------------------------------------------------------------

    def runs(self) -> list[str]:
        """Run names in the order they were found (new runs are appended)."""
        self.start()
        with self._lock:
            return list(self._run_order)

    def active_plugins(self) -> set[str]:
        """Plugin names with data in at least one run (never waits: asked from the event loop)."""
        self.start(wait=False)
        with self._lock:
            return set(self._plugins)

    def tags(self, plugin: str) -> dict[str, dict[str, TagInfo]]:
        """``{run: {tag: info}}`` for the tags of ``plugin``; runs without any are omitted."""
        self.start()
        result: dict[str, dict[str, TagInfo]] = {}
        with self._lock:
            for name in self._run_order:
                run_tags = {
                    tag: info
                    for tag, info in self._runs[name].tags.items()
                    if info.plugin == plugin
                }
                if run_tags:
                    result[name] = run_tags
        return result

    def _run(self, run: str) -> RunData:
        # Callers hold the lock; they must have called start() before taking it.
        data = self._runs.get(run)
        if data is None:
            raise UnknownRunError(f"no run named {run!r}")
        return data

    def tag_info(self, run: str, tag: str) -> TagInfo:
        self.start()
        with self._lock:
            info = self._run(run).tags.get(tag)
        if info is None:
            raise UnknownTagError(f"run {run!r} has no tag {tag!r}")
        return info

    def scalars(self, run: str, tag: str) -> ScalarView:
        """Every point of a scalar series (read-only arrays, in the order written)."""
        self.start()
        with self._lock:
            columns = self._run(run).scalars.get(tag)
            if columns is None:
                raise UnknownTagError(f"run {run!r} has no scalar tag {tag!r}")
            return columns.view()

    def samples(self, run: str, tag: str) -> list[Sample]:
        """The kept samples of a non-scalar series, oldest first."""
        self.start()
        with self._lock:
            series = self._run(run).samples.get(tag)
            if series is None:
                raise UnknownTagError(f"run {run!r} has no tag {tag!r}")
            return series.snapshot()

    def graph(self, run: str) -> bytes | None:
        """The run's latest serialized GraphDef, if it has one."""
        self.start()
        with self._lock:
            return self._run(run).graph

    def run_metadata(self, run: str) -> dict[str, bytes]:
        """The run's ``tagged_run_metadata``: tag -> serialized RunMetadata."""
        self.start()
        with self._lock:
            return dict(self._run(run).run_metadata)

    def graph_runs(self) -> list[str]:
        """Runs that hold a graph or tagged run metadata."""
        self.start()
        with self._lock:
            return [
                name
                for name in self._run_order
                if self._runs[name].graph is not None or self._runs[name].run_metadata
            ]

    def status(self) -> dict[str, RunStatus]:
        """Per run: skipped records, bytes read, purges... (copies)."""
        self.start()
        with self._lock:
            return {name: dataclasses.replace(self._runs[name].status) for name in self._run_order}

    def start_time(self, run: str) -> float | None:
        self.start()
        with self._lock:
            return self._run(run).start_time

    def generation(self) -> int:
        """A number that changes whenever any data changes (cheap change detection)."""
        with self._lock:
            return sum(run.generation for run in self._runs.values()) + len(self._runs)


def _run_sort_key(name: str) -> tuple[int, str]:
    # The logdir itself first, then runs by path, so a parent run precedes its children.
    return (0 if name == "." else 1, name)

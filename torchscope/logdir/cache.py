"""A persistent cache of parsed runs, so a restart reopens a large logdir without parsing it.

Layout, under ``<cache_dir>/<hash of the logdir>/``::

    index.json                    {"format": 1, "logdir": ..., "runs": {run name: folder}}
    <folder>/meta.json            tags, purge state, status, and per event file: name, size,
                                  mtime, offset read, CRC of the bytes just before the offset
    <folder>/<column>.<gen>.npy   scalar columns of every tag, concatenated; kept samples
                                  (steps, wall times, end offsets, bytes)

Only JSON and ``.npy`` files (loaded with ``allow_pickle=False``) are read back: nothing in the
cache can run code. Scalar columns are memory-mapped, so reopening costs almost nothing until a
series is read. A cached file is trusted when its size and mtime are unchanged; a file that grew
is resumed from the cached offset if the bytes before that offset are still the same; anything
else (a file shrank, was replaced or deleted) throws the run's cache away and the run is read
again from its files. A cache file that cannot be parsed (a crash mid-write, a damaged disk)
is renamed ``<name>.corrupt-<time>`` with a warning, never deleted and never fatal: the runs
it described are read again from the log directory.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import threading
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from torchscope.logdir.columns import ScalarColumns
from torchscope.logdir.fs import FileInfo, LogdirFS
from torchscope.logdir.loader import FileCursor
from torchscope.logdir.run_data import RunData, RunStatus, TagInfo
from torchscope.logdir.samples import CapPolicy, Sample, SampleSeries

logger = logging.getLogger(__name__)

FORMAT = 1
_TAIL_BYTES = 64
_COLUMNS = (
    "scalar_steps",
    "scalar_walls",
    "scalar_values",
    "sample_steps",
    "sample_walls",
    "sample_ends",
    "sample_bytes",
)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


@dataclasses.dataclass
class CachedRun:
    """A run read back from the cache, with the file offsets to resume from."""

    run: RunData
    cursors: list[FileCursor]


class LogdirCache:
    """Reads and writes the cache of one logdir."""

    def __init__(self, cache_dir: Path, fs: LogdirFS) -> None:
        self.fs = fs
        self.root = Path(cache_dir).expanduser() / _digest(fs.cache_key)
        self._index: dict[str, str] | None = None

    # -- index -------------------------------------------------------------------------------

    def _load_index(self) -> dict[str, str]:
        if self._index is None:
            self._index = {}
            path = self.root / "index.json"
            try:
                data = json.loads(path.read_text("utf-8"))
                if data.get("format") == FORMAT and data.get("logdir") == self.fs.cache_key:
                    runs = data.get("runs", {}).items()
                    # Folders are plain names inside the cache; anything else is damage.
                    self._index = {str(k): v for k, v in runs if _plain_name(v)}
            except OSError:
                pass  # no cache yet
            except (ValueError, AttributeError) as error:
                self._index = {}
                _set_aside(path, error)
        return self._index

    def _save_index(self) -> None:
        index = self._load_index()
        _write_atomic(
            self.root / "index.json",
            json.dumps({"format": FORMAT, "logdir": self.fs.cache_key, "runs": index}).encode(),
        )

    def cached_runs(self) -> list[str]:
        return list(self._load_index())

    # -- reading -----------------------------------------------------------------------------

    def load(
        self, name: str, files: list[FileInfo], caps: dict[str, int | None], policy: CapPolicy
    ) -> CachedRun | None:
        """The cached run ``name`` if it still matches ``files``; ``None`` otherwise."""
        folder = self._load_index().get(name)
        if folder is None:
            return None
        try:
            return self._load(self.root / folder, name, files, caps, policy)
        except OSError as error:
            logger.info("cache of run %r not used: %s", name, error)
            return None
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError) as error:
            # Damaged contents: move the run's folder aside; the run is read from its files.
            _set_aside(self.root / folder, error)
            return None

    def _load(
        self,
        folder: Path,
        name: str,
        files: list[FileInfo],
        caps: dict[str, int | None],
        policy: CapPolicy,
    ) -> CachedRun | None:
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        if meta.get("format") != FORMAT or meta.get("run") != name:
            return None
        cursors = self._matching_cursors(meta["files"], files)
        if cursors is None:
            return None
        names = meta["arrays"]
        arrays = {
            key: np.load(folder / names[key], mmap_mode="r", allow_pickle=False) for key in _COLUMNS
        }
        sample_bytes = arrays["sample_bytes"]

        run = RunData(name)
        run.file_version = meta["file_version"]
        run.most_recent_step = int(meta["most_recent_step"])
        run.start_time = meta["start_time"]
        known = {field.name for field in dataclasses.fields(RunStatus)}
        run.status = RunStatus(**{k: v for k, v in meta["status"].items() if k in known})
        for entry in meta["tags"]:
            info = TagInfo(
                plugin=entry["plugin"],
                kind=entry["kind"],
                display_name=entry["display_name"],
                description=entry["description"],
                plugin_content=base64.b64decode(entry["content"]),
                max_samples=int(entry["max_samples"]),
            )
            tag = entry["tag"]
            run.tags[tag] = info
            start, count = int(entry["start"]), int(entry["count"])
            if info.kind == "scalar":
                run.scalars[tag] = ScalarColumns(
                    arrays["scalar_steps"][start : start + count],
                    arrays["scalar_walls"][start : start + count],
                    arrays["scalar_values"][start : start + count],
                )
                continue
            series = SampleSeries(caps.get(info.plugin, caps.get("*")), policy, int(entry["seen"]))
            ends = arrays["sample_ends"]
            steps = arrays["sample_steps"][start : start + count].tolist()
            walls = arrays["sample_walls"][start : start + count].tolist()
            for i in range(count):
                begin = int(ends[start + i - 1]) if start + i > 0 else 0
                payload = sample_bytes[begin : int(ends[start + i])].tobytes()
                series.samples.append(Sample(steps[i], walls[i], payload))
            run.samples[tag] = series
        if meta["graph"] is not None:
            begin, end = meta["graph"]
            run.graph = sample_bytes[begin:end].tobytes()
        for tag, (begin, end) in meta["run_metadata"].items():
            run.run_metadata[tag] = sample_bytes[begin:end].tobytes()
        return CachedRun(run, cursors)

    def _matching_cursors(
        self, cached: list[dict[str, Any]], files: list[FileInfo]
    ) -> list[FileCursor] | None:
        by_name = {info.name: info for info in files}
        cursors: list[FileCursor] = []
        for entry in cached:
            info = by_name.get(entry["name"])
            if info is None:
                return None  # a file that was read is gone: the cached data would be wrong
            offset = int(entry["offset"])
            unchanged = info.size == entry["size"] and info.mtime == entry["mtime"]
            # A file that grew is resumed only if the bytes before the offset are the same.
            if not unchanged and (
                info.size < offset or self._tail_crc(info.path, offset) != entry["tail_crc"]
            ):
                return None
            cursor = FileCursor(info.name, info.path, offset)
            if unchanged:
                cursor.seen_size, cursor.seen_mtime = info.size, info.mtime
            cursors.append(cursor)
        return cursors

    def _tail_crc(self, path: str, offset: int) -> int:
        start = max(0, offset - _TAIL_BYTES)
        return zlib.crc32(self.fs.read(path, start, offset - start))

    # -- writing -----------------------------------------------------------------------------

    def save(self, run: RunData, cursors: list[FileCursor], lock: threading.RLock) -> None:
        """Write ``run`` as it is now. Called by the loader thread, between two polls."""
        index = self._load_index()
        folder_name = index.get(run.name) or _digest(run.name)
        folder = self.root / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        generation = f"{os.getpid()}-{run.generation}"

        with lock:  # the loader thread is the only writer; readers must not see a commit
            tags_meta: list[dict[str, Any]] = []
            scalar_parts: dict[str, list[np.ndarray]] = {"steps": [], "walls": [], "values": []}
            sample_steps: list[int] = []
            sample_walls: list[float] = []
            sample_ends: list[int] = []
            chunks: list[bytes] = []
            total = 0
            scalar_total = 0
            sample_total = 0
            for tag, info in run.tags.items():
                entry: dict[str, Any] = {
                    "tag": tag,
                    "plugin": info.plugin,
                    "kind": info.kind,
                    "display_name": info.display_name,
                    "description": info.description,
                    "content": base64.b64encode(info.plugin_content).decode("ascii"),
                    "max_samples": info.max_samples,
                    "seen": 0,
                }
                if info.kind == "scalar":
                    view = run.scalars[tag].view()
                    entry["start"], entry["count"] = scalar_total, len(view)
                    scalar_parts["steps"].append(view.steps)
                    scalar_parts["walls"].append(view.wall_times)
                    scalar_parts["values"].append(view.values)
                    scalar_total += len(view)
                else:
                    series = run.samples[tag]
                    entry["start"], entry["count"], entry["seen"] = (
                        sample_total,
                        len(series.samples),
                        series.seen,
                    )
                    for sample in series.samples:
                        sample_steps.append(sample.step)
                        sample_walls.append(sample.wall_time)
                        chunks.append(sample.payload)
                        total += len(sample.payload)
                        sample_ends.append(total)
                    sample_total += len(series.samples)
                tags_meta.append(entry)

            def add_blob(data: bytes) -> list[int]:
                nonlocal total
                chunks.append(data)
                total += len(data)
                return [total - len(data), total]

            graph = add_blob(run.graph) if run.graph is not None else None
            run_metadata = {tag: add_blob(data) for tag, data in run.run_metadata.items()}

        columns: dict[str, np.ndarray] = {
            "scalar_steps": _concat(scalar_parts["steps"], np.int64),
            "scalar_walls": _concat(scalar_parts["walls"], np.float64),
            "scalar_values": _concat(scalar_parts["values"], np.float32),
            "sample_steps": np.asarray(sample_steps, dtype=np.int64),
            "sample_walls": np.asarray(sample_walls, dtype=np.float64),
            "sample_ends": np.asarray(sample_ends, dtype=np.int64),
            "sample_bytes": np.frombuffer(b"".join(chunks), dtype=np.uint8),
        }
        names = {key: f"{key}.{generation}.npy" for key in _COLUMNS}
        for key, array in columns.items():
            tmp = folder / (names[key] + ".tmp")
            with open(tmp, "wb") as f:
                np.save(f, array, allow_pickle=False)
            os.replace(tmp, folder / names[key])

        files_meta = [
            {
                "name": cursor.name,
                "offset": cursor.offset,
                "size": cursor.seen_size,
                "mtime": cursor.seen_mtime,
                "tail_crc": self._tail_crc(cursor.path, cursor.offset),
            }
            for cursor in cursors
        ]
        meta = {
            "format": FORMAT,
            "run": run.name,
            "arrays": names,
            "files": files_meta,
            "file_version": run.file_version,
            "most_recent_step": run.most_recent_step,
            "start_time": run.start_time,
            "status": dataclasses.asdict(run.status),
            "tags": tags_meta,
            "graph": graph,
            "run_metadata": run_metadata,
        }
        _write_atomic(folder / "meta.json", json.dumps(meta).encode("utf-8"))
        for old in folder.iterdir():
            if old.name != "meta.json" and old.name not in names.values():
                with contextlib.suppress(OSError):
                    old.unlink()  # a mapped file stays readable until it is unmapped
        if index.get(run.name) != folder_name:
            index[run.name] = folder_name
            self._save_index()


def _concat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


def _plain_name(value: object) -> bool:
    return isinstance(value, str) and value not in ("", ".", "..") and Path(value).name == value


def _set_aside(path: Path, reason: object) -> None:
    """Rename a damaged cache file or folder to ``<name>.corrupt-<time>`` with a warning."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():  # two damaged copies set aside in the same second
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    try:
        os.replace(path, target)
    except OSError as error:
        logger.warning("cache file %s is damaged (%s) and cannot be moved: %s", path, reason, error)
        return
    logger.warning("cache file %s is damaged (%s); set aside as %s", path, reason, target.name)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)

"""Where a log directory lives: a local folder or an fsspec URL (s3://, gs://, memory://, ...).

The store only needs four things from a file system: list every file under the logdir with its
size and modification time, read a byte range, and tell a local path from a URL. Local folders
go through ``os`` directly (``os.walk`` follows symlinked directories, as TensorBoard does);
everything else goes through fsspec, whose listings are cached per instance and must be
invalidated before each poll.
"""

from __future__ import annotations

import dataclasses
import os
import posixpath
import zlib
from collections.abc import Iterator, Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class FileInfo:
    """One file under the logdir. ``path`` is what :meth:`LogdirFS.read` accepts."""

    path: str
    #: Directory of the file relative to the logdir, ``"."`` for the logdir itself.
    directory: str
    name: str
    size: int
    mtime: float


def is_url(logdir: str) -> bool:
    """True when ``logdir`` names a remote or in-memory file system (``scheme://...``)."""
    return "://" in logdir and not logdir.startswith("file://")


class LogdirFS:
    """Read-only access to the files under one log directory."""

    def __init__(self, logdir: str, storage_options: Mapping[str, Any] | None = None) -> None:
        """``storage_options`` go to the fsspec file system of a URL (credentials, endpoint)."""
        if not isinstance(logdir, str) or not logdir:
            raise ValueError(f"logdir must be a non-empty path or URL, got {logdir!r}")
        self.logdir = logdir
        self._fs: Any = None
        if is_url(logdir):
            import fsspec.core

            self._fs, root = fsspec.core.url_to_fs(logdir, **dict(storage_options or {}))
            self._root = root.rstrip("/")
        else:
            path = logdir[len("file://") :] if logdir.startswith("file://") else logdir
            self._root = os.path.abspath(os.path.expanduser(path))

    @property
    def is_local(self) -> bool:
        return self._fs is None

    @property
    def fsspec(self) -> Any:
        """The fsspec file system of a URL logdir (``None`` for a local folder)."""
        return self._fs

    @property
    def cache_key(self) -> str:
        """A stable name for this logdir (absolute path or full URL)."""
        return self._root if self.is_local else self.logdir.rstrip("/")

    def exists(self) -> bool:
        if self.is_local:
            return os.path.isdir(self._root)
        try:
            return bool(self._fs.isdir(self._root))
        except OSError:
            return False

    def list_files(self) -> Iterator[FileInfo]:
        """Every regular file under the logdir, at any depth."""
        if self.is_local:
            yield from self._list_local()
        else:
            yield from self._list_remote()

    def _list_local(self) -> Iterator[FileInfo]:
        seen_dirs: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(self._root, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError:
                continue
            # A symlink loop would make os.walk recurse forever; visit each directory once.
            if (st.st_dev, st.st_ino) in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            relative = os.path.relpath(dirpath, self._root).replace(os.sep, "/")
            for name in filenames:
                path = os.path.join(dirpath, name)
                try:
                    fst = os.stat(path)
                except OSError:
                    continue  # removed between listing and stat
                yield FileInfo(path, relative, name, fst.st_size, fst.st_mtime)

    def _list_remote(self) -> Iterator[FileInfo]:
        self._fs.invalidate_cache()
        try:
            entries = self._fs.find(self._root, withdirs=False, detail=True)
        except FileNotFoundError:
            return
        for path, info in entries.items():
            if info.get("type", "file") != "file":
                continue
            path = path.rstrip("/")
            directory, name = posixpath.split(path)
            relative = posixpath.relpath(directory, self._root) if directory != self._root else "."
            yield FileInfo(path, relative, name, int(info.get("size") or 0), _mtime(info))

    def stat(self, path: str) -> tuple[int, float]:
        """``(size, mtime)`` of one file; raises OSError when it is gone."""
        if self.is_local:
            st = os.stat(path)
            return st.st_size, st.st_mtime
        self._fs.invalidate_cache(path)
        info = self._fs.info(path)
        return int(info.get("size") or 0), _mtime(info)

    def read(self, path: str, start: int, length: int) -> bytes:
        """Up to ``length`` bytes of ``path`` from byte ``start`` (fewer at the end of the file)."""
        if length <= 0:
            return b""
        if self.is_local:
            with open(path, "rb") as f:
                f.seek(start)
                return f.read(length)
        data: bytes = self._fs.cat_file(path, start=start, end=start + length)
        return data

    def read_text(self, relative: str) -> str | None:
        """A small text file under the logdir (``None`` when it does not exist)."""
        path = self.join(relative)
        try:
            if self.is_local:
                with open(path, encoding="utf-8") as f:
                    return f.read()
            data: bytes = self._fs.cat_file(path)
            return data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def join(self, relative: str) -> str:
        """The path of ``relative`` (``/``-separated, relative to the logdir)."""
        if relative in ("", "."):
            return self._root
        if self.is_local:
            return os.path.join(self._root, *relative.split("/"))
        return f"{self._root}/{relative}"


def _mtime(info: dict[str, Any]) -> float:
    """fsspec back ends name the modification time differently; any stable number will do."""
    for key in ("mtime", "LastModified", "last_modified", "updated", "modified", "created"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, (int, float)):
            return float(value)
        timestamp = getattr(value, "timestamp", None)
        if callable(timestamp):
            return float(timestamp())
        try:
            from datetime import datetime

            return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
        except ValueError:
            continue
    etag = info.get("ETag") or info.get("etag")
    # Without a time, an ETag still changes when the object does.
    return float(zlib.crc32(str(etag).encode())) if etag else 0.0

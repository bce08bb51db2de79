"""Content-addressed cache of projection results.

The key is a SHA-256 of the input array (dtype, shape and bytes) plus the method and its
parameters, so the same data projected the same way is computed once. Results live in an
in-memory LRU (a hit returns the very same object) and, optionally, in a directory of
``.npz`` files that survives restarts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .results import ProjectionResult, result_from_arrays

logger = logging.getLogger(__name__)

_KEY_VERSION = b"torchscope.embed.cache/1"

# numpy's stubs type savez's keyword arrays against its own flags; every array here is named.
_savez: Any = np.savez

ResultT = TypeVar("ResultT", bound=ProjectionResult)


def cache_key(method: str, X: npt.NDArray[Any], params: Mapping[str, Any]) -> str:
    """Hex digest naming ``method`` run with ``params`` on exactly this array."""
    data = np.ascontiguousarray(X)
    digest = hashlib.sha256(_KEY_VERSION)
    header = {
        "method": method,
        "dtype": data.dtype.str,
        "shape": list(data.shape),
        "params": params,
    }
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    digest.update(data.data)  # raw bytes of the contiguous array, no copy
    return digest.hexdigest()


class ProjectionCache:
    """An LRU of results in memory, optionally backed by a directory on disk.

    Thread-safe. ``max_items`` bounds the in-memory entries; files on disk are kept until
    :meth:`clear` is called with ``disk=True``.
    """

    def __init__(self, max_items: int = 32, directory: str | os.PathLike[str] | None = None):
        if isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0:
            raise ValueError(f"max_items must be a non-negative integer, got {max_items!r}")
        self.max_items = max_items
        self.directory = None if directory is None else Path(directory).expanduser()
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
        self._items: OrderedDict[str, ProjectionResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: str) -> ProjectionResult | None:
        """The result stored under ``key`` (memory first, then disk), or ``None``."""
        with self._lock:
            result = self._items.get(key)
            if result is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return result
        result = self._load(key)
        with self._lock:
            if result is None:
                self.misses += 1
                return None
            self.hits += 1
            self._remember(key, result)
        return result

    def put(self, key: str, result: ProjectionResult) -> None:
        """Store ``result`` under ``key`` in memory and, if configured, on disk."""
        with self._lock:
            self._remember(key, result)
        self._save(key, result)

    def clear(self, *, disk: bool = False) -> None:
        """Forget every in-memory entry; with ``disk=True`` also delete the cached files."""
        with self._lock:
            self._items.clear()
        if disk and self.directory is not None:
            for path in self.directory.glob("*.npz"):
                path.unlink(missing_ok=True)

    def get_or_compute(self, key: str, compute: Callable[[], ResultT]) -> ResultT:
        """Return the cached result for ``key``, computing and storing it on a miss."""
        cached = self.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        result = compute()
        self.put(key, result)
        return result

    def _remember(self, key: str, result: ProjectionResult) -> None:
        if self.max_items == 0:
            return
        self._items[key] = result
        self._items.move_to_end(key)
        while len(self._items) > self.max_items:
            self._items.popitem(last=False)

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.npz"

    def _load(self, key: str) -> ProjectionResult | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            with np.load(path, allow_pickle=False) as stored:
                return result_from_arrays({name: stored[name] for name in stored.files})
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            # A damaged or foreign file is only a miss: the result is recomputed and rewritten.
            logger.warning("ignoring unreadable projection cache file %s: %s", path, exc)
            return None

    def _save(self, key: str, result: ProjectionResult) -> None:
        path = self._path(key)
        if path is None:
            return
        temporary = path.with_name(f".{key}.{os.getpid()}.{threading.get_ident()}.tmp.npz")
        try:
            _savez(temporary, **result.to_arrays())
            os.replace(temporary, path)  # atomic: readers never see half a file
        except OSError as exc:
            logger.warning("could not write projection cache file %s: %s", path, exc)
            temporary.unlink(missing_ok=True)


_default_cache = ProjectionCache()


def default_cache() -> ProjectionCache:
    """The cache the projections use unless told otherwise."""
    return _default_cache


def set_default_cache(cache: ProjectionCache) -> None:
    """Replace the shared default cache (for example with one that has a disk directory)."""
    global _default_cache
    if not isinstance(cache, ProjectionCache):
        raise TypeError(f"cache must be a ProjectionCache, got {type(cache).__name__}")
    _default_cache = cache


def resolve_cache(cache: ProjectionCache | bool) -> ProjectionCache | None:
    """Map a projection's ``cache`` argument to a cache: True -> default, False -> none."""
    if isinstance(cache, ProjectionCache):
        return cache
    if cache is True:
        return _default_cache
    if cache is False:
        return None
    raise TypeError(f"cache must be a ProjectionCache, True or False, got {cache!r}")

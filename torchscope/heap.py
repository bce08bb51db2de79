"""Keeping the process's memory close to what it holds: glibc's mmap threshold.

The live store's append requests bring a body and its parsed values, freed right after. glibc's
malloc raises its mmap threshold every time a large block is freed, after which such transient
blocks come from the heap, which fragments and rarely shrinks: the server then grows by several
times what the columns hold. Pinning the threshold low keeps large transients in their own
mappings, which go back to the system when freed.

A bulk reader (the logdir reader on a large file) is the opposite case: it allocates and frees
arrays of megabytes chunk after chunk, and a fresh mapping for each costs a page fault per
4 KB (1.3 s of system time on a 20M-scalar logdir, half the load). While one runs, the threshold
is raised; when the last one ends it is pinned again and the heap's free pages are handed back
(``malloc_trim``), so the peak stays where it was. This changes nothing but memory placement, and
is skipped where the C library is not glibc.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys
import threading
from collections.abc import Callable, Iterator

_M_MMAP_THRESHOLD = -3
_THRESHOLD_BYTES = 64 * 1024
#: While a bulk reader runs: glibc's own ceiling for its dynamic threshold.
_BULK_THRESHOLD_BYTES = 32 * 1024 * 1024

_lock = threading.Lock()
_pinned = False
_bulk_readers = 0


def _load_glibc() -> tuple[Callable[[int, int], int], Callable[[int], int]] | None:
    """glibc's ``mallopt`` and ``malloc_trim``, or None for another C library."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt, malloc_trim = libc.mallopt, libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    malloc_trim.argtypes = [ctypes.c_size_t]
    malloc_trim.restype = ctypes.c_int
    return mallopt, malloc_trim


_glibc = _load_glibc()


def _threshold() -> int:
    return _BULK_THRESHOLD_BYTES if _bulk_readers else _THRESHOLD_BYTES


def keep_transient_blocks_out_of_the_heap() -> bool:
    """Pin glibc's mmap threshold (once per process); True when it was applied."""
    global _pinned
    with _lock:
        if not _pinned and _glibc is not None:
            mallopt, _ = _glibc
            _pinned = bool(mallopt(_M_MMAP_THRESHOLD, _threshold()))
        return _pinned


@contextlib.contextmanager
def bulk_reading() -> Iterator[None]:
    """Serve large blocks from the heap while the body runs (see the module notes); the pinned
    threshold comes back when the last bulk reader ends. Nothing changes unless it was pinned."""
    global _bulk_readers
    with _lock:
        _bulk_readers += 1
        if _bulk_readers == 1 and _pinned and _glibc is not None:
            mallopt, _ = _glibc
            mallopt(_M_MMAP_THRESHOLD, _BULK_THRESHOLD_BYTES)
    try:
        yield
    finally:
        with _lock:
            _bulk_readers -= 1
            if _bulk_readers == 0 and _pinned and _glibc is not None:
                mallopt, malloc_trim = _glibc
                mallopt(_M_MMAP_THRESHOLD, _THRESHOLD_BYTES)
                # Hand back what the reader freed into the heap, before the next one grows it.
                malloc_trim(0)

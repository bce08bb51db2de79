"""Keeping the server's memory close to what the store holds.

Each append request brings a body and its parsed values, freed right after. glibc's malloc
raises its mmap threshold every time a large block is freed, after which such transient blocks
come from the heap, which fragments and rarely shrinks: the process then grows by several times
what the columns hold. Fixing the threshold keeps large transients in their own mappings, which
go back to the system when freed. This changes nothing but memory placement, and is skipped
where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_MMAP_THRESHOLD = -3
_THRESHOLD_BYTES = 64 * 1024
_applied = False


def keep_transient_blocks_out_of_the_heap() -> bool:
    """Pin glibc's mmap threshold (once per process); True when it was applied."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, _THRESHOLD_BYTES))
    return _applied

"""Scalars still on a GPU: copied to the host without making the training loop wait.

``torch.Tensor.to("cpu", non_blocking=True)`` allocates a fresh pinned block whenever the
previous ones are still referenced, and a pinned allocation (``cudaHostAlloc``) waits for the
device: logging a loss every step would then synchronise every step. Instead the copies go into
slots of one pinned buffer allocated once, and a slot is reused only after the writer thread has
read it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

#: Slots in the shared pinned buffer (8 bytes each); more values in flight than this fall back
#: to a one-off copy.
PINNED_SLOTS = 4096
#: How often the writer thread checks whether a copy has landed.
_POLL_S = 0.0005


class PinnedScalarSlots:
    """A pinned float64 buffer whose slots receive device scalars asynchronously."""

    def __init__(self, size: int = PINNED_SLOTS) -> None:
        self.size = size
        self._buffer: Any = None
        self._events: list[Any] = []
        self._free: list[int] = []
        self._lock = threading.Lock()

    def start_copy(self, tensor: Any) -> Callable[[], float]:
        """Queue the copy of a one-element device tensor; returns the reader of its value.

        Call the reader on another thread: it waits (polling, so it never blocks other Python
        threads) until the device has made the copy, then frees the slot.
        """
        import torch

        source = tensor.detach().reshape(())
        slot = self._take_slot()
        if slot is None:
            host = source.to("cpu", non_blocking=True)
            ready = torch.cuda.Event()
        else:
            host = self._buffer[slot]
            host.copy_(source, non_blocking=True)
            # One event per slot, made once (per device): creating one costs more than the copy.
            kept = self._events[slot]
            if kept is None or kept[0] != source.device:
                with torch.cuda.device(source.device):
                    kept = self._events[slot] = (source.device, torch.cuda.Event())
            ready = kept[1]
        ready.record(torch.cuda.current_stream(source.device))

        def read() -> float:
            while not ready.query():
                time.sleep(_POLL_S)
            value = float(host.item())
            if slot is not None:
                with self._lock:
                    self._free.append(slot)
            return value

        return read

    def _take_slot(self) -> int | None:
        with self._lock:
            if self._buffer is None:
                import torch

                self._buffer = torch.empty(self.size, dtype=torch.float64, pin_memory=True)
                self._events = [None] * self.size
                self._free = list(range(self.size - 1, -1, -1))
            return self._free.pop() if self._free else None


_SLOTS = PinnedScalarSlots()


def start_device_copy(tensor: Any) -> Callable[[], float]:
    """Start copying a one-element CUDA tensor to the host (see :class:`PinnedScalarSlots`)."""
    return _SLOTS.start_copy(tensor)

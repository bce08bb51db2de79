"""Every point of a scalar series, kept as three growable numpy columns.

20 bytes a point (int64 step, float64 wall time, float32 value): 20 million points fit in
about 400 MB. Single points are first gathered in ``array.array`` buffers (a Python-level
append costs ~30 ns there, against ~150 ns for a numpy item assignment) and moved into the
numpy columns in one copy when someone reads the series or the buffer is large.

Readers get read-only views of the committed prefix. A purge builds new arrays instead of
compacting in place, so a view handed out earlier never changes under its reader.
"""

from __future__ import annotations

import array
import dataclasses
from typing import TypeVar

import numpy as np
import numpy.typing as npt

_FLUSH_AT = 4096
_MIN_CAPACITY = 16


@dataclasses.dataclass(frozen=True)
class ScalarView:
    """A consistent snapshot of one series (read-only numpy views, oldest point first)."""

    steps: npt.NDArray[np.int64]
    wall_times: npt.NDArray[np.float64]
    values: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return int(self.steps.shape[0])


class ScalarColumns:
    """Append-only (except for purges) columnar storage of one (run, tag) scalar series."""

    __slots__ = (
        "_pending_steps",
        "_pending_values",
        "_pending_walls",
        "_size",
        "_steps",
        "_values",
        "_walls",
    )

    def __init__(
        self,
        steps: npt.NDArray[np.int64] | None = None,
        wall_times: npt.NDArray[np.float64] | None = None,
        values: npt.NDArray[np.float32] | None = None,
    ) -> None:
        """Start empty, or from existing columns (e.g. memory-mapped from the cache)."""
        if steps is None or wall_times is None or values is None:
            steps = np.empty(_MIN_CAPACITY, np.int64)
            wall_times = np.empty(_MIN_CAPACITY, np.float64)
            values = np.empty(_MIN_CAPACITY, np.float32)
            size = 0
        else:
            size = int(steps.shape[0])
            if wall_times.shape[0] != size or values.shape[0] != size:
                raise ValueError("steps, wall_times and values must have the same length")
        self._steps: npt.NDArray[np.int64] = steps
        self._walls: npt.NDArray[np.float64] = wall_times
        self._values: npt.NDArray[np.float32] = values
        self._size = size
        self._pending_steps = array.array("q")
        self._pending_walls = array.array("d")
        self._pending_values = array.array("f")

    def __len__(self) -> int:
        return self._size + len(self._pending_steps)

    def append(self, step: int, wall_time: float, value: float) -> None:
        """Add one point (buffered; cheap)."""
        self._pending_steps.append(step)
        self._pending_walls.append(wall_time)
        self._pending_values.append(value)
        if len(self._pending_steps) >= _FLUSH_AT:
            self.commit()

    def extend(
        self,
        steps: npt.ArrayLike,
        wall_times: npt.ArrayLike,
        values: npt.ArrayLike,
    ) -> None:
        """Add many points at once (arrays of equal length)."""
        self.commit()
        step_arr = np.asarray(steps, dtype=np.int64)
        wall_arr = np.asarray(wall_times, dtype=np.float64)
        value_arr = np.asarray(values, dtype=np.float32)
        count = step_arr.shape[0]
        if wall_arr.shape[0] != count or value_arr.shape[0] != count:
            raise ValueError("steps, wall_times and values must have the same length")
        self._write(step_arr, wall_arr, value_arr)

    def commit(self) -> None:
        """Move buffered points into the numpy columns."""
        if not self._pending_steps:
            return
        self._write(
            np.frombuffer(self._pending_steps, np.int64),
            np.frombuffer(self._pending_walls, np.float64),
            np.frombuffer(self._pending_values, np.float32),
        )
        self._pending_steps = array.array("q")
        self._pending_walls = array.array("d")
        self._pending_values = array.array("f")

    def _write(
        self,
        steps: npt.NDArray[np.int64],
        wall_times: npt.NDArray[np.float64],
        values: npt.NDArray[np.float32],
    ) -> None:
        count = steps.shape[0]
        if count == 0:
            return
        end = self._size + count
        if end > self._steps.shape[0] or not self._steps.flags.writeable:
            self._grow(end)
        self._steps[self._size : end] = steps
        self._walls[self._size : end] = wall_times
        self._values[self._size : end] = values
        self._size = end

    def _grow(self, needed: int) -> None:
        # 1.5x growth keeps the slack (unused capacity) near 25% on average; trim() drops it.
        capacity = max(_MIN_CAPACITY, needed, self._steps.shape[0] * 3 // 2)
        self._steps = _resized(self._steps, self._size, capacity)
        self._walls = _resized(self._walls, self._size, capacity)
        self._values = _resized(self._values, self._size, capacity)

    def trim(self) -> None:
        """Give back unused capacity (called when a series has stopped growing)."""
        self.commit()
        if self._steps.shape[0] > self._size and self._steps.flags.writeable:
            self._steps = self._steps[: self._size].copy()
            self._walls = self._walls[: self._size].copy()
            self._values = self._values[: self._size].copy()

    def view(self) -> ScalarView:
        """Read-only views of every point so far."""
        self.commit()
        steps = self._steps[: self._size]
        walls = self._walls[: self._size]
        values = self._values[: self._size]
        for arr in (steps, walls, values):
            arr.flags.writeable = False
        return ScalarView(steps, walls, values)

    def drop_from_step(self, step: int) -> int:
        """Remove every point whose step is >= ``step``; returns how many were removed."""
        self.commit()
        keep = self._steps[: self._size] < step
        kept = int(np.count_nonzero(keep))
        removed = self._size - kept
        if removed:
            self._steps = self._steps[: self._size][keep]
            self._walls = self._walls[: self._size][keep]
            self._values = self._values[: self._size][keep]
            self._size = kept
        return removed

    @property
    def nbytes(self) -> int:
        """Memory held by the columns (capacity included)."""
        return int(self._steps.nbytes + self._walls.nbytes + self._values.nbytes)


_T = TypeVar("_T", bound=np.generic)


def _resized(arr: npt.NDArray[_T], size: int, capacity: int) -> npt.NDArray[_T]:
    grown: npt.NDArray[_T] = np.empty(capacity, arr.dtype)
    grown[:size] = arr[:size]
    return grown

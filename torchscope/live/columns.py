"""Columns: one coordinate of one trace, stored as compactly as its values allow.

A column holds the values of ``x`` (or ``y``, ``z``, ``marker.color``) of a plot trace and grows
by appending, at a cost proportional to the values appended. Its storage adapts to what arrives:

``range``  integral arithmetic progressions (step counters, the usual x): three numbers, 0 B/point
``f32``    numbers that float32 holds exactly (values from float32 tensors): 4 B/point
``f64``    any other numbers: 8 B/point
``list``   anything else (strings, dates, nested lists): a Python list

NaN stands for JSON ``null`` in the numeric modes. A column only ever moves down that list,
so no value is rounded.

Numbers live in chunks that are never reallocated: a new chunk is added when the last is full
(sizes double from 16 up to 64Ki values, then stay). Growing by copying into ever larger arrays
would leave freed blocks behind that the allocator keeps, which costs more memory than the data.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

import numpy as np

_NUMBER_TYPES = frozenset({int, float, type(None)})
_FIRST_CHUNK = 16
_MAX_CHUNK = 65536
_EXACT_INT_LIMIT = 2**53
#: Appends of at most this many values take a pure-Python path (numpy's per-call cost
#: dominates for the one-point appends of a training loop).
_SMALL = 16
_FLOAT32 = struct.Struct("<f")


def _exact_in_float32(value: float) -> bool:
    try:
        return bool(_FLOAT32.unpack(_FLOAT32.pack(value))[0] == value)
    except OverflowError:
        return False


def _numeric_array(values: list[Any]) -> np.ndarray | None:
    """``values`` as float64 (None -> NaN), or None when they are not all plain numbers."""
    kinds = set(map(type, values))
    if not kinds <= _NUMBER_TYPES:
        return None
    array = np.array(values, dtype=np.float64)
    if int in kinds and array.size and np.nanmax(np.abs(array), initial=0.0) > _EXACT_INT_LIMIT:
        return None  # float64 would round these integers
    return array


def _is_exact_float32(array: np.ndarray) -> bool:
    with np.errstate(over="ignore"):
        return bool(np.array_equal(array.astype(np.float32), array, equal_nan=True))


def _as_range(array: np.ndarray) -> tuple[int, int] | None:
    """(start, step) when ``array`` is an integral arithmetic progression, else None."""
    if array.size == 0 or not np.all(np.isfinite(array)):
        return None
    if not np.all(array == np.round(array)) or np.max(np.abs(array)) > _EXACT_INT_LIMIT:
        return None
    start = int(array[0])
    if array.size == 1:
        return start, 1
    step = int(array[1] - array[0])
    if step == 0:
        return None
    expected = start + step * np.arange(array.size, dtype=np.float64)
    return (start, step) if np.array_equal(expected, array) else None


class Column:
    """A growable sequence of JSON values with columnar storage for numbers."""

    __slots__ = ("_chunks", "_fill", "_items", "_length", "_mode", "_start", "_step")

    def __init__(self, values: list[Any] | None = None) -> None:
        self._mode = "range"
        self._start = 0
        self._step = 1
        self._length = 0
        self._chunks: list[np.ndarray] = []
        self._fill = 0  # values used in the last chunk
        self._items: list[Any] = []
        if values:
            self.extend(values)

    # --- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._length

    @property
    def mode(self) -> str:
        return self._mode

    def values(self) -> np.ndarray | list[Any]:
        """The column for serialization: a numpy array (NaN -> null in JSON) or a list."""
        if self._mode == "range":
            return self._start + self._step * np.arange(self._length, dtype=np.int64)
        if self._mode == "list":
            return self._items
        if len(self._chunks) == 1:
            return self._chunks[0][: self._fill]
        return np.concatenate([*self._chunks[:-1], self._chunks[-1][: self._fill]])

    def numeric(self) -> np.ndarray | None:
        """The values as float64 for computation (downsampling), or None for a list column."""
        if self._mode == "list":
            return None
        return np.asarray(self.values(), dtype=np.float64)

    def tolist(self) -> list[Any]:
        """Plain Python values; NaN becomes None as in JSON."""
        if self._mode == "list":
            return list(self._items)
        values = self.values()
        out: list[Any] = values.tolist()  # type: ignore[union-attr]
        if self._mode != "range":
            return [None if v != v else v for v in out]  # NaN != NaN
        return out

    def nbytes(self) -> int:
        """Bytes of point storage held (allocated capacity included)."""
        if self._mode == "range":
            return 0
        if self._mode == "list":
            return 8 * len(self._items)
        return sum(int(chunk.nbytes) for chunk in self._chunks)

    # --- writing -------------------------------------------------------------------------

    def extend(self, values: list[Any]) -> None:
        """Append ``values``; cost is proportional to ``len(values)``."""
        if not values:
            return
        if self._mode == "list":
            self._items.extend(values)
            self._length += len(values)
            return
        if len(values) <= _SMALL and self._extend_small(values):
            return
        array = _numeric_array(values)
        if array is None:
            self._to_list()
            self._items.extend(values)
            self._length += len(values)
            return
        if self._mode == "range" and self._extends_range(array):
            return
        if self._mode == "range":
            self._convert(np.float32 if _is_exact_float32(array) else np.float64)
        elif self._mode == "f32" and not _is_exact_float32(array):
            self._convert(np.float64)
        self._append_array(array)

    def replace(self, values: list[Any]) -> None:
        """Replace every value."""
        self.__init__(values)  # type: ignore[misc]

    # --- internals -----------------------------------------------------------------------

    def _extend_small(self, values: list[Any]) -> bool:
        """Append a few plain numbers without numpy; False leaves the general path to it."""
        for value in values:
            kind = type(value)
            if kind is int:
                if abs(value) > _EXACT_INT_LIMIT:
                    return False
            elif kind is not float:
                return False
        if self._mode == "range":
            if self._length < 2:
                return False
            step = self._step
            expected = self._start + step * self._length
            for value in values:
                if value != expected:
                    return False
                expected += step
            if abs(expected) > _EXACT_INT_LIMIT:
                return False
            self._length += len(values)
            return True
        if self._mode == "f32" and not all(_exact_in_float32(v) for v in values):
            return False
        if not self._chunks or self._chunks[-1].size - self._fill < len(values):
            return False  # a new chunk is needed: the general path adds it
        chunk = self._chunks[-1]
        for offset, value in enumerate(values, self._fill):
            chunk[offset] = value
        self._fill += len(values)
        self._length += len(values)
        return True

    def _extends_range(self, array: np.ndarray) -> bool:
        if self._length == 0:
            found = _as_range(array)
            if found is None:
                return False
            self._start, self._step = found
            self._length = array.size
            return True
        if self._length == 1:
            # The second value fixes the step.
            found = _as_range(np.concatenate(([float(self._start)], array)))
            if found is None:
                return False
            self._step = found[1]
            self._length += array.size
            return True
        first_expected = self._start + self._step * self._length
        expected = first_expected + self._step * np.arange(array.size, dtype=np.float64)
        if np.array_equal(expected, array) and abs(expected[-1]) <= _EXACT_INT_LIMIT:
            self._length += array.size
            return True
        return False

    def _convert(self, dtype: type[np.floating[Any]]) -> None:
        """Move to numeric mode ``dtype``, keeping the current values (one full chunk)."""
        current = np.asarray(self.values(), dtype=dtype)
        self._chunks = [current] if current.size else []
        self._fill = current.size
        self._mode = "f32" if dtype is np.float32 else "f64"

    def _append_array(self, array: np.ndarray) -> None:
        dtype = np.float32 if self._mode == "f32" else np.float64
        done = 0
        while done < array.size:
            if not self._chunks or self._fill == self._chunks[-1].size:
                size = min(_MAX_CHUNK, max(_FIRST_CHUNK, self._length + array.size - done))
                self._chunks.append(np.empty(size, dtype=dtype))
                self._fill = 0
            chunk = self._chunks[-1]
            count = min(chunk.size - self._fill, array.size - done)
            chunk[self._fill : self._fill + count] = array[done : done + count]
            self._fill += count
            self._length += count
            done += count

    def _to_list(self) -> None:
        self._items = self.tolist()
        self._chunks = []
        self._fill = 0
        self._mode = "list"

    # --- snapshots -----------------------------------------------------------------------

    def to_state(self) -> dict[str, Any]:
        """A JSON-able, exact description (binary for numbers, so NaN and ±Inf survive)."""
        if self._mode == "range":
            return {"range": [self._start, self._step, self._length]}
        if self._mode == "list":
            return {"list": self._items}
        raw = np.ascontiguousarray(self.values()).tobytes()
        return {self._mode: base64.b64encode(raw).decode("ascii")}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Column:
        column = cls()
        if "range" in state:
            column._start, column._step, column._length = (int(v) for v in state["range"])
        elif "list" in state:
            column._mode = "list"
            column._items = list(state["list"])
            column._length = len(column._items)
        else:
            mode = "f32" if "f32" in state else "f64"
            dtype = np.float32 if mode == "f32" else np.float64
            data = np.frombuffer(base64.b64decode(state[mode]), dtype=dtype)
            column._mode = mode
            column._chunks = [np.array(data, dtype=dtype)] if data.size else []  # writable
            column._fill = column._length = data.size
        return column

"""Columnar decoding of many scalar events at once, with numpy.

torch, tensorboardX and Lightning write one ``simple_value`` per event, always with the
same layout::

    09 <wall_time f64> [10 <step varint>] 2a L1 0a L2 0a L3 <tag> 15 <value f32>

Payloads of the same length and step width share every offset, so they are stacked into
one uint8 matrix and decoded column by column: a few hundred nanoseconds per record
instead of a protobuf parse. Anything else (another layout, several values, a
tensor-encoded scalar, images ...) is listed in ``rest`` for the caller to parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["ScalarColumns", "columns_from_buffer", "decode_scalar_columns"]

# Bytes of the layout besides the tag and the optional step field:
# 1+8 wall time, 2+2+2 summary/value/tag headers, 1+4 value.
_FIXED_BYTES = 20
_MAX_TAG_BYTES = 118  # L1 = tag + 9 must fit one varint byte


@dataclass
class ScalarColumns:
    """Decoded scalars, one row per record, in the order of the input payloads."""

    tags: list[str]
    """Distinct tags; ``tag_ids`` index into it."""
    tag_ids: np.ndarray
    steps: np.ndarray
    wall_times: np.ndarray
    values: np.ndarray
    """float32 values widened to float64."""
    record_index: np.ndarray
    """Position of each row's payload in the input list."""
    rest: list[int]
    """Positions of payloads that are not simple scalars: parse them normally."""

    def __len__(self) -> int:
        return len(self.record_index)


def _step_widths(matrix: np.ndarray) -> np.ndarray:
    """Bytes taken by the step field (0 when absent) of each row."""
    has_step = matrix[:, 9] == 0x10
    widths = np.zeros(len(matrix), dtype=np.int64)
    if has_step.any():
        width = min(10, matrix.shape[1] - 11)
        continuation = matrix[:, 10 : 10 + width] >= 0x80
        varint_bytes = np.cumprod(continuation, axis=1).sum(axis=1) + 1
        widths = np.where(has_step, 1 + varint_bytes, 0)
    return widths


def _decode_steps(matrix: np.ndarray, step_width: int) -> np.ndarray:
    if step_width == 0:
        return np.zeros(len(matrix), dtype=np.int64)
    steps = np.zeros(len(matrix), dtype=np.uint64)
    for byte in range(step_width - 1):
        part = (matrix[:, 10 + byte] & 0x7F).astype(np.uint64)
        steps |= part << np.uint64(7 * byte)
    return steps.view(np.int64)


def _decode_group(
    matrix: np.ndarray, step_width: int, tags: dict[bytes, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decode rows sharing one length and step width; return (ok, ids, steps, walls, values)."""
    length = matrix.shape[1]
    tag_length = length - _FIXED_BYTES - step_width
    pos = 9 + step_width
    ok = (
        (matrix[:, 0] == 0x09)
        & (matrix[:, pos] == 0x2A)
        & (matrix[:, pos + 1] == tag_length + 9)
        & (matrix[:, pos + 2] == 0x0A)
        & (matrix[:, pos + 3] == tag_length + 7)
        & (matrix[:, pos + 4] == 0x0A)
        & (matrix[:, pos + 5] == tag_length)
        & (matrix[:, length - 5] == 0x15)
    )
    if tag_length == 0:
        unique_tags: list[bytes] = [b""]
        inverse = np.zeros(int(ok.sum()), dtype=np.int64)
    else:
        tag_bytes = np.ascontiguousarray(matrix[ok, pos + 6 : pos + 6 + tag_length])
        unique, inverse = np.unique(tag_bytes.view(f"V{tag_length}").ravel(), return_inverse=True)
        unique_tags = [bytes(raw) for raw in unique]
    ids = np.empty(len(unique_tags), dtype=np.int64)
    for i, raw in enumerate(unique_tags):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            ids[i] = -1  # protobuf rejects such a string: let the full parser report it
            continue
        ids[i] = tags.setdefault(raw, len(tags))
    row_ids = ids[inverse.ravel()]
    ok[ok] = row_ids >= 0
    rows = matrix[ok]
    row_ids = row_ids[row_ids >= 0]
    walls = np.ascontiguousarray(rows[:, 1:9]).view("<f8").ravel()
    values = np.ascontiguousarray(rows[:, length - 4 :]).view("<f4").ravel().astype(np.float64)
    return ok, row_ids, _decode_steps(rows, step_width), walls, values


def decode_scalar_columns(payloads: list[bytes]) -> ScalarColumns:
    """Decode every simple-scalar payload of ``payloads`` into columns (see module doc)."""
    lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=len(payloads))
    starts = np.cumsum(lengths) - lengths
    return _decode(np.frombuffer(b"".join(payloads), dtype=np.uint8), starts, lengths)


def columns_from_buffer(
    buffer: bytes, starts: Sequence[int] | np.ndarray, lengths: Sequence[int] | np.ndarray
) -> ScalarColumns:
    """Decode the payloads ``buffer[starts[i] : starts[i] + lengths[i]]`` without copying
    them out one by one (``record_index`` = i)."""
    return _decode(
        np.frombuffer(buffer, dtype=np.uint8),
        np.asarray(starts, dtype=np.int64),
        np.asarray(lengths, dtype=np.int64),
    )


def _rows(data: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The ``length`` bytes at each start, as a (len(starts), length) matrix."""
    if len(starts) > 1:
        stride = int(starts[1] - starts[0])
        if stride >= length and np.all(np.diff(starts) == stride):
            # Evenly spaced (one tag written over and over): a view, no copy.
            first = int(starts[0])
            window = data[first : first + stride * (len(starts) - 1) + length]
            return np.lib.stride_tricks.as_strided(
                window, shape=(len(starts), length), strides=(stride, 1), writeable=False
            )
    return data[starts[:, None] + np.arange(length)]


def _decode(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> ScalarColumns:
    tags: dict[bytes, int] = {}
    parts: list[tuple[np.ndarray, ...]] = []
    fits = (lengths >= _FIXED_BYTES) & (lengths <= 160)
    rest: list[np.ndarray] = [np.flatnonzero(~fits)]
    candidates = np.flatnonzero(fits)
    candidate_lengths = lengths[candidates]
    for length in np.unique(candidate_lengths):
        members = candidates[candidate_lengths == length]
        matrix = _rows(data, starts[members], int(length))
        widths = _step_widths(matrix)
        for width in np.unique(widths):
            in_group = widths == width
            tag_length = int(length) - _FIXED_BYTES - int(width)
            group_members = members[in_group]
            if tag_length < 0 or tag_length > _MAX_TAG_BYTES or width > 11:
                rest.append(group_members)
                continue
            group = matrix if in_group.all() else matrix[in_group]
            ok, ids, steps, walls, values = _decode_group(group, int(width), tags)
            rest.append(group_members[~ok])
            parts.append((group_members[ok], ids, steps, walls, values))
    names = [raw.decode("utf-8") for raw in tags]
    if parts:
        index, ids, steps, walls, values = (
            np.concatenate(column) for column in zip(*parts, strict=True)
        )
        order = np.argsort(index, kind="stable")
        index, ids, steps, walls, values = (c[order] for c in (index, ids, steps, walls, values))
    else:
        index = ids = steps = np.zeros(0, dtype=np.int64)
        walls = values = np.zeros(0, dtype=np.float64)
    leftover = sorted(int(i) for i in np.concatenate(rest))
    return ScalarColumns(names, ids, steps, walls, values, index, leftover)

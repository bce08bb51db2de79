"""How a kept sample's bytes are laid out, per kind of series.

* ``histogram``: float64 rows ``(left, right, count)``, C order (``k * 24`` bytes). Old-style
  ``HistogramProto`` values are converted as TensorBoard does (empty end buckets dropped, the
  outer edges replaced by min and max), so every reader sees one shape.
* ``blobs`` (images, audio): a list of byte strings. Images hold ``[width, height, image...]``,
  audio ``[clip, label, clip, label, ...]`` (TensorBoard's tensor layouts).
* ``tensor`` (text, PR curves, mesh, hparams, custom scalars, anything else): the serialized
  ``TensorProto``, decoded when a route asks for it.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

SampleKind = Literal["histogram", "blobs", "tensor"]

_COUNT = struct.Struct("<I")


def encode_blobs(items: Sequence[bytes]) -> bytes:
    """Pack byte strings: a u32 count, one u32 length per item, then the items."""
    lengths = np.fromiter((len(item) for item in items), dtype="<u4", count=len(items))
    return _COUNT.pack(len(items)) + lengths.tobytes() + b"".join(items)


def decode_blobs(payload: bytes) -> list[bytes]:
    """Inverse of :func:`encode_blobs`."""
    (count,) = _COUNT.unpack_from(payload, 0)
    lengths = np.frombuffer(payload, dtype="<u4", count=count, offset=4)
    items: list[bytes] = []
    pos = 4 + 4 * count
    for length in lengths.tolist():
        items.append(payload[pos : pos + length])
        pos += length
    return items


def encode_histogram(rows: npt.NDArray[Any]) -> bytes:
    """``(k, 3)`` rows of ``(left, right, count)`` -> payload bytes."""
    return np.ascontiguousarray(rows, dtype="<f8").reshape(-1, 3).tobytes()


def decode_histogram(payload: bytes) -> npt.NDArray[np.float64]:
    """Payload bytes -> ``(k, 3)`` float64 rows."""
    return np.frombuffer(payload, dtype="<f8").reshape(-1, 3)


def histogram_rows_from_proto(histo: Any) -> npt.NDArray[np.float64]:
    """A ``HistogramProto`` as ``(left, right, count)`` rows.

    ``bucket_limit[i]`` is the right edge of bucket ``i``. Empty buckets at both ends are
    dropped so that the first left edge can be ``min`` and the last right edge ``max`` (legacy
    writers use ±DBL_MAX as outer edges, which no chart can draw).
    """
    counts = np.asarray(histo.bucket, dtype=np.float64)
    limits = np.asarray(histo.bucket_limit, dtype=np.float64)
    nonzero = np.flatnonzero(counts > 0)
    if nonzero.size == 0:
        return np.zeros((0, 3), dtype=np.float64)
    start, end = int(nonzero[0]), int(nonzero[-1])
    inner = limits[start:end]
    lefts = np.concatenate(([histo.min], inner))
    rights = np.concatenate((inner, [histo.max]))
    return np.stack([lefts, rights, counts[start : end + 1]], axis=1)

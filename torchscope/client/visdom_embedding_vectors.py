"""The original vectors that ``torchscope.Visdom.embeddings`` sends beside Visdom's layout.

Visdom's embeddings window only holds the 2-D positions the client computed. torchscope also
puts the feature vectors (little-endian float32, base64) and the labels in the window content,
under the key ``VECTORS_KEY``, so the server's projector can lay them out again with PCA, t-SNE
or UMAP and find nearest neighbours on the original vectors. Visdom's own UI ignores the key.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

#: Key of the vectors in an embeddings window's content (the Visdom fields stay as they are).
VECTORS_KEY = "torchscope_vectors"
#: Most rows (points) whose vectors are sent.
MAX_VECTOR_ROWS = 100_000
#: Most columns (dimensions) per vector.
MAX_VECTOR_DIMS = 1_024
#: Most values in all: 32 MB of float32, 43 MB once in base64, so that the window (with the
#: positions of up to ``MAX_VECTOR_ROWS`` points) fits the server's default 64 MiB request limit.
MAX_VECTOR_VALUES = 8_000_000


def check_vector_size(shape: tuple[int, ...]) -> None:
    """Raise ValueError naming ``features`` when the vectors are over the documented cap."""
    rows, dims = shape
    if rows > MAX_VECTOR_ROWS or dims > MAX_VECTOR_DIMS or rows * dims > MAX_VECTOR_VALUES:
        raise ValueError(
            f"features must be at most {MAX_VECTOR_ROWS:,} points x {MAX_VECTOR_DIMS:,} "
            f"dimensions and {MAX_VECTOR_VALUES:,} values in all, got {rows:,} x {dims:,}"
        )


def vectors_payload(vectors: npt.NDArray[Any], labels: Sequence[Any]) -> dict[str, Any]:
    """The window-content entry holding ``vectors`` (N x D) and one label per row."""
    check_vector_size(vectors.shape)
    rows, dims = vectors.shape
    raw = np.ascontiguousarray(vectors, dtype="<f4").tobytes()
    return {
        "shape": [rows, dims],
        "dtype": "float32",
        "vectors": base64.b64encode(raw).decode("ascii"),
        "labels": [str(label) for label in labels],
    }


__all__ = [
    "MAX_VECTOR_DIMS",
    "MAX_VECTOR_ROWS",
    "MAX_VECTOR_VALUES",
    "VECTORS_KEY",
    "check_vector_size",
    "vectors_payload",
]

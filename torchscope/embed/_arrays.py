"""Input checking shared by the projections: one place that turns array-likes into matrices."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.floating[Any]]


def as_matrix(data: Any, name: str = "X", *, min_rows: int = 1) -> FloatMatrix:
    """Return ``data`` as a finite 2-D float32/float64 array, or raise naming ``name``.

    Accepts numpy arrays, nested sequences and torch tensors (detached and moved to the CPU
    without importing torch here, so the projections work without torch loaded).
    """
    if hasattr(data, "detach") and hasattr(data, "cpu"):
        data = data.detach().cpu().numpy()
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a 2-D array of numbers: {exc}") from exc
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_
    ):
        raise TypeError(f"{name} must be a 2-D array of numbers, got dtype {array.dtype}")
    if np.iscomplexobj(array):
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (points x dimensions), got shape {array.shape}")
    if array.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows (points), got {array.shape[0]}")
    if array.shape[1] < 1:
        raise ValueError(f"{name} needs at least one column (dimension), got shape {array.shape}")
    # float32 stays float32 (half the memory and twice the BLAS speed); everything else -> float64.
    if array.dtype != np.float32:
        array = array.astype(np.float64, copy=False)
    # A finite sum proves every entry finite without a temporary as large as the data; only
    # when it is not (NaN, inf, or an overflowing sum) are the entries checked one by one.
    if not np.isfinite(array.sum(dtype=np.float64)) and not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def check_positive_int(value: Any, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise a ValueError/TypeError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)

"""Result types of the projections, and how they are written to and read from the disk cache.

Results are shared between callers by the cache, so their arrays are made read-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from ._arrays import as_matrix

_META_KEY = "__meta__"


def _frozen(array: npt.ArrayLike, dtype: type[np.floating[Any]]) -> npt.NDArray[Any]:
    result = np.array(array, dtype=dtype)  # a private copy, so freezing it affects no caller
    result.setflags(write=False)
    return result


class CachedResult(Protocol):
    """What the cache needs from a result: its arrays and a way back."""

    kind: ClassVar[str]

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]: ...


@dataclass(frozen=True, eq=False)
class PCAResult:
    """Principal components of a point set.

    ``coordinates`` (n x k) are the points projected on the ``components`` (k x d, unit rows,
    sign fixed so that each row's largest-magnitude entry is positive); ``explained_variance``
    is the variance along each component (divisor n - 1), ``explained_variance_ratio`` its
    share of the total variance; ``mean`` is the centre that was subtracted; ``solver`` says
    which algorithm ran ("svd", "covariance" or "randomized").
    """

    coordinates: npt.NDArray[np.float32]
    components: npt.NDArray[np.float64]
    explained_variance: npt.NDArray[np.float64]
    explained_variance_ratio: npt.NDArray[np.float64]
    mean: npt.NDArray[np.float64]
    solver: str

    kind: ClassVar[str] = "pca"

    def __post_init__(self) -> None:
        object.__setattr__(self, "coordinates", _frozen(self.coordinates, np.float32))
        for name in ("components", "explained_variance", "explained_variance_ratio", "mean"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.float64))

    @property
    def n_components(self) -> int:
        """How many components were computed."""
        return int(self.components.shape[0])

    def transform(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Project new points (rows of ``X``, same dimensions as the fitted data)."""
        matrix = as_matrix(X, "X")
        if matrix.shape[1] != self.mean.shape[0]:
            raise ValueError(
                f"X has {matrix.shape[1]} columns but the PCA was fitted on {self.mean.shape[0]}"
            )
        projected: npt.NDArray[np.float64] = (matrix - self.mean) @ self.components.T
        return projected

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The arrays (and metadata) to store on disk."""
        return {
            "coordinates": self.coordinates,
            "components": self.components,
            "explained_variance": self.explained_variance,
            "explained_variance_ratio": self.explained_variance_ratio,
            "mean": self.mean,
            _META_KEY: np.array(json.dumps({"kind": self.kind, "solver": self.solver})),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]]) -> PCAResult:
        """Rebuild a result stored by :meth:`to_arrays`."""
        meta = json.loads(str(arrays[_META_KEY]))
        return cls(
            coordinates=arrays["coordinates"],
            components=arrays["components"],
            explained_variance=arrays["explained_variance"],
            explained_variance_ratio=arrays["explained_variance_ratio"],
            mean=arrays["mean"],
            solver=meta["solver"],
        )


@dataclass(frozen=True, eq=False)
class Projection:
    """A non-linear layout (t-SNE or UMAP) of a point set.

    ``coordinates`` is n x dims; ``params`` are the parameters that produced it;
    ``kl_divergence`` is t-SNE's final objective value (``None`` for UMAP).
    """

    method: str
    coordinates: npt.NDArray[np.float32]
    params: dict[str, Any] = field(default_factory=dict)
    kl_divergence: float | None = None

    kind: ClassVar[str] = "projection"

    def __post_init__(self) -> None:
        object.__setattr__(self, "coordinates", _frozen(self.coordinates, np.float32))

    @property
    def dims(self) -> int:
        """Number of output dimensions (2 or 3)."""
        return int(self.coordinates.shape[1])

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """The arrays (and metadata) to store on disk."""
        meta = {
            "kind": self.kind,
            "method": self.method,
            "params": self.params,
            "kl_divergence": self.kl_divergence,
        }
        return {"coordinates": self.coordinates, _META_KEY: np.array(json.dumps(meta))}

    @classmethod
    def from_arrays(cls, arrays: dict[str, npt.NDArray[Any]]) -> Projection:
        """Rebuild a result stored by :meth:`to_arrays`."""
        meta = json.loads(str(arrays[_META_KEY]))
        return cls(
            method=meta["method"],
            coordinates=arrays["coordinates"],
            params=meta["params"],
            kl_divergence=meta["kl_divergence"],
        )


ProjectionResult = PCAResult | Projection


def result_from_arrays(arrays: dict[str, npt.NDArray[Any]]) -> ProjectionResult:
    """Rebuild whichever result type ``arrays`` were written from."""
    kind = json.loads(str(arrays[_META_KEY]))["kind"]
    if kind == PCAResult.kind:
        return PCAResult.from_arrays(arrays)
    if kind == Projection.kind:
        return Projection.from_arrays(arrays)
    raise ValueError(f"unknown cached result kind {kind!r}")

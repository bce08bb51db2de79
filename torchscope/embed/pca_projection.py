"""Principal component analysis: exact for small or tall data, randomized for large data."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._arrays import FloatMatrix, as_matrix, check_positive_int
from .cache import ProjectionCache, cache_key, resolve_cache
from .progress import Phase, ProgressCallback, ProgressReporter, SupportsIsSet
from .results import PCAResult

PCASolver = Literal["auto", "svd", "covariance", "randomized"]

#: Up to this many matrix entries a full SVD costs milliseconds: use it.
_SVD_MAX_ENTRIES = 2_000_000
#: The covariance matrix route stays exact and cheap while d x d fits comfortably.
_COVARIANCE_MAX_DIMS = 2048
#: How many components TensorBoard's projector offers; the default for ``k``.
DEFAULT_COMPONENTS = 10


def pca(
    X: npt.ArrayLike,
    k: int | None = None,
    *,
    solver: PCASolver = "auto",
    random_state: int = 0,
    cache: ProjectionCache | bool = True,
    progress: ProgressCallback | None = None,
    cancel: SupportsIsSet | None = None,
) -> PCAResult:
    """Project the rows of ``X`` on their first ``k`` principal components.

    Args:
        X: points x dimensions (numpy array, nested lists or a torch tensor).
        k: number of components; default ``min(10, n_points, n_dims)``.
        solver: ``"svd"`` (exact, LAPACK SVD of the centred data), ``"covariance"`` (exact,
            eigen-decomposition of the d x d covariance; fast when points >> dimensions),
            ``"randomized"`` (Halko-Martinsson-Tropp with power iterations; for large data
            with many dimensions) or ``"auto"``, which picks one from the shape.
        random_state: seed of the randomized solver, so results are reproducible.
        cache: ``True`` for the shared cache, ``False`` for none, or a ProjectionCache.
        progress: called with a :class:`~torchscope.embed.progress.Progress` at the start
            and the end.
        cancel: checked before the work starts; see :class:`CancelToken`.

    Returns:
        A :class:`PCAResult`; component signs are fixed (largest-magnitude entry positive),
        so the same data always gives the same picture.
    """
    matrix = as_matrix(X, "X", min_rows=2)
    n_points, n_dims = matrix.shape
    limit = min(n_points, n_dims)
    if k is None:
        k = min(DEFAULT_COMPONENTS, limit)
    k = check_positive_int(k, "k")
    if k > limit:
        raise ValueError(
            f"k must be <= min(points, dimensions) = {limit} for X of shape {matrix.shape}, got {k}"
        )
    chosen = _choose_solver(solver, n_points, n_dims, k)
    if isinstance(random_state, bool) or not isinstance(random_state, (int, np.integer)):
        raise TypeError(f"random_state must be an integer, got {random_state!r}")
    reporter = ProgressReporter("pca", [Phase("decomposition", 1.0)], progress, cancel)

    def compute() -> PCAResult:
        reporter.report("decomposition", 0, 1)
        result = _fit(matrix, k, chosen, int(random_state))
        reporter.report("decomposition", 1, 1)
        return result

    store = resolve_cache(cache)
    if store is None:
        return compute()
    params: dict[str, Any] = {"k": k, "solver": chosen}
    if chosen == "randomized":
        params["random_state"] = int(random_state)
    return store.get_or_compute(cache_key("pca", matrix, params), compute)


def _choose_solver(solver: str, n_points: int, n_dims: int, k: int) -> str:
    if solver not in ("auto", "svd", "covariance", "randomized"):
        raise ValueError(
            f"solver must be 'auto', 'svd', 'covariance' or 'randomized', got {solver!r}"
        )
    if solver != "auto":
        return solver
    if n_points * n_dims <= _SVD_MAX_ENTRIES:
        return "svd"
    if n_dims <= _COVARIANCE_MAX_DIMS:
        return "covariance"
    if min(n_points, n_dims) <= _COVARIANCE_MAX_DIMS or k > min(n_points, n_dims) // 4:
        return "svd"  # few points, or so many components that sketching saves nothing
    return "randomized"


def _fit(matrix: FloatMatrix, k: int, solver: str, random_state: int) -> PCAResult:
    n_points = matrix.shape[0]
    mean = matrix.mean(axis=0, dtype=np.float64)
    centred: FloatMatrix | None
    if solver == "svd":
        centred64 = matrix.astype(np.float64) - mean
        components, variance = _svd_components(centred64, k)
        total_variance = float(np.square(centred64).sum()) / (n_points - 1)
        centred = centred64
    elif solver == "covariance":
        centred, components, variance, total_variance = _covariance_components(matrix, mean, k)
    else:
        # Stay in the input precision: float32 sketches are twice as fast and plenty accurate.
        centred = matrix - mean.astype(matrix.dtype)
        components, singular_values = _randomized_components(centred, k, random_state)
        variance = singular_values**2 / (n_points - 1)
        total_variance = float(np.square(centred, dtype=np.float64).sum()) / (n_points - 1)
    components = _fix_signs(np.asarray(components, dtype=np.float64))
    if centred is None:
        # Uncentred data was kept (see _covariance_components): subtract the mean's projection.
        coordinates = matrix @ components.T.astype(matrix.dtype) - (mean @ components.T)
    else:
        coordinates = centred @ components.T.astype(centred.dtype)
    ratio = variance / total_variance if total_variance > 0 else np.zeros_like(variance)
    return PCAResult(
        coordinates=coordinates,
        components=components,
        explained_variance=variance,
        explained_variance_ratio=ratio,
        mean=mean,
        solver=solver,
    )


#: Above this share of a column's second moment coming from its mean, forming the covariance
#: from the uncentred Gram matrix would lose too many digits to cancellation.
_MAX_MEAN_SHARE = 0.9


def _covariance_components(
    matrix: FloatMatrix, mean: npt.NDArray[np.float64], k: int
) -> tuple[FloatMatrix | None, npt.NDArray[np.float64], npt.NDArray[np.float64], float]:
    """Top-k eigenvectors of the covariance matrix, and the centred data if it was formed.

    The covariance is X^T X - n m m^T, which spares a centred copy of X (and its memory
    traffic) whenever the means are small next to the spread; otherwise the data is centred
    first so the subtraction cannot cancel away the significant digits.
    """
    n_points = matrix.shape[0]
    gram = (matrix.T @ matrix).astype(np.float64)
    second_moment = np.diag(gram) / n_points
    mean_share = np.divide(mean**2, second_moment, out=np.zeros_like(mean), where=second_moment > 0)
    centred: FloatMatrix | None = None
    if np.max(mean_share) <= _MAX_MEAN_SHARE:
        scatter = gram - n_points * np.outer(mean, mean)
    else:
        centred = matrix - mean.astype(matrix.dtype)
        scatter = (centred.T @ centred).astype(np.float64)
    eigenvalues, eigenvectors = np.linalg.eigh(scatter)
    order = np.argsort(eigenvalues)[::-1][:k]
    variance = np.clip(eigenvalues[order], 0.0, None) / (n_points - 1)
    total_variance = float(np.clip(np.trace(scatter), 0.0, None)) / (n_points - 1)
    return centred, eigenvectors[:, order].T, variance, total_variance


def _svd_components(
    centred: npt.NDArray[np.float64], k: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    import scipy.linalg

    try:
        _, singular_values, vt = scipy.linalg.svd(
            centred, full_matrices=False, check_finite=False, lapack_driver="gesdd"
        )
    except np.linalg.LinAlgError:
        # gesdd occasionally fails to converge on degenerate input; gesvd is slower but sturdy.
        _, singular_values, vt = scipy.linalg.svd(
            centred, full_matrices=False, check_finite=False, lapack_driver="gesvd"
        )
    variance = singular_values[:k] ** 2 / (centred.shape[0] - 1)
    return vt[:k], variance


def _randomized_components(
    centred: FloatMatrix, k: int, random_state: int, n_oversamples: int = 10, n_power: int = 4
) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Top-k right singular vectors by a randomized range finder (Halko et al., 2011)."""
    import scipy.linalg

    n_points, n_dims = centred.shape
    sketch_size = min(k + n_oversamples, n_points, n_dims)
    rng = np.random.default_rng(random_state)
    basis = centred @ rng.standard_normal((n_dims, sketch_size)).astype(centred.dtype)
    for _ in range(n_power):
        # LU is a cheaper normaliser than QR between power steps and keeps them stable.
        basis, _ = scipy.linalg.lu(basis, permute_l=True, check_finite=False)
        basis, _ = scipy.linalg.lu(centred.T @ basis, permute_l=True, check_finite=False)
        basis = centred @ basis
    basis, _ = scipy.linalg.qr(basis, mode="economic", check_finite=False)
    small = basis.T @ centred
    _, singular_values, vt = scipy.linalg.svd(small, full_matrices=False, check_finite=False)
    return vt[:k], singular_values[:k].astype(np.float64)


def _fix_signs(components: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Flip each component so its largest-magnitude entry is positive (stable across solvers)."""
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(components.shape[0]), largest])
    signs[signs == 0] = 1.0
    return components * signs[:, None]

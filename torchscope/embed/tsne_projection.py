"""t-SNE with openTSNE: FFT-accelerated gradients in 2-D, Barnes-Hut in 3-D, multi-threaded."""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ._arrays import FloatMatrix, as_matrix, check_positive_int
from .cache import ProjectionCache, cache_key, resolve_cache
from .neighbors import NeighborIndex
from .pca_projection import pca
from .progress import Phase, ProgressCallback, ProgressReporter, SupportsIsSet
from .results import Projection

Initialization = Literal["pca", "spectral", "random"]
Metric = Literal["euclidean", "cosine"]
NeighborSearch = Literal["auto", "exact", "approx"]
GradientMethod = Literal["auto", "fft", "bh"]

#: Up to this many points the exact, BLAS brute-force neighbour search beats Annoy.
EXACT_NEIGHBORS_MAX_POINTS = 10_000
#: From about this many points the FFT-interpolated gradient beats Barnes-Hut in 2-D: its
#: interpolation grid costs the same at any size, so smaller sets are faster with Barnes-Hut
#: (5,000 x 64 on an idle 2-core machine: Barnes-Hut 9.4 s, FFT 19.6 s, same neighbour quality).
FFT_MIN_POINTS = 10_000

#: In 2-D with the automatic choice, the early-exaggeration phase (which only gathers the
#: clusters) runs on a coarse FFT grid from this many points on: 2.5x cheaper per iteration than
#: Barnes-Hut there, and the layout it hands over ends the normal phase with the same neighbour
#: quality (5,000 x 64: 10-NN kept 0.452 either way, 24% less CPU in all).
COARSE_EXAGGERATION_MIN_POINTS = 2_000
_COARSE_FFT = {"negative_gradient_method": "fft", "ints_in_interval": 2, "min_num_intervals": 10}

# Rough shares of the run time, so Progress.fraction advances evenly across phases.
_PHASES = [
    Phase("neighbors", 0.2),
    Phase("initialization", 0.02),
    Phase("early_exaggeration", 0.26),
    Phase("optimization", 0.52),
]


def tsne(
    X: npt.ArrayLike,
    dims: int = 2,
    perplexity: float = 30.0,
    *,
    n_iter: int = 500,
    early_exaggeration_iter: int = 250,
    early_exaggeration: float = 12.0,
    learning_rate: float | Literal["auto"] = "auto",
    metric: Metric = "euclidean",
    neighbors: NeighborSearch = "auto",
    gradient: GradientMethod = "auto",
    initialization: Initialization | npt.ArrayLike = "pca",
    random_state: int = 0,
    n_jobs: int | None = None,
    progress: ProgressCallback | None = None,
    progress_every: int = 10,
    cancel: SupportsIsSet | None = None,
    cache: ProjectionCache | bool = True,
) -> Projection:
    """Lay out the rows of ``X`` in ``dims`` (2 or 3) dimensions with t-SNE.

    The run follows openTSNE's defaults: a perplexity-based affinity over each point's
    3 x perplexity nearest neighbours, ``early_exaggeration_iter`` steps with
    exaggerated attraction, then ``n_iter`` normal steps. Two dimensions use the FFT-interpolated
    gradient (O(n)) from 10,000 points on; three use Barnes-Hut, the only method openTSNE has for
    3-D, as do small sets, where it is faster. With ``gradient="auto"``, 2-D sets of 2,000 to
    10,000 points run the early-exaggeration phase on a coarse FFT grid (it only gathers the
    clusters; the Barnes-Hut phase after it sets the local structure).

    Args:
        X: points x dimensions.
        dims: 2 or 3 output dimensions.
        perplexity: roughly the number of neighbours each point keeps close (5..50 is usual).
            openTSNE lowers it, with a warning, when there are too few points.
        n_iter, early_exaggeration_iter, early_exaggeration, learning_rate: optimisation
            settings; ``"auto"`` learning rate is n / exaggeration (Belkina et al., 2019).
        metric: distance between the original vectors, ``"euclidean"`` or ``"cosine"``.
        neighbors: ``"exact"`` (brute force, fast up to ~10,000 points), ``"approx"``
            (Annoy random-projection trees) or ``"auto"`` (exact up to 10,000 points).
        gradient: ``"fft"`` (2-D only), ``"bh"`` (Barnes-Hut) or ``"auto"`` (see above).
        initialization: ``"pca"`` (first principal components, deterministic), ``"spectral"``,
            ``"random"`` or an n x dims array.
        random_state: seed for neighbours, initialisation and jitter.
        n_jobs: threads; default all cores.
        progress: called with a :class:`~torchscope.embed.progress.Progress` after the
            neighbour search and every ``progress_every`` iterations (with the current layout).
        cancel: a CancelToken or threading.Event; once set, the run stops at the next check and
            raises :class:`~torchscope.embed.progress.ProjectionCancelled`.
        cache: ``True`` for the shared cache, ``False`` for none, or a ProjectionCache.
    """
    matrix = as_matrix(X, "X", min_rows=3)
    n_points = matrix.shape[0]
    if dims not in (2, 3) or isinstance(dims, bool):
        raise ValueError(f"dims must be 2 or 3, got {dims!r}")
    perplexity = _check_positive_float(perplexity, "perplexity")
    n_iter = check_positive_int(n_iter, "n_iter", minimum=0)
    early_exaggeration_iter = check_positive_int(
        early_exaggeration_iter, "early_exaggeration_iter", minimum=0
    )
    early_exaggeration = _check_positive_float(early_exaggeration, "early_exaggeration")
    if learning_rate != "auto":
        learning_rate = _check_positive_float(learning_rate, "learning_rate")
    if metric not in ("euclidean", "cosine"):
        raise ValueError(f"metric must be 'euclidean' or 'cosine', got {metric!r}")
    if neighbors not in ("auto", "exact", "approx"):
        raise ValueError(f"neighbors must be 'auto', 'exact' or 'approx', got {neighbors!r}")
    if neighbors == "auto":
        neighbors = "exact" if n_points <= EXACT_NEIGHBORS_MAX_POINTS else "approx"
    if gradient not in ("auto", "fft", "bh"):
        raise ValueError(f"gradient must be 'auto', 'fft' or 'bh', got {gradient!r}")
    if gradient == "fft" and dims == 3:
        raise ValueError("gradient='fft' supports dims=2 only; use 'bh' or 'auto' for 3-D")
    coarse_exaggeration = False
    if gradient == "auto":
        gradient = "fft" if dims == 2 and n_points >= FFT_MIN_POINTS else "bh"
        coarse_exaggeration = (
            dims == 2 and gradient == "bh" and n_points >= COARSE_EXAGGERATION_MIN_POINTS
        )
    progress_every = check_positive_int(progress_every, "progress_every")
    random_state = check_positive_int(random_state, "random_state", minimum=0)
    threads = _resolve_threads(n_jobs)
    initial, initial_key = _check_initialization(initialization, n_points, dims)
    reporter = ProgressReporter("tsne", _PHASES, progress, cancel)

    params: dict[str, Any] = {
        "dims": dims,
        "perplexity": perplexity,
        "n_iter": n_iter,
        "early_exaggeration_iter": early_exaggeration_iter,
        "early_exaggeration": early_exaggeration,
        "learning_rate": learning_rate,
        "metric": metric,
        "neighbors": neighbors,
        "gradient": gradient,
        "exaggeration_gradient": "fft-coarse" if coarse_exaggeration else gradient,
        "initialization": initial_key,
        "random_state": random_state,
    }

    def compute() -> Projection:
        coordinates, kl = _run(
            matrix,
            params,
            initial,
            threads=threads,
            reporter=reporter,
            progress_every=progress_every,
        )
        return Projection("tsne", coordinates, params=params, kl_divergence=kl)

    store = resolve_cache(cache)
    if store is None:
        return compute()
    return store.get_or_compute(cache_key("tsne", matrix, params), compute)


def _run(
    matrix: FloatMatrix,
    params: dict[str, Any],
    initial: npt.NDArray[np.float64] | str,
    *,
    threads: int,
    reporter: ProgressReporter,
    progress_every: int,
) -> tuple[npt.NDArray[np.float32], float | None]:
    from openTSNE import TSNEEmbedding, affinity
    from openTSNE import initialization as initialization_schemes
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    dims: int = params["dims"]
    seed: int = params["random_state"]
    n_points = matrix.shape[0]
    reporter.report("neighbors", 0, n_points)
    if params["neighbors"] == "exact":
        k_neighbors = min(n_points - 1, max(1, int(3 * params["perplexity"])))
        graph = NeighborIndex(matrix, params["metric"]).graph(
            k_neighbors, on_block=lambda done, total: reporter.report("neighbors", done, total)
        )
        affinities = affinity.PerplexityBasedNN(
            perplexity=params["perplexity"],
            knn_index=PrecomputedNeighbors(graph.indices, graph.distances),
        )
    else:
        affinities = affinity.PerplexityBasedNN(
            matrix,
            perplexity=params["perplexity"],
            method="annoy",
            metric=params["metric"],
            n_jobs=threads,
            random_state=seed,
        )
    reporter.report("neighbors", n_points, n_points)

    if isinstance(initial, np.ndarray):
        start = np.array(initial, dtype=np.float64)
    elif initial == "pca":
        # Our PCA has deterministic signs, so the same data always starts from the same layout.
        start = pca(matrix, dims, cache=False).coordinates.astype(np.float64)
        start = initialization_schemes.rescale(start)
        start = initialization_schemes.jitter(start, random_state=seed)
    elif initial == "spectral":
        start = initialization_schemes.spectral(affinities.P, dims, random_state=seed)
    else:
        start = initialization_schemes.random(matrix.shape[0], dims, random_state=seed)
    reporter.report("initialization", 1, 1)

    last_error: list[float] = []

    def on_iteration(phase: str, total: int) -> Any:
        def callback(iteration: int, error: float, embedding: npt.NDArray[Any]) -> bool:
            last_error.append(float(error))
            reporter.report(phase, iteration, total, coordinates=embedding)
            return False  # cancellation raises from report(); never ask openTSNE to stop

        return callback

    embedding = TSNEEmbedding(
        np.ascontiguousarray(start),
        affinities,
        negative_gradient_method=params["gradient"],
        learning_rate=params["learning_rate"],
        n_jobs=threads,
        random_state=seed,
        callbacks_every_iters=progress_every,
    )
    ee_iter: int = params["early_exaggeration_iter"]
    if ee_iter:
        coarse = _COARSE_FFT if params["exaggeration_gradient"] == "fft-coarse" else {}
        embedding = embedding.optimize(
            n_iter=ee_iter,
            exaggeration=params["early_exaggeration"],
            momentum=0.5,
            inplace=True,
            callbacks=[on_iteration("early_exaggeration", ee_iter)],
            **coarse,
        )
    reporter.report("early_exaggeration", ee_iter, ee_iter)
    last_error.clear()
    main_iter: int = params["n_iter"]
    if main_iter:
        embedding = embedding.optimize(
            n_iter=main_iter,
            momentum=0.8,
            inplace=True,
            callbacks=[on_iteration("optimization", main_iter)],
        )
    reporter.report("optimization", main_iter, main_iter, coordinates=embedding)
    kl = last_error[-1] if last_error else None
    return np.asarray(embedding, dtype=np.float32), kl


def _check_positive_float(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value}")
    return float(value)


def _resolve_threads(n_jobs: int | None) -> int:
    if n_jobs is None:
        return os.cpu_count() or 1
    return check_positive_int(n_jobs, "n_jobs")


def _check_initialization(
    initialization: Any, n_points: int, dims: int
) -> tuple[npt.NDArray[np.float64] | str, str]:
    """The initial layout (array or scheme name) and how it enters the cache key."""
    if isinstance(initialization, str):
        if initialization not in ("pca", "spectral", "random"):
            raise ValueError(
                f"initialization must be 'pca', 'spectral', 'random' or an array, "
                f"got {initialization!r}"
            )
        return initialization, initialization
    start = as_matrix(initialization, "initialization").astype(np.float64)
    if start.shape != (n_points, dims):
        raise ValueError(f"initialization must have shape ({n_points}, {dims}), got {start.shape}")
    return start, "array:" + cache_key("initialization", start, {})

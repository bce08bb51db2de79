"""UMAP layouts through the optional umap-learn package (``pip install torchscope[umap]``)."""

from __future__ import annotations

import re
from typing import Any

import numpy.typing as npt

from ._arrays import as_matrix, check_positive_int
from .cache import ProjectionCache, cache_key, resolve_cache
from .progress import Phase, ProgressCallback, ProgressReporter, SupportsIsSet
from .results import Projection

INSTALL_HINT = (
    "UMAP needs the optional umap-learn package, which is not installed: "
    "pip install torchscope[umap]"
)

_PHASES = [Phase("neighbors", 0.4), Phase("optimization", 0.6)]
_EPOCH_COUNTER = re.compile(r"(\d+)/(\d+)")


def _import_umap() -> Any:
    try:
        import umap as umap_learn
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return umap_learn


def umap(
    X: npt.ArrayLike,
    dims: int = 2,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    *,
    metric: str = "euclidean",
    n_epochs: int | None = None,
    random_state: int | None = 0,
    progress: ProgressCallback | None = None,
    cancel: SupportsIsSet | None = None,
    cache: ProjectionCache | bool = True,
) -> Projection:
    """Lay out the rows of ``X`` in ``dims`` (2 or 3) dimensions with UMAP.

    Args:
        X: points x dimensions.
        dims: 2 or 3 output dimensions.
        n_neighbors: size of the local neighbourhood (larger keeps more global structure).
        min_dist: how tightly points may pack together in the layout.
        metric: any metric name umap-learn accepts (``"euclidean"``, ``"cosine"``, ...).
        n_epochs: optimisation epochs; default umap-learn's choice (200 or 500 by size).
        random_state: seed; ``None`` lets umap-learn use all cores but is not reproducible.
        progress: called with a :class:`~torchscope.embed.progress.Progress` at the start
            and after every optimisation epoch.
        cancel: a CancelToken or threading.Event, checked at every report; raises
            :class:`~torchscope.embed.progress.ProjectionCancelled`.
        cache: ``True`` for the shared cache, ``False`` for none, or a ProjectionCache.

    Raises:
        ImportError: umap-learn is not installed (the message says how to install it).
    """
    umap_learn = _import_umap()
    matrix = as_matrix(X, "X", min_rows=3)
    if dims not in (2, 3) or isinstance(dims, bool):
        raise ValueError(f"dims must be 2 or 3, got {dims!r}")
    n_neighbors = check_positive_int(n_neighbors, "n_neighbors", minimum=2)
    if n_neighbors >= matrix.shape[0]:
        raise ValueError(
            f"n_neighbors must be smaller than the number of points ({matrix.shape[0]}), "
            f"got {n_neighbors}"
        )
    if isinstance(min_dist, bool) or not isinstance(min_dist, (int, float)) or min_dist < 0:
        raise ValueError(f"min_dist must be a non-negative number, got {min_dist!r}")
    if not isinstance(metric, str):
        raise TypeError(f"metric must be a metric name, got {type(metric).__name__}")
    if n_epochs is not None:
        n_epochs = check_positive_int(n_epochs, "n_epochs")
    if random_state is not None:
        random_state = check_positive_int(random_state, "random_state", minimum=0)
    reporter = ProgressReporter("umap", _PHASES, progress, cancel)
    params: dict[str, Any] = {
        "dims": dims,
        "n_neighbors": n_neighbors,
        "min_dist": float(min_dist),
        "metric": metric,
        "n_epochs": n_epochs,
        "random_state": random_state,
    }

    def compute() -> Projection:
        reporter.report("neighbors", 0, 1)
        epochs = _EpochReporter(reporter)
        model = umap_learn.UMAP(
            n_components=dims,
            n_neighbors=n_neighbors,
            min_dist=float(min_dist),
            metric=metric,
            n_epochs=n_epochs,
            random_state=random_state,
            # A seed makes umap-learn single-threaded anyway; saying so avoids its warning.
            n_jobs=1 if random_state is not None else -1,
            # umap-learn reports epochs only through tqdm: route its bar into our reporter.
            tqdm_kwds={
                "disable": False,
                "file": epochs,
                "mininterval": 0,
                "miniters": 1,
                "bar_format": "{n}/{total}",
                "ascii": True,
            },
        )
        coordinates = model.fit_transform(matrix)
        reporter.report("optimization", epochs.total, epochs.total)
        return Projection("umap", coordinates, params=params)

    store = resolve_cache(cache)
    if store is None:
        return compute()
    return store.get_or_compute(cache_key("umap", matrix, params), compute)


class _EpochReporter:
    """A text stream for tqdm that turns "n/total" updates into progress reports."""

    def __init__(self, reporter: ProgressReporter) -> None:
        self._reporter = reporter
        self._started = False
        self._stopped = False
        self.total = 1  # the epoch count once tqdm has announced it

    def write(self, text: str) -> int:
        found = _EPOCH_COUNTER.findall(text)
        if not found or self._stopped:
            return len(text)
        if not self._started:
            # The first epoch report means the neighbour graph is done.
            self._started = True
            self._reporter.report("neighbors", 1, 1)
        done, total = (int(value) for value in found[-1])
        self.total = max(total, 1)
        try:
            self._reporter.report("optimization", done, total)
        except BaseException:
            self._stopped = True  # tqdm redraws on close; raise only once
            raise
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

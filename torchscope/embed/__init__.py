"""torchscope.embed: projections and projector data for the embedding projector.

Plain functions that work in a notebook without a server::

    from torchscope.embed import pca, tsne, umap, nearest_neighbors
    result = tsne(vectors, dims=2, perplexity=30, progress=print)
    result.coordinates            # (n, 2) float32

Every projection caches its result by content, reports progress, and stops with
:class:`ProjectionCancelled` when its cancel token is set. :class:`ProjectionJob` runs one on a
background thread for a server to poll.
"""

from __future__ import annotations

from .cache import ProjectionCache, cache_key, default_cache, set_default_cache
from .jobs import JobStatus, ProjectionJob
from .neighbors import NeighborIndex, Neighbors, nearest_neighbors
from .pca_projection import pca
from .progress import CancelToken, Progress, ProjectionCancelled
from .projector_config import (
    EmbeddingInfo,
    ProjectorConfig,
    ProjectorDataError,
    SpriteInfo,
    parse_projector_config,
)
from .projector_data import (
    EmbeddingData,
    EmbeddingMetadata,
    ProjectorRun,
    Sprite,
    find_projector_runs,
    read_embedding,
    read_metadata,
    read_sprite,
    read_tensor,
)
from .quality import knn_preservation
from .results import PCAResult, Projection
from .tsne_projection import tsne
from .umap_projection import umap

__all__ = [
    "CancelToken",
    "EmbeddingData",
    "EmbeddingInfo",
    "EmbeddingMetadata",
    "JobStatus",
    "NeighborIndex",
    "Neighbors",
    "PCAResult",
    "Progress",
    "Projection",
    "ProjectionCache",
    "ProjectionCancelled",
    "ProjectionJob",
    "ProjectorConfig",
    "ProjectorDataError",
    "ProjectorRun",
    "Sprite",
    "SpriteInfo",
    "cache_key",
    "default_cache",
    "find_projector_runs",
    "knn_preservation",
    "nearest_neighbors",
    "parse_projector_config",
    "pca",
    "read_embedding",
    "read_metadata",
    "read_sprite",
    "read_tensor",
    "set_default_cache",
    "tsne",
    "umap",
]

"""The body of ``POST projection``, checked and turned into a projection function's arguments.

Only the parameters a viewer needs are accepted, each with its range, so a request can neither
pass arbitrary keyword arguments to the embed library nor ask for a run that never ends.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from typing import Any

from torchscope.embed.umap_projection import INSTALL_HINT
from torchscope.logdir.serving import BadRequest

METHODS = ("pca", "tsne", "umap")
#: PCA computes this many components (or fewer for small data); the viewer picks among them.
PCA_COMPONENTS = 10
#: Most optimisation iterations a client may ask of t-SNE (and epochs of UMAP).
MAX_ITERATIONS = 5000


@dataclass(frozen=True)
class ProjectionRequest:
    """A checked projection request."""

    run: str
    name: str
    method: str
    dims: int
    params: dict[str, Any]

    def key(self) -> tuple[Any, ...]:
        """What identifies equal requests (for reusing a job)."""
        return (self.run, self.name, self.method, self.dims, tuple(sorted(self.params.items())))


def umap_available() -> bool:
    """Whether the optional umap-learn package can be imported."""
    return importlib.util.find_spec("umap") is not None


def _number(params: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise BadRequest(f"params.{name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise BadRequest(f"params.{name} must be between {low:g} and {high:g}, got {value}")
    return float(value)


def _integer(params: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"params.{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise BadRequest(f"params.{name} must be between {low} and {high}, got {value}")
    return value


def _metric(params: dict[str, Any]) -> str | None:
    metric = params.get("metric")
    if metric is not None and metric not in ("euclidean", "cosine"):
        raise BadRequest(f"params.metric must be 'euclidean' or 'cosine', got {metric!r}")
    return metric


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def parse_projection_request(body: Any, n_points: int, n_dims: int) -> ProjectionRequest:
    """Check a decoded JSON body against an embedding of ``n_points`` x ``n_dims``.

    Raises:
        BadRequest: a field is missing, of the wrong type or out of range, the method is
            unknown, or UMAP was asked for without umap-learn installed.
    """
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object {run, name, method, dims, params}")
    run, name, method = body.get("run"), body.get("name"), body.get("method", "pca")
    for field_name, value in (("run", run), ("name", name)):
        if not isinstance(value, str) or not value:
            raise BadRequest(f"{field_name} must be a non-empty string, got {value!r}")
    if method not in METHODS:
        raise BadRequest(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    dims = body.get("dims", 2)
    if dims not in (2, 3) or isinstance(dims, bool):
        raise BadRequest(f"dims must be 2 or 3, got {dims!r}")
    params = body.get("params") or {}
    if not isinstance(params, dict):
        raise BadRequest(f"params must be a JSON object, got {params!r}")
    known = {
        "pca": {"components"},
        "tsne": {"perplexity", "iterations", "learning_rate", "metric", "random_state"},
        "umap": {"n_neighbors", "min_dist", "iterations", "metric", "random_state"},
    }[method]
    unknown = sorted(set(params) - known)
    if unknown:
        raise BadRequest(
            f"params {', '.join(unknown)} not accepted by {method}; "
            f"known: {', '.join(sorted(known))}"
        )
    assert isinstance(run, str) and isinstance(name, str)  # checked above (for mypy)
    minimum_points = 2 if method == "pca" else 4
    if n_points < minimum_points:
        raise BadRequest(f"{method} needs at least {minimum_points} points, this has {n_points}")

    arguments: dict[str, Any]
    if method == "pca":
        limit = min(n_points, n_dims)
        wanted = _integer(params, "components", 1, limit)
        arguments = {"k": wanted if wanted is not None else min(PCA_COMPONENTS, limit)}
        # PCA always gives every component; dims only says how many the client shows first.
    elif method == "tsne":
        perplexity = _number(params, "perplexity", 1.0, 100.0)
        arguments = _drop_none(
            {
                "dims": dims,
                # openTSNE needs 3 x perplexity < n; lower it for tiny sets rather than fail.
                "perplexity": min(perplexity or 30.0, max(1.0, (n_points - 1) / 3)),
                "n_iter": _integer(params, "iterations", 0, MAX_ITERATIONS),
                "learning_rate": _number(params, "learning_rate", 1.0, 1e6),
                "metric": _metric(params),
                "random_state": _integer(params, "random_state", 0, 2**31 - 1),
            }
        )
    else:
        if not umap_available():
            raise BadRequest(INSTALL_HINT)
        neighbors = _integer(params, "n_neighbors", 2, 200)
        arguments = _drop_none(
            {
                "dims": dims,
                "n_neighbors": min(neighbors or 15, n_points - 1),
                "min_dist": _number(params, "min_dist", 0.0, 1.0),
                "n_epochs": _integer(params, "iterations", 1, MAX_ITERATIONS),
                "metric": _metric(params),
                "random_state": _integer(params, "random_state", 0, 2**31 - 1),
            }
        )
    return ProjectionRequest(run=run, name=name, method=method, dims=dims, params=arguments)


__all__ = ["METHODS", "ProjectionRequest", "parse_projection_request", "umap_available"]

"""Distributions: each step's histogram summarized at nine percentiles.

``distributions?run&tag`` answers ``[[wall_time, step, [[bp, value], ...]], ...]`` where ``bp``
are the basis points 0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000 (the minimum, ±1, 2 and
3 standard deviations of a normal distribution, the median and the maximum) and ``value`` is the
inverse cumulative distribution of the histogram at ``bp / 10000``, interpolated linearly
inside a bucket, as TensorBoard's distributions dashboard computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.logdir.serving import LogdirPlugin, endpoint, json_response, query_param
from torchscope.plugins.histograms import histogram_series, histogram_tag_index

BASIS_POINTS: tuple[int, ...] = (0, 668, 1587, 3085, 5000, 6915, 8413, 9332, 10000)


def compress_histogram(
    rows: npt.NDArray[np.float64], basis_points: Sequence[int] = BASIS_POINTS
) -> list[list[float]]:
    """``[[bp, value], ...]``: the value below which ``bp / 10000`` of the counts lie."""
    if rows.shape[0] == 0:
        return [[bp, 0.0] for bp in basis_points]
    lowest, highest = float(rows[0, 0]), float(rows[-1, 1])
    counts = rows[:, 2]
    total = float(counts.sum()) or 1.0
    cumulative = np.cumsum(counts * (basis_points[-1] / total))
    right_edges = rows[:, 1]
    result: list[list[float]] = []
    for position, bp in enumerate(basis_points):
        i = int(np.searchsorted(cumulative, bp, side="right"))
        # Skip empty buckets: they hold no mass to interpolate in.
        while i < cumulative.shape[0] and cumulative[i] == (cumulative[i - 1] if i else 0.0):
            i += 1
        if i >= cumulative.shape[0]:
            result.extend([b, highest] for b in basis_points[position:])
            break
        below = float(cumulative[i - 1]) if i else 0.0
        left = lowest if i == 0 or below == 0 else max(float(right_edges[i - 1]), lowest)
        right = min(float(right_edges[i]), highest)
        value = left + (bp - below) * (right - left) / (float(cumulative[i]) - below)
        result.append([bp, value])
    return result


class DistributionsPlugin(LogdirPlugin):
    """The distributions view of histogram data."""

    name: ClassVar[str] = "distributions"
    tab_name: ClassVar[str] = "Distributions"
    data_plugins: ClassVar[tuple[str, ...]] = ("histograms",)

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/distributions", endpoint(self._distributions)),
        ]

    def _tags(self, request: Request) -> Response:
        return json_response(histogram_tag_index(self.store), finite=True)

    def _distributions(self, request: Request) -> Response:
        run, tag = query_param(request, "run"), query_param(request, "tag")
        series = histogram_series(self.store, run, tag)
        return json_response(
            [[wall, step, compress_histogram(rows)] for wall, step, rows in series]
        )


__all__ = ["BASIS_POINTS", "DistributionsPlugin", "compress_histogram"]

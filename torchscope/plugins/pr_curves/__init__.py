"""PR curves: precision/recall (and the four counts) per threshold, per step.

Routes (TensorBoard's): ``tags`` (``{run: {tag: {displayName, description}}}``) and
``pr_curves?run=R[&run=R2...]&tag=T`` (``{run: [{"wall_time", "step", "precision", "recall",
"true_positives", "false_positives", "true_negatives", "false_negatives", "thresholds"}]}``).
Thresholds where no example was predicted positive any more are cut off the end, as
TensorBoard does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import TensorProto
from torchscope.logdir.serving import BadRequest, LogdirPlugin, endpoint, json_response
from torchscope.logdir.store import UnknownRunError, UnknownTagError
from torchscope.logdir.tensors import tensor_to_numpy
from torchscope.plugins.text.render import markdown_to_safe_html

_TP, _FP, _TN, _FN, _PRECISION, _RECALL = range(6)


def pr_entry(step: int, wall_time: float, data: np.ndarray[Any, Any]) -> dict[str, Any]:
    """One step's curve from its ``[6, thresholds]`` tensor."""
    positives = data[[_TP, _FP], :].astype(np.int64).sum(axis=0)
    end = len(positives)
    while end > 1 and positives[end - 1] == 0:
        end -= 1
    thresholds = np.linspace(0.0, 1.0, data.shape[1])
    counts = data[:4, :end].astype(np.int64).tolist()
    return {
        "wall_time": wall_time,
        "step": step,
        "precision": data[_PRECISION, :end].tolist(),
        "recall": data[_RECALL, :end].tolist(),
        "true_positives": counts[_TP],
        "false_positives": counts[_FP],
        "true_negatives": counts[_TN],
        "false_negatives": counts[_FN],
        "thresholds": thresholds[:end].tolist(),
    }


class PrCurvesPlugin(LogdirPlugin):
    """Precision-recall curves logged with ``add_pr_curve``."""

    name: ClassVar[str] = "pr_curves"
    tab_name: ClassVar[str] = "PR Curves"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/tags", endpoint(self._tags)),
            Route("/pr_curves", endpoint(self._pr_curves)),
        ]

    def _tags(self, request: Request) -> Response:
        index = {
            run: {
                tag: {
                    "displayName": info.display_name,
                    "description": markdown_to_safe_html(info.description),
                }
                for tag, info in tags.items()
            }
            for run, tags in self.store.tags(self.name).items()
        }
        return json_response(index, finite=True)

    def _pr_curves(self, request: Request) -> Response:
        runs = request.query_params.getlist("run")
        tag = request.query_params.get("tag")
        if not runs:
            raise BadRequest("no run given (repeat the 'run' parameter for several)")
        if not tag:
            raise BadRequest("missing query parameter 'tag'")
        answer: dict[str, list[dict[str, Any]]] = {}
        for run in runs:
            try:
                if self.store.tag_info(run, tag).plugin != self.name:
                    continue
                samples = self.store.samples(run, tag)
            except (UnknownRunError, UnknownTagError):
                continue  # runs without this curve are left out, as TensorBoard does
            entries = []
            for item in samples:
                try:
                    data = tensor_to_numpy(TensorProto.FromString(item.payload))
                except ValueError:
                    continue  # not a PR curve tensor: skipped like a damaged record
                if data.ndim == 2 and data.shape[0] >= 6:
                    entries.append(pr_entry(item.step, item.wall_time, data.astype(np.float64)))
            answer[run] = entries
        if not answer:
            raise UnknownTagError(f"no PR curve {tag!r} in runs {runs!r}")
        return json_response(answer)


__all__ = ["PrCurvesPlugin", "pr_entry"]

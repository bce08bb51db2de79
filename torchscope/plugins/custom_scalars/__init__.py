"""Custom scalars: the chart layouts written with ``add_custom_scalars``, and their data.

Routes (TensorBoard's): ``layout`` (the layouts of every run merged: categories with the same
title pool their charts; ``{}`` when there is none) and ``scalars?run&tag=<regex>``
(``{"regex_valid": bool, "tag_to_events": {tag: [[wall_time, step, value], ...]}}`` for the
scalar tags of ``run`` that the regular expression matches from their start).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import Layout, TensorProto
from torchscope.logdir.serving import LogdirPlugin, endpoint, json_response, query_param
from torchscope.logdir.tensors import tensor_to_numpy
from torchscope.plugins.scalars.series import tb_rows

CONFIG_TAG = "custom_scalars__config__"


class CustomScalarsPlugin(LogdirPlugin):
    """Dashboards of scalar charts laid out by the training script."""

    name: ClassVar[str] = "custom_scalars"
    tab_name: ClassVar[str] = "Custom Scalars"

    def routes(self) -> Sequence[BaseRoute]:
        return [
            Route("/layout", endpoint(self._layout)),
            Route("/scalars", endpoint(self._scalars)),
        ]

    def merged_layout(self) -> dict[str, Any]:
        """Every run's layout merged, runs in name order (TensorBoard's rule)."""
        merged: Any = None
        by_title: dict[str, Any] = {}
        for run in sorted(self.store.tags(self.name)):
            samples = self.store.samples(run, CONFIG_TAG) if self._has_config(run) else []
            if not samples:
                continue
            layout = Layout.FromString(_layout_bytes(samples[-1].payload))
            if merged is None:
                merged = layout
                by_title = {category.title: category for category in merged.category}
                continue
            for category in layout.category:
                known = by_title.get(category.title)
                if known is None:
                    added = merged.category.add()
                    added.MergeFrom(category)
                    by_title[category.title] = added
                else:
                    known.chart.extend(c for c in category.chart if c not in known.chart)
        if merged is None:
            return {}
        layout_dict: dict[str, Any] = json_format.MessageToDict(merged)
        return layout_dict

    def _has_config(self, run: str) -> bool:
        return CONFIG_TAG in self.store.tags(self.name).get(run, {})

    def _layout(self, request: Request) -> Response:
        return json_response(self.merged_layout(), finite=True)

    def _scalars(self, request: Request) -> Response:
        run, pattern = query_param(request, "run"), request.query_params.get("tag", "")
        try:
            regex = re.compile(pattern) if pattern else None
        except re.error:
            regex = None
        if regex is None:
            return json_response({"regex_valid": False, "tag_to_events": {}}, finite=True)
        tags = self.store.tags("scalars").get(run, {})
        events = {tag: tb_rows(self.store.scalars(run, tag)) for tag in tags if regex.match(tag)}
        return json_response({"regex_valid": True, "tag_to_events": events}, finite=True)


def _layout_bytes(payload: bytes) -> bytes:
    value = tensor_to_numpy(TensorProto.FromString(payload)).reshape(-1)[0]
    return bytes(value)


__all__ = ["CustomScalarsPlugin"]

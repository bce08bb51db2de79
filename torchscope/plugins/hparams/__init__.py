"""HParams: one session per run that logged ``add_hparams``, with its metric values.

Routes (TensorBoard's names, GET or POST):

* ``experiment``: ``{"hparamInfos": [...], "metricInfos": [...]}`` from the experiment summary
  (``_hparams_/experiment``), or computed from the sessions when there is none;
* ``session_groups``: ``{"sessionGroups": [{"name", "hparams", "metricValues", "sessions"}],
  "totalSize"}``; a metric's value is the last point of its scalar tag in the session's run
  (or in the sub-run its ``group`` names). TensorBoard's ListSessionGroupsRequest (POST body or
  ``?request=``) filters, sorts and slices them: see :mod:`.query`;
* ``sessions`` (torchscope's, for the table view): ``[{"run", "hparams", "metrics", "status"}]``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from typing import Any, ClassVar

import orjson
from google.protobuf import json_format
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from torchscope.events.messages import HParamsPluginData
from torchscope.logdir.serving import (
    BadRequest,
    LogdirPlugin,
    endpoint,
    finite_or_string,
    in_thread,
    json_response,
)
from torchscope.logdir.store import UnknownRunError, UnknownTagError

from .query import parse_query

EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_TAG = "_hparams_/session_start_info"
SESSION_END_TAG = "_hparams_/session_end_info"
_STATUS_NAMES = {0: "STATUS_UNKNOWN", 1: "STATUS_SUCCESS", 2: "STATUS_FAILURE", 3: "STATUS_RUNNING"}


class HParamsPlugin(LogdirPlugin):
    """Hyperparameter sessions and their metrics."""

    name: ClassVar[str] = "hparams"
    tab_name: ClassVar[str] = "HParams"

    def routes(self) -> Sequence[BaseRoute]:
        methods = ["GET", "POST"]
        return [
            Route("/experiment", endpoint(self._experiment), methods=methods),
            Route("/session_groups", self._session_groups_route, methods=methods),
            Route("/sessions", endpoint(self._sessions)),
        ]

    # -- reading the plugin data -------------------------------------------------------------

    def _plugin_data(self) -> dict[str, dict[str, Any]]:
        """``{run: {tag: HParamsPluginData}}`` of every hparams tag."""
        return {
            run: {
                tag: HParamsPluginData.FromString(info.plugin_content) for tag, info in tags.items()
            }
            for run, tags in self.store.tags(self.name).items()
        }

    def sessions(self) -> list[dict[str, Any]]:
        """One entry per session run: hparams, last metric values, status, times."""
        data = self._plugin_data()
        experiment = self.experiment(data)
        metric_names = [
            (info["name"].get("tag", ""), info["name"].get("group", ""))
            for info in experiment.get("metricInfos", [])
        ]
        result = []
        for run, tags in data.items():
            start = tags.get(SESSION_START_TAG)
            if start is None:
                continue
            start_info = start.session_start_info
            end = tags.get(SESSION_END_TAG)
            status = (
                _STATUS_NAMES.get(end.session_end_info.status, "STATUS_UNKNOWN")
                if end
                else ("STATUS_UNKNOWN")
            )
            metrics = []
            for tag, group in metric_names:
                value = self._last_scalar(posixpath.join(run, group) if group else run, tag)
                if value is not None:
                    metrics.append({"name": {"tag": tag, "group": group}, **value})
            result.append(
                {
                    "run": run,
                    "group": start_info.group_name or run,
                    "hparams": {
                        key: json_format.MessageToDict(value)
                        for key, value in start_info.hparams.items()
                    },
                    "metricValues": metrics,
                    "status": status,
                    "startTimeSecs": start_info.start_time_secs or self.store.start_time(run),
                    "endTimeSecs": end.session_end_info.end_time_secs if end else None,
                }
            )
        return result

    def _last_scalar(self, run: str, tag: str) -> dict[str, Any] | None:
        try:
            view = self.store.scalars(run, tag)
        except (UnknownRunError, UnknownTagError):
            return None
        if len(view) == 0:
            return None
        return {
            "value": finite_or_string(float(view.values[-1])),
            "trainingStep": int(view.steps[-1]),
            "wallTimeSecs": float(view.wall_times[-1]),
        }

    def experiment(self, data: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The experiment summary, or one computed from the sessions' hparams and metrics."""
        data = self._plugin_data() if data is None else data
        for tags in data.values():
            found = tags.get(EXPERIMENT_TAG)
            if found is not None:
                experiment: dict[str, Any] = json_format.MessageToDict(found.experiment)
                experiment.setdefault("hparamInfos", [])
                experiment.setdefault("metricInfos", [])
                return experiment
        return self._computed_experiment(data)

    def _computed_experiment(self, data: dict[str, dict[str, Any]]) -> dict[str, Any]:
        types: dict[str, str] = {}
        session_runs = []
        for run, tags in data.items():
            start = tags.get(SESSION_START_TAG)
            if start is None:
                continue
            session_runs.append(run)
            for key, value in start.session_start_info.hparams.items():
                kind = value.WhichOneof("kind")
                types.setdefault(key, _DATA_TYPES.get(kind or "", "DATA_TYPE_UNSET"))
        metric_names: set[tuple[str, str]] = set()
        for run, tags in self.store.tags("scalars").items():
            parent = _longest_parent(session_runs, run)
            if parent is None:
                continue
            group = "" if run == parent else run[len(parent) + 1 :]
            metric_names.update((tag, group) for tag in tags)
        return {
            "hparamInfos": [{"name": key, "type": kind} for key, kind in types.items()],
            "metricInfos": [
                {"name": {"tag": tag, "group": group}} for tag, group in sorted(metric_names)
            ],
        }

    # -- routes ------------------------------------------------------------------------------

    def _experiment(self, request: Request) -> Response:
        return json_response(self.experiment())

    async def _session_groups_route(self, request: Request) -> Response:
        raw: Any = None
        try:
            if request.method == "POST":
                body = await request.body()
                raw = orjson.loads(body) if body.strip() else None
            elif "request" in request.query_params:
                raw = orjson.loads(request.query_params["request"])
        except orjson.JSONDecodeError as error:
            return PlainTextResponse(f"request is not valid JSON: {error}", status_code=400)
        try:
            query = parse_query(raw)
        except BadRequest as error:
            return PlainTextResponse(str(error), status_code=400)
        return await in_thread(lambda: json_response(query.apply(self.session_groups())))

    def session_groups(self) -> list[dict[str, Any]]:
        """Sessions grouped by their group name, in the order the runs were found."""
        groups: dict[str, dict[str, Any]] = {}
        for session in self.sessions():
            group = groups.setdefault(
                session["group"],
                {
                    "name": session["group"],
                    "hparams": session["hparams"],
                    "metricValues": session["metricValues"],
                    "sessions": [],
                },
            )
            group["sessions"].append(
                {
                    "name": session["run"],
                    "startTimeSecs": session["startTimeSecs"],
                    "endTimeSecs": session["endTimeSecs"],
                    "status": session["status"],
                    "metricValues": session["metricValues"],
                }
            )
        return list(groups.values())

    def _sessions(self, request: Request) -> Response:
        rows = [
            {
                "run": session["run"],
                "hparams": session["hparams"],
                "metrics": {
                    _metric_key(metric["name"]): metric["value"]
                    for metric in session["metricValues"]
                },
                "status": session["status"],
            }
            for session in self.sessions()
        ]
        return json_response(rows)


_DATA_TYPES = {
    "number_value": "DATA_TYPE_FLOAT64",
    "string_value": "DATA_TYPE_STRING",
    "bool_value": "DATA_TYPE_BOOL",
}


def _metric_key(name: dict[str, str]) -> str:
    return f"{name['group']}/{name['tag']}" if name.get("group") else name["tag"]


def _longest_parent(candidates: list[str], run: str) -> str | None:
    best: str | None = None
    for candidate in candidates:
        if (run == candidate or run.startswith(candidate + "/") or candidate == ".") and (
            best is None or len(candidate) > len(best)
        ):
            best = candidate
    return best


__all__ = ["HParamsPlugin"]

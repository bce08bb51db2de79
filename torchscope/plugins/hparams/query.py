"""TensorBoard's ``ListSessionGroupsRequest``: filter, sort and slice the session groups.

The request is the JSON form of TensorBoard's message (camelCase names), sent as the body of a
POST or as ``?request=<json>`` on a GET. Supported fields: ``allowedStatuses``, ``colParams``
(each names an ``hparam`` or a ``metric`` ``{tag, group}``, with ``order`` ORDER_ASC/ORDER_DESC,
``missingValuesFirst``, one of ``filterRegexp`` / ``filterInterval {minValue, maxValue}`` /
``filterDiscrete [values]``, and ``excludeFromResponse``), ``startIndex`` and ``sliceSize``.
A group that lacks a filtered column does not pass that filter, as in TensorBoard.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from torchscope.logdir.serving import BadRequest

_ORDERS = ("ORDER_UNSPECIFIED", "ORDER_ASC", "ORDER_DESC")
_STATUSES = ("STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING")

Filter = Callable[[Any], bool]


@dataclass(frozen=True)
class Column:
    """One ``colParams`` entry."""

    hparam: str | None
    metric: tuple[str, str] | None  # (tag, group)
    order: str
    missing_values_first: bool
    keep: Filter | None
    exclude_from_response: bool

    def value(self, group: Mapping[str, Any]) -> Any:
        """This column's value in a session group (None when the group lacks it)."""
        if self.hparam is not None:
            return group["hparams"].get(self.hparam)
        for metric in group["metricValues"]:
            name = metric["name"]
            if (name.get("tag", ""), name.get("group", "")) == self.metric:
                return metric.get("value")
        return None


@dataclass(frozen=True)
class SessionGroupsQuery:
    """A parsed request; the empty request keeps every group in its order."""

    columns: tuple[Column, ...] = ()
    allowed_statuses: frozenset[str] = frozenset()
    start_index: int = 0
    slice_size: int | None = None

    def apply(self, groups: list[dict[str, Any]]) -> dict[str, Any]:
        """``{"sessionGroups": [...], "totalSize": n}`` with n counted before slicing."""
        kept = [group for group in groups if self._passes(group)]
        for column in reversed([c for c in self.columns if c.order != "ORDER_UNSPECIFIED"]):
            kept.sort(key=_sort_key(column), reverse=column.order == "ORDER_DESC")
            # reverse=True would also move the missing values: put them back where asked.
            if column.order == "ORDER_DESC":
                missing = [g for g in kept if column.value(g) is None]
                present = [g for g in kept if column.value(g) is not None]
                kept = missing + present if column.missing_values_first else present + missing
        end = None if self.slice_size is None else self.start_index + self.slice_size
        page = [self._strip(group) for group in kept[self.start_index : end]]
        return {"sessionGroups": page, "totalSize": len(kept)}

    def _passes(self, group: Mapping[str, Any]) -> bool:
        if self.allowed_statuses and not any(
            session["status"] in self.allowed_statuses for session in group["sessions"]
        ):
            return False
        for column in self.columns:
            if column.keep is None:
                continue
            value = column.value(group)
            if value is None or not column.keep(value):
                return False
        return True

    def _strip(self, group: dict[str, Any]) -> dict[str, Any]:
        hidden_hparams = {c.hparam for c in self.columns if c.exclude_from_response and c.hparam}
        hidden_metrics = {c.metric for c in self.columns if c.exclude_from_response and c.metric}
        if not hidden_hparams and not hidden_metrics:
            return group

        def shown(metrics: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                m
                for m in metrics
                if (m["name"].get("tag", ""), m["name"].get("group", "")) not in hidden_metrics
            ]

        return {
            **group,
            "hparams": {k: v for k, v in group["hparams"].items() if k not in hidden_hparams},
            "metricValues": shown(group["metricValues"]),
            "sessions": [
                {**s, "metricValues": shown(s["metricValues"])} for s in group["sessions"]
            ],
        }


def parse_query(raw: Any) -> SessionGroupsQuery:
    """Check and parse the request's JSON value; a malformed one raises BadRequest."""
    if raw is None:
        return SessionGroupsQuery()
    if not isinstance(raw, dict):
        raise BadRequest("request must be a JSON object")
    columns = tuple(
        _column(entry, i) for i, entry in enumerate(_list(raw, "colParams", "col_params"))
    )
    statuses = frozenset(_list(raw, "allowedStatuses", "allowed_statuses"))
    unknown = sorted(str(s) for s in statuses if s not in _STATUSES)
    if unknown:
        raise BadRequest(f"allowedStatuses: unknown status {unknown[0]!r}")
    start = _int(raw, "startIndex", "start_index", 0)
    size = _int(raw, "sliceSize", "slice_size", None)
    return SessionGroupsQuery(columns, statuses, start or 0, size)


def _column(entry: Any, index: int) -> Column:
    where = f"colParams[{index}]"
    if not isinstance(entry, dict):
        raise BadRequest(f"{where} must be an object")
    hparam = entry.get("hparam")
    metric = entry.get("metric")
    if (hparam is None) == (metric is None):
        raise BadRequest(f"{where} must name exactly one of 'hparam' or 'metric'")
    if hparam is not None and not isinstance(hparam, str):
        raise BadRequest(f"{where}.hparam must be a string")
    metric_name: tuple[str, str] | None = None
    if metric is not None:
        if not isinstance(metric, dict) or not isinstance(metric.get("tag", ""), str):
            raise BadRequest(f"{where}.metric must be an object {{tag, group}}")
        metric_name = (metric.get("tag", ""), str(metric.get("group", "")))
    order = entry.get("order", "ORDER_UNSPECIFIED")
    if isinstance(order, int) and 0 <= order < len(_ORDERS):
        order = _ORDERS[order]
    if order not in _ORDERS:
        raise BadRequest(f"{where}.order must be one of {', '.join(_ORDERS)}, got {order!r}")
    return Column(
        hparam=hparam,
        metric=metric_name,
        order=order,
        missing_values_first=bool(entry.get("missingValuesFirst", False)),
        keep=_filter(entry, where),
        exclude_from_response=bool(entry.get("excludeFromResponse", False)),
    )


def _filter(entry: dict[str, Any], where: str) -> Filter | None:
    given = [k for k in ("filterRegexp", "filterInterval", "filterDiscrete") if k in entry]
    if len(given) > 1:
        raise BadRequest(f"{where} may hold one filter, got {', '.join(given)}")
    if not given:
        return None
    if given[0] == "filterRegexp":
        pattern = entry["filterRegexp"]
        if not isinstance(pattern, str):
            raise BadRequest(f"{where}.filterRegexp must be a string")
        try:
            compiled = re.compile(pattern)
        except re.error as error:
            message = f"{where}.filterRegexp is not a valid regular expression: {error}"
            raise BadRequest(message) from None
        return lambda value: isinstance(value, str) and compiled.search(value) is not None
    if given[0] == "filterInterval":
        interval = entry["filterInterval"]
        if not isinstance(interval, dict):
            raise BadRequest(f"{where}.filterInterval must be an object {{minValue, maxValue}}")
        low = _number(interval.get("minValue", -math.inf), f"{where}.filterInterval.minValue")
        high = _number(interval.get("maxValue", math.inf), f"{where}.filterInterval.maxValue")
        return lambda value: _is_number(value) and low <= float(value) <= high
    values = entry["filterDiscrete"]
    if not isinstance(values, list):
        raise BadRequest(f"{where}.filterDiscrete must be a list of values")
    # torch's writer stores a bool hparam as the number 0 or 1, so False matches 0.0.
    numbers = {float(v) for v in values if isinstance(v, (int, float))}
    others = [v for v in values if not isinstance(v, (int, float))]
    return lambda value: (
        float(value) in numbers if isinstance(value, (int, float)) else value in others
    )


def _sort_key(column: Column) -> Callable[[Mapping[str, Any]], tuple[int, int, Any]]:
    first = column.missing_values_first

    def key(group: Mapping[str, Any]) -> tuple[int, int, Any]:
        value = column.value(group)
        if value is None:
            return (0 if first else 2, 0, 0)
        # Numbers before strings before booleans, each among its kind.
        if isinstance(value, bool):
            return (1, 2, value)
        if _is_number(value):
            return (1, 0, float(value))
        return (1, 1, str(value))

    return key


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(value: Any, where: str) -> float:
    if isinstance(value, str) and value in ("Infinity", "-Infinity"):
        return math.inf if value == "Infinity" else -math.inf
    if not _is_number(value):
        raise BadRequest(f"{where} must be a number")
    return float(value)


def _list(raw: dict[str, Any], name: str, alias: str) -> list[Any]:
    value = raw.get(name, raw.get(alias, []))
    if not isinstance(value, list):
        raise BadRequest(f"{name} must be a list")
    return value


def _int(raw: dict[str, Any], name: str, alias: str, default: int | None) -> int | None:
    value = raw.get(name, raw.get(alias, default))
    if value is None:
        return default
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise BadRequest(f"{name} must be a non-negative integer")
    return value

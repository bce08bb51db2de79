"""``add_hparams`` summaries: experiment, session start and session end, as torch writes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import struct_pb2

from torchscope.client.writer_convert import is_torch_tensor, scalar_to_float
from torchscope.events.messages import HParamsPluginData, Summary, SummaryMetadata

__all__ = ["hparams_values"]

EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_TAG = "_hparams_/session_start_info"
SESSION_END_TAG = "_hparams_/session_end_info"

_FLOAT64 = 3  # hparams DataType.DATA_TYPE_FLOAT64
_STRING = 1
_BOOL = 2
_STATUS_SUCCESS = 1


def _value(plugin_data: Any, tag: str) -> Any:
    metadata = SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(
            plugin_name="hparams", content=plugin_data.SerializeToString()
        )
    )
    return Summary.Value(tag=tag, metadata=metadata)


def _classify(name: str, value: Any, exact_bools: bool) -> tuple[int, struct_pb2.Value]:
    """The hparams data type and protobuf Value of one hyperparameter."""
    if isinstance(value, bool) and exact_bools:
        return _BOOL, struct_pb2.Value(bool_value=value)
    # torch tests int before bool, so True is logged as the number 1.0 by default.
    if isinstance(value, (int, float)):
        return _FLOAT64, struct_pb2.Value(number_value=float(value))
    if isinstance(value, str):
        return _STRING, struct_pb2.Value(string_value=value)
    if is_torch_tensor(value):
        return _FLOAT64, struct_pb2.Value(number_value=scalar_to_float(value, name))
    raise TypeError(
        f"hparam_dict[{name!r}] must be a bool, int, float, str, None or one-element tensor,"
        f" got {type(value).__name__}"
    )


def _domain(values: list[Any], kind: int) -> struct_pb2.ListValue:
    items = []
    for item in values:
        if kind == _STRING:
            items.append(struct_pb2.Value(string_value=item))
        elif kind == _BOOL:
            items.append(struct_pb2.Value(bool_value=item))
        else:
            items.append(struct_pb2.Value(number_value=float(item)))
    return struct_pb2.ListValue(values=items)


def hparams_values(
    hparam_dict: Mapping[str, Any],
    metric_dict: Mapping[str, Any],
    hparam_domain_discrete: Mapping[str, list[Any]] | None = None,
    *,
    exact_bools: bool = False,
) -> tuple[Any, Any, Any]:
    """The experiment, session-start and session-end values for one hparams session."""
    if not isinstance(hparam_dict, Mapping):
        raise TypeError(f"hparam_dict must be a dict, got {type(hparam_dict).__name__}")
    if not isinstance(metric_dict, Mapping):
        raise TypeError(f"metric_dict must be a dict, got {type(metric_dict).__name__}")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, Mapping):
        raise TypeError("hparam_domain_discrete must be a dict of lists")
    for name, options in domains.items():
        if name not in hparam_dict or not isinstance(options, list):
            raise TypeError(
                f"hparam_domain_discrete[{name!r}] must be a list for a key of hparam_dict"
            )
        expected = type(hparam_dict[name])
        if not all(isinstance(option, expected) for option in options):
            raise TypeError(
                f"hparam_domain_discrete[{name!r}] must hold values of type {expected.__name__}"
            )

    start = HParamsPluginData(version=0)
    experiment = HParamsPluginData(version=0)
    start.session_start_info.SetInParent()
    experiment.experiment.SetInParent()
    for name, value in hparam_dict.items():
        if value is None:
            continue
        kind, proto_value = _classify(name, value, exact_bools)
        start.session_start_info.hparams[name].CopyFrom(proto_value)
        info = experiment.experiment.hparam_infos.add(name=name, type=kind)
        if name in domains and not is_torch_tensor(value):
            info.domain_discrete.CopyFrom(_domain(domains[name], kind))
    for metric in metric_dict:
        experiment.experiment.metric_infos.add().name.tag = metric
    end = HParamsPluginData(version=0)
    end.session_end_info.status = _STATUS_SUCCESS
    return (
        _value(experiment, EXPERIMENT_TAG),
        _value(start, SESSION_START_TAG),
        _value(end, SESSION_END_TAG),
    )

"""``Summary.Value`` builders with the encoding torch's SummaryWriter uses for each kind."""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from torchscope.client.writer_convert import is_torch_tensor, to_numpy
from torchscope.events.messages import (
    DataType,
    Layout,
    MeshPluginData,
    PrCurvePluginData,
    Summary,
    SummaryMetadata,
    TensorProto,
    TensorShapeProto,
    TextPluginData,
)

__all__ = [
    "audio_value",
    "custom_scalars_value",
    "mesh_values",
    "pr_curve_counts",
    "pr_curve_value",
    "scalar_tensor_value",
    "tensor_value",
    "text_value",
]

PR_CURVE_MAX_THRESHOLDS = 127


def _metadata(plugin_name: str, content: bytes = b"") -> Any:
    return SummaryMetadata(
        plugin_data=SummaryMetadata.PluginData(plugin_name=plugin_name, content=content)
    )


def _shape(dims: Sequence[int]) -> Any:
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=int(d)) for d in dims])


def scalar_tensor_value(tag: str, value: float, double_precision: bool) -> Any:
    """``add_scalar(new_style=True)``: a rank-0 float (or double) tensor, plugin "scalars"."""
    if double_precision:
        tensor = TensorProto(dtype=DataType.DT_DOUBLE, double_val=[value])
    else:
        tensor = TensorProto(dtype=DataType.DT_FLOAT, float_val=[value])
    return Summary.Value(tag=tag, tensor=tensor, metadata=_metadata("scalars"))


def text_value(tag: str, text: str) -> Any:
    """``add_text``: a 1-element string tensor, tag suffixed with ``/text_summary``."""
    if not isinstance(text, str):
        raise TypeError(f"text_string must be a str, got {type(text).__name__}")
    tensor = TensorProto(
        dtype=DataType.DT_STRING, string_val=[text.encode("utf-8")], tensor_shape=_shape([1])
    )
    content = TextPluginData(version=0).SerializeToString()
    return Summary.Value(
        tag=tag + "/text_summary", tensor=tensor, metadata=_metadata("text", content)
    )


# numpy dtype kind/size -> (DataType, TensorProto field) as torch's add_tensor writes them.
def _tensor_fields(array: np.ndarray) -> tuple[int, str, list[Any]]:
    dtype = array.dtype
    flat = array.reshape(-1)
    if dtype == np.float16:
        bits = flat.view(np.uint16).astype(np.int32)
        return DataType.DT_HALF, "half_val", bits.tolist()
    if dtype == np.float32:
        return DataType.DT_FLOAT, "float_val", flat.tolist()
    if dtype == np.float64:
        return DataType.DT_DOUBLE, "double_val", flat.tolist()
    if dtype == np.bool_:
        return DataType.DT_BOOL, "bool_val", flat.tolist()
    if dtype == np.int64:
        return DataType.DT_INT64, "int64_val", flat.tolist()
    ints = {
        np.dtype(np.int32): DataType.DT_INT32,
        np.dtype(np.int16): DataType.DT_INT16,
        np.dtype(np.int8): DataType.DT_INT8,
        np.dtype(np.uint8): DataType.DT_UINT8,
    }
    if dtype in ints:
        return ints[dtype], "int_val", flat.astype(np.int64).tolist()
    if dtype == np.complex64:
        return DataType.DT_COMPLEX64, "scomplex_val", flat.view(np.float32).tolist()
    if dtype == np.complex128:
        return DataType.DT_COMPLEX128, "dcomplex_val", flat.view(np.float64).tolist()
    raise ValueError(f"tensor has an unsupported dtype {dtype}")


def tensor_value(tag: str, tensor: Any) -> Any:
    """``add_tensor``: the tensor's values in its typed field, plugin "tensor"."""
    array = to_numpy(tensor, "tensor")
    if array.nbytes >= 1 << 31:
        raise ValueError("tensor is larger than protobuf's 2 GB limit")
    dtype, field, values = _tensor_fields(np.ascontiguousarray(array))
    proto = TensorProto(dtype=dtype, tensor_shape=_shape(array.shape), **{field: values})
    return Summary.Value(tag=tag, tensor=proto, metadata=_metadata("tensor"))


def audio_value(tag: str, sound: Any, sample_rate: int) -> Any:
    """``add_audio``: mono 16-bit PCM WAV; amplitudes outside [-1, 1] are clipped."""
    array = to_numpy(sound, "snd_tensor").squeeze().astype(np.float64)
    if array.ndim != 1:
        raise ValueError(f"snd_tensor must be one-dimensional, got shape {array.shape}")
    if sample_rate <= 0:
        raise ValueError(f"sample_rate must be positive, got {sample_rate}")
    pcm = (np.clip(array, -1.0, 1.0) * np.iinfo(np.int16).max).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(int(sample_rate))
        wav.writeframes(pcm.tobytes())
    audio = Summary.Audio(
        sample_rate=float(sample_rate),
        num_channels=1,
        length_frames=int(pcm.shape[-1]),
        encoded_audio_string=buffer.getvalue(),
        content_type="audio/wav",
    )
    return Summary.Value(tag=tag, audio=audio)


def pr_curve_counts(
    labels: np.ndarray, predictions: np.ndarray, num_thresholds: int, weights: Any = None
) -> np.ndarray:
    """The [6, T] table (TP, FP, TN, FN, precision, recall) TensorBoard's PR plugin reads."""
    labels = labels.reshape(-1).astype(np.float64)
    predictions = predictions.reshape(-1).astype(np.float64)
    if labels.shape != predictions.shape:
        raise ValueError(
            f"labels and predictions must have the same number of elements, got "
            f"{labels.size} and {predictions.size}"
        )
    weight = 1.0 if weights is None else to_numpy(weights, "weights").reshape(-1)
    buckets = np.floor(predictions * (num_thresholds - 1)).astype(np.int32)
    bounds = (0, num_thresholds - 1)
    tp_hist, _ = np.histogram(buckets, bins=num_thresholds, range=bounds, weights=labels * weight)
    fp_hist, _ = np.histogram(
        buckets, bins=num_thresholds, range=bounds, weights=(1.0 - labels) * weight
    )
    tp = np.cumsum(tp_hist[::-1])[::-1]
    fp = np.cumsum(fp_hist[::-1])[::-1]
    tn = fp[0] - fp
    fn = tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def pr_curve_value(tag: str, table: np.ndarray, num_thresholds: int) -> Any:
    """A PR curve value from its [6, T] table."""
    content = PrCurvePluginData(version=0, num_thresholds=num_thresholds).SerializeToString()
    tensor = TensorProto(
        dtype=DataType.DT_FLOAT,
        float_val=table.reshape(-1).astype(np.float32).tolist(),
        tensor_shape=_shape(table.shape),
    )
    return Summary.Value(tag=tag, tensor=tensor, metadata=_metadata("pr_curves", content))


def custom_scalars_value(layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> Any:
    """``add_custom_scalars``: ``{category: {chart title: ["Multiline"|"Margin", tags]}}``."""
    if not isinstance(layout, Mapping):
        raise TypeError(f"layout must be a dict, got {type(layout).__name__}")
    proto = Layout()
    for category_title, charts in layout.items():
        category = proto.category.add(title=category_title)
        for chart_title, spec in charts.items():
            if len(spec) != 2:
                raise ValueError(
                    f"layout[{category_title!r}][{chart_title!r}] must be [kind, tags],"
                    f" got {spec!r}"
                )
            kind, tags = spec
            chart = category.chart.add(title=chart_title)
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError(
                        f"a Margin chart needs 3 tags (value, lower, upper), got {len(tags)}"
                    )
                chart.margin.series.add(value=tags[0], lower=tags[1], upper=tags[2])
            else:
                chart.multiline.tag.extend(tags)
    tensor = TensorProto(
        dtype=DataType.DT_STRING,
        string_val=[proto.SerializeToString()],
        tensor_shape=TensorShapeProto(),
    )
    return Summary.Value(
        tag="custom_scalars__config__", tensor=tensor, metadata=_metadata("custom_scalars")
    )


_MESH_TAG_SUFFIX = {1: "VERTEX", 2: "FACE", 3: "COLOR"}


def mesh_values(
    tag: str,
    vertices: Any,
    colors: Any,
    faces: Any,
    config_dict: Mapping[str, Any] | None,
) -> list[Any]:
    """``add_mesh``: one float tensor [B, N, 3] per component present, plugin "mesh"."""
    json_config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    parts = [(vertices, 1, "vertices"), (faces, 2, "faces"), (colors, 3, "colors")]
    present = [(data, kind, name) for data, kind, name in parts if data is not None]
    components = 0
    for _, kind, _ in present:
        components |= 1 << kind
    values = []
    for data, kind, name in present:
        array = to_numpy(data, name)
        if array.ndim != 3 or array.shape[2] != 3:
            raise ValueError(f"{name} must have shape [B, N, 3], got {array.shape}")
        content = MeshPluginData(
            version=0,
            name=tag,
            content_type=kind,
            json_config=json_config,
            shape=list(array.shape),
            components=components,
        ).SerializeToString()
        tensor = TensorProto(
            dtype=DataType.DT_FLOAT,
            float_val=array.reshape(-1).astype(np.float32).tolist(),
            tensor_shape=_shape(array.shape),
        )
        values.append(
            Summary.Value(
                tag=f"{tag}_{_MESH_TAG_SUFFIX[kind]}",
                tensor=tensor,
                metadata=_metadata("mesh", content),
            )
        )
    return values


def as_float_array(value: Any, name: str) -> np.ndarray:
    """A float64 numpy array of a sequence, array or tensor (for the *_raw methods)."""
    if is_torch_tensor(value) or isinstance(value, np.ndarray):
        return to_numpy(value, name).astype(np.float64)
    return np.asarray(value, dtype=np.float64)

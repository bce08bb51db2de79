"""The scalar fast path decodes and encodes exactly as protobuf does."""

from __future__ import annotations

import random
import struct

import numpy as np
import pytest

from torchscope.events import (
    decode_scalar_event,
    encode_record,
    encode_scalar_event,
    encode_scalar_record,
    encode_scalar_records,
    tensor_scalar_value,
)
from torchscope.events import messages as m


def _random_tag(rng: random.Random) -> str:
    alphabet = "abcXYZ/_- .é漢"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 150)))


def _random_step(rng: random.Random) -> int | None:
    return rng.choice(
        [None, 0, rng.randint(1, 127), rng.randint(128, 2**40), -rng.randint(1, 2**63)]
    )


def _random_value(rng: random.Random) -> float:
    return rng.choice(
        [0.0, -0.0, rng.uniform(-1, 1), rng.uniform(-1e30, 1e30), float("inf"), float("nan"), 1e-45]
    )


def test_encoding_is_byte_identical_to_protobuf() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        tag, value, step = _random_tag(rng), _random_value(rng), _random_step(rng)
        wall = rng.choice([0.0, rng.uniform(0, 2e9)])
        event = m.Event(
            wall_time=wall, summary=m.Summary(value=[m.Summary.Value(tag=tag, simple_value=value)])
        )
        if step is not None:
            event.step = step
        payload = encode_scalar_event(tag, value, step, wall)
        assert payload == event.SerializeToString()
        assert encode_scalar_record(tag, value, step, wall) == encode_record(payload)


def test_out_of_range_values_become_infinity_like_protobuf() -> None:
    event = m.Event(
        wall_time=1.0, summary=m.Summary(value=[m.Summary.Value(tag="t", simple_value=1e300)])
    )
    assert encode_scalar_event("t", 1e300, None, 1.0) == event.SerializeToString()


def _same(a: float, b: float) -> bool:
    return (a != a and b != b) or struct.pack("<d", a) == struct.pack("<d", b)


def test_simple_value_decoding_equals_protobuf() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        tag, value, step = _random_tag(rng), _random_value(rng), _random_step(rng)
        payload = encode_scalar_event(tag, value, step, rng.uniform(0, 2e9))
        event = m.Event.FromString(payload)
        fast = decode_scalar_event(payload)
        assert fast is not None
        assert (fast.wall_time, fast.step) == (event.wall_time, event.step)
        (decoded,) = fast.values
        assert decoded.tag == event.summary.value[0].tag and not decoded.is_tensor
        assert _same(decoded.value, event.summary.value[0].simple_value)


def _tensor_event(tensor: object, metadata: bool, rng: random.Random) -> object:
    value = m.Summary.Value(tag="t/" + str(rng.randint(0, 9)), tensor=tensor)
    if metadata:
        value.metadata.plugin_data.plugin_name = "scalars"
    return m.Event(
        wall_time=rng.uniform(0, 2e9), step=rng.randint(0, 10**6), summary=m.Summary(value=[value])
    )


def _random_tensor(rng: random.Random) -> tuple[object, float]:
    number = rng.uniform(-1e6, 1e6)
    kind = rng.choice(
        ["float", "double", "half", "int32", "int64", "content32", "content64", "shape1"]
    )
    if kind == "float":
        return m.TensorProto(dtype=m.DataType.DT_FLOAT, float_val=[number]), float(
            np.float32(number)
        )
    if kind == "double":
        return m.TensorProto(dtype=m.DataType.DT_DOUBLE, double_val=[number]), number
    if kind == "half":
        half = np.float16(number / 1e3)
        bits = int(np.array(half).view(np.uint16))
        return m.TensorProto(dtype=m.DataType.DT_HALF, half_val=[bits]), float(half)
    if kind == "int32":
        return m.TensorProto(dtype=m.DataType.DT_INT32, int_val=[int(number)]), float(int(number))
    if kind == "int64":
        big = int(number) * 2**30
        return m.TensorProto(dtype=m.DataType.DT_INT64, int64_val=[big]), float(big)
    if kind == "content32":
        content = np.float32(number).tobytes()
        return m.TensorProto(dtype=m.DataType.DT_FLOAT, tensor_content=content), float(
            np.float32(number)
        )
    if kind == "content64":
        return m.TensorProto(
            dtype=m.DataType.DT_DOUBLE, tensor_content=np.float64(number).tobytes()
        ), number
    shape = m.TensorShapeProto(dim=[m.TensorShapeProto.Dim(size=1), m.TensorShapeProto.Dim(size=1)])
    return m.TensorProto(
        dtype=m.DataType.DT_DOUBLE, double_val=[number], tensor_shape=shape
    ), number


def test_tensor_scalar_decoding_equals_protobuf() -> None:
    rng = random.Random(2)
    for _ in range(1000):
        tensor, number = _random_tensor(rng)
        metadata = rng.random() < 0.5
        event = _tensor_event(tensor, metadata, rng)
        fast = decode_scalar_event(event.SerializeToString())
        assert fast is not None
        (decoded,) = fast.values
        assert decoded.is_tensor and decoded.value == number == tensor_scalar_value(tensor)
        assert decoded.plugin_name == ("scalars" if metadata else None)
        assert (fast.step, fast.wall_time) == (event.step, event.wall_time)


def test_several_values_per_summary() -> None:
    event = m.Event(wall_time=3.0, step=7)
    event.summary.value.add(tag="a", simple_value=1.5)
    event.summary.value.add(
        tag="b", tensor=m.TensorProto(dtype=m.DataType.DT_FLOAT, float_val=[2.5])
    )
    fast = decode_scalar_event(event.SerializeToString())
    assert fast is not None and [(v.tag, v.value) for v in fast.values] == [("a", 1.5), ("b", 2.5)]


@pytest.mark.parametrize(
    "event",
    [
        m.Event(wall_time=1.0, file_version="brain.Event:2"),
        m.Event(wall_time=1.0, graph_def=b"\x0a\x00"),
        m.Event(
            summary=m.Summary(value=[m.Summary.Value(tag="i", image=m.Summary.Image(height=1))])
        ),
        m.Event(summary=m.Summary(value=[m.Summary.Value(tag="h", histo=m.HistogramProto(num=1))])),
        m.Event(
            summary=m.Summary(
                value=[
                    m.Summary.Value(
                        tag="t",
                        tensor=m.TensorProto(dtype=m.DataType.DT_FLOAT, float_val=[1.0, 2.0]),
                    )
                ]
            )
        ),
        m.Event(
            summary=m.Summary(
                value=[
                    m.Summary.Value(
                        tag="s", tensor=m.TensorProto(dtype=m.DataType.DT_STRING, string_val=[b"x"])
                    )
                ]
            )
        ),
        m.Event(
            summary=m.Summary(
                value=[
                    m.Summary.Value(
                        tag="p",
                        tensor=m.TensorProto(dtype=m.DataType.DT_FLOAT, float_val=[1.0]),
                        metadata=m.SummaryMetadata(
                            plugin_data=m.SummaryMetadata.PluginData(plugin_name="pr_curves")
                        ),
                    )
                ]
            )
        ),
        m.Event(
            summary=m.Summary(
                value=[
                    m.Summary.Value(
                        tag="d", simple_value=1.0, metadata=m.SummaryMetadata(display_name="Loss")
                    )
                ]
            )
        ),
        m.Event(summary=m.Summary()),
    ],
)
def test_non_scalar_events_fall_back(event: object) -> None:
    assert decode_scalar_event(event.SerializeToString()) is None


def test_garbage_never_raises() -> None:
    rng = random.Random(3)
    payload = encode_scalar_event("loss", 0.5, 12, 1.0)
    for _ in range(2000):
        mutated = bytearray(payload)
        mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        decode_scalar_event(bytes(mutated[: rng.randint(0, len(mutated))]))


def test_batch_encoding_equals_one_by_one() -> None:
    rng = random.Random(4)
    items = [
        (_random_tag(rng), _random_value(rng), _random_step(rng), rng.choice([0.0, 1.5e9]))
        for _ in range(3000)
    ]
    assert encode_scalar_records(items) == b"".join(encode_scalar_record(*i) for i in items)

"""TensorBoard event files: TFRecord framing, protobuf messages, reader and scalar fast path.

Reading::

    reader = EventFileReader("runs/exp/events.out.tfevents...")
    batch = reader.poll()                 # new complete records since the last poll
    for payload in batch.payloads:
        scalar = decode_scalar_event(payload)   # fast path, None if not a scalar event
        event = parse_event(payload) if scalar is None else None

Bulk reading, every scalar decoded into numpy columns in one pass (in C when the native module
is built, see :mod:`torchscope.events.scan`)::

    batch = RecordReader().read_scan(fileobj)   # batch.scan.row_tag / row_step / row_value ...

Writing a record: ``encode_record(event.SerializeToString())`` or, for a scalar,
``encode_scalar_record(tag, value, step, wall_time)``.
"""

from torchscope.events.crc import masked_crc32c
from torchscope.events.events import iter_events, parse_event, plugin_of_value
from torchscope.events.framing import HEADER_SIZE, MAX_RECORD_BYTES, OVERHEAD, encode_record
from torchscope.events.reader import (
    ColumnBatch,
    EventFileReader,
    ReadProblem,
    RecordBatch,
    RecordReader,
    ScanBatch,
    iter_records,
)
from torchscope.events.scalar_columns import ScalarColumns, decode_scalar_columns
from torchscope.events.scalars import (
    ScalarEvent,
    ScalarValue,
    decode_scalar_event,
    encode_scalar_event,
    encode_scalar_record,
    encode_scalar_records,
    tensor_scalar_value,
)
from torchscope.events.scan import ScanResult, native_available, scan_records

__all__ = [
    "HEADER_SIZE",
    "MAX_RECORD_BYTES",
    "OVERHEAD",
    "ColumnBatch",
    "EventFileReader",
    "ReadProblem",
    "RecordBatch",
    "RecordReader",
    "ScalarColumns",
    "ScalarEvent",
    "ScalarValue",
    "ScanBatch",
    "ScanResult",
    "decode_scalar_columns",
    "decode_scalar_event",
    "encode_record",
    "encode_scalar_event",
    "encode_scalar_record",
    "encode_scalar_records",
    "iter_events",
    "iter_records",
    "masked_crc32c",
    "native_available",
    "parse_event",
    "plugin_of_value",
    "scan_records",
    "tensor_scalar_value",
]

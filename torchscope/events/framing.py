"""TFRecord framing: ``u64 length | u32 masked crc(length) | payload | u32 masked crc(payload)``."""

from __future__ import annotations

import struct

from torchscope.events.crc import masked_crc32c

HEADER_SIZE = 12  # u64 length + u32 masked CRC of the length bytes
FOOTER_SIZE = 4  # u32 masked CRC of the payload
OVERHEAD = HEADER_SIZE + FOOTER_SIZE

# A length above this is treated as corruption rather than allocated (protobuf's own
# limit is 2 GiB; no real summary comes near 1 GiB).
MAX_RECORD_BYTES = 1 << 30

_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_HEADER = struct.Struct("<QI")


def encode_record(payload: bytes) -> bytes:
    """Frame one payload (a serialized Event) as a TFRecord."""
    length = _U64.pack(len(payload))
    return b"".join(
        (length, _U32.pack(masked_crc32c(length)), payload, _U32.pack(masked_crc32c(payload)))
    )


def unpack_header(buffer: bytes | memoryview, pos: int) -> tuple[int, int]:
    """Return ``(length, masked_length_crc)`` of the header starting at ``pos``."""
    length, length_crc = _HEADER.unpack_from(buffer, pos)
    return length, length_crc


def unpack_footer(buffer: bytes | memoryview, pos: int) -> int:
    """Return the masked payload CRC stored at ``pos``."""
    crc: int = _U32.unpack_from(buffer, pos)[0]
    return crc

"""Hand-rolled protobuf wire-format primitives for the hot scalar path."""

from __future__ import annotations

import struct

_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")

WIRE_VARINT = 0
WIRE_FIXED64 = 1
WIRE_BYTES = 2
WIRE_FIXED32 = 5


def encode_varint(value: int) -> bytes:
    """Encode a non-negative int (or a negative int64, as protobuf does: 10 bytes)."""
    if value < 0:
        value += 1 << 64
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def decode_varint(buffer: bytes, pos: int) -> tuple[int, int]:
    """Return ``(value, next_pos)``; raises IndexError if the buffer ends inside it."""
    byte = buffer[pos]
    if byte < 0x80:
        return byte, pos + 1
    result = byte & 0x7F
    shift = 7
    pos += 1
    while True:
        byte = buffer[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise ValueError("varint longer than 10 bytes")


def to_int64(value: int) -> int:
    """Reinterpret a decoded varint as a signed 64-bit integer."""
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def skip_field(buffer: bytes, pos: int, wire_type: int) -> int:
    """Return the position just after a field's value of the given wire type."""
    if wire_type == WIRE_VARINT:
        return decode_varint(buffer, pos)[1]
    if wire_type == WIRE_FIXED64:
        return pos + 8
    if wire_type == WIRE_BYTES:
        length, pos = decode_varint(buffer, pos)
        return pos + length
    if wire_type == WIRE_FIXED32:
        return pos + 4
    raise ValueError(f"unsupported wire type {wire_type}")


def unpack_double(buffer: bytes, pos: int) -> float:
    """Little-endian IEEE double at ``pos``."""
    value: float = _DOUBLE.unpack_from(buffer, pos)[0]
    return value


def unpack_float(buffer: bytes, pos: int) -> float:
    """Little-endian IEEE float at ``pos``, widened to a Python float."""
    value: float = _FLOAT.unpack_from(buffer, pos)[0]
    return value

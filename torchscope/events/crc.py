"""Masked CRC32C, as TFRecord framing uses it (native ``crc32c`` package)."""

from __future__ import annotations

from crc32c import crc32c

_MASK_DELTA = 0xA282EAD8


def masked_crc32c(data: bytes | bytearray | memoryview) -> int:
    """CRC32C of ``data``, rotated right by 15 bits plus a constant (LevelDB's mask).

    The mask keeps a CRC computed over data that itself contains CRCs well distributed.
    """
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF

"""Types of the compiled module built from ``_native.c`` (see ``scan.py``)."""

def scan_records(
    buffer: bytes | bytearray | memoryview,
    resynchronising: bool,
    max_record_bytes: int,
    decode: bool = True,
    /,
) -> tuple[
    int,
    bool,
    int,
    int,
    int,
    list[tuple[int, int]],
    list[str],
    list[str],
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
    bytes,
]: ...
def masked_crc32c(data: bytes | bytearray | memoryview, /) -> int: ...
def hardware_crc() -> bool: ...
def set_hardware_crc(enable: bool, /) -> bool: ...

"""Environment ids: how Visdom spells them, and how they reach the file system safely."""

from __future__ import annotations

import functools
import re
from typing import Any

DEFAULT_ENV = "main"

#: Characters kept as they are in file names; everything else is percent-encoded (UTF-8).
_SAFE_FILE_CHARS = re.compile(r"[A-Za-z0-9_\-]")
_ENCODED_NAME = re.compile(r"(?:[A-Za-z0-9_\-]|%[0-9A-F]{2})+")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
#: Longest encoded file stem: with ".json" it stays under the common 255-byte file-name limit.
MAX_STEM_BYTES = 240


def env_id(value: Any) -> str:
    """The env id a request means: Visdom's rule, ``None`` -> ``main`` and ``/`` -> ``_``.

    Visdom applies the ``/`` escape on most endpoints but not on ``POST /env/<eid>`` nor on the
    browser socket's commands; torchscope applies it everywhere so an env has one name.
    """
    if value is None or value == "":
        return DEFAULT_ENV
    if not isinstance(value, str):
        raise ValueError(f"eid must be a string, got {type(value).__name__}")
    return _checked_env_id(value)


@functools.lru_cache(maxsize=1024)
def _checked_env_id(value: str) -> str:
    """``env_id`` of a string (every append names its env: the checks run once per name)."""
    # Deviation from Visdom, which takes any string: names that could only come from a mistake
    # or an attack are refused, so that file names stay short and printable.
    if _CONTROL_CHARS.search(value):
        raise ValueError("eid must not contain control characters")
    if ".." in value or "\\" in value:
        raise ValueError(f"eid must not contain '..' or backslashes, got {value!r}")
    eid = value.replace("/", "_")
    if len(file_stem(eid)) > MAX_STEM_BYTES:
        raise ValueError(f"eid is too long: at most {MAX_STEM_BYTES} bytes once encoded")
    return eid


def file_stem(eid: str) -> str:
    """A file-name stem for ``eid`` that can never leave the env folder.

    Letters, digits, ``_`` and ``-`` are kept, so the common names (``main``, ``exp_1``) give the
    same file names as Visdom; every other character, dots included, is percent-encoded.
    """
    if not eid:
        raise ValueError("eid must not be empty")
    return "".join(
        ch if _SAFE_FILE_CHARS.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode())
        for ch in eid
    )


def env_from_stem(stem: str) -> str:
    """The env id of a ``<stem>.json`` file: decoded when it is one of ours, else as is.

    Files Visdom wrote keep their raw names (``my run.json`` is env ``my run``).
    """
    if _ENCODED_NAME.fullmatch(stem) and "%" in stem:
        try:
            return bytes.fromhex("".join(_hex_pieces(stem))).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return stem
    return stem


def _hex_pieces(stem: str) -> list[str]:
    pieces: list[str] = []
    i = 0
    while i < len(stem):
        if stem[i] == "%":
            pieces.append(stem[i + 1 : i + 3])
            i += 3
        else:
            pieces.append(f"{ord(stem[i]):02X}")
            i += 1
    return pieces

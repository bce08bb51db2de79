"""Visdom's env files: ``<env_path>/<eid>.json`` = ``{"jsons": {...}, "reload": {...}}``.

torchscope reads the files Visdom wrote (so an ``--env-path`` holding a ``~/.visdom`` folder's
files just works) and writes the same format on ``save``. Writes are atomic (temp file and
rename), and names go through ``names.file_stem`` so no env id can reach outside the folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

from torchscope.live import jsonio
from torchscope.live.model import Env
from torchscope.live.names import env_from_stem, file_stem

log = logging.getLogger("torchscope.live")

#: A file's identity as seen when it was last read or written: [name, mtime_ns, size].
Signature = list[object]


def env_files(env_path: Path) -> dict[str, Path]:
    """The env files in ``env_path`` by env id (files named ``*.json``, not hidden)."""
    found: dict[str, Path] = {}
    try:
        entries = sorted(env_path.iterdir())
    except FileNotFoundError:
        return found
    for path in entries:
        if path.suffix == ".json" and not path.name.startswith(".") and path.is_file():
            found[env_from_stem(path.stem)] = path
    return found


def signature(path: Path) -> Signature:
    stat = path.stat()
    return [path.name, stat.st_mtime_ns, stat.st_size]


def read_env(path: Path) -> Env:
    """Parse one env file (NaN/Infinity tokens accepted, as Visdom writes them)."""
    return Env.from_json(jsonio.loads(path.read_bytes()))


def corrupt_name(path: Path) -> Path:
    """A free ``<name>.corrupt-<timestamp>`` beside ``path``, for damaged data set aside."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():  # two damaged copies set aside in the same second
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    return target


def set_aside(path: Path, reason: object) -> Path:
    """Rename a damaged file to ``<name>.corrupt-<timestamp>`` and log a warning naming both.

    Start-up never deletes what it cannot read: the file stays for the user to inspect, and
    its new name no longer ends in ``.json``, so the next start does not trip on it again.
    """
    target = corrupt_name(path)
    os.replace(path, target)
    log.warning("%s is damaged (%s); set aside as %s", path, reason, target.name)
    return target


def env_file_path(env_path: Path, eid: str) -> Path:
    return env_path / (file_stem(eid) + ".json")


def write_env(env_path: Path, eid: str, env: Env) -> Path:
    """Write ``env`` in Visdom's format, atomically; returns the file written."""
    target = env_file_path(env_path, eid)
    tmp = target.with_name("." + target.name + ".tmp")
    tmp.write_bytes(jsonio.dumps(env.to_json()))
    os.replace(tmp, target)
    return target


def delete_env_file(env_path: Path, eid: str, imported_name: str | None) -> None:
    """Remove the env's file (ours, and the Visdom-named one it was imported from)."""
    names = {env_file_path(env_path, eid).name}
    if imported_name and "/" not in imported_name and "\\" not in imported_name:
        names.add(imported_name)
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            (env_path / name).unlink()

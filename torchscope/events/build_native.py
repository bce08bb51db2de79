"""Compile ``_native.c`` (the event-file reader's hot loop) into ``torchscope/events/``.

Run by the package's build hook (``pip install -e .`` / ``pip wheel .``) and by hand::

    python -m torchscope.events.build_native           # rebuild if _native.c is newer
    python -m torchscope.events.build_native --force   # rebuild anyway

It uses only the standard library (the build hook loads this file by path, before torchscope's
own dependencies exist) and Python's own compiler settings (``sysconfig``). Without a C
compiler it warns and returns: torchscope then reads event files with its pure-Python path.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Callable
from pathlib import Path

SOURCE = Path(__file__).resolve().with_name("_native.c")


def extension_path(folder: Path | None = None) -> Path:
    """Where the compiled module goes: ``_native`` + this interpreter's EXT_SUFFIX."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return (folder or SOURCE.parent) / f"_native{suffix}"


def is_stale(source: Path = SOURCE, target: Path | None = None) -> bool:
    """True when the module is missing or older than its C source."""
    target = target or extension_path(source.parent)
    return not target.is_file() or target.stat().st_mtime < source.stat().st_mtime


def compiler_command() -> list[str] | None:
    """The C compiler Python was built with (``CC``), if it is installed here."""
    configured = sysconfig.get_config_var("CC") or "cc"
    command = shlex.split(os.environ.get("CC", configured))
    if not command or shutil.which(command[0]) is None:
        return None
    return command


def build(
    force: bool = False,
    source: Path = SOURCE,
    log: Callable[[str], None] = print,
) -> Path | None:
    """Compile ``source`` next to itself when needed; returns the module path or ``None``.

    ``None`` means it could not be built (no compiler, or the compiler failed): a warning is
    logged and nothing is raised, because the pure-Python reader does the same work.
    """
    target = extension_path(source.parent)
    if not force and not is_stale(source, target):
        return target
    compiler = compiler_command()
    if compiler is None:
        log(
            "warning: torchscope: no C compiler found; event files will be read by the "
            "slower pure-Python path (install gcc and reinstall to build the native reader)"
        )
        return None
    include = sysconfig.get_paths()["include"]
    # Written beside the target and renamed: a running process keeps its mapped old copy.
    with tempfile.NamedTemporaryFile(
        dir=source.parent, prefix="._native.", suffix=".so", delete=False
    ) as tmp:
        partial = Path(tmp.name)
    command = [
        *compiler,
        "-shared",
        "-fPIC",
        "-O3",
        "-std=gnu11",
        "-fvisibility=hidden",
        "-I",
        include,
        str(source),
        "-o",
        str(partial),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        output = (result.stdout + result.stderr).strip()
        log(
            f"warning: torchscope: compiling {source.name} failed ({' '.join(command)}):\n"
            f"{output}\nevent files will be read by the slower pure-Python path"
        )
        return None
    os.replace(partial, target)
    log(f"torchscope: built the native event reader {target.name}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    return 0 if build(force=args.force) is not None else 1


if __name__ == "__main__":
    sys.exit(main())

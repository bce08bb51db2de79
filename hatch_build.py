"""Build the dashboard (frontend/) into torchscope/web/ whenever the package is built.

Runs for ``pip install .``, ``pip install -e .`` and ``pip wheel .``: npm installs the
front-end's locked dependencies when they are missing or out of date, and Vite rebuilds the UI
when any front-end source is newer than the built page. Set ``TORCHSCOPE_SKIP_WEB_BUILD=1`` to
skip it (the server then says the UI is not built).

It also compiles the native event-file reader (torchscope/events/_native.c) with Python's own
C compiler settings when the C file is newer than the built module; without a compiler it
warns and torchscope uses its pure-Python reader.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SKIP_ENV_VAR = "TORCHSCOPE_SKIP_WEB_BUILD"
#: Vite 8 needs at least this Node.js.
MIN_NODE = (20, 19)
#: Folders under frontend/ that are outputs or caches, not sources.
_NOT_SOURCES = {"node_modules", "dist", ".vite"}


class WebBuildError(RuntimeError):
    """The dashboard could not be built; the message says why and what to do."""


def _source_files(frontend: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(frontend):
        subdirs[:] = [name for name in subdirs if name not in _NOT_SOURCES]
        for name in files:
            yield Path(directory, name)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def web_build_is_stale(frontend: Path, web_index: Path) -> bool:
    """True when the built page is missing or older than any front-end source file."""
    if not web_index.is_file():
        return True
    built = _mtime(web_index)
    return any(_mtime(path) > built for path in _source_files(frontend))


def dependencies_are_stale(frontend: Path) -> bool:
    """True when node_modules is missing or older than package-lock.json."""
    # npm writes node_modules/.package-lock.json on every install: it dates the install.
    installed = frontend / "node_modules" / ".package-lock.json"
    return not installed.is_file() or _mtime(frontend / "package-lock.json") > _mtime(installed)


def _node_version() -> tuple[int, int] | None:
    node = shutil.which("node")
    if node is None:
        return None
    result = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    match = re.match(r"v(\d+)\.(\d+)", result.stdout.strip())
    return (int(match[1]), int(match[2])) if match else None


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        tail = "\n".join(output[-40:])
        raise WebBuildError(
            f"building the torchscope dashboard failed: `{' '.join(command[1:])}` in {cwd} "
            f"exited with status {result.returncode}:\n{tail}"
        )


def build_web(root: Path, log: Callable[[str], None] = print) -> bool:
    """Install the front-end's dependencies and build it, each only if needed.

    Returns True when the UI was rebuilt. Raises WebBuildError when it must be built and cannot.
    """
    frontend = root / "frontend"
    web_index = root / "torchscope" / "web" / "index.html"
    if not frontend.is_dir():
        if web_index.is_file():
            return False  # e.g. building from a tree that ships the UI already built
        raise WebBuildError(f"neither the dashboard sources ({frontend}) nor a built UI exist")
    if not web_build_is_stale(frontend, web_index):
        return False

    npm = shutil.which("npm")
    node = _node_version()
    if npm is None or node is None or node < MIN_NODE:
        found = "npm was not found on PATH" if npm is None else f"found Node.js {node}"
        needed = f"Node.js >= {MIN_NODE[0]}.{MIN_NODE[1]} with npm"
        if web_index.is_file():
            log(
                f"warning: the dashboard in torchscope/web/ is older than frontend/ ({found}); "
                f"keeping it. Install {needed} to rebuild it."
            )
            return False
        raise WebBuildError(
            f"the torchscope dashboard must be built from frontend/, which needs {needed} "
            f"({found}). Install Node.js, or set {SKIP_ENV_VAR}=1 to install without the UI."
        )

    if dependencies_are_stale(frontend):
        log("torchscope: installing the dashboard's npm dependencies (npm ci)")
        _run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend)
    log("torchscope: building the dashboard (npm run build)")
    _run([npm, "run", "build"], cwd=frontend)
    if not web_index.is_file():
        raise WebBuildError(f"`npm run build` finished but {web_index} was not written")
    return True


def build_native_reader(root: Path, log: Callable[[str], None] = print) -> Path | None:
    """Compile torchscope/events/_native.c if it is newer than the module; None if it can't.

    The helper is loaded by path: importing the torchscope package would need its runtime
    dependencies, which the isolated build environment does not have.
    """
    helper = root / "torchscope" / "events" / "build_native.py"
    spec = importlib.util.spec_from_file_location("_torchscope_build_native", helper)
    if spec is None or spec.loader is None:
        log(f"warning: {helper} not found; torchscope will use its pure-Python event reader")
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built: Path | None = module.build(log=log)
    return built


class WebBuildHook(BuildHookInterface):
    """Hatchling hook: make sure torchscope/web/ holds an up-to-date dashboard."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        native = build_native_reader(Path(self.root), log=self.app.display_info)
        if native is not None:
            # The module is git-ignored, so it must be named to be packed; the wheel is then
            # specific to this Python and platform.
            build_data["artifacts"].append(native.relative_to(self.root).as_posix())
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
        if os.environ.get(SKIP_ENV_VAR, "").strip() not in ("", "0"):
            self.app.display_info(f"torchscope: {SKIP_ENV_VAR} is set, not building the dashboard")
            return
        build_web(Path(self.root), log=self.app.display_info)

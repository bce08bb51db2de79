"""Fixtures shared by every test folder."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALIVE = "It's Alive! You can navigate to "


@contextlib.contextmanager
def serve_process(env_path: Path, *args: str, password: str | None = None) -> Iterator[str]:
    """Run ``python -m torchscope.server --port 0 --env-path ENV ARGS`` as users start it.

    Yields the URL it prints once it listens; afterwards checks it was still running and that
    nothing it printed holds a traceback.
    """
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if password is not None:
        env["TORCHSCOPE_PASSWORD"] = password
    command = [sys.executable, "-m", "torchscope.server", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--env-path", str(env_path), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stderr is not None
    try:
        line = process.stdout.readline()
        assert line.startswith(ALIVE), (line, process.stderr.read() if process.poll() else "")
        yield line[len(ALIVE) :].strip()
        assert process.poll() is None, "the server exited"
    finally:
        process.terminate()
        try:
            _, errors = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
    assert "Traceback" not in errors, errors


@pytest.fixture
def server_process() -> Callable[..., AbstractContextManager[str]]:
    """:func:`serve_process`: ``with server_process(env_path, *flags) as url: ...``."""
    return serve_process

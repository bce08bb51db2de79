"""Fixtures of the logdir plugin tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from served_logdirs import open_client
from starlette.testclient import TestClient


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``serve(logdir, **store_options)`` -> a TestClient whose store finished its first pass."""
    with ExitStack() as stack:

        def start(logdir: str | Path, **options: Any) -> TestClient:
            return open_client(stack, logdir, tmp_path / "env", **options)[0]

        yield start

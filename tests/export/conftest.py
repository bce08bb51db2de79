"""Fixtures of the export tests: a loaded store of a real TensorBoard log directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from torchscope.export.scalars import open_logdir
from torchscope.logdir import LogdirStore

FIXTURES = Path("/work/shared/fixtures")
TORCH_LOGDIR = FIXTURES / "tb-logdir-torch"


@pytest.fixture(scope="module")
def torch_store() -> Iterator[LogdirStore]:
    """The torch fixture logdir, read once for the module."""
    store = open_logdir(str(TORCH_LOGDIR))
    yield store
    store.close()

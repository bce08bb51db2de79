"""torchscope.client"""

from __future__ import annotations

import importlib
from typing import Any

# Resolved on first use so importing the package stays light.
_LAZY_ATTRIBUTES = {
    "SummaryWriter": "torchscope.client.writer",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY_ATTRIBUTES.get(name)
    if module_name is None:
        raise AttributeError(f"module 'torchscope.client' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value

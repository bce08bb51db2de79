"""Which process writes under torch.distributed."""

from __future__ import annotations

import os
import sys

__all__ = ["process_rank"]


def process_rank() -> int:
    """This process's global rank: torch.distributed's when initialised, else the ``RANK``
    variable launchers (torchrun, Lightning, SLURM wrappers) set, else 0."""
    distributed = sys.modules.get("torch.distributed")
    if distributed is not None and distributed.is_available() and distributed.is_initialized():
        return int(distributed.get_rank())
    for variable in ("RANK", "SLURM_PROCID"):
        value = os.environ.get(variable)
        if value is not None and value.strip().isdigit():
            return int(value)
    return 0

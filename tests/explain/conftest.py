from __future__ import annotations

import warnings

import pytest
import torch

# Tiny models on a shared machine: one thread avoids oversubscription stalls.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _quiet_and_seeded() -> None:
    torch.manual_seed(0)
    # captum warns about input tensors not requiring grad and about hooks; not our concern here.
    warnings.filterwarnings("ignore", module="captum")


@pytest.fixture
def images() -> torch.Tensor:
    return torch.randn(4, 3, 16, 16, generator=torch.Generator().manual_seed(1))

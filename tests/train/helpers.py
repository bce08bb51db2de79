"""Small models and data shared by the training tests."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def blobs(
    n: int = 64,
    n_features: int = 4,
    n_classes: int = 3,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
) -> TensorDataset:
    """Separable Gaussian blobs: a classification problem any small MLP can learn."""
    gen = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % n_classes
    centers = torch.randn(n_classes, n_features, generator=gen, dtype=dtype) * 3
    x = centers[labels] + torch.randn(n, n_features, generator=gen, dtype=dtype)
    return TensorDataset(x, labels)


def mlp(n_features: int = 4, n_classes: int = 3, hidden: int = 8, seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))


def loaders(
    n_train: int = 32, n_valid: int = 16, batch_size: int = 8
) -> tuple[DataLoader, DataLoader]:
    train = DataLoader(blobs(n_train, seed=1), batch_size=batch_size, shuffle=False)
    valid = DataLoader(blobs(n_valid, seed=2), batch_size=batch_size, shuffle=False)
    return train, valid

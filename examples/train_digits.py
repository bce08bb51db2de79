"""Train a small CNN on scikit-learn's bundled digits (8x8 images, 10 classes) with the Learner.

Runs offline in seconds on a CPU::

    python examples/train_digits.py --epochs 5

Other scripts (the demo) call :func:`train_digits` with extra callbacks, e.g. a logger.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable

import torch
from torch import nn
from torch.utils.data import TensorDataset

from torchscope.train import Callback, Learner, accuracy

DIGIT_CLASSES = tuple(str(d) for d in range(10))


def digits_datasets(
    valid_fraction: float = 0.2, seed: int = 0
) -> tuple[TensorDataset, TensorDataset]:
    """The digits as (train, valid) TensorDatasets of (1x8x8 float image in [0, 1], label)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(digits.target, dtype=torch.long)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    n_valid = int(len(labels) * valid_fraction)
    valid_idx, train_idx = order[:n_valid], order[n_valid:]
    return (
        TensorDataset(images[train_idx], labels[train_idx]),
        TensorDataset(images[valid_idx], labels[valid_idx]),
    )


def digits_cnn() -> nn.Sequential:
    """A small CNN for 1x8x8 inputs.

    Its ReLUs are modules (not ``F.relu``) so that explanation methods can hook them.
    """
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 32, kernel_size=3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 64),
        nn.ReLU(),
        nn.Linear(64, 10),
    )


def train_digits(
    epochs: int = 5,
    callbacks: Iterable[Callback] = (),
    lr_max: float = 3e-3,
    batch_size: int = 64,
    progress: bool = True,
    seed: int = 0,
) -> Learner:
    """Train :func:`digits_cnn` on the digits with the one-cycle policy; returns the Learner.

    ``learner.recorder.history`` holds the per-epoch losses and accuracy.
    """
    torch.manual_seed(seed)
    train_ds, valid_ds = digits_datasets(seed=seed)
    learner = Learner(
        digits_cnn(),
        train_ds,
        valid_ds,
        metrics=[accuracy],
        callbacks=callbacks,
        batch_size=batch_size,
        lr=lr_max,
        progress=progress,
        device="cpu",
    )
    learner.fit_one_cycle(epochs, lr_max=lr_max)
    return learner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    learner = train_digits(epochs=args.epochs)
    print(f"validation accuracy: {learner.recorder.last['accuracy']:.3f}")


if __name__ == "__main__":
    main()

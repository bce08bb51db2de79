"""A log directory of explanation records from a small CNN on scikit-learn's digits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from torchscope import SummaryWriter
from torchscope.client.explain_records import combine_targets
from torchscope.explain import explanation_record

METHODS = ("grad_cam", "guided_backprop", "saliency", "occlusion")
TAG = "digits/explain"


def digits_cnn(epochs: int = 30) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A small CNN briefly trained on the digits (8x8 images, 10 classes), and the data."""
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    labels = torch.tensor(digits.target)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(64, 10),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    for _ in range(epochs):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(images), labels).backward()
        optimizer.step()
    return model.eval(), images, labels


def records_of(model: nn.Module, image: torch.Tensor, targets: int) -> list[dict[str, Any]]:
    """One record per top prediction of ``image`` (the first ``targets`` of them)."""
    names = [f"digit {i}" for i in range(10)]
    first = explanation_record(model, image, methods=METHODS, labels=names, top_k=5)
    more = [
        explanation_record(model, image, p["index"], methods=METHODS, labels=names, top_k=5)
        for p in first["predictions"][1:targets]
    ]
    return [first, *more]


def write_explain_logdir(logdir: Path, epochs: int = 30) -> list[dict[str, Any]]:
    """Run ``cnn``: step 0 holds one target, step 1 three targets of another digit.

    Returns the records of step 1 (one per target).
    """
    model, images, _ = digits_cnn(epochs)
    single = records_of(model, images[0], 1)
    several = records_of(model, images[3], 3)
    with SummaryWriter(str(logdir / "cnn")) as writer:
        writer.add_explanation(TAG, single[0], global_step=0)
        writer.add_explanation(TAG, combine_targets(several), global_step=1)
    return several

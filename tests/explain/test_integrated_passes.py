"""Integrated gradients' passes: sized from the model, laid out for speed, same result."""

from __future__ import annotations

import pytest
import torch
from captum.attr import IntegratedGradients
from explain_models import make_model
from torch import nn

from torchscope import explain
from torchscope.explain.chunking import (
    CPU_ACTIVATION_BUDGET,
    ActivationProbe,
    groups_per_pass,
    probe_activations,
)

TARGETS = [1, 2, 3, 4]


@pytest.mark.parametrize("family", ["vgg", "resnet"])
def test_result_does_not_depend_on_rows_per_pass(family: str, images: torch.Tensor) -> None:
    model = make_model(family, "inplace", batchnorm=True)
    sized = explain.integrated_gradients(model, images, TARGETS, n_steps=10)
    for rows in (4, 12, 40):  # one step per pass, a partial last pass, all rows at once
        torch.testing.assert_close(
            explain.integrated_gradients(
                model, images, TARGETS, n_steps=10, internal_batch_size=rows
            ),
            sized,
            rtol=1e-5,
            atol=1e-7,
        )


class FlattensWithView(nn.Module):
    """``activations.view(n, -1)``: fails on channels-last activations, common in user code."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.fc = nn.Linear(6 * 8 * 8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = torch.max_pool2d(torch.relu(self.conv(x)), 2)
        return self.fc(features.view(features.shape[0], -1))


def test_models_that_need_contiguous_activations_still_work(images: torch.Tensor) -> None:
    torch.manual_seed(0)
    model = FlattensWithView().eval()
    with pytest.raises(RuntimeError):
        model(images.contiguous(memory_format=torch.channels_last))
    ours = explain.integrated_gradients(model, images, TARGETS, n_steps=8)
    theirs = IntegratedGradients(model).attribute(images, target=TARGETS, n_steps=8)
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-7)


def test_the_probe_measures_activations_not_weights() -> None:
    model = nn.Sequential(nn.Linear(1000, 50), nn.ReLU(), nn.Linear(50, 3))
    x = torch.randn(2, 1000, requires_grad=True)
    with probe_activations(model) as probe:
        model(x)
    # Saved: the input (2 x 1000) and the ReLU's output (2 x 50, saved twice: by the ReLU and by
    # the next layer, counted once); not the 1000 x 50 weight, which every pass shares.
    assert probe.largest == 2 * 1000 * 4
    assert probe.total == (2 * 1000 + 2 * 50) * 4


def probe_with(largest: int, total: int) -> ActivationProbe:
    probe = ActivationProbe(set())
    probe.largest, probe.total = largest, total
    return probe


def test_groups_per_pass_keeps_the_largest_activation_within_the_cpu_budget() -> None:
    cpu = torch.device("cpu")
    step = CPU_ACTIVATION_BUDGET // 4
    assert groups_per_pass(probe_with(step, 10 * step), 1, 50, cpu) == 4
    assert groups_per_pass(probe_with(2 * step, 10 * step), 2, 50, cpu) == 4
    # Never less than one group, never more than there are.
    assert groups_per_pass(probe_with(10 * CPU_ACTIVATION_BUDGET, 0), 1, 50, cpu) == 1
    assert groups_per_pass(probe_with(1, 1), 1, 7, cpu) == 7
    assert groups_per_pass(probe_with(0, 0), 1, 7, cpu) == 7

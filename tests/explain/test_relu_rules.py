"""The ReLU rules reach every form of ReLU, and torch is untouched afterwards."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from captum.attr import Deconvolution, GuidedBackprop, Saliency
from explain_models import make_model, with_module_relus
from torch import nn
from torch.nn.functional import relu as aliased_relu

from torchscope import explain
from torchscope.explain.relu_rules import relu_rule

TARGETS = [0, 1, 2, 3]


@pytest.mark.parametrize("family", ["vgg", "resnet"])
def test_captum_silently_returns_the_plain_gradient_on_f_relu_models_and_torchscope_does_not(
    family: str, images: torch.Tensor
) -> None:
    model = make_model(family, "functional", batchnorm=False)
    twin = with_module_relus(model, family, batchnorm=False)
    plain = Saliency(model).attribute(images, target=TARGETS, abs=False)
    true_guided = GuidedBackprop(twin).attribute(images, target=TARGETS)
    # The known pitfall: captum's hooks see no nn.ReLU, so "guided" is the plain gradient.
    torch.testing.assert_close(GuidedBackprop(model).attribute(images, target=TARGETS), plain)
    torch.testing.assert_close(Deconvolution(model).attribute(images, target=TARGETS), plain)
    assert not torch.allclose(true_guided, plain, atol=1e-6)
    torch.testing.assert_close(explain.guided_backprop(model, images, TARGETS), true_guided)
    torch.testing.assert_close(
        explain.deconvnet(model, images, TARGETS),
        Deconvolution(twin).attribute(images, target=TARGETS),
    )


class EveryReluForm(nn.Module):
    """Six convolutions, each followed by a different spelling of ReLU."""

    def __init__(self) -> None:
        super().__init__()
        self.convs = nn.ModuleList(nn.Conv2d(3 if i == 0 else 4, 4, 3, padding=1) for i in range(6))
        self.head = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.convs[0](x))
        x = aliased_relu(self.convs[1](x))
        x = self.convs[2](x).relu()
        x = self.convs[3](x).relu_()
        x = F.relu(self.convs[4](x), inplace=True)
        x = self.convs[5](x)
        torch.relu_(x)  # result ignored: the in-place effect alone must carry the rule
        return self.head(x.mean(dim=(2, 3)))


class EveryReluAsModules(nn.Module):
    def __init__(self, source: EveryReluForm) -> None:
        super().__init__()
        self.convs = source.convs
        self.relus = nn.ModuleList(nn.ReLU() for _ in range(6))
        self.head = source.head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for conv, relu in zip(self.convs, self.relus, strict=True):
            x = relu(conv(x))
        return self.head(x.mean(dim=(2, 3)))


@pytest.mark.parametrize("rule", ["guided", "deconvnet"])
def test_rules_reach_every_spelling_of_relu(rule: str, images: torch.Tensor) -> None:
    model = EveryReluForm().eval()
    twin = EveryReluAsModules(model).eval()
    torch.testing.assert_close(model(images), twin(images))
    if rule == "guided":
        ours = explain.guided_backprop(model, images, [0, 1, 2, 0])
        theirs = GuidedBackprop(twin).attribute(images, target=[0, 1, 2, 0])
    else:
        ours = explain.deconvnet(model, images, [0, 1, 2, 0])
        theirs = Deconvolution(twin).attribute(images, target=[0, 1, 2, 0])
    torch.testing.assert_close(ours, theirs)


def test_deconvnet_ignores_the_input_without_max_pooling() -> None:
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(6, 6, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(6 * 8 * 8, 5),
    )
    a, b = torch.randn(2, 1, 3, 8, 8)
    torch.testing.assert_close(
        explain.deconvnet(model, a, 2), explain.deconvnet(model, b, 2), rtol=0, atol=0
    )
    assert not torch.allclose(
        explain.guided_backprop(model, a, 2), explain.guided_backprop(model, b, 2)
    )


def test_the_rule_changes_gradients_not_values(images: torch.Tensor) -> None:
    model = EveryReluForm().eval()
    expected = model(images)
    with relu_rule("guided"):
        inside = model(images)
    torch.testing.assert_close(inside, expected, rtol=0, atol=0)


def test_leaving_the_block_restores_torch(images: torch.Tensor) -> None:
    functions = (torch.relu, torch.relu_, F.relu, F.relu_, torch.Tensor.relu, torch.Tensor.relu_)
    with pytest.raises(RuntimeError, match="boom"), relu_rule("deconvnet"):
        raise RuntimeError("boom")
    assert (
        torch.relu,
        torch.relu_,
        F.relu,
        F.relu_,
        torch.Tensor.relu,
        torch.Tensor.relu_,
    ) == functions
    assert not torch.overrides._get_current_function_mode_stack()
    x = torch.randn(5, requires_grad=True)
    (grad,) = torch.autograd.grad(torch.relu(x).sum(), x)
    torch.testing.assert_close(grad, (x > 0).float())


def test_unknown_rule_is_rejected() -> None:
    with pytest.raises(ValueError, match="rule"), relu_rule("lrp"):  # type: ignore[arg-type]
        pass

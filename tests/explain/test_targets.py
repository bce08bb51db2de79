"""Targets as an int, a per-sample sequence, a tensor or a callable give the same maps."""

from __future__ import annotations

import pytest
import torch
from explain_models import make_model

from torchscope import explain


def test_every_target_form_agrees(images: torch.Tensor) -> None:
    model = make_model("vgg", "module", batchnorm=False)
    per_sample = [2, 7, 0, 9]
    expected = explain.guided_backprop(model, images, per_sample)
    torch.testing.assert_close(
        explain.guided_backprop(model, images, torch.tensor(per_sample)), expected
    )
    torch.testing.assert_close(explain.guided_backprop(model, images, tuple(per_sample)), expected)
    picked = explain.guided_backprop(model, images, lambda out: out[torch.arange(4), per_sample])
    torch.testing.assert_close(picked, expected)
    same = explain.guided_backprop(model, images, 7)
    torch.testing.assert_close(same[1], expected[1])
    assert not torch.allclose(same[0], expected[0])
    torch.testing.assert_close(
        explain.saliency(model, images, -1), explain.saliency(model, images, 9)
    )


def test_callable_target_explains_any_score(images: torch.Tensor) -> None:
    model = make_model("resnet", "module", batchnorm=True)
    margin = explain.saliency(model, images, lambda out: out[:, 3] - out[:, 5], absolute=False)
    difference = explain.saliency(model, images, 3, absolute=False) - explain.saliency(
        model, images, 5, absolute=False
    )
    torch.testing.assert_close(margin, difference)


@pytest.mark.parametrize(
    "target,error,match",
    [
        ([1, 2], ValueError, "2 entries"),
        (10, ValueError, "out of range"),
        (1.5, TypeError, "target must be"),
        (True, TypeError, "bool"),
        (["a", "b", "c", "d"], TypeError, "ints"),
        (torch.zeros(4), ValueError, "integer"),
        (lambda out: out, ValueError, "one score per sample"),
    ],
)
def test_bad_targets_are_rejected_with_a_message(
    target: object, error: type, match: str, images: torch.Tensor
) -> None:
    model = make_model("vgg", "module", batchnorm=False)
    with pytest.raises(error, match=match):
        explain.saliency(model, images, target)  # type: ignore[arg-type]


def test_bad_inputs_are_rejected_with_a_message(images: torch.Tensor) -> None:
    model = make_model("vgg", "module", batchnorm=False)
    with pytest.raises(ValueError, match="inputs must have shape"):
        explain.saliency(model, images[0], 1)
    with pytest.raises(TypeError, match="floating-point"):
        explain.saliency(model, images.long(), 1)
    with pytest.raises(TypeError, match="model must be"):
        explain.saliency(lambda x: x, images, 1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_steps"):
        explain.integrated_gradients(model, images, 1, n_steps=0)
    with pytest.raises(ValueError, match="baseline"):
        explain.integrated_gradients(model, images, 1, baseline=torch.zeros(5, 5))
    with pytest.raises(ValueError, match="window"):
        explain.occlusion(model, images, 1, window=(0, 3))
    with pytest.raises(ValueError, match="variant"):
        explain.smooth_grad(model, images, 1, variant="mean")  # type: ignore[arg-type]

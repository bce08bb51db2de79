"""SmoothGrad over any method, its variants and its chunking."""

from __future__ import annotations

import torch
from explain_models import make_model

from torchscope import explain


def test_result_does_not_depend_on_the_chunk_size(images: torch.Tensor) -> None:
    model = make_model("resnet", "inplace", batchnorm=True)
    runs = [
        explain.smooth_grad(
            model,
            images,
            1,
            n_samples=5,
            samples_per_pass=k,
            generator=torch.Generator().manual_seed(3),
        )
        for k in (1, 2, 5, None)  # None: the first sample measured, the rest sized from it
    ]
    for run in runs[1:]:
        torch.testing.assert_close(runs[0], run)


def test_variants_and_method_keywords(images: torch.Tensor) -> None:
    model = make_model("vgg", "functional", batchnorm=False)

    def run(variant: str) -> torch.Tensor:
        return explain.smooth_grad(
            model,
            images,
            3,
            explain.grad_cam,
            4,
            variant=variant,
            generator=torch.Generator().manual_seed(0),
            layer="features.5",
            upsample_to_input=False,
        )

    mean, mean_sq, var = run("smoothgrad"), run("smoothgrad_sq"), run("vargrad")
    assert mean.shape == (4, 1, 8, 8)
    torch.testing.assert_close(var, mean_sq - mean**2)
    assert (var >= -1e-7).all() and var.max() > 0


def test_noise_level_scales_with_the_image_range(images: torch.Tensor) -> None:
    model = make_model("vgg", "module", batchnorm=False)
    relative = explain.smooth_grad(
        model,
        images * 10,
        2,
        n_samples=2,
        noise_level=0.1,
        generator=torch.Generator().manual_seed(0),
    )
    spread = images.flatten(1).amax(1) - images.flatten(1).amin(1)
    generator = torch.Generator().manual_seed(0)
    noisy = [
        images * 10
        + torch.randn(images.shape, generator=generator) * (spread * 1.0).view(4, 1, 1, 1)
        for _ in range(2)
    ]
    expected = torch.stack([explain.saliency(model, x, 2) for x in noisy]).mean(0)
    torch.testing.assert_close(relative, expected)

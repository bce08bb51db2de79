"""Every method against captum on the same weights, across ReLU forms and BatchNorm."""

from __future__ import annotations

import pytest
import torch
from captum.attr import (
    Deconvolution,
    GuidedBackprop,
    GuidedGradCam,
    IntegratedGradients,
    LayerActivation,
    LayerAttribution,
    LayerGradCam,
    Occlusion,
    Saliency,
)
from explain_models import RELU_KINDS, make_model, with_module_relus

from torchscope import explain

TARGETS = [1, 2, 3, 4]
FAMILIES = ("vgg", "resnet")


def cam_layer(family: str, batchnorm: bool) -> str:
    # A layer followed by an in-place ReLU in the "inplace" variant: the aliasing trap.
    if family == "vgg":
        return "features.7" if batchnorm else "features.5"
    return "block2.bn2"


def assert_close(ours: torch.Tensor, theirs: torch.Tensor) -> None:
    assert ours.shape == theirs.shape
    torch.testing.assert_close(
        ours, theirs, rtol=1e-5, atol=1e-6 * float(theirs.detach().abs().max()) + 1e-9
    )


@pytest.fixture(
    params=[(f, k, bn) for f in FAMILIES for k in RELU_KINDS for bn in (False, True)], ids=str
)
def models(request: pytest.FixtureRequest) -> tuple[torch.nn.Module, torch.nn.Module, str]:
    family, kind, batchnorm = request.param
    model = make_model(family, kind, batchnorm)
    # captum only hooks separate nn.ReLU modules: compare with it on a twin built that way.
    return model, with_module_relus(model, family, batchnorm), cam_layer(family, batchnorm)


def test_saliency(models, images: torch.Tensor) -> None:
    model, twin, _ = models
    assert_close(
        explain.saliency(model, images, TARGETS), Saliency(twin).attribute(images, target=TARGETS)
    )
    signed = explain.saliency(model, images, TARGETS, absolute=False)
    assert_close(signed, Saliency(twin).attribute(images, target=TARGETS, abs=False))


def test_deconvnet(models, images: torch.Tensor) -> None:
    model, twin, _ = models
    assert_close(
        explain.deconvnet(model, images, TARGETS),
        Deconvolution(twin).attribute(images, target=TARGETS),
    )


def test_guided_backprop(models, images: torch.Tensor) -> None:
    model, twin, _ = models
    assert_close(
        explain.guided_backprop(model, images, TARGETS),
        GuidedBackprop(twin).attribute(images, target=TARGETS),
    )


def mixed_sign_targets(cam: LayerGradCam, images: torch.Tensor) -> list[int]:
    """Per image, the first class whose raw CAM has both signs: on random networks most classes
    give an all-negative CAM, which the ReLU turns into zeros and would compare nothing."""
    raw = torch.stack([cam.attribute(images, target=c).detach() for c in range(10)])  # (10, N, ...)
    mixed = (raw.flatten(2).amin(2) < 0) & (raw.flatten(2).amax(2) > 0)  # (10, N)
    assert mixed.any(dim=0).all(), "some image has no class with a mixed-sign CAM"
    return mixed.float().argmax(dim=0).tolist()


def test_grad_cam(models, images: torch.Tensor) -> None:
    model, twin, layer = models
    theirs = LayerGradCam(twin, twin.get_submodule(layer))
    targets = mixed_sign_targets(theirs, images)
    raw = theirs.attribute(images, target=targets)
    ours_raw = explain.grad_cam(model, images, targets, layer, relu=False, upsample_to_input=False)
    assert_close(ours_raw, raw)
    at_layer = theirs.attribute(images, target=targets, relu_attributions=True)
    assert (at_layer == 0).any() and (at_layer > 0).any()
    assert_close(explain.grad_cam(model, images, targets, layer, upsample_to_input=False), at_layer)
    upsampled = LayerAttribution.interpolate(at_layer, (16, 16), interpolate_mode="bilinear")
    assert_close(explain.grad_cam(model, images, targets, layer), upsampled)


def test_guided_grad_cam(models, images: torch.Tensor) -> None:
    model, twin, layer = models
    guided_cam = GuidedGradCam(twin, twin.get_submodule(layer))
    targets = mixed_sign_targets(LayerGradCam(twin, twin.get_submodule(layer)), images)
    theirs = guided_cam.attribute(images, target=targets)
    assert theirs.abs().sum() > 0
    assert_close(
        explain.guided_grad_cam(model, images, targets, layer, interpolate="nearest"), theirs
    )


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid", "riemann_middle"])
def test_integrated_gradients(family: str, method: str, images: torch.Tensor) -> None:
    model = make_model(family, "inplace", batchnorm=True)
    twin = with_module_relus(model, family, True)
    baseline = torch.full_like(images, 0.1)
    theirs = IntegratedGradients(twin).attribute(
        images, baselines=baseline, target=TARGETS, n_steps=20, method=method
    )
    # Chunks of 3 steps (12 rows): the last chunk is partial.
    ours, delta = explain.integrated_gradients(
        model,
        images,
        TARGETS,
        baseline,
        n_steps=20,
        method=method,
        internal_batch_size=12,
        return_delta=True,
    )
    if method == "riemann_trapezoid":
        # captum weights the 20 trapezoid points by 1/20 (ends halved), which sums to 19/20 over
        # [0, 1]; the trapezoid rule on 20 points has spacing 1/19. Same points, uniform scale.
        theirs = theirs * 20 / 19
    assert_close(ours, theirs)
    scores = twin(torch.cat([images, baseline]))[torch.arange(8), TARGETS * 2].detach()
    torch.testing.assert_close(delta, ours.flatten(1).sum(1) - (scores[:4] - scores[4:]))


@pytest.mark.parametrize(
    "method", ["gausslegendre", "riemann_trapezoid", "riemann_left", "riemann_right"]
)
def test_quadrature_weights_integrate_constants_exactly(method: str) -> None:
    alphas, weights = explain.integrated.path_points(7, method)
    assert sum(weights) == pytest.approx(1.0)
    assert all(0 <= a <= 1 for a in alphas)


@pytest.mark.parametrize("family", FAMILIES)
def test_occlusion(family: str, images: torch.Tensor) -> None:
    model = make_model(family, "functional", batchnorm=True)
    theirs = Occlusion(model).attribute(
        images, target=TARGETS, sliding_window_shapes=(3, 6, 6), strides=(3, 2, 2)
    )
    # Windows of 6 at stride 2 tile 16 pixels exactly, so both cover the same positions.
    ours = explain.occlusion(model, images, TARGETS, window=6, stride=2, windows_per_pass=7)
    assert ours.shape == (4, 1, 16, 16)
    assert_close(ours.expand_as(theirs), theirs)


@pytest.mark.parametrize("family", FAMILIES)
def test_smooth_grad_is_the_mean_of_captum_maps_over_the_same_noise(
    family: str, images: torch.Tensor
) -> None:
    model = make_model(family, "functional", batchnorm=False)
    twin = with_module_relus(model, family, False)
    n_samples, stdev = 5, 0.3
    ours = explain.smooth_grad(
        model,
        images,
        TARGETS,
        explain.guided_backprop,
        n_samples,
        stdev=stdev,
        samples_per_pass=2,
        generator=torch.Generator().manual_seed(7),
    )
    generator = torch.Generator().manual_seed(7)
    noisy = [
        images + stdev * torch.randn(images.shape, generator=generator) for _ in range(n_samples)
    ]
    theirs = torch.stack([GuidedBackprop(twin).attribute(x, target=TARGETS) for x in noisy]).mean(
        dim=0
    )
    assert_close(ours, theirs)


def test_feature_maps(models, images: torch.Tensor) -> None:
    model, twin, layer = models
    theirs = LayerActivation(twin, twin.get_submodule(layer)).attribute(images)
    assert_close(explain.feature_maps(model, images, layer)[layer], theirs)

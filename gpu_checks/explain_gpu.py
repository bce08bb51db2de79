"""GPU check for torchscope.explain: every method on CUDA, against the CPU and against captum.

1. Correctness, in float64 so that no ReLU mask flips on rounding: each method runs on a small
   VGG-style and ResNet-style model on the CPU and on CUDA; the CUDA map must match the CPU map,
   and captum's map where captum has the method (captum runs on a twin of the model whose ReLUs
   are separate ``nn.ReLU`` modules, the only ones its hooks see; ours uses in-place ReLUs).
2. Speed, in float32 with torch's default CUDA settings: each method as a multiple of one
   forward+backward pass to the input, and integrated gradients (50 steps) against captum's
   default (all rows in one pass). Medians of repeated, synchronised runs.

Prints one table; exits 1 on any mismatch, 2 when CUDA is not available.
Run: python gpu_checks/explain_gpu.py [--batch 16] [--size 64]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from torchscope import explain

Method = Callable[[nn.Module, torch.Tensor, list[int]], torch.Tensor]


class VGGStyle(nn.Module):
    def __init__(self, inplace: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for c_in, c_out in ((3, 16), (16, 16), (16, 32), (32, 32)):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=inplace)]
            if c_in == c_out:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


class Block(nn.Module):
    def __init__(self, width: int, inplace: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=inplace)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=inplace)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))) + x)


class ResNetStyle(nn.Module):
    def __init__(self, inplace: bool) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1, bias=False),
            nn.BatchNorm2d(16),
            nn.ReLU(inplace=inplace),
            nn.MaxPool2d(2),
        )
        self.block1 = Block(16, inplace)
        self.block2 = Block(16, inplace)
        self.fc = nn.Linear(16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block2(self.block1(self.stem(x)))
        return self.fc(x.mean(dim=(2, 3)))


CAM_LAYERS = {"vgg": "features.7", "resnet": "block2.conv2"}


def make_pair(family: str) -> tuple[nn.Module, nn.Module]:
    """(model with in-place ReLUs, twin with separate ReLU modules), same weights, eval mode."""
    kind = VGGStyle if family == "vgg" else ResNetStyle
    torch.manual_seed(0)
    model = kind(inplace=True)
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):  # non-trivial statistics: eval BN is not identity
            size = module.num_features
            module.running_mean = 0.1 * torch.randn(size, generator=generator)
            module.running_var = 0.5 + torch.rand(size, generator=generator)
    twin = kind(inplace=False)
    twin.load_state_dict(model.state_dict())
    return model.eval(), twin.eval()


def ours(layer: str) -> dict[str, Method]:
    return {
        "saliency": lambda m, x, t: explain.saliency(m, x, t),
        "deconvnet": lambda m, x, t: explain.deconvnet(m, x, t),
        "guided_backprop": lambda m, x, t: explain.guided_backprop(m, x, t),
        "grad_cam": lambda m, x, t: explain.grad_cam(m, x, t, layer, relu=False),
        "grad_cam_pp": lambda m, x, t: explain.grad_cam_pp(m, x, t, layer),
        "guided_grad_cam": lambda m, x, t: explain.guided_grad_cam(
            m, x, t, layer, interpolate="nearest"
        ),
        "integrated_gradients": lambda m, x, t: explain.integrated_gradients(m, x, t, n_steps=20),
        "smooth_grad": lambda m, x, t: explain.smooth_grad(
            m, x, t, n_samples=4, stdev=0.1, generator=torch.Generator().manual_seed(0)
        ),
        "occlusion": lambda m, x, t: explain.occlusion(m, x, t, window=8, stride=4),
        "feature_maps": lambda m, x, t: explain.feature_maps(m, x, layer)[layer],
    }


def captums(layer: str) -> dict[str, Method]:
    """captum's version of the same maps, on the twin model."""
    from captum.attr import (
        Deconvolution,
        GuidedBackprop,
        GuidedGradCam,
        IntegratedGradients,
        LayerActivation,
        LayerAttribution,
        LayerGradCam,
        Saliency,
    )

    def grad_cam(m: nn.Module, x: torch.Tensor, t: list[int]) -> torch.Tensor:
        cam = LayerGradCam(m, m.get_submodule(layer)).attribute(x, target=t)
        return LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), "bilinear")

    return {
        "saliency": lambda m, x, t: Saliency(m).attribute(x, target=t),
        "deconvnet": lambda m, x, t: Deconvolution(m).attribute(x, target=t),
        "guided_backprop": lambda m, x, t: GuidedBackprop(m).attribute(x, target=t),
        "grad_cam": grad_cam,
        "guided_grad_cam": lambda m, x, t: GuidedGradCam(m, m.get_submodule(layer)).attribute(
            x, target=t
        ),
        "integrated_gradients": lambda m, x, t: IntegratedGradients(m).attribute(
            x, target=t, n_steps=20
        ),
        "feature_maps": lambda m, x, t: LayerActivation(m, m.get_submodule(layer)).attribute(x),
    }


def max_relative_error(actual: torch.Tensor, expected: torch.Tensor) -> float:
    actual, expected = actual.detach().double().cpu(), expected.detach().double().cpu()
    if actual.shape != expected.shape:
        return float("inf")
    scale = float(expected.abs().max()) or 1.0
    return float((actual - expected).abs().max()) / scale


def check_correctness(device: torch.device) -> list[tuple[str, str, float, float | None]]:
    """(family, method, CUDA-vs-CPU error, captum error) for every method, in float64."""
    rows: list[tuple[str, str, float, float | None]] = []
    x_cpu = torch.randn(4, 3, 32, 32, generator=torch.Generator().manual_seed(2)).double()
    targets = [1, 2, 3, 4]
    for family in ("vgg", "resnet"):
        model, twin = make_pair(family)
        model_cpu, model_dev = model.double(), make_pair(family)[0].double().to(device)
        twin_dev = twin.double().to(device)
        x_dev = x_cpu.to(device)
        theirs = captums(CAM_LAYERS[family])
        for name, method in ours(CAM_LAYERS[family]).items():
            on_device = method(model_dev, x_dev, targets)
            if on_device.device.type != device.type:
                raise AssertionError(f"{name} returned a map on {on_device.device}")
            versus_cpu = max_relative_error(on_device, method(model_cpu, x_cpu, targets))
            versus_captum = None
            if name in theirs:
                versus_captum = max_relative_error(
                    on_device, theirs[name](twin_dev, x_dev, targets)
                )
            rows.append((family, name, versus_cpu, versus_captum))
    return rows


def median_seconds(run: Callable[[], object], device: torch.device, repeats: int) -> float:
    run()  # warm-up (cuDNN autotuning, allocator)
    times = []
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        run()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def forward_backward(model: nn.Module, x: torch.Tensor, targets: list[int]) -> torch.Tensor:
    inputs = x.clone().requires_grad_(True)
    scores = model(inputs)[torch.arange(len(targets), device=x.device), targets]
    return torch.autograd.grad(scores.sum(), inputs)[0]


def time_methods(device: torch.device, batch: int, size: int) -> list[tuple[str, str, float]]:
    """(family, what, seconds or ratio) rows, float32."""
    from captum.attr import IntegratedGradients

    rows: list[tuple[str, str, float]] = []
    x = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(3)).to(device)
    targets = [i % 10 for i in range(batch)]
    for family in ("vgg", "resnet"):
        model, twin = (m.to(device) for m in make_pair(family))
        base = median_seconds(partial(forward_backward, model, x, targets), device, 20)
        rows.append((family, "one forward+backward (ms)", base * 1e3))
        for name, method in ours(CAM_LAYERS[family]).items():
            if name == "integrated_gradients":
                continue
            seconds = median_seconds(partial(method, model, x, targets), device, 10)
            rows.append((family, f"{name} (x fwd+bwd)", seconds / base))
        ig_ours = median_seconds(
            partial(explain.integrated_gradients, model, x, targets, n_steps=50), device, 5
        )
        ig_captum = median_seconds(
            partial(IntegratedGradients(twin).attribute, x, target=targets, n_steps=50), device, 5
        )
        rows.append((family, "integrated_gradients 50 steps (x fwd+bwd)", ig_ours / base))
        rows.append((family, "captum IntegratedGradients 50 (x fwd+bwd)", ig_captum / base))
        rows.append((family, "integrated_gradients / captum", ig_ours / ig_captum))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--rtol", type=float, default=1e-6, help="float64 tolerance, max-scaled")
    parser.add_argument(
        "--device", default="cuda", help="device to check (cpu only to try the script itself)"
    )
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("explain_gpu: CUDA is not available; this check needs a CUDA device", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")
    started = time.perf_counter()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"torch {torch.__version__} on {name}")

    failures = 0
    header = f"{'model':<7} {'method':<22} {'vs cpu':>10} {'vs captum':>10}"
    print(f"\n{header}  (max |diff| / max, float64)")
    for family, method, versus_cpu, versus_captum in check_correctness(device):
        bad = versus_cpu > args.rtol or (versus_captum is not None and versus_captum > args.rtol)
        failures += bad
        captum_text = "-" if versus_captum is None else f"{versus_captum:.1e}"
        print(
            f"{family:<7} {method:<22} {versus_cpu:>10.1e} {captum_text:>10}"
            f"  {'MISMATCH' if bad else 'ok'}"
        )

    print(f"\nfloat32, batch {args.batch} x 3x{args.size}x{args.size}, medians")
    for family, what, value in time_methods(device, args.batch, args.size):
        print(f"{family:<7} {what:<44} {value:>9.2f}")
    print(f"\n{failures} mismatch(es); {time.perf_counter() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

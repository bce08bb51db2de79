"""CNN explanations: torchscope.explain against captum on the same models, batch and targets.

Each method's time is given as a ratio to one forward + backward pass to the input (the cost
floor of every gradient method), medians of repeated runs, for a VGG-style and a ResNet-style
network on a batch of 16 images of 3x64x64. Integrated gradients uses 50 steps in both
libraries; captum runs with its defaults (all 50 x 16 rows in one pass), torchscope with its
default chunking. Then torchscope's time over captum's: the median of the rounds' ratios, and
the ratio of the fastest runs of each.

Each round times the forward+backward pass, torchscope and captum back to back, starting with a
different one each round, so that load from other processes on a shared machine hits numerator
and denominator alike. The one-pass methods get more rounds than SmoothGrad and integrated
gradients, whose forward+backward pass in each round is the median of five.

``--large`` adds integrated gradients on 3x128x128 images (batch 8), where every row's
activations are four times larger.

pytorch-grad-cam, the other library users take Grad-CAM from, is not run here: it imports
torchvision at import time, and torchvision is not installed in this environment (torchscope
does not depend on it). Its costs measured elsewhere are in the project's reference notes.

Run: python benchmarks/explain.py [--repeats 15] [--threads N] [--large]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from functools import partial

import torch
import torch.nn.functional as F
from captum.attr import (
    Deconvolution,
    GuidedBackprop,
    GuidedGradCam,
    IntegratedGradients,
    LayerAttribution,
    LayerGradCam,
    NoiseTunnel,
    Saliency,
)
from torch import nn

from torchscope import explain


class VGGStyle(nn.Module):
    def __init__(self, size: int = 64) -> None:
        super().__init__()

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(
            *block(3, 32), *block(32, 32), nn.MaxPool2d(2),
            *block(32, 64), *block(64, 64), nn.MaxPool2d(2),
            *block(64, 128), *block(128, 128), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(128 * (size // 8) ** 2, 256), nn.ReLU(), nn.Linear(256, 10)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class Block(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu2 = nn.ReLU()
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        return self.relu2(self.bn2(self.conv2(out)) + self.skip(x))


class ResNetStyle(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU()
        )
        self.layer1 = Block(32, 32, 1)
        self.layer2 = Block(32, 64, 2)
        self.layer3 = Block(64, 128, 2)
        self.fc = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def median_seconds(run: Callable[[], object], times: int) -> float:
    return statistics.median(seconds(run) for _ in range(times))


def median_ratios(
    base: Callable[[], object],
    ours: Callable[[], object],
    theirs: Callable[[], object],
    repeats: int,
    base_runs: int = 1,
) -> tuple[float, float, float, float]:
    """Median over rounds of (ours / base, theirs / base, ours / theirs), and the fastest of
    ours over the fastest of theirs (load only ever slows a run down, so the fastest runs are
    the least disturbed: a check on the medians when few rounds fit).

    Each round times all three back to back, the first one rotating, so load from other
    processes on a shared machine hits the numerator and the denominator alike. ``base`` is
    the median of ``base_runs`` runs in each round.
    """
    for run in (base, ours, theirs):  # warm-up
        run()
    runs = [partial(median_seconds, base, base_runs), partial(seconds, ours)]
    runs.append(partial(seconds, theirs))
    rounds = []
    for index in range(repeats):
        order = [(index + shift) % 3 for shift in range(3)]
        timed = {which: runs[which]() for which in order}
        rounds.append((timed[0], timed[1], timed[2]))
    return (
        statistics.median(o / b for b, o, _ in rounds),
        statistics.median(t / b for b, _, t in rounds),
        statistics.median(o / t for _, o, t in rounds),
        min(o for _, o, _ in rounds) / min(t for _, _, t in rounds),
    )


def forward_backward(model: nn.Module, x: torch.Tensor, target: list[int]) -> torch.Tensor:
    inputs = x.clone().requires_grad_(True)
    scores = model(inputs)[torch.arange(len(target)), target]
    return torch.autograd.grad(scores.sum(), inputs)[0]


def cases(
    model: nn.Module, layer: nn.Module, x: torch.Tensor, t: list[int]
) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """(name, torchscope call, captum call) on the same work."""
    size = tuple(x.shape[-2:])
    return [
        (
            "saliency",
            lambda: explain.saliency(model, x, t),
            lambda: Saliency(model).attribute(x, target=t),
        ),
        (
            "deconvnet",
            lambda: explain.deconvnet(model, x, t),
            lambda: Deconvolution(model).attribute(x, target=t),
        ),
        (
            "guided_backprop",
            lambda: explain.guided_backprop(model, x, t),
            lambda: GuidedBackprop(model).attribute(x, target=t),
        ),
        (
            "grad_cam",
            lambda: explain.grad_cam(model, x, t, layer),
            lambda: LayerAttribution.interpolate(
                LayerGradCam(model, layer).attribute(x, target=t, relu_attributions=True),
                size,
                "bilinear",
            ),
        ),
        (
            "guided_grad_cam",
            lambda: explain.guided_grad_cam(model, x, t, layer),
            lambda: GuidedGradCam(model, layer).attribute(x, target=t),
        ),
        (
            "smooth_grad (10 samples)",
            lambda: explain.smooth_grad(model, x, t, n_samples=10, stdev=0.1),
            lambda: NoiseTunnel(Saliency(model)).attribute(
                x, nt_type="smoothgrad", nt_samples=10, stdevs=0.1, target=t
            ),
        ),
        (
            "integrated_gradients (50 steps)",
            lambda: explain.integrated_gradients(model, x, t, n_steps=50),
            lambda: IntegratedGradients(model).attribute(x, target=t, n_steps=50),
        ),
    ]


def run_table(
    x: torch.Tensor, targets: list[int], repeats: int, only_integrated: bool = False
) -> None:
    for name, model, layer_name in (
        ("vgg", VGGStyle(x.shape[-1]), "features.12"),
        ("resnet", ResNetStyle(), "layer3.conv2"),
    ):
        model.eval()
        layer = model.get_submodule(layer_name)
        base = partial(forward_backward, model, x, targets)
        for method, ours, theirs in cases(model, layer, x, targets):
            if only_integrated and "integrated" not in method:
                continue
            if "integrated" in method or "smooth" in method:  # many passes: fewer rounds
                ratios = median_ratios(base, ours, theirs, max(3, repeats // 3), base_runs=5)
            else:
                ratios = median_ratios(base, ours, theirs, repeats)
            print(
                f"{name:<8} {method:<32} {ratios[0]:>10.2f} {ratios[1]:>8.2f} {ratios[2]:>10.2f}"
                f" {ratios[3]:>9.2f}",
                flush=True,
            )
        print(
            f"{name:<8} {'(one forward+backward, ms)':<32} {median_seconds(base, 5) * 1e3:>10.1f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument(
        "--large", action="store_true", help="also integrated gradients on 8 x 3x128x128"
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    header = (
        f"{'model':<8} {'method':<32} {'torchscope':>10} {'captum':>8} {'ts/captum':>10}"
        f" {'fastest':>9}   (x one forward+backward; fastest: ts/captum of the fastest runs)"
    )
    configurations = [(args.batch, args.size, False)]
    if args.large:
        configurations.append((8, 128, True))
    for batch, size, only_integrated in configurations:
        torch.manual_seed(0)
        x = torch.randn(batch, 3, size, size)
        targets = [i % 10 for i in range(batch)]
        print(
            f"batch {batch} x 3x{size}x{size}, {torch.get_num_threads()} threads, "
            f"median of {args.repeats} rounds ({max(3, args.repeats // 3)} for smooth_grad "
            "and integrated gradients)"
        )
        print(header)
        run_table(x, targets, args.repeats, only_integrated)


if __name__ == "__main__":
    main()

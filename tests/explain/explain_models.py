"""Small VGG- and ResNet-style CNNs whose ReLUs come in every form a real model uses them."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

ReluKind = Literal["module", "inplace", "functional", "shared"]
RELU_KINDS: tuple[ReluKind, ...] = ("module", "inplace", "functional", "shared")


class VGGStyle(nn.Module):
    """conv-relu-conv-relu-pool-conv-relu-pool-fc; ``layer`` names: features.0 ... features.N."""

    def __init__(
        self,
        kind: ReluKind = "module",
        batchnorm: bool = False,
        classes: int = 10,
        channels: int = 3,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.shared = nn.ReLU()
        layers: list[nn.Module] = []
        widths = [(channels, 8), (8, 8), "pool", (8, 16), "pool"]
        for spec in widths:
            if spec == "pool":
                layers.append(nn.MaxPool2d(2))
                continue
            c_in, c_out = spec
            layers.append(nn.Conv2d(c_in, c_out, 3, padding=1))
            if batchnorm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(self._relu())
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(16 * 4 * 4, classes)

    def _relu(self) -> nn.Module:
        if self.kind == "shared":
            return self.shared
        if self.kind == "module":
            return nn.ReLU()
        if self.kind == "inplace":
            return nn.ReLU(inplace=True)
        return _FunctionalReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).flatten(1))


class _FunctionalReLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


class BasicBlock(nn.Module):
    def __init__(self, width: int, kind: ReluKind, batchnorm: bool) -> None:
        super().__init__()
        self.kind = kind
        self.conv1 = nn.Conv2d(width, width, 3, padding=1, bias=not batchnorm)
        self.bn1: nn.Module = nn.BatchNorm2d(width) if batchnorm else nn.Identity()
        self.conv2 = nn.Conv2d(width, width, 3, padding=1, bias=not batchnorm)
        self.bn2: nn.Module = nn.BatchNorm2d(width) if batchnorm else nn.Identity()
        # "shared": one ReLU module applied twice in the block, as torchvision's ResNet does.
        self.relu = nn.ReLU(inplace=kind == "inplace")

    def _act(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "functional":
            return F.relu(x)
        return self.relu(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self._act(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self._act(out + x)


class ResNetStyle(nn.Module):
    """stem conv + two basic blocks (with skips) + global average pool + fc."""

    def __init__(
        self,
        kind: ReluKind = "module",
        batchnorm: bool = True,
        classes: int = 10,
        channels: int = 3,
    ) -> None:
        super().__init__()
        self.kind = kind
        self.stem = nn.Conv2d(channels, 8, 3, padding=1)
        self.stem_relu = nn.ReLU(inplace=kind == "inplace")
        self.pool = nn.MaxPool2d(2)
        self.block1 = BasicBlock(8, kind, batchnorm)
        self.block2 = BasicBlock(8, kind, batchnorm)
        self.fc = nn.Linear(8, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        x = F.relu(x) if self.kind == "functional" else self.stem_relu(x)
        x = self.block2(self.block1(self.pool(x)))
        return self.fc(x.mean(dim=(2, 3)))


def make_model(family: str, kind: ReluKind, batchnorm: bool, seed: int = 0) -> nn.Module:
    """A model with weights fixed by ``seed`` (the same for every ``kind``), in eval mode."""
    torch.manual_seed(seed)
    model: nn.Module = (
        VGGStyle(kind, batchnorm) if family == "vgg" else ResNetStyle(kind, batchnorm)
    )
    if batchnorm:
        # Non-trivial running statistics so that eval-mode BatchNorm is not the identity.
        generator = torch.Generator().manual_seed(seed + 1)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.copy_(
                    0.1 * torch.randn(module.num_features, generator=generator)
                )
                module.running_var.copy_(0.5 + torch.rand(module.num_features, generator=generator))
                module.weight.data.copy_(
                    1 + 0.2 * torch.randn(module.num_features, generator=generator)
                )
                module.bias.data.copy_(0.1 * torch.randn(module.num_features, generator=generator))
    return model.eval()


def with_module_relus(model: nn.Module, family: str, batchnorm: bool) -> nn.Module:
    """The same weights with every ReLU a separate nn.ReLU module (what captum hooks)."""
    twin = VGGStyle("module", batchnorm) if family == "vgg" else ResNetStyle("module", batchnorm)
    twin.load_state_dict(model.state_dict())
    return twin.eval()

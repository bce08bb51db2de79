"""Small models with the shapes graph tracing must handle (shared by the graph tests)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, stride=1, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(torch.relu(self.bn(self.conv1(x))), 2)
        return self.fc(x.flatten(1))


class DictModel(nn.Module):
    """Takes a dict batch, returns a dict."""

    def __init__(self) -> None:
        super().__init__()
        self.image = nn.Linear(6, 4)
        self.text = nn.Linear(5, 4)
        self.head = nn.Linear(8, 3)

    def forward(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        features = torch.cat([self.image(batch["image"]), self.text(batch["text"])], dim=1)
        return {"logits": self.head(features), "features": features}


class TupleModel(nn.Module):
    """Takes a pair, returns a pair."""

    def __init__(self) -> None:
        super().__init__()
        self.left = nn.Linear(4, 4)
        self.right = nn.Linear(4, 2)

    def forward(self, pair: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        a, b = pair
        return self.left(a) + b, self.right(b)


class SharedModel(nn.Module):
    """One Linear applied twice."""

    def __init__(self) -> None:
        super().__init__()
        self.shared = nn.Linear(4, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.shared(torch.tanh(self.shared(x))))


class FunctionalModel(nn.Module):
    """Functional calls and operators, and a parameter used directly."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(3, 8))
        self.proj = nn.Linear(8, 8)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.proj(x)) + y * 2
        h = torch.cat([h, x], dim=1).view(x.size(0), -1)
        return F.linear(h[:, :8], self.weight)


class NestedModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Sequential(nn.Linear(4, 8), nn.ReLU()),
            nn.Sequential(nn.Sequential(nn.Linear(8, 8), nn.GELU()), nn.Linear(8, 2)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class RecurrentModel(nn.Module):
    """An LSTM whose tuple output is unpacked: plumbing that must fold away."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(6, 5, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(10, 2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out, (h, _c) = self.lstm(x)
        return self.head(out[:, -1]), h


class ValueDependentModel(nn.Module):
    """Branches on a tensor value: neither fx nor export can follow it."""

    def __init__(self) -> None:
        super().__init__()
        self.positive = nn.Linear(4, 3)
        self.negative = nn.Linear(4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return torch.sigmoid(self.positive(x))
        return self.negative(x)


class ShapeDependentModel(nn.Module):
    """Branches on a shape: fx cannot follow it, torch.export can."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[0] > 1:
            x = x * 0.5
        return torch.relu(self.fc(x))


class TiedModel(nn.Module):
    """Embedding and decoder share one weight (counted once)."""

    def __init__(self, vocab: int = 50, dim: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.mix = nn.Linear(dim, dim)
        self.decoder = nn.Linear(dim, vocab, bias=False)
        self.decoder.weight = self.embed.weight
        self.mix.bias.requires_grad_(False)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.tanh(self.mix(self.embed(tokens))))


class AttentionModel(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm = nn.LayerNorm(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attended, _ = self.attention(x, x, x)
        return self.norm(x + attended)


class OptionalArgsModel(nn.Module):
    """A None default and a loop count: non-tensor arguments are traced as constants."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(
        self, x: torch.Tensor, mask: torch.Tensor | None = None, steps: int = 1
    ) -> torch.Tensor:
        for _ in range(steps):
            x = self.fc(x)
        if mask is not None:
            x = x.masked_fill(mask, 0.0)
        return x


class Borrower(nn.Module):
    """Calls a layer it does not own (registered on its parent)."""

    def __init__(self, lender: nn.Module) -> None:
        super().__init__()
        self.own = nn.Linear(4, 4)
        self._lender = [lender]  # a plain list: not a submodule

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._lender[0](self.own(x))


class BorrowingModel(nn.Module):
    """The call tree differs from the module tree: ``inner`` runs ``lent``, owned by the root."""

    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Sequential(Borrower(nn.Identity()))
        self.lent = nn.Linear(4, 4)
        self.inner[0]._lender = [self.lent]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)

"""Activation checkpointing: same gradients as none, fewer saved activations, same state dict."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from torchscope.train import Learner, apply_checkpointing, remove_checkpointing
from torchscope.train.checkpointing import CheckpointSpec, is_checkpointed


class Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.drop = nn.Dropout(0.2)  # random: checkpointing must replay the same mask

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.drop(torch.tanh(self.linear(x)))


def deep_model(n_blocks: int = 9, width: int = 6) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(*[Block(width) for _ in range(n_blocks)], nn.Linear(width, 3)).double()


def gradients(model: nn.Module, x: torch.Tensor) -> tuple[list[torch.Tensor], int]:
    """Parameter gradients of one forward/backward and the number of tensors autograd saved
    outside checkpointed regions."""
    saved = 0

    def pack(t: torch.Tensor) -> torch.Tensor:
        nonlocal saved
        saved += 1
        return t

    model.train()
    model.zero_grad()
    torch.manual_seed(123)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = model(x).pow(2).sum()
    loss.backward()
    return [p.grad.clone() for p in model.parameters()], saved


@pytest.mark.parametrize("spec", ["sqrt", 4, {Block}])
def test_checkpointing_gives_the_same_gradients(spec: CheckpointSpec) -> None:
    x = torch.randn(5, 6, dtype=torch.float64)
    reference, saved_plain = gradients(deep_model(), x)
    model = apply_checkpointing(deep_model(), spec)
    checkpointed, saved_ckpt = gradients(model, x)
    for a, b in zip(reference, checkpointed, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-14)
    assert saved_ckpt < saved_plain / 2  # the activations really are not kept


def test_state_dict_keys_unchanged_and_removable() -> None:
    plain_keys = list(deep_model().state_dict())
    model = apply_checkpointing(deep_model(), {Block})
    assert list(model.state_dict()) == plain_keys
    assert all(is_checkpointed(m) for m in model if isinstance(m, Block))
    remove_checkpointing(model)
    assert not any(is_checkpointed(m) for m in model.modules())
    x = torch.randn(5, 6, dtype=torch.float64)
    assert gradients(model, x)[1] == gradients(deep_model(), x)[1]


def test_eval_mode_and_no_grad_skip_checkpointing() -> None:
    model = apply_checkpointing(deep_model(), "sqrt")
    x = torch.randn(5, 6, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(model.eval()(x), deep_model().eval()(x))


def test_learner_with_checkpointing_trains_identically() -> None:
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(24, 6, generator=gen, dtype=torch.float64)
    y = torch.randint(0, 3, (24,), generator=gen)
    data = DataLoader(TensorDataset(x, y), batch_size=8)

    def trained(spec: CheckpointSpec) -> nn.Module:
        torch.manual_seed(5)  # same dropout masks in both runs
        learner = Learner(
            deep_model(),
            data,
            opt_func=torch.optim.SGD,
            lr=0.1,
            checkpoint=spec,
            progress=False,
            device="cpu",
        )
        learner.fit(1)
        return learner.model

    for a, b in zip(trained(None).parameters(), trained("sqrt").parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-13)


def test_bad_checkpoint_arguments() -> None:
    with pytest.raises(ValueError, match=r"nn\.Sequential"):
        apply_checkpointing(Block(3), "sqrt")
    with pytest.raises(ValueError, match="no submodule"):
        apply_checkpointing(deep_model(), {nn.Conv2d})
    with pytest.raises(ValueError, match="segments"):
        apply_checkpointing(deep_model(), 50)
    with pytest.raises(ValueError, match="checkpoint must be"):
        apply_checkpointing(deep_model(), {"Block"})  # type: ignore[arg-type]

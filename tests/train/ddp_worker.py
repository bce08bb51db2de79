"""Trains a tiny float64 model; run under torchrun by test_ddp.py, or in-process for reference.

Usage (under torchrun): ``ddp_worker.py OUT_DIR``; every rank writes ``OUT_DIR/rank<r>.pt``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from torchscope.train import CSVLogger, Learner, accuracy

EPOCHS = 2
PER_RANK_BATCH = 4


def datasets() -> tuple[TensorDataset, TensorDataset]:
    gen = torch.Generator().manual_seed(0)
    centers = torch.randn(3, 4, generator=gen, dtype=torch.float64) * 2
    labels = torch.arange(59) % 3
    x = centers[labels] + torch.randn(59, 4, generator=gen, dtype=torch.float64)
    # 48 training samples: 6 global batches of 8; 11 validation samples: shards of 6 and 5.
    return TensorDataset(x[:48], labels[:48]), TensorDataset(x[48:], labels[48:])


def make_learner(batch_size: int, strategy: str | None, callbacks: list[Any]) -> Learner:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 3)).double()
    train, valid = datasets()
    return Learner(
        model,
        DataLoader(train, batch_size=batch_size, shuffle=False),
        DataLoader(valid, batch_size=batch_size),
        opt_func=lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
        lr=0.05,
        metrics=[accuracy],
        callbacks=callbacks,
        strategy=strategy,
        # Non-reentrant checkpointing must work under DDP (the re-entrant kind breaks reduction).
        checkpoint="sqrt",
        progress=False,
    )


def result(learner: Learner) -> dict[str, Any]:
    return {
        "params": [p.detach().clone() for p in learner.model.parameters()],
        "losses": learner.recorder.losses,
        "history": learner.recorder.history,
    }


def main(out_dir: Path) -> None:
    rank = int(os.environ["RANK"])
    csv_path = out_dir / f"history_rank{rank}.csv"
    with make_learner(PER_RANK_BATCH, "ddp", [CSVLogger(csv_path)]) as learner:
        learner.fit(EPOCHS)
        learner.save(out_dir / f"saved_by_rank{rank}.pt")
        info = result(learner)
        info.update(
            world_size=learner.strategy.world_size,
            threads=torch.get_num_threads(),
            sampler=type(learner._train_dl.sampler).__name__,
            train_batches=len(learner._train_dl),
            valid_samples=len(learner._valid_dl.sampler) if learner._valid_dl else 0,
            wrapped=type(learner.wrapped).__name__,
        )
        torch.save(info, out_dir / f"rank{rank}.pt")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

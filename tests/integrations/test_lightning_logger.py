"""``TorchscopeLightningLogger`` in a real (tiny) Lightning fit."""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from torchscope.integrations.lightning import TorchscopeLightningLogger
from torchscope.logdir import LogdirStore, StoreOptions

from .conftest import LiveServer

STEPS_PER_EPOCH = 4
EPOCHS = 2


class TinyRegression(pl.LightningModule):
    def __init__(self, lr: float = 0.05, hidden: int = 4) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.net = torch.nn.Sequential(
            torch.nn.Linear(3, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 1)
        )

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], index: int) -> torch.Tensor:
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self) -> torch.optim.Optimizer:
        return torch.optim.SGD(self.parameters(), lr=self.hparams["lr"])


def _fit(logger: pl.loggers.Logger) -> None:
    torch.manual_seed(0)
    x = torch.randn(STEPS_PER_EPOCH * 8, 3)
    data = DataLoader(TensorDataset(x, x.sum(dim=1, keepdim=True)), batch_size=8)
    trainer = pl.Trainer(
        max_epochs=EPOCHS,
        logger=logger,
        log_every_n_steps=1,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
    )
    trainer.fit(TinyRegression(), data)


def _read(logdir: Path) -> LogdirStore:
    store = LogdirStore(str(logdir), StoreOptions(reload_interval=0))
    store.wait_until_loaded()
    return store


def test_fit_writes_metrics_and_hparams_to_the_logdir_and_live(
    tmp_path: Path, live_server: LiveServer
) -> None:
    logger = TorchscopeLightningLogger(tmp_path, name="exp", server_url=live_server.url, env="fit")
    _fit(logger)
    assert logger.log_dir == str(tmp_path / "exp" / "version_0")
    store = _read(tmp_path)
    try:
        assert store.runs() == ["exp/version_0"]
        loss = store.scalars("exp/version_0", "train_loss")
        assert loss.steps.tolist() == list(range(STEPS_PER_EPOCH * EPOCHS))
        assert bool((loss.values > 0).all())
        assert "exp/version_0" in store.tags("hparams")
        live = live_server.line_ys("fit", "train_loss")
        # The live pane got the same numbers as the logdir.
        assert live == pytest.approx(loss.values.tolist(), rel=1e-6)
        hparams = live_server.plugin.store.window("fit", "hparams")
        assert hparams is not None and "lr" in str(hparams.to_json()["content"])
    finally:
        store.close()


def test_versions_count_up_like_the_tensorboard_logger(tmp_path: Path) -> None:
    first = TorchscopeLightningLogger(tmp_path, name="exp")
    _fit(first)
    second = TorchscopeLightningLogger(tmp_path, name="exp")
    assert second.version == 1
    assert TorchscopeLightningLogger(tmp_path, name="exp", version="best").log_dir.endswith("best")
    with pytest.raises(TypeError, match="version"):
        TorchscopeLightningLogger(tmp_path, version=1.5)  # type: ignore[arg-type]


def test_runs_of_lightnings_own_tensorboard_logger_open_in_torchscope(tmp_path: Path) -> None:
    from lightning.pytorch.loggers import TensorBoardLogger

    _fit(TensorBoardLogger(tmp_path, name="tb"))
    store = _read(tmp_path)
    try:
        assert store.runs() == ["tb/version_0"]
        assert len(store.scalars("tb/version_0", "train_loss")) == STEPS_PER_EPOCH * EPOCHS
    finally:
        store.close()

"""``TorchscopeCallback`` in a real Hugging Face ``Trainer`` run on a tiny model built in code."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch.utils.data import Dataset
from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

from torchscope.integrations.huggingface import TorchscopeCallback, metric_tag
from torchscope.logdir import LogdirStore, StoreOptions

from .conftest import LiveServer

MAX_STEPS = 6
EVAL_EVERY = 3


class TokenParity(Dataset[dict[str, torch.Tensor]]):
    """Sequences of token ids labelled by whether token 1 appears (made here, nothing fetched)."""

    def __init__(self, count: int) -> None:
        generator = torch.Generator().manual_seed(0)
        self.ids = torch.randint(2, 16, (count, 6), generator=generator)
        self.ids[::2, 0] = 1
        self.labels = (self.ids == 1).any(dim=1).long()

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[index], "labels": self.labels[index]}


def test_trainer_run_is_logged_to_the_logdir_and_live(
    tmp_path: Path, live_server: LiveServer
) -> None:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=16, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=16, max_position_embeddings=8,
    )  # fmt: skip
    config.num_labels = 2
    model = BertForSequenceClassification(config)
    log_dir = tmp_path / "logs" / "run"
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        max_steps=MAX_STEPS,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=8,
        logging_steps=1,
        eval_strategy="steps",
        eval_steps=EVAL_EVERY,
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        disable_tqdm=True,
    )
    callback = TorchscopeCallback(log_dir, server_url=live_server.url, env="hf")
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=TokenParity(32),
        eval_dataset=TokenParity(8),
        callbacks=[callback],
    )
    trainer.train()

    store = LogdirStore(str(tmp_path / "logs"), StoreOptions(reload_interval=0))
    try:
        store.wait_until_loaded()
        loss = store.scalars("run", "train/loss")
        assert loss.steps.tolist() == list(range(1, MAX_STEPS + 1))
        eval_loss = store.scalars("run", "eval/loss")
        assert eval_loss.steps.tolist() == [EVAL_EVERY, 2 * EVAL_EVERY]
        assert "run" in store.tags("hparams")
        assert live_server.line_ys("hf", "train/loss") == pytest.approx(
            loss.values.tolist(), rel=1e-6
        )
        hparams = live_server.plugin.store.window("hf", "hparams")
        assert hparams is not None and "model/hidden_size" in str(hparams.to_json()["content"])
    finally:
        store.close()


def test_metric_names_follow_the_trainers_tensorboard_callback() -> None:
    assert metric_tag("loss") == "train/loss"
    assert metric_tag("eval_accuracy") == "eval/accuracy"
    assert metric_tag("test_f1") == "test/f1"

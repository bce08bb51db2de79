"""Training, validation, prediction, persistence and submissions."""

from __future__ import annotations

import csv
import logging
import sys
from pathlib import Path

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from torchscope.train import DataParallelStrategy, Learner, accuracy

from .helpers import blobs, loaders, mlp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
from train_digits import digits_cnn, digits_datasets, train_digits


def test_fit_on_digits_reduces_loss_and_learns() -> None:
    learner = train_digits(epochs=2, progress=False, batch_size=128, lr_max=1e-2)
    history = learner.recorder.history
    assert len(history) == 2
    losses = learner.recorder.losses
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.5 * first
    assert history[-1]["accuracy"] > 0.8
    # The recorder's epoch accuracy agrees with an independent evaluation of the model.
    preds, targets = learner.get_preds()
    assert targets is not None
    assert (preds.argmax(1) == targets).float().mean().item() == pytest.approx(
        history[-1]["accuracy"], abs=1e-6
    )


def test_validate_matches_manual_computation() -> None:
    train, valid = loaders(n_valid=20, batch_size=8)  # 8 + 8 + 4: uneven last batch
    learner = Learner(mlp(), train, valid, metrics=[accuracy], progress=False, device="cpu")
    results = learner.validate()
    x, y = valid.dataset.tensors  # type: ignore[attr-defined]
    with torch.no_grad():
        out = learner.model(x)
    assert results["valid_loss"] == pytest.approx(
        nn.functional.cross_entropy(out, y).item(), rel=1e-6
    )
    assert results["accuracy"] == pytest.approx((out.argmax(1) == y).float().mean().item())


def test_datasets_are_batched_with_batch_size() -> None:
    learner = Learner(mlp(), blobs(30), blobs(10), batch_size=7, progress=False, device="cpu")
    learner.fit(1)
    assert len(learner.recorder.losses) == 5  # ceil(30 / 7)
    assert learner.train_loader.batch_size == 7


def test_predict_and_get_preds_restore_training_mode() -> None:
    train, valid = loaders()
    learner = Learner(mlp(), train, valid, progress=False, device="cpu")
    learner.model.train()
    item = valid.dataset[0][0]
    out = learner.predict(item)
    assert out.shape == (3,)
    torch.testing.assert_close(out, learner.model(item.unsqueeze(0))[0].detach())
    probs, _ = learner.get_preds(activation=lambda t: t.softmax(-1))
    torch.testing.assert_close(probs.sum(1), torch.ones(len(probs)))
    assert learner.model.training


def test_save_load_round_trip(tmp_path: Path) -> None:
    train, valid = loaders()
    learner = Learner(mlp(seed=1), train, valid, progress=False, device="cpu")
    learner.fit(1)
    path = learner.save(tmp_path / "ckpt" / "model.pt")
    other = Learner(mlp(seed=2), train, valid, progress=False, device="cpu")
    other.load(path)
    for a, b in zip(
        learner.model.state_dict().values(), other.model.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # The optimizer state came back too (AdamW keeps one step count per parameter).
    assert (
        other.opt.state_dict()["state"][0]["step"] == learner.opt.state_dict()["state"][0]["step"]
    )


def test_save_load_between_data_parallel_and_plain(tmp_path: Path) -> None:
    train, valid = loaders()
    wrapped = Learner(mlp(seed=1), train, valid, strategy="data_parallel", progress=False)
    wrapped.fit(1)
    path = wrapped.save(tmp_path / "dp.pt")
    saved = torch.load(path, weights_only=True)["model"]
    assert not any(k.startswith("module.") for k in saved)

    plain = Learner(mlp(seed=3), train, valid, progress=False, device="cpu")
    plain.load(path)
    torch.testing.assert_close(plain.model[0].weight, wrapped.model[0].weight, rtol=0, atol=0)

    # A raw state dict of an nn.DataParallel module (keys prefixed "module.") loads too.
    torch.save(nn.DataParallel(mlp(seed=4)).state_dict(), tmp_path / "raw.pt")
    plain.load(tmp_path / "raw.pt")
    torch.testing.assert_close(plain.model[0].weight, mlp(seed=4)[0].weight, rtol=0, atol=0)


def test_load_rejects_pickled_objects(tmp_path: Path) -> None:
    train, _ = loaders()
    torch.save({"model": {"w": torch.zeros(1)}, "evil": logging.getLogger("x")}, tmp_path / "p.pt")
    learner = Learner(mlp(), train, progress=False, device="cpu")
    with pytest.raises(Exception, match=r"weights_only|Unsupported global"):
        learner.load(tmp_path / "p.pt")
    with pytest.raises(FileNotFoundError, match="path"):
        learner.load(tmp_path / "missing.pt")


def test_export_submission_writes_kaggle_csv(tmp_path: Path) -> None:
    train_ds, valid_ds = digits_datasets()
    learner = Learner(digits_cnn(), train_ds, valid_ds, progress=False, device="cpu")
    test_images = valid_ds.tensors[0][:10]
    test_data = DataLoader(TensorDataset(test_images), batch_size=4)  # no labels
    path = learner.export_submission(
        test_data,
        tmp_path / "submission.csv",
        ids=range(1, 11),
        id_column="ImageId",
        label_column="Label",
    )
    with path.open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["ImageId", "Label"]
    expected = learner.model.eval()(test_images).argmax(1).tolist()
    assert rows[1:] == [[str(i + 1), str(label)] for i, label in enumerate(expected)]

    with pytest.raises(ValueError, match="ids has 3 entries"):
        learner.export_submission(test_data, tmp_path / "bad.csv", ids=[1, 2, 3])
    named = learner.export_submission(
        test_data, tmp_path / "named.csv", classes=[f"digit{d}" for d in range(10)]
    )
    assert named.read_text().splitlines()[1] == f"0,digit{expected[0]}"


def test_data_parallel_without_gpu_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    if torch.cuda.is_available():
        pytest.skip("this checks the CPU fallback; GPUs are visible")
    train, valid = loaders()
    with caplog.at_level(logging.INFO, logger="torchscope.train"):
        learner = Learner(mlp(), train, valid, strategy="dp", progress=False)
        learner.fit(1)
    strategy = learner.strategy
    assert isinstance(strategy, DataParallelStrategy) and strategy.fell_back
    assert learner.wrapped is learner.model
    assert not isinstance(learner.wrapped, nn.DataParallel)
    assert learner.device == torch.device("cpu")
    assert "no GPU is visible" in caplog.text
    # close() releases the strategy; the learner can train again with the same optimizer.
    opt = learner.opt
    learner.close()
    learner.fit(1)
    assert learner.opt is opt and len(learner.recorder.losses) == 4


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "not a model"}, TypeError, "model"),
        ({"train_data": [1, 2, 3]}, TypeError, "train_data"),
        ({"valid_data": 5}, TypeError, "valid_data"),
        ({"lr": -1.0}, ValueError, "lr"),
        ({"loss_func": 3}, TypeError, "loss_func"),
        ({"strategy": "tpu"}, ValueError, "strategy"),
        ({"checkpoint": "cube"}, ValueError, "checkpoint"),
        ({"metrics": [42]}, TypeError, "metrics"),
        ({"strategy": "ddp"}, RuntimeError, "torchrun"),
    ],
)
def test_bad_arguments_name_themselves(kwargs: dict, error: type[Exception], match: str) -> None:
    train, _ = loaders()
    args = {"model": mlp(), "train_data": train, "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        Learner(**args)


def test_bad_fit_arguments() -> None:
    train, _ = loaders()
    learner = Learner(mlp(), train, progress=False, device="cpu")
    with pytest.raises(ValueError, match="epochs"):
        learner.fit(0)
    with pytest.raises(ValueError, match="no validation data"):
        learner.validate()

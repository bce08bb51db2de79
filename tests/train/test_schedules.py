"""The one-cycle schedule and the learning-rate finder."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
import torch
from PIL import Image

from torchscope.train import Callback, Learner, one_cycle_lr

from .helpers import blobs, loaders, mlp


def test_one_cycle_lr_shape_in_a_fit() -> None:
    train, _ = loaders(n_train=80, batch_size=8)  # 10 batches per epoch
    betas: list[float] = []

    class Beta1(Callback):
        def after_batch(self) -> None:
            betas.append(self.learner.opt.param_groups[0]["betas"][0])

    learner = Learner(mlp(), train, lr=0.02, progress=False, device="cpu")
    learner.fit_one_cycle(
        2, lr_max=0.1, div=20.0, final_div=1e3, pct_start=0.3, callbacks=[Beta1()]
    )
    lrs = learner.recorder.lrs
    assert len(lrs) == 20
    peak = lrs.index(max(lrs))
    assert lrs[0] == pytest.approx(0.1 / 20)
    assert peak == 6  # 30% of 20 batches
    assert max(lrs) == pytest.approx(0.1)
    assert all(a < b for a, b in itertools.pairwise(lrs[: peak + 1]))
    assert all(a > b for a, b in itertools.pairwise(lrs[peak:]))
    # The last batch sits one step before the end of the cosine, close to lr_max / final_div.
    assert lrs[-1] == pytest.approx(one_cycle_lr(19 / 20, 0.1, 20.0, 1e3, 0.3))
    assert lrs[-1] < 0.1 / 50
    # Adam's beta1 mirrors the lr: lowest at the peak, back up at the end.
    assert betas.index(min(betas)) == peak
    assert betas[0] > 0.94 and betas[-1] > 0.94 and min(betas) < 0.86
    # The optimizer is left as it was before the one-cycle fit.
    assert learner.opt.param_groups[0]["lr"] == 0.02
    assert learner.opt.param_groups[0]["betas"][0] == 0.9


def test_one_cycle_lr_end_points() -> None:
    assert one_cycle_lr(0.0, 1.0, div=10, final_div=100, pct_start=0.5) == pytest.approx(0.1)
    assert one_cycle_lr(0.5, 1.0, div=10, final_div=100, pct_start=0.5) == pytest.approx(1.0)
    assert one_cycle_lr(1.0, 1.0, div=10, final_div=100, pct_start=0.5) == pytest.approx(0.01)


def test_lr_find_suggests_a_sane_lr_and_restores_the_model(tmp_path: Path) -> None:
    torch.manual_seed(0)
    train = torch.utils.data.DataLoader(blobs(256, seed=3), batch_size=16, shuffle=True)
    learner = Learner(mlp(hidden=16), train, progress=False, device="cpu")
    before = {k: v.clone() for k, v in learner.model.state_dict().items()}
    result = learner.lr_find(num_it=60)
    assert 30 <= len(result.lrs) <= 60
    assert all(a < b for a, b in zip(result.lrs, result.lrs[1:], strict=False))
    assert 1e-4 <= result.suggestion <= 1.0
    assert result.lr_min <= 1.0
    for key, value in learner.model.state_dict().items():
        torch.testing.assert_close(value, before[key], rtol=0, atol=0)
    assert learner.opt.param_groups[0]["lr"] == pytest.approx(learner.lr)
    assert learner.train_iter == 0
    png = result.plot(tmp_path / "lr.png")
    with Image.open(png) as image:
        assert image.size == (640, 400)


def test_lr_find_stops_on_divergence() -> None:
    train, _ = loaders(n_train=256, batch_size=8)
    learner = Learner(mlp(), train, progress=False, device="cpu", opt_func=torch.optim.SGD)
    result = learner.lr_find(start_lr=1e-3, end_lr=1e6, num_it=100)
    assert len(result.lrs) < 100
    assert not math.isnan(result.suggestion)


def test_lr_find_rejects_bad_range() -> None:
    train, _ = loaders()
    learner = Learner(mlp(), train, progress=False, device="cpu")
    with pytest.raises(ValueError, match="start_lr"):
        learner.lr_find(start_lr=1.0, end_lr=0.1)

"""Checks of torchscope's CUDA paths, run on a machine with an NVIDIA GPU.

CI has no GPU, so these live outside tests/: run them with ``make test-gpu`` (or
``python -m pytest gpu_checks``) where ``torch.cuda.is_available()``. They cover the writer's
asynchronous copies, the live client's CUDA tensors, the Learner on one GPU (plain, mixed
precision in float16 and bfloat16, DataParallel, DDP over nccl under torchrun) and activation
checkpointing's memory saving.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

if not torch.cuda.is_available():
    pytest.exit("gpu_checks need a CUDA GPU (torch.cuda.is_available() is False)", returncode=3)

REPO = Path(__file__).resolve().parents[1]
CUDA = torch.device("cuda", 0)


def digits_loaders(batch_size: int = 64) -> tuple[DataLoader, DataLoader]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    y = torch.tensor(digits.target)
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(len(y), generator=gen)
    train, valid = order[:1400], order[1400:]
    return (
        DataLoader(TensorDataset(x[train], y[train]), batch_size=batch_size, shuffle=True),
        DataLoader(TensorDataset(x[valid], y[valid]), batch_size=256),
    )


def small_cnn(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(inplace=True),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(4),
        nn.Flatten(),
        nn.Linear(32 * 16, 10),
    )


# ----------------------------------------------------------------------------- SummaryWriter


def _scalars(logdir: Path) -> dict[str, list[tuple[int, float]]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_writer_cuda_scalar_does_not_wait_for_the_gpu(tmp_path: Path) -> None:
    from torchscope import SummaryWriter

    value = torch.full((), 0.5, device=CUDA)
    torch.cuda.synchronize()
    with SummaryWriter(tmp_path) as writer:
        # The pinned buffer is allocated at the process's first CUDA scalar, which waits once;
        # and CUDA loads a kernel's module at its first launch, which waits for running work:
        # run every kernel of the loop below once before queueing the long one.
        doubled = value * 2
        writer.add_scalar("warm-up", doubled + 1, 0)
        writer.flush()
        torch.cuda._sleep(int(2e9))  # ~1 s of GPU work queued ahead of the copies
        started = time.perf_counter()
        writer.add_scalar("loss", doubled, 0)
        for step in range(1, 300):  # a training loop's worth: more than max_queue, one slot each
            writer.add_scalar("steps", doubled + step, step)
        call_s = time.perf_counter() - started
        busy_after_calls = not torch.cuda.current_stream().query()
        value.add_(10)  # later work on the stream must not change what was logged
        writer.add_scalar("loss", value, 1)
    print(f"\n300 x add_scalar(cuda) during queued GPU work: {call_s * 1e3:.2f} ms")
    assert busy_after_calls, "the GPU finished its queued work before add_scalar returned"
    assert call_s < 0.5, f"add_scalar waited {call_s:.3f} s for the GPU"
    steps = _scalars(tmp_path)["steps"]
    assert steps == [(step, 1.0 + step) for step in range(1, 300)]
    assert _scalars(tmp_path)["loss"] == [(0, 1.0), (1, 10.5)]


def test_writer_cuda_histogram_image_and_embedding(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from torchscope import SummaryWriter

    torch.manual_seed(0)
    values = torch.randn(10_000, device=CUDA)
    image = torch.rand(3, 16, 16, device=CUDA)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weights", values, 0)
        writer.add_image("input", image, 0)
        writer.add_embedding(torch.randn(20, 5, device=CUDA), metadata=list(range(20)))
    acc = EventAccumulator(str(tmp_path), size_guidance={"histograms": 0, "images": 0})
    acc.Reload()
    histo = acc.Histograms("weights")[0].histogram_value
    cpu = values.cpu().double()
    assert histo.num == 10_000
    assert histo.min == pytest.approx(float(cpu.min()))
    assert histo.sum == pytest.approx(float(cpu.sum()), rel=1e-6, abs=1e-6)
    assert acc.Images("input")[0].width == 16
    assert (tmp_path / "00000" / "default" / "tensors.tsv").exists()


def test_writer_cuda_scalar_throughput_against_torch(tmp_path: Path) -> None:
    """Not a pass/fail timing: prints the ratio for benchmarks/RESULTS.md."""
    from torch.utils.tensorboard import SummaryWriter as TorchWriter

    from torchscope import SummaryWriter

    losses = [torch.rand((), device=CUDA) for _ in range(2000)]

    def run(writer: Any) -> float:
        started = time.perf_counter()
        for step, loss in enumerate(losses):
            writer.add_scalar("loss", loss, step)
        elapsed = time.perf_counter() - started
        writer.close()
        return elapsed

    torch_s = run(TorchWriter(str(tmp_path / "torch")))
    ours_s = run(SummaryWriter(tmp_path / "ours"))
    print(
        f"\nGPU add_scalar(cuda tensor) x2000: torch {torch_s * 1e3:.1f} ms, "
        f"torchscope {ours_s * 1e3:.1f} ms, ratio {torch_s / ours_s:.1f}x"
    )
    assert [v for _, v in _scalars(tmp_path / "ours")["loss"]] == pytest.approx(
        [float(x) for x in losses]
    )


# ----------------------------------------------------------------------------- live client


def test_live_client_takes_cuda_tensors(tmp_path: Path) -> None:
    import uvicorn

    from torchscope import Visdom
    from torchscope.plugins.live import LivePlugin
    from torchscope.server.app import create_app
    from torchscope.server.config import ServerConfig

    config = ServerConfig(port=0, env_path=tmp_path / "envs")
    app = create_app(config, plugins=[LivePlugin(config)])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        vis = Visdom(server="http://127.0.0.1", port=port)
        y = torch.arange(5, dtype=torch.float32, device=CUDA)
        win = vis.line(Y=y, X=torch.arange(5, device=CUDA), opts={"title": "cuda"})
        vis.line(Y=y[:2] + 10, X=torch.tensor([5, 6], device=CUDA), win=win, update="append")
        vis.image(torch.rand(3, 8, 8, device=CUDA), win="img")
        data = vis.get_window_data(win)
        trace = (data if isinstance(data, dict) else __import__("json").loads(data))["content"][
            "data"
        ][0]
        assert trace["y"] == [0, 1, 2, 3, 4, 10, 11]
        assert trace["x"] == [0, 1, 2, 3, 4, 5, 6]
        assert vis.win_exists("img")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


# ----------------------------------------------------------------------------- Learner


def _fit_digits(**kwargs: Any) -> Any:
    from torchscope.train import Learner, accuracy

    train, valid = digits_loaders()
    learner = Learner(
        small_cnn(), train, valid, lr=3e-3, metrics=[accuracy], progress=False, **kwargs
    )
    learner.fit(3)
    return learner


def test_learner_trains_on_the_gpu() -> None:
    learner = _fit_digits()
    assert learner.device.type == "cuda"
    assert next(learner.model.parameters()).is_cuda
    assert learner.recorder.history[-1]["accuracy"] > 0.85


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_learner_mixed_precision(dtype: torch.dtype) -> None:
    from torchscope.train import MixedPrecision

    precision = MixedPrecision(dtype)
    learner = _fit_digits(callbacks=[precision])
    assert precision.active_dtype == dtype
    assert (precision.scaler is not None) == (dtype == torch.float16)
    assert all(p.dtype == torch.float32 for p in learner.model.parameters())
    assert learner.recorder.history[-1]["accuracy"] > 0.85


def test_learner_data_parallel_on_the_gpu() -> None:
    learner = _fit_digits(strategy="dp")
    assert isinstance(learner.wrapped, nn.DataParallel)
    assert not learner.strategy.fell_back
    assert learner.recorder.history[-1]["accuracy"] > 0.85


def test_ddp_over_nccl_under_torchrun(tmp_path: Path) -> None:
    worker = REPO / "tests" / "train" / "ddp_worker.py"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [
            *(sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1"),
            *(str(worker), str(tmp_path)),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rank = torch.load(tmp_path / "rank0.pt", weights_only=False)
    assert rank["wrapped"] == "DistributedDataParallel" and rank["world_size"] == 1
    assert rank["sampler"] == "DistributedSampler"
    sys.path.insert(0, str(REPO / "tests" / "train"))
    from ddp_worker import EPOCHS, PER_RANK_BATCH, make_learner
    from ddp_worker import result as learner_result

    single = make_learner(PER_RANK_BATCH, None, [])
    single.fit(EPOCHS)
    reference = learner_result(single)
    for got, want in zip(rank["params"], reference["params"], strict=True):
        assert got.is_cuda
        torch.testing.assert_close(got.cpu(), want.cpu(), rtol=0, atol=1e-10)


# ----------------------------------------------------------------------------- checkpointing


def _deep_mlp(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for _ in range(32):
        layers += [nn.Linear(1024, 1024), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(1024, 10))


def _one_step(checkpoint: Any) -> tuple[list[torch.Tensor], int]:
    from torchscope.train import Learner

    x = torch.randn(4096, 1024, generator=torch.Generator().manual_seed(1))
    y = torch.randint(0, 10, (4096,), generator=torch.Generator().manual_seed(2))
    loader = DataLoader(TensorDataset(x, y), batch_size=4096)
    learner = Learner(
        _deep_mlp(),
        loader,
        opt_func=lambda params, lr: torch.optim.SGD(params, lr=lr),
        checkpoint=checkpoint,
        progress=False,
    )
    grads: list[torch.Tensor] = []

    from torchscope.train import Callback

    class KeepGrads(Callback):
        def before_step(self) -> None:
            grads[:] = [p.grad.detach().clone() for p in self.learner.model.parameters()]

    # The peak above what is already allocated (the model, and whatever earlier runs still hold).
    gc.collect()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    learner.fit(1, callbacks=[KeepGrads()])
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - before
    grads = [g.cpu() for g in grads]
    del learner
    gc.collect()
    torch.cuda.empty_cache()
    return grads, peak


def test_activation_checkpointing_same_gradients_less_memory() -> None:
    plain_grads, plain_peak = _one_step(None)
    ckpt_grads, ckpt_peak = _one_step("sqrt")
    for a, b in zip(plain_grads, ckpt_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
    print(
        f"\nGPU checkpointing peak memory: {plain_peak / 2**20:.0f} MiB -> "
        f"{ckpt_peak / 2**20:.0f} MiB ({1 - ckpt_peak / plain_peak:.0%} less)"
    )
    assert ckpt_peak < 0.75 * plain_peak


# ----------------------------------------------------------------------------- explain


def test_explanations_on_the_gpu_match_the_cpu() -> None:
    from torchscope import explain

    model = small_cnn().eval()
    x = torch.rand(4, 1, 8, 8, generator=torch.Generator().manual_seed(3))
    target = [0, 1, 2, 3]
    for method in (explain.saliency, explain.guided_backprop, explain.deconvnet):
        cpu = method(model, x, target)
        gpu = method(model.to(CUDA), x.to(CUDA), target)
        model.cpu()
        assert gpu.is_cuda
        torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-3, atol=1e-5)
    layer = model[3]
    cam_cpu = explain.grad_cam(model, x, target, layer=layer)
    cam_gpu = explain.grad_cam(model.to(CUDA), x.to(CUDA), target, layer=layer)
    torch.testing.assert_close(cam_gpu.cpu(), cam_cpu, rtol=1e-3, atol=1e-5)
    ig = explain.integrated_gradients(model, x.to(CUDA), target, n_steps=20)
    assert ig.is_cuda and torch.isfinite(ig).all()
    assert np.isfinite(ig.cpu().numpy()).all()

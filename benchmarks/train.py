"""Benchmarks of torchscope.train against plain PyTorch on the same work.

1. Learner overhead: ``Learner.fit`` (recorder, live progress bar, CSV logger, per-batch metrics
   sink) against a hand-written loop on the same model and data; CPU time per step, one thread.
2. Activation checkpointing on a 48-block MLP: peak activation memory (RSS high-water mark above
   the post-warm-up level, measured in a fresh process) and CPU time per step (one thread),
   ``checkpoint="sqrt"`` vs none.
3. DDP on the CPU: 2 processes vs 1 (torchrun, gloo) at the same global batch; time per global step.

Run from the repository root::

    python benchmarks/train.py            # all three
    python benchmarks/train.py overhead   # one of: overhead, checkpoint, ddp

Every ratio is a ratio of medians over repeated runs.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from torchscope.train import CSVLogger, Learner, MetricsSink, ProgressBar  # noqa: E402
from torchscope.train.checkpointing import apply_checkpointing  # noqa: E402

# -- 1. Learner overhead ------------------------------------------------------------------------


def _overhead_setup(n_batches: int, batch: int) -> tuple[nn.Module, DataLoader]:
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(n_batches * batch, 64, generator=gen)
    y = torch.randint(0, 10, (n_batches * batch,), generator=gen)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                          nn.Linear(256, 10))  # fmt: skip
    return model, DataLoader(TensorDataset(x, y), batch_size=batch, shuffle=False)


class _LossSink(MetricsSink):
    """A logger that takes every batch's loss and lr, as a live-server logger would."""

    def __init__(self) -> None:
        super().__init__(every=1)
        self.points: list[tuple[int, float, float]] = []

    def log_batch(self, step: int, values: dict[str, float]) -> None:
        self.points.append((step, values["train_loss"], values["lr"]))


def _clock() -> float:
    # CPU time of this process: with one intra-op thread it is the work done, and far less
    # sensitive than wall time to other programs on a shared machine.
    return time.process_time()


def _time_hand_loop(model: nn.Module, loader: DataLoader) -> float:
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    start = _clock()
    for xb, yb in loader:
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
    return (_clock() - start) / len(loader)


def _time_learner(model: nn.Module, loader: DataLoader, log_dir: Path) -> float:
    callbacks = [
        ProgressBar(stream=io.StringIO(), live=True),
        CSVLogger(log_dir / "history.csv"),
        _LossSink(),
    ]
    learner = Learner(model, loader, lr=1e-3, callbacks=callbacks, progress=False, device="cpu")
    learner._prepare()  # optimizer creation is a one-off, not a per-step cost
    start = _clock()
    learner.fit(1)
    return (_clock() - start) / len(loader)


def bench_overhead(repeats: int, n_batches: int = 60, batch: int = 64) -> dict[str, float]:
    hand, learner = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(2):  # warm-up of both paths
            _time_hand_loop(*_overhead_setup(n_batches, batch))
            _time_learner(*_overhead_setup(n_batches, batch), Path(tmp))
        for i in range(repeats):  # interleaved, alternating first, so drift hits both alike
            order = [0, 1] if i % 2 == 0 else [1, 0]
            for which in order:
                model, loader = _overhead_setup(n_batches, batch)
                if which == 0:
                    hand.append(_time_hand_loop(model, loader))
                else:
                    learner.append(_time_learner(model, loader, Path(tmp)))
    hand_ms, learner_ms = statistics.median(hand) * 1e3, statistics.median(learner) * 1e3
    return {"hand_ms_per_step": hand_ms, "learner_ms_per_step": learner_ms,
            "overhead_pct": (learner_ms / hand_ms - 1) * 100}  # fmt: skip


# -- 2. Activation checkpointing --------------------------------------------------------------

CKPT_BLOCKS, CKPT_WIDTH, CKPT_BATCH = 48, 256, 512


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _checkpoint_child(spec: str, steps: int) -> dict[str, float]:
    """Runs in a fresh process: peak RSS above the warmed-up level, and CPU time per step."""
    torch.set_num_threads(1)  # CPU time of one thread measures the recomputation, not the load
    torch.manual_seed(0)
    blocks = [
        nn.Sequential(nn.Linear(CKPT_WIDTH, CKPT_WIDTH), nn.ReLU()) for _ in range(CKPT_BLOCKS)
    ]
    model = nn.Sequential(*blocks)
    if spec != "none":
        apply_checkpointing(model, spec)
    opt = torch.optim.SGD(model.parameters(), lr=1e-4)
    x = torch.randn(CKPT_BATCH, CKPT_WIDTH)

    def step() -> None:
        model(x).square().mean().backward()
        opt.step()
        opt.zero_grad(set_to_none=False)  # keep grad buffers: they are not activations

    step()  # warm-up: grads and allocator state exist before measuring
    Path("/proc/self/clear_refs").write_text("5")  # reset the RSS high-water mark
    base = _rss_kib("VmRSS")
    step()
    peak = _rss_kib("VmHWM")
    times = []
    for _ in range(steps):
        start = time.process_time()
        step()
        times.append(time.process_time() - start)
    return {"activation_mib": (peak - base) / 1024, "step_s": statistics.median(times)}


def bench_checkpoint(repeats: int) -> dict[str, float]:
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")  # freed tensors go back to the OS
    results: dict[str, list[dict[str, float]]] = {"none": [], "sqrt": []}
    for _ in range(repeats):
        for spec in ("none", "sqrt"):
            cmd = [sys.executable, __file__, "--checkpoint-child", spec]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
            results[spec].append(json.loads(out.strip().splitlines()[-1]))
    med = {
        spec: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
        for spec, rs in results.items()
    }
    return {
        "none_activation_mib": med["none"]["activation_mib"],
        "sqrt_activation_mib": med["sqrt"]["activation_mib"],
        "memory_saved_pct": (1 - med["sqrt"]["activation_mib"] / med["none"]["activation_mib"])
        * 100,
        "none_step_ms": med["none"]["step_s"] * 1e3,
        "sqrt_step_ms": med["sqrt"]["step_s"] * 1e3,
        "time_ratio": med["sqrt"]["step_s"] / med["none"]["step_s"],
    }


# -- 3. DDP 2 processes vs 1 ----------------------------------------------------------------

DDP_GLOBAL_BATCH, DDP_STEPS = 256, 20


def _ddp_child(out: Path) -> None:
    """Runs under torchrun: times DDP_STEPS global steps at the same global batch."""
    world = int(os.environ["WORLD_SIZE"])
    gen = torch.Generator().manual_seed(0)
    n = DDP_GLOBAL_BATCH * DDP_STEPS
    data = TensorDataset(
        torch.randn(n, 128, generator=gen), torch.randint(0, 10, (n,), generator=gen)
    )
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(128, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))  # fmt: skip
    loader = DataLoader(data, batch_size=DDP_GLOBAL_BATCH // world)
    with Learner(model, loader, strategy="ddp", progress=False) as learner:
        if os.environ.get("BENCH_THREADS"):
            torch.set_num_threads(int(os.environ["BENCH_THREADS"]))
        learner.fit(1)  # warm-up epoch
        times = []
        for _ in range(3):
            start = time.perf_counter()
            learner.fit(1)
            times.append((time.perf_counter() - start) / DDP_STEPS)
        if learner.strategy.is_main:
            info = {"world": world, "step_s": statistics.median(times),
                    "threads": torch.get_num_threads()}  # fmt: skip
            out.write_text(json.dumps(info))


def bench_ddp(repeats: int) -> dict[str, float]:
    """1 process with the torchrun thread rule (all cores), 1 process with 1 thread, 2 processes."""
    base_env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    configs = {"one": (1, None), "one_1thread": (1, "1"), "two": (2, None)}
    steps: dict[str, list[float]] = {name: [] for name in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeats):
            for name, (world, threads) in configs.items():
                out = Path(tmp) / f"{name}.json"
                env = dict(base_env, BENCH_THREADS=threads) if threads else base_env
                cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
                       f"--nproc_per_node={world}", __file__, "--ddp-child", str(out)]  # fmt: skip
                proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if proc.returncode != 0:
                    raise RuntimeError(f"torchrun failed:\n{proc.stderr[-3000:]}")
                steps[name].append(json.loads(out.read_text())["step_s"])
    med = {name: statistics.median(values) for name, values in steps.items()}
    return {
        "one_process_ms": med["one"] * 1e3,
        "one_process_1thread_ms": med["one_1thread"] * 1e3,
        "two_process_ms": med["two"] * 1e3,
        "two_over_one": med["two"] / med["one"],
        "two_over_one_1thread": med["two"] / med["one_1thread"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="torchscope.train benchmarks")
    parser.add_argument("which", nargs="*", default=["overhead", "checkpoint", "ddp"])
    parser.add_argument("--repeats", type=int, default=0, help="override the repeat counts")
    parser.add_argument("--checkpoint-child", help=argparse.SUPPRESS)
    parser.add_argument("--ddp-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.checkpoint_child:
        print(json.dumps(_checkpoint_child(args.checkpoint_child, steps=3)))
        return
    if args.ddp_child:
        _ddp_child(Path(args.ddp_child))
        return
    if "overhead" in args.which:
        torch.set_num_threads(1)  # a fixed thread count keeps per-step times comparable
        r = bench_overhead(args.repeats or 15)
        print(f"Learner overhead (CPU time): hand loop {r['hand_ms_per_step']:.3f} ms/step, "
              f"Learner {r['learner_ms_per_step']:.3f} ms/step, "
              f"ratio {1 + r['overhead_pct'] / 100:.3f} ({r['overhead_pct']:+.1f}%)")  # fmt: skip
    if "checkpoint" in args.which:
        r = bench_checkpoint(args.repeats or 3)
        print(f"Checkpointing 48 blocks: activation memory {r['none_activation_mib']:.1f} -> "
              f"{r['sqrt_activation_mib']:.1f} MiB ({r['memory_saved_pct']:.0f}% less), "
              f"step {r['none_step_ms']:.1f} -> {r['sqrt_step_ms']:.1f} ms "
              f"(ratio {r['time_ratio']:.2f})")  # fmt: skip
    if "ddp" in args.which:
        r = bench_ddp(args.repeats or 3)
        print(f"DDP on CPU, ms per global step: 1 process {r['one_process_ms']:.2f} "
              f"(2 threads), 1 process {r['one_process_1thread_ms']:.2f} (1 thread), "
              f"2 processes {r['two_process_ms']:.2f} (1 thread each); ratio 2 procs / 1 proc "
              f"{r['two_over_one']:.2f} (vs 2 threads), "
              f"{r['two_over_one_1thread']:.2f} (vs 1 thread)")  # fmt: skip


if __name__ == "__main__":
    main()

"""Real multi-process DDP on the CPU (gloo), launched with torchrun as users do.

Both launches (one node with two processes; two single-process "nodes" meeting over a c10d
rendezvous on the loopback) start together in one module fixture: most of their time is spent
importing torch in fresh processes, which overlaps well.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from .ddp_worker import EPOCHS, PER_RANK_BATCH, make_learner, result

WORKER = Path(__file__).with_name("ddp_worker.py")
REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 240


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["OMP_NUM_THREADS"] = "1"
    return env


def _torchrun(*args: str) -> subprocess.Popen[str]:
    cmd = [sys.executable, "-m", "torch.distributed.run", *args]
    return subprocess.Popen(
        cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


class Launch:
    """The torchrun agents of one launch and the results its ranks wrote."""

    def __init__(self, out_dir: Path, agents: list[subprocess.Popen[str]]) -> None:
        self.out_dir = out_dir
        self.agents = agents
        self.outputs: list[str] = []

    def wait(self) -> None:
        self.outputs = [agent.communicate(timeout=TIMEOUT_S)[0] for agent in self.agents]

    def kill(self) -> None:
        for agent in self.agents:
            if agent.poll() is None:
                agent.kill()
                agent.wait()

    def ranks(self) -> list[dict]:
        if not self.outputs:
            self.wait()
        for agent, out in zip(self.agents, self.outputs, strict=True):
            assert agent.returncode == 0, f"torchrun failed ({agent.returncode}):\n{out[-4000:]}"
        return [torch.load(self.out_dir / f"rank{r}.pt", weights_only=False) for r in range(2)]


@pytest.fixture(scope="module")
def launches(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Launch]]:
    one_node_dir = tmp_path_factory.mktemp("ddp_one_node")
    two_nodes_dir = tmp_path_factory.mktemp("ddp_two_nodes")
    port = _free_port()
    two_node_args = [
        "--nnodes=2",
        "--nproc_per_node=1",
        "--rdzv-backend=c10d",
        f"--rdzv-endpoint=127.0.0.1:{port}",
        "--rdzv-id=torchscope-test",
        str(WORKER),
        str(two_nodes_dir),
    ]
    runs = {
        "one_node": Launch(
            one_node_dir,
            [_torchrun("--standalone", "--nproc_per_node=2", str(WORKER), str(one_node_dir))],
        ),
        "two_nodes": Launch(two_nodes_dir, [_torchrun(*two_node_args) for _ in range(2)]),
    }
    try:
        yield runs  # the tests wait; the single-process reference trains meanwhile
    finally:
        for launch in runs.values():
            launch.kill()


@pytest.fixture(scope="module")
def single_process() -> dict:
    """The same training in one process with the global batch (2 x the per-rank batch)."""
    learner = make_learner(2 * PER_RANK_BATCH, None, [])
    learner.fit(EPOCHS)
    return result(learner)


def _compare(ranks: list[dict], single: dict) -> None:
    # Identical parameters on both ranks, bit for bit.
    for a, b in zip(ranks[0]["params"], ranks[1]["params"], strict=True):
        assert torch.equal(a, b)
    # The same training as one process with the global batch (float64: summation order only).
    for a, b in zip(ranks[0]["params"], single["params"], strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-12)
    assert len(ranks[0]["losses"]) == EPOCHS * 6
    assert ranks[0]["losses"] == ranks[1]["losses"]  # the recorder holds the all-reduced curve
    torch.testing.assert_close(
        torch.tensor(ranks[0]["losses"]), torch.tensor(single["losses"]), rtol=0, atol=1e-12
    )
    # Validation metrics are all-reduced over unpadded shards: exactly the whole-set values.
    for got, want in zip(ranks[0]["history"], single["history"], strict=True):
        assert got["valid_loss"] == pytest.approx(want["valid_loss"], abs=1e-12)
        assert got["accuracy"] == pytest.approx(want["accuracy"], abs=1e-12)


def test_two_process_ddp_matches_one_process(
    launches: dict[str, Launch], single_process: dict
) -> None:
    launch = launches["one_node"]
    ranks = launch.ranks()
    assert [r["world_size"] for r in ranks] == [2, 2]
    assert {r["sampler"] for r in ranks} == {"DistributedSampler"}
    assert [r["train_batches"] for r in ranks] == [6, 6]
    assert [r["valid_samples"] for r in ranks] == [6, 5]
    assert {r["wrapped"] for r in ranks} == {"DistributedDataParallel"}
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert {r["threads"] for r in ranks} == {max(1, (cores or 1) // 2)}
    # Only rank 0 saves and logs.
    assert (launch.out_dir / "saved_by_rank0.pt").is_file()
    assert not (launch.out_dir / "saved_by_rank1.pt").exists()
    assert (launch.out_dir / "history_rank0.csv").is_file()
    assert not (launch.out_dir / "history_rank1.csv").exists()
    _compare(ranks, single_process)


def test_two_nodes_over_c10d_rendezvous(launches: dict[str, Launch], single_process: dict) -> None:
    ranks = launches["two_nodes"].ranks()
    assert [r["world_size"] for r in ranks] == [2, 2]
    _compare(ranks, single_process)

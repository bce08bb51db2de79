"""Real processes: torch.distributed ranks, and writers of several processes in one logdir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

from torchscope.events import EventFileReader, decode_scalar_event

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_ranks(script: str, world: int, extra_env: dict[str, str] | None = None) -> None:
    port = _free_port()
    processes = []
    for rank in range(world):
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(world),
            "RANK": str(rank),
            **(extra_env or {}),
        }
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", script],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err


def _scalars(run_dir: Path) -> dict[str, list[tuple[int, float]]]:
    found: dict[str, list[tuple[int, float]]] = {}
    for path in sorted(run_dir.glob("*tfevents*")):
        batch = EventFileReader(path).poll_all()
        assert not batch.problems and not batch.incomplete, path
        for payload in batch.payloads:
            event = decode_scalar_event(payload)
            if event is not None:
                for value in event.values:
                    found.setdefault(value.tag, []).append((event.step, value.value))
    return found


DISTRIBUTED = textwrap.dedent(
    """
    import os, sys
    import torch.distributed as dist
    from torchscope import SummaryWriter
    dist.init_process_group("gloo")
    rank = dist.get_rank()
    writer = SummaryWriter(sys.argv[1] if len(sys.argv) > 1 else os.environ["LOGDIR"],
                           per_rank=os.environ.get("PER_RANK") == "1")
    for step in range(5):
        writer.add_scalar("rank", float(rank), step)
    writer.close()
    dist.barrier()
    dist.destroy_process_group()
    """
)


def test_only_rank_zero_writes(tmp_path: Path) -> None:
    logdir = tmp_path / "run"
    _run_ranks(DISTRIBUTED, 2, {"LOGDIR": str(logdir)})
    assert [p.name for p in logdir.iterdir()] == [
        p.name for p in logdir.glob("events.out.tfevents.*")
    ]
    assert len(list(logdir.iterdir())) == 1
    assert _scalars(logdir) == {"rank": [(step, 0.0) for step in range(5)]}


def test_one_run_per_rank_on_request(tmp_path: Path) -> None:
    logdir = tmp_path / "run"
    _run_ranks(DISTRIBUTED, 2, {"LOGDIR": str(logdir), "PER_RANK": "1"})
    assert sorted(p.name for p in logdir.iterdir()) == ["rank0", "rank1"]
    for rank in (0, 1):
        assert _scalars(logdir / f"rank{rank}") == {"rank": [(s, float(rank)) for s in range(5)]}


CONCURRENT = textwrap.dedent(
    """
    import os, sys
    from torchscope import SummaryWriter
    writer = SummaryWriter(sys.argv[1], max_queue=7, flush_secs=0)
    tag = "proc" + os.environ["WRITER_ID"]
    for step in range(3000):
        writer.add_scalar(tag, step, step)
        if step % 500 == 0:
            writer.add_text("note", tag * 200, step)
    writer.close()
    """
)


def test_processes_sharing_a_logdir_never_corrupt_each_other(tmp_path: Path) -> None:
    logdir = tmp_path / "shared"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(logdir)],
            env={**os.environ, "PYTHONPATH": str(REPO), "WRITER_ID": str(i), "RANK": "0"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert len(list(logdir.glob("*tfevents*"))) == 3
    found = _scalars(logdir)
    assert sorted(found) == ["proc0", "proc1", "proc2"]
    for points in found.values():
        assert points == [(step, float(step)) for step in range(3000)]

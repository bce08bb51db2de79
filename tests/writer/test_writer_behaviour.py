"""Queueing, flushing, reopening and the opt-in behaviours of the SummaryWriter."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from torchscope import SummaryWriter
from torchscope.client import writer_files
from torchscope.events import EventFileReader


def _scalar_count(run_dir: Path) -> int:
    total = 0
    for path in run_dir.glob("*tfevents*"):
        batch = EventFileReader(path).poll_all()
        assert not batch.problems and not batch.incomplete
        total += len(batch.payloads) - 1  # minus the file_version record
    return total


def test_import_torchscope_stays_torch_free() -> None:
    import subprocess
    import sys

    code = "import sys, torchscope; torchscope.SummaryWriter; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_file_is_created_with_torch_naming(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path / "run", filename_suffix=".v2")
    (path,) = (tmp_path / "run").iterdir()
    parts = path.name.split(".")
    assert path.name.startswith("events.out.tfevents.") and path.name.endswith(".v2")
    assert parts[4] == str(os.getpid()) or str(os.getpid()) in path.name
    assert path.stat().st_size > 0  # the file_version record is on disk at once
    writer.close()


def test_two_writers_in_one_process_use_distinct_files(tmp_path: Path) -> None:
    first, second = SummaryWriter(tmp_path), SummaryWriter(tmp_path)
    first.add_scalar("a", 1.0, 0)
    second.add_scalar("a", 2.0, 0)
    first.close()
    second.close()
    assert len(list(tmp_path.glob("*tfevents*"))) == 2
    assert _scalar_count(tmp_path) == 2


def test_data_waits_for_flush_then_is_visible(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=1000, flush_secs=3600)
    for step in range(50):
        writer.add_scalar("x", step, step)
    assert _scalar_count(tmp_path) == 0  # still queued, as with torch's defaults
    writer.flush()
    assert _scalar_count(tmp_path) == 50
    writer.close()


def test_max_queue_wakes_the_writer_without_flush(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=5, flush_secs=0)
    for step in range(20):
        writer.add_scalar("x", step, step)
    deadline = time.monotonic() + 30
    while _scalar_count(tmp_path) < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _scalar_count(tmp_path) == 20
    writer.close()


def test_live_makes_data_visible_without_flush(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path, live=True)
    assert writer.file_writer is not None and writer.file_writer.flush_secs <= 1.0
    writer.add_scalar("x", 1.0, 0)  # one event: below max_queue, no flush() call
    deadline = time.monotonic() + 30
    while _scalar_count(tmp_path) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _scalar_count(tmp_path) == 1
    writer.close()


def test_close_flushes_and_logging_after_close_reopens(tmp_path: Path) -> None:
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", 1.0, 0)
    assert _scalar_count(tmp_path) == 1
    writer.add_scalar("x", 2.0, 1)  # torch re-creates the file writer after close
    writer.close()
    writer.close()
    assert _scalar_count(tmp_path) == 2
    assert len(list(tmp_path.glob("*tfevents*"))) == 2


def test_unclosed_writer_is_flushed_at_exit(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "from torchscope import SummaryWriter\n"
        f"w = SummaryWriter({str(tmp_path)!r})\n"
        "for i in range(7): w.add_scalar('x', i, i)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert _scalar_count(tmp_path) == 7


def test_purge_step_writes_a_session_start(
    tmp_path: Path, read_run: Callable[[Path], dict[str, Any]]
) -> None:
    with SummaryWriter(tmp_path, purge_step=40) as writer:
        writer.add_scalar("x", 1.0, 40)
    events = read_run(tmp_path)["events"]
    kinds = [(e.WhichOneof("what"), e.step) for e in events]
    assert kinds[1:] == [("file_version", 40), ("session_log", 40), ("summary", 40)]
    assert events[2].session_log.status == 1  # START


def test_default_log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as writer:
        log_dir = Path(writer.get_logdir())
    assert log_dir.parent == Path("runs")
    assert log_dir.name.endswith(f"_{socket.gethostname()}_lr0.1")
    assert (tmp_path / log_dir).is_dir()


def test_add_scalars_into_the_same_run(
    tmp_path: Path, read_run: Callable[[Path], dict[str, Any]]
) -> None:
    with SummaryWriter(tmp_path, scalars_run_per_key=False) as writer:
        writer.add_scalars("loss", {"train": 1.0, "val": 2.0}, 3)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == []
    values = read_run(tmp_path)["values"]
    assert {tag: [(s, v.simple_value) for s, v in e] for tag, e in values.items()} == {
        "loss/train": [(3, 1.0)],
        "loss/val": [(3, 2.0)],
    }


def test_hparams_in_the_same_run_with_exact_bools(
    tmp_path: Path, read_run: Callable[[Path], dict[str, Any]]
) -> None:
    from torchscope.events.messages import HParamsPluginData

    with SummaryWriter(tmp_path, hparams_separate_run=False, hparams_exact_bools=True) as w:
        w.add_hparams({"bn": True, "lr": 0.1}, {"acc": 0.5}, global_step=2)
    assert [p for p in tmp_path.iterdir() if p.is_dir()] == []
    values = read_run(tmp_path)["values"]
    start = values["_hparams_/session_start_info"][0][1]
    data = HParamsPluginData.FromString(start.metadata.plugin_data.content)
    assert data.session_start_info.hparams["bn"].WhichOneof("kind") == "bool_value"
    assert values["acc"][0][0] == 2


def test_scalar_values_of_every_kind(
    tmp_path: Path, read_run: Callable[[Path], dict[str, Any]]
) -> None:
    with SummaryWriter(tmp_path) as writer:
        inputs = [3, 2.5, np.float64(1.5), np.array([4.0]), torch.tensor(0.25), torch.tensor([7])]
        for step, value in enumerate(inputs):
            writer.add_scalar("x", value, step)
    got = [v.simple_value for _, v in read_run(tmp_path)["values"]["x"]]
    assert got == [3.0, 2.5, 1.5, 4.0, 0.25, 7.0]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda w: w.add_scalar(3, 1.0), TypeError, "tag"),
        (lambda w: w.add_scalar("x", "1.0"), TypeError, "scalar_value"),
        (lambda w: w.add_scalar("x", torch.ones(3)), ValueError, "scalar_value"),
        (lambda w: w.add_scalars("x", [1.0]), TypeError, "tag_scalar_dict"),
        (lambda w: w.add_histogram("h", np.array([])), ValueError, "values"),
        (lambda w: w.add_histogram("h", object()), TypeError, "values"),
        (lambda w: w.add_image("i", np.zeros((3, 4))), ValueError, "dataformats"),
        (
            lambda w: w.add_image("i", np.zeros((4, 4, 3)), dataformats="HWCC"),
            ValueError,
            "dataformats",
        ),
        (lambda w: w.add_video("v", np.zeros((2, 3, 8, 8))), ValueError, "vid_tensor"),
        (lambda w: w.add_audio("a", np.zeros((2, 10))), ValueError, "snd_tensor"),
        (lambda w: w.add_text("t", 3), TypeError, "text_string"),
        (lambda w: w.add_embedding(np.zeros(3)), ValueError, "mat"),
        (lambda w: w.add_embedding(np.zeros((3, 2)), metadata=["a"]), ValueError, "metadata"),
        (lambda w: w.add_hparams([], {}), TypeError, "hparam_dict"),
        (lambda w: w.add_hparams({"a": [1]}, {}), TypeError, "hparam_dict"),
        (lambda w: w.add_custom_scalars_marginchart(["a"]), ValueError, "tags"),
        (lambda w: w.add_histogram_raw("h", 0, 1, 1, 1, 1, [1, 2], [1]), ValueError, "bucket"),
        (lambda w: w.add_mesh("m", np.zeros((4, 3))), ValueError, "vertices"),
        (lambda w: w.add_pr_curve("p", [1, 0], [0.5]), ValueError, "labels"),
    ],
)
def test_bad_input_names_the_argument(
    tmp_path: Path, call: Callable[[Any], None], error: type[Exception], message: str
) -> None:
    with SummaryWriter(tmp_path) as writer, pytest.raises(error, match=message):
        call(writer)


def test_constructor_validates(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_queue"):
        SummaryWriter(tmp_path, max_queue=0)
    with pytest.raises(ValueError, match="flush_secs"):
        SummaryWriter(tmp_path, flush_secs=-1)
    with pytest.raises(TypeError, match="comment"):
        SummaryWriter(comment=3)  # type: ignore[arg-type]


def test_writer_thread_failure_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = SummaryWriter(tmp_path)
    file_writer = writer.file_writer
    assert file_writer is not None

    def broken(*args: Any) -> bytes:
        raise OSError("disk full")

    monkeypatch.setattr(writer_files, "encode_scalar_records", broken)
    writer.add_scalar("x", 1.0, 0)
    with pytest.raises(RuntimeError, match="failed") as info:
        writer.flush()
    assert isinstance(info.value.__cause__, OSError)
    with pytest.raises(RuntimeError, match="failed"):
        writer.close()


def test_concurrent_threads_lose_nothing(tmp_path: Path) -> None:
    writer = SummaryWriter(tmp_path, max_queue=3)

    def log(thread: int) -> None:
        for step in range(500):
            writer.add_scalar(f"t{thread}", step, step)

    threads = [threading.Thread(target=log, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writer.close()
    assert _scalar_count(tmp_path) == 2000


def test_non_zero_rank_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANK", "1")
    writer = SummaryWriter(tmp_path / "run")
    writer.add_scalar("x", 1.0, 0)
    writer.add_image("i", np.zeros((3, 2, 2)))
    writer.close()
    assert not writer.active and not (tmp_path / "run").exists()
    with SummaryWriter(tmp_path / "run", per_rank=True) as ranked:
        ranked.add_scalar("x", 1.0, 0)
    assert _scalar_count(tmp_path / "run" / "rank1") == 1


def test_file_writer_api_used_by_lightning(
    tmp_path: Path, read_run: Callable[[Path], dict[str, Any]]
) -> None:
    # PyTorch Lightning logs hparams through torch's FileWriter with tensorboard's protos.
    from torch.utils.tensorboard.summary import hparams

    experiment, start, end = hparams({"lr": 0.1}, {"hp_metric": -1})
    with SummaryWriter(tmp_path) as writer:
        file_writer = writer._get_file_writer()
        for summary in (experiment, start, end):
            file_writer.add_summary(summary, global_step=3, walltime=12.5)
        assert file_writer.get_logdir() == str(tmp_path)
    values = read_run(tmp_path)["values"]
    assert sorted(values) == [
        "_hparams_/experiment",
        "_hparams_/session_end_info",
        "_hparams_/session_start_info",
    ]
    events = [e for e in read_run(tmp_path)["events"] if e.HasField("summary")]
    assert {(e.step, e.wall_time) for e in events} == {(3, 12.5)}


def test_accelerator_scalars_are_read_on_the_writer_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_run: Callable[[Path], dict[str, Any]]
) -> None:
    # No GPU here: stand in for CUDA with CPU tensors and a copy that records its threads.
    from torchscope.client import writer as writer_module

    waited_on: list[str] = []

    def start_copy(tensor: torch.Tensor) -> Callable[[], float]:
        waited_on.append(f"record:{threading.current_thread().name}")

        def read() -> float:
            waited_on.append(f"wait:{threading.current_thread().name}")
            return float(tensor.reshape(()))

        return read

    monkeypatch.setattr(writer_module, "_on_accelerator", lambda value: True)
    monkeypatch.setattr(writer_module, "start_device_copy", start_copy)
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalar("x", torch.tensor([1.5]), 0)
        writer.add_scalar("x", torch.tensor(2.5), 1)
        writer.add_text("after", "ordered", 2)
    assert waited_on[0] == "record:MainThread" and waited_on[-1].startswith("wait:torchscope")
    values = read_run(tmp_path)["values"]
    assert [(s, v.simple_value) for s, v in values["x"]] == [(0, 1.5), (1, 2.5)]
    kinds = [e.WhichOneof("what") for e in read_run(tmp_path)["events"]]
    assert kinds == ["file_version", "summary", "summary", "summary"]


def test_queue_is_bounded_when_the_disk_is_slow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_files, "HARD_QUEUE_LIMIT", 50)
    real_encode = writer_files.encode_scalar_records

    def slow_encode(items: list[Any]) -> bytes:
        time.sleep(0.002)  # a slow disk, seen from the writer thread
        return real_encode(items)

    monkeypatch.setattr(writer_files, "encode_scalar_records", slow_encode)
    writer = SummaryWriter(tmp_path, max_queue=10)
    file_writer = writer.file_writer
    assert file_writer is not None
    longest = 0
    for step in range(2000):
        writer.add_scalar("x", step, step)
        longest = max(longest, len(file_writer._pending))
    writer.close()
    assert longest <= 50
    assert _scalar_count(tmp_path) == 2000

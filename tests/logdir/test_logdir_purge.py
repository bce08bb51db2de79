"""Restarts: TensorBoard's purge rules (SessionLog.START with file_version 2, else step order)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from eventfiles import (
    event_record,
    scalar_records,
    session_start_record,
    version_record,
    write_file,
)

from torchscope.logdir import LogdirStore


def test_session_start_purges_every_tag_from_its_step(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    run = tmp_path / "run"
    write_file(
        run / "events.out.tfevents.1",
        [
            version_record(),
            *scalar_records("x", range(100), range(100)),
            *scalar_records("y", range(100), range(100)),
        ],
    )
    # A restart from the checkpoint at step 50 (what SummaryWriter(purge_step=50) writes).
    write_file(
        run / "events.out.tfevents.2",
        [
            version_record(step=50),
            session_start_record(50),
            *scalar_records("x", range(50, 60), [-1.0] * 10),
        ],
    )
    store = open_store(tmp_path)
    store.reload()
    x = store.scalars("run", "x")
    assert x.steps.tolist() == list(range(60))
    assert x.values.tolist()[50:] == [-1.0] * 10
    assert store.scalars("run", "y").steps.tolist() == list(range(50))
    assert store.status()["run"].purged_points == 100


def test_without_session_start_a_restart_keeps_both_runs_of_steps(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    write_file(
        tmp_path / "events.out.tfevents.1",
        [
            version_record(),
            *scalar_records("x", range(100), range(100)),
            *scalar_records("x", range(50, 60), range(10)),
        ],
    )
    store = open_store(tmp_path)
    store.reload()
    assert len(store.scalars(".", "x")) == 110  # TensorBoard's Python loader: the zig-zag stays


def test_files_without_version_purge_out_of_order_steps_per_tag(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    write_file(
        tmp_path / "events.out.tfevents.1",
        [
            *scalar_records("x", range(10), range(10)),
            *scalar_records("y", range(10, 20), range(10)),
            *scalar_records("x", [5], [42.0]),
        ],
    )
    store = open_store(tmp_path)
    store.reload()
    assert store.scalars(".", "x").steps.tolist() == [0, 1, 2, 3, 4, 5]
    assert store.scalars(".", "x").values.tolist()[-1] == 42.0
    assert len(store.scalars(".", "y")) == 10  # only the tags of the out-of-order event


def test_torch_purge_step_restart(tmp_path: Path, open_store: Callable[..., LogdirStore]) -> None:
    from torch.utils.tensorboard import SummaryWriter

    first = SummaryWriter(str(tmp_path / "run"), filename_suffix=".a")
    for step in range(20):
        first.add_scalar("loss", float(step), step)
    first.close()
    resumed = SummaryWriter(str(tmp_path / "run"), purge_step=10, filename_suffix=".b")
    for step in range(10, 15):
        resumed.add_scalar("loss", -float(step), step)
    resumed.close()
    store = open_store(tmp_path)
    store.reload()
    view = store.scalars("run", "loss")
    assert view.steps.tolist() == list(range(15))
    assert view.values.tolist()[10:] == [-10.0, -11.0, -12.0, -13.0, -14.0]


def test_graph_and_run_metadata_events(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    from torchscope.events.messages import GraphDef

    graph = GraphDef()
    graph.node.add(name="a", op="Const")
    event = event_record(wall_time=1.0, graph_def=graph.SerializeToString())
    write_file(tmp_path / "events.out.tfevents.1", [version_record(), event])
    store = open_store(tmp_path)
    store.reload()
    assert GraphDef.FromString(store.graph(".")).node[0].name == "a"
    assert store.graph_runs() == ["."]


def test_points_after_an_out_of_order_purge_are_kept(
    tmp_path: Path, open_store: Callable[..., LogdirStore]
) -> None:
    write_file(
        tmp_path / "events.out.tfevents.1",
        [
            *scalar_records("x", range(10), range(10)),
            *scalar_records("x", range(5, 8), [-1.0] * 3),
        ],
    )
    store = open_store(tmp_path)
    store.reload()
    assert store.scalars(".", "x").steps.tolist() == [0, 1, 2, 3, 4, 5, 6, 7]

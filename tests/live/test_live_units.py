"""Units of the live store and client: columns, thinning, env names, request merging."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from torchscope.client.visdom_sender import coalesce, is_mergeable
from torchscope.client.visdom_transport import encode
from torchscope.live import jsonio
from torchscope.live.columns import Column
from torchscope.live.downsample import minmax_indices
from torchscope.live.envfiles import env_file_path, env_files
from torchscope.live.names import env_from_stem, env_id, file_stem


def test_column_modes_keep_every_value_exactly() -> None:
    column = Column([0, 1, 2])
    assert column.mode == "range" and column.nbytes() == 0
    column.extend([3, 4])
    assert column.mode == "range"
    column.extend([5.5])  # breaks the progression; float32 holds 5.5 exactly
    assert column.mode == "f32"
    column.extend([0.1])  # 0.1 is not a float32 value
    assert column.mode == "f64"
    column.extend([None, math.inf])
    assert column.tolist()[:7] == [0, 1, 2, 3, 4, 5.5, 0.1] and column.tolist()[7] is None
    column.extend(["a"])
    assert column.mode == "list"
    assert column.tolist() == [0, 1, 2, 3, 4, 5.5, 0.1, None, math.inf, "a"]


def test_column_appends_across_chunks_one_by_one_and_in_bulk() -> None:
    rng = np.random.default_rng(0)
    expected = rng.random(200_000).astype(np.float32).astype(np.float64)
    column = Column()
    column.extend(expected[:3].tolist())
    for value in expected[3:1000].tolist():
        column.extend([value])
    column.extend(expected[1000:].tolist())
    assert column.mode == "f32"
    assert np.array_equal(column.values(), expected)
    assert column.nbytes() <= 4 * len(expected) + 4 * 65536  # at most one chunk of slack


def test_column_snapshot_round_trip_keeps_nan_and_infinity() -> None:
    for values in ([1, 2, 3], [0.5, None, -math.inf, 1e300], ["x", 1], [0.25, 0.5]):
        column = Column(values)
        state = jsonio.loads(jsonio.dumps(column.to_state()))
        again = Column.from_state(state)
        assert again.mode == column.mode
        assert again.tolist() == column.tolist()


def test_big_integers_are_not_rounded() -> None:
    column = Column([2**60 + 1, 7])
    assert column.tolist() == [2**60 + 1, 7]


def test_minmax_thinning_keeps_extremes_and_ends() -> None:
    y = np.zeros(100_000)
    y[31_337], y[77_777] = 9.0, -9.0
    keep = minmax_indices(y, 1000)
    assert len(keep) <= 1002 and {0, 99_999, 31_337, 77_777} <= set(keep.tolist())
    assert np.all(np.diff(keep) > 0)
    assert len(minmax_indices(np.arange(10.0), 1000)) == 10


@pytest.mark.parametrize("name", ["main", "exp_1", "my run", "../up", "a/b", "..", "ü", "%41"])
def test_env_file_names_stay_inside_the_folder_and_decode_back(name: str, tmp_path: Path) -> None:
    stem = file_stem(name)
    assert "/" not in stem and "\\" not in stem and "." not in stem
    assert env_file_path(tmp_path, name).parent == tmp_path
    assert env_from_stem(stem) == name
    (tmp_path / (stem + ".json")).write_text("{}")
    assert name in env_files(tmp_path)


def test_env_id_follows_visdom() -> None:
    assert env_id(None) == "main" and env_id("a/b") == "a_b"
    with pytest.raises(ValueError, match="eid"):
        env_id(5)


def _append(x: list[float], name: str = "1", win: str = "w") -> tuple[str, dict[str, object]]:
    trace = {"x": np.array(x), "y": np.array(x) * 2, "name": name, "type": "scatter"}
    return "update", {"win": win, "eid": "main", "data": [trace], "append": True, "name": None}


def test_background_sender_merges_neighbouring_appends_in_order() -> None:
    items = [_append([0.0]), _append([1.0]), _append([2.0], win="other"), _append([3.0])]
    items.insert(3, ("close", encode({"win": "x"})))
    assert all(is_mergeable(endpoint, msg) for endpoint, msg in items if isinstance(msg, dict))
    sent = [(endpoint, jsonio.loads(body)) for endpoint, body in coalesce(items)]  # type: ignore[arg-type]
    assert [endpoint for endpoint, _ in sent] == ["update", "update", "close", "update"]
    assert sent[0][1]["data"][0]["x"] == [0.0, 1.0] and sent[0][1]["data"][0]["y"] == [0.0, 2.0]
    assert sent[1][1]["win"] == "other" and sent[3][1]["data"][0]["x"] == [3.0]


def test_masking_appends_are_never_merged() -> None:
    endpoint, msg = _append([math.nan])
    assert not is_mergeable(endpoint, msg)


def test_a_page_that_falls_behind_gets_its_env_again_not_a_growing_queue() -> None:
    from torchscope.live import LiveStore
    from torchscope.plugins.live import hub as hub_module

    store = LiveStore(None)
    hub = hub_module.Hub(store)
    sub = hub.add_sub()
    sub.eids = {"main"}
    store.execute("events", {"win": "w", "data": [{"type": "text", "content": "a"}]})
    for n in range(hub_module.MAX_QUEUED + 5):
        store.execute("update", {"win": "w", "data": [{"type": "text", "content": str(n)}]})
    assert len(sub.queue) < hub_module.MAX_QUEUED
    messages = [jsonio.loads(text) for text in sub.drain()]
    windows = [m for m in messages if m.get("command") == "window"]
    assert windows[0]["content"].startswith("a<br>0<br>1")  # the env, re-sent whole

"""A damaged state file at start is recovered or set aside with a warning, never a crash."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

from torchscope.live import LiveStore
from torchscope.live.store import JOURNAL_FOLDER

ROOT = Path(__file__).resolve().parents[2]


def _text(store: LiveStore, win: str, content: str, eid: str = "main") -> None:
    store.execute(
        "events", {"win": win, "eid": eid, "data": [{"type": "text", "content": content}]}
    )


def _contents(store: LiveStore, eid: str = "main") -> dict[str, str]:
    return {wid: doc["content"] for wid, doc in store.win_data({"eid": eid}).items()}


def _reopen(env_path: Path, readonly: bool = False) -> LiveStore:
    store = LiveStore(env_path, readonly=readonly)
    store.open()
    return store


def _set_aside(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f"{name}.corrupt-*"))


def _store_with_snapshot_and_journal(env_path: Path) -> Path:
    """Two windows in the snapshot, one more in the journal after it; the journal folder."""
    store = _reopen(env_path)
    _text(store, "in_snapshot", "s")
    store.compact()
    _text(store, "in_journal", "j")
    store.close()
    return env_path / JOURNAL_FOLDER


def _journal(folder: Path) -> Path:
    (journal,) = folder.glob("journal-*.log")
    return journal


def test_torn_last_journal_record_is_dropped_and_the_rest_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = _reopen(tmp_path)
    for i in range(3):
        _text(store, f"w{i}", str(i))
    store.close()
    journal = _journal(tmp_path / JOURNAL_FOLDER)
    whole = journal.read_bytes()
    torn = b'{"op":"events","n":500}\n{"win": "lost", "eid": "main", "da'  # kill -9 mid-write
    journal.write_bytes(whole + torn)

    with caplog.at_level(logging.WARNING, "torchscope.live"):
        reopened = _reopen(tmp_path)
    assert _contents(reopened) == {"w0": "0", "w1": "1", "w2": "2"}
    _text(reopened, "after", "a")  # new records land after the cut, not after the torn bytes
    reopened.close()

    assert journal.read_bytes().startswith(whole)
    (aside,) = _set_aside(journal.parent, journal.name)
    assert aside.read_bytes() == torn
    assert journal.name in caplog.text and aside.name in caplog.text
    assert _contents(_reopen(tmp_path))["after"] == "a"


def test_garbage_inside_the_journal_keeps_the_records_before_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = _reopen(tmp_path)
    _text(store, "kept", "k")
    store.close()
    journal = _journal(tmp_path / JOURNAL_FOLDER)
    garbage = b"\x00\xff not a header\n" + b'{"op":"events","n":2}\n{}\n'
    journal.write_bytes(journal.read_bytes() + garbage)

    with caplog.at_level(logging.WARNING, "torchscope.live"):
        reopened = _reopen(tmp_path)
    assert _contents(reopened) == {"kept": "k"}
    reopened.close()
    (aside,) = _set_aside(journal.parent, journal.name)
    assert aside.read_bytes() == garbage
    assert journal.name in caplog.text


@pytest.mark.parametrize(
    "damage",
    [b'{"envs": {"main": {"windows', b"", json.dumps({"gen": 1, "envs": {"main": 5}}).encode()],
    ids=["half-written", "empty", "wrong-shape"],
)
def test_damaged_snapshot_is_set_aside_and_the_journal_replayed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: bytes
) -> None:
    folder = _store_with_snapshot_and_journal(tmp_path)
    (folder / "snapshot.json").write_bytes(damage)

    with caplog.at_level(logging.WARNING, "torchscope.live"):
        reopened = _reopen(tmp_path)
    # The snapshot's windows are gone with it; what the journal holds after it is recovered.
    assert _contents(reopened) == {"in_journal": "j"}
    _text(reopened, "later", "l")
    reopened.close()

    (aside,) = _set_aside(folder, "snapshot.json")
    assert aside.read_bytes() == damage
    assert "snapshot.json" in caplog.text and aside.name in caplog.text
    assert _contents(_reopen(tmp_path)) == {"in_journal": "j", "later": "l"}


def test_corrupt_visdom_env_file_is_set_aside_and_the_others_imported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = {"jsons": {"w": {"type": "text", "content": "ok", "id": "w"}}, "reload": {}}
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "bad.json").write_bytes(b'{"jsons": {"w": {"type": "te')
    (tmp_path / "wrong.json").write_text(json.dumps({"jsons": {"w": {"content": "no type"}}}))

    with caplog.at_level(logging.WARNING, "torchscope.live"):
        store = _reopen(tmp_path)
    assert _contents(store, "good") == {"w": "ok"}
    assert "bad" not in store.env_ids() and "wrong" not in store.env_ids()
    store.close()

    for name in ("bad.json", "wrong.json"):
        assert not (tmp_path / name).exists()
        assert len(_set_aside(tmp_path, name)) == 1
        assert name in caplog.text
    assert (tmp_path / "good.json").exists()


def test_layouts_file_is_imported_or_set_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    view = tmp_path / "view"
    view.mkdir()
    layouts = json.dumps({"main": {"saved": {"w": [0, 3, 4]}}})
    (view / "layouts.json").write_text(layouts)
    store = _reopen(tmp_path)
    assert store.layouts == layouts
    store.close()

    other = tmp_path / "other"
    (other / "view").mkdir(parents=True)
    (other / "view" / "layouts.json").write_text('{"main": {"sav')
    with caplog.at_level(logging.WARNING, "torchscope.live"):
        damaged = _reopen(other)
    assert damaged.layouts == "{}"
    damaged.close()
    assert len(_set_aside(other / "view", "layouts.json")) == 1
    assert "layouts.json" in caplog.text


def test_read_only_store_reports_damage_but_moves_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = _store_with_snapshot_and_journal(tmp_path)
    (folder / "snapshot.json").write_bytes(b"{")
    (tmp_path / "bad.json").write_bytes(b"[")
    before = sorted(p.name for p in tmp_path.rglob("*"))

    with caplog.at_level(logging.WARNING, "torchscope.live"):
        store = _reopen(tmp_path, readonly=True)
    assert _contents(store) == {"in_journal": "j"}
    store.close()
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert "snapshot.json" in caplog.text and "bad.json" in caplog.text


def test_server_starts_on_damaged_files_and_says_which(tmp_path: Path) -> None:
    env_path = tmp_path / "envs"
    folder = _store_with_snapshot_and_journal(env_path)
    (folder / "snapshot.json").write_bytes(b'{"envs": ')
    journal = _journal(folder)
    journal.write_bytes(journal.read_bytes() + b'{"op":"events","n":99}\n{"wi')
    (env_path / "bad.json").write_bytes(b"{")

    process = subprocess.Popen(
        [sys.executable, "-m", "torchscope.server", "--port", "0", "--env-path", str(env_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "It's Alive!" in line and re.search(r":\d+\s*$", line), line
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    warnings = [text for text in stderr.splitlines() if ".corrupt-" in text]
    for name in ("snapshot.json", journal.name, "bad.json"):
        assert any(name in text for text in warnings), stderr
    assert _set_aside(folder, "snapshot.json") and _set_aside(env_path, "bad.json")
    assert _set_aside(folder, journal.name)

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from torchscope.embed import (
    ProjectorDataError,
    find_projector_runs,
    parse_projector_config,
    read_embedding,
    read_metadata,
)

FIXTURES = Path(os.environ.get("TORCHSCOPE_FIXTURES", "/work/shared/fixtures"))
WRITERS = ["tb-logdir-torch", "tb-logdir-tensorboardx"]


def expected_projector(name: str) -> dict[str, list[dict]]:
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    return {run: data["projector"] for run, data in expected["runs"].items() if "projector" in data}


@pytest.mark.parametrize("name", WRITERS)
def test_fixture_embeddings_read_as_tensorboard_sees_them(name: str) -> None:
    logdir = FIXTURES / name
    expected = expected_projector(name)
    runs = find_projector_runs(logdir)
    assert sorted(runs) == sorted(expected)
    for run_name, entries in expected.items():
        run = runs[run_name]
        assert [info.tensor_name for info in run.config.embeddings] == [
            entry["tensor_name"] for entry in entries
        ]
        for entry in entries:
            info = run.embedding(entry["tensor_name"])
            assert info.tensor_path == entry["tensor_path"]
            assert info.metadata_path == entry["metadata_path"]
            data = read_embedding(run, info)
            assert data.shape == (entry["rows"], entry["dims"])
            assert data.tensor.dtype == np.float32
            metadata_lines = (logdir / run_name / entry["metadata_path"]).read_text().splitlines()
            assert len(metadata_lines) == entry["metadata_lines"]
            assert metadata_lines[0] == entry["metadata_first_line"]
            header = len(data.metadata.columns) > 1
            assert len(data.metadata) + header == entry["metadata_lines"]
            first_row = "\t".join(data.metadata.columns if header else data.metadata.rows[0])
            assert first_row == entry["metadata_first_line"]
            first_vector = (logdir / run_name / entry["tensor_path"]).read_text().split("\n")[0]
            expected_vector = np.array([float(v) for v in first_vector.split("\t")], np.float32)
            np.testing.assert_array_equal(data.tensor[0], expected_vector)
            if entry["sprite_path"] is None:
                assert data.sprite is None and info.sprite is None
            else:
                assert info.sprite.image_path == entry["sprite_path"]
                assert list(data.sprite.single_image_dim) == entry["sprite_single_image_dim"]
                assert data.sprite.capacity >= entry["rows"]


def test_metadata_columns_and_sprite_thumbnails_from_torch_fixture() -> None:
    run = find_projector_runs(FIXTURES / "tb-logdir-torch")["train"]
    labelled = read_embedding(run, "features:00000")
    assert labelled.metadata.columns == ("label",)
    assert labelled.metadata.column("label")[:6] == ["c0", "c1", "c2", "c3", "c4", "c0"]
    table = read_embedding(run, "features:00005")
    assert table.metadata.columns == ("cls", "idx")
    assert table.metadata.column("idx")[:3] == ["0", "1", "2"]
    with pytest.raises(KeyError, match="no metadata column 'x'"):
        table.metadata.column("x")
    sprite = labelled.sprite
    atlas = Image.open(FIXTURES / "tb-logdir-torch/train/00000/features/sprite.png")
    thumbnail = sprite.thumbnail(13)  # 10 per row: row 1, column 3
    assert thumbnail.size == (8, 8)
    np.testing.assert_array_equal(np.asarray(thumbnail), np.asarray(atlas.crop((24, 8, 32, 16))))
    with pytest.raises(IndexError):
        sprite.thumbnail(100)
    with pytest.raises(KeyError, match="has no embedding 'nope'"):
        run.embedding("nope")


def write_run(directory: Path, config: str, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "projector_config.pbtxt").write_text(config)
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_root_run_legacy_location_and_memory_filesystem(tmp_path) -> None:
    write_run(
        tmp_path,
        'embeddings { tensor_name: "root" tensor_path: "t.tsv" }',
        {"t.tsv": "1\t2\n3\t4\n"},
    )
    legacy = tmp_path / "old" / "plugins" / "org_tensorflow_tensorboard_projector"
    write_run(legacy, 'embeddings { tensor_name: "old" tensor_path: "t.tsv" }', {"t.tsv": "5\n"})
    runs = find_projector_runs(tmp_path)
    assert sorted(runs) == [".", "old"]
    np.testing.assert_array_equal(read_embedding(runs["."], "root").tensor, [[1, 2], [3, 4]])
    assert read_embedding(runs["old"], "old").shape == (1, 1)

    import fsspec

    memory = fsspec.filesystem("memory")
    memory.pipe("/proj/run/projector_config.pbtxt", b'embeddings { tensor_path: "x.tsv" }')
    memory.pipe("/proj/run/x.tsv", b"0.5\t1.5\n")
    try:
        remote = find_projector_runs("memory://proj")
        np.testing.assert_array_equal(remote["run"].config.embeddings[0].tensor_path, "x.tsv")
        assert read_embedding(remote["run"], "").tensor.tolist() == [[0.5, 1.5]]
    finally:
        memory.rm("/proj", recursive=True)


def test_binary_tensor_file(tmp_path) -> None:
    values = np.arange(6, dtype="<f4").reshape(3, 2)
    write_run(
        tmp_path,
        'embeddings { tensor_name: "b" tensor_path: "t.bytes" tensor_shape: 3 tensor_shape: 2 }',
        {},
    )
    (tmp_path / "t.bytes").write_bytes(values.tobytes())
    run = find_projector_runs(tmp_path)["."]
    np.testing.assert_array_equal(read_embedding(run, "b").tensor, values)


@pytest.mark.parametrize(
    ("config", "files", "match"),
    [
        (
            'embeddings { tensor_name: "e" tensor_path: "../outside.tsv" }',
            {},
            "points outside",
        ),
        ('embeddings { tensor_name: "e" }', {}, "has no tensor_path"),
        ('embeddings { tensor_name: "e" tensor_path: "missing.tsv" }', {}, "does not exist"),
        (
            'embeddings { tensor_name: "e" tensor_path: "t.tsv" metadata_path: "m.tsv" }',
            {"t.tsv": "1\n2\n3\n", "m.tsv": "a\nb\n"},
            "3 vectors but 2 metadata rows",
        ),
        (
            'embeddings { tensor_name: "e" tensor_path: "t.tsv" metadata_path: "m.tsv" }',
            {"t.tsv": "1\n2\n", "m.tsv": "x\ty\na\n"},
            "line 2 has 1 columns",
        ),
        (
            'embeddings { tensor_name: "e" tensor_path: "t.tsv" }',
            {"t.tsv": "1\tnot-a-number\n"},
            "not a tab-separated table of numbers",
        ),
        (
            'embeddings { tensor_name: "e" tensor_path: "t.tsv" tensor_shape: 5 }',
            {"t.tsv": "1\n2\n"},
            "config says tensor_shape",
        ),
        (
            'embeddings { tensor_name: "e" tensor_path: "t.tsv" '
            'sprite { image_path: "s.png" single_image_dim: 4 } }',
            {"t.tsv": "1\n"},
            "single_image_dim",
        ),
    ],
)
def test_inconsistent_files_raise_clear_errors(tmp_path, config, files, match) -> None:
    write_run(tmp_path, config, files)
    run = find_projector_runs(tmp_path)["."]
    with pytest.raises(ProjectorDataError, match=match):
        read_embedding(run, "e")


def test_sprite_too_small_for_the_points(tmp_path) -> None:
    write_run(
        tmp_path,
        'embeddings { tensor_name: "e" tensor_path: "t.tsv" '
        'sprite { image_path: "s.png" single_image_dim: 4 single_image_dim: 4 } }',
        {"t.tsv": "1\n2\n3\n4\n5\n"},
    )
    Image.new("RGB", (8, 8)).save(tmp_path / "s.png")
    run = find_projector_runs(tmp_path)["."]
    with pytest.raises(ProjectorDataError, match="sprite holds only 4 thumbnails"):
        read_embedding(run, "e")


def test_metadata_edge_cases(tmp_path) -> None:
    write_run(
        tmp_path,
        'embeddings { tensor_name: "e" tensor_path: "t.tsv" metadata_path: "m.tsv" }',
        {"t.tsv": "1\n2\n3\n", "m.tsv": "a\r\n\r\nc"},  # CRLF, an empty label, no final newline
    )
    run = find_projector_runs(tmp_path)["."]
    metadata = read_metadata(run, run.embedding("e"))
    assert metadata.rows == (("a",), ("",), ("c",))


def test_config_parser_errors_and_unknown_fields() -> None:
    with pytest.raises(ProjectorDataError, match=r"cannot parse cfg\.pbtxt"):
        parse_projector_config("embeddings { tensor_name: ", source="cfg.pbtxt")
    config = parse_projector_config(
        '# a comment\nmodel_checkpoint_path: "ckpt"\n'
        'embeddings { tensor_name: "a" added_later: 1 tensor_shape: [3, 2] }'
    )
    assert config.model_checkpoint_path == "ckpt"
    assert config.embeddings[0].tensor_shape == (3, 2)
    with pytest.raises(TypeError, match="text must be a str"):
        parse_projector_config(b"embeddings {}")  # type: ignore[arg-type]


def test_logdir_errors(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        find_projector_runs(tmp_path / "missing")
    with pytest.raises(TypeError, match="logdir must be a path"):
        find_projector_runs(42)

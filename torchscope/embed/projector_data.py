"""Reading projector data from a log directory, the way TensorBoard's projector finds it.

A run with embeddings has a ``projector_config.pbtxt`` (or the legacy
``plugins/org_tensorflow_tensorboard_projector/projector_config.pbtxt``) that lists each
embedding's ``tensors.tsv``, optional ``metadata.tsv`` and optional sprite image, with paths
relative to the config's directory. Local paths and fsspec URLs (``s3://...``) both work.
"""

from __future__ import annotations

import io
import posixpath
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .projector_config import (
    EmbeddingInfo,
    ProjectorConfig,
    ProjectorDataError,
    parse_projector_config,
)

CONFIG_NAME = "projector_config.pbtxt"
LEGACY_CONFIG_DIR = "plugins/org_tensorflow_tensorboard_projector"
#: Column name TensorBoard gives a metadata file without a header.
SINGLE_COLUMN_NAME = "label"

__all__ = [
    "CONFIG_NAME",
    "EmbeddingData",
    "EmbeddingMetadata",
    "ProjectorDataError",
    "ProjectorRun",
    "Sprite",
    "find_projector_runs",
    "read_embedding",
    "read_metadata",
    "read_sprite",
    "read_tensor",
]


@dataclass(frozen=True)
class ProjectorRun:
    """A run that has a projector config: its name, where the config is, and its content."""

    name: str
    config_path: str
    config: ProjectorConfig
    filesystem: Any

    @property
    def directory(self) -> str:
        """The directory the config's relative paths start from."""
        return posixpath.dirname(self.config_path)

    def embedding(self, tensor_name: str) -> EmbeddingInfo:
        """The config entry called ``tensor_name``."""
        for info in self.config.embeddings:
            if info.tensor_name == tensor_name:
                return info
        names = ", ".join(repr(info.tensor_name) for info in self.config.embeddings)
        raise KeyError(f"run {self.name!r} has no embedding {tensor_name!r} (it has {names})")

    def resolve(self, relative: str) -> str:
        """Absolute path of a config-relative path; refuses paths that leave the directory."""
        base = self.directory
        joined = posixpath.normpath(posixpath.join(base, relative))
        if joined != base and not joined.startswith(base.rstrip("/") + "/"):
            raise ProjectorDataError(
                f"path {relative!r} in {self.config_path} points outside {base}"
            )
        return joined


@dataclass(frozen=True)
class EmbeddingMetadata:
    """The metadata table: column names and one row of strings per point."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[str]:
        """All values of one column."""
        try:
            position = self.columns.index(name)
        except ValueError:
            raise KeyError(f"no metadata column {name!r}; columns are {self.columns}") from None
        return [row[position] for row in self.rows]


@dataclass(frozen=True)
class Sprite:
    """The sprite atlas: thumbnails of ``single_image_dim`` = (width, height) in row-major order."""

    image: Any  # PIL.Image.Image; Any keeps PIL out of this module's import cost
    single_image_dim: tuple[int, int]

    @property
    def per_row(self) -> int:
        """How many thumbnails fit across the atlas."""
        return int(self.image.width // self.single_image_dim[0])

    @property
    def capacity(self) -> int:
        """How many thumbnails the atlas holds."""
        return self.per_row * int(self.image.height // self.single_image_dim[1])

    def thumbnail(self, index: int) -> Any:
        """The thumbnail of point ``index`` as a PIL image."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not 0 <= index < self.capacity:
            raise IndexError(f"index {index} outside the sprite's {self.capacity} thumbnails")
        width, height = self.single_image_dim
        row, column = divmod(int(index), self.per_row)
        box = (column * width, row * height, (column + 1) * width, (row + 1) * height)
        return self.image.crop(box)


@dataclass(frozen=True)
class EmbeddingData:
    """Everything about one embedding: config entry, vectors, metadata and sprite."""

    info: EmbeddingInfo
    tensor: npt.NDArray[np.float32]
    metadata: EmbeddingMetadata | None
    sprite: Sprite | None

    @property
    def shape(self) -> tuple[int, int]:
        """(points, dimensions)."""
        rows, dims = self.tensor.shape
        return int(rows), int(dims)


def _filesystem(logdir: Any) -> tuple[Any, str]:
    import fsspec

    if hasattr(logdir, "__fspath__"):
        logdir = logdir.__fspath__()
    if not isinstance(logdir, str) or not logdir:
        raise TypeError(f"logdir must be a path or an fsspec URL, got {logdir!r}")
    filesystem, root = fsspec.core.url_to_fs(logdir)
    return filesystem, root.rstrip("/") or "/"


def find_projector_runs(logdir: Any) -> dict[str, ProjectorRun]:
    """Every run under ``logdir`` with a projector config, keyed by run name.

    Run names are paths relative to ``logdir`` with ``/`` separators; the log directory
    itself is the run ``"."``. When a run has both configs, the current location wins over
    the legacy plugin-assets one.
    """
    filesystem, root = _filesystem(logdir)
    if not filesystem.isdir(root):
        raise FileNotFoundError(f"logdir {logdir!r} is not a directory")
    found: dict[str, str] = {}
    legacy: dict[str, str] = {}
    for path in sorted(filesystem.find(root)):
        if posixpath.basename(path) != CONFIG_NAME:
            continue
        directory = posixpath.dirname(path)
        if directory.endswith("/" + LEGACY_CONFIG_DIR):
            run_dir = directory[: -len(LEGACY_CONFIG_DIR) - 1]
            legacy[_run_name(root, run_dir)] = path
        else:
            found[_run_name(root, directory)] = path
    for name, path in legacy.items():
        found.setdefault(name, path)
    runs = {}
    for name in sorted(found):
        path = found[name]
        runs[name] = ProjectorRun(name, path, _read_config(filesystem, path), filesystem)
    return runs


def _run_name(root: str, directory: str) -> str:
    relative = posixpath.relpath(directory, root)
    return "." if relative in ("", ".") else relative


def _read_config(filesystem: Any, path: str) -> ProjectorConfig:
    with filesystem.open(path, "rb") as stream:
        text = stream.read().decode("utf-8")
    return parse_projector_config(text, source=path)


def read_tensor(run: ProjectorRun, info: EmbeddingInfo) -> npt.NDArray[np.float32]:
    """The embedding vectors (points x dimensions, float32) of one config entry.

    Reads ``tensors.tsv`` (tab-separated text, one point per line) or, for a path ending in
    ``.bytes``, raw little-endian float32 of shape ``tensor_shape``.
    """
    if not info.tensor_path:
        raise ProjectorDataError(
            f"embedding {info.tensor_name!r} in {run.config_path} has no tensor_path; "
            "tensors stored only in a TensorFlow checkpoint are not supported"
        )
    path = run.resolve(info.tensor_path)
    raw = _read_bytes(run, path)
    if path.endswith(".bytes"):
        tensor = _parse_binary_tensor(raw, info, path)
    else:
        tensor = _parse_tsv_tensor(raw, path)
    if info.tensor_shape and tuple(tensor.shape) != tuple(info.tensor_shape):
        raise ProjectorDataError(
            f"{path} holds a {tensor.shape[0]} x {tensor.shape[1]} tensor but the config says "
            f"tensor_shape {list(info.tensor_shape)}"
        )
    return tensor


def _parse_tsv_tensor(raw: bytes, path: str) -> npt.NDArray[np.float32]:
    try:
        tensor = np.loadtxt(io.BytesIO(raw), delimiter="\t", dtype=np.float32, ndmin=2)
    except ValueError as exc:
        raise ProjectorDataError(f"{path} is not a tab-separated table of numbers: {exc}") from exc
    if tensor.size == 0:
        raise ProjectorDataError(f"{path} holds no vectors")
    return tensor


def _parse_binary_tensor(raw: bytes, info: EmbeddingInfo, path: str) -> npt.NDArray[np.float32]:
    if len(info.tensor_shape) != 2:
        raise ProjectorDataError(f"{path} is binary, so the config must give a 2-D tensor_shape")
    rows, dims = info.tensor_shape
    if len(raw) != rows * dims * 4:
        raise ProjectorDataError(
            f"{path} has {len(raw)} bytes, expected {rows} x {dims} float32 = {rows * dims * 4}"
        )
    return np.frombuffer(raw, dtype="<f4").reshape(rows, dims).astype(np.float32)


def read_metadata(run: ProjectorRun, info: EmbeddingInfo) -> EmbeddingMetadata | None:
    """The metadata table of one config entry, or ``None`` when it has none.

    As in TensorBoard: a file whose first line has a tab has a header row naming the columns;
    a single-column file has no header and its column is called ``"label"``.
    """
    if not info.metadata_path:
        return None
    path = run.resolve(info.metadata_path)
    text = _read_bytes(run, path).decode("utf-8")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the file's final newline ends the last row; it does not start a new one
    lines = [line.removesuffix("\r") for line in lines]
    if not lines:
        return EmbeddingMetadata(columns=(SINGLE_COLUMN_NAME,), rows=())
    if "\t" in lines[0]:
        columns = tuple(lines[0].split("\t"))
        rows = []
        for number, line in enumerate(lines[1:], start=2):
            values = tuple(line.split("\t"))
            if len(values) != len(columns):
                raise ProjectorDataError(
                    f"{path} line {number} has {len(values)} columns, the header has {len(columns)}"
                )
            rows.append(values)
        return EmbeddingMetadata(columns=columns, rows=tuple(rows))
    return EmbeddingMetadata(columns=(SINGLE_COLUMN_NAME,), rows=tuple((line,) for line in lines))


def read_sprite(run: ProjectorRun, info: EmbeddingInfo) -> Sprite | None:
    """The sprite atlas of one config entry, or ``None`` when it has none."""
    if info.sprite is None or not info.sprite.image_path:
        return None
    from PIL import Image

    path = run.resolve(info.sprite.image_path)
    dims = info.sprite.single_image_dim
    if len(dims) != 2 or min(dims) <= 0:
        raise ProjectorDataError(
            f"sprite {path} needs single_image_dim [width, height], got {list(dims)}"
        )
    try:
        image = Image.open(io.BytesIO(_read_bytes(run, path)))
        image.load()
    except OSError as exc:
        raise ProjectorDataError(f"cannot read sprite image {path}: {exc}") from exc
    width, height = int(dims[0]), int(dims[1])
    if width > image.width or height > image.height:
        raise ProjectorDataError(
            f"sprite {path} is {image.width} x {image.height}, smaller than one "
            f"{width} x {height} thumbnail"
        )
    return Sprite(image=image, single_image_dim=(width, height))


def read_embedding(run: ProjectorRun, tensor_name: str | EmbeddingInfo) -> EmbeddingData:
    """Read one embedding's vectors, metadata and sprite and check that they agree."""
    info = tensor_name if isinstance(tensor_name, EmbeddingInfo) else run.embedding(tensor_name)
    tensor = read_tensor(run, info)
    metadata = read_metadata(run, info)
    sprite = read_sprite(run, info)
    points = tensor.shape[0]
    if metadata is not None and len(metadata) != points:
        raise ProjectorDataError(
            f"embedding {info.tensor_name!r}: {points} vectors but {len(metadata)} metadata rows"
        )
    if sprite is not None and sprite.capacity < points:
        raise ProjectorDataError(
            f"embedding {info.tensor_name!r}: {points} vectors but the sprite holds only "
            f"{sprite.capacity} thumbnails"
        )
    return EmbeddingData(info=info, tensor=tensor, metadata=metadata, sprite=sprite)


def _read_bytes(run: ProjectorRun, path: str) -> bytes:
    try:
        with run.filesystem.open(path, "rb") as stream:
            data: bytes = stream.read()
    except FileNotFoundError as exc:
        raise ProjectorDataError(f"{path} (named in {run.config_path}) does not exist") from exc
    return data

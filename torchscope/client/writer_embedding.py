"""``add_embedding``: the projector's TSV, sprite and ``projector_config.pbtxt`` files."""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from google.protobuf import text_format

from torchscope.client.writer_convert import to_numpy
from torchscope.client.writer_files import is_remote_path, join_path
from torchscope.client.writer_images import make_grid
from torchscope.events.messages import EmbeddingInfo, ProjectorConfig

__all__ = ["EmbeddingFiles", "encode_tag"]


def encode_tag(tag: str) -> str:
    """The directory name of a tag: ``%``, ``/`` and ``\\`` percent-encoded, as torch does."""
    return tag.replace("%", "%25").replace("/", "%2f").replace("\\", "%5c")


def _write_bytes(path: str, data: bytes) -> None:
    if is_remote_path(path):
        import fsspec

        with fsspec.open(path, "wb") as file:
            file.write(data)
    else:
        with open(path, "wb") as file:
            file.write(data)


def _make_dirs(path: str) -> bool:
    """Create ``path``; return True if it already existed."""
    if is_remote_path(path):
        import fsspec

        fs, root = fsspec.core.url_to_fs(path)
        existed = bool(fs.exists(root))
        fs.makedirs(root, exist_ok=True)
        return existed
    if os.path.isfile(path):
        raise NotADirectoryError(f"{path!r} exists and is a file")
    existed = os.path.isdir(path)
    os.makedirs(path, exist_ok=True)
    return existed


def _metadata_tsv(metadata: Sequence[Any], header: Sequence[str] | None) -> bytes:
    if header:
        rows = [list(header), *[list(row) for row in metadata]]
        for row in rows:
            if len(row) != len(header):
                raise ValueError(
                    f"every metadata row must have {len(header)} columns (metadata_header)"
                )
        lines = ["\t".join(str(cell) for cell in row) for row in rows]
    else:
        lines = [str(label) for label in metadata]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _sprite_png(label_img: np.ndarray) -> bytes:
    """All label images tiled row-major into a square canvas, as torch's sprite."""
    from PIL import Image

    count = label_img.shape[0]
    per_row = math.ceil(count**0.5)
    grid = make_grid(label_img, ncols=per_row)  # CHW
    side = grid.shape[2]
    square = np.zeros((side, side, 3), dtype=np.float64)
    hwc = grid.transpose(1, 2, 0)
    square[: hwc.shape[0]] = hwc
    picture = Image.fromarray(np.uint8(np.clip(square * 255, 0, 255)))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return buffer.getvalue()


class EmbeddingFiles:
    """The projector files of one writer's run directory."""

    def __init__(self, run_dir: str) -> None:
        self.run_dir = run_dir
        self.config = ProjectorConfig()

    def add(
        self,
        mat: Any,
        metadata: Sequence[Any] | None,
        label_img: Any,
        global_step: int | None,
        tag: str,
        metadata_header: Sequence[str] | None,
    ) -> str:
        """Write one embedding; return its directory relative to the run."""
        matrix = to_numpy(mat, "mat")
        if matrix.ndim != 2:
            raise ValueError(f"mat must be 2-D [points, dims], got shape {matrix.shape}")
        step = 0 if global_step is None else int(global_step)
        subdir = f"{str(step).zfill(5)}/{encode_tag(tag)}"
        directory = join_path(self.run_dir, subdir)
        if _make_dirs(directory):
            print("warning: Embedding dir exists, did you set global_step for add_embedding()?")
        info = EmbeddingInfo(
            tensor_name=f"{tag}:{str(step).zfill(5)}", tensor_path=f"{subdir}/tensors.tsv"
        )
        if metadata is not None:
            if len(metadata) != matrix.shape[0]:
                raise ValueError(
                    f"metadata has {len(metadata)} labels but mat has {matrix.shape[0]} points"
                )
            _write_bytes(
                join_path(directory, "metadata.tsv"), _metadata_tsv(metadata, metadata_header)
            )
            info.metadata_path = f"{subdir}/metadata.tsv"
        if label_img is not None:
            images = to_numpy(label_img, "label_img")
            if images.ndim != 4 or images.shape[0] != matrix.shape[0]:
                raise ValueError(
                    f"label_img must be [points, C, H, W] with {matrix.shape[0]} points,"
                    f" got shape {images.shape}"
                )
            _write_bytes(join_path(directory, "sprite.png"), _sprite_png(images))
            info.sprite.image_path = f"{subdir}/sprite.png"
            info.sprite.single_image_dim.extend([int(images.shape[3]), int(images.shape[2])])
        rows = ["\t".join(str(x) for x in row) for row in matrix.tolist()]
        _write_bytes(join_path(directory, "tensors.tsv"), ("\n".join(rows) + "\n").encode())
        self.config.embeddings.append(info)
        config_text = text_format.MessageToString(self.config)
        _write_bytes(join_path(self.run_dir, "projector_config.pbtxt"), config_text.encode())
        return subdir

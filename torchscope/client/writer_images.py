"""Images, image grids, boxes, figures and videos as torch's writer encodes them."""

from __future__ import annotations

import io
import math
import os
import struct
import tempfile
import zlib
from typing import Any

import numpy as np

from torchscope.client.writer_convert import is_torch_tensor, to_numpy
from torchscope.events.messages import Summary

__all__ = [
    "figure_to_chw",
    "image_value",
    "make_grid",
    "to_hwc",
    "video_value",
]

# zlib level 1: several times faster than PIL's default on photos and noise alike, files
# a little larger; TensorBoard and browsers decode any level.
PNG_COMPRESS_LEVEL = 1
_PNG_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> gray, gray+alpha, RGB, RGBA


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


_SAMPLE_BYTES = 32 << 10


def _deflate(data: bytes, level: int) -> bytes:
    """zlib stream of ``data``; incompressible data (noise) is stored, not compressed,
    which costs a tenth of the time for the same size."""
    if len(data) > 4 * _SAMPLE_BYTES:
        middle = len(data) // 2
        sample = data[middle : middle + _SAMPLE_BYTES]
        if len(zlib.compress(sample, 1)) > 0.95 * len(sample):
            level = 0
    return zlib.compress(data, level)


def encode_png(hwc: np.ndarray, level: int = PNG_COMPRESS_LEVEL) -> bytes:
    """PNG of an HWC uint8 array (1-4 channels).

    Every row uses the "Up" filter (difference to the row above), computed in one numpy
    operation: nearly as small as PIL's per-row adaptive filtering, at a fraction of the cost.
    """
    height, width, channels = hwc.shape
    rows = np.ascontiguousarray(hwc).reshape(height, width * channels)
    filtered = np.empty((height, width * channels + 1), dtype=np.uint8)
    filtered[:, 0] = 2  # filter type "Up"
    filtered[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=filtered[1:, 1:], dtype=np.uint8, casting="unsafe")
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOR_TYPE[channels], 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", _deflate(filtered.tobytes(), level)),
            _png_chunk(b"IEND", b""),
        )
    )


def make_grid(images: np.ndarray, ncols: int = 8) -> np.ndarray:
    """Tile N images (NCHW, C = 1 or 3) into one CHW image, ``ncols`` per row."""
    if images.ndim != 4:
        raise ValueError(f"expected NCHW images, got shape {images.shape}")
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)
    if images.shape[1] != 3:
        raise ValueError(f"images must have 1 or 3 channels, got {images.shape[1]}")
    count, _, height, width = images.shape
    ncols = min(count, ncols)
    nrows = math.ceil(count / ncols)
    canvas = np.zeros((3, height * nrows, width * ncols), dtype=images.dtype)
    for i in range(count):
        row, col = divmod(i, ncols)
        canvas[:, row * height : (row + 1) * height, col * width : (col + 1) * width] = images[i]
    return canvas


def to_hwc(array: np.ndarray, dataformats: str) -> np.ndarray:
    """Reorder an image tensor to HWC (3 or 4 channels); NCHW-like input becomes a grid."""
    fmt = dataformats.upper()
    if len(set(fmt)) != len(fmt) or not set(fmt) <= set("NCHW"):
        raise ValueError(
            f"dataformats must use each of N, C, H, W at most once, got {dataformats!r}"
        )
    if array.ndim != len(fmt):
        raise ValueError(
            f"image has {array.ndim} dimensions but dataformats={dataformats!r} has {len(fmt)}"
        )
    if len(fmt) == 4:
        nchw = array.transpose([fmt.index(c) for c in "NCHW"])
        return make_grid(nchw).transpose(1, 2, 0)
    if len(fmt) == 3:
        if set(fmt) != set("CHW"):
            raise ValueError(f"a 3-D image needs dataformats made of C, H, W, got {dataformats!r}")
        hwc = array.transpose([fmt.index(c) for c in "HWC"])
        if hwc.shape[2] == 1:
            hwc = np.concatenate([hwc] * 3, axis=2)
        return hwc
    if len(fmt) == 2 and set(fmt) == set("HW"):
        hw = array.transpose([fmt.index(c) for c in "HW"])
        return np.stack([hw] * 3, axis=2)
    raise ValueError(f"unsupported dataformats {dataformats!r}")


def _to_uint8(array: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] are scaled by 255, uint8 kept; both clipped to [0, 255]."""
    if array.dtype == np.uint8:
        return array
    scaled = array.astype(np.float32) * 255.0
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _png(hwc: np.ndarray, rescale: float = 1.0, boxes: Any = None, labels: Any = None) -> bytes:
    if boxes is None and rescale == 1:
        return encode_png(hwc)
    from PIL import Image  # drawing and resampling need Pillow

    height, width = hwc.shape[:2]
    picture = Image.fromarray(np.ascontiguousarray(hwc))
    if boxes is not None:
        _draw_boxes(picture, boxes, labels)
    if rescale != 1:
        picture = picture.resize(
            (int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS
        )
    return encode_png(np.asarray(picture).reshape(picture.height, picture.width, -1))


def _draw_boxes(picture: Any, boxes: np.ndarray, labels: list[str] | None) -> None:
    from PIL import ImageDraw, ImageFont

    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default()
    for i, (left, top, right, bottom) in enumerate(boxes[:, :4].tolist()):
        draw.line(
            [(left, top), (left, bottom), (right, bottom), (right, top), (left, top)],
            width=2,
            fill="Red",
        )
        if labels is not None:
            text = str(labels[i])
            x0, y0, x1, y1 = font.getbbox(text)
            text_width, text_height = x1 - x0, y1 - y0
            margin = math.ceil(0.05 * text_height)
            draw.rectangle(
                [(left, bottom - text_height - 2 * margin), (left + text_width, bottom)], fill="Red"
            )
            draw.text((left + margin, bottom - text_height - margin), text, fill="black", font=font)


def image_value(
    tag: str,
    img_tensor: Any,
    dataformats: str,
    *,
    boxes: Any = None,
    labels: list[str] | None = None,
    rescale: float = 1.0,
) -> Any:
    """One PNG ``Summary.Image`` (a grid for batched input)."""
    array = to_numpy(img_tensor, "img_tensor")
    hwc = _to_uint8(to_hwc(array, dataformats))
    box_array = None
    if boxes is not None:
        box_array = to_numpy(boxes, "box_tensor").astype(np.float64).reshape(-1, 4)
    height, width, channels = hwc.shape
    image = Summary.Image(
        height=height,
        width=width,
        colorspace=channels,
        encoded_image_string=_png(hwc, rescale, box_array, labels),
    )
    return Summary.Value(tag=tag, image=image)


def figure_to_chw(figure: Any, close: bool) -> np.ndarray:
    """Render a matplotlib figure to a CHW uint8 RGB array (matplotlib imported here only)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = figure.canvas.get_width_height()
    rgba = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return np.ascontiguousarray(rgba[:, :, :3].transpose(2, 0, 1))


def _video_frames(vid: np.ndarray) -> np.ndarray:
    """[B, T, C, H, W] -> [T, H', W', C] uint8 with the batch tiled in a grid, as torch does."""
    if vid.ndim != 5:
        raise ValueError(f"vid_tensor must have shape [B, T, C, H, W], got {vid.shape}")
    if vid.dtype == np.uint8:
        vid = vid.astype(np.float32) / 255.0
    batch, frames, channels, height, width = vid.shape
    if batch & (batch - 1):
        # Pad the batch to a power of two so the grid is (nearly) square.
        padded = 1 << batch.bit_length()
        vid = np.concatenate([vid, np.zeros((padded - batch, *vid.shape[1:]), vid.dtype)])
    rows = 2 ** ((batch.bit_length() - 1) // 2)
    cols = vid.shape[0] // rows
    grid = vid.reshape(rows, cols, frames, channels, height, width)
    grid = grid.transpose(2, 0, 4, 1, 5, 3).reshape(frames, rows * height, cols * width, channels)
    return np.clip(grid.astype(np.float32) * 255.0, 0, 255).astype(np.uint8)


def _gif_with_moviepy(frames: np.ndarray, fps: float) -> bytes | None:
    try:
        from moviepy import editor as mpy  # moviepy < 2, as torch's writer requires
    except ImportError:
        return None
    handle, name = tempfile.mkstemp(suffix=".gif")
    os.close(handle)
    try:
        clip = mpy.ImageSequenceClip(list(frames), fps=fps)
        try:
            clip.write_gif(name, verbose=False, logger=None)
        except TypeError:
            clip.write_gif(name, verbose=False)
        with open(name, "rb") as file:
            return file.read()
    finally:
        os.unlink(name)


def _gif_with_pillow(frames: np.ndarray, fps: float) -> bytes:
    from PIL import Image

    pictures = [
        Image.fromarray(frame.squeeze(-1) if frame.shape[-1] == 1 else frame) for frame in frames
    ]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=max(1, round(1000 / fps)),
        loop=0,
    )
    return buffer.getvalue()


def video_value(tag: str, vid_tensor: Any, fps: float) -> Any:
    """An animated GIF ``Summary.Image``: moviepy when installed (as torch), else Pillow."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    vid = to_numpy(vid_tensor, "vid_tensor")
    frames = _video_frames(vid)
    if frames.shape[-1] not in (1, 3, 4):
        raise ValueError(f"video frames must have 1, 3 or 4 channels, got {frames.shape[-1]}")
    gif = _gif_with_moviepy(frames, fps) or _gif_with_pillow(frames, fps)
    _, height, width, channels = frames.shape
    image = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=gif)
    return Summary.Value(tag=tag, image=image)


def is_figure_list(figure: Any) -> bool:
    """True for a list of matplotlib figures (add_figure logs them as one grid)."""
    return isinstance(figure, list)


def box_labels(labels: Any, box_count: int) -> list[str] | None:
    """torch drops labels whose count does not match the boxes."""
    if labels is None:
        return None
    if isinstance(labels, str):
        labels = [labels]
    if is_torch_tensor(labels):
        labels = labels.tolist()
    labels = list(labels)
    return labels if len(labels) == box_count else None

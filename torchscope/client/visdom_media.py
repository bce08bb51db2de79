"""Encoding media for Visdom panes: images as data URLs, audio and video as HTML, SVG text."""

from __future__ import annotations

import base64
import io
import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

AUDIO_TYPES = {"wav": "wav", "mp3": "mp3", "ogg": "ogg", "flac": "flac"}
VIDEO_TYPES = {"mp4": "mp4", "ogv": "ogg", "avi": "avi", "webm": "webm"}


def image_data_url(img: np.ndarray, jpg_quality: Any = None) -> str:
    """A ``CxHxW`` or ``HxW`` array (floats in [0, 1] or uint8) as a PNG (or JPEG) data URL."""
    from PIL import Image

    if img.ndim not in (2, 3):
        raise ValueError(f"img must be HxW or CxHxW, got shape {img.shape}")
    if img.ndim == 2 or img.shape[0] == 1:
        img = np.repeat(np.squeeze(img)[np.newaxis], 3, axis=0)
    if img.shape[0] not in (3, 4):
        raise ValueError(f"img must have 1, 3 or 4 channels first, got shape {img.shape}")
    if img.dtype.kind == "f":
        img = img * 255.0 if img.size and np.nanmax(img) <= 1 else img
        img = np.nan_to_num(img).clip(0, 255)
    pixels = np.ascontiguousarray(np.transpose(img.astype(np.uint8), (1, 2, 0)))
    buffer = io.BytesIO()
    kind = "jpeg" if jpg_quality is not None else "png"
    image = Image.fromarray(pixels[..., :3] if kind == "jpeg" else pixels)
    if kind == "jpeg":
        image.save(buffer, format="JPEG", quality=int(jpg_quality))
    else:
        image.save(buffer, format="PNG")
    return f"data:image/{kind};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"


def image_grid(batch: np.ndarray, nrow: int, padding: int) -> np.ndarray:
    """``BxCxHxW`` images laid out in a grid of ``nrow`` columns (background 1.0)."""
    if nrow < 1:
        raise ValueError(f"nrow must be at least 1, got {nrow}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    count, channels, height, width = batch.shape
    columns = min(nrow, count)
    rows = math.ceil(count / columns)
    cell_h, cell_w = height + 2 * padding, width + 2 * padding
    grid = np.ones((channels, cell_h * rows, cell_w * columns), dtype=np.float64)
    if batch.dtype == np.uint8:
        grid *= 255
    for k in range(count):
        top = (k // columns) * cell_h + padding
        left = (k % columns) * cell_w + padding
        grid[:, top : top + height, left : left + width] = batch[k]
    return grid.astype(batch.dtype) if batch.dtype == np.uint8 else grid


def audio_html(data: bytes, kind: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<audio controls><source type="audio/{kind}" src="data:audio/{kind};base64,{encoded}">'
        "Your browser does not support the audio tag.</audio>"
    )


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    """16-bit PCM WAV of ``samples`` (N or Nx2), scaled to full range."""
    import wave

    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    pcm = (samples / peak * 32767 if peak > 0 else samples).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1 if samples.ndim == 1 else 2)
        out.setsampwidth(2)
        out.setframerate(int(rate))
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def video_html(data: bytes, kind: str, autoplay: bool, loop: bool) -> str:
    flags = " ".join(flag for flag, on in (("autoplay", autoplay), ("loop", loop)) if on)
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<video controls {flags}><source type="video/{kind}" '
        f'src="data:video/{kind};base64,{encoded}">'
        "Your browser does not support the video tag.</video>"
    )


def mp4_bytes(frames: np.ndarray, fps: float) -> bytes:
    """``LxHxWxC`` frames (BGR, as Visdom takes them; floats in [0, 1]) as H.264 MP4; needs
    PyAV. Odd heights and widths get one edge row or column more (H.264 needs even sizes)."""
    try:
        import av
    except ImportError:
        raise ImportError("video from a tensor needs PyAV: pip install av") from None
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not fps > 0:
        raise ValueError(f"opts['fps'] must be a positive number, got {fps!r}")
    if frames.ndim != 4 or frames.shape[0] == 0:
        raise ValueError(f"video frames must be LxHxWxC with L >= 1, got shape {frames.shape}")
    formats = {1: "gray", 3: "bgr24"}
    if frames.shape[3] not in formats:
        raise ValueError("video frames must have 1 or 3 channels")
    if frames.dtype.kind == "f":
        frames = frames * 255
    frames = frames.clip(0, 255).astype(np.uint8)
    pad_rows, pad_columns = frames.shape[1] % 2, frames.shape[2] % 2
    if pad_rows or pad_columns:
        frames = np.pad(frames, ((0, 0), (0, pad_rows), (0, pad_columns), (0, 0)), mode="edge")
    buffer = io.BytesIO()
    container = av.open(buffer, "w", "mp4")
    stream = container.add_stream("h264", rate=Fraction(fps).limit_denominator(1001))
    stream.height, stream.width = frames.shape[1], frames.shape[2]
    stream.pix_fmt = "yuv420p"
    for frame in frames:
        picture = av.VideoFrame.from_ndarray(
            np.ascontiguousarray(frame), format=formats[frames.shape[3]]
        )
        container.mux(stream.encode(picture))
    container.mux(stream.encode())
    container.close()
    return buffer.getvalue()


def read_file(path: str | Path, what: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist")
    return file.read_bytes()


def svg_element(text: str) -> str:
    """The ``<svg ...</svg>`` part of ``text``."""
    found = re.search("<svg .+</svg>", text, re.DOTALL)
    if found is None:
        raise ValueError("svgstr holds no <svg ...>...</svg> element")
    return found.group(0)


def figure_svg(figure: Any) -> str:
    """A matplotlib figure (or ``pyplot``) saved as SVG text."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()

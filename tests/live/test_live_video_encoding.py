"""Video from frames (``torchscope.Visdom.video(tensor=...)``): what PyAV gets and gives back."""

from __future__ import annotations

import io

import av
import numpy as np
import pytest

from torchscope.client.visdom_media import mp4_bytes


def decoded(data: bytes) -> list[np.ndarray]:
    with av.open(io.BytesIO(data)) as container:
        return [frame.to_ndarray(format="bgr24") for frame in container.decode(video=0)]


def test_frames_round_trip_and_odd_sizes_are_padded() -> None:
    frames = np.zeros((6, 15, 21, 3), dtype=np.uint8)  # odd height and width
    frames[:, :, :, 2] = 200  # red in BGR
    frames[3:, :, :, 0] = 200  # the second half turns magenta
    out = decoded(mp4_bytes(frames, fps=12))
    assert len(out) == 6
    assert out[0].shape == (16, 22, 3)  # one edge row and column more
    assert out[0][..., 2].mean() > 150 and out[0][..., 0].mean() < 60
    assert out[-1][..., 0].mean() > 150  # the frames keep their order


def test_float_frames_are_scaled_from_unit_range_and_gray_works() -> None:
    gray = np.full((3, 8, 8, 1), 0.5, dtype=np.float32)
    out = decoded(mp4_bytes(gray, fps=2.5))
    assert len(out) == 3 and abs(float(out[0].mean()) - 128) < 12


@pytest.mark.parametrize("fps", [0, -3, "25", True, float("nan")])
def test_bad_fps_is_a_value_error_naming_it(fps: object) -> None:
    with pytest.raises(ValueError, match="fps"):
        mp4_bytes(np.zeros((2, 8, 8, 3), dtype=np.uint8), fps=fps)  # type: ignore[arg-type]


def test_frames_must_have_one_or_three_channels() -> None:
    with pytest.raises(ValueError, match="channels"):
        mp4_bytes(np.zeros((2, 8, 8, 2), dtype=np.uint8), fps=5)

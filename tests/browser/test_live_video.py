"""Video panes in the Live view: ``vis.video(tensor=...)`` and ``vis.video(videofile=...)`` from
Visdom's own client and from torchscope.Visdom play in Chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from playwright.sync_api import Page, expect
from test_live_view import Server, open_env, pane

import torchscope
from torchscope.client.visdom_media import mp4_bytes

pytestmark = pytest.mark.browser

FRAMES, HEIGHT, WIDTH, FPS = 12, 48, 64, 6


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = Server(tmp_path_factory.mktemp("live-video"))
    yield running
    running.stop()


def visdom_client(server: Server, env: str) -> Any:
    import visdom

    return visdom.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        env=env,
        use_incoming_socket=False,
        raise_exceptions=True,
    )


def torchscope_client(server: Server, env: str) -> Any:
    return torchscope.Visdom(
        server="http://127.0.0.1",
        port=server.port,
        env=env,
        use_incoming_socket=False,
        raise_exceptions=True,
    )


CLIENTS: dict[str, Callable[[Server, str], Any]] = {
    "visdom": visdom_client,
    "torchscope": torchscope_client,
}


def moving_square() -> np.ndarray:
    """``LxHxWxC`` uint8 frames (BGR): a white square crossing a dark background."""
    frames = np.full((FRAMES, HEIGHT, WIDTH, 3), 30, dtype=np.uint8)
    for t in range(FRAMES):
        left = t * (WIDTH - 16) // (FRAMES - 1)
        frames[t, 16:32, left : left + 16] = 255
    return frames


def expect_playable_video(page: Page, win: str) -> None:
    """The pane holds a <video> whose data: source loaded: metadata known, duration > 0."""
    video = pane(page, win).locator("video")
    expect(video).to_have_count(1, timeout=20_000)
    assert video.locator("source").get_attribute("src", timeout=5_000).startswith("data:video/")
    page.wait_for_function(
        "v => v.readyState >= 1 && v.duration > 0 && !v.error",
        arg=video.element_handle(),
        timeout=20_000,
    )
    duration = video.evaluate("v => v.duration")
    assert duration == pytest.approx(FRAMES / FPS, abs=0.5)
    assert video.evaluate("v => [v.videoWidth, v.videoHeight]") == [WIDTH, HEIGHT]
    # It plays: muted playback is allowed without a user gesture, and time moves on.
    video.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("v => v.currentTime > 0", arg=video.element_handle(), timeout=20_000)


@pytest.mark.parametrize("client_kind", sorted(CLIENTS))
def test_video_from_a_tensor_plays(page: Page, server: Server, client_kind: str) -> None:
    env = f"v_tensor_{client_kind}"
    vis = CLIENTS[client_kind](server, env)
    win = vis.video(tensor=moving_square(), win="clip", opts={"fps": FPS, "title": "frames"})
    assert win == "clip"
    open_env(page, server, env)
    expect_playable_video(page, "clip")


@pytest.mark.parametrize("client_kind", sorted(CLIENTS))
def test_video_from_a_file_plays(
    page: Page, server: Server, client_kind: str, tmp_path: Path
) -> None:
    env = f"v_file_{client_kind}"
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes(moving_square(), FPS))
    vis = CLIENTS[client_kind](server, env)
    win = vis.video(videofile=str(path), win="file", opts={"loop": True})
    assert win == "file"
    open_env(page, server, env)
    expect_playable_video(page, "file")
    assert pane(page, "file").locator("video").evaluate("v => v.loop") is True


def test_torchscope_video_takes_tensors_channels_first(page: Page, server: Server) -> None:
    frames = torch.from_numpy(moving_square()).permute(0, 3, 1, 2).float() / 255
    vis = torchscope_client(server, "v_torch")
    vis.video(tensor=frames, dim="LxCxHxW", win="chw", opts={"fps": FPS})
    open_env(page, server, "v_torch")
    expect_playable_video(page, "chw")

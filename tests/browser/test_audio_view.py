"""The Audio view in Chromium: a card per run and tag, a step slider, a playable local clip."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from logdir_server import TORCH_LOGDIR, expected, logdir_server
from playwright.sync_api import Page, expect

from torchscope import SummaryWriter

pytestmark = pytest.mark.browser

SAMPLE_RATE = 8000
STEPS = [0, 5, 10]


def write_logdir(logdir: Path) -> None:
    """Run "speech" with a tone whose pitch rises with the step; run "noise" with one clip."""
    seconds = np.arange(int(0.25 * SAMPLE_RATE)) / SAMPLE_RATE
    with SummaryWriter(str(logdir / "speech")) as writer:
        for step in STEPS:
            tone = 0.5 * np.sin(2 * np.pi * (220 + 20 * step) * seconds)
            writer.add_audio("tone", tone.astype(np.float32), step, sample_rate=SAMPLE_RATE)
    with SummaryWriter(str(logdir / "noise")) as writer:
        noise = np.random.default_rng(0).uniform(-0.3, 0.3, seconds.size).astype(np.float32)
        writer.add_audio("tone", noise, 3, sample_rate=SAMPLE_RATE)
        writer.add_audio("hiss", noise, 3, sample_rate=SAMPLE_RATE)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    logdir = tmp_path_factory.mktemp("audio-logdir")
    write_logdir(logdir)
    with logdir_server(logdir, tmp_path_factory.mktemp("env")) as served:
        yield served


def test_clips_play_from_this_server_and_follow_the_slider(page: Page, url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url + "#/audio")
    expect(page.locator(".audio-view")).to_have_attribute("data-ready", "1")
    expect(page.locator(".audio-card")).to_have_count(
        3
    )  # (speech, tone), (noise, tone), (noise, hiss)

    figure = page.locator('.audio-card[data-run="speech"][data-tag="tone"] figure')
    expect(figure).to_have_attribute("data-steps", str(len(STEPS)))
    expect(figure).to_have_attribute("data-step", str(STEPS[-1]))  # the newest step first
    audio = figure.locator("audio")
    page.wait_for_function("el => el.readyState > 0", arg=audio.element_handle())
    expect(figure).to_have_attribute("data-playable", "1")
    duration = audio.evaluate("el => el.duration")
    assert duration == pytest.approx(0.25, abs=0.01)
    newest_src = audio.get_attribute("src")
    assert newest_src is not None and newest_src.startswith(url)

    slider = figure.get_by_role("slider")
    slider.focus()
    page.keyboard.press("Home")
    expect(figure).to_have_attribute("data-step", str(STEPS[0]))
    expect(figure).to_contain_text(f"Step {STEPS[0]}")
    assert audio.get_attribute("src") != newest_src
    page.wait_for_function("el => el.readyState > 0", arg=audio.element_handle())

    # A single-step clip has no slider, and nothing was fetched from another origin.
    single = page.locator('.audio-card[data-run="noise"][data-tag="hiss"] figure')
    expect(single).to_have_attribute("data-step", "3")
    expect(single.get_by_role("slider")).to_have_count(0)
    assert all(request.startswith(url) for request in requests), requests
    assert errors == []


def test_the_fixture_clip(page: Page, tmp_path: Path) -> None:
    truth = expected(TORCH_LOGDIR)["runs"]["train"]["audio"]["tone"]
    with logdir_server(TORCH_LOGDIR, tmp_path / "env") as fixture_url:
        page.goto(fixture_url + "#/audio")
        figure = page.locator('.audio-card[data-run="train"][data-tag="tone"] figure')
        expect(figure).to_have_attribute("data-step", str(truth["steps"][-1]))
        expect(figure).to_have_attribute("data-playable", "1")
        expect(figure).to_contain_text(truth["content_type"])
        duration = figure.locator("audio").evaluate("el => el.duration")
        assert duration == pytest.approx(truth["length_frames"] / truth["sample_rate"], abs=1e-3)

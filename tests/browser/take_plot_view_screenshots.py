"""Regenerate the Histograms, Distributions, Audio and PR curves pictures of docs/views.md.

Writes a small demo log directory with ``torchscope.SummaryWriter`` (two runs whose weights
spread and drift as they train, a rising tone, precision-recall curves that improve with the
steps), serves it with torchscope and photographs each view in Chromium. Run from the
repository root, with the UI built:

    .venv/bin/python tests/browser/take_plot_view_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM, CHROMIUM_ARGS
from logdir_server import logdir_server

from torchscope import SummaryWriter

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
MAX_BYTES = 200_000
SAMPLE_RATE = 8000


def write_demo_logdir(logdir: Path) -> None:
    """Two runs of layer weights and PR curves over training, and a tone in the first run."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 400)
    noise = rng.uniform(0, 1, 400)
    for index, name in enumerate(["baseline", "wide-init"]):
        with SummaryWriter(str(logdir / name)) as writer:
            for step in range(0, 300, 10):
                progress = step / 300
                spread = (1 + index) * (0.3 + 0.7 * progress)
                weights = np.concatenate(
                    [
                        rng.normal(-0.8 * progress, spread * 0.6, 3000),
                        rng.normal(1.2 * progress, spread * 0.4, 1500),
                    ]
                )
                writer.add_histogram("layer1/weights", weights, step, walltime=1.7e9 + step)
                grads = rng.standard_t(3, 2000) * 0.05 * (1 - 0.8 * progress)
                writer.add_histogram("layer1/grads", grads, step, walltime=1.7e9 + step)
            for step in range(5):
                # Below 0.5 the two classes still overlap, so no curve is perfect.
                weight = 0.05 + 0.08 * step * (1 + 0.3 * index)
                predictions = np.clip(weight * labels + (1 - weight) * noise, 0, 1)
                writer.add_pr_curve("pr/cat", labels, predictions, step, walltime=1.7e9 + step)
            if index == 0:
                seconds = np.arange(SAMPLE_RATE // 2) / SAMPLE_RATE
                for step in range(4):
                    tone = 0.4 * np.sin(2 * np.pi * (330 + 110 * step) * seconds)
                    writer.add_audio(
                        "samples/tone",
                        tone.astype(np.float32),
                        step,
                        sample_rate=SAMPLE_RATE,
                        walltime=1.7e9 + 60 * step,
                    )
                writer.add_audio(
                    "samples/noise",
                    (0.2 * rng.standard_normal(SAMPLE_RATE // 2)).astype(np.float32),
                    0,
                    sample_rate=SAMPLE_RATE,
                    walltime=1.7e9,
                )


def shoot(page: Page, target: Path) -> None:
    page.screenshot(path=str(target))
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{target} is {size} bytes, over the {MAX_BYTES} byte budget")
    print(f"wrote {target} ({size // 1024} KB)")


def hover(page: Page, selector: str, fx: float, fy: float) -> None:
    """Put the pointer at a fraction (fx, fy) of the first element matching `selector`."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def main() -> None:
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, sync_playwright() as playwright:
        logdir = Path(work) / "runs"
        write_demo_logdir(logdir)
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        with logdir_server(logdir, Path(work) / "env") as url:
            page = browser.new_page(viewport={"width": 1240, "height": 760})
            page.emulate_media(color_scheme="light")

            page.goto(url + "#/histograms")
            page.locator("#histograms-tag-filter").fill("weights")
            page.locator(".histogram-card[data-ready='1']").nth(1).wait_for()
            page.locator(".histogram-plot:not([data-draws='0'])").nth(1).wait_for()
            hover(page, ".histogram-card canvas", 0.62, 0.72)
            shoot(page, DOCS_IMG / "view-histograms.png")

            page.goto(url + "#/distributions")
            page.locator("#distributions-tag-filter").fill("weights")
            page.locator(".distribution-card[data-draws]").nth(1).wait_for()
            page.locator(".distribution-plot").first.focus()
            page.keyboard.press("End")
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
            shoot(page, DOCS_IMG / "view-distributions.png")

            page.goto(url + "#/audio")
            page.locator(".audio-sample[data-playable='1']").nth(1).wait_for()
            shoot(page, DOCS_IMG / "view-audio.png")

            page.goto(url + "#/pr_curves")
            page.locator(".pr-plot:not([data-draws='0'])").first.wait_for()
            page.locator('.pr-runs li[data-run="baseline"] input[type="range"]').focus()
            page.keyboard.press("ArrowLeft")
            page.keyboard.press("ArrowLeft")
            page.locator(".pr-plot").first.focus()
            page.keyboard.press("ArrowDown")
            page.keyboard.press("ArrowRight")
            shoot(page, DOCS_IMG / "view-pr-curves.png")
        browser.close()


if __name__ == "__main__":
    main()

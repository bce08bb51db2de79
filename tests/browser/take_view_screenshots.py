"""Regenerate the pictures of docs/views.md (Scalars, Images, Text) from a real server.

Writes a small demo log directory with ``torch.utils.tensorboard`` (three runs of a noisy
training curve with one spike, scikit-learn's bundled digits as images, a Markdown note), serves
it with torchscope and photographs each view in Chromium. Run from the repository root, with the
UI built:

    .venv/bin/python tests/browser/take_view_screenshots.py
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

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
MAX_BYTES = 200_000
STEPS = 3_000


def write_demo_logdir(logdir: Path) -> None:
    """Three runs of loss/accuracy/learning rate, digit images and a Markdown note."""
    from sklearn.datasets import load_digits
    from torch.utils.tensorboard import SummaryWriter

    rng = np.random.default_rng(0)
    digits = load_digits().images  # 8x8, values 0..16
    for index, (name, rate) in enumerate([("baseline", 1.0), ("lr=0.1", 1.6), ("lr=0.01", 0.6)]):
        with SummaryWriter(str(logdir / name)) as writer:
            steps = np.arange(STEPS)
            loss = 2.3 * np.exp(-rate * steps / 900) + 0.08 + rng.normal(0, 0.06, STEPS)
            if index == 0:
                loss[1_700] += 3.0  # one diverging batch: downsampling must keep it
            accuracy = 1 - 0.9 * np.exp(-rate * steps / 700) + rng.normal(0, 0.02, STEPS)
            for step in range(STEPS):
                wall = 1_700_000_000 + step * (0.5 + 0.1 * index)
                writer.add_scalar("train/loss", loss[step], step, walltime=wall)
                writer.add_scalar("train/accuracy", accuracy[step], step, walltime=wall)
                writer.add_scalar("lr", 0.1 * rate * 0.999**step, step, walltime=wall)
            if index == 0:
                for step in range(0, STEPS, 500):
                    grid = np.hstack(list(digits[step // 100 : step // 100 + 4])) / 16.0
                    writer.add_image("samples/digits", grid[None], step, walltime=1.7e9 + step)
                for step in (0, 1_000, 2_000):
                    writer.add_text(
                        "notes",
                        f"**Epoch {step // 1000}** — checkpoint saved.\n\n"
                        "| metric | value |\n|---|---|\n"
                        f"| loss | {loss[step]:.3f} |\n| accuracy | {accuracy[step]:.3f} |",
                        step,
                        walltime=1.7e9 + step,
                    )


def shoot(page: Page, target: Path, clip_selector: str | None = None) -> None:
    if clip_selector:
        page.locator(clip_selector).first.screenshot(path=str(target))
    else:
        page.screenshot(path=str(target))
    size = target.stat().st_size
    if size > MAX_BYTES:
        raise SystemExit(f"{target} is {size} bytes, over the {MAX_BYTES} byte budget")
    print(f"wrote {target} ({size // 1024} KB)")


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
            page.goto(url + "#/scalars")
            page.locator(".scalars-view[data-ready='1']").wait_for()
            for card in page.locator(".scalar-card").all()[:3]:
                card.scroll_into_view_if_needed()
                card.locator("xpath=self::*[@data-ready='1']").wait_for()
            page.locator("#scalars-tag-filter").fill("^train/")
            page.evaluate("window.scrollTo(0, 0)")
            loss = page.locator('.scalar-card[data-tag="train/loss"]')
            loss.locator("xpath=self::*[@data-ready='1']").wait_for()
            box = loss.locator(".chart-host canvas").bounding_box()
            assert box is not None
            page.evaluate("document.activeElement.blur()")
            page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
            shoot(page, DOCS_IMG / "view-scalars.png")

            page.mouse.move(0, 0)
            page.emulate_media(color_scheme="dark")
            page.evaluate("localStorage.clear()")
            page.reload()
            page.locator(".scalars-view[data-ready='1']").wait_for()
            loss.scroll_into_view_if_needed()
            loss.locator("xpath=self::*[@data-ready='1']").wait_for()
            chart = loss.locator(".chart-host")
            chart.focus()
            for _ in range(3):
                chart.press("=")
            loss.locator("xpath=self::*[@data-downsampled='0']").wait_for()
            zoomed = DOCS_IMG / "view-scalars-zoomed-dark.png"
            shoot(page, zoomed, ".scalar-card[data-tag='train/loss']")
            page.emulate_media(color_scheme="light")

            page.goto(url + "#/images")
            page.locator(".images-view[data-ready='1']").wait_for()
            page.get_by_role("button", name="Fit to card").first.click()
            page.locator(".image-sample[data-loaded='1']").first.wait_for()
            shoot(page, DOCS_IMG / "view-images.png")

            page.goto(url + "#/text")
            page.locator(".text-card[data-ready='1']").first.wait_for()
            shoot(page, DOCS_IMG / "view-text.png")
        browser.close()


if __name__ == "__main__":
    main()

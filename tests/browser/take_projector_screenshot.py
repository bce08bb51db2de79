"""Draw docs/img/projector-view.png: scikit-learn's digits in the Projector view, laid out by
t-SNE, coloured by digit, one image selected with its nearest neighbours.

Run from the repository root after building the UI:
``python tests/browser/take_projector_screenshot.py``.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

import torch
from PIL import Image
from playwright.sync_api import sync_playwright
from sklearn.datasets import load_digits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM, CHROMIUM_ARGS
from logdir_server import logdir_server

from torchscope import SummaryWriter

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "projector-view.png"


def write_digits(logdir: Path) -> None:
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    with SummaryWriter(str(logdir / "digits")) as writer:
        writer.add_embedding(
            torch.tensor(digits.data, dtype=torch.float32),
            metadata=[str(int(label)) for label in digits.target],
            label_img=1.0 - images,
            tag="pixels",
        )


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        logdir = Path(scratch) / "logs"
        write_digits(logdir)
        with logdir_server(logdir, Path(scratch) / "env") as url, sync_playwright() as player:
            browser = player.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760})
            page.goto(url + "#/projector")
            view = page.locator(".projector-view")
            page.wait_for_selector('.projector-view[data-ready="1"]', timeout=60_000)
            page.get_by_role("button", name="t-SNE").click()
            page.get_by_role("button", name="2-D").click()
            page.get_by_role("button", name="Run t-SNE").click()
            page.wait_for_selector(
                '.projector-view[data-method="tsne"][data-job-status="done"]', timeout=180_000
            )
            x, y = view.evaluate("v => v.projectorScreenPosition(42)")
            box = page.locator(".projector-scene canvas").bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + x, box["y"] + y)
            page.wait_for_selector(".projector-neighbors li", timeout=30_000)
            page.mouse.move(0, 0)
            page.wait_for_timeout(500)
            png = page.screenshot()
            browser.close()
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    image.save(OUTPUT, optimize=True)
    print(f"{OUTPUT}: {OUTPUT.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()

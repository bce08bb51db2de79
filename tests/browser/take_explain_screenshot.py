"""Regenerate docs/img/explain-view.png: the Explain view on records of a small digits CNN.

Writes a log directory with ``SummaryWriter.add_explanation`` (see explain_logdir.py), serves it
with torchscope and photographs one card in Chromium. Run from the repository root, with the UI
built:

    .venv/bin/python tests/browser/take_explain_screenshot.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import CHROMIUM, CHROMIUM_ARGS
from explain_logdir import TAG, write_explain_logdir
from logdir_server import logdir_server

TARGET = Path(__file__).resolve().parents[2] / "docs" / "img" / "explain-view.png"
MAX_BYTES = 200_000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        logdir = Path(folder) / "logs"
        write_explain_logdir(logdir)
        with logdir_server(logdir, Path(folder) / "env") as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            page.emulate_media(color_scheme="light")
            page.goto(url + "#/explain")
            card = page.locator(f'.explain-card[data-tag="{TAG}"]')
            expect(card).to_have_attribute("data-ready", "1", timeout=30_000)
            expect(card.locator(".explain-overlay[data-ready='0']")).to_have_count(0)
            card.locator(".explain-opacity").fill("60")
            card.locator(".explain-opacity").blur()
            card.screenshot(path=str(TARGET))
            browser.close()
    size = TARGET.stat().st_size
    print(f"{TARGET} ({size} bytes)")
    if size > MAX_BYTES:
        raise SystemExit(f"{TARGET} is {size} bytes, over {MAX_BYTES}")


if __name__ == "__main__":
    main()
